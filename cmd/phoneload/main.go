// Command phoneload inspects, checks, compiles, signs and publishes Cisco IP
// phone firmware. See docs/cli for every subcommand.
package main

import (
	"os"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
)

func main() {
	cmd.SetDefaultMemoryLimit() // unless GOMEMLIMIT or GOGC is set
	os.Exit(cmd.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
