package probe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/tftpmap"
	"github.com/phoneload/phoneload/internal/fixture"
)

// The release fixture is shared with publish's tests.
type release = fixture.Release

var (
	testRelease = fixture.TestRelease
	writeBundle = fixture.WriteBundle
)

type notFound struct{}

func (notFound) Error() string  { return "File not found" }
func (notFound) NotFound() bool { return true }

// mapServer answers from a map; names in broken get a non-"not found" error.
type mapServer struct {
	files  release
	broken map[string]bool
	asked  []string
}

func (m *mapServer) Fetch(name string, w io.Writer, max int64) (int64, error) {
	m.asked = append(m.asked, name)
	if m.broken[name] {
		return 0, errors.New("tftp: server error 2: Access violation")
	}
	b, ok := m.files[name]
	if !ok {
		return 0, notFound{}
	}
	if int64(len(b)) > max {
		return 0, fmt.Errorf("too large")
	}
	n, err := w.Write(b)
	return int64(n), err
}

// fixtureRelease is a realistic 7940/7960 SIP 8.12 root (internal/fixture:
// signed headers naming their files, the loader id LA_VERSION expects) as
// a release, with a per-phone SIP configuration for 001122334455.
func fixtureRelease(t *testing.T) release {
	t.Helper()
	dir := t.TempDir()
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 2000}); err != nil {
		t.Fatal(err)
	}
	r := release{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		r[e.Name()] = b
	}
	r["SIP001122334455.cnf"] = []byte("line1_name: 100\nimage_version: \"P0S3-8-12-00\" ; pinned\n")
	return r
}

func serverOf(r release) *mapServer {
	srv := &mapServer{files: release{}, broken: map[string]bool{}}
	for k, v := range r {
		srv.files[k] = v
	}
	return srv
}

func statuses(res *Result) (map[string]string, []string) {
	got := map[string]string{}
	var order []string
	for _, f := range res.Files {
		got[f.Name] = f.Status
		order = append(order, f.Name)
	}
	return got, order
}

// TestProbe: probe plays the phone through bundle/boot's state machine on
// what the server sends: a 7940 on SIP 5.3 (the default phone for a SIP
// bundle) reads OS79XX.TXT and its SIP configuration, upgrades through the
// loader and the application, reboots into 8.12 and reads its 7.x+
// configuration files, then its dial plan, ring list and rings.
func TestProbe(t *testing.T) {
	r := fixtureRelease(t)
	b := writeBundle(t, filepath.Join(t.TempDir(), "b"), r)

	srv := serverOf(r)
	delete(srv.files, "Chirp1.raw")
	srv.files["CTLSEP001122334455.tlv"] = []byte("stale trust list")

	res, err := Run(b, srv, Options{MAC: "00:11:22:33:44:55", Model: "7940"})
	if err != nil {
		t.Fatal(err)
	}
	got, order := statuses(res)
	want := map[string]string{
		"OS79XX.TXT": "ok", "SIPDefault.cnf": "ok", "SIP001122334455.cnf": "ok",
		"P0S3-8-12-00.loads": "ok", "P003-8-12-00.sbn": "ok", "P0S3-8-12-00.sb2": "ok",
		"CTLSEP001122334455.tlv": "site", "SEP001122334455.cnf.xml": "absent", "MGC001122334455.cnf": "absent",
		"XMLDefault.cnf.xml": "ok", "dialplan.xml": "ok", "RINGLIST.DAT": "ok", "Analog1.raw": "ok", "Chirp1.raw": "missing",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probe statuses (-want +got):\n%s", diff)
	}
	wantOrder := []string{"OS79XX.TXT", "SIPDefault.cnf", "SIP001122334455.cnf", "P0S3-8-12-00.loads", "P003-8-12-00.sbn",
		"P0S3-8-12-00.sb2", "CTLSEP001122334455.tlv", "SEP001122334455.cnf.xml", "MGC001122334455.cnf", "XMLDefault.cnf.xml",
		"dialplan.xml", "RINGLIST.DAT", "Analog1.raw", "Chirp1.raw"}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("probe order (-want +got):\n%s", diff)
	}
	if res.Running != DefaultRunningSIP || res.Outcome == nil || res.Outcome.Code != boot.Runs || res.Outcome.Load != "P0S3-8-12-00" {
		t.Errorf("running %q, outcome %+v: want the phone to run P0S3-8-12-00", res.Running, res.Outcome)
	}
	for _, f := range res.Files {
		if f.Why == "" || f.Phase != "boot" {
			t.Errorf("%s: phase %q, why %q", f.Name, f.Phase, f.Why)
		}
	}

	// A torn application: the server's bytes differ, and the phone stops
	// there as it would (its signed header does not parse).
	srv = serverOf(r)
	srv.files["P0S3-8-12-00.sb2"] = []byte("torn")
	res, err = Run(b, srv, Options{MAC: "001122334455", Model: "7940"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := statuses(res); got["P0S3-8-12-00.sb2"] != ProbeDifferent || res.Outcome.Code != boot.ImageAuthenticationFailed {
		t.Errorf("torn .sb2: %v, outcome %+v", got, res.Outcome)
	}

	// An error other than "File not found" stops the phone's hunt.
	srv = serverOf(r)
	srv.broken["MGC001122334455.cnf"] = true
	res, err = Run(b, srv, Options{MAC: "001122334455", Model: "7940"})
	if err != nil {
		t.Fatal(err)
	}
	if got, order := statuses(res); got["MGC001122334455.cnf"] != ProbeError || res.Outcome.Code != boot.TFTPStop || order[len(order)-1] != "MGC001122334455.cnf" {
		t.Errorf("denied MGC: %v %v, outcome %+v", got, order, res.Outcome)
	}

	// A 7941 with an empty flash reads the XML configurations; none names
	// a load for it, so it asks for its model's default load.
	srv = serverOf(r)
	if _, err := Run(b, srv, Options{MAC: "001122334455", Model: "7941"}); err != nil {
		t.Fatal(err)
	}
	want79x1 := []string{"CTLSEP001122334455.tlv", "SEP001122334455.cnf.xml", "XMLDefault.cnf.xml", "term41.default.loads"}
	if diff := cmp.Diff(want79x1, srv.asked); diff != "" {
		t.Errorf("7941 sequence (-want +got):\n%s", diff)
	}
	// Without a MAC no per-phone file is asked for.
	srv = serverOf(r)
	if _, err := Run(b, srv, Options{Model: "7960"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range srv.asked {
		if strings.Contains(n, noMAC) {
			t.Errorf("asked for %s without a MAC", n)
		}
	}
	// --all adds every other file of the bundle.
	res, err = Run(b, serverOf(r), Options{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) < len(r) {
		t.Errorf("--all probed %d files, the bundle has %d", len(res.Files), len(r))
	}
	if _, err := Run(b, srv, Options{Model: "9999"}); err == nil {
		t.Error("unknown model accepted")
	}
	// The test bundle is not signed: any trusted key refuses it.
	var ve *bundle.VerifyError
	if _, err := Run(b, srv, Options{Verify: &bundle.VerifyOptions{Trust: fixture.TestTrust(t)}}); !errors.As(err, &ve) || !errors.Is(err, bundle.ErrSignature) {
		t.Errorf("probe of an unsigned bundle: %v, want a *bundle.VerifyError wrapping ErrSignature", err)
	}
}

// TestProbeLongList: a RINGLIST.DAT naming thousands of rings (hostile or
// broken) costs at most MaxProbeListed requests, and says so.
func TestProbeLongList(t *testing.T) {
	r := fixtureRelease(t)
	var rl []byte
	for i := range 3000 {
		rl = fmt.Appendf(rl, "Ring %d\tring%d.raw\n", i, i)
	}
	r["RINGLIST.DAT"] = rl
	b := writeBundle(t, filepath.Join(t.TempDir(), "b"), r)
	srv := &mapServer{files: r}
	res, err := Run(b, srv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rings := 0
	for _, f := range res.Files {
		if f.Why == "ring named by RINGLIST.DAT" {
			rings++
		}
		if f.Name == "RINGLIST.DAT" && (f.Status != ProbeError || f.Error != "lists 3000 files, more than 256: only the first 256 followed") {
			t.Errorf("RINGLIST.DAT: %s %q, want an error saying the list was cut", f.Status, f.Error)
		}
	}
	if rings != MaxListed || len(srv.asked) > MaxListed+20 {
		t.Errorf("%d rings asked for in %d requests, want %d", rings, len(srv.asked), MaxListed)
	}
}

// silentServer times out on every request after the first answered ones.
type silentServer struct {
	answer int // requests answered ("File not found") before going silent
	asked  int
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "tftp: no answer" }
func (timeoutErr) Timeout() bool { return true }

func (s *silentServer) Fetch(name string, w io.Writer, max int64) (int64, error) {
	s.asked++
	if s.asked <= s.answer {
		return 0, notFound{}
	}
	return 0, timeoutErr{}
}

// TestProbeSilentServer: a server that answers nothing (a wrong address) is
// asked once, not once per file at the cost of every retry; one that has
// answered before and then times out is still asked for everything.
func TestProbeSilentServer(t *testing.T) {
	b := writeBundle(t, filepath.Join(t.TempDir(), "b"), testRelease("8-12-00", 500))
	srv := &silentServer{}
	res, err := Run(b, srv, Options{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if srv.asked != 1 || len(res.Files) != 1 || res.Files[0].Status != ProbeError ||
		res.Files[0].Error != "tftp: no answer (nothing more asked: the server has not answered anything)" {
		t.Fatalf("silent server: %d requests, %+v", srv.asked, res.Files)
	}
	srv = &silentServer{answer: 1}
	res, err = Run(b, srv, Options{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if srv.asked < 5 || res.Count(ProbeError) != srv.asked-1 {
		t.Fatalf("server silent after one answer: %d requests, %d errors", srv.asked, res.Count(ProbeError))
	}
}

// TestProbeMapFileAndSiteFiles: with the server's --map-file rules a
// requested name is compared with the bundle file the rules send it to;
// a file the server has and the bundle lacks is a site file, not a
// failure.
func TestProbeMapFileAndSiteFiles(t *testing.T) {
	r := fixtureRelease(t)
	moved := release{}
	for k, v := range r {
		if k == "P0S3-8-12-00.sb2" {
			k = "firmware/7960/" + k
		}
		moved[k] = v
	}
	b := writeBundle(t, filepath.Join(t.TempDir(), "b"), moved)
	srv := &mapServer{files: release{}}
	for k, v := range r {
		srv.files[k] = v // the server rewrites; it answers the plain name
	}
	srv.files["SEP001122334455.cnf.xml"] = []byte("<device/>") // the site's own file
	m, err := tftpmap.Parse(strings.NewReader("re ^(P0S3-8-12-00\\.sb2)$ firmware/7960/\\1\n"), "rules")
	if err != nil {
		t.Fatal(err)
	}
	status := func(res *Result) map[string]string {
		got := map[string]string{}
		for _, f := range res.Files {
			got[f.Name] = f.Status
		}
		return got
	}
	res, err := Run(b, srv, Options{MAC: "001122334455", Model: "7940", Map: m})
	if err != nil {
		t.Fatal(err)
	}
	got := status(res)
	if got["P0S3-8-12-00.sb2"] != ProbeOK || got["SEP001122334455.cnf.xml"] != ProbeSite {
		t.Errorf("with the rules: %v", got)
	}
	res, err = Run(b, srv, Options{MAC: "001122334455", Model: "7940"})
	if err != nil {
		t.Fatal(err)
	}
	if got := status(res); got["P0S3-8-12-00.sb2"] != ProbeUnexpected || got["SEP001122334455.cnf.xml"] != ProbeSite {
		t.Errorf("without the rules the moved file cannot be matched: %v", got)
	}
}

// TestModelsArePlayed: every model probe accepts is one bundle/boot plays.
func TestModelsArePlayed(t *testing.T) {
	for _, m := range Models() {
		if boot.Family(m) == "" {
			t.Errorf("probe accepts %s, which boot does not model", m)
		}
	}
}
