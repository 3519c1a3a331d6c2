package cmd

import (
	"bytes"
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
