package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/fixture"
)

// root writes a generated drop of family f as a TFTP root.
func root(t *testing.T, f fixture.Family) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "root")
	if err := fixture.WriteDir(dir, f, fixture.Options{ImageSize: 4096}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func simulate(t *testing.T, dir string, p Phone) *Result {
	t.Helper()
	src, err := OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := Simulate(src, p)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// trace renders the steps one a line: boot, file, result.
func trace(r *Result) string {
	var b strings.Builder
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "%d %s %s\n", s.Boot, s.File, s.Result)
	}
	return b.String()
}

func TestSimulateClean(t *testing.T) {
	for _, tc := range []struct {
		family  fixture.Family
		phone   Phone
		load    string
		reboots int
		trace   string
	}{
		{fixture.SIP7940, Phone{MAC: "000D28A1B2C3", Model: "7960", Running: "P0S3-07-4-00"}, "P0S3-8-12-00", 2, `1 CTLSEP000D28A1B2C3.tlv not-found
1 SEP000D28A1B2C3.cnf.xml not-found
1 SIP000D28A1B2C3.cnf not-found
1 MGC000D28A1B2C3.cnf not-found
1 XMLDefault.cnf.xml found
1 SIPDefault.cnf found
1 P0S3-8-12-00.loads found
1 P003-8-12-00.sbn found
1 P0S3-8-12-00.loads found
1 P0S3-8-12-00.sb2 found
2 CTLSEP000D28A1B2C3.tlv not-found
2 SEP000D28A1B2C3.cnf.xml not-found
2 SIP000D28A1B2C3.cnf not-found
2 MGC000D28A1B2C3.cnf not-found
2 XMLDefault.cnf.xml found
2 SIPDefault.cnf found
2 dialplan.xml found
2 RINGLIST.DAT found
2 Analog1.raw found
2 Chirp1.raw found
`},
		{fixture.SIP7940, Phone{MAC: "000D28A1B2C3", Model: "7940", Running: "P0S3-8-12-00"}, "P0S3-8-12-00", 0, ""},
		{fixture.SCCP7940, Phone{MAC: "000D28A1B2C3", Model: "7940", Running: "P00308000400"}, "P00308010200", 2, ""},
		{fixture.SCCP7940, Phone{MAC: "000D28A1B2C3", Model: "7940", Running: "P00305000300"}, "P00308010200", 2, ""},
		{fixture.SCCP7940, Phone{MAC: "000D28A1B2C3", Model: "7940"}, "P00308010200", 1, ""},
		{fixture.SIP79x1, Phone{MAC: "000D28A1B2C3", Model: "7941", Running: "SCCP41.8-3-1S"}, "SIP41.9-4-2SR1S", 1, ""},
		{fixture.SIP79x1, Phone{MAC: "000D28A1B2C3", Model: "7961"}, "SIP41.9-4-2SR1S", 1, ""},
		{fixture.SIP7912, Phone{MAC: "000D28A1B2C3", Model: "7912", Running: "CP7912080000SIP050608A"}, "CP7912080001SIP060412A", 1, `1 gk000d28a1b2c3 found
1 gkdefault.cfg found
1 CP7912080001SIP060412A.sbin found
2 gk000d28a1b2c3 found
2 gkdefault.cfg found
`},
	} {
		t.Run(string(tc.family)+"/"+tc.phone.Running, func(t *testing.T) {
			r := simulate(t, root(t, tc.family), tc.phone)
			if r.Outcome.Code != Runs || r.Outcome.Load != tc.load || r.Outcome.Reboots != tc.reboots {
				t.Fatalf("outcome %+v, want runs %s after %d reboots\n%s", r.Outcome, tc.load, tc.reboots, trace(r))
			}
			if tc.trace != "" && trace(r) != tc.trace {
				t.Errorf("trace:\n%s\nwant:\n%s", trace(r), tc.trace)
			}
		})
	}
}

// TestSimulateATA: an ATA 186 reads ata<mac>, then atadefault.cfg, and
// takes the .zup its upgradecode names (hardware 0x301).
func TestSimulateATA(t *testing.T) {
	dir := t.TempDir()
	tab, err := cfgfmt.ParseTable("ptag.dat", fixture.ProfileTable())
	must(t, err)
	src := "#txt\nupgradecode:3,0x301,0x0400,0x0200,0.0.0.0,69,0x041111a,ATA030200SIP041111A.zup\nUseTftp:1\n"
	res, err := cfgfmt.Compile(tab, "atadefault.txt", []byte(src), cfgfmt.Options{})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "atadefault.cfg"), res.Profile, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "ATA030200SIP041111A.zup"), []byte("ata image"), 0o644))
	r := simulate(t, dir, Phone{MAC: mac, Model: "ata186", Running: "ATA030100SIP040101A"})
	want := "1 ata000d28a1b2c3 not-found\n1 atadefault.cfg found\n1 ATA030200SIP041111A.zup found\n2 ata000d28a1b2c3 not-found\n2 atadefault.cfg found\n"
	if r.Outcome.Code != Runs || r.Outcome.Load != "ATA030200SIP041111A" || trace(r) != want {
		t.Fatalf("%+v\n%s", r.Outcome, trace(r))
	}
	// A 7912 profile's hardware code on an ATA: ignored.
	src = strings.Replace(src, "0x301", "0x601", 1)
	res, err = cfgfmt.Compile(tab, "atadefault.txt", []byte(src), cfgfmt.Options{})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "atadefault.cfg"), res.Profile, 0o644))
	if r := simulate(t, dir, Phone{MAC: mac, Model: "ata186", Running: "ATA030100SIP040101A"}); r.Outcome.Code != UpgradeIgnored {
		t.Fatalf("%+v", r.Outcome)
	}
}

// TestOS79XXImageExtension: the image of an OS79XX.TXT protocol switch is
// <name>.sbn for a phone on a signed (5.0+) image and <name>.bin for one
// before 5.0 or with an empty flash (cisco.DirectImageFile, docs/simulate.md
// "OS79XX.TXT: .bin or .sbn"). Each phone fails when its own file is gone
// and does not care about the other one.
func TestOS79XXImageExtension(t *testing.T) {
	signed := Phone{MAC: mac, Model: "7960", Running: "P0S3-06-3-00"} // SIP 6.3: signed, reads OS79XX.TXT
	empty := Phone{MAC: mac, Model: "7960", Protocol: "sip"}
	for _, tc := range []struct {
		name   string
		phone  Phone
		remove string
		want   Code
		asks   string
	}{
		{"signed asks sbn", signed, "", Runs, "P00308010200.sbn"},
		{"signed fails without sbn", signed, "P00308010200.sbn", ProtocolApplicationInvalid, "P00308010200.sbn"},
		{"signed does not need bin", signed, "P00308010200.bin", Runs, "P00308010200.sbn"},
		{"empty flash asks bin", empty, "", Runs, "P00308010200.bin"},
		{"empty flash fails without bin", empty, "P00308010200.bin", ProtocolApplicationInvalid, "P00308010200.bin"},
		{"empty flash does not need sbn", empty, "P00308010200.sbn", Runs, "P00308010200.bin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := root(t, fixture.SCCP7940)
			if tc.remove != "" {
				must(t, fixture.Remove(dir, tc.remove))
			}
			r := simulate(t, dir, tc.phone)
			if r.Outcome.Code != tc.want {
				t.Fatalf("outcome %+v, want %s\n%s", r.Outcome, tc.want, trace(r))
			}
			var asked []string
			for _, s := range r.Steps {
				if s.Rule == "7940-image" {
					asked = append(asked, s.File)
				}
			}
			if len(asked) == 0 || asked[0] != tc.asks {
				t.Errorf("the switch asked for %v, want %s first\n%s", asked, tc.asks, trace(r))
			}
		})
	}
}
