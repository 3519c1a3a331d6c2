package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/conformance"
)

// scriptCmds are the extra commands scripts may use. Each lives in its own
// *_test.go file and registers itself here from init, so that adding one
// does not touch this file.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

// scriptParams sets up the environment every script sees:
// $CONFORMANCE points at ../shared/conformance, or is empty when absent
// (scripts that need it start with `[!exists $CONFORMANCE/README.md] skip`).
func scriptParams(t *testing.T, dir string) testscript.Params {
	conf := conformance.Path()
	return testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			return nil
		},
		Cmds:          scriptCmds,
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}
