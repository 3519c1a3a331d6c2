package archtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// maxTracked bounds a tracked file: the largest are go.sum files and
// docs (80 KB). Firmware (an image is megabytes) and generated trees
// belong outside the repository: fixtures are made by internal/fixture
// when a test runs.
const maxTracked = 512 << 10

// topLevel are the entries the repository holds at its top (the layout
// of the developers' brief); a benchmark tree or an unpacked drop written
// into the work tree by mistake shows up as a new one.
var topLevel = map[string]bool{
	".ci": true, ".gitignore": true, ".goreleaser.yaml": true, "Makefile": true, "README.md": true,
	"bundle": true, "cfgfmt": true, "cmd": true, "docs": true, "go.mod": true, "go.sum": true,
	"internal": true, "packaging": true, "scripts": true, "sign": true, "testdata": true, "tools": true,
}

// TestTrackedFiles: every file git tracks is under a known top-level
// entry and at most maxTracked bytes.
func TestTrackedFiles(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git work tree?)", err)
	}
	names := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(names) < 100 {
		t.Fatalf("git ls-files listed %d files: not this repository", len(names))
	}
	var outside []string
	for _, name := range names {
		top, _, _ := strings.Cut(name, "/")
		if !topLevel[top] {
			outside = append(outside, name)
			continue
		}
		fi, err := os.Lstat("../../" + name)
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		if fi.Size() > maxTracked {
			t.Errorf("%s: %d bytes tracked, over %d (firmware and generated trees stay outside the repository)", name, fi.Size(), maxTracked)
		}
	}
	if len(outside) > 0 {
		t.Errorf("tracked outside the layout (%d files), first: %s; add the entry to topLevel if it belongs", len(outside), outside[0])
	}
}
