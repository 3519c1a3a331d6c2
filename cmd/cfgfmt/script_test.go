package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/conformance"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"cfgfmt": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScript pins the standalone binary's behaviour, including its
// failures (no output file after a failed run).
func TestScript(t *testing.T) {
	conf := conformance.Path()
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// hexof FILE: the file's bytes as one line of hex on stdout.
			"hexof": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: hexof file")
				}
				fmt.Fprintln(ts.Stdout(), hex.EncodeToString([]byte(ts.ReadFile(args[0]))))
			},
		},
	})
}
