package cfgfmt

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fuzzSeeds(f *testing.F, glob string) {
	files, _ := filepath.Glob(glob)
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

// FuzzCompile: no input panics, and every profile Compile accepts decodes
// and compiles again to the same bytes.
func FuzzCompile(f *testing.F) {
	tab := loadTable(f, "test-ptag.dat")
	f.Add([]byte("#txt\nUseTftp:1\n"), byte(0))
	f.Add([]byte("#txt\nStaticIP:10.0.0.1\nDialTone:1,2,3\nPolarity:0x1\nServicesUrl:x\nRegMode:0x2\nupgradecode:3,0x601,0x0400,0x0100,0,69,0x1,f\n"), byte(0))
	f.Add([]byte("#txt\nDisplayName0:a\nDialPlanEx:b\nDhcp:1\nUID0:u\nEncryptKey:ab\n"), byte(0xff))
	f.Add([]byte("#txt\r\nProxy : a b \r\nNPrintf\t1.2.3.4.5\r\ntftpurl2:x\r\nupgradelogo:1,0,l\r\n"), byte(3))
	f.Add([]byte("#txt\rDhcp:1\rStaticIP:0\r\n\rinclude:x\r"), byte(0x20))
	// The forms of issue 11: strtoul numbers, trailing blanks, lists split
	// on spaces with extra values, letters in a digit string, the tone
	// form (valid and not), upgrade names cut, upgradexml, EncryptKeyEx,
	// a sensitive alias under -g, the split rule.
	f.Add([]byte("#txt\nPolarity:10\nRxCodec:0x13c4\nRegMode:010\nRxCodec:-1  \nPolarity:0x100000002\n"), byte(0))
	f.Add([]byte("#txt\nProxy:abc  \nDhcp:0 \nUIPassword:Adm1n2019\nDomain:"+strings.Repeat("d", 40)+"\n"), byte(0))
	f.Add([]byte("#txt\nDialTone:1 2,,3, 0x10 70000 1 1 1 1 1 1 1 1 1\n"), byte(0))
	f.Add([]byte("#txt\nDialToneFreq:2,350,-6,440,-6,1,0,0,1000\nDialToneFreq:1 1000 10 5 5 5 5\n"), byte(0))
	f.Add([]byte("#txt\nDialToneFreq:350,440\n"), byte(0))
	f.Add([]byte("#txt\nDialToneFreq:2,0,-60,4000,10,0,0,0,0\n"), byte(0))
	f.Add([]byte("#txt\nupgradecode:3 0x601 0x0400 0x0100 0 69 0x1 "+strings.Repeat("f", 40)+"\nupgradexml:2,10.0.0.4,dir.xml\n"), byte(0))
	f.Add([]byte("#txt\nEncryptKeyEx:0011223344556677/020000000001\nEncryptKeyEx:zz\n"), byte(0))
	f.Add([]byte("#txt\nEPID1orSID1:abc\nLoginID1:def\nDhcp:1\n"), byte(0x10))
	f.Add([]byte("#txt\nDialPlan:"+strings.Repeat("a", 500)+"\nCallCmd:"+strings.Repeat("a", 500)+"\nAltTftpURL:"+strings.Repeat("a", 500)+"\nDialPlanEx:"+strings.Repeat("b", 464)+"\n"), byte(0))
	f.Fuzz(func(t *testing.T, src []byte, flags byte) {
		opt := Options{
			Protocols:        Protocol(flags & 0xF),
			OmitSensitive:    flags&0x10 != 0,
			ForceSplit:       flags&0x20 != 0,
			IgnoreProfileKey: true,
			ExtensionName:    "f.ex",
		}
		res, err := Compile(tab, "f.txt", src, opt)
		if err != nil {
			return
		}
		text := decodeAll(t, tab, res, opt.Protocols)
		again, err := Compile(tab, "g.txt", text, opt)
		if err != nil {
			t.Fatalf("decoded text does not compile: %v\n%q", err, text)
		}
		if !bytes.Equal(res.Profile, again.Profile) || !bytes.Equal(res.Extension, again.Extension) {
			t.Fatalf("round trip differs\n%x\n%x\ntext %q", res.Profile, again.Profile, text)
		}
	})
}

// FuzzForms is the differential test of issue 11's forms: values built
// from the fuzzer's numbers in each new form must compile, decode and
// compile again to the same bytes, every record rendering as text (no
// "# tag" comment). The tone form's bytes themselves are pinned against an
// independent computation in TestValueTypes.
func FuzzForms(f *testing.F) {
	tab := loadTable(f, "test-ptag.dat")
	f.Add(uint8(0), int64(350), int64(-6), "x", uint8(0))
	f.Add(uint8(1), int64(10), int64(0x13c4), "abc  ", uint8(3))
	f.Add(uint8(2), int64(4000), int64(10), "0011223344556677", uint8(1))
	f.Add(uint8(3), int64(-1), int64(1<<40), strings.Repeat("f", 40), uint8(2))
	f.Add(uint8(4), int64(0), int64(0), "Adm1n2019", uint8(0))
	f.Fuzz(func(t *testing.T, form uint8, a, b int64, s string, sep uint8) {
		seps := []string{",", " ", ", ", " ,"}
		j := seps[int(sep)%len(seps)]
		word := strings.Map(func(r rune) rune {
			if r <= ' ' || r == ',' || r == ':' || r == '/' || r >= 0x7f {
				return 'w'
			}
			return r
		}, s)
		if word == "" {
			word = "w"
		}
		word = word[:min(len(word), 200)] // values past 511 bytes are refused on purpose
		var line string
		switch form % 8 {
		case 0: // tone form with one or two segments
			line = fmt.Sprintf("DialToneFreq:%d%s%d%s%d%s%d%s%d%s1%s2%s3%s4", 1+(a&1), j, a%5000, j, b%80, j, b%4001, j, a%70-60, j, j, j, j)
		case 1: // strtoul numbers in int, hex and shorts fields
			line = fmt.Sprintf("Polarity:%#o\nRxCodec:%#x\nDialTone:%d%s%d%s%#x", uint64(a)&0xffffffff, uint64(b), a, j, b, j, uint16(a))
		case 2: // trailing blanks and digit strings with letters
			line = "Proxy:" + word + strings.Repeat(" ", int(sep%4)) + "\nUIPassword:" + word
		case 3: // upgradecode with any file name length, upgradexml
			line = fmt.Sprintf("upgradecode:%d%s%#x%s%d%s%d%s0%s69%s%#x%s%s\nupgradexml:%d,10.0.0.4,%s", a, j, b, j, a, j, b, j, j, j, a, j, word, b, word)
		case 4: // EncryptKeyEx, hex or not, with or without a MAC
			line = "EncryptKeyEx:" + word + seps[int(sep)%2] + fmt.Sprintf("%012x", uint64(a)&0xffffffffffff)
		case 5: // aliases, one sensitive
			line = "EPID1orSID1:" + word + "\nLoginID1:" + word + "x"
			if a&1 == 0 {
				line = "LoginID1:" + word + "\nEPID1orSID1:" + word + "x"
			}
		case 6: // near the split threshold
			n := int(uint64(a) % 510)
			line = "DialPlan:" + strings.Repeat("a", 500) + "\nCallCmd:" + strings.Repeat("a", 500) + "\nAltTftpURL:" + strings.Repeat("a", 500) + "\nDialPlanEx:" + strings.Repeat("b", n+1)
		case 7: // invalid tone forms are zero-filled
			line = "DialToneFreq:" + word
		}
		src := []byte("#txt\n" + line + "\nDhcp:1\n")
		opt := Options{OmitSensitive: b&1 == 1, IgnoreProfileKey: true, ExtensionName: "f.ex", ForceSplit: form&0x80 != 0}
		res, err := Compile(tab, "f.txt", src, opt)
		if err != nil {
			t.Fatalf("%q does not compile: %v", src, err)
		}
		text := decodeAll(t, tab, res, 0)
		again, err := Compile(tab, "g.txt", text, opt)
		if err != nil {
			t.Fatalf("decoded text does not compile: %v\n%q", err, text)
		}
		if !bytes.Equal(res.Profile, again.Profile) || !bytes.Equal(res.Extension, again.Extension) {
			t.Fatalf("round trip differs\n%x\n%x\nsrc %q\ntext %q", res.Profile, again.Profile, src, text)
		}
		if bytes.Contains(text, []byte("# tag ")) {
			t.Fatalf("a record did not render as text: %q (src %q)", text, src)
		}
	})
}

// FuzzDecode: no input panics; a decoded profile renders as text.
func FuzzDecode(f *testing.F) {
	tab := loadTable(f, "test-ptag.dat")
	res, _ := Compile(tab, "s.txt", []byte("#txt\nStaticIP:10.0.0.1\nDialTone:1,2\nServicesUrl:x\nupgradecode:3,0x601,0x0400,0x0100,0,69,0x1,f\n"), Options{})
	f.Add(res.Profile, false)
	f.Add([]byte("#ata\xff\xfe\x04\x00\x16\x00\x03\x14\x01\x01"), false)
	f.Add([]byte("\x27\xfc\xf4\x64\x80\x1f\x17\x8a\x96\xfb\x37\x3a\x7a\xe0"), true)
	f.Fuzz(func(t *testing.T, in []byte, withKey bool) {
		opt := DecodeOptions{}
		if withKey {
			opt.Key = []byte{0xab, 0xcd}
		}
		p, err := Decode(tab, in, opt)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(p.Text(true), []byte("#txt\n")) {
			t.Fatal("text does not start with #txt")
		}
	})
}

// FuzzParseTable: no input panics; an accepted table has only usable lines.
func FuzzParseTable(f *testing.F) {
	fuzzSeeds(f, "testdata/*.dat")
	f.Add([]byte("3,0x0006,StaticIP,4,0xF\r\n# c\n0x2001,0x020C,RegMode,4,0x8\t#x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ParseTable("f.dat", data)
		if err != nil {
			return
		}
		for _, d := range tab.Descriptors {
			if d.Format.Kind() == KindUnknown || d.Tag > MaxTag || d.Size > MaxValueSize || d.Name == "" {
				t.Fatalf("bad descriptor accepted: %+v", d)
			}
			if tab.Lookup(d.Name, 0, false) == nil {
				t.Fatalf("%s cannot be looked up", d.Name)
			}
		}
	})
}
