package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptParams sets up the environment every script sees:
// $CONFORMANCE points at ../shared/conformance (skip with
// [!exec:...] or "[!exists $CONFORMANCE]" when absent).
func scriptParams(t *testing.T, dir string) testscript.Params {
	conf, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "conformance"))
	return testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			return nil
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}
