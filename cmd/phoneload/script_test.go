package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
)

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
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkdrop": cmdMkdrop,
			"labkey": cmdLabkey,
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}

// cmdMkdrop is `mkdrop [-tar] [-size N] [-key PEM] [-hash H] FAMILY OUT`:
// writes a generated drop (internal/fixture) to OUT, a directory or a path
// ending in .zip (flat, as Cisco ships; with -tar a tar inside the zip) or
// .tar. Families: sip7940, sccp7940, sip79x1, sip7912.
func cmdMkdrop(ts *testscript.TestScript, neg bool, args []string) {
	// Paths are relative to the script's current directory.
	for i, a := range args {
		if i > 0 && (args[i-1] == "-key") || i == len(args)-1 {
			args[i] = ts.MkAbs(a)
		}
	}
	err := fixture.Main(args)
	if neg {
		if err == nil {
			ts.Fatalf("mkdrop succeeded unexpectedly")
		}
		return
	}
	ts.Check(err)
}

// cmdLabkey is `labkey [-pub] OUT`: writes the fixture's lab RSA key (PKCS#8
// PEM), or with -pub its public key, for scripts that sign and verify.
func cmdLabkey(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! labkey")
	}
	pub := len(args) == 2 && args[0] == "-pub"
	if len(args) != 1 && !pub {
		ts.Fatalf("usage: labkey [-pub] OUT")
	}
	data := fixture.LabKeyPEM()
	if pub {
		var err error
		data, err = fixture.LabPublicKeyPEM()
		ts.Check(err)
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[len(args)-1]), data, 0o600))
}
