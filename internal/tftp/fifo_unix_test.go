//go:build unix

package tftp

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestServeFIFO: a FIFO in the root is "File not found", at once. Opening
// it for reading would wait for a writer: the transfer would hang and a
// graceful stop would wait for it forever.
func TestServeFIFO(t *testing.T) {
	root := testRoot(t)
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	addr, events := startServer(t, src, Options{})
	done := make(chan error, 1)
	go func() {
		_, err := fetch(t, addr, "fifo", 0)
		done <- err
	}()
	select {
	case err := <-done:
		var re *RemoteError
		if !errors.As(err, &re) || !re.NotFound() || re.Message != "File not found" {
			t.Fatalf("fetch fifo: %v, want File not found", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("fetching a FIFO hangs")
	}
	if ev := waitEvents(events, 1); len(ev) != 1 || ev[0].Status != "not-found" {
		t.Errorf("log: %+v, want one not-found", ev)
	}
}
