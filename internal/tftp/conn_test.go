package tftp

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDialKinds: a transfer gets a blockingConn (Linux) while at most
// Server.blocking transfers run, a *net.UDPConn past that, and always for
// an address with a zone.
func TestDialKinds(t *testing.T) {
	s := NewServer(nil, Options{})
	client, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	to := client.LocalAddr().(*net.UDPAddr).AddrPort()
	kind := func() string {
		t.Helper()
		c, err := s.dial(netip.MustParseAddr("127.0.0.1"), to)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		switch c.(type) {
		case *blockingConn:
			return "blocking"
		case *pollerConn:
			return "poller"
		}
		return "?"
	}
	want := "poller"
	if runtime.GOOS == "linux" {
		want = "blocking"
	}
	s.active.Store(s.blocking)
	if got := kind(); got != want {
		t.Errorf("%d transfers running: %s, want %s", s.active.Load(), got, want)
	}
	s.active.Store(s.blocking + 1)
	if got := kind(); got != "poller" {
		t.Errorf("%d transfers running: %s, want poller", s.active.Load(), got)
	}
	if c, ok, _ := dialBlocking(netip.Addr{}, netip.MustParseAddrPort("[fe80::1%lo]:69")); ok || c != nil {
		t.Error("dialBlocking took an address with a zone")
	}
}

// TestServeBothWaits runs the same transfers with each way of waiting for
// ACKs: a whole file, a client whose port closes mid-transfer, a client
// that stops acknowledging, and a transfer evicted for a newer request of
// its source.
func TestServeBothWaits(t *testing.T) {
	root := t.TempDir()
	os.Chmod(root, 0o755)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 32 blocks of 512
	if err := os.WriteFile(filepath.Join(root, "img.bin"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"blocking", "poller"} {
		t.Run(mode, func(t *testing.T) {
			src, err := OpenSource(root)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var events []Event
			s := NewServer(src, Options{Timeout: 300 * time.Millisecond, Retries: 2, MaxPerSource: 1, Log: func(e Event) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}})
			if mode == "poller" {
				s.blocking = 0
			}
			conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			go s.Serve(conn)
			defer func() { s.Shutdown(); src.Close() }()
			addr := conn.LocalAddr().String()
			status := func(n int) []string {
				deadline := time.Now().Add(5 * time.Second)
				for {
					mu.Lock()
					var st []string
					for _, e := range events {
						st = append(st, e.Status+" "+e.Error)
					}
					mu.Unlock()
					if len(st) >= n || time.Now().After(deadline) {
						return st
					}
					time.Sleep(10 * time.Millisecond)
				}
			}

			got, err := fetch(t, addr, "img.bin", 0)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("whole file: %d bytes, %v", len(got), err)
			}
			if st := status(1); len(st) != 1 || st[0] != "ok " {
				t.Fatalf("whole file logged %q", st)
			}

			// A client that takes block 1 and closes its port.
			c, _ := net.ListenPacket("udp", "127.0.0.1:0")
			to, _ := net.ResolveUDPAddr("udp", addr)
			c.WriteTo(rawRRQ("img.bin", "octet"), to)
			buf := make([]byte, 600)
			c.SetReadDeadline(time.Now().Add(time.Second))
			_, peer, err := c.ReadFrom(buf)
			if err != nil {
				t.Fatal(err)
			}
			c.WriteTo([]byte{0, 4, 0, 1}, peer)
			c.Close()
			if st := status(2); len(st) != 2 || !strings.HasPrefix(st[1], "error client gone") {
				t.Fatalf("client gone logged %q", st)
			}

			// A client that never acknowledges: two sends, then timeout.
			c, _ = net.ListenPacket("udp", "127.0.0.1:0")
			defer c.Close()
			c.WriteTo(rawRRQ("img.bin", "octet"), to)
			if st := status(3); len(st) != 3 || !strings.HasPrefix(st[2], "timeout ") {
				t.Fatalf("silent client logged %q", st)
			}

			// A transfer that stalled after block 1 gives way to the
			// next request of its source (MaxPerSource 1).
			stalled, _ := net.ListenPacket("udp", "127.0.0.1:0")
			defer stalled.Close()
			stalled.WriteTo(rawRRQ("img.bin", "octet"), to)
			stalled.SetReadDeadline(time.Now().Add(time.Second))
			if _, peer, err = stalled.ReadFrom(buf); err != nil {
				t.Fatal(err)
			}
			stalled.WriteTo([]byte{0, 4, 0, 1}, peer)
			time.Sleep(400 * time.Millisecond) // past Timeout without an ACK
			got, err = fetch(t, addr, "img.bin", 0)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("request after a stalled one: %d bytes, %v", len(got), err)
			}
			st := strings.Join(status(5), "\n")
			if !strings.Contains(st, "evicted ") {
				t.Fatalf("no eviction logged:\n%s", st)
			}
		})
	}
}
