package cisco

import (
	"testing"

	"github.com/phoneload/phoneload/cfgfmt"

	"github.com/google/go-cmp/cmp"
)

func TestParseProfileText(t *testing.T) {
	in := `#txt
# 7912 default
UseTftp:1
TftpURL 10.0.0.1
Proxy	sip.example.org
upgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.sbin
upgradelang:3,0x601,0x0400,0x0100,10.0.0.1,69,0x060412a
upgradecode:3,0x601,0x0400,0x0100,nohost,69,0x060412a,x.sbin
Empty:
`
	got, ps := ParseProfileText([]byte(in))
	want := &Profile{
		Params: []ConfigEntry{
			{Name: "UseTftp", Value: "1", Line: 3},
			{Name: "TftpURL", Value: "10.0.0.1", Line: 4},
			{Name: "Proxy", Value: "sip.example.org", Line: 5},
			{Name: "upgradecode", Value: "3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.sbin", Line: 6},
			{Name: "upgradelang", Value: "3,0x601,0x0400,0x0100,10.0.0.1,69,0x060412a", Line: 7},
			{Name: "upgradecode", Value: "3,0x601,0x0400,0x0100,nohost,69,0x060412a,x.sbin", Line: 8},
			{Name: "Empty", Line: 9},
		},
		Upgrades: []UpgradeCode{
			{Name: "upgradecode", Fields: 8, Policy: 3, Hardware: 0x601, SoftwareType: 0x400, SoftwareVersion: 0x100, TFTP: "0.0.0.0", Port: 69,
				ImageID: 0x060412a, File: "CP7912080001SIP060412A.sbin", Line: 6},
			{Name: "upgradelang", Fields: 7, Line: 7},
			{Name: "upgradecode", Fields: 8, Policy: 3, Hardware: 0x601, SoftwareType: 0x400, SoftwareVersion: 0x100, TFTP: "nohost", Port: 69,
				ImageID: 0x060412a, File: "x.sbin", Line: 8},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseProfileText (-want +got):\n%s", diff)
	}
	wantPs := []Problem{
		{Line: 7, Msg: "upgradelang: 7 fields, want 8 (policy,hardware,type,version,tftp,port,image id,file)"},
		{Line: 8, Msg: `upgradecode: tftp server "nohost" is not an IPv4 address`},
		{Line: 9, Msg: "Empty: empty value"},
	}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	_, ps = ParseProfileText([]byte("UseTftp:1\n"))
	if diff := cmp.Diff([]Problem{{Line: 1, Msg: `first line "UseTftp:1", want #txt (cfgfmt decodes anything else)`}}, ps); diff != "" {
		t.Errorf("no #txt (-want +got):\n%s", diff)
	}
}

// upgradeRecord is the binary upgradecode record of
// 3,0x601,0x0400,0x0100,10.0.0.1,69,0x60412a,CP7912080001SIP060412A.sbin, and
// wantUpgrade what it decodes to.
func upgradeRecord() []byte {
	up := []byte{3, 0, 0, 6, 1, 4, 0, 1, 0, 10, 0, 0, 1, 0, 69, 0, 0x60, 0x41, 0x2a}
	up = append(up, "CP7912080001SIP060412A.sbin\x00"...)
	return append([]byte{0x80 | 0x11, 0x00, byte(len(up))}, up...)
}

var (
	wantUpgrade = UpgradeCode{Name: "upgradecode", Fields: 8, Policy: 3, Hardware: 0x601, SoftwareType: 0x400, SoftwareVersion: 0x100,
		TFTP: "10.0.0.1", Port: 69, ImageID: 0x60412a, File: "CP7912080001SIP060412A.sbin"}
	wantUpgradeEntry = ConfigEntry{Name: "upgradecode", Value: "3,0x601,0x0400,0x0100,10.0.0.1,69,0x60412a,CP7912080001SIP060412A.sbin"}
)

// profileBytes builds a #ata profile around payload with a right header.
func profileBytes(payload []byte) []byte {
	var sum uint16
	for _, c := range payload {
		sum += uint16(c)
	}
	b := []byte("#ata\xff\xfe\x04")
	b = append(b, byte(sum>>8), byte(sum), byte(len(payload)>>8), byte(len(payload)))
	return append(b, payload...)
}

func TestParseProfileBinary(t *testing.T) {
	// The captured cfgfmt vector of "#txt / UseTftp:1".
	got, ps := ParseProfileBinary([]byte("#ata\xff\xfe\x04\x00\x16\x00\x03\x14\x01\x01"))
	if diff := cmp.Diff(&Profile{Binary: true, Checksum: 0x16, Params: []ConfigEntry{{Name: "tag:0x0014", Value: "0x01"}}}, got); diff != "" {
		t.Errorf("UseTftp vector (-want +got):\n%s", diff)
	}
	if len(ps) != 0 {
		t.Errorf("UseTftp vector: problems %v", ps)
	}

	rec := append(upgradeRecord(), 0x80|0x40, 0x00, 5, 'g', 'k', '.', 'x', 0)
	got, ps = ParseProfileBinary(profileBytes(rec))
	want := &Profile{Binary: true, Checksum: got.Checksum, Extension: "gk.x",
		Params:   []ConfigEntry{wantUpgradeEntry, {Name: "extension", Value: "gk.x"}},
		Upgrades: []UpgradeCode{wantUpgrade},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("upgradecode record (-want +got):\n%s", diff)
	}
	if len(ps) != 0 {
		t.Errorf("upgradecode record: problems %v", ps)
	}

	bad := []struct {
		in  []byte
		msg string
	}{
		{[]byte("#ata"), "4 bytes, too short for a profile"},
		{[]byte("\x27\xfc\xf4\x64\x80\x1f\x17\x8a\x96\xfb\x37\x3a\x7a\xe0"), "does not start with #ata: encrypted (EncryptKey) or not a profile"},
		{[]byte("#ata\xff\xfe\x04\x00\x16\x00\x09\x14\x01\x01"), "length 9 at 0x9, but 3 bytes follow the header"},
		{[]byte("#ata\xff\xfe\x04\x00\x17\x00\x03\x14\x01\x01"), "checksum 0x0017 at 0x7, but the payload sums to 0x0016"},
		{profileBytes([]byte{0x14, 0x05, 1}), "record of tag 0x14: length 5 past the end at 0xb"},
		{profileBytes([]byte{0x90}), "record tag truncated at 0xb"},
		{profileBytes([]byte{0x91, 0, 2, 3, 0}), "upgradecode record of 2 bytes, want at least 20 at 0xb"},
	}
	for _, tt := range bad {
		_, ps := ParseProfileBinary(tt.in)
		if len(ps) == 0 || ps[0].Msg != tt.msg {
			t.Errorf("ParseProfileBinary(%x) problems %v, want first %q", tt.in, ps, tt.msg)
		}
	}
}

func FuzzParseProfileText(f *testing.F) {
	fuzzParser(f, []string{"#txt\nUseTftp:1\nupgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.sbin\n"},
		func(b []byte) []Problem { _, ps := ParseProfileText(b); return ps })
}

func FuzzParseProfileBinary(f *testing.F) {
	fuzzParser(f, []string{"#ata\xff\xfe\x04\x00\x16\x00\x03\x14\x01\x01", string(profileBytes([]byte{0x91, 0, 2, 3, 0}))},
		func(b []byte) []Problem { _, ps := ParseProfileBinary(b); return ps })
}

func TestDecodeProfile(t *testing.T) {
	table, err := cfgfmt.ParseTable("ptag.dat", []byte("# test table\n20,0x0028,UseTftp,1\n0x15,0x0002,TftpURL,4\n"))
	if err != nil {
		t.Fatal(err)
	}
	payload := append(upgradeRecord(), 0x14, 1, 1, 0x15, 4, 10, 0, 0, 9, 0x33, 2, 0xab, 0xcd)
	in := profileBytes(payload)
	got, ps := DecodeProfile(table, in)
	want := &Profile{Binary: true, Checksum: got.Checksum,
		Params: []ConfigEntry{
			wantUpgradeEntry,
			{Name: "UseTftp", Value: "1"},
			{Name: "TftpURL", Value: "10.0.0.9"},
			{Name: "tag:0x0033", Value: "0xabcd"},
		},
		Upgrades: []UpgradeCode{wantUpgrade},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeProfile (-want +got):\n%s", diff)
	}
	if len(ps) != 0 {
		t.Errorf("problems %v", ps)
	}
	// Without a table, and on bytes cfgfmt refuses, it is ParseProfileBinary.
	for _, b := range [][]byte{in, []byte("#ata\xff\xfe\x04\x00\x17\x00\x03\x14\x01\x01")} {
		for _, tb := range []*cfgfmt.Table{nil, table} {
			if tb == nil || b[8] == 0x17 {
				p1, ps1 := DecodeProfile(tb, b)
				p2, ps2 := ParseProfileBinary(b)
				if !cmp.Equal(p1, p2) || !cmp.Equal(ps1, ps2) {
					t.Errorf("fallback differs for %x: %+v %v vs %+v %v", b, p1, ps1, p2, ps2)
				}
			}
		}
	}
}
