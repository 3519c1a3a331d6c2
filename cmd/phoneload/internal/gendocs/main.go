// Command gendocs writes the Markdown reference of every phoneload command
// into a directory (docs/cli). `make docs` runs it; a test keeps it current.
package main

import (
	"fmt"
	"os"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
	"github.com/phoneload/phoneload/cmd/phoneload/internal/gendocs/gen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs DIR")
		os.Exit(2)
	}
	if err := gen.Write(cmd.New(), os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}
