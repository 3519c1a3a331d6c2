package cfgfmt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func loadTable(t testing.TB, name string) *Table {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := ParseTable(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// file builds the expected bytes of a profile from its payload, with a
// checksum computed independently of the package.
func file(t *testing.T, payloadHex string) string {
	t.Helper()
	p, err := hex.DecodeString(strings.ReplaceAll(payloadHex, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, b := range p {
		sum += int(b)
	}
	return fmt.Sprintf("23617461fffe04%04x%04x%x", sum&0xFFFF, len(p), p)
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestValueTypes pins the encoding of every value type (and of each
// pseudo-parameter) with hand-computed bytes.
func TestValueTypes(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	long := strings.Repeat("x", 200)
	tests := []struct {
		name, line, payload string
	}{
		{"ip", "StaticIP:10.1.2.3", "03 04 0a010203"},
		{"ip zero literal", "StaticIP:0", "03 04 00000000"},
		{"int", "RxCodec:5060", "07 04 000013c4"},
		{"int negative", "RxCodec:-1", "07 04 ffffffff"},
		{"int unsigned max", "RxCodec:4294967295", "07 04 ffffffff"},
		{"bool one", "Dhcp:1", "0f 01 01"},
		{"bool false", "Dhcp:FALSE", "0f 01 00"},
		{"bool other", "Dhcp:yes", "0f 01 01"},
		{"digits", "UIPassword:1234", "17 04 31323334"},
		{"string", "Proxy:a.b", "1d 03 612e62"},
		{"string with spaces and colons", "Proxy:Joe: x y", "1d 08 4a6f653a20782079"},
		{"string at size", "Proxy:" + strings.Repeat("p", 32), "1d 20 " + strings.Repeat("70", 32)},
		{"ext ip", "NPrintf:192.0.2.1.514", "23 06 c0000201 0202"},
		{"ext ip no port", "NPrintf:192.0.2.1", "23 06 c0000201 0000"},
		{"ext ip zero", "NPrintf:0", "23 06 000000000000"},
		{"shorts padded", "DialTone:1,2", "24 16 0001 0002" + strings.Repeat("00", 18)},
		{"shorts negative", "DialTone:-1", "24 16 ffff" + strings.Repeat("00", 20)},
		{"hex", "Polarity:0x1f", "37 04 0000001f"},
		{"hex field reads decimal (strtoul)", "Polarity:10", "37 04 0000000a"},
		{"hex field reads octal (strtoul)", "Polarity:010", "37 04 00000008"},
		{"int field reads hex (strtoul)", "RxCodec:0x13c4", "07 04 000013c4"},
		{"int masked to 32 bits", "RxCodec:4294967297", "07 04 00000001"},
		{"hex masked to 32 bits", "Polarity:0x100000002", "37 04 00000002"},
		{"int trailing blanks", "RxCodec:5060  ", "07 04 000013c4"},
		{"string keeps trailing blanks", "Proxy:abc  ", "1d 05 6162632020"},
		{"bool trailing blank is true", "Dhcp:0 ", "0f 01 01"},
		{"EncryptKey zero with a trailing blank: no key", "EncryptKey:0 ", "3d 02 3020"},
		{"digit string with letters", "UIPassword:Adm1n2019", "17 09 41646d316e32303139"},
		{"string longer than size", "Proxy:" + strings.Repeat("p", 33), "1d 21 " + strings.Repeat("70", 33)},
		{"shorts split on spaces, empty skipped", "DialTone:1 2,,3, ", "24 16 0001 0002 0003" + strings.Repeat("00", 16)},
		{"shorts beyond the field dropped", "DialTone:" + strings.Repeat("1,", 11) + "9", "24 16 " + strings.Repeat("0001", 11)},
		{"shorts hex and masked", "DialTone:0x10,70000", "24 16 0010 1170" + strings.Repeat("00", 18)},
		{"tone form", "DialToneFreq:2,350,-6,440,-6,1,0,0,1000", "24 12 0002 7b32 0582 786f 06df 0001 0000 0000 03e8"},
		{"tone form one segment", "DialToneFreq:1 350 -6 1 0 0 1000", "24 12 0001 7b32 0582 0001 0000 0000 03e8 00000000"},
		{"tone form invalid: zero-filled", "DialToneFreq:350,440", "24 12 " + strings.Repeat("00", 18)},
		{"hex max", "Polarity:0xFFFFFFFF", "37 04 ffffffff"},
		{"varint tag and length", "DialPlanEx:" + long, "8081 80c8 " + hex.EncodeToString([]byte(long))},
		{"tag above 0xff", "ServicesUrl:x", "83e9 01 78"},
		{"tag 0x2001", "RegMode:0x1", "a001 04 00000001"},
		{"upgradecode", "upgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a,CP7912080001SIP060412A.sbin",
			"9100 " + fmt.Sprintf("%02x", 19+28) + " 03 00000601 0400 0100 00000000 0045 0060412a " + hex.EncodeToString([]byte("CP7912080001SIP060412A.sbin")) + "00"},
		{"upgradelang", "UpgradeLang:3,0x301,0x0400,0x0200,10.0.0.1,69,0x1,lang.kxt",
			"9101 1c 03 00000301 0400 0200 0a000001 0045 00000001 6c616e672e6b787400"},
		{"upgradecode spaces, long file cut to 31", "upgradecode:3 0x601 0x0400 0x0100 0 69 0x1 " + strings.Repeat("f", 40),
			"9100 33 03 00000601 0400 0100 00000000 0045 00000001 " + strings.Repeat("66", 31) + "00"},
		{"upgradecode masked fields", "upgradecode:0x103,0x601,0x10400,0x0100,0,69,1,f", "9100 15 03 00000601 0400 0100 00000000 0045 00000001 6600"},
		{"tftpurl2", "tftpurl2:10.0.0.2", "9102 09 31302e302e302e3200"},
		{"tftpurl2 empty", "tftpurl2:", "9102 01 00"},
		{"upgradexml", "upgradexml:0x2,10.0.0.4,dir.xml", "9104 10 00000002 0a000004 6469722e786d6c00"},
		{"EncryptKeyEx", "EncryptKeyEx:0011223344556677/020000000001", "9105 2c 87654322fa527929edeba4c238dad6235915dfc3b5151b251c7484b6d9d9db191ee544a21c8ecfe8764fbd2d"},
		{"upgradelogo", "upgradelogo:0x12345678,10.0.0.3,logo.bmp", "9103 11 12345678 0a000003 6c6f676f2e626d7000"},
		{"name case and space separator", "staticip 10.1.2.3", "03 04 0a010203"},
		{"tab and colon separator", "StaticIP\t: 10.1.2.3  ", "03 04 0a010203"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compile(tab, "in.txt", []byte("#txt\n"+tt.line+"\n"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(file(t, tt.payload), hex.EncodeToString(res.Profile)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestValueErrors: each value that cannot be encoded is an error with the
// file, the line and the spec's wording, and no output.
func TestValueErrors(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	tests := []struct{ line, want string }{
		{"StaticIP:ntp.example.org", `in.txt:2: error: invalid IP address (StaticIP: "ntp.example.org" is a host name; this field takes an IPv4 address)`},
		{"StaticIP:10.0.0.256", `in.txt:2: error: invalid IP address (StaticIP: "10.0.0.256" is not an IPv4 address a.b.c.d)`},
		{"StaticIP:010.0.0.1", `in.txt:2: error: invalid IP address (StaticIP: "010.0.0.1" is not an IPv4 address a.b.c.d)`},
		{"RxCodec:12a", `in.txt:2: error: invalid number (RxCodec: "12a" is not a number (decimal, 0x hex or 0 octal, as C's strtoul reads it))`},
		{"RxCodec:08", `in.txt:2: error: invalid number (RxCodec: "08" is not a number (decimal, 0x hex or 0 octal, as C's strtoul reads it))`},
		{"Polarity:ff", `in.txt:2: error: invalid number (Polarity: "ff" is not a number (decimal, 0x hex or 0 octal, as C's strtoul reads it); write hex with 0x)`},
		{"Proxy:" + strings.Repeat("p", 512), `in.txt:2: error: value longer than its size (Proxy: 512 bytes; Cisco's cfgfmt overflows its 512-byte buffer with a value this long, so what it writes is undefined; at most 511)`},
		{"DialTone:1,x", `in.txt:2: error: invalid number (DialTone: value 2 "x" is not a number)`},
		{"NPrintf:10.0.0.1.99999", `in.txt:2: error: invalid IP address (NPrintf: "10.0.0.1.99999": port "99999" is not 0 to 65535)`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			res, err := Compile(tab, "in.txt", []byte("#txt\n"+tt.line+"\nDhcp:1\n"), Options{})
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("err = %v, want one error", err)
			}
			if diff := cmp.Diff(tt.want, errs[0].String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if res.Profile != nil || res.Extension != nil {
				t.Error("output bytes despite an error")
			}
		})
	}
}

// TestRecovered: what Cisco's cfgfmt reports as an error and still writes
// (exit 0): the message in its wording, the rest of the profile written.
func TestRecovered(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	tests := []struct{ line, want, payload string }{
		{"DialToneFreq:350,440", `in.txt:2: error: invalid tone specification (DialToneFreq: "350,440" is not nseg,freq,gain[,freq,gain],t1,t2,t3,t4; the record is written zero-filled and the run succeeds, as Cisco's cfgfmt does)`,
			"0f 01 01  24 12 " + strings.Repeat("00", 18)},
		{"upgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x060412a", `in.txt:2: error: bad argument for upgrade tag (want 8 fields policy,hw,swtype,swversion,server,port,imageid,file; got 7; the line is left out and the run succeeds, as Cisco's cfgfmt does)`, "0f 01 01"},
		{"upgradecode:3,0x601,0x0400,0x0100,tftp.example.org,69,1,f", `in.txt:2: error: invalid tftp IP address (TFTP server: "tftp.example.org" is a host name; this field takes an IPv4 address; the line is left out and the run succeeds, as Cisco's cfgfmt does)`, "0f 01 01"},
		{"upgradelogo:1,2", `in.txt:2: error: bad argument for upgradelogo tag (upgradelogo takes 3 fields id,ip,file; got 2; the line is left out and the run succeeds, as Cisco's cfgfmt does)`, "0f 01 01"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			res, err := Compile(tab, "in.txt", []byte("#txt\n"+tt.line+"\nDhcp:1\n"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Diagnostics) != 1 || !res.Diagnostics[0].Recovered {
				t.Fatalf("diagnostics %v", res.Diagnostics)
			}
			if diff := cmp.Diff(tt.want, res.Diagnostics[0].String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(file(t, tt.payload), hex.EncodeToString(res.Profile)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSensitiveAlias: under -g a sensitive alias read later still replaces
// what an earlier alias set, and the tag is left out [issue 11, item 7].
func TestSensitiveAlias(t *testing.T) {
	tab, err := ParseTable("a.dat", []byte("45,0x4010,LoginID1,52,0x3\n45,0x0010,EPID1orSID1,52,0xC\n15,0x0028,Dhcp,1,0xF\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ src, payload string }{
		{"EPID1orSID1:abc\nLoginID1:def\nDhcp:1\n", "0f 01 01"},
		{"LoginID1:def\nEPID1orSID1:abc\nDhcp:1\n", "0f 01 01  2d 03 616263"},
	} {
		res, err := Compile(tab, "in.txt", []byte("#txt\n"+tt.src), Options{OmitSensitive: true})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(file(t, tt.payload), hex.EncodeToString(res.Profile)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.src, diff)
		}
	}
}

func TestWarnings(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	src := "#txt\r\n# comment\r\n\r\nNoSuchThing:1\r\nProxy:\r\nDhcp\r\nDhcp:0\r\nDHCP:1\r\n"
	res, err := Compile(tab, "gkdefault.txt", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := diagStrings(res.Diagnostics)
	want := []string{
		`gkdefault.txt:4: warning: unknown attribute at line 4 ("NoSuchThing" is not in test-ptag.dat)`,
		`gkdefault.txt:5: warning: empty attribute value at line 5 (Proxy)`,
		`gkdefault.txt:6: warning: empty attribute value at line 6 (Dhcp)`,
		`gkdefault.txt:8: warning: attribute given twice (Dhcp here replaces gkdefault.txt:7)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(file(t, "0f 01 01"), hex.EncodeToString(res.Profile)); diff != "" {
		t.Errorf("last value wins (-want +got):\n%s", diff)
	}
}

// TestOrder: tags 0xFF and above first in input order (a repeated tag keeps
// its first position), then the rest by ascending tag.
func TestOrder(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	src := "#txt\nPolarity:0x1\nRegMode:0x2\nStaticIP:0\nServicesUrl:a\nDhcp:1\nRegMode:0x3\n"
	res, err := Compile(tab, "in.txt", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := file(t, "a001 04 00000003  83e9 01 61  03 04 00000000  0f 01 01  37 04 00000001")
	if diff := cmp.Diff(want, hex.EncodeToString(res.Profile)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFilters: each protocol flag keeps only its descriptors; aliases
// resolve to the name that passes; -g drops sensitive ones.
func TestFilters(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	src := "#txt\nRxCodec:1\nPrfCodec:2\nGateway:g\nCodecName:c\nDomain:d\nDisplayName0:n\nUID0:u\nUIPassword:9\n"
	tests := []struct {
		name    string
		opt     Options
		payload string
		unknown []int // lines warned as unknown
	}{
		{"all", Options{}, "07 04 00000002  17 01 39  19 01 75  1e 01 67  5a 01 63  63 01 64  8082 01 6e", nil},
		{"h323", Options{Protocols: H323}, "07 04 00000001  17 01 39  19 01 75  1e 01 67", []int{3, 5, 6, 7}},
		{"sip", Options{Protocols: SIP}, "07 04 00000001  17 01 39  19 01 75  8082 01 6e", []int{3, 4, 5, 6}},
		{"mgcp", Options{Protocols: MGCP}, "07 04 00000002  17 01 39  5a 01 63", []int{2, 4, 6, 7, 8}},
		{"sccp", Options{Protocols: SCCP}, "07 04 00000002  17 01 39  63 01 64", []int{2, 4, 5, 7, 8}},
		{"sip+sccp", Options{Protocols: SIP | SCCP}, "07 04 00000002  17 01 39  19 01 75  63 01 64  8082 01 6e", []int{4, 5}},
		{"-g", Options{OmitSensitive: true}, "07 04 00000002  1e 01 67  5a 01 63  63 01 64  8082 01 6e", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Compile(tab, "in.txt", []byte(src), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(file(t, tt.payload), hex.EncodeToString(res.Profile)); diff != "" {
				t.Errorf("bytes (-want +got):\n%s", diff)
			}
			var unknown []int
			for _, d := range res.Diagnostics {
				if strings.HasPrefix(d.Message, "unknown attribute") {
					unknown = append(unknown, d.Line)
				}
			}
			if diff := cmp.Diff(tt.unknown, unknown); diff != "" {
				t.Errorf("unknown lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	t.Run("forced", func(t *testing.T) {
		src := "#txt\nDisplayName0:n\nDhcp:1\nDialPlanEx:x\n"
		res, err := Compile(tab, "in.txt", []byte(src), Options{ForceSplit: true, ExtensionName: "gk1.ex"})
		if err != nil {
			t.Fatal(err)
		}
		want := file(t, "0f 01 01  c000 07 676b312e657800")
		if diff := cmp.Diff(want, hex.EncodeToString(res.Profile)); diff != "" {
			t.Errorf("base (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(file(t, "8081 01 78  8082 01 6e"), hex.EncodeToString(res.Extension)); diff != "" {
			t.Errorf("extension (-want +got):\n%s", diff)
		}
	})
	t.Run("over 2000 bytes", func(t *testing.T) {
		big := strings.Repeat("a", 500)
		src := "#txt\nDialPlan:" + big + "\nCallCmd:" + big + "\nAltTftpURL:" + big + "\nDialPlanEx:" + big + "\n"
		res, err := Compile(tab, "in.txt", []byte(src), Options{ExtensionName: "x.ex"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Extension == nil {
			t.Fatal("not split")
		}
		if !bytes.HasSuffix(res.Profile, []byte("\xc0\x00\x05x.ex\x00")) {
			t.Errorf("base does not end with the 0x4000 record: %x", res.Profile[len(res.Profile)-12:])
		}
		if len(res.Extension) != headerSize+2+2+500 {
			t.Errorf("extension is %d bytes", len(res.Extension))
		}
		// The original's rule: 8 + payload + 4 per attribute >= 2001.
		// Three 503-byte records and one of 4+n: 8 + 1509 + 4 + n + 16.
		for n, split := range map[int]bool{463: false, 464: true} {
			src = "#txt\nDialPlan:" + big + "\nCallCmd:" + big + "\nAltTftpURL:" + big + "\nDialPlanEx:" + strings.Repeat("b", n) + "\n"
			res, err = Compile(tab, "in.txt", []byte(src), Options{ExtensionName: "x.ex"})
			if err != nil || (res.Extension != nil) != split {
				t.Fatalf("n=%d: split %v, want %v (err %v)", n, res.Extension != nil, split, err)
			}
		}
	})
	t.Run("nothing to split: both files anyway", func(t *testing.T) {
		res, err := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\n"), Options{ForceSplit: true, ExtensionName: "x.ex"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(file(t, "0f 01 01  c000 05 782e657800"), hex.EncodeToString(res.Profile)); diff != "" {
			t.Errorf("base (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(file(t, ""), hex.EncodeToString(res.Extension)); diff != "" {
			t.Errorf("extension (-want +got):\n%s", diff)
		}
		if len(res.Diagnostics) != 1 || res.Diagnostics[0].Message != "splitting output binary file into 2 files" {
			t.Errorf("diagnostics %v", res.Diagnostics)
		}
	})
}

func TestEncryption(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	key, err := ParseKey("abcd")
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\n"), Options{})
	enc, _ := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\n"), Options{Key: key})
	if !enc.Encrypted || bytes.Equal(plain.Profile, enc.Profile) || len(plain.Profile) != len(enc.Profile) {
		t.Fatal("-e did not encrypt")
	}
	p, err := Decode(tab, enc.Profile, DecodeOptions{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Text(false)); got != "#txt\nDhcp:1\n" {
		t.Errorf("decrypted text %q", got)
	}
	if _, err := Decode(tab, enc.Profile, DecodeOptions{}); !errors.Is(err, ErrUnknownInput) {
		t.Errorf("decoding without the key: %v", err)
	}

	// The profile's own EncryptKey encrypts unless -E; either way a note.
	src := []byte("#txt\nDhcp:1\nEncryptKey:0a1b2c\n")
	res, err := Compile(tab, "in.txt", src, Options{})
	if err != nil || !res.Encrypted {
		t.Fatalf("EncryptKey did not encrypt (err %v)", err)
	}
	if p, err := Decode(tab, res.Profile, DecodeOptions{Key: mustHex(t, "0a1b2c")}); err != nil || len(p.Records) != 2 {
		t.Fatalf("decrypt with EncryptKey: %v", err)
	}
	if n := res.Diagnostics[len(res.Diagnostics)-1]; n.Severity != SeverityNote || n.Line != 3 {
		t.Errorf("no note about the encryption: %v", res.Diagnostics)
	}
	res, err = Compile(tab, "in.txt", src, Options{IgnoreProfileKey: true})
	if err != nil || res.Encrypted || len(res.Diagnostics) != 1 || res.Diagnostics[0].Severity != SeverityNote {
		t.Fatalf("-E: encrypted %v, diagnostics %v, err %v", res.Encrypted, res.Diagnostics, err)
	}
	// EncryptKey:0 means no encryption, silently.
	res, _ = Compile(tab, "in.txt", []byte("#txt\nEncryptKey:0\n"), Options{})
	if res.Encrypted || len(res.Diagnostics) != 0 {
		t.Errorf("EncryptKey:0 encrypted=%v %v", res.Encrypted, res.Diagnostics)
	}
	// A key that is not hex cannot encrypt: an error, not a guess.
	if _, err := Compile(tab, "in.txt", []byte("#txt\nEncryptKey:zz\n"), Options{}); err == nil {
		t.Error("EncryptKey:zz compiled")
	}
}

func TestParseKey(t *testing.T) {
	for in, want := range map[string]string{"abcd": "abcd", "abc": "abc0", "A": "a0", "0x12": "12"} {
		k, err := ParseKey(in)
		if err != nil || hex.EncodeToString(k) != want {
			t.Errorf("ParseKey(%q) = %x, %v; want %s", in, k, err, want)
		}
	}
	for _, bad := range []string{"", "xyz", strings.Repeat("a", 514)} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

func TestIncludes(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	files := map[string]string{
		"dir/a.txt":       "Dhcp:1\ninclude b.txt\n",
		"dir/b.txt":       "include:sub/c.txt\n",
		"dir/sub/c.txt":   "StaticIP:1.2.3.4\ninclude:d.txt\n",
		"dir/sub/d.txt":   "Proxy:p\n",
		"dir/sub/bad.txt": "Nope:1\n",
	}
	read := func(p string) ([]byte, error) {
		s, ok := files[filepath.ToSlash(p)]
		if !ok {
			return nil, fmt.Errorf("open %s: no such file", p)
		}
		return []byte(s), nil
	}
	res, err := Compile(tab, "dir/main.txt", []byte("#txt\ninclude:a.txt\n"), Options{ReadInclude: read})
	// Too deep: reported, left out, and the rest written, as the original does.
	if err != nil || len(res.Diagnostics) != 1 || !res.Diagnostics[0].Recovered ||
		res.Diagnostics[0].String() != "dir/sub/c.txt:2: error: include nested too deep (d.txt would be level 4, at most 3; it is left out and the run succeeds, as Cisco's cfgfmt does)" {
		t.Fatalf("depth 4: %v %v", err, res.Diagnostics)
	}
	if diff := cmp.Diff(file(t, "03 04 01020304  0f 01 01"), hex.EncodeToString(res.Profile)); diff != "" {
		t.Errorf("depth 4 (-want +got):\n%s", diff)
	}
	res, err = Compile(tab, "dir/main.txt", []byte("#txt\ninclude:b.txt\nDhcp:0\n"), Options{ReadInclude: read})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(file(t, "03 04 01020304  0f 01 00  1d 01 70"), hex.EncodeToString(res.Profile)); diff != "" {
		t.Errorf("depth 3 (-want +got):\n%s", diff)
	}
	res, _ = Compile(tab, "dir/sub/x.txt", []byte("#txt\ninclude bad.txt\n"), Options{ReadInclude: read})
	if len(res.Diagnostics) != 1 || res.Diagnostics[0].String() != `dir/sub/bad.txt:1: warning: unknown attribute at line 1 ("Nope" is not in test-ptag.dat)` {
		t.Errorf("included file position: %v", res.Diagnostics)
	}
	if _, err := Compile(tab, "m.txt", []byte("#txt\ninclude:missing.txt\n"), Options{ReadInclude: read}); err == nil || !strings.Contains(err.Error(), "m.txt:2: error: cannot open include file") {
		t.Errorf("missing include: %v", err)
	}
}

func TestParseTable(t *testing.T) {
	tab := loadTable(t, "gk-like-ptag.dat")
	got := tab.Lookup("USETFTP", 0, false)
	want := &Descriptor{Tag: 20, Format: 0x28, Name: "UseTftp", Size: 1, Context: AllProtocols, Line: 5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d := tab.ForTag(1001, SIP); d == nil || d.Name != "ServicesUrl" {
		t.Errorf("ForTag(1001) = %v", d)
	}
	tab = loadTable(t, "test-ptag.dat")
	if d := tab.ForTag(36, 0); d.Name != "DialTone" {
		t.Errorf("alias: last line should name the tag, got %s", d.Name)
	}
	if d := tab.ForTag(7, MGCP); d.Name != "PrfCodec" {
		t.Errorf("filtered alias: got %s", d.Name)
	}
	if d := tab.ForTag(0x2001, 0); d == nil || d.Name != "RegMode" {
		t.Errorf("hex tag: %v", d)
	}

	bad := []struct{ in, want string }{
		{"3,0x6,A,4\n4,0x6,B\n", "t.dat:2: malformed descriptor \"4,0x6,B\": want tag,tagFmtBit,nameStr,size[,context]"},
		{"x,0x6,A,4", "t.dat:1: bad tag \"x\": want 0 to 32767, decimal or 0x hex"},
		{"0x8000,0x6,A,4", "t.dat:1: bad tag \"0x8000\": want 0 to 32767, decimal or 0x hex"},
		{"3,0xZ,A,4", "t.dat:1: bad tagFmtBit \"0xZ\": want a 16-bit hex number"},
		{"3,0x4000,A,4", "t.dat:1: tagFmtBit \"0x4000\" names no value type"},
		{"3,0x6,,4", "t.dat:1: bad nameStr \"\""},
		{"3,0x6,A,-1", "t.dat:1: bad size \"-1\": want 0 to 32767"},
		{"3,0x6,A,4,0xZZ", "t.dat:1: bad context \"0xZZ\": want a hex bit set"},
		{"0x4000,0x10,Ext,4", "t.dat:1: tag 0x4000 is reserved by the file format"},
		{"# only comments\n\n", "t.dat: no descriptors in tag table"},
	}
	for _, tt := range bad {
		_, err := ParseTable("t.dat", []byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseTable(%q) error\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	if _, err := ParseTable("big", make([]byte, MaxTableSize+1)); err == nil {
		t.Error("oversized table accepted")
	}
}

func TestDecodeErrors(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	good, _ := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\nProxy:abc\n"), Options{})
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "bad input size 0"},
		{"under 5 bytes", []byte("#ata"), "bad input size 4"},
		{"short", []byte("#ata\xff\xfe"), "corrupted profile (header record cut short: 6 bytes, a header needs 11 at offset 0x6)"},
		{"short garbage", []byte("abcde"), "unknown or encrypted input file"},
		{"garbage", []byte("MZ\x90\x00garbage bytes"), "unknown or encrypted input file"},
		{"bad header record", append([]byte("#ata\xff\xfe\x05"), good.Profile[7:]...), "corrupted profile (header record is ff fe 05, want ff fe 04 at offset 0x4)"},
		{"truncated", good.Profile[:len(good.Profile)-1], "corrupted profile (truncated: header says 8 payload bytes, 7 present at offset 0x12)"},
		{"trailing", append(bytes.Clone(good.Profile), 0), "corrupted profile (1 bytes after the payload at offset 0x13)"},
		{"checksum", func() []byte { b := bytes.Clone(good.Profile); b[len(b)-1]++; return b }(), "corrupted profile (checksum 0x0157, payload sums to 0x0158 at offset 0x7)"},
		{"record past end", []byte(file(t, "0f 05 01")), ""},
	}
	tests[len(tests)-1].in = mustHex(t, file(t, "0f 05 01"))
	tests[len(tests)-1].want = "corrupted profile (record of tag 0xf: length 5 past the end of the payload at offset 0xb)"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tab, tt.in, DecodeOptions{})
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestTamper: every truncation and every single-byte change of a profile is
// refused or decodes to something else; nothing panics.
func TestTamper(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	res, _ := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\nProxy:abc\nServicesUrl:u\n"), Options{})
	for n := 0; n < len(res.Profile); n++ {
		if _, err := Decode(tab, res.Profile[:n], DecodeOptions{}); err == nil {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	for i := range res.Profile {
		b := bytes.Clone(res.Profile)
		b[i] ^= 0x01
		if _, err := Decode(tab, b, DecodeOptions{}); err == nil {
			t.Errorf("byte %d flipped: no error", i)
		}
	}
}

func TestDecodeText(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	payload := "a001 04 00000003  9100 2f 03 00000601 0400 0100 00000000 0045 0060412a " + hex.EncodeToString([]byte("CP7912080001SIP060412A.sbin")) + "00" +
		" 03 04 0a000001  07 04 ffffffff  0f 01 01  17 02 3132  23 06 c00002010202  24 04 00010002  37 04 0000001f  03 03 010203  7f 02 abcd  c000 05 782e657800"
	p, err := Decode(tab, mustHex(t, file(t, payload)), DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `#txt
#sum_len:` + fmt.Sprint(p.Checksum) + `,` + fmt.Sprint(p.Length) + `
RegMode:0x3
upgradecode:3,0x601,0x0400,0x0100,0.0.0.0,69,0x60412a,CP7912080001SIP060412A.sbin
StaticIP:10.0.0.1
PrfCodec:-1
Dhcp:1
UIPassword:12
NPrintf:192.0.2.1.514
# tag 36 (0x0024) DialTone, value does not fit its type, 4 bytes: 00010002
Polarity:0x1f
# tag 3 (0x0003) StaticIP, value does not fit its type, 3 bytes: 010203
# tag 127 (0x007f) unknown tag, 2 bytes: abcd
# extension profile: x.ex
`
	if diff := cmp.Diff(want, string(p.Text(true))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if p.Extension != "x.ex" {
		t.Errorf("Extension = %q", p.Extension)
	}
}

// TestRoundTrip: compile → decode → compile gives the same bytes for
// profiles of every kind, under every filter.
func TestRoundTrip(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	src := `#txt
ServicesUrl:http://10.0.0.1/services
RegMode:0x8
StaticIP:192.0.2.10
RxCodec:-7
PrfCodec:3
Dhcp:false
UIPassword:0123
UID0:user
Proxy:proxy.example.org:5060
CA0orCM0:ca
Gateway:gw
NPrintf:192.0.2.1.9000
DialTone:2,31538,30831,1380,1740,1,0,0,1000
DialPlan:*St4-|#St4-|911
Polarity:0xdeadbeef
EncryptKey:abcd
CallCmd:Af;AH;BS
CodecName:G711
Domain:example.org
DialPlanEx:` + strings.Repeat("9", 500) + `
DisplayName0:Joe User
upgradecode:3,0x501,0x0400,0x0100,0,69,0x060412a,CP7905080001SIP060412A.sbin
upgradelang:3,0x501,0x0400,0x0100,10.0.0.1,69,0x1,lang.kxt
tftpurl2:tftp://10.0.0.2/
upgradelogo:0x1,10.0.0.3,logo.bmp
`
	for _, opt := range []Options{{}, {Protocols: SIP}, {Protocols: H323}, {Protocols: MGCP}, {Protocols: SCCP}, {OmitSensitive: true}, {ForceSplit: true}} {
		opt.IgnoreProfileKey = true
		opt.ExtensionName = "p.ex"
		first, err := Compile(tab, "p.txt", []byte(src), opt)
		if err != nil {
			t.Fatal(err)
		}
		text := decodeAll(t, tab, first, opt.Protocols)
		second, err := Compile(tab, "decoded.txt", text, opt)
		if err != nil {
			t.Fatalf("recompile: %v\n%s", err, text)
		}
		if !bytes.Equal(first.Profile, second.Profile) || !bytes.Equal(first.Extension, second.Extension) {
			t.Errorf("options %+v: round trip differs\n%x\n%x\ntext:\n%s", opt, first.Profile, second.Profile, text)
		}
	}
}

// decodeAll decodes a compiled profile and its extension into one text.
func decodeAll(t testing.TB, tab *Table, res *Result, proto Protocol) []byte {
	t.Helper()
	p, err := Decode(tab, res.Profile, DecodeOptions{Protocols: proto})
	if err != nil {
		t.Fatal(err)
	}
	text := p.Text(false)
	if res.Extension != nil {
		e, err := Decode(tab, res.Extension, DecodeOptions{Protocols: proto})
		if err != nil {
			t.Fatal(err)
		}
		text = append(text, e.Text(false)[5:]...)
	}
	return text
}

func TestDeterministic(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	src := []byte("#txt\nServicesUrl:a\nRegMode:0x1\nDhcp:1\nStaticIP:0\n")
	a, _ := Compile(tab, "x.txt", src, Options{})
	for range 20 {
		b, _ := Compile(tab, "x.txt", src, Options{})
		if !bytes.Equal(a.Profile, b.Profile) {
			t.Fatal("output differs between runs")
		}
	}
}

func TestNotText(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	_, err := Compile(tab, "x.txt", []byte("Dhcp:1\n"), Options{})
	if err == nil || err.Error() != "x.txt:1: error: not a text profile (the first line must be #txt)" {
		t.Errorf("got %v", err)
	}
}

func TestStrong(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	res, _ := Compile(tab, "in.txt", []byte("#txt\nDhcp:1\nProxy:abc\n"), Options{})
	key := bytes.Repeat([]byte{0x42}, StrongKeySize)
	x, err := EncryptStrong(key, res.Profile)
	if err != nil {
		t.Fatal(err)
	}
	if len(x) != len(res.Profile)-4+8 || bytes.Contains(x, []byte("abc")) {
		t.Fatalf("strong output %x", x)
	}
	again, _ := EncryptStrong(key, res.Profile)
	if !bytes.Equal(x, again) {
		t.Error("not deterministic")
	}
	plain, err := DecryptStrong(key, x)
	// The header holds the internet checksum of the payload [issue 11].
	want := bytes.Clone(res.Profile)
	binary.BigEndian.PutUint16(want[7:], internetChecksum(want[headerSize:]))
	if err != nil || !bytes.Equal(plain, want) {
		t.Fatalf("round trip: %v\n%x\n%x", err, plain, want)
	}
	p, err := Decode(tab, x, DecodeOptions{StrongKey: key})
	if err != nil || string(p.Text(false)) != "#txt\nDhcp:1\nCA0orCM0:abc\n" {
		t.Fatalf("decode: %v %q", err, p.Text(false))
	}
	if _, err := Decode(tab, plain, DecodeOptions{}); err == nil {
		t.Error("a .x header's checksum passed as a plain one")
	}
	key[0]++
	if _, err := Decode(tab, x, DecodeOptions{StrongKey: key}); !errors.Is(err, ErrUnknownInput) {
		t.Errorf("wrong key: %v", err)
	}
	if _, err := EncryptStrong(key[:16], res.Profile); err == nil {
		t.Error("short key accepted")
	}
}

func TestIncludeBomb(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	big := "#" + strings.Repeat("x", MaxProfileSize-2) + "\n"
	src := "#txt\n" + strings.Repeat("include:big.txt\n", 20)
	reads := 0
	_, err := Compile(tab, "bomb.txt", []byte(src), Options{ReadInclude: func(string) ([]byte, error) { reads++; return []byte(big), nil }})
	if err == nil || !strings.Contains(err.Error(), "profile too large (more than 8388608 bytes with its includes)") {
		t.Fatalf("err = %v", err)
	}
	if reads != 8 {
		t.Errorf("%d reads, want 8 (the 8th passes the limit)", reads)
	}
	if _, err := Compile(nil, "x", []byte("#txt\n"), Options{}); err == nil {
		t.Error("nil table accepted")
	}
}

// TestLineEnds: LF, CRLF and a lone CR (classic Mac OS) all end a line, in
// profiles and tables alike. Before, a CR-only profile was one comment line
// and compiled to an empty profile without a word.
func TestLineEnds(t *testing.T) {
	tab := loadTable(t, "test-ptag.dat")
	want := file(t, "03 04 0a000001  0f 01 01")
	for name, src := range map[string]string{
		"lf":        "#txt\nDhcp:1\nStaticIP:10.0.0.1\n",
		"crlf":      "#txt\r\nDhcp:1\r\nStaticIP:10.0.0.1\r\n",
		"cr":        "#txt\rDhcp:1\rStaticIP:10.0.0.1\r",
		"cr no end": "#txt\rDhcp:1\rStaticIP:10.0.0.1",
		"mixed":     "#txt\r\nDhcp:1\rStaticIP:10.0.0.1\n",
	} {
		t.Run(name, func(t *testing.T) {
			res, err := Compile(tab, "in.txt", []byte(src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, hex.EncodeToString(res.Profile)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// Line numbers count every kind of line end.
	res, _ := Compile(tab, "in.txt", []byte("#txt\r\rNope:1\r\n\nDhcp:\r"), Options{})
	got := diagStrings(res.Diagnostics)
	wantDiags := []string{
		`in.txt:3: warning: unknown attribute at line 3 ("Nope" is not in test-ptag.dat)`,
		`in.txt:5: warning: empty attribute value at line 5 (Dhcp)`,
	}
	if diff := cmp.Diff(wantDiags, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	tab2, err := ParseTable("cr.dat", []byte("# a table saved with CR line ends\r3,0x0006,StaticIP,4\r15,0x0028,Dhcp,1\r"))
	if err != nil {
		t.Fatal(err)
	}
	if d := tab2.Lookup("Dhcp", 0, false); d == nil || d.Line != 3 {
		t.Errorf("Dhcp: %+v", d)
	}
}

// diagStrings renders diagnostics as the command line prints them.
func diagStrings(ds []Diagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}
