// Command cfgfmt is a drop-in replacement for Cisco's cfgfmt profile
// compiler: the same command line (cfgfmt [options] input output, options
// glued to their values), the same bytes, on every platform. Run
// `cfgfmt -h` for the options; docs/cfgfmt.md describes the format.
package main

import (
	"os"

	"github.com/phoneload/phoneload/internal/cfgfmtcli"
	"github.com/phoneload/phoneload/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	return cli.Report(os.Stderr, "cfgfmt", cfgfmtcli.Run(args, os.Stdin, os.Stdout, os.Stderr))
}
