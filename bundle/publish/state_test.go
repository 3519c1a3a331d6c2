//go:build unix

package publish

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// twoPublishes publishes an old then a new release into a fresh root and
// returns the root and both releases' bundles.
func twoPublishes(t *testing.T) (root, oldB, newB string, oldR, newR release) {
	t.Helper()
	dir := t.TempDir()
	root = filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	oldR, newR = testRelease("8-11-00", 1<<10), testRelease("8-12-00", 1<<10)
	oldB = writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB = writeBundle(t, filepath.Join(dir, "new"), newR)
	publishOK(t, oldB, root, noVerify)
	publishOK(t, newB, root, noVerify)
	return
}

// listTree returns every path under dir, for "nothing was created" checks.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestStateSymlinkRefused: a .phoneload symlink planted in the root (the
// in-root journal of older versions), pointing out of the root, is not
// followed: publish and rollback refuse, and nothing is created in, or
// deleted from, where it points. Old code created lock, state.json and
// history/ there and removed txn/ (issue 12 item 2).
func TestStateSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	root, outside := filepath.Join(dir, "root"), filepath.Join(dir, "etc")
	os.Mkdir(root, 0o755)
	os.Mkdir(outside, 0o755)
	os.Mkdir(filepath.Join(outside, "txn"), 0o755)
	os.WriteFile(filepath.Join(outside, "txn", "keep"), []byte("x"), 0o644)
	before := listTree(t, outside)
	if err := os.Symlink(outside, filepath.Join(root, ".phoneload")); err != nil {
		t.Fatal(err)
	}
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1<<10))
	if _, err := Run(b, root, noVerify); !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("publish through a .phoneload symlink: %v, want ErrUnsafeState", err)
	}
	if _, err := Rollback(root, RollbackOptions{}); !errors.Is(err, ErrUnsafeState) {
		t.Fatalf("rollback through a .phoneload symlink: %v, want ErrUnsafeState", err)
	}
	if after := listTree(t, outside); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("the link target changed:\nbefore %q\nafter  %q", before, after)
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Fatalf("refused publish wrote %d files into the root", len(got))
	}
	if _, err := os.Lstat(sdOf(t, root)); err == nil {
		t.Errorf("refused publish created the state directory")
	}

	// --state naming a symlink is refused the same way.
	link := filepath.Join(dir, "state-link")
	os.Symlink(outside, link)
	if _, err := Run(b, root, Options{SkipVerify: true, State: link}); !errors.Is(err, ErrUnsafeState) {
		t.Fatalf("publish with --state a symlink: %v, want ErrUnsafeState", err)
	}
	if after := listTree(t, outside); strings.Join(after, "\n") != strings.Join(before, "\n") {
		t.Fatalf("the link target changed:\nbefore %q\nafter  %q", before, after)
	}
}

// TestStateRefusals: a state directory inside the root, writable by
// others, or owned by someone else is refused.
func TestStateRefusals(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1<<10))
	for _, sd := range []string{filepath.Join(root, "state"), root, filepath.Join(root, "a", "b")} {
		if _, err := Run(b, root, Options{SkipVerify: true, State: sd}); !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "inside the root") {
			t.Errorf("--state %s: %v, want ErrUnsafeState (inside the root)", sd, err)
		}
	}
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if _, err := Run(b, root, Options{SkipVerify: true, State: open}); !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "writable by others") {
		t.Errorf("world-writable state directory: %v", err)
	}
	if os.Geteuid() == 0 {
		other := filepath.Join(dir, "other")
		os.Mkdir(other, 0o700)
		os.Chown(other, 4242, 4242)
		if _, err := Run(b, root, Options{SkipVerify: true, State: other}); !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Errorf("state directory of another user: %v", err)
		}
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Fatalf("refused publishes wrote %d files", len(got))
	}
}

// TestStateOutsideRootModes: the journal is beside the root, never in it;
// the state directory is 0700, its journal, state and backups 0600, and
// the published files stay readable by the TFTP server (issue 12 item 3).
func TestStateOutsideRootModes(t *testing.T) {
	root, _, _, _, newR := twoPublishes(t)
	sd := sdOf(t, root)
	if filepath.Dir(sd) != filepath.Dir(root) || filepath.Base(sd) != ".phoneload-root" {
		t.Fatalf("state directory %s, want .phoneload-root beside %s", sd, root)
	}
	if _, err := os.Lstat(filepath.Join(root, ".phoneload")); err == nil {
		t.Fatal("a journal in the root")
	}
	backups := 0
	filepath.WalkDir(sd, func(p string, d os.DirEntry, err error) error {
		fi, _ := d.Info()
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
		if strings.Contains(p, "/old/") {
			backups++
		}
		return nil
	})
	if backups == 0 {
		t.Fatal("no backup in the history")
	}
	for name := range newR {
		fi, err := os.Stat(filepath.Join(root, name))
		if err != nil || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v, want mode 0644", name, fi, err)
		}
	}
	// Rolled back, the restored files get their mode back, not the backup's.
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"SIPDefault.cnf", "OS79XX.TXT"} {
		if fi, err := os.Stat(filepath.Join(root, name)); err == nil && fi.Mode().Perm() != 0o644 {
			t.Errorf("restored %s: mode %04o, want 0644", name, fi.Mode().Perm())
		}
	}
}

// makeLegacy moves the state directory of root into ROOT/.phoneload with
// the modes older versions used, as a root published by them looks.
func makeLegacy(t *testing.T, root string) string {
	t.Helper()
	legacy := filepath.Join(root, ".phoneload")
	if err := os.Rename(sdOf(t, root), legacy); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(legacy, func(p string, d os.DirEntry, err error) error {
		if d.IsDir() {
			os.Chmod(p, 0o755)
		} else {
			os.Chmod(p, 0o644)
		}
		return nil
	})
	return legacy
}

// TestMigrateLegacyJournal: a journal in ROOT/.phoneload is moved to the
// state directory by the next rollback (or publish), tightened, and used.
func TestMigrateLegacyJournal(t *testing.T) {
	root, _, _, oldR, _ := twoPublishes(t)
	legacy := makeLegacy(t, root)
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatalf("rollback of a root with an in-root journal: %v", err)
	}
	if _, err := os.Lstat(legacy); err == nil {
		t.Fatal("the in-root journal is still there")
	}
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("rollback after migration:\n%s", d)
	}
	if fi, err := os.Stat(sdOf(t, root)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("migrated state directory: %v %v", fi, err)
	}
}

// TestMigrateCrash: killed right after the move (the one rename) and
// before the modes were tightened, the next run finishes the job; with a
// journal in both places, publish refuses to guess.
func TestMigrateCrash(t *testing.T) {
	root, _, newB, _, newR := twoPublishes(t)
	sd := sdOf(t, root)
	makeLegacy(t, root)
	// The crash: the rename happened, nothing else.
	if err := os.Rename(filepath.Join(root, ".phoneload"), sd); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(newB, root, noVerify); err != nil {
		t.Fatalf("publish after an interrupted migration: %v", err)
	}
	filepath.WalkDir(sd, func(p string, d os.DirEntry, err error) error {
		fi, _ := d.Info()
		if !d.IsDir() && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o after the migration finished", p, fi.Mode().Perm())
		}
		return nil
	})
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatal(d)
	}
	os.Mkdir(filepath.Join(root, ".phoneload"), 0o755)
	os.WriteFile(filepath.Join(root, ".phoneload", "state.json"), []byte("{}"), 0o644)
	if _, err := Run(newB, root, noVerify); !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "both") {
		t.Fatalf("journals in both places: %v", err)
	}
}

// TestRollbackVerifiesBackups: a backup changed after it was taken (by
// whoever could write the state directory, or a disk) is never restored:
// rollback refuses before it undoes anything.
func TestRollbackVerifiesBackups(t *testing.T) {
	root, _, _, _, newR := twoPublishes(t)
	sd := sdOf(t, root)
	ids, _ := History(sd)
	olds, _ := filepath.Glob(filepath.Join(historyDir(sd), ids[len(ids)-1], "old", "*"))
	if len(olds) == 0 {
		t.Fatal("no backup")
	}
	os.WriteFile(olds[0], []byte("proxy: evil.example\n"), 0o600)
	_, err := Rollback(root, RollbackOptions{})
	if !errors.Is(err, ErrBackupMismatch) {
		t.Fatalf("rollback with a tampered backup: %v, want ErrBackupMismatch", err)
	}
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("a refused rollback changed the root:\n%s", d)
	}
	if ids2, _ := History(sd); len(ids2) != len(ids) {
		t.Fatalf("history %v, was %v", ids2, ids)
	}
}
