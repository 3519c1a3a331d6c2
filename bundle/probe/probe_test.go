package probe

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle"
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

func TestProbe(t *testing.T) {
	r := testRelease("8-12-00", 2000)
	r["SIPDefault.cnf"] = append(r["SIPDefault.cnf"], "dial_template: dialplan\n"...)
	r["dialplan.xml"] = []byte("<DIALTEMPLATE/>\n")
	b := writeBundle(t, filepath.Join(t.TempDir(), "b"), r)

	srv := &mapServer{files: release{}, broken: map[string]bool{"MGC001122334455.cnf": true}}
	for k, v := range r {
		srv.files[k] = v
	}
	srv.files["P0S3-8-12-00.sb2"] = []byte("torn")
	delete(srv.files, "Chirp1.raw")
	srv.files["CTLSEP001122334455.tlv"] = []byte("stale trust list")

	res, err := Run(b, srv, Options{MAC: "00:11:22:33:44:55", Model: "7940"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var order []string
	for _, f := range res.Files {
		got[f.Name] = f.Status
		order = append(order, f.Name)
	}
	want := map[string]string{
		"OS79XX.TXT": "ok", "CTLSEP001122334455.tlv": "site", "SEP001122334455.cnf.xml": "absent",
		"SIP001122334455.cnf": "ok", "MGC001122334455.cnf": "error", "XMLDefault.cnf.xml": "ok",
		"P0S3-8-12-00.loads": "ok", "P003-8-12-00.sbn": "ok", "P0S3-8-12-00.sb2": "different",
		"SIPDefault.cnf": "ok", "dialplan.xml": "ok", "RINGLIST.DAT": "ok", "Chirp1.raw": "missing",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probe statuses (-want +got):\n%s", diff)
	}
	wantOrder := []string{"OS79XX.TXT", "CTLSEP001122334455.tlv", "SEP001122334455.cnf.xml", "SIP001122334455.cnf",
		"MGC001122334455.cnf", "XMLDefault.cnf.xml", "P0S3-8-12-00.loads", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2",
		"SIPDefault.cnf", "dialplan.xml", "RINGLIST.DAT", "Chirp1.raw"}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Errorf("probe order (-want +got):\n%s", diff)
	}
	// A 7941 reads the XML configurations and the load they name, no more.
	srv.asked = nil
	if _, err := Run(b, srv, Options{MAC: "001122334455", Model: "7941"}); err != nil {
		t.Fatal(err)
	}
	want79x1 := []string{"CTLSEP001122334455.tlv", "SEP001122334455.cnf.xml", "XMLDefault.cnf.xml"}
	if diff := cmp.Diff(want79x1, srv.asked); diff != "" {
		t.Errorf("7941 sequence (-want +got):\n%s", diff)
	}
	// --all adds every other file of the bundle.
	res, err = Run(b, srv, Options{All: true})
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
	r := testRelease("8-12-00", 500)
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
	r := testRelease("8-12-00", 2000)
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
