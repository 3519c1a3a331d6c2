package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/conformance"
)

// scriptParams sets up the environment every script sees:
// $CONFORMANCE points at ../shared/conformance, or is empty when absent
// (scripts that need it start with `[!conformance] skip`).
func scriptParams(t *testing.T, dir string) testscript.Params {
	conf := conformance.Path()
	return testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "conformance" {
				return conf != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}
