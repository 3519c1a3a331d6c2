//go:build unix

package bundle

import (
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
	if _, err := VerifyBundle(out, opts); err == nil || !mentions(nil, err, "SHA256SUMS.sig: not a regular file") {
		t.Errorf("symlinked signature: %v", err)
	}
	os.Remove(sig)
	if err := syscall.Mkfifo(filepath.Join(out, "SHA256SUMS.2.sig"), 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := VerifyBundle(out, opts); done <- err }()
	select {
	case err := <-done:
		if err == nil || !mentions(nil, err, "SHA256SUMS.2.sig: not a regular file") {
			t.Errorf("FIFO signature: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("verify blocked on a FIFO named SHA256SUMS.2.sig")
	}
}
