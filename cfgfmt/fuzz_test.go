package cfgfmt

import (
	"bytes"
	"os"
	"path/filepath"
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
