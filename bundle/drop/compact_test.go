package drop_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/fixture"
)

// TestOpenCompactsPerPhoneFiles pins what Open keeps of per-phone
// configuration files (issue 16): their parsed settings, not their bytes,
// with the settings repeated across phones sharing one string, and rows
// that share their fetch lists still independent for callers.
func TestOpenCompactsPerPhoneFiles(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7940, fixture.Options{})
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("SIP000D28000001.cnf", "image_version: P0S3-8-12-00\nline1_name: 1001 ; first\n")
	write("SIP000D28000002.cnf", "image_version: P0S3-8-12-00\nline1_name: 1002\n")
	write("SEP000D28000003.cnf.xml", "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<userLocale>English_United_States</userLocale>\n</device>\n")
	write("SEP000D28000004.cnf.xml", "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<userLocale>English_United_States</userLocale>\n</device>\n")
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := d.File("SIP000D28000001.cnf"), d.File("SIP000D28000002.cnf")
	x, y := d.File("SEP000D28000003.cnf.xml"), d.File("SEP000D28000004.cnf.xml")
	for _, f := range []*drop.File{a, b, x, y} {
		if f.Data() != nil {
			t.Errorf("%s: Data kept (%d bytes)", f.Name, len(f.Data()))
		}
		if f.SHA256.IsZero() || len(f.Problems()) != 0 {
			t.Errorf("%s: sha %q, problems %v", f.Name, f.SHA256, f.Problems())
		}
	}
	// Per-phone files keep a summary, not their settings; files alike
	// share it.
	if a.SIP() != nil || x.XML() != nil || a.Phone == nil || x.Phone == nil || !a.IsSIP() || !x.IsXML() {
		t.Fatalf("parsed: %+v %+v %+v %+v", a.SIP(), x.XML(), a.Phone, x.Phone)
	}
	if a.Phone != b.Phone || x.Phone != y.Phone || a.Phone == x.Phone {
		t.Errorf("summaries not shared: %p %p %p %p", a.Phone, b.Phone, x.Phone, y.Phone)
	}
	if e, ok := a.ImageVersion(); !ok || e.Value != "P0S3-8-12-00" || e.Line != 1 || a.Phone.Settings != 2 {
		t.Errorf("image_version = %+v, %v (%+v)", e, ok, a.Phone)
	}
	if l := x.XMLLoads(); len(l) != 1 || l[0].Value != "P0S3-8-12-00" || l[0].Line != 2 || x.Phone.Settings != 2 {
		t.Errorf("loads = %+v (%+v)", l, x.Phone)
	}
	same := func(what, s, t2 string) {
		if s != t2 || unsafe.StringData(s) != unsafe.StringData(t2) {
			t.Errorf("%s: %q and %q not one string", what, s, t2)
		}
	}
	iv, _ := a.ImageVersion()
	same("XML load", x.XMLLoads()[0].Value, iv.Value)
	// Every setting is still there when asked for: parsed again.
	sip, _, err := d.Config(a)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := sip.Get("line1_name"); !ok || e.Value != "1001" || e.Line != 2 || len(sip.Entries) != 2 {
		t.Errorf("line1_name = %+v, %v", e, ok)
	}
	_, xml, err := d.Config(y)
	if err != nil || xml == nil || len(xml.Entries) != 2 || xml.Entries[1].Value != "English_United_States" {
		t.Errorf("Config(%s) = %+v, %v", y.Name, xml, err)
	}
	// A file changed since Open is refused, not parsed as if it were the one read.
	write("SIP000D28000002.cnf", "image_version: P0S3-8-12-00\nline1_name: 1003\n")
	if _, _, err := d.Config(b); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Errorf("Config of a changed file: %v", err)
	}

	// Text that is not per-phone keeps its bytes (profile-stale compiles them).
	if f := d.File("OS79XX.TXT"); f == nil || f.Kind != cisco.KindOS79XX || len(f.Data()) == 0 {
		t.Errorf("OS79XX.TXT lost its Data: %+v", f)
	}

	// Rows of phones naming the same load resolve alike; appending to one
	// must not show in another.
	var rows []*drop.PhoneLoad
	phones := d.Phones()
	for i := range phones {
		if p := &phones[i]; p.MAC != "" {
			rows = append(rows, p)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("%d per-phone rows, want 4: %+v", len(rows), phones)
	}
	n := len(rows[1].Files)
	if n == 0 || len(rows[0].Files) != n {
		t.Fatalf("files %v / %v", rows[0].Files, rows[1].Files)
	}
	before := append([]drop.Fetch(nil), rows[1].Files...)
	rows[0].Files = append(rows[0].Files, drop.Fetch{Name: "extra"})
	rows[0].Files[0].Name = "changed"
	if len(rows[1].Files) != n || rows[1].Files[0] != before[0] || cap(rows[1].Files) > n && rows[1].Files[:n+1][n].Name == "extra" {
		t.Errorf("a change to one row's Files shows in another: %v", rows[1].Files)
	}
	// rows[2] and rows[3] are the SIP .cnf rows: 7940 and 7960.
	rows[2].Models = append(rows[2].Models, "7905")
	if len(rows[3].Models) != 2 || rows[3].Models[:cap(rows[3].Models)][len(rows[3].Models)-1] != "7960" || cap(rows[3].Models) > 2 && rows[3].Models[:3][2] == "7905" {
		t.Errorf("an append to one row's Models shows in another: %v", rows[3].Models)
	}
}

// TestFileSmall pins the size of File (issue 16): a root of a million
// per-phone files keeps a million of them, so what few files have lives
// behind File.More, and a per-phone file read from a directory has none.
func TestFileSmall(t *testing.T) {
	if s := unsafe.Sizeof(drop.File{}); s > 80 {
		t.Errorf("File is %d bytes, want at most 80 (an 80-byte size class; Kind is one byte)", s)
	}
	dir := t.TempDir()
	if err := fixture.WriteLineConfigs(dir, 4, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Files {
		if f.More != nil || f.Phone == nil || f.SHA256.IsZero() {
			t.Errorf("%s: More %+v, Phone %v, sha %s", f.Name, f.More, f.Phone, f.SHA256)
		}
	}
}
