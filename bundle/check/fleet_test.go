package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/google/go-cmp/cmp"
)

func TestParseFleet(t *testing.T) {
	in := `mac,model,running-load
# lab phones
00:11:22:33:44:55, CP-7940G, P0S3-07-4-00.bin
0011.2233.44aa,IP Phone 7960,P00308010200

SEP0011223344BB,7912G,CP7912080001SIP060412A
`
	got, err := ParseFleet(strings.NewReader(in), "fleet.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Phone{
		{MAC: "001122334455", Model: "7940", Load: "P0S3-07-4-00", Line: 3},
		{MAC: "0011223344AA", Model: "7960", Load: "P00308010200", Line: 4},
		{MAC: "0011223344BB", Model: "7912", Load: "CP7912080001SIP060412A", Line: 6},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("phones (-want +got):\n%s", diff)
	}
	// Without a header the first line is a phone.
	got, err = ParseFleet(strings.NewReader("001122334455,7940,P0S3-8-12-00\n"), "f")
	if err != nil || len(got) != 1 || got[0].Line != 1 {
		t.Errorf("headerless: %v %v", got, err)
	}
}

// Excel's "CSV UTF-8" export starts with a byte-order mark.
func TestParseFleetExcel(t *testing.T) {
	got, err := ParseFleet(strings.NewReader("\xef\xbb\xbfmac,model,running-load\r\n000D28A1B2C3,CP-7940G,P0S3-8-12-00\r\n"), "fleet.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []Phone{{MAC: "000D28A1B2C3", Model: "7940", Load: "P0S3-8-12-00", Line: 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("phones (-want +got):\n%s", diff)
	}
}

func TestParseFleetErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0011223344,7940,P0S3-8-12-00\n", `fleet.csv:1: bad MAC address "0011223344": want 12 hex digits`},
		{"00112233445G,7940,P0S3-8-12-00\n", `fleet.csv:1: bad MAC address`},
		{"mac,model,load\n001122334455,7999,x\n", `fleet.csv:2: unknown model "7999"`},
		{"001122334455,7940\n", "fleet.csv:1: 2 fields, want 3 (mac,model,running-load)"},
		{"001122334455,7940,\n", "fleet.csv:1: empty running load"},
		{"001122334455,7940,a\n00-11-22-33-44-55,7960,b\n", "fleet.csv:2: MAC 001122334455 already listed on line 1"},
		{"001122334455,7940,\"a\n", "fleet.csv:1:"},
		{"mac;model;load\r\n001122334455;7940;a\r\n", "fleet.csv:1: 1 fields, want 3 (mac,model,running-load); fields are separated by commas, not semicolons"},
	} {
		_, err := ParseFleet(strings.NewReader(tc.in), "fleet.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "bundle: ") {
			t.Errorf("%q: error %q lacks the package prefix", tc.in, err)
		}
	}
	// Every bad line is reported, not just the first.
	_, err := ParseFleet(strings.NewReader("x,7940,a\ny,7940,b\n"), "f.csv")
	if err == nil || !strings.Contains(err.Error(), "f.csv:1:") || !strings.Contains(err.Error(), "f.csv:2:") {
		t.Errorf("error = %v, want both lines", err)
	}
}

func FuzzParseFleet(f *testing.F) {
	f.Add("mac,model,running-load\n001122334455,7940,P0S3-8-12-00\n")
	f.Add("00:11:22:33:44:55,CP-7960G,P00308010200\n# c\n\n")
	f.Add("\"a,b\",7940,x\n")
	f.Fuzz(func(t *testing.T, s string) {
		phones, err := ParseFleet(strings.NewReader(s), "f")
		if err != nil {
			return
		}
		for _, p := range phones {
			if len(p.MAC) != 12 || strings.ToUpper(p.MAC) != p.MAC || p.Load == "" || !knownModels[p.Model] {
				t.Fatalf("bad phone %+v", p)
			}
		}
	})
}

// quiet leaves out the rules every fleet case would otherwise repeat.
var quiet = []string{"protocol-load-conflict", "fleet-upgrade-scope"}

// fleetCases run the upgrade rules per phone over cleanSIP7940 variants.
var fleetCases = []struct {
	name   string
	mutate func(d *drop.Drop)
	fleet  []Phone
	ignore []string
	want   []string // "rule file:line MACs steps"
}{
	{name: "up to date and 7.x phones take 8.12 directly", fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S3-8-12-00"},
		{MAC: "000000000002", Model: "7960", Load: "P0S3-07-4-00"},
		{MAC: "000000000003", Model: "7960", Load: "P00308010200"},
		{MAC: "000000000004", Model: "7940", Load: "P0S3-08-12-00"}, // another spelling of 8.12
	}, ignore: []string{"protocol-load-conflict"}, want: []string{
		"fleet-upgrade-scope SIPDefault.cnf:1 000000000002 ",
		"fleet-upgrade-scope XMLDefault.cnf.xml:4 000000000003 ",
	}},
	{name: "SIP 4.2 to 8.12 needs the whole path", fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S3-04-2-00"},
		{MAC: "000000000002", Model: "7960", Load: "P0S3-04-2-00"},
		{MAC: "000000000003", Model: "7960", Load: "P0S3-06-3-00"}, // past the path: goes directly
	}, ignore: quiet, want: []string{
		"upgrade-sip-path SIPDefault.cnf:1 000000000001,000000000002 SIP 4.4,SIP 5.3,SIP 6.x,SIP 7.x",
	}},
	{name: "SCCP 4 to SIP via OS79XX", fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P00304020300"},
	}, ignore: quiet, want: []string{"upgrade-sccp-to-sip OS79XX.TXT:1 000000000001 SCCP 5.x"}},
	{name: "SIP 2.1 offered a long SCCP name", mutate: func(d *drop.Drop) {
		get(d, "OS79XX.TXT").OS79XX().Name = "P00308010200"
		d.Files = append(d.Files, &drop.File{Name: "P00308010200.loads", Kind: cisco.KindLoads, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("P00308010200.loads"), Loads: &cisco.Loads{}}})
	}, fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S30201"},
		{MAC: "000000000002", Model: "7940", Load: "P0S30203"},
		{MAC: "000000000003", Model: "7940", Load: "P0S3-04-4-00"},
	}, ignore: quiet, want: []string{
		"upgrade-sip-to-sccp OS79XX.TXT:1 000000000002 SCCP 4.x,SCCP 5.x,SCCP 6.3",
		"upgrade-sip-to-sccp OS79XX.TXT:1 000000000003 SCCP 6.3",
		"upgrade-sip21-name OS79XX.TXT:1 000000000001 SIP 2.3",
	}},
	{name: "SIP 2.3 reads a full SIPDefault", fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S30203"},
	}, ignore: quiet, want: []string{
		"upgrade-sip-path SIPDefault.cnf:1 000000000001 SIP 4.4,SIP 5.3,SIP 6.x,SIP 7.x",
		"upgrade-w210 SIPDefault.cnf:2 000000000001 ",
	}},
	{name: "SCCP 4 phones converted to SIP 2.3 meet W210", mutate: func(d *drop.Drop) {
		get(d, "OS79XX.TXT").OS79XX().Name = "P0S30203"
		d.Files = append(d.Files, &drop.File{Name: "P0S30203.bin", Kind: cisco.KindImageBin, Mode: 0o644, Size: 10})
	}, fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P00304010100"},
	}, ignore: quiet, want: []string{
		"upgrade-sccp-to-sip OS79XX.TXT:1 000000000001 SCCP 5.x",
		"upgrade-w210 SIPDefault.cnf:2 000000000001 ",
	}},
	{name: "pre-5.0 phones and a loader without its bin", mutate: func(d *drop.Drop) {
		d.Files = removeFile(d.Files, "P003-8-12-00.bin")
	}, fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S3-04-4-00"},
		{MAC: "000000000002", Model: "7940", Load: "P0S3-07-4-00"},
	}, ignore: quiet, want: []string{
		"loader-bin-missing P003-8-12-00.sbn:0 000000000001 ",
		"upgrade-sip-path SIPDefault.cnf:1 000000000001 SIP 5.3,SIP 6.x,SIP 7.x",
	}},
	{name: "a 7912 in a 7940 root", fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S3-8-12-00"},
		{MAC: "000000000002", Model: "7912", Load: "CP7912080001SIP060412A"},
		{MAC: "000000000003", Model: "7905", Load: "CP7905080001SIP060412A"},
	}, ignore: quiet, want: []string{"fleet-no-image :0 000000000002,000000000003 "}},
	{name: "signed phones offered an unsigned bin", mutate: func(d *drop.Drop) {
		get(d, "SIP001122334455.cnf").SIP().Entries = append(get(d, "SIP001122334455.cnf").SIP().Entries, cisco.ConfigEntry{Name: "image_version", Value: "P0S3-04-4-00", Line: 2})
		d.Files = append(d.Files, &drop.File{Name: "P0S3-04-4-00.bin", Kind: cisco.KindImageBin, Mode: 0o644, Size: 10})
	}, fleet: []Phone{
		{MAC: "001122334455", Model: "7940", Load: "P0S3-07-4-00"},
		{MAC: "000000000002", Model: "7940", Load: "P0S3-07-4-00"},
	}, ignore: quiet, want: []string{"upgrade-downgrade SIP001122334455.cnf:2 001122334455 "}},
	{name: "upgrade scope of per-device files is one finding", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "SEP000000000001.cnf.xml", Kind: cisco.KindXMLConfig, Mode: 0o644, Size: 10, More: &drop.FileMore{XML: &cisco.XMLConfig{Loads: []cisco.XMLLoad{{Element: "loadInformation", Value: "P0S3-8-12-00", Line: 1}}}}},
			&drop.File{Name: "SEP000000000002.cnf.xml", Kind: cisco.KindXMLConfig, Mode: 0o644, Size: 10, More: &drop.FileMore{XML: &cisco.XMLConfig{Loads: []cisco.XMLLoad{{Element: "loadInformation", Value: "P0S3-8-12-00", Line: 1}}}}})
	}, fleet: []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P00308010200"},
		{MAC: "000000000002", Model: "7960", Load: "P00308010200"},
	}, ignore: []string{"protocol-load-conflict"}, want: []string{
		"fleet-upgrade-scope :0 000000000001,000000000002 ",
	}},
	{name: "phones that refuse an image are not in the upgrade scope", mutate: func(d *drop.Drop) {
		get(d, "SIP001122334455.cnf").SIP().Entries = append(get(d, "SIP001122334455.cnf").SIP().Entries, cisco.ConfigEntry{Name: "image_version", Value: "P0S3-04-4-00", Line: 2})
		d.Files = append(d.Files, &drop.File{Name: "P0S3-04-4-00.bin", Kind: cisco.KindImageBin, Mode: 0o644, Size: 10})
	}, fleet: []Phone{
		{MAC: "001122334455", Model: "7940", Load: "P0S3-07-4-00"},
		{MAC: "000000000002", Model: "7940", Load: "P0S3-07-4-00"},
	}, ignore: []string{"protocol-load-conflict"}, want: []string{
		"upgrade-downgrade SIP001122334455.cnf:2 001122334455 ",
		"fleet-upgrade-scope SIPDefault.cnf:1 000000000002 ",
	}},
}

func TestFleetCases(t *testing.T) {
	for _, tc := range fleetCases {
		t.Run(tc.name, func(t *testing.T) {
			d := cleanSIP7940()
			if tc.mutate != nil {
				tc.mutate(d)
			}
			d = memDrop(d.Files...)
			r := Run(d, Options{Fleet: tc.fleet, Ignore: tc.ignore})
			var got []string
			for _, f := range r.Findings {
				got = append(got, fmt.Sprintf("%s %s:%d %s %s", f.Rule, f.File, f.Line, strings.Join(f.Phones, ","), strings.Join(f.Steps, ",")))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPhonesOnSharedFiles(t *testing.T) {
	d := cleanSIP7940()
	get(d, "P0S3-8-12-00.sb2").Header().FileName = "x.sb2"
	fleet := []Phone{
		{MAC: "000000000001", Model: "7940", Load: "P0S3-07-4-00"},
		{MAC: "000000000002", Model: "7912", Load: "CP7912080001SIP060412A"},
	}
	r := Run(d, Options{Fleet: fleet, Ignore: []string{"fleet-no-image", "fleet-upgrade-scope"}})
	if len(r.Findings) != 1 || strings.Join(r.Findings[0].Phones, ",") != "000000000001" {
		t.Errorf("findings %+v: want the 7940 listed, not the 7912", r.Findings)
	}
}

// A 7912 that already runs the image its profile's upgradecode names is not
// in the upgrade scope (upgradecode names the file, the fleet the load),
// and the image file is one the 7912s read.
func TestFleet7912RunsItsImage(t *testing.T) {
	d := cleanSIP7912()
	get(d, "CP7912080001SIP060412A.sbin").Size = MaxTFTPSize + 1
	fleet := []Phone{
		{MAC: "000000000001", Model: "7912", Load: "CP7912080001SIP060412A"},
		{MAC: "000000000002", Model: "7912", Load: "CP7912080001SIP050608A"},
	}
	r := Run(d, Options{Fleet: fleet})
	got := withPhones(r)
	want := []string{
		"tftp-size CP7912080001SIP060412A.sbin:0 000000000001,000000000002",
		"fleet-upgrade-scope gkdefault.cfg:0 000000000002", // the file phones fetch, not its source
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestParseFleetExtension: a running load written as a file name loses its
// extension exactly as check's configuration values do (one function,
// stripExt), doubled extensions included.
func TestParseFleetExtension(t *testing.T) {
	for _, load := range []string{
		"P0S3-8-12-00", "P0S3-8-12-00.loads", "P0S3-8-12-00.SBN", "P00308010200.bin",
		"CP7912080001SIP060412A.sbin", "ATA030200SIP041111A.zup", "P0S3-8-12-00.sbn.bin", "P0S3-8-12-00.bin.loads",
	} {
		phones, err := ParseFleet(strings.NewReader("001122334455,7940,"+load+"\n"), "f.csv")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := cisco.StripImageExt(load)
		if phones[0].Load != want {
			t.Errorf("%s: load %q, want %q (as stripExt)", load, phones[0].Load, want)
		}
	}
}

// TestFleetUncompiledProfileIsOneFinding: 7912s whose gkdefault.txt has no
// gkdefault.cfg are profile-not-compiled's phones, not also fleet-no-image;
// a 7905 the root has nothing for still is.
func TestFleetUncompiledProfileIsOneFinding(t *testing.T) {
	d := cleanSIP7912()
	d.Files = removeFile(d.Files, "gkdefault.cfg")
	fleet := []Phone{
		{MAC: "000000000001", Model: "7912", Load: "CP7912080001SIP050608A"},
		{MAC: "000000000002", Model: "7905", Load: "CP7905080001SIP050608A"},
	}
	r := Run(d, Options{Fleet: fleet})
	got := withPhones(r)
	want := []string{
		"profile-not-compiled gkdefault.txt:0 000000000001",
		"fleet-no-image :0 000000000002",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// withPhones renders findings as "rule file:line MAC,MAC".
func withPhones(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s %s:%d %s", f.Rule, f.File, f.Line, strings.Join(f.Phones, ",")))
	}
	return out
}
