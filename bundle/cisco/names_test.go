package cisco

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLoadName(t *testing.T) {
	tests := []struct {
		in   string
		want LoadName
		ok   bool
	}{
		{"P0S30202.bin", LoadName{Name: "P0S30202", Ext: ".bin", Family: FamilyEarly, Protocol: ProtocolSIP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 2, Minor: 2, Parts: 2}}, true},
		{"P0030100", LoadName{Name: "P0030100", Family: FamilyEarly, Protocol: ProtocolSCCP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 1, Parts: 2}}, true},
		{"P0S3-8-12-00.sb2", LoadName{Name: "P0S3-8-12-00", Ext: ".sb2", Family: FamilyDashed, Protocol: ProtocolSIP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 8, Minor: 12, Parts: 3}, Signed: true}, true},
		{"P0S3-07-4-00.loads", LoadName{Name: "P0S3-07-4-00", Ext: ".loads", Family: FamilyDashed, Protocol: ProtocolSIP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 7, Minor: 4, Parts: 3}, Signed: true}, true},
		{"P0M3-08-1-00", LoadName{Name: "P0M3-08-1-00", Family: FamilyDashed, Protocol: ProtocolMGCP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 8, Minor: 1, Parts: 3}}, true},
		{"P00308010200.bin", LoadName{Name: "P00308010200", Ext: ".bin", Family: FamilySCCP, Protocol: ProtocolSCCP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 8, Minor: 1, Patch: 2, Parts: 4}}, true},
		{"P00405000101", LoadName{Name: "P00405000101", Family: FamilySCCP, Protocol: ProtocolSCCP, Platform: "4",
			Model: "7910", Models: []string{"7910"}, Version: Version{Major: 5, Patch: 1, Build: 1, Parts: 4}}, true},
		{"P003-8-12-00.sbn", LoadName{Name: "P003-8-12-00", Ext: ".sbn", Family: FamilyLoader, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 8, Minor: 12, Parts: 3}, Signed: true, Loader: true}, true},
		{"CP7912080001SIP060412A.sbin", LoadName{Name: "CP7912080001SIP060412A", Ext: ".sbin", Family: FamilyCP, Protocol: ProtocolSIP,
			Platform: "7912", Model: "7912", Models: []string{"7912"}, Version: Version{Major: 8, Patch: 1, Parts: 3}, Signed: true,
			ImageDate: "2006-04-12", ImageLetter: "A", ImageID: 0x060412a}, true},
		{"CP7905080003SCCP060203c.zup", LoadName{Name: "CP7905080003SCCP060203c", Ext: ".zup", Family: FamilyCP, Protocol: ProtocolSCCP,
			Platform: "7905", Model: "7905", Models: []string{"7905"}, Version: Version{Major: 8, Patch: 3, Parts: 3},
			ImageDate: "2006-02-03", ImageLetter: "c", ImageID: 0x060203c}, true},
		{"ATA030200SIP041111A.zup", LoadName{Name: "ATA030200SIP041111A", Ext: ".zup", Family: FamilyATA, Protocol: ProtocolSIP,
			Platform: "ATA", Model: "ATA 186/188", Models: []string{"ATA186", "ATA188"}, Version: Version{Major: 3, Minor: 2, Parts: 3},
			ImageDate: "2004-11-11", ImageLetter: "A", ImageID: 0x041111a}, true},
		{"SIP41.8-5-4S.loads", LoadName{Name: "SIP41.8-5-4S", Ext: ".loads", Family: Family79x1, Protocol: ProtocolSIP, Platform: "41",
			Model: "7941/7961", Models: []string{"7941", "7961"}, Version: Version{Major: 8, Minor: 5, Patch: 4, Parts: 3, Suffix: "S"}, Signed: true}, true},
		{"SCCP11.9-4-2SR3-1S", LoadName{Name: "SCCP11.9-4-2SR3-1S", Family: Family79x1, Protocol: ProtocolSCCP, Platform: "11",
			Model: "7906/7911", Models: []string{"7906", "7911"}, Version: Version{Major: 9, Minor: 4, Patch: 2, Parts: 3, Suffix: "SR3-1S"}}, true},
		{"jar41sip.8-5-4TH1-6.sbn", LoadName{Name: "jar41sip.8-5-4TH1-6", Ext: ".sbn", Family: Family79x1Part, Protocol: ProtocolSIP, Platform: "41",
			Model: "7941/7961", Models: []string{"7941", "7961"}, Version: Version{Major: 8, Minor: 5, Patch: 4, Parts: 3, Suffix: "TH1-6"}, Signed: true, Part: "jar"}, true},
		{"dsp41.8-5-4TH1-6.sbn", LoadName{Name: "dsp41.8-5-4TH1-6", Ext: ".sbn", Family: Family79x1Part, Platform: "41",
			Model: "7941/7961", Models: []string{"7941", "7961"}, Version: Version{Major: 8, Minor: 5, Patch: 4, Parts: 3, Suffix: "TH1-6"}, Signed: true, Part: "dsp"}, true},
		{"term41.default.loads", LoadName{Name: "term41.default", Ext: ".loads", Family: Family79x1Term, Platform: "41",
			Model: "7941", Models: []string{"7941"}, Signed: true}, true},
		{"dir/sub/P0S3-8-12-00.bin", LoadName{Name: "P0S3-8-12-00", Ext: ".bin", Family: FamilyDashed, Protocol: ProtocolSIP, Platform: "3",
			Model: "7940/7960", Models: []string{"7940", "7960"}, Version: Version{Major: 8, Minor: 12, Parts: 3}}, true},
		// Near misses a phone would not recognise either.
		{"POS3-8-12-00", LoadName{}, false},   // letter O
		{"p0s3-8-12-00", LoadName{}, false},   // lower case
		{"P0S3-8-12", LoadName{}, false},      // two components
		{"P0S308010200", LoadName{}, false},   // 12-digit form is SCCP only
		{"P0X3-8-12-00", LoadName{}, false},   // unknown protocol
		{"P0S3-8-12-00x1", LoadName{}, false}, // junk suffix
		{"CP7912080001XYZ060412A.sbin", LoadName{}, false},
		{"CP7912080001SIP060412G.sbin", LoadName{}, false},
		{"term41.custom.loads", LoadName{}, false},
		{"foo41.8-5-4.sbn", LoadName{}, false},
		{"SIPDefault.cnf", LoadName{}, false},
		{"", LoadName{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseLoadName(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseLoadName(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseLoadName(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestVersionCompare(t *testing.T) {
	v := func(s string) Version {
		t.Helper()
		ln, ok := ParseLoadName(s)
		if !ok {
			t.Fatalf("ParseLoadName(%q) failed", s)
		}
		return ln.Version
	}
	tests := []struct {
		a, b string
		want int
	}{
		{"P0S3-08-12-00", "P0S3-8-12-00", 0},
		{"P0S3-8-11-00", "P0S3-8-12-00", -1},
		{"P0S3-8-12-00", "P0S3-07-4-00", 1},
		{"P00308010200", "P00308010200", 0},
		{"P00307020300", "P00308010200", -1},
		{"P0S30202", "P0S30203", -1},
		{"SIP41.8-5-4S", "SIP41.8-5-4", 1},
		{"SIP41.9-4-2SR3-1S", "SIP41.8-5-4S", 1},
		{"CP7912080001SIP060412A", "CP7912080003SIP070101A", -1},
	}
	for _, tt := range tests {
		if got := v(tt.a).Compare(v(tt.b)); got != tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := v(tt.b).Compare(v(tt.a)); got != -tt.want {
			t.Errorf("%s.Compare(%s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestVersionString(t *testing.T) {
	tests := map[string]string{
		"P0S3-8-12-00":        "8.12(0)",
		"P0S3-07-4-00":        "7.4(0)",
		"P00308010200":        "8.1(2)",
		"P00307020301":        "7.2(3.1)",
		"P0S30202":            "2.2",
		"SIP41.8-5-4S":        "8.5(4)S",
		"jar41sip.8-5-4TH1-6": "8.5(4)TH1-6",
		"term41.default":      "",
	}
	for in, want := range tests {
		ln, ok := ParseLoadName(in)
		if !ok {
			t.Fatalf("ParseLoadName(%q) failed", in)
		}
		if got := ln.Version.String(); got != want {
			t.Errorf("%s: Version.String() = %q, want %q", in, got, want)
		}
	}
}

func TestIdentify(t *testing.T) {
	signed := []byte{1, 0, 2, 1, 1, 2, 0, 2, 1, 0x94}
	tests := []struct {
		name string
		head []byte
		want Kind
	}{
		{"P003-8-12-00.bin", nil, KindImageBin},
		{"P003-8-12-00.sbn", signed, KindImageSBN},
		{"P0S3-8-12-00.sb2", signed, KindImageSB2},
		{"P0S3-8-12-00.loads", signed, KindLoads},
		{"OS79XX.TXT", []byte("P003-8-12-00"), KindOS79XX},
		{"os79xx.txt", nil, KindOS79XX},
		{"SIPDefault.cnf", nil, KindSIPConfig},
		{"SIP002094D245CB.cnf", nil, KindSIPConfig},
		{"SIP002094D245C.cnf", nil, KindUnknown},
		{"MGC002094D245CB.cnf", nil, KindMGCPConfig},
		{"XMLDefault.cnf.xml", nil, KindXMLConfig},
		{"SEP002094D245CB.cnf.xml", nil, KindXMLConfig},
		{"RINGLIST.DAT", nil, KindRinglist},
		{"Analog1.raw", nil, KindRing},
		{"dialplan.xml", nil, KindDialplan},
		{"mytemplate.xml", []byte("<?xml version=\"1.0\"?>\n<DIALTEMPLATE>"), KindDialplan},
		{"gkdefault.txt", []byte("#txt\n"), KindProfileText},
		{"gkdefault.cfg", []byte("#ata"), KindProfileBinary},
		{"gk0011223344aa", []byte{0x27, 0xfc}, KindProfileBinary},
		{"ld0011223344aa.txt", nil, KindProfileText},
		{"atadefault.cfg", nil, KindProfileBinary},
		{"whatever", []byte("#txt\nUseTftp:1\n"), KindProfileText},
		{"CP7912080001SIP060412A.sbin", signed, KindImageSBIN},
		{"CP7912080001SIP060412A.zup", nil, KindImageZUP},
		{"CTLSEP002094D245CB.tlv", signed, KindTrustList},
		{"ITLSEP002094D245CB.tlv", signed, KindTrustList},
		{"something.sgn", signed, KindSigned},
		{"README.txt", []byte("hello"), KindUnknown},
	}
	for _, tt := range tests {
		if got := Identify(tt.name, tt.head); got != tt.want {
			t.Errorf("Identify(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func FuzzParseLoadName(f *testing.F) {
	for _, s := range []string{"P0S3-8-12-00.sbn", "P00308010200", "P0S30202", "CP7912080001SIP060412A.sbin",
		"ATA030200SIP041111A.zup", "SIP41.8-5-4S.loads", "jar41sip.8-5-4TH1-6.sbn", "term41.default.loads"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ln, ok := ParseLoadName(s)
		if !ok {
			return
		}
		if ln.Version.Compare(ln.Version) != 0 {
			t.Fatalf("%q: version not equal to itself", s)
		}
		_ = ln.Version.String()
		// A parsed name parses again to the same thing.
		again, ok := ParseLoadName(ln.Name + ln.Ext)
		if !ok || !cmp.Equal(ln, again) {
			t.Fatalf("%q: reparse of %q differs: %+v vs %+v", s, ln.Name+ln.Ext, ln, again)
		}
	})
}

func ExampleParseLoadName() {
	for _, name := range []string{"P0S3-8-12-00.sb2", "P00308010200", "CP7912080001SIP060412A.sbin", "jar41sip.8-5-4TH1-6.sbn"} {
		ln, _ := ParseLoadName(name)
		fmt.Printf("%s: %s %s %s %s signed=%v\n", ln.Name, ln.Family, ln.Protocol, ln.Version, ln.Model, ln.Signed)
	}
	// Output:
	// P0S3-8-12-00: dashed sip 8.12(0) 7940/7960 signed=true
	// P00308010200: sccp sccp 8.1(2) 7940/7960 signed=false
	// CP7912080001SIP060412A: cp sip 8.0(1) 7912 signed=true
	// jar41sip.8-5-4TH1-6: 79x1-part sip 8.5(4)TH1-6 7941/7961 signed=true
}

func ExampleVersion_Compare() {
	a, _ := ParseLoadName("P0S3-08-12-00")
	b, _ := ParseLoadName("P0S3-8-12-00")
	fmt.Println(a.Version.Compare(b.Version), a.Name == b.Name)
	// Output: 0 false
}

func ExampleIdentify() {
	fmt.Println(Identify("SEP002094D245CB.cnf.xml", nil))
	fmt.Println(Identify("gkdefault.cfg", []byte("#ata")))
	// Output:
	// xml-config
	// profile-binary
}
