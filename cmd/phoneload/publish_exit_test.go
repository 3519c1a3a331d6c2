//go:build unix

package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"
)

// TestPublishExitCodes pins the documented exit codes of publish.
func TestPublishExitCodes(t *testing.T) {
	e := newE2E(t)
	_, other, _ := minisign.GenerateKey(rand.Reader)
	good := e.bundle(t, "good", release("8-12-00"))
	foreign := filepath.Join(e.dir, "foreign")
	if err := writeSignedBundle(foreign, release("8-12-00"), other, false, false); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(e.dir, "tampered")
	if err := writeSignedBundle(tampered, release("8-12-00"), e.key, true, false); err != nil {
		t.Fatal(err)
	}
	root := e.root(t)
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("image_version: mine\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"usage", []string{"publish", "--pub", e.pub, good}, 2},
		{"no key", []string{"publish", good, root}, 2},
		{"untrusted signature", []string{"publish", "--pub", e.pub, foreign, root}, 3},
		{"tampered", []string{"publish", "--pub", e.pub, tampered, root}, 4},
		{"not owned", []string{"publish", "--pub", e.pub, good, root}, 5},
		{"dry run not owned", []string{"publish", "--pub", e.pub, "--dry-run", good, root}, 5},
		{"forced", []string{"publish", "--pub", e.pub, "--force", good, root}, 0},
		{"rollback", []string{"rollback", root}, 0},
		{"nothing to roll back", []string{"rollback", root}, 1},
	} {
		_, stderr, code := run(t, tc.args...)
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d\n%s", tc.name, code, tc.want, stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, "SIPDefault.cnf")); string(b) != "image_version: mine\n" {
		t.Errorf("rollback did not restore the file the forced publish replaced: %q", b)
	}
}

// TestPublishProbeBadArguments: a malformed --canary, --mac or --model is a
// usage mistake (exit 2), reported before the bundle is read, and publish
// leaves the root untouched.
func TestPublishProbeBadArguments(t *testing.T) {
	e := newE2E(t)
	good := e.bundle(t, "good", release("8-12-00"))
	root := e.root(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"canary", []string{"publish", "--pub", e.pub, "--canary", "001122334455,zz", good, root}, `--canary: "zz" is not a MAC address`},
		{"keep 0", []string{"publish", "--pub", e.pub, "--keep", "0", good, root}, `--keep 0: keep at least 1 publish for rollback, or -1 for all`},
		{"mac", []string{"probe", "--pub", e.pub, "--mac", "0011.2233", "--bundle", good, "tftp://127.0.0.1:9"}, `--mac "0011.2233": not a MAC address`},
		{"blksize", []string{"probe", "--pub", e.pub, "--blksize", "100", "--bundle", good, "tftp://127.0.0.1:9"}, `--blksize 100: want 512 to 65464`},
		{"max-blksize", []string{"serve", "--listen", "127.0.0.1:0", "--max-blksize", "4", root}, `--max-blksize 4: want 8 to 65464`},
		{"model", []string{"probe", "--pub", e.pub, "--model", "9999", "--bundle", good, "tftp://127.0.0.1:9"}, `--model "9999": unknown model (known: 7905, 7906,`},
	} {
		stdout, stderr, code := run(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%s: exit %d, want 2 and %q on stderr, nothing on stdout\nstdout: %s\nstderr: %s", tc.name, code, tc.want, stdout, stderr)
		}
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("root changed by a refused publish: %v", ents)
	}
}
