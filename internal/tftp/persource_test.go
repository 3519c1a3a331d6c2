package tftp

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// serveWithLog is startServer with the caller's Log (startServer keeps
// its own).
func serveWithLog(t *testing.T, src Source, opts Options) string {
	t.Helper()
	s := NewServer(src, opts)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(conn) }()
	t.Cleanup(func() {
		s.Shutdown()
		<-done
		src.Close()
	})
	return conn.LocalAddr().String()
}

// TestServeSequentialNeverBusy: a phone (or probe --all) fetches its
// files one after another from one address; with the default limits no
// request of it may be answered "Server busy", however slowly the log is
// written (serve writes it under a lock to a terminal, a pipe or
// journald; here 2ms a line, slower than a small transfer).
func TestServeSequentialNeverBusy(t *testing.T) {
	root := t.TempDir()
	const n = 500
	for i := range n {
		os.WriteFile(filepath.Join(root, fmt.Sprintf("SEP%012X.cnf.xml", i)), []byte(fmt.Sprintf("<device>%d</device>\n", i)), 0o644)
	}
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var busy []Event
	addr := serveWithLog(t, src, Options{Log: func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		if e.Status != "ok" {
			busy = append(busy, e)
		}
	}})
	for i := range n {
		name := fmt.Sprintf("SEP%012X.cnf.xml", i)
		got, err := fetch(t, addr, name, 0)
		if err != nil {
			t.Fatalf("fetch %d of %d (%s): %v", i+1, n, name, err)
		}
		if want := fmt.Sprintf("<device>%d</device>\n", i); string(got) != want {
			t.Fatalf("%s: got %q, want %q", name, got, want)
		}
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(busy) > 0 {
		t.Fatalf("%d requests not ok, first: %+v", len(busy), busy[0])
	}
}

// TestServeConcurrentPerSourceBusy: more than MaxPerSource transfers at
// once from one address, every one making progress, get "Server busy".
// The held transfers are real clients that ACK the first block and then
// keep going slowly (an ACK every 100ms, under the timeout, so none is
// stalled).
func TestServeConcurrentPerSourceBusy(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "big.bin"), bytes.Repeat([]byte{1}, 512*20), 0o644)
	os.WriteFile(filepath.Join(root, "small.cnf"), []byte("x\n"), 0o644)
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	const cap = 3
	addr := serveWithLog(t, src, Options{MaxPerSource: cap, Timeout: 2 * time.Second})
	server, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	started := make(chan error, cap)
	for range cap {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				started <- err
				return
			}
			defer c.Close()
			c.WriteTo(append([]byte{0, opRRQ}, "big.bin\x00octet\x00"...), server)
			buf := make([]byte, 600)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, from, err := c.ReadFrom(buf)
			if err != nil || n < 4 || buf[1] != opDATA {
				started <- fmt.Errorf("first block: n=%d err=%v", n, err)
				return
			}
			started <- nil
			blk := buf[2:4]
			for {
				select {
				case <-stop:
					// A client that gives up says so (as pin/tftp does).
					c.WriteTo(append([]byte{0, opERROR, 0, 0}, "cancelled\x00"...), from)
					return
				case <-time.After(100 * time.Millisecond):
				}
				c.WriteTo([]byte{0, opACK, blk[0], blk[1]}, from)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				n, _, err := c.ReadFrom(buf)
				if err != nil || n < 4 {
					return
				}
				blk = buf[2:4]
			}
		}()
	}
	for range cap {
		if err := <-started; err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(150 * time.Millisecond) // every held transfer has had an ACK
	_, err = fetch(t, addr, "small.cnf", 0)
	close(stop)
	wg.Wait()
	var re *RemoteError
	if !errors.As(err, &re) || re.Message != msgBusy {
		t.Fatalf("request %d of one source while %d transfers run: got %v, want %q", cap+1, cap, err, msgBusy)
	}
	// Once they are over (aborted by their clients), the same source is
	// served again at once.
	time.Sleep(50 * time.Millisecond)
	if _, err := fetch(t, addr, "small.cnf", 0); err != nil {
		t.Fatalf("after the held transfers ended: %v", err)
	}
}

// TestServeFinalACKNotCounted: a client's next request can reach the
// server before the transfer goroutine has read the final ACK of the
// previous file. A transfer that has sent its last block does not hold
// one of its source's MaxPerSource slots: here the final ACKs never come
// at all, and the source is still served, up to a second MaxPerSource of
// such transfers.
func TestServeFinalACKNotCounted(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "small.cnf"), []byte("x\n"), 0o644)
	src, err := OpenSource(root)
	if err != nil {
		t.Fatal(err)
	}
	const cap = 4
	addr := serveWithLog(t, src, Options{MaxPerSource: cap, Timeout: 3 * time.Second, FirstACK: 10 * time.Second})
	server, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 * cap {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.WriteTo(append([]byte{0, opRRQ}, "small.cnf\x00octet\x00"...), server)
		buf := make([]byte, 600)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := c.ReadFrom(buf)
		if err != nil || n < 4 {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if buf[1] != opDATA {
			t.Fatalf("request %d of one source, %d earlier transfers awaiting only their final ACK: got %q, want DATA", i+1, i, buf[4:n])
		}
	}
	// 2*cap transfers of one source await their final ACK: the next
	// request is refused (none is stalled yet).
	_, err = fetch(t, addr, "small.cnf", 0)
	var re *RemoteError
	if !errors.As(err, &re) || re.Message != msgBusy {
		t.Fatalf("request %d: got %v, want %q", 2*cap+1, err, msgBusy)
	}
}
