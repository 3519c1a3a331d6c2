package main

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/sign"
)

// scriptCmds are the extra commands scripts may use.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"mkdrop":   cmdMkdrop,
	"labkey":   cmdLabkey,
	"genkey":   cmdGenkey,
	"flipbyte": cmdFlipbyte,
	"mkcorpus": cmdMkcorpus,
	"waitaddr": cmdWaitaddr,
	"cheapkey": cmdCheapkey,
}

// cmdCheapkey is `cheapkey PASSPHRASE NAME`: writes an encrypted minisign
// key pair NAME.key (0600) and NAME.pub with a cheap scrypt cost, so that
// scripts about where passphrases come from do not spend seconds of key
// derivation on each unlock (key generate's own cost is tested in key.txt).
func cmdCheapkey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cheapkey PASSPHRASE NAME")
	}
	pub, priv, err := sign.GenerateMinisignKey(nil)
	ts.Check(err)
	sk, err := sign.MarshalMinisignSecretKey(priv, []byte(args[0]), sign.KeyCost{Ops: 1 << 15, Mem: 1 << 24})
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]+".key"), sk, 0o600))
	ts.Check(os.WriteFile(ts.MkAbs(args[1]+".pub"), sign.MarshalMinisignPublicKey(pub), 0o644))
}

// cmdWaitaddr is `waitaddr FILE VAR`: waits (up to 10s) for FILE, which
// `phoneload serve --addr-file FILE` writes once it listens, and sets $VAR
// to the address in it.
func cmdWaitaddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitaddr FILE VAR")
	}
	for i := 0; i < 200; i++ {
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && strings.HasSuffix(string(b), "\n") {
			ts.Setenv(args[1], strings.TrimSpace(string(b)))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("waitaddr: %s never appeared", args[0])
}

// scriptParams sets up the environment every script sees:
// $CONFORMANCE points at ../shared/conformance, or is empty when absent
// (scripts that need it start with `[!conformance] skip`); $DOCS is the
// repository's docs directory.
func scriptParams(t *testing.T, dir string) testscript.Params {
	conf := conformance.Path()
	docs, err := filepath.Abs("../../docs")
	if err != nil {
		t.Fatal(err)
	}
	return testscript.Params{
		Dir: dir,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONFORMANCE", conf)
			env.Setenv("DOCS", docs) // docs/junit.xsd, docs/ci.md

			env.Setenv("SOURCE_DATE_EPOCH", "1700000000")
			return nil
		},
		Cmds: scriptCmds,
		Condition: func(cond string) (bool, error) {
			if cond == "conformance" {
				return conf != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		UpdateScripts: os.Getenv("UPDATE_SCRIPTS") != "",
	}
}

// cmdMkdrop is `mkdrop [-tar] [-size N] [-key PEM] [-hash H] [-ptag FILE] [-phones N [-fleet CSV]] FAMILY OUT`:
// writes a generated drop (internal/fixture) to OUT, a directory or a path
// ending in .zip (flat, as Cisco ships; with -tar a tar inside the zip) or
// .tar. Families: sip7940, sccp7940, sip79x1, sip7912.
func cmdMkdrop(ts *testscript.TestScript, neg bool, args []string) {
	// Paths are relative to the script's current directory.
	for i, a := range args {
		if i > 0 && (args[i-1] == "-key" || args[i-1] == "-ptag" || args[i-1] == "-fleet") || i == len(args)-1 {
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

// cmdGenkey is `genkey [-bits N] OUT`: writes a fresh RSA key (PKCS#8 PEM,
// 2048 bits by default), for scripts that need a key other than the lab key.
func cmdGenkey(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! genkey")
	}
	bits := 2048
	if len(args) == 3 && args[0] == "-bits" {
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		bits, args = n, args[2:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: genkey [-bits N] OUT")
	}
	key, err := rsa.GenerateKey(rand.Reader, bits)
	ts.Check(err)
	data, err := sign.MarshalPrivateKeyPEM(key)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), data, 0o600))
}

// cmdFlipbyte is `flipbyte FILE OFFSET`: inverts the low bit of one byte
// (OFFSET decimal or 0x hex; negative counts from the end), to tamper
// with signed files.
func cmdFlipbyte(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! flipbyte")
	}
	if len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	off, err := strconv.ParseInt(args[1], 0, 64)
	ts.Check(err)
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	if off < 0 {
		off += int64(len(b))
	}
	if off < 0 || off >= int64(len(b)) {
		ts.Fatalf("flipbyte: offset %s outside %d bytes", args[1], len(b))
	}
	b[off] ^= 1
	ts.Check(os.WriteFile(p, b, 0o644))
}
