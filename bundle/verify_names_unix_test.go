//go:build unix

package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A bundle directory's own files must be regular files: a symlink is not
// followed and a FIFO does not hang verify.
func TestVerifySignatureNotRegular(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	opts := VerifyOptions{Trust: k.trust(), Now: time.Unix(1700000000, 0)}
	sig := filepath.Join(out, "SHA256SUMS.sig")
	os.Rename(sig, filepath.Join(out, "..", "elsewhere.sig"))
	if err := os.Symlink(filepath.Join("..", "elsewhere.sig"), sig); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out, opts); err == nil || !mentions(nil, err, "SHA256SUMS.sig: not a regular file") {
		t.Errorf("symlinked signature: %v", err)
	}
	os.Remove(sig)
	if err := syscall.Mkfifo(filepath.Join(out, "SHA256SUMS.2.sig"), 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Verify(out, opts); done <- err }()
	select {
	case err := <-done:
		if err == nil || !mentions(nil, err, "SHA256SUMS.2.sig: not a regular file") {
			t.Errorf("FIFO signature: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("verify blocked on a FIFO named SHA256SUMS.2.sig")
	}
}

// A directory on the way to a listed file that is a symlink is not
// followed: in a bundle directory and in a live root, the file behind it is
// not the verified tree's, whatever its content (it can change without the
// root changing).
func TestVerifySymlinkedDirectory(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	opts := VerifyOptions{Trust: k.trust(), Now: time.Unix(1700000000, 0)}
	elsewhere := filepath.Join(t.TempDir(), "ringtones")
	if err := os.Rename(filepath.Join(out, "ringtones"), elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(out, "ringtones")); err != nil {
		t.Fatal(err)
	}
	wantModified := func(res *VerifyResult) bool {
		for _, p := range res.Problems {
			if p.File == "ringtones/RINGLIST.DAT" && p.Kind == Modified && p.Detail == "not a regular file" {
				return true
			}
		}
		return false
	}
	res, err := Verify(out, opts)
	if !errors.Is(err, ErrContent) || !wantModified(res) {
		t.Errorf("bundle dir: %v %+v", err, res.Problems)
	}

	// The same in a live root the bundle was published into.
	root := t.TempDir()
	for _, name := range []string{"P0S3-08-12-00.bin", "P0S3-08-12-00.loads", "SIPDefault.cnf", "SIP00112233AABB.cnf", "empty.txt"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, name), data, 0o644)
	}
	os.Symlink(elsewhere, filepath.Join(root, "ringtones"))
	_, out2 := packDir(t, k)
	opts.Root = root
	res, err = Verify(out2, opts)
	if !errors.Is(err, ErrContent) || !wantModified(res) {
		t.Errorf("live root: %v %+v", err, res.Problems)
	}
}
