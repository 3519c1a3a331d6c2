// Package testtool finds the outside programs that interop tests run
// (minisign, ssh-keygen, in.tftpd, curl, …). Locally a missing tool skips
// the test; in CI ($CI set), where .ci/run installs every one of them, it
// fails it, so that a missing install step cannot pass as a green run.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Need returns the path of the program name, looking in $PATH and then in
// /usr/sbin (where in.tftpd lives, off a user's PATH).
func Need(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); isExec(p) {
		return p
	}
	Missing(t, name+" not installed (.ci/run installs it)")
	return ""
}

// Missing skips t locally and fails it in CI, with why.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("required in CI: %s", why)
	}
	t.Skip(why)
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
