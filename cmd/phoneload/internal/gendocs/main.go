// Command gendocs writes the reference of every phoneload command: Markdown
// into a directory (docs/cli) and, with -man DIR, man pages (docs/man,
// phoneload.1, phoneload-pack.1, …, and cfgfmt.1 for the standalone
// drop-in). `make docs` runs it; tests keep both current.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
	"github.com/phoneload/phoneload/cmd/phoneload/internal/gendocs/gen"
)

func main() {
	man := flag.String("man", "", "also write man pages into `DIR`")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gendocs [-man DIR] DIR")
		os.Exit(2)
	}
	if err := gen.Write(cmd.New(), flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
	if *man != "" {
		if err := gen.WriteMan(cmd.New(), *man, cmd.CfgfmtManCommand()); err != nil {
			fmt.Fprintln(os.Stderr, "gendocs:", err)
			os.Exit(1)
		}
	}
}
