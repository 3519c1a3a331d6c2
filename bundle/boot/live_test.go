package boot

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/servertest"
	"github.com/phoneload/phoneload/internal/tftp"
)

// serve runs phoneload's own TFTP server (what `phoneload serve` runs) on
// root.
func serve(t *testing.T, root string) string {
	t.Helper()
	src, err := tftp.OpenSource(root)
	must(t, err)
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	must(t, err)
	srv := tftp.NewServer(src, tftp.Options{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conn) }()
	t.Cleanup(func() { srv.Shutdown(); <-done; src.Close() })
	return conn.LocalAddr().String()
}

func simulateAt(t *testing.T, addr string, p Phone) *Result {
	t.Helper()
	src, err := Dial(addr, DialOptions{Client: tftp.ClientOptions{Timeout: time.Second, Retries: 3}})
	must(t, err)
	defer src.Close()
	r, err := Simulate(src, p)
	must(t, err)
	return r
}

// fullTrace is trace with sizes and the outcome.
func fullTrace(r *Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%d %s %s %d\n", s.Boot, s.File, s.Result, s.Size)
	}
	fmt.Fprintf(&b, "=> %s %s after %d reboots\n", r.Outcome.Code, r.Outcome.Load, r.Outcome.Reboots)
	return b.String()
}

// liveCases are roots and phones played against the root directly and
// against live servers: a clean upgrade of each family, and failures.
func liveCases(t *testing.T) []struct {
	name  string
	dir   string
	phone Phone
} {
	sip := root(t, fixture.SIP7940)
	partless := root(t, fixture.SIP7940)
	must(t, fixture.Remove(partless, "P0S3-8-12-00.sb2"))
	x1 := root(t, fixture.SIP79x1)
	gk := root(t, fixture.SIP7912)
	sccp := root(t, fixture.SCCP7940)
	return []struct {
		name  string
		dir   string
		phone Phone
	}{
		{"sip 7.4 to 8.12", sip, Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"}},
		{"sip part missing", partless, Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"}},
		{"sccp 5 to 8.1", sccp, Phone{MAC: mac, Model: "7940", Running: "P00305000300"}},
		{"79x1", x1, Phone{MAC: mac, Model: "7941", Running: "SCCP41.8-3-1S"}},
		{"7912", gk, Phone{MAC: mac, Model: "7912", Running: "CP7912080000SIP050608A"}},
	}
}

// TestSimulateLiveSameTrace: simulating against phoneload serve and
// tftpd-hpa gives the same trace, byte counts included, as against the
// root directly.
func TestSimulateLiveSameTrace(t *testing.T) {
	for _, tc := range liveCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			want := fullTrace(simulate(t, tc.dir, tc.phone))
			if got := fullTrace(simulateAt(t, serve(t, tc.dir), tc.phone)); got != want {
				t.Errorf("phoneload serve:\n%s\nroot:\n%s", got, want)
			}
			if testing.Short() {
				return
			}
			srv := servertest.StartHPA(t, tc.dir, 1)
			if got := fullTrace(simulateAt(t, srv.Addr, tc.phone)); got != want {
				t.Errorf("tftpd-hpa:\n%s\nroot:\n%s", got, want)
			}
		})
	}
}

// TestSimulateLivePermission: tftpd-hpa (running as its own user) refuses
// a file that is not world-readable; the loader stops, as simulated from
// the root directly.
func TestSimulateLivePermission(t *testing.T) {
	// The server's user must be able to reach the root: a directory of
	// its own under the system's temp directory, open to all.
	top, err := os.MkdirTemp("", "perm")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(top) })
	must(t, os.Chmod(top, 0o755))
	dir := filepath.Join(top, "root")
	must(t, fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, os.Chmod(filepath.Join(dir, "SIPDefault.cnf"), 0o600))
	p := Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"}
	local := simulate(t, dir, p)
	if local.Outcome.Code != TFTPStop {
		t.Fatalf("root: %+v", local.Outcome)
	}
	srv := servertest.StartHPA(t, dir, 1)
	live := simulateAt(t, srv.Addr, p)
	if live.Outcome.Code != TFTPStop || live.Outcome.File != "SIPDefault.cnf" {
		t.Fatalf("tftpd-hpa: %+v\n%s", live.Outcome, fullTrace(live))
	}
}
