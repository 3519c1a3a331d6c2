package drop_test

import (
	"os"
	"path/filepath"
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
		if f.Data != nil {
			t.Errorf("%s: Data kept (%d bytes)", f.Name, len(f.Data))
		}
		if len(f.SHA256) != 64 || len(f.Problems) != 0 {
			t.Errorf("%s: sha %q, problems %v", f.Name, f.SHA256, f.Problems)
		}
	}
	if a.SIP == nil || len(a.SIP.Entries) != 2 || x.XML == nil || len(x.XML.Entries) != 2 || len(x.XML.Loads) != 1 {
		t.Fatalf("parsed: %+v %+v", a.SIP, x.XML)
	}
	if e, ok := a.SIP.Get("line1_name"); !ok || e.Value != "1001" || e.Line != 2 {
		t.Errorf("line1_name = %+v, %v", e, ok)
	}
	same := func(what, s, t2 string) {
		if s != t2 || unsafe.StringData(s) != unsafe.StringData(t2) {
			t.Errorf("%s: %q and %q not one string", what, s, t2)
		}
	}
	same("SIP name", a.SIP.Entries[0].Name, b.SIP.Entries[0].Name)
	same("SIP load", a.SIP.Entries[0].Value, b.SIP.Entries[0].Value)
	same("XML path", x.XML.Entries[1].Name, y.XML.Entries[1].Name)
	same("XML value", x.XML.Entries[1].Value, y.XML.Entries[1].Value)
	same("XML load", x.XML.Loads[0].Value, a.SIP.Entries[0].Value)

	// Text that is not per-phone keeps its bytes (profile-stale compiles them).
	if f := d.File("OS79XX.TXT"); f == nil || f.Kind != cisco.KindOS79XX || len(f.Data) == 0 {
		t.Errorf("OS79XX.TXT lost its Data: %+v", f)
	}

	// Rows of phones naming the same load resolve alike; appending to one
	// must not show in another.
	var rows []*drop.PhoneLoad
	for i := range d.Phones {
		if p := &d.Phones[i]; p.MAC != "" {
			rows = append(rows, p)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("%d per-phone rows, want 4: %+v", len(rows), d.Phones)
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
