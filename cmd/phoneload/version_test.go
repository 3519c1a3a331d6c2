package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/internal/testtool"
)

// TestVersionFromRealBuild builds the binary as a user would (go build in
// the checkout) and checks that `version --json` reports the checkout's
// commit, its date and the dirty flag from the build information, and that
// the -ldflags version (make build) is shown beside them, not instead.
// Test binaries carry no VCS stamp, so only a real build can show this.
func TestVersionFromRealBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	head, err := exec.Command(gitPath, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not a git checkout")
	}
	status, err := exec.Command(gitPath, "status", "--porcelain").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "phoneload")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := exec.Command("go", "build", "-buildvcs=true", "-ldflags", "-X github.com/phoneload/phoneload/cmd/phoneload/cmd.Version=v0.0.0-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Version, Module, Commit, Go string
		CommitTime                  string `json:"commit_time"`
		Modified                    *bool
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if v.Commit == "" {
		// cmd/go stamps VCS information only when it finds a .git
		// directory; a git worktree has a .git file.
		top, _ := exec.Command(gitPath, "rev-parse", "--show-toplevel").Output()
		if fi, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err == nil && !fi.IsDir() {
			testtool.Missing(t, "git worktree: the go command records no VCS information here")
		}
	}
	if v.Version != "v0.0.0-test" {
		t.Errorf("version %q, want the -ldflags value", v.Version)
	}
	if v.Commit != strings.TrimSpace(string(head)) {
		t.Errorf("commit %q, want HEAD %s", v.Commit, head)
	}
	if v.CommitTime == "" || v.Module == "" || v.Go != runtime.Version() {
		t.Errorf("incomplete: %s", out)
	}
	if v.Modified == nil || *v.Modified != (len(status) > 0) {
		t.Errorf("modified %v, git status says dirty=%v", v.Modified, len(status) > 0)
	}
	text, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(text), "phoneload v0.0.0-test\n") || !strings.Contains(string(text), v.Commit) {
		t.Errorf("--version:\n%s", text)
	}
	if os.Getenv("CI") != "" && strings.Contains(string(text), "devel") {
		t.Errorf("--version says devel:\n%s", text)
	}
}
