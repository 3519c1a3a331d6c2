package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// withSequence rewrites a test bundle's bundle.json with a sequence.
func withSequence(t *testing.T, b string, seq uint64) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(b, "bundle.json"), fmt.Appendf(nil, `{"name":"test","sequence":%d}`+"\n", seq), 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDowngradeRefused: once sequence 7 is published into a root, a
// bundle with sequence 5 (old, validly signed, unexpired: TUF's rollback
// attack) is refused with ErrDowngrade, in a dry run too, even after an
// operator's rollback; --allow-downgrade publishes it; equal sequences
// republish (issue 12 item 4).
func TestDowngradeRefused(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	oldR, newR := testRelease("8-11-00", 1<<10), testRelease("8-12-00", 1<<10)
	oldB := withSequence(t, writeBundle(t, filepath.Join(dir, "old"), oldR), 5)
	newB := withSequence(t, writeBundle(t, filepath.Join(dir, "new"), newR), 7)
	publishOK(t, oldB, root, noVerify)
	publishOK(t, newB, root, noVerify)
	if h, err := ReadHighest(sdOf(t, root)); err != nil || h.Sequence != 7 {
		t.Fatalf("highest %+v, %v; want 7", h, err)
	}
	for _, dry := range []bool{true, false} {
		if _, err := Run(oldB, root, Options{SkipVerify: true, DryRun: dry}); !errors.Is(err, ErrDowngrade) {
			t.Fatalf("dry run %v: publish of sequence 5 after 7: %v, want ErrDowngrade", dry, err)
		}
	}
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("a refused downgrade changed the root:\n%s", d)
	}
	// Rollback is the operator's; the mark stays at 7.
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if h, _ := ReadHighest(sdOf(t, root)); h.Sequence != 7 {
		t.Fatalf("rollback lowered the highest sequence to %d", h.Sequence)
	}
	publishOK(t, newB, root, noVerify) // equal: fine
	if _, err := Run(oldB, root, noVerify); !errors.Is(err, ErrDowngrade) {
		t.Fatalf("downgrade after a rollback: %v", err)
	}
	publishOK(t, oldB, root, Options{SkipVerify: true, AllowDowngrade: true})
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("--allow-downgrade:\n%s", d)
	}
	if h, _ := ReadHighest(sdOf(t, root)); h.Sequence != 7 {
		t.Fatalf("an allowed downgrade lowered the mark to %d", h.Sequence)
	}
}

// TestJournalNamesHidden: a journal or bundle name holding a Unicode
// control, format or separator character never drives a rename.
func TestJournalNamesHidden(t *testing.T) {
	for _, n := range []string{"SEP\u202Ecnf.txt", "SIP\u200B.cnf", "\uFEFFOS79XX.TXT", "a\u2028b", "a\u2029b", "a\u009bb"} {
		if err := checkSafeName(n); err == nil {
			t.Errorf("checkSafeName(%q) accepted", n)
		}
	}
	if err := checkSafeName("SIPDefault.cnf"); err != nil {
		t.Error(err)
	}
}
