package drop

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"

	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
)

// FuzzReadFile feeds arbitrary bytes under every kind of name through the
// per-file path of Open (header, loader id, hashing, the parser of the
// kind): no panic, no deadlock, sizes and hashes consistent. Seeded with
// every file of the generated drops.
func FuzzReadFile(f *testing.F) {
	names := []string{"P0S3-8-12-00.loads", "P003-8-12-00.sbn", "P003-8-12-00.bin", "SIPDefault.cnf", "XMLDefault.cnf.xml",
		"OS79XX.TXT", "RINGLIST.DAT", "dialplan.xml", "gkdefault.txt", "gkdefault.cfg", "CTLSEP0011223344AA.tlv", "x.raw", "junk"}
	hdr := []byte{1, 0, 2, 1, 1, 2, 0, 2, 0, 0x20, 12, 0, 4, 1, 2, 3, 4, 14, 0, 2, 'a', 0, 13, 13, 13, 13, 13, 13, 13, 13, 13}
	for i := range names {
		f.Add(uint8(i), []byte("P003-8-12-00.sbn\nLA_VERSION=PAS30830\n"))
		f.Add(uint8(i), append(append([]byte{}, hdr...), "body\n"...))
	}
	f.Add(uint8(9), []byte("#ata\xff\xfe\x04\x00\x16\x00\x03\x14\x01\x01"))
	// Every file of every generated drop, under its own name.
	for _, file := range fixture.FamilyFiles(f) {
		if len(names) < 256 {
			names = append(names, file.Name)
			f.Add(uint8(len(names)-1), file.Data)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		name := names[int(which)%len(names)]
		o := newOpener(OpenOptions{})
		file, err := o.read(container.Entry{Name: name, Size: int64(len(b))}, bytes.NewReader(b))
		o.wg.Wait()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if file.SHA256.IsZero() || file.Size != int64(len(b)) {
			t.Fatalf("%s: size %d, sha %q", name, file.Size, file.SHA256)
		}
		if file.Header() != nil && file.PayloadSHA256().IsZero() {
			t.Fatalf("%s: signed without payload hash", name)
		}
		if len(o.pool) != poolChunks {
			t.Fatalf("%s: %d chunks back in the pool, want %d", name, len(o.pool), poolChunks)
		}
	})
}

// TestProfileBinaryConformance reads the binary profiles Cisco's cfgfmt
// wrote (../shared/conformance/cfgfmt): every unencrypted one must parse
// with no problem; the encrypted one is reported as such.
func TestProfileBinaryConformance(t *testing.T) {
	dir := conformance.Dir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "cfgfmt", "*.txtar"))
	if len(files) == 0 {
		t.Skip("no cfgfmt vectors")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var hexOut, args string
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "hex: "); ok {
				hexOut = strings.TrimSpace(v)
			}
			if v, ok := strings.CutPrefix(line, "args: "); ok {
				args = v
			}
		}
		if hexOut == "" {
			continue
		}
		out, err := hex.DecodeString(hexOut)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, ps := cisco.ParseProfileBinary(out)
		encrypted := strings.Contains(args, "-e")
		switch {
		case encrypted && (len(ps) != 1 || !strings.Contains(ps[0].Msg, "encrypted")):
			t.Errorf("%s: encrypted output: problems %v", filepath.Base(name), ps)
		case !encrypted && len(ps) != 0:
			t.Errorf("%s: problems %v", filepath.Base(name), ps)
		case !encrypted && len(p.Params) == 0:
			t.Errorf("%s: no records", filepath.Base(name))
		}
	}
}

func TestTextBudget(t *testing.T) {
	o := newOpener(OpenOptions{})
	o.text = MaxTextTotal - 10
	b := []byte("image_version: P0S3-8-12-00\n")
	f, err := o.read(container.Entry{Name: "SIPDefault.cnf", Size: int64(len(b))}, bytes.NewReader(b))
	o.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	want := []cisco.Problem{{Msg: "not parsed: the drop's text files exceed 67108864 bytes together"}}
	if f.Data() != nil || f.SIP() != nil || len(f.Problems()) != 1 || f.Problems()[0] != want[0] || f.SHA256.IsZero() {
		t.Errorf("over budget: data %q, sip %v, problems %v, sha %q", f.Data(), f.SIP(), f.Problems(), f.SHA256)
	}
	o.text = 0
	f, err = o.read(container.Entry{Name: "SIPDefault.cnf", Size: int64(len(b))}, bytes.NewReader(b))
	if err != nil || f.SIP() == nil || o.text != int64(len(b)) {
		t.Errorf("within budget: %v %v %d", err, f.SIP(), o.text)
	}

	// Per-phone files of a directory are summarised: they count what the
	// summary keeps, not their size, so a million phones are all judged;
	// once the budget is spent, they too are listed unparsed.
	o = newOpener(OpenOptions{})
	o.summary = true
	o.text = MaxTextTotal - 1000
	f, err = o.read(container.Entry{Name: "SIP000D28000001.cnf", Size: int64(len(b))}, bytes.NewReader(b))
	if e, ok := f.ImageVersion(); err != nil || f.Phone == nil || !ok || e.Value != "P0S3-8-12-00" || f.More != nil || o.text <= MaxTextTotal-1000 {
		t.Errorf("summarised at the budget's edge: %v %+v %+v %d", err, f.Phone, f.More, o.text)
	}
	spent := o.text
	g, err := o.read(container.Entry{Name: "SIP000D28000002.cnf", Size: int64(len(b))}, bytes.NewReader(b))
	if err != nil || g.Phone != f.Phone || o.text != spent {
		t.Errorf("a summary alike is shared and costs nothing: %v %p %p, budget %d, was %d", err, g.Phone, f.Phone, o.text, spent)
	}
	o.text = MaxTextTotal + 1
	f, err = o.read(container.Entry{Name: "SIP000D28000003.cnf", Size: int64(len(b))}, bytes.NewReader(b))
	if err != nil || f.Phone != nil || len(f.Problems()) != 1 || f.Problems()[0] != want[0] {
		t.Errorf("past the budget: %v %+v %v", err, f.Phone, f.Problems())
	}
}

// TestTamperNeverVerifies flips every byte, and cuts every length, of a
// signed .loads: Open must never report the result as verified.
func TestTamperNeverVerifies(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	const name = "P0S3-8-12-00.loads"
	orig, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	trust := []crypto.PublicKey{&fixture.LabKey().PublicKey}
	read := func(b []byte) *File {
		o := newOpener(OpenOptions{Trust: trust})
		f, err := o.read(container.Entry{Name: name, Size: int64(len(b))}, bytes.NewReader(b))
		o.wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if f := read(orig); !f.Verified {
		t.Fatalf("original does not verify: %q", f.VerifyErr())
	}
	for i := range orig {
		b := bytes.Clone(orig)
		b[i] ^= 0x01
		if f := read(b); f.Verified {
			t.Errorf("byte %#x flipped: still verified", i)
		}
	}
	for n := range len(orig) {
		if f := read(orig[:n]); f.Verified {
			t.Errorf("cut to %d bytes: still verified", n)
		}
	}
}
