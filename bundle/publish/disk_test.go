//go:build linux

package publish

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tmpfs mounts a tmpfs of the given size (mount options) on a new
// directory, or skips when that is not possible (not root, no mount
// namespace rights).
func tmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "mnt")
	os.Mkdir(dir, 0o755)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): the injected-failure tests cover this path", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// tmpfsRoot is a root inside a new tmpfs, so that its default state
// directory (beside it) is on the same file system.
func tmpfsRoot(t *testing.T, opts string) string {
	root := filepath.Join(tmpfs(t, opts), "root")
	os.Mkdir(root, 0o755)
	return root
}

// TestPublishStateOtherFS: a root that is a mount point has its default
// state directory on another file system, where staged files cannot be
// renamed from: refused with nothing written, and --state on the root's
// file system works.
func TestPublishStateOtherFS(t *testing.T) {
	root := tmpfs(t, "size=4m")
	dir := t.TempDir()
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-11-00", 10<<10))
	_, err := Run(b, root, noVerify)
	if !errors.Is(err, ErrUnsafeState) || !strings.Contains(err.Error(), "another file system") {
		t.Fatalf("publish into a mount point: %v, want ErrUnsafeState (another file system)", err)
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Fatalf("refused publish wrote %d files", len(got))
	}
	if _, err := os.Lstat(sdOf(t, root)); err == nil {
		t.Errorf("refused publish left %s", sdOf(t, root))
	}
	os.Mkdir(filepath.Join(root, "..", "x"), 0o755)
	sd := filepath.Join(root, "..", "x")
	if _, err := Run(b, root, Options{SkipVerify: true, State: sd}); !errors.Is(err, ErrUnsafeState) {
		t.Fatalf("--state outside the mount: %v", err)
	}
}

// TestPublishDiskFull publishes into a root on a tmpfs too small for the
// new release: the publish fails with ENOSPC, the root still holds exactly
// the old release, and once space is freed the same publish succeeds.
func TestPublishDiskFull(t *testing.T) {
	root := tmpfsRoot(t, "size=900k")
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 100<<10), testRelease("8-12-00", 300<<10)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)
	publishOK(t, oldB, root, noVerify)
	filler := filepath.Join(root, "filler")
	os.WriteFile(filler, make([]byte, 400<<10), 0o644)

	_, err := Run(newB, root, noVerify)
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("Publish on a full disk: %v, want ENOSPC", err)
	}
	t.Log(err)
	got := readRootFiles(t, root)
	delete(got, "filler")
	if d := sameRelease(oldR, got); d != "" {
		t.Fatalf("after a failed publish the root is not the old release:\n%s", d)
	}
	if st, err := ReadState(sdOf(t, root)); err != nil || len(st.Files) != len(oldR) {
		t.Fatalf("state after a failed publish: %v, %v", st, err)
	}
	os.Remove(filler)
	publishOK(t, newB, root, noVerify)
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("publish once space is back:\n%s", d)
	}
}

// TestPublishReadOnlyRoot publishes into a root remounted read-only.
func TestPublishReadOnlyRoot(t *testing.T) {
	root := tmpfsRoot(t, "size=4m")
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 10<<10), testRelease("8-12-00", 10<<10)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)
	publishOK(t, oldB, root, noVerify)
	if out, err := exec.Command("mount", "-o", "remount,ro", filepath.Dir(root)).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v %s", err, out)
	}
	_, err := Run(newB, root, noVerify)
	if err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("Publish into a read-only root: %v", err)
	}
	t.Log(err)
	if _, err := Rollback(root, RollbackOptions{}); err == nil || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("Rollback of a read-only root: %v", err)
	}
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("read-only root changed:\n%s", d)
	}
	exec.Command("mount", "-o", "remount,rw", filepath.Dir(root)).Run()
	publishOK(t, newB, root, noVerify)
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("publish once writable again:\n%s", d)
	}
}
