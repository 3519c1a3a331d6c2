// Command cfgfmt is a drop-in replacement for Cisco's cfgfmt profile
// compiler: the same command line (cfgfmt [options] input output, options
// glued to their values), the same bytes, on every platform. Run
// `cfgfmt -h` for the options; docs/cfgfmt.md describes the format.
package main

import (
	"io"
	"os"

	"github.com/phoneload/phoneload/internal/cfgfmtcli"
	"github.com/phoneload/phoneload/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program; tests call it with their own streams.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Report(stderr, "cfgfmt", cfgfmtcli.Run(args, stdin, stdout, stderr))
}
