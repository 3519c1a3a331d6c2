package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
)

// testCommands are the commands this test binary runs as, besides
// phoneload, by the name it is called under (set by the tests that need
// them, in init).
var testCommands = map[string]func(){}

func TestMain(m *testing.M) {
	// As main does: the RSS guard measures the command as shipped.
	testCommands["phoneload"] = func() {
		cmd.SetDefaultMemoryLimit()
		os.Exit(cmd.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	testscript.Main(m, testCommands)
}

// TestScript runs the CLI scripts in testdata/script: every command, its
// output and its failure paths (a failed run must leave no output file).
func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams(t, "testdata/script"))
}
