package drop_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/phoneload/phoneload/internal/fixture"
)

// writeDrop writes a fixture drop of family fam into a fresh directory.
func writeDrop(t testing.TB, fam fixture.Family, o fixture.Options) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), string(fam))
	if err := fixture.WriteDir(dir, fam, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

func sha(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// fileRow is the part of a File the tests pin by name.
type fileRow struct {
	Kind      cisco.Kind
	Load      string
	Signed    bool
	HeaderLen int
	HeaderFor string
	LoaderID  string
	Problems  []cisco.Problem
}

func rows(d *drop.Drop) map[string]fileRow {
	m := map[string]fileRow{}
	for _, f := range d.Files {
		r := fileRow{Kind: f.Kind, LoaderID: f.LoaderID(), Problems: f.Problems()}
		if f.Load() != nil {
			r.Load = f.Load().Family + " " + string(f.Load().Protocol) + " " + f.Load().Version.String()
		}
		if f.Header() != nil {
			r.Signed, r.HeaderLen, r.HeaderFor = true, f.Header().Length, f.Header().FileName
		}
		m[f.Name] = r
	}
	return m
}

func TestOpenSIP7940(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]fileRow{
		"Analog1.raw":        {Kind: cisco.KindRing},
		"Chirp1.raw":         {Kind: cisco.KindRing},
		"OS79XX.TXT":         {Kind: cisco.KindOS79XX},
		"P003-8-12-00.bin":   {Kind: cisco.KindImageBin, Load: "loader  8.12(0)", LoaderID: "PAS30830"},
		"P003-8-12-00.sbn":   {Kind: cisco.KindImageSBN, Load: "loader  8.12(0)", Signed: true, HeaderLen: 0x194, HeaderFor: "P003-8-12-00.sbn", LoaderID: "PAS30830"},
		"P0S3-8-12-00.loads": {Kind: cisco.KindLoads, Load: "dashed sip 8.12(0)", Signed: true, HeaderLen: 0x194, HeaderFor: "P0S3-8-12-00.loads"},
		"P0S3-8-12-00.sb2":   {Kind: cisco.KindImageSB2, Load: "dashed sip 8.12(0)", Signed: true, HeaderLen: 0x194, HeaderFor: "P0S3-8-12-00.sb2"},
		"RINGLIST.DAT":       {Kind: cisco.KindRinglist},
		"SIPDefault.cnf":     {Kind: cisco.KindSIPConfig},
		"XMLDefault.cnf.xml": {Kind: cisco.KindXMLConfig},
		"dialplan.xml":       {Kind: cisco.KindDialplan},
	}
	if diff := cmp.Diff(want, rows(d)); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if d.Container != "dir" || d.Path != dir {
		t.Errorf("Container, Path = %q, %q", d.Container, d.Path)
	}
	var total int64
	for _, f := range d.Files {
		if got, want := f.SHA256.String(), sha(t, filepath.Join(dir, f.Name)); got != want {
			t.Errorf("%s: SHA256 %s, want %s", f.Name, got, want)
		}
		total += f.Size
	}
	if d.Size != total {
		t.Errorf("Size %d, want %d", d.Size, total)
	}
	// The .sbn's payload is the .bin, byte for byte.
	if sbn, bin := d.File("P003-8-12-00.sbn"), d.File("P003-8-12-00.bin"); sbn.PayloadSHA256() != bin.SHA256 {
		t.Errorf(".sbn payload %s != .bin %s", sbn.PayloadSHA256(), bin.SHA256)
	}
	l := d.File("P0S3-8-12-00.loads").Loads()
	want2 := &cisco.Loads{
		Parts:     []cisco.LoadsPart{{Name: "P003-8-12-00.sbn", Line: 1}, {Name: "P0S3-8-12-00.sb2", Line: 2}},
		LAVersion: "PAS30830",
		Settings:  []cisco.ConfigEntry{{Name: "LA_VERSION", Value: "PAS30830", Line: 3}},
	}
	if diff := cmp.Diff(want2, l); diff != "" {
		t.Errorf(".loads (-want +got):\n%s", diff)
	}
	if e, ok := d.File("SIPDefault.cnf").SIP().Get("image_version"); !ok || e.Value != "P0S3-8-12-00" {
		t.Errorf("image_version = %+v, %v", e, ok)
	}
	if o := d.File("OS79XX.TXT").OS79XX(); o.Name != "P003-8-12-00" || o.Lines != 1 {
		t.Errorf("OS79XX = %+v", o)
	}
	if d.File("os79xx.txt") != nil || len(d.FileFold("os79xx.txt")) != 1 {
		t.Error("File must be exact and FileFold case-insensitive")
	}
	sip := d.Phones()[1]
	wantSIP := drop.PhoneLoad{Models: []string{"7940", "7960"}, Protocol: cisco.ProtocolSIP, Source: "SIPDefault.cnf", Line: sip.Line,
		Setting: "image_version", Load: "P0S3-8-12-00", Version: "8.12(0)", Files: []drop.Fetch{
			{Name: "P0S3-8-12-00.loads", Present: true},
			{Name: "P003-8-12-00.sbn", Present: true, Via: "P0S3-8-12-00.loads"},
			{Name: "P0S3-8-12-00.sb2", Present: true, Via: "P0S3-8-12-00.loads"},
		}, Site: []drop.Fetch{
			{Name: "dialplan.xml", Present: true},
			{Name: "RINGLIST.DAT", Present: true},
			{Name: "Analog1.raw", Present: true, Via: "RINGLIST.DAT"},
			{Name: "Chirp1.raw", Present: true, Via: "RINGLIST.DAT"},
		}}
	if diff := cmp.Diff(wantSIP, sip); diff != "" {
		t.Errorf("SIP phone row (-want +got):\n%s", diff)
	}
}

func TestOpenMissingPart(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	if err := os.Remove(filepath.Join(dir, "P0S3-8-12-00.sb2")); err != nil {
		t.Fatal(err)
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Phones() {
		if p.Setting == "image_version" {
			if diff := cmp.Diff([]string{"P0S3-8-12-00.sb2"}, p.Missing); diff != "" {
				t.Errorf("Missing (-want +got):\n%s", diff)
			}
			return
		}
	}
	t.Error("no image_version row")
}

func TestOpenBroken(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	files := map[string]string{
		"junk.bin.txt":           "hello",
		"CTLSEP0011223344AA.tlv": "\x01\x00\x02\x01\x01\x02\x00\x02\xff\xff rest",
		"bad.loads":              "no header here\n",
		"big.raw":                strings.Repeat("\x7f", 20000),
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(d)
	want := map[string]fileRow{
		"junk.bin.txt": {Kind: cisco.KindUnknown},
		"CTLSEP0011223344AA.tlv": {Kind: cisco.KindTrustList, Problems: []cisco.Problem{
			{Msg: "signed header: length 0xffff past end of data at 0xf"}}},
		"bad.loads": {Kind: cisco.KindLoads, Problems: []cisco.Problem{
			{Msg: "no Cisco signed header"}, {Line: 1, Msg: `part name "no header here" contains white space`}}},
		"big.raw": {Kind: cisco.KindRing, Problems: []cisco.Problem{
			{Msg: "20000 samples (8 kHz µ-law, one byte each); newer phones accept 240 to 16080"}}},
	}
	for n, w := range want {
		if diff := cmp.Diff(w, got[n]); diff != "" {
			t.Errorf("%s (-want +got):\n%s", n, diff)
		}
	}
	if f := d.File("CTLSEP0011223344AA.tlv"); f.HeaderErr() == "" {
		t.Error("HeaderErr empty for a broken header")
	}
	if l := d.File("bad.loads").Loads(); l == nil || len(l.Parts) != 1 {
		t.Errorf("unsigned .loads body not parsed: %+v", l)
	}
}

func TestOpenZipSameAsDir(t *testing.T) {
	dir := writeDrop(t, fixture.SIP79x1, fixture.Options{})
	zip := filepath.Join(t.TempDir(), "drop.zip")
	if err := fixture.WriteZip(zip, fixture.SIP79x1, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	a, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := drop.Open(zip, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Container != "zip" {
		t.Errorf("Container %q, want zip", b.Container)
	}
	a.Path, a.Container, b.Path, b.Container = "", "", "", ""
	for _, f := range append(a.Files, b.Files...) {
		f.Mode = 0
	}
	// (Unexported: where the zip's files lie in it, to read them again.)
	if diff := cmp.Diff(a, b, cmpopts.IgnoreUnexported(drop.Drop{})); diff != "" {
		t.Errorf("zip differs from dir (-dir +zip):\n%s", diff)
	}
}

func TestOpenLargeImages(t *testing.T) {
	// Images over one chunk take the streaming path; hashes must still
	// match and the payload hash must still equal the .bin.
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{ImageSize: 3<<20 + 17})
	var last int64
	d, err := drop.Open(dir, drop.OpenOptions{Progress: func(n int64) {
		if n < last {
			t.Errorf("progress went back from %d to %d", last, n)
		}
		last = n
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Files {
		if got, want := f.SHA256.String(), sha(t, filepath.Join(dir, f.Name)); got != want {
			t.Errorf("%s: SHA256 %s, want %s", f.Name, got, want)
		}
	}
	if sbn, bin := d.File("P003-8-12-00.sbn"), d.File("P003-8-12-00.bin"); sbn.PayloadSHA256() != bin.SHA256 || sbn.LoaderID() != "PAS30830" {
		t.Errorf(".sbn payload %s, loader %q; .bin %s", sbn.PayloadSHA256(), sbn.LoaderID(), bin.SHA256)
	}
	if last != d.Size {
		t.Errorf("progress ended at %d, drop is %d bytes", last, d.Size)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := drop.Open(filepath.Join(t.TempDir(), "nope"), drop.OpenOptions{}); err == nil || !strings.HasPrefix(err.Error(), "bundle: ") {
		t.Errorf("missing path: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.zip")
	if err := os.WriteFile(bad, []byte("PK\x03\x04 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := drop.Open(bad, drop.OpenOptions{}); err == nil {
		t.Error("bad zip opened")
	}
}

func TestOpenTrust(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{0, 1 << 20} { // one chunk, and the streaming path
		dir := writeDrop(t, fixture.SIP7940, fixture.Options{ImageSize: size})
		if err := fixture.FlipPayloadByte(dir, "P0S3-8-12-00.sb2", 100); err != nil {
			t.Fatal(err)
		}
		d, err := drop.Open(dir, drop.OpenOptions{Trust: []crypto.PublicKey{&fixture.LabKey().PublicKey}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range d.Files {
			if f.Header() != nil {
				got[f.Name] = fmt.Sprint(f.Verified, " ", f.VerifyErr())
			}
		}
		want := map[string]string{
			"P003-8-12-00.sbn":   "true ",
			"P0S3-8-12-00.loads": "true ",
			"P0S3-8-12-00.sb2":   "false signature does not verify",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("size %d: verification (-want +got):\n%s", size, diff)
		}
		d, err = drop.Open(dir, drop.OpenOptions{Trust: []crypto.PublicKey{&other.PublicKey}})
		if err != nil {
			t.Fatal(err)
		}
		if f := d.File("P003-8-12-00.sbn"); f.Verified || f.VerifyErr() != "signature does not verify" {
			t.Errorf("size %d: other key: %v %q", size, f.Verified, f.VerifyErr())
		}
		d, err = drop.Open(dir, drop.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if f := d.File("P003-8-12-00.sbn"); f.Verified || f.VerifyErr() != "" {
			t.Errorf("size %d: no trust: %v %q", size, f.Verified, f.VerifyErr())
		}
	}
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "drop")
	defer os.RemoveAll(dir)
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		panic(err)
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		panic(err)
	}
	sbn := d.File("P003-8-12-00.sbn")
	fmt.Println(sbn.Kind, sbn.Header().FileName, sbn.PayloadSHA256() == d.File("P003-8-12-00.bin").SHA256)
	for _, p := range d.Phones() {
		fmt.Println(p.Models, p.Source, p.Load, len(p.Files), len(p.Missing))
	}
	// Output:
	// image-sbn P003-8-12-00.sbn true
	// [7940 7960] OS79XX.TXT P003-8-12-00 2 0
	// [7940 7960] SIPDefault.cnf P0S3-8-12-00 3 0
	// [7940] XMLDefault.cnf.xml P0S3-8-12-00 3 0
	// [7960] XMLDefault.cnf.xml P0S3-8-12-00 3 0
}

// BenchmarkOpen measures Open over a 7940 drop with three 8 MiB images
// (scripts/bench-inspect.sh compares a 200 MB drop with sha256sum).
func BenchmarkOpen(b *testing.B) {
	for _, c := range []struct {
		name string
		zip  bool
	}{{"dir", false}, {"zip", true}} {
		b.Run(c.name, func(b *testing.B) {
			o := fixture.Options{ImageSize: 8 << 20}
			path := filepath.Join(b.TempDir(), "drop")
			var err error
			if c.zip {
				path += ".zip"
				err = fixture.WriteZip(path, fixture.SIP7940, o)
			} else {
				err = fixture.WriteDir(path, fixture.SIP7940, o)
			}
			if err != nil {
				b.Fatal(err)
			}
			d, err := drop.Open(path, drop.OpenOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(d.Size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := drop.Open(path, drop.OpenOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestPhonesUseValuesAsPhonesDo(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	// An extension in image_version is a classic mistake: the phone asks
	// for <value>.loads, which is not there.
	if err := fixture.Replace(dir, "SIPDefault.cnf", "image_version: P0S3-8-12-00", "image_version: P0S3-8-12-00.loads"); err != nil {
		t.Fatal(err)
	}
	// OS79XX.TXT's image is <name>.sbn for phones on a signed image and
	// <name>.bin for earlier ones (cisco.DirectImageFile), whatever the
	// root holds: with the .bin gone, the .sbn does not stand in for it.
	if err := os.Remove(filepath.Join(dir, "P003-8-12-00.bin")); err != nil {
		t.Fatal(err)
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]drop.Fetch{}
	for _, p := range d.Phones() {
		got[p.Setting] = p.Files
	}
	want := map[string][]drop.Fetch{
		"OS79XX.TXT":       {{Name: "P003-8-12-00.sbn", Present: true}, {Name: "P003-8-12-00.bin"}},
		"image_version":    {{Name: "P0S3-8-12-00.loads.loads"}},
		"loadInformation8": {{Name: "P0S3-8-12-00.loads", Present: true}, {Name: "P003-8-12-00.sbn", Present: true, Via: "P0S3-8-12-00.loads"}, {Name: "P0S3-8-12-00.sb2", Present: true, Via: "P0S3-8-12-00.loads"}},
		"loadInformation7": {{Name: "P0S3-8-12-00.loads", Present: true}, {Name: "P003-8-12-00.sbn", Present: true, Via: "P0S3-8-12-00.loads"}, {Name: "P0S3-8-12-00.sb2", Present: true, Via: "P0S3-8-12-00.loads"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fetches (-want +got):\n%s", diff)
	}
}

// A live TFTP root carries publish's journal; it is not part of the root,
// so inspect and check must not list it.
func TestOpenSkipsPublishJournal(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	clean, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hist := filepath.Join(dir, drop.StateDir, "history", "1")
	if err := os.MkdirAll(hist, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, drop.StateDir, "state.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(hist, "journal.json"), []byte("{}"), 0o644)
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, f := range d.Files {
		got = append(got, f.Name)
	}
	for _, f := range clean.Files {
		want = append(want, f.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if r := check.Run(d, check.Options{}); len(r.Findings) != 0 {
		t.Errorf("check of a published root has findings: %+v", r.Findings)
	}
}
