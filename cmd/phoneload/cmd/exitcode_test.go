package cmd

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestUsageExitCode pins the documented contract: every command answers a
// usage mistake with exit 2 and a "phoneload: error:" line, writing nothing
// to stdout.
func TestUsageExitCode(t *testing.T) {
	tests := [][]string{
		{"no-such-command"},
		{"--no-such-flag"},
		{"inspect"},
		{"inspect", "--no-such-flag", "x"},
		{"unpack", "only-one-arg"},
		{"check"},
		{"check", "--ignore", "no-such-rule", "."},
		{"cfgfmt", "only-one-arg"},
		{"compile"},
		{"sign-image"},
		{"key", "generate"},
		{"pack", "src"},
		{"verify"},
		{"publish", "bundle.zip"},
		{"rollback"},
		{"serve"},
		{"probe", "tftp://127.0.0.1"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(args, strings.NewReader(""), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "phoneload: error: ") {
				t.Errorf("stderr does not start with the error prefix:\n%s", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty:\n%s", stdout.String())
			}
		})
	}
}

// TestUnreadableFlagFileExitCode pins one rule across commands: a --trust,
// --table or --key file that cannot be read or parsed is a failed
// operation (exit 1), like an unreadable PATH, never a usage error (2);
// nothing is written to stdout.
func TestUnreadableFlagFileExitCode(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/garbage.pem"
	if err := os.WriteFile(bad, []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badTable := dir + "/garbage.dat"
	if err := os.WriteFile(badTable, []byte("\x00\x01 not a table\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := dir + "/nosuch"
	tests := [][]string{
		{"inspect", "--trust", missing, dir},
		{"inspect", "--trust", bad, dir},
		{"inspect", "--table", missing, dir},
		{"inspect", "--table", badTable, dir},
		{"check", "--trust", missing, dir},
		{"check", "--trust", bad, dir},
		{"check", "--table", missing, dir},
		{"check", "--table", badTable, dir},
		{"sign-image", "--verify", "--trust", missing, bad},
		{"sign-image", "--verify", "--trust", bad, bad},
		{"sign-image", "--key", missing, bad},
		{"sign-image", "--key", bad, bad},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[:3], " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(args, strings.NewReader(""), &stdout, &stderr); code != 1 {
				t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr.String())
			}
			if !strings.HasPrefix(stderr.String(), "phoneload: error: ") {
				t.Errorf("stderr: %s", stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty:\n%s", stdout.String())
			}
		})
	}
}
