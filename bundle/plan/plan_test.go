package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/fixture"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// MixedFleet is six starting points: SCCP 3.x, SIP 2.x, SIP 4.x, SIP 8.x,
// a 7912 on SIP and a 7941 on SCCP.
const MixedFleet = `mac,model,running-load
000D28A10001,7940,P0030301
000D28A10002,7960,P0S30201
000D28A10003,7940,P0S3-04-2-00
000D28A10004,7960,P0S3-08-5-00
000D28A10005,7912,CP7912080000SIP050608A
000D28A10006,7941,SCCP41.8-3-1S
`

// writeDrops writes the drops the mixed fleet needs to reach SIP 8.12.
func writeDrops(t *testing.T, dir string, skip ...string) {
	t.Helper()
	o := fixture.Options{ImageSize: 4096}
	for _, l := range []string{"P0S3-04-4-00", "P0S3-05-3-00", "P0S3-06-3-00", "P0S3-07-5-00", "P00305000300"} {
		if !contains(skip, l) {
			must(t, fixture.WriteLoad(filepath.Join(dir, l), l, o))
		}
	}
	for _, f := range []fixture.Family{fixture.SIP7940, fixture.SIP7912, fixture.SIP79x1} {
		must(t, fixture.WriteDir(filepath.Join(dir, string(f)), f, o))
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

func fleet(t *testing.T) []check.Phone {
	ph, err := check.ParseFleet(strings.NewReader(MixedFleet), "fleet.csv")
	must(t, err)
	return ph
}

// TestPlanProof is the proof of docs/simulate.md: simulating every phone
// through the stages in order moves each one forward at every stage and
// lands all of them on the target.
func TestPlanProof(t *testing.T) {
	tmp := t.TempDir()
	drops := filepath.Join(tmp, "drops")
	writeDrops(t, drops)
	ds, err := ScanDrops(drops)
	must(t, err)
	to, err := ParseTarget("sip-8.12")
	must(t, err)
	p, err := Make(fleet(t), to, ds, Site{})
	must(t, err)
	if len(p.Missing) != 0 {
		t.Fatalf("missing %+v", p.Missing)
	}
	want := map[string]string{
		"000D28A10001": "P00305000300 P0S3-8-12-00",
		"000D28A10002": "P0S3-04-4-00 P0S3-05-3-00 P0S3-06-3-00 P0S3-07-5-00 P0S3-8-12-00",
		"000D28A10003": "P0S3-04-4-00 P0S3-05-3-00 P0S3-06-3-00 P0S3-07-5-00 P0S3-8-12-00",
		"000D28A10004": "P0S3-8-12-00",
		"000D28A10005": "CP7912080001SIP060412A",
		"000D28A10006": "SIP41.9-4-2SR1S",
	}
	for _, pp := range p.Phones {
		if got := strings.Join(pp.Path, " "); got != want[pp.MAC] || pp.Blocked != "" {
			t.Errorf("%s: path %q blocked %q, want %q", pp.MAC, got, pp.Blocked, want[pp.MAC])
		}
	}
	if len(p.Stages) != 5 {
		t.Fatalf("%d stages", len(p.Stages))
	}
	out := filepath.Join(tmp, "stages")
	must(t, p.Write(out))
	running := map[string]string{}
	models := map[string]string{}
	for _, ph := range fleet(t) {
		running[ph.MAC], models[ph.MAC] = ph.Load, ph.Model
	}
	for _, st := range p.Stages {
		src, err := boot.OpenLocal(filepath.Join(out, StageDir(st.N)))
		must(t, err)
		moves := map[string]string{}
		for _, m := range st.Moves {
			moves[m.MAC] = m.To
		}
		for _, pp := range p.Phones {
			r, err := boot.Simulate(src, boot.Phone{MAC: pp.MAC, Model: models[pp.MAC], Running: running[pp.MAC]})
			must(t, err)
			wantLoad := running[pp.MAC]
			if to, ok := moves[pp.MAC]; ok {
				wantLoad = to
			}
			if r.Outcome.Code != boot.Runs || r.Outcome.Load != wantLoad {
				var b strings.Builder
				for _, s := range r.Steps {
					b.WriteString(s.File + " " + string(s.Result) + "\n")
				}
				t.Fatalf("stage %d: %s (%s on %s) ends %s %s (%s), want runs %s\n%s", st.N, pp.MAC, models[pp.MAC], running[pp.MAC], r.Outcome.Code, r.Outcome.Load, r.Outcome.Reason, wantLoad, b.String())
			}
			if _, moved := moves[pp.MAC]; moved && r.Outcome.Reboots == 0 {
				t.Errorf("stage %d: %s did not flash", st.N, pp.MAC)
			}
			running[pp.MAC] = r.Outcome.Load
		}
		src.Close()
	}
	for _, pp := range p.Phones {
		if running[pp.MAC] != pp.Target {
			t.Errorf("%s ends on %s, target %s", pp.MAC, running[pp.MAC], pp.Target)
		}
	}
	// The SIP 2.x stage is W210-safe.
	b, err := os.ReadFile(filepath.Join(out, StageDir(1), "SIPDefault.cnf"))
	must(t, err)
	if strings.Count(string(b), "\n") != 1 || !strings.HasPrefix(string(b), "image_version: ") {
		t.Errorf("stage 1 SIPDefault.cnf:\n%s", b)
	}
}

// TestPlanMissingDrop: a step no drop has is listed, and -o writes nothing.
func TestPlanMissingDrop(t *testing.T) {
	tmp := t.TempDir()
	drops := filepath.Join(tmp, "drops")
	writeDrops(t, drops, "P0S3-05-3-00")
	ds, err := ScanDrops(drops)
	must(t, err)
	to, _ := ParseTarget("SIP 8.12")
	p, err := Make(fleet(t), to, ds, Site{})
	must(t, err)
	blocked := 0
	for _, pp := range p.Phones {
		if pp.Blocked != "" {
			blocked++
			if !strings.Contains(pp.Blocked, "SIP 5.3") {
				t.Errorf("%s: %s", pp.MAC, pp.Blocked)
			}
		}
	}
	if blocked != 2 || len(p.Missing) != 1 || p.Missing[0].Load != "?SIP 5.3" {
		t.Errorf("blocked %d, missing %+v", blocked, p.Missing)
	}
	out := filepath.Join(tmp, "stages")
	if err := p.Write(out); err == nil {
		t.Fatal("written with a drop missing")
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed -o left its directory")
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]string{"sip-8.12": "SIP 8.12", "SCCP 8.1(2)": "SCCP 8.1(2)", "sccp-9.0": "SCCP 9.0"} {
		got, err := ParseTarget(in)
		if err != nil || got.String() != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "sip", "h323-1.0", "sip-8", "sip-x.1", "sccp-8.1(x)"} {
		if _, err := ParseTarget(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// TestPlanBackToSCCP: SIP phones back to SCCP 8.1(2) through Cisco's way
// back (SCCP 4.x, 5.x, then 6.3; SIP 2.1 first to SIP 2.3 for the long
// SCCP names), proven stage by stage.
func TestPlanBackToSCCP(t *testing.T) {
	tmp := t.TempDir()
	drops := filepath.Join(tmp, "drops")
	o := fixture.Options{ImageSize: 4096}
	for _, l := range []string{"P0S30203", "P00304020300", "P00305000300", "P00306030000"} {
		must(t, fixture.WriteLoad(filepath.Join(drops, l), l, o))
	}
	must(t, fixture.WriteDir(filepath.Join(drops, "sccp"), fixture.SCCP7940, o))
	fl, err := check.ParseFleet(strings.NewReader("000D28A10001,7940,P0S3-03-1-00\n000D28A10002,7960,P0S30201\n000D28A10003,7940,P0S3-07-4-00\n"), "fleet.csv")
	must(t, err)
	to, err := ParseTarget("sccp-8.1(2)")
	must(t, err)
	ds, err := ScanDrops(drops)
	must(t, err)
	p, err := Make(fl, to, ds, Site{})
	must(t, err)
	want := map[string]string{
		"000D28A10001": "P00304020300 P00305000300 P00306030000 P00308010200",
		"000D28A10002": "P0S30203 P00304020300 P00305000300 P00306030000 P00308010200",
		"000D28A10003": "P00308010200",
	}
	for _, pp := range p.Phones {
		if got := strings.Join(pp.Path, " "); got != want[pp.MAC] || pp.Blocked != "" {
			t.Errorf("%s: path %q blocked %q, want %q", pp.MAC, got, pp.Blocked, want[pp.MAC])
		}
	}
	out := filepath.Join(tmp, "stages")
	must(t, p.Write(out))
	running := map[string]string{}
	for _, ph := range fl {
		running[ph.MAC] = ph.Load
	}
	for _, st := range p.Stages {
		src, err := boot.OpenLocal(filepath.Join(out, StageDir(st.N)))
		must(t, err)
		for _, ph := range fl {
			r, err := boot.Simulate(src, boot.Phone{MAC: ph.MAC, Model: ph.Model, Running: running[ph.MAC]})
			must(t, err)
			if r.Outcome.Code != boot.Runs {
				t.Fatalf("stage %d: %s on %s: %s (%s)", st.N, ph.MAC, running[ph.MAC], r.Outcome.Code, r.Outcome.Reason)
			}
			running[ph.MAC] = r.Outcome.Load
		}
		src.Close()
	}
	for _, ph := range fl {
		if running[ph.MAC] != "P00308010200" {
			t.Errorf("%s ends on %s", ph.MAC, running[ph.MAC])
		}
	}
}

// TestPlanSiteTemplates: stage roots from the site's own files: its
// SIPDefault.cnf with each stage's image_version (held back while SIP 2.x
// phones boot), and its gkdefault.txt with the upgradecode pointed at the
// 7912 target and compiled; the 7912 reaches the target through it.
func TestPlanSiteTemplates(t *testing.T) {
	tmp := t.TempDir()
	drops := filepath.Join(tmp, "drops")
	writeDrops(t, drops)
	// The drop's own compiled profile must not be what moves the 7912.
	must(t, os.Remove(filepath.Join(drops, "sip7912", "gkdefault.cfg")))
	ds, err := ScanDrops(drops)
	must(t, err)
	to, _ := ParseTarget("sip-8.12")
	tab, err := cfgfmt.ParseTable("ptag.dat", fixture.ProfileTable())
	must(t, err)
	site := Site{
		SIPDefault: []byte("# site settings\r\nimage_version: P0S3-07-1-00\r\nproxy1_address: \"10.0.0.1\"\r\n"),
		Profiles:   map[string][]byte{"gkdefault.txt": []byte("#txt\nupgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x050608a,CP7912080000SIP050608A.sbin\nUseTftp:1\n")},
		Compile: func(name string, src []byte) ([]byte, error) {
			res, err := cfgfmt.Compile(tab, name, src, cfgfmt.Options{})
			if err != nil {
				return nil, err
			}
			return res.Profile, nil
		},
	}
	p, err := Make(fleet(t), to, ds, site)
	must(t, err)
	out := filepath.Join(tmp, "stages")
	must(t, p.Write(out))
	b1, err := os.ReadFile(filepath.Join(out, StageDir(1), "SIPDefault.cnf"))
	must(t, err)
	if strings.Contains(string(b1), "proxy1_address") {
		t.Errorf("stage 1 (SIP 2.1 phones) got the site's SIPDefault.cnf:\n%s", b1)
	}
	// Stage 2: the SIP 2.1 phone is on 4.4: the site's file, image_version set.
	b2, err := os.ReadFile(filepath.Join(out, StageDir(2), "SIPDefault.cnf"))
	must(t, err)
	if !strings.Contains(string(b2), "proxy1_address") || !strings.Contains(string(b2), "image_version: P0S3-") || strings.Contains(string(b2), "P0S3-07-1-00") {
		t.Errorf("stage 2 SIPDefault.cnf:\n%s", b2)
	}
	src, err := boot.OpenLocal(filepath.Join(out, StageDir(1)))
	must(t, err)
	defer src.Close()
	r, err := boot.Simulate(src, boot.Phone{MAC: "000D28A10005", Model: "7912", Running: "CP7912080000SIP050608A"})
	must(t, err)
	if r.Outcome.Code != boot.Runs || r.Outcome.Load != "CP7912080001SIP060412A" {
		t.Fatalf("7912: %+v", r.Outcome)
	}
	// Without a compiler the template cannot become a profile.
	site.Compile = nil
	if _, err := Make(fleet(t), to, ds, site); err == nil || !strings.Contains(err.Error(), "--table") {
		t.Errorf("no compiler: %v", err)
	}
}
