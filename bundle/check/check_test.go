package check

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/sign"
)

// These tests run the rules over drop models built in memory, one small
// mutation of a clean root per case, so that every rule is pinned both ways
// independently of the parsers. The fixture-based tests (check_fixture_test.go)
// run the same rules over real generated drops read by Open.

func sum(s string) drop.Sum { return sha256.Sum256([]byte(s)) }

func signedHdr(name string) *sign.Header { return &sign.Header{FileName: name, Signature: []byte{1}} }

// memDrop sorts files by name and fills defaults.
func memDrop(files ...*drop.File) *drop.Drop {
	for _, f := range files {
		if f.Mode == 0 {
			f.Mode = 0o644
		}
		if f.Size == 0 {
			f.Size = 1000
		}
		if f.SHA256.IsZero() {
			f.SHA256 = sum(f.Name)
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return &drop.Drop{Path: "mem", Files: files}
}

// cleanSIP7940 is a 7940/7960 SIP 8.12 root as Cisco ships it plus the
// configuration a site adds.
func cleanSIP7940() *drop.Drop {
	return memDrop(
		&drop.File{Name: "OS79XX.TXT", Kind: cisco.KindOS79XX, More: &drop.FileMore{OS79XX: &cisco.OS79XX{Name: "P003-8-12-00", Lines: 1}}},
		&drop.File{Name: "P003-8-12-00.bin", Kind: cisco.KindImageBin, SHA256: sum("loader"), More: &drop.FileMore{LoaderID: "PAS30830"}},
		&drop.File{Name: "P003-8-12-00.sbn", Kind: cisco.KindImageSBN, More: &drop.FileMore{Header: signedHdr("P003-8-12-00.sbn"), PayloadSHA256: sum("loader"), LoaderID: "PAS30830"}},
		&drop.File{Name: "P0S3-8-12-00.loads", Kind: cisco.KindLoads,
			More: &drop.FileMore{Header: signedHdr("P0S3-8-12-00.loads"), Loads: &cisco.Loads{LAVersion: "PAS30830", Parts: []cisco.LoadsPart{{Name: "P003-8-12-00.sbn", Line: 1}, {Name: "P0S3-8-12-00.sb2", Line: 2}},
				Settings: []cisco.ConfigEntry{{Name: "LA_VERSION", Value: "PAS30830", Line: 3}}}}},
		&drop.File{Name: "P0S3-8-12-00.sb2", Kind: cisco.KindImageSB2, More: &drop.FileMore{Header: signedHdr("P0S3-8-12-00.sb2")}},
		&drop.File{Name: "SIPDefault.cnf", Kind: cisco.KindSIPConfig, More: &drop.FileMore{SIP: &cisco.SIPConfig{Entries: []cisco.ConfigEntry{
			{Name: "image_version", Value: "P0S3-8-12-00", Line: 1},
			{Name: "proxy1_address", Value: "10.0.0.1", Line: 2},
			{Name: "dial_template", Value: "dialplan", Line: 3},
		}}}},
		&drop.File{Name: "SIP001122334455.cnf", Kind: cisco.KindSIPConfig, More: &drop.FileMore{SIP: &cisco.SIPConfig{Entries: []cisco.ConfigEntry{{Name: "line1_name", Value: "100", Line: 1}}}}},
		&drop.File{Name: "XMLDefault.cnf.xml", Kind: cisco.KindXMLConfig, More: &drop.FileMore{XML: &cisco.XMLConfig{Loads: []cisco.XMLLoad{
			{Element: "loadInformation7", ModelID: 7, Value: "P0S3-8-12-00", Line: 4},
			{Element: "loadInformation8", ModelID: 8, Value: "P0S3-8-12-00", Line: 5},
		}}}},
		&drop.File{Name: "dialplan.xml", Kind: cisco.KindDialplan},
		&drop.File{Name: "RINGLIST.DAT", Kind: cisco.KindRinglist, More: &drop.FileMore{Ringlist: &cisco.Ringlist{Entries: []cisco.Ring{{Display: "Chirp", File: "Chirp1.raw", Line: 1}}}}},
		&drop.File{Name: "Chirp1.raw", Kind: cisco.KindRing, Size: 4000},
	)
}

// cleanSIP7912 is a 7912 SIP root with its text and compiled default profile.
func cleanSIP7912() *drop.Drop {
	return memDrop(
		&drop.File{Name: "CP7912080001SIP060412A.sbin", Kind: cisco.KindImageSBIN},
		&drop.File{Name: "gkdefault.txt", Kind: cisco.KindProfileText,
			More: &drop.FileMore{Data: []byte("#txt\nupgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.sbin\n"), Profile: &cisco.Profile{Upgrades: []cisco.UpgradeCode{{Name: "upgradecode", Fields: 8, Policy: 3, Hardware: 0x601, SoftwareType: 0x400, SoftwareVersion: 0x100,
				TFTP: "0.0.0.0", Port: 69, ImageID: 0x060412a, File: "CP7912080001SIP060412A.sbin", Line: 2}}}}},
		&drop.File{Name: "gkdefault.cfg", Kind: cisco.KindProfileBinary, SHA256: sum("compiled"),
			More: &drop.FileMore{Profile: &cisco.Profile{Binary: true, Upgrades: []cisco.UpgradeCode{{Name: "upgradecode", Fields: 8, Policy: 3, Hardware: 0x601, SoftwareType: 0x400, SoftwareVersion: 0x100,
				TFTP: "0.0.0.0", Port: 69, ImageID: 0x060412a, File: "CP7912080001SIP060412A.sbin"}}}}},
	)
}

// toSCCP turns the SIP root into an SCCP one whose configuration still
// includes SIP files: every image entry names P00308010200, the only load.
func toSCCP(d *drop.Drop) {
	get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P00308010200"
	get(d, "OS79XX.TXT").OS79XX().Name = "P00308010200"
	get(d, "XMLDefault.cnf.xml").XML().Loads[0].Value = "P00308010200"
	get(d, "XMLDefault.cnf.xml").XML().Loads[1].Value = "P00308010200"
	d.Files = removeFile(d.Files, "P0S3-8-12-00.loads", "P0S3-8-12-00.sb2", "P003-8-12-00.bin", "P003-8-12-00.sbn")
	d.Files = append(d.Files, &drop.File{Name: "P00308010200.loads", Kind: cisco.KindLoads, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("P00308010200.loads"), Loads: &cisco.Loads{}}})
}

// moveFile renames a file of d (get's index is not updated: look it up by
// its new name no more).
func moveFile(d *drop.Drop, old, new string) {
	for _, f := range d.Files {
		if f.Name == old {
			f.Name = new
			return
		}
	}
	panic("no " + old)
}

func get(d *drop.Drop, name string) *drop.File {
	f := d.File(name)
	if f == nil {
		panic("no " + name)
	}
	return f
}

// got renders findings as "rule file:line" for comparison.
func got(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, fmt.Sprintf("%s %s:%d", f.Rule, f.File, f.Line))
	}
	return out
}

func TestCleanRootsHaveNoFindings(t *testing.T) {
	compile := func(string, []byte, func(string) []byte) ([]byte, error) { return []byte("compiled"), nil }
	for name, d := range map[string]*drop.Drop{"sip7940": cleanSIP7940(), "sip7912": cleanSIP7912()} {
		r := Run(d, Options{Compile: compile})
		if len(r.Findings) != 0 {
			t.Errorf("%s: findings on a clean root:\n%s", name, strings.Join(got(r), "\n"))
		}
		if r.Failed() {
			t.Errorf("%s: Failed() on a clean root", name)
		}
	}
}

type ruleCase struct {
	name    string
	base    func() *drop.Drop
	mutate  func(d *drop.Drop)
	opts    Options
	noTable bool     // run without opts.Compile (no --table)
	want    []string // "rule file:line", exactly the findings expected
}

var ruleCases = []ruleCase{
	{name: "os79xx two lines", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Lines = 2 },
		want: []string{"os79xx-syntax OS79XX.TXT:2"}},
	{name: "os79xx extension", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Name = "P003-8-12-00.bin" },
		want: []string{"os79xx-syntax OS79XX.TXT:1"}},
	{name: "os79xx trailing space", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().TrailingSpace = true },
		want: []string{"os79xx-syntax OS79XX.TXT:1"}},
	{name: "os79xx empty", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Name = "" },
		want: []string{"os79xx-syntax OS79XX.TXT:1"}},
	{name: "os79xx byte-order mark", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().BOM = true },
		want: []string{"os79xx-syntax OS79XX.TXT:1"}},
	{name: "os79xx crlf", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().CRLF = true },
		want: []string{"os79xx-crlf OS79XX.TXT:1"}},
	{name: "os79xx letter O", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Name = "POS3-8-12-00" },
		want: []string{"os79xx-form OS79XX.TXT:1", "os79xx-image-missing OS79XX.TXT:1"}},
	{name: "os79xx SIP 7.4 in 8.3 form", mutate: func(d *drop.Drop) {
		get(d, "OS79XX.TXT").OS79XX().Name = "P0S30704"
		d.Files = append(d.Files, &drop.File{Name: "P0S30704.bin", Kind: cisco.KindImageBin, Mode: 0o644, Size: 10})
	}, want: []string{"os79xx-form OS79XX.TXT:1", "upgrade-downgrade OS79XX.TXT:1"}},
	{name: "os79xx image missing", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Name = "P003-8-11-00" },
		want: []string{"os79xx-image-missing OS79XX.TXT:1"}},
	{name: "os79xx case", mutate: func(d *drop.Drop) { get(d, "OS79XX.TXT").OS79XX().Name = "p003-8-12-00" },
		want: []string{"os79xx-form OS79XX.TXT:1", "reference-case OS79XX.TXT:1"}},
	{name: "image_version missing", mutate: func(d *drop.Drop) { get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P0S3-8-11-00" },
		want: []string{"image-missing SIPDefault.cnf:1", "protocol-load-conflict XMLDefault.cnf.xml:4", "protocol-load-conflict XMLDefault.cnf.xml:5"}},
	{name: "image_version extension", mutate: func(d *drop.Drop) { get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P0S3-8-12-00.loads" },
		want: []string{"image-extension SIPDefault.cnf:1"}},
	{name: "loadInformation case", mutate: func(d *drop.Drop) { get(d, "XMLDefault.cnf.xml").XML().Loads[0].Value = "p0s3-8-12-00" },
		want: []string{"reference-case XMLDefault.cnf.xml:4", "protocol-load-conflict XMLDefault.cnf.xml:4"}},
	{name: "loadInformation model", mutate: func(d *drop.Drop) {
		x := get(d, "XMLDefault.cnf.xml").XML()
		x.Loads = append(x.Loads, cisco.XMLLoad{Element: "loadInformation307", ModelID: 307, Value: "P0S3-8-12-00", Line: 6})
	}, want: []string{"image-model-mismatch XMLDefault.cnf.xml:6"}},
	{name: "model attribute contradicts the id", mutate: func(d *drop.Drop) {
		f := get(d, "XMLDefault.cnf.xml")
		f.XML().Loads[1].ModelAttr = "IP Phone 7960"
		f.XML().Loads[1].Model = "7940"
		f.Edit().Problems = []cisco.Problem{{Line: 5, Msg: "<loadInformation8>: model id 8 is the 7940 but the model attribute says \"IP Phone 7960\""}}
	}, want: []string{"model-attr-mismatch XMLDefault.cnf.xml:5"}},
	{name: "model attribute with G suffix agrees", mutate: func(d *drop.Drop) {
		f := get(d, "XMLDefault.cnf.xml")
		f.XML().Loads[1].ModelAttr = "Cisco IP Phone 7940G"
		f.XML().Loads[1].Model = "7940"
	}, want: nil},
	{name: "image_version 79x1 load", mutate: func(d *drop.Drop) {
		get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "SIP41.8-5-4S"
		d.Files = append(d.Files, &drop.File{Name: "SIP41.8-5-4S.loads", Kind: cisco.KindLoads, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("SIP41.8-5-4S.loads"), Loads: &cisco.Loads{}}})
	}, want: []string{"image-model-mismatch SIPDefault.cnf:1", "protocol-load-conflict XMLDefault.cnf.xml:4", "protocol-load-conflict XMLDefault.cnf.xml:5"}},
	{name: "loads part missing", mutate: func(d *drop.Drop) {
		d.Files = removeFile(d.Files, "P0S3-8-12-00.sb2")
	}, want: []string{"loads-part-missing P0S3-8-12-00.loads:2"}},
	{name: "loads part case", mutate: func(d *drop.Drop) {
		get(d, "P0S3-8-12-00.loads").Loads().Parts[1].Name = "p0s3-8-12-00.sb2"
	}, want: []string{"reference-case P0S3-8-12-00.loads:2"}},
	{name: "no load specified", mutate: func(d *drop.Drop) {
		d.Files = removeFile(d.Files, "OS79XX.TXT")
		get(d, "SIPDefault.cnf").SIP().Entries = get(d, "SIPDefault.cnf").SIP().Entries[1:]
		get(d, "XMLDefault.cnf.xml").XML().Loads = nil
	}, want: []string{"no-load-specified :0"}},
	{name: "renamed signed image", mutate: func(d *drop.Drop) { get(d, "P0S3-8-12-00.sb2").Header().FileName = "P0S3-8-11-00.sb2" },
		want: []string{"signed-name-mismatch P0S3-8-12-00.sb2:0"}},
	{name: "truncated header", mutate: func(d *drop.Drop) {
		f := get(d, "P0S3-8-12-00.sb2")
		f.Edit().Header, f.Edit().HeaderErr = nil, "sign: header: length 0x194 past end of file"
	}, want: []string{"signed-header-bad P0S3-8-12-00.sb2:0"}},
	{name: "unsigned sb2", mutate: func(d *drop.Drop) { get(d, "P0S3-8-12-00.sb2").Edit().Header = nil },
		want: []string{"signed-header-bad P0S3-8-12-00.sb2:0"}},
	{name: "sbn payload", mutate: func(d *drop.Drop) { get(d, "P003-8-12-00.bin").SHA256 = sum("other") },
		want: []string{"sbn-payload-mismatch P003-8-12-00.sbn:0"}},
	{name: "la version", mutate: func(d *drop.Drop) { get(d, "P0S3-8-12-00.loads").Loads().LAVersion = "PAS30820" },
		want: []string{"loads-la-version P0S3-8-12-00.loads:3"}},
	{name: "device name lower mac", mutate: func(d *drop.Drop) { get(d, "SIP001122334455.cnf").Name = "SIP00112233445a.cnf" },
		want: []string{"device-name SIP00112233445a.cnf:0"}},
	{name: "device name upper ext", mutate: func(d *drop.Drop) { get(d, "SIP001122334455.cnf").Name = "SIP001122334455.CNF" },
		want: []string{"device-name SIP001122334455.CNF:0"}},
	{name: "device name short mac", mutate: func(d *drop.Drop) { get(d, "SIP001122334455.cnf").Name = "SIP0011223344.cnf" },
		want: []string{"device-name SIP0011223344.cnf:0"}},
	{name: "device name short mac is not also unknown", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SIP0011223344.cnf", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"device-name SIP0011223344.cnf:0"}},
	{name: "device name with Notepad's .txt", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SIP001122334466.cnf.txt", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"device-name SIP001122334466.cnf.txt:0"}},
	{name: "SEP<MAC>.cnf beside the phone's SIP<MAC>.cnf is a stray copy", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SEP001122334455.cnf", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"source-file SEP001122334455.cnf:0"}},
	{name: "SEP file without .cnf", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SEP001122334466.xml", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"device-name SEP001122334466.xml:0"}},
	{name: "signed SEP files of secure roots are not device-name", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SEP001122334466.cnf.xml.sgn", Kind: cisco.KindSigned, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("SEP001122334466.cnf.xml.sgn")}})
	}, want: nil},
	{name: "profile name upper", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "gk0011223344AA", Kind: cisco.KindProfileBinary, Mode: 0o644, Size: 10})
	}, want: []string{"device-name gk0011223344AA:0"}},
	{name: "fixed name in the wrong case", mutate: func(d *drop.Drop) { get(d, "RINGLIST.DAT").Name = "ringlist.dat" },
		want: []string{"reference-case ringlist.dat:0"}},
	{name: "case collision", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "sipdefault.cnf", Kind: cisco.KindSIPConfig, Mode: 0o644, Size: 10, More: &drop.FileMore{SIP: &cisco.SIPConfig{}}})
	}, want: []string{"case-collision sipdefault.cnf:0"}},
	{name: "byte-identical case alias is information", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "ringlist.dat", Kind: cisco.KindRinglist, SHA256: get(d, "RINGLIST.DAT").SHA256,
			More: &drop.FileMore{Ringlist: get(d, "RINGLIST.DAT").Ringlist()}})
	}, want: []string{"case-alias ringlist.dat:0"}},
	{name: "stray sccp root with sip config", mutate: func(d *drop.Drop) {
		toSCCP(d)
	}, want: []string{"protocol-stray-config SIP001122334455.cnf:0", "protocol-stray-config SIPDefault.cnf:0"}},
	{name: "downgrade alone", mutate: func(d *drop.Drop) {
		get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P0S3-04-4-00"
		d.Files = append(d.Files, &drop.File{Name: "P0S3-04-4-00.bin", Kind: cisco.KindImageBin, Mode: 0o644, Size: 10})
	}, want: []string{"upgrade-downgrade SIPDefault.cnf:1", "upgrade-w210 SIPDefault.cnf:2",
		"protocol-load-conflict XMLDefault.cnf.xml:4", "protocol-load-conflict XMLDefault.cnf.xml:5"}},
	{name: "ringlist missing ring in a root without rings", mutate: func(d *drop.Drop) { d.Files = removeFile(d.Files, "Chirp1.raw") },
		want: []string{"image-not-in-root RINGLIST.DAT:1"}},
	{name: "listed ring missing beside other rings", mutate: func(d *drop.Drop) {
		rl := get(d, "RINGLIST.DAT").Ringlist()
		rl.Entries = append(rl.Entries, cisco.Ring{Display: "Gone", File: "Gone.raw", Line: 2})
	}, want: []string{"ring-missing RINGLIST.DAT:2"}},
	{name: "ringlist.xml naming a missing ring", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "ringlist.xml", Kind: cisco.KindRinglistXML, More: &drop.FileMore{Ringlist: &cisco.Ringlist{Entries: []cisco.Ring{
			{Display: "Chirp", File: "Chirp1.raw", Line: 2}, {Display: "Analog", File: "Analog1.raw", Line: 6}}}}})
	}, want: []string{"ring-missing ringlist.xml:6"}},
	{name: "an unlisted long ring is nobody's business", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "Long.raw", Kind: cisco.KindRing, Size: 100000})
	}, want: nil},
	{name: "configuration-only root", mutate: func(d *drop.Drop) {
		for _, n := range []string{"P003-8-12-00.bin", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2"} {
			d.Files = removeFile(d.Files, n)
		}
	}, want: []string{"image-not-in-root OS79XX.TXT:1", "image-not-in-root P0S3-8-12-00.loads:0"}},
	{name: "configuration-only root without manifests", mutate: func(d *drop.Drop) {
		for _, n := range []string{"P003-8-12-00.bin", "P003-8-12-00.sbn", "P0S3-8-12-00.sb2", "P0S3-8-12-00.loads"} {
			d.Files = removeFile(d.Files, n)
		}
	}, want: []string{"image-not-in-root OS79XX.TXT:1", "image-not-in-root SIPDefault.cnf:1", "image-not-in-root XMLDefault.cnf.xml:4", "image-not-in-root XMLDefault.cnf.xml:5"}},
	{name: "7912 upgradecode naming a .loads", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		get(d, "gkdefault.txt").Profile().Upgrades[0].File = "SIP11.9-4-2SR1-1S.loads"
		get(d, "gkdefault.cfg").Profile().Upgrades[0].File = "SIP11.9-4-2SR1-1S.loads"
		d.Files = append(d.Files, &drop.File{Name: "SIP11.9-4-2SR1-1S.loads", Kind: cisco.KindLoads, More: &drop.FileMore{Header: signedHdr("SIP11.9-4-2SR1-1S.loads"), Loads: &cisco.Loads{}}})
	}, want: []string{"image-type-7905-7912 gkdefault.cfg:0", "image-type-7905-7912 gkdefault.txt:2"}},
	{name: "792x part whose size differs from its .LOADS", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "CP7921G-1.4.6.3.LOADS", Kind: cisco.KindLoads,
				More: &drop.FileMore{Header: signedHdr("CP7921G-1.4.6.3.LOADS"), Loads: &cisco.Loads{Parts: []cisco.LoadsPart{{Name: "APPS-1.4.6.3.SBN", Line: 4, Size: 2633404, MD5: "5f64dd6b81764b05d0f136e0ed1d74f9"}}}}},
			&drop.File{Name: "APPS-1.4.6.3.SBN", Kind: cisco.KindImageSBN, Size: 2633400, More: &drop.FileMore{Header: signedHdr("APPS-1.4.6.3.SBN")}})
	}, want: []string{"loads-part-digest CP7921G-1.4.6.3.LOADS:4"}},
	{name: "792x part of the size its .LOADS says", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "CP7921G-1.4.6.3.LOADS", Kind: cisco.KindLoads,
				More: &drop.FileMore{Header: signedHdr("CP7921G-1.4.6.3.LOADS"), Loads: &cisco.Loads{Parts: []cisco.LoadsPart{{Name: "APPS-1.4.6.3.SBN", Line: 4, Size: 2633404}}}}},
			&drop.File{Name: "APPS-1.4.6.3.SBN", Kind: cisco.KindImageSBN, Size: 2633404, More: &drop.FileMore{Header: signedHdr("APPS-1.4.6.3.SBN")}})
	}, want: nil},
	{name: "CTL placeholder", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "CTLSEP001122334455.tlv", Kind: cisco.KindTrustList, Size: 1})
	}, want: []string{"trust-list-bad CTLSEP001122334455.tlv:0"}},
	{name: "newer signed header", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "sip78xx.11-0-1-11.loads", Kind: cisco.KindLoads, NewHeader: true})
	}, want: []string{"not-judged sip78xx.11-0-1-11.loads:0"}},
	{name: "a 69xx image whose header version phoneload does not parse", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SIP69xx.9-4-1-3SR2.zz.sgn", Kind: cisco.KindSigned, More: &drop.FileMore{HeaderErr: "header version 2.0 not supported"}})
	}, want: []string{"not-judged SIP69xx.9-4-1-3SR2.zz.sgn:0"}},
	{name: "tones file that is not XML", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "g3-tones.xml", Kind: cisco.KindTones, More: &drop.FileMore{Problems: []cisco.Problem{{Line: 1, Msg: "XML: unquoted or missing attribute value in element"}}}})
	}, want: []string{"xml-invalid g3-tones.xml:1"}},
	{name: "well-formed syncinfo.xml", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "syncinfo.xml", Kind: cisco.KindSyncInfo})
	}, want: nil},
	{name: "#txt under a name no phone asks for names no empty profile", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "notes", Kind: cisco.KindProfileText, More: &drop.FileMore{Profile: &cisco.Profile{}}})
	}, want: nil},
	{name: "template beside the root's files", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "7912_TEMPL.txt", Kind: cisco.KindSource})
	}, want: []string{"source-file 7912_TEMPL.txt:0"}},
	{name: "loadNNN.txt of the model's family", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "load30018.txt", Kind: cisco.KindLoadPointer, More: &drop.FileMore{LoadPointer: &cisco.LoadPointer{ModelID: 30018, Load: "SIP41.8-5-4S", Line: 1}}})
	}, want: []string{"source-file load30018.txt:0"}},
	{name: "loadNNN.txt naming another family's load", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "load30018.txt", Kind: cisco.KindLoadPointer, More: &drop.FileMore{LoadPointer: &cisco.LoadPointer{ModelID: 30018, Load: "SIP42.8-5-4S", Line: 1}}})
	}, want: []string{"load-pointer-mismatch load30018.txt:1", "source-file load30018.txt:0"}},
	{name: "7961 given a 42-family load", mutate: func(d *drop.Drop) {
		get(d, "XMLDefault.cnf.xml").XML().Loads = append(get(d, "XMLDefault.cnf.xml").XML().Loads,
			cisco.XMLLoad{Element: "loadInformation30018", ModelID: 30018, Model: "7961", Value: "SIP42.9-4-2SR1-1S", Line: 6})
		d.Files = append(d.Files, &drop.File{Name: "SIP42.9-4-2SR1-1S.loads", Kind: cisco.KindLoads, More: &drop.FileMore{Header: signedHdr("SIP42.9-4-2SR1-1S.loads"), Loads: &cisco.Loads{}}})
	}, want: []string{"image-model-mismatch XMLDefault.cnf.xml:6"}},
	{name: "7961G-GE given the 41 load it runs", mutate: func(d *drop.Drop) {
		get(d, "XMLDefault.cnf.xml").XML().Loads = append(get(d, "XMLDefault.cnf.xml").XML().Loads,
			cisco.XMLLoad{Element: "loadInformation308", ModelID: 308, Model: "7961G-GE", Value: "SIP41.9-4-2SR1-1S", Line: 6})
		d.Files = append(d.Files, &drop.File{Name: "SIP41.9-4-2SR1-1S.loads", Kind: cisco.KindLoads, More: &drop.FileMore{Header: signedHdr("SIP41.9-4-2SR1-1S.loads"), Loads: &cisco.Loads{}}})
	}, want: nil},
	{name: "loadInformation set three times", mutate: func(d *drop.Drop) {
		x := get(d, "XMLDefault.cnf.xml").XML()
		x.Loads = append(x.Loads, cisco.XMLLoad{Element: "loadInformation8", ModelID: 8, Value: "P0S3-8-12-00", Line: 6},
			cisco.XMLLoad{Element: "loadInformation8", ModelID: 8, Value: "P0S3-8-12-00", Line: 7})
	}, want: []string{"config-duplicate-key XMLDefault.cnf.xml:6", "config-duplicate-key XMLDefault.cnf.xml:7"}},
	{name: "dialTemplate naming a missing file", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SEP001122334455.cnf.xml", Kind: cisco.KindXMLConfig, More: &drop.FileMore{XML: &cisco.XMLConfig{Entries: []cisco.ConfigEntry{
			{Name: "sipProfile/dialTemplate", Value: "dialplan-uk.xml", Line: 9}}}}})
	}, want: []string{"dial-template-missing SEP001122334455.cnf.xml:9"}},
	{name: "dialTemplate naming the dial plan", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "SEP001122334455.cnf.xml", Kind: cisco.KindXMLConfig, More: &drop.FileMore{XML: &cisco.XMLConfig{Entries: []cisco.ConfigEntry{
			{Name: "sipProfile/dialTemplate", Value: "dialplan.xml", Line: 9}}}}})
	}, want: nil},
	{name: "ringlist malformed", mutate: func(d *drop.Drop) { get(d, "RINGLIST.DAT").Ringlist().Entries[0].Display = "" },
		want: []string{"ringlist-entry RINGLIST.DAT:1"}},
	{name: "ring too long", mutate: func(d *drop.Drop) { get(d, "Chirp1.raw").Size = 16081 },
		want: []string{"ring-format Chirp1.raw:0"}},
	{name: "ring wav", mutate: func(d *drop.Drop) { get(d, "Chirp1.raw").WAV = true },
		want: []string{"ring-format Chirp1.raw:0"}},
	{name: "dial template", mutate: func(d *drop.Drop) { d.Files = removeFile(d.Files, "dialplan.xml") },
		want: []string{"dial-template-missing SIPDefault.cnf:3"}},
	{name: "dial template with extension", mutate: func(d *drop.Drop) { get(d, "SIPDefault.cnf").SIP().Entries[2].Value = "dialplan.xml" },
		want: []string{"dial-template-missing SIPDefault.cnf:3"}},
	{name: "upgradecode fields", base: cleanSIP7912, mutate: func(d *drop.Drop) { get(d, "gkdefault.txt").Profile().Upgrades[0].Fields = 7 },
		want: []string{"upgradecode-fields gkdefault.txt:2"}},
	{name: "upgradecode hardware", base: cleanSIP7912, mutate: func(d *drop.Drop) { get(d, "gkdefault.txt").Profile().Upgrades[0].Hardware = 0x501 },
		want: []string{"upgradecode-hardware gkdefault.txt:2"}},
	{name: "upgradecode missing", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = removeFile(d.Files, "CP7912080001SIP060412A.sbin")
		d.Files = append(d.Files, &drop.File{Name: "CP7912080000SIP060111A.sbin", Kind: cisco.KindImageSBIN})
	},
		want: []string{"upgradecode-image-missing gkdefault.txt:2"}},
	{name: "upgradecode zup", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		get(d, "gkdefault.txt").Profile().Upgrades[0].File = "CP7912080001SIP060412A.zup"
		d.Files = append(d.Files, &drop.File{Name: "CP7912080001SIP060412A.zup", Kind: cisco.KindImageZUP, Mode: 0o644, Size: 10})
	}, want: []string{"upgradecode-zup-7912 gkdefault.txt:2"}},
	{name: "upgradecode image id", base: cleanSIP7912, mutate: func(d *drop.Drop) { get(d, "gkdefault.txt").Profile().Upgrades[0].ImageID = 0x051117a },
		want: []string{"upgradecode-image-id gkdefault.txt:2"}},
	{name: "profile stale", base: cleanSIP7912, mutate: func(d *drop.Drop) { get(d, "gkdefault.cfg").SHA256 = sum("old") },
		want: []string{"profile-stale gkdefault.cfg:0"}},
	{name: "text profile without its compiled profile", base: cleanSIP7912, mutate: func(d *drop.Drop) { d.Files = removeFile(d.Files, "gkdefault.cfg") },
		want: []string{"profile-not-compiled gkdefault.txt:0"}},
	{name: "per-device text profile falls back to the compiled default", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "gk0011223344aa.txt", Kind: cisco.KindProfileText, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{}}})
	}, want: []string{"profile-device-fallback gk0011223344aa.txt:0"}},
	{name: "per-device text profile with nothing compiled", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = removeFile(d.Files, "gkdefault.cfg")
		d.Files = append(d.Files, &drop.File{Name: "gk0011223344aa.txt", Kind: cisco.KindProfileText, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{}}})
	}, want: []string{"profile-not-compiled gk0011223344aa.txt:0", "profile-not-compiled gkdefault.txt:0"}},
	{name: "per-device text profile and its compiled twin", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "gk0011223344aa.txt", Kind: cisco.KindProfileText, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{}}},
			&drop.File{Name: "gk0011223344aa", Kind: cisco.KindProfileBinary, Mode: 0o644, Size: 10, SHA256: sum("compiled"), More: &drop.FileMore{Profile: &cisco.Profile{Binary: true}}})
	}, want: nil},
	{name: "compiled profile in the wrong case is not also uncompiled", base: cleanSIP7912, mutate: func(d *drop.Drop) { moveFile(d, "gkdefault.cfg", "GKDEFAULT.CFG") },
		want: []string{"reference-case GKDEFAULT.CFG:0"}},
	{name: "split profile without its extension", base: cleanSIP7912, mutate: func(d *drop.Drop) { get(d, "gkdefault.cfg").Profile().Extension = "gkdefault.cfg.ex" },
		want: []string{"profile-extension-missing gkdefault.cfg:0"}},
	{name: "split profile with its extension", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		get(d, "gkdefault.cfg").Profile().Extension = "gkdefault.cfg.ex"
		d.Files = append(d.Files, &drop.File{Name: "gkdefault.cfg.ex", Kind: cisco.KindProfileBinary, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{Binary: true}}})
	}, want: nil},
	{name: "text profile under the compiled name", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "gk0011223344aa", Kind: cisco.KindProfileText, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{}}})
	}, want: []string{"profile-not-compiled gk0011223344aa:1"}},
	{name: "compiled upgradecode stale, seen without a table", base: cleanSIP7912, noTable: true, mutate: func(d *drop.Drop) {
		get(d, "gkdefault.txt").Profile().Upgrades[0].ImageID = 0x060413a
		get(d, "gkdefault.txt").Profile().Upgrades[0].File = "CP7912080001SIP060413A.sbin"
		d.Files = append(d.Files, &drop.File{Name: "CP7912080001SIP060413A.sbin", Kind: cisco.KindImageSBIN, Mode: 0o644, Size: 10})
	}, want: []string{"profile-stale gkdefault.cfg:0"}},
	{name: "drop zipped with its folder: one finding", mutate: func(d *drop.Drop) {
		for _, f := range d.Files {
			f.Name = "cmterm-7940-7960-sip.8-12-00/" + f.Name
		}
	}, want: []string{"not-at-root cmterm-7940-7960-sip.8-12-00:0"}},
	{name: "loads and its part in a folder: one finding", mutate: func(d *drop.Drop) {
		moveFile(d, "P0S3-8-12-00.loads", "sub/P0S3-8-12-00.loads")
		moveFile(d, "P0S3-8-12-00.sb2", "sub/P0S3-8-12-00.sb2")
	}, want: []string{"not-at-root sub/P0S3-8-12-00.loads:0"}},
	{name: "misplaced files reported one by one when not-at-root is ignored", opts: Options{Ignore: []string{"not-at-root"}}, mutate: func(d *drop.Drop) {
		moveFile(d, "P0S3-8-12-00.sb2", "sub/P0S3-8-12-00.sb2")
	}, want: []string{"loads-part-missing P0S3-8-12-00.loads:2"}},
	{name: "a backup folder nothing refers to", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "backup/SIPDefault.cnf", Kind: cisco.KindSIPConfig, Mode: 0o644, Size: 10, More: &drop.FileMore{SIP: &cisco.SIPConfig{}}},
			&drop.File{Name: "backup/notes.txt", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"folder-not-read backup/SIPDefault.cnf:0", "unknown-file backup/notes.txt:0"}},
	{name: "an old drop kept in a folder is not read, not misplaced", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "old/SIPDefault.cnf", Kind: cisco.KindSIPConfig, Mode: 0o644, Size: 10, More: &drop.FileMore{SIP: &cisco.SIPConfig{Entries: []cisco.ConfigEntry{{Name: "image_version", Value: "P0S3-8-11-00", Line: 1}}}}},
			&drop.File{Name: "old/P0S3-8-11-00.loads", Kind: cisco.KindLoads, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("P0S3-8-11-00.loads"), Loads: &cisco.Loads{}}})
	}, want: []string{"folder-not-read old/P0S3-8-11-00.loads:0"}},
	{name: "a text profile in a spare folder is not judged uncompiled", base: cleanSIP7912, mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "templates/gkdefault.txt", Kind: cisco.KindProfileText, Mode: 0o644, Size: 10, More: &drop.FileMore{Profile: &cisco.Profile{}}})
	}, want: []string{"folder-not-read templates/gkdefault.txt:0"}},
	{name: "a SIP image in a spare folder does not make SIP configuration at the top less stray", mutate: func(d *drop.Drop) {
		toSCCP(d)
		d.Files = append(d.Files,
			&drop.File{Name: "old/P0S3-8-12-00.sb2", Kind: cisco.KindImageSB2, Mode: 0o644, Size: 10, More: &drop.FileMore{Header: signedHdr("P0S3-8-12-00.sb2")}})
	}, want: []string{"protocol-stray-config SIP001122334455.cnf:0", "protocol-stray-config SIPDefault.cnf:0", "folder-not-read old/P0S3-8-12-00.sb2:0"}},
	{name: "tftp size", mutate: func(d *drop.Drop) { get(d, "P0S3-8-12-00.sb2").Size = MaxTFTPSize + 1 },
		want: []string{"tftp-size P0S3-8-12-00.sb2:0"}},
	{name: "tftp name", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "notes/read me.txt", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"tftp-name notes/read me.txt:0", "unknown-file notes/read me.txt:0"}},
	{name: "drop unpacked into a folder", mutate: func(d *drop.Drop) {
		for _, f := range d.Files {
			if f.Kind == cisco.KindRinglist || f.Kind == cisco.KindRing {
				f.Name = "rings/" + f.Name
			}
		}
	}, want: []string{"not-at-root rings/Chirp1.raw:0"}},
	{name: "parse problem", mutate: func(d *drop.Drop) {
		get(d, "SIPDefault.cnf").Edit().Problems = []cisco.Problem{{Line: 7, Msg: "line without a colon"}}
	}, want: []string{"parse-problem SIPDefault.cnf:7"}},
	{name: "duplicate parameter", mutate: func(d *drop.Drop) {
		c := get(d, "SIPDefault.cnf").SIP()
		c.Entries = append(c.Entries, cisco.ConfigEntry{Name: "Proxy1_Address", Value: "10.0.0.2", Line: 9}, cisco.ConfigEntry{Name: "dial_template", Value: "dialplan", Line: 10})
	}, want: []string{"config-duplicate-key SIPDefault.cnf:9"}},
	{name: "duplicate password", mutate: func(d *drop.Drop) {
		c := get(d, "SIPDefault.cnf").SIP()
		c.Entries = append(c.Entries, cisco.ConfigEntry{Name: "phone_password", Value: "hunter2", Line: 9}, cisco.ConfigEntry{Name: "phone_password", Value: "s3cr3t", Line: 10})
	}, want: []string{"config-duplicate-key SIPDefault.cnf:10"}},
	{name: "unknown file", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files, &drop.File{Name: "notes.doc", Kind: cisco.KindUnknown, Mode: 0o644, Size: 10})
	}, want: []string{"unknown-file notes.doc:0"}},
	{name: "macOS metadata is not judged as firmware", mutate: func(d *drop.Drop) {
		d.Files = append(d.Files,
			&drop.File{Name: "__MACOSX/._P0S3-8-12-00.sb2", Kind: cisco.KindImageSB2, Mode: 0o644, Size: 10},
			&drop.File{Name: "._P0S3-8-12-00.loads", Kind: cisco.KindLoads, Mode: 0o644, Size: 10},
			&drop.File{Name: ".DS_Store", Kind: cisco.KindUnknown, Mode: 0o600, Size: 10})
	}, want: []string{"desktop-metadata .DS_Store:0", "desktop-metadata ._P0S3-8-12-00.loads:0", "desktop-metadata __MACOSX/._P0S3-8-12-00.sb2:0"}},
}

func removeFile(fs []*drop.File, names ...string) []*drop.File {
	var out []*drop.File
	for _, f := range fs {
		keep := true
		for _, n := range names {
			keep = keep && f.Name != n
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
}

func TestRuleCases(t *testing.T) {
	compile := func(string, []byte, func(string) []byte) ([]byte, error) { return []byte("compiled"), nil }
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base
			if base == nil {
				base = cleanSIP7940
			}
			d := base()
			tc.mutate(d)
			d = memDrop(d.Files...)
			opts := tc.opts
			if opts.Compile == nil && !tc.noTable {
				opts.Compile = compile
			}
			r := Run(d, opts)
			if diff := cmp.Diff(tc.want, got(r)); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEveryRuleHasACase keeps the registry honest: a rule nobody shows
// firing is a rule that may never fire.
func TestEveryRuleHasACase(t *testing.T) {
	fired := map[string]bool{}
	for _, tc := range ruleCases {
		for _, w := range tc.want {
			fired[strings.Fields(w)[0]] = true
		}
	}
	for _, tc := range fleetCases {
		for _, w := range tc.want {
			fired[strings.Fields(w)[0]] = true
		}
	}
	// Rules proven elsewhere (fixture tests that need real files).
	fired["signature-untrusted"] = true
	fired["tftp-permission"] = true
	for _, r := range Rules() {
		if !fired[r.ID] {
			t.Errorf("rule %s has no test case that fires it", r.ID)
		}
	}
}

func TestIgnoreAndStrict(t *testing.T) {
	d := cleanSIP7940()
	get(d, "OS79XX.TXT").OS79XX().CRLF = true
	get(d, "P0S3-8-12-00.sb2").Header().FileName = "x.sb2"
	r := Run(d, Options{})
	if r.Errors() != 1 || r.Warnings() != 1 || !r.Failed() {
		t.Fatalf("errors %d warnings %d failed %v", r.Errors(), r.Warnings(), r.Failed())
	}
	r = Run(d, Options{Ignore: []string{"signed-name-mismatch", "signed-name-mismatch"}})
	if r.Errors() != 0 || r.Failed() {
		t.Errorf("ignored rule still fails: %v", got(r))
	}
	if diff := cmp.Diff([]string{"signed-name-mismatch"}, r.Ignored); diff != "" {
		t.Errorf("Ignored (-want +got):\n%s", diff)
	}
	r = Run(d, Options{Ignore: []string{"signed-name-mismatch"}, Strict: true})
	if !r.Failed() {
		t.Error("--strict does not fail on a warning")
	}
}

func TestFindingsSorted(t *testing.T) {
	d := cleanSIP7940()
	d.Files = append(d.Files, &drop.File{Name: "A.unknown", Kind: cisco.KindUnknown, Mode: 0o644, Size: 1})
	get(d, "OS79XX.TXT").OS79XX().CRLF = true
	get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P0S3-8-11-00"
	get(d, "P0S3-8-12-00.sb2").Header().FileName = "x.sb2"
	d = memDrop(d.Files...)
	want := []string{
		"signed-name-mismatch P0S3-8-12-00.sb2:0", "image-missing SIPDefault.cnf:1",
		"os79xx-crlf OS79XX.TXT:1", "protocol-load-conflict XMLDefault.cnf.xml:4", "protocol-load-conflict XMLDefault.cnf.xml:5",
		"unknown-file A.unknown:0",
	}
	for i := 0; i < 3; i++ {
		if diff := cmp.Diff(want, got(Run(d, Options{}))); diff != "" {
			t.Fatalf("order (-want +got):\n%s", diff)
		}
	}
}

func TestAssumptionsWithoutFleet(t *testing.T) {
	r := Run(cleanSIP7940(), Options{})
	if !strings.Contains(strings.Join(r.Assumptions, "\n"), "no --fleet") {
		t.Errorf("assumptions = %q", r.Assumptions)
	}
	r = Run(cleanSIP7940(), Options{Fleet: []Phone{{MAC: "001122334455", Model: "7940", Load: "P0S3-8-11-00"}}})
	for _, a := range r.Assumptions {
		if strings.Contains(a, "--fleet") {
			t.Errorf("assumption about --fleet with a fleet: %q", a)
		}
	}
}

// The messages of signed-header-bad say what broke: a bare parser error
// ("length 0x194 past end of data at 0xc8") does not say it is the header.
func TestSignedHeaderBadMessage(t *testing.T) {
	d := cleanSIP7940()
	f := get(d, "P0S3-8-12-00.sb2")
	f.Edit().Header, f.Edit().HeaderErr = nil, "length 0x194 past end of data at 0xc8"
	r := Run(d, Options{})
	var msgs []string
	for _, f := range r.Findings {
		msgs = append(msgs, f.Message)
	}
	want := []string{"P0S3-8-12-00.sb2: signed header: length 0x194 past end of data at 0xc8"}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

// Check reports end up in tickets and CI logs: no finding may print the
// value of a secret setting, as inspect's output does not.
func TestFindingsHideSecrets(t *testing.T) {
	d := cleanSIP7940()
	c := get(d, "SIPDefault.cnf").SIP()
	c.Entries = append(c.Entries, cisco.ConfigEntry{Name: "phone_password", Value: "hunter2", Line: 9}, cisco.ConfigEntry{Name: "Phone_Password", Value: "s3cr3t", Line: 10})
	for _, f := range Run(d, Options{}).Findings {
		if strings.Contains(f.Message, "hunter2") || strings.Contains(f.Message, "s3cr3t") {
			t.Errorf("%s prints a password: %s", f.Rule, f.Message)
		}
	}
}

// An image named with another spelling of a release the root has
// (P0S3-08-12-00 for P0S3-8-12-00) is missing, and the message says which
// file was meant.
func TestMissingImageOtherSpelling(t *testing.T) {
	d := cleanSIP7940()
	get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "P0S3-08-12-00"
	get(d, "OS79XX.TXT").OS79XX().Name = "P003-08-12-00"
	r := Run(d, Options{Ignore: []string{"protocol-load-conflict"}})
	var msgs []string
	for _, f := range r.Findings {
		msgs = append(msgs, f.Rule+": "+f.Message)
	}
	want := []string{
		`os79xx-image-missing: OS79XX.TXT names "P003-08-12-00" but none of P003-08-12-00.bin, .sbn, .loads is in the root; the root has P003-8-12-00.bin, the same release spelt "P003-8-12-00": TFTP names are byte-exact, write that`,
		`image-missing: image_version names "P0S3-08-12-00" but no P0S3-08-12-00.loads (or .sbn/.bin) is in the root; the root has P0S3-8-12-00.loads, the same release spelt "P0S3-8-12-00": TFTP names are byte-exact, write that`,
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

// image_version: POS3-… (the letter O, as Cisco's note spells it) says
// which file was meant.
func TestMissingImageLetterO(t *testing.T) {
	d := cleanSIP7940()
	get(d, "SIPDefault.cnf").SIP().Entries[0].Value = "POS3-8-12-00"
	r := Run(d, Options{Ignore: []string{"protocol-load-conflict"}})
	var msgs []string
	for _, f := range r.Findings {
		msgs = append(msgs, f.Rule+": "+f.Message)
	}
	want := []string{`image-missing: image_version names "POS3-8-12-00" but no POS3-8-12-00.loads (or .sbn/.bin) is in the root; the root has P0S3-8-12-00.loads: load names start with P and the digit zero, not the letter O`}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
