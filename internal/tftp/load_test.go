package tftp

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/tftp/tftpload"
)

// imageSize is a 7960's SIP image, about.
const imageSize = 700_000

func stormRoot(t testing.TB) string {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("image_version: P0S3-8-12-00\n"), 0o644)
	os.WriteFile(filepath.Join(root, "P0S3-8-12-00.sb2"), bytes.Repeat([]byte{0x5a}, imageSize), 0o644)
	return root
}

// TestServeStalledClients is the load test of docs/security.md ("serve: a
// hostile network"): clients that ask for files and never ACK, from one
// source and from many (as spoofed requests would), before and while 50
// phones boot; every phone must get its config and its image. Bounded:
// loopback only, ~2,000 sockets, a few seconds.
func TestServeStalledClients(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		// The old fixed ceiling: a full table is not a refusal.
		{"ceiling 64", Options{MaxTransfers: 64}},
		{"defaults", Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := OpenSource(stormRoot(t))
			if err != nil {
				t.Fatal(err)
			}
			addr, events := startServer(t, src, tc.opts)
			var st tftpload.Staller
			defer st.Close()
			one := netip.MustParseAddr("127.0.0.2")
			// 400 stalled requests from one address, and two each from
			// 300 others, before the phones start.
			for i := 0; i < 400; i++ {
				if err := st.Request(one, addr, "P0S3-8-12-00.sb2"); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 300; i++ {
				a := netip.AddrFrom4([4]byte{127, 2, byte(i >> 8), byte(i)})
				st.Request(a, addr, "P0S3-8-12-00.sb2", "blksize", "65464")
				st.Request(a, addr, "SIPDefault.cnf")
			}
			// And more while they boot, ~1,000 a second.
			stop := make(chan struct{})
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 1000; i++ {
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
					a := netip.AddrFrom4([4]byte{127, 3, byte(i >> 8), byte(i)})
					st.Request(a, addr, "P0S3-8-12-00.sb2")
				}
			}()
			phones := 50
			if raceEnabled {
				phones = 10
			}
			res := tftpload.Storm{
				Server:   addr,
				Phones:   phones,
				Files:    []string{"SIPDefault.cnf", "P0S3-8-12-00.sb2"},
				Client:   tftpload.Client{Timeout: time.Second, Retries: 5},
				Attempts: 3,
			}.Run()
			close(stop)
			wg.Wait()
			if res.Served != res.Phones {
				t.Fatalf("%d of %d phones served (failures %v)", res.Served, res.Phones, res.Failures)
			}
			if want := int64(res.Phones) * (imageSize + 28); res.Bytes != want {
				t.Errorf("phones got %d bytes, want %d", res.Bytes, want)
			}
			busy := 0
			for _, e := range events() {
				if e.Status == "busy" && e.Remote[:6] == "127.1." {
					busy++
				}
			}
			t.Logf("%d phones in %v (p50 %v, p99 %v); %d busy answers to phones", phones, res.Wall.Round(time.Millisecond), res.P50.Round(time.Millisecond), res.P99.Round(time.Millisecond), busy)
		})
	}
}

// TestServeBurst: a burst of 30,000 requests from one address (100 ports)
// in well under a second, then phones at once: each is served on its first
// attempt.
func TestServeBurst(t *testing.T) {
	src, err := OpenSource(stormRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, src, Options{})
	var st tftpload.Staller
	defer st.Close()
	t0 := time.Now()
	if err := st.Flood(netip.MustParseAddr("127.0.0.3"), addr, "P0S3-8-12-00.sb2", 100, 30_000); err != nil {
		t.Fatal(err)
	}
	t.Logf("30,000 requests sent in %v", time.Since(t0).Round(time.Millisecond))
	res := tftpload.Storm{Server: addr, Phones: 20, Files: []string{"SIPDefault.cnf", "P0S3-8-12-00.sb2"}, Client: tftpload.Client{Timeout: time.Second}, Attempts: 1}.Run()
	if res.Served != res.Phones {
		t.Fatalf("%d of %d phones served after a burst (failures %v)", res.Served, res.Phones, res.Failures)
	}
}
