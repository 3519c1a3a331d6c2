// Command cfgfmt is a drop-in replacement for Cisco's cfgfmt profile
// compiler: the same command line (cfgfmt [options] input output, options
// glued to their values), the same bytes, on every platform. Run
// `cfgfmt -h` for the options; docs/cfgfmt.md describes the format.
// `cfgfmt --version` (and --version --json) describes the binary; Cisco's
// tool has no such switch, so no script written for it is affected.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/phoneload/phoneload/internal/cfgfmtcli"
	"github.com/phoneload/phoneload/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Version is set at build time with -ldflags "-X main.Version=v1.2.3"
// (make build); otherwise it comes from the build information.
var Version = ""

// run is the whole program; tests call it with their own streams.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "--version" {
		return cli.Report(stderr, "cfgfmt", version(args[1:], stdout))
	}
	return cli.Report(stderr, "cfgfmt", cfgfmtcli.Run(args, stdin, stdout, stderr))
}

// version prints the build information: `--version` or `--version --json`.
func version(args []string, stdout io.Writer) error {
	b := cli.ReadBuildInfo("cfgfmt", Version)
	switch {
	case len(args) == 0:
		cli.WriteVersion(stdout, b)
		return nil
	case len(args) == 1 && args[0] == "--json":
		return cli.WriteJSON(stdout, b)
	}
	return cli.Usage("--version takes only --json; got %s", fmt.Sprint(args))
}
