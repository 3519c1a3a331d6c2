//go:build unix

package container

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWalkDirRefusals: a TFTP root is refused for what an archive is
// refused for, with the entry named.
func TestWalkDirRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) error
		lim   Limits
		want  error
		msg   string
	}{
		{"symlink", func(d string) error { return os.Symlink("/etc/passwd", filepath.Join(d, "OS79XX.TXT")) }, Limits{}, ErrLink,
			`bundle: root: OS79XX.TXT: link not allowed: symbolic link to "/etc/passwd"`},
		{"symlinked dir", func(d string) error { return os.Symlink("/etc", filepath.Join(d, "etc")) }, Limits{}, ErrLink,
			`bundle: root: etc: link not allowed: symbolic link to "/etc"`},
		{"fifo", func(d string) error { return syscall.Mkfifo(filepath.Join(d, "pipe"), 0o644) }, Limits{}, ErrSpecial,
			"bundle: root: pipe: not a regular file: named pipe (fifo)"},
		{"case", func(d string) error { return os.WriteFile(filepath.Join(d, "os79xx.txt"), nil, 0o644) }, Limits{}, ErrCaseCollision,
			`bundle: root: os79xx.txt: names differ only in case: "os79xx.txt" collides with "OS79XX.TXT"`},
		{"backslash", func(d string) error { return os.WriteFile(filepath.Join(d, `a\b`), nil, 0o644) }, Limits{}, ErrUnsafePath,
			`bundle: root: a\b: unsafe path: backslash in name (a path separator on Windows)`},
		{"too many", func(d string) error { return os.WriteFile(filepath.Join(d, "b"), nil, 0o644) }, Limits{MaxFiles: 1}, ErrTooMany,
			"bundle: root: too many files: more than 1 entries (Limits.MaxFiles)"},
		{"too large", func(d string) error { return os.WriteFile(filepath.Join(d, "big"), make([]byte, 100), 0o644) }, Limits{MaxFileSize: 99}, ErrTooLarge,
			"bundle: root: big: too large: 100 bytes, over Limits.MaxFileSize 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			os.Mkdir("root", 0o755)
			if err := os.WriteFile(filepath.Join("root", "OS79XX.TXT"), []byte("P0S3-8-12-00\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tt.setup("root"); err != nil {
				t.Skip(err)
			}
			assertWalkRefused(t, "root", tt.lim, tt.want, tt.msg)
		})
	}
}

// TestWalkDirChanged: a file that grows after it was listed is refused, not
// read past its listed size.
func TestWalkDirChanged(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		os.WriteFile(filepath.Join(dir, n), []byte("12345"), 0o644)
	}
	err := Walk(dir, Limits{}, func(e Entry, r io.Reader) error {
		if e.Name == "a" {
			return os.WriteFile(filepath.Join(dir, "b"), []byte("123456789"), 0o644)
		}
		_, err := io.ReadAll(r)
		return err
	})
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("Walk: %v, want ErrChanged", err)
	}
}

// TestWalkFnError: fn's own error comes back unchanged, and stops the walk.
func TestWalkFnError(t *testing.T) {
	dir := t.TempDir()
	writeGoodDir(t, dir)
	stop := errors.New("stop")
	for _, workers := range []int{1, 3} {
		var seen []string
		err := WalkParallel(dir, Limits{}, workers, func(e Entry, r io.Reader) error {
			if e.Name == "a.b" {
				return stop
			}
			if workers == 1 {
				seen = append(seen, e.Name)
			}
			return nil
		})
		if err != stop {
			t.Errorf("workers=%d: Walk: %v, want fn's error", workers, err)
		}
		if workers == 1 && len(seen) != 2 {
			t.Errorf("fn saw %q before the error, want the 2 files before a.b", seen)
		}
	}
}

// TestWalkDirCaseAliases: with Limits.CaseAliases a directory's names that
// differ only in case are all walked (a case-sensitive TFTP root keeps
// RINGLIST.XML beside ringlist.xml on purpose); without it they are refused.
func TestWalkDirCaseAliases(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"ringlist.xml", "RINGLIST.XML", "RingList.xml"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("<CiscoIPPhoneRingList/>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "Ringlist.XML")); err == nil {
		t.Skip("case-insensitive file system")
	}
	var got []string
	if err := Walk(dir, Limits{CaseAliases: true}, func(e Entry, _ io.Reader) error { got = append(got, e.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("walked %v, want all three aliases", got)
	}
	if err := Walk(dir, Limits{}, func(Entry, io.Reader) error { return nil }); !errors.Is(err, ErrCaseCollision) {
		t.Errorf("without CaseAliases: %v, want ErrCaseCollision", err)
	}
}

// A directory packs into a bundle: the default limits must let a directory
// hold every file a bundle may, or a root pack accepts would be refused by
// check and inspect (and the other way round).
func TestDirLimitsHoldABundle(t *testing.T) {
	if d, b := DefaultDirLimits.MaxFiles, DefaultBundleLimits.MaxFiles; d < b || d < 1_000_011 {
		t.Errorf("DefaultDirLimits.MaxFiles %d: want at least DefaultBundleLimits.MaxFiles %d and a million-phone root", d, b)
	}
}

// assertWalkRefused: Walk of root under lim fails with want (errors.Is)
// and exactly msg, before it hands any file to its callback.
func assertWalkRefused(t *testing.T, root string, lim Limits, want error, msg string) {
	t.Helper()
	calls := 0
	err := Walk(root, lim, func(Entry, io.Reader) error { calls++; return nil })
	if !errors.Is(err, want) {
		t.Fatalf("Walk: %v, want errors.Is %v", err, want)
	}
	if err.Error() != msg {
		t.Errorf("message:\n got %s\nwant %s", err, msg)
	}
	if calls != 0 {
		t.Errorf("fn called %d times before the refusal", calls)
	}
}
