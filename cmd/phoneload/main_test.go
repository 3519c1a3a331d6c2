package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// As main does: the RSS guard measures the command as shipped.
		"phoneload": func() {
			cmd.SetDefaultMemoryLimit()
			os.Exit(cmd.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs the CLI scripts in testdata/script: every command, its
// output and its failure paths (a failed run must leave no output file).
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/script"))
}
