package tftplog

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/servertest"
	"github.com/phoneload/phoneload/internal/tftp"
)

const mac = "000D28A1B2C3"

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// brokenRoot is a SIP 8.12 root whose application (.sb2) is missing, in a
// directory every server's user can read.
func brokenRoot(t *testing.T) string {
	top, err := os.MkdirTemp("", "tl")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(top) })
	must(t, os.Chmod(top, 0o755))
	dir := filepath.Join(top, "root")
	must(t, fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, fixture.Remove(dir, "P0S3-8-12-00.sb2"))
	return dir
}

var phone = boot.Phone{MAC: mac, Model: "7960", Running: "P0S3-07-4-00"}

// play runs the simulator against addr and returns its result.
func play(t *testing.T, addr string) *boot.Result {
	t.Helper()
	src, err := boot.Dial(addr, boot.DialOptions{Client: tftp.ClientOptions{Timeout: time.Second, Retries: 3}, Gap: 20 * time.Millisecond})
	must(t, err)
	r, err := boot.Simulate(src, phone)
	must(t, err)
	if r.Outcome.Code != boot.ProtocolApplicationInvalid {
		t.Fatalf("simulated outcome %+v", r.Outcome)
	}
	return r
}

type dirLister string

func (d dirLister) Lookup(name string) (bool, string) {
	if _, err := os.Stat(filepath.Join(string(d), name)); err == nil {
		return true, ""
	}
	es, _ := os.ReadDir(string(d))
	for _, e := range es {
		if strings.EqualFold(e.Name(), name) {
			return false, e.Name()
		}
	}
	return false, ""
}

// checkLog parses lines a real server wrote while the simulator played
// the phone, and requires the rebuilt sequence to be the simulator's.
func checkLog(t *testing.T, format string, lines []string, res *boot.Result, dir string, statuses bool) {
	t.Helper()
	evs, err := Parse(strings.NewReader(strings.Join(lines, "\n")+"\n"), "server.log")
	must(t, err)
	for _, e := range evs {
		if e.Format != format {
			t.Errorf("line %d read as %s, want %s", e.Line, e.Format, format)
		}
	}
	o := Options{}
	if !statuses {
		o.Root = dirLister(dir)
	}
	o.Simulate = func(m string) *boot.Result {
		if m == mac {
			return res
		}
		return nil
	}
	cs := Analyze(evs, o)
	if len(cs) != 1 {
		t.Fatalf("%d clients, want 1: %+v\nlog:\n%s", len(cs), cs, strings.Join(lines, "\n"))
	}
	c := cs[0]
	if c.MAC != mac || c.Client != "127.0.0.1" {
		t.Errorf("client %s MAC %s", c.Client, c.MAC)
	}
	var got, want []string
	for _, r := range c.Requests {
		got = append(got, r.File+" "+string(r.Status))
	}
	for _, s := range res.Steps {
		st := "sent"
		if s.Result == boot.NotFound {
			st = "not-found"
		}
		want = append(want, s.File+" "+st)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sequence:\n%s\nwant:\n%s\nlog:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), strings.Join(lines, "\n"))
	}
	if c.Stopped.Kind != "missing" || c.Stopped.File != "P0S3-8-12-00.sb2" {
		t.Errorf("stopped %+v", c.Stopped)
	}
	if c.Expected == nil || c.Expected.Diverges != -1 {
		t.Errorf("expected %+v", c.Expected)
	}
}

func TestLogTFTPDHPA(t *testing.T) {
	for _, v := range []int{1, 3} {
		t.Run(strings.Repeat("v", v), func(t *testing.T) {
			dir := brokenRoot(t)
			srv := servertest.StartHPA(t, dir, v)
			res := play(t, srv.Addr)
			srv.Stop()
			lines := srv.Log()
			if v == 1 {
				// Only RRQ lines: statuses come from --root.
				evs, err := Parse(strings.NewReader(strings.Join(lines, "\n")), "syslog")
				must(t, err)
				cs := Analyze(evs, Options{Root: dirLister(dir)})
				if len(cs) != 1 || cs[0].Stopped.Kind != "missing" || cs[0].Stopped.File != "P0S3-8-12-00.sb2" {
					t.Fatalf("%+v\nlog:\n%s", cs, strings.Join(lines, "\n"))
				}
				if len(cs[0].Requests) != len(res.Steps) {
					t.Fatalf("%d requests, simulator made %d\nlog:\n%s", len(cs[0].Requests), len(res.Steps), strings.Join(lines, "\n"))
				}
				return
			}
			checkLogHPA(t, lines, res)
		})
	}
}

// checkLogHPA: -vvv logs a NAK for each missing file; found files stay
// "requested" (tftpd-hpa does not log completions).
func checkLogHPA(t *testing.T, lines []string, res *boot.Result) {
	t.Helper()
	evs, err := Parse(strings.NewReader(strings.Join(lines, "\n")), "syslog")
	must(t, err)
	cs := Analyze(evs, Options{})
	if len(cs) != 1 {
		t.Fatalf("%d clients\n%s", len(cs), strings.Join(lines, "\n"))
	}
	var got, want []string
	for _, r := range cs[0].Requests {
		got = append(got, r.File+" "+string(r.Status))
	}
	for _, s := range res.Steps {
		st := "requested"
		if s.Result == boot.NotFound {
			st = "not-found"
		}
		want = append(want, s.File+" "+st)
	}
	if !slices.Equal(got, want) {
		t.Errorf("sequence:\n%s\nwant:\n%s\nlog:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), strings.Join(lines, "\n"))
	}
	if cs[0].Stopped.Kind != "missing" {
		t.Errorf("stopped %+v", cs[0].Stopped)
	}
}

func TestLogDnsmasq(t *testing.T) {
	dir := brokenRoot(t)
	srv := servertest.StartDnsmasq(t, dir)
	res := play(t, srv.Addr)
	srv.Stop()
	checkLog(t, FormatDnsmasq, srv.Log(), res, dir, true)
}

// TestLogPhoneloadServe reads the log phoneload serve writes, in text and
// in JSON (the server's own Event, formatted as serve formats it).
func TestLogPhoneloadServe(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		dir := brokenRoot(t)
		src, err := tftp.OpenSource(dir)
		must(t, err)
		var mu sync.Mutex
		var lines []string
		srv := tftp.NewServer(src, tftp.Options{Log: func(e tftp.Event) {
			mu.Lock()
			defer mu.Unlock()
			if asJSON {
				lines = append(lines, jsonLine(e))
			} else {
				lines = append(lines, e.Text())
			}
		}})
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		must(t, err)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(conn) }()
		res := play(t, conn.LocalAddr().String())
		srv.Shutdown()
		<-done
		src.Close()
		format := FormatPhoneload
		if asJSON {
			format = FormatPhoneloadJSO
		}
		checkLog(t, format, lines, res, dir, true)
	}
}
