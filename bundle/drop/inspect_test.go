package drop_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/fixture"
)

// The -update flag rewrites the golden files:
// go test ./bundle -run InspectGolden -update. Another test file of the
// package may define the flag first; then it is shared.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func updating() bool { return flag.Lookup("update").Value.String() == "true" }

// TestInspectGolden pins the whole `inspect --json` view of every generated
// drop family: kinds, load names, headers, hashes, parsed content, phones.
func TestInspectGolden(t *testing.T) {
	for _, fam := range fixture.Families() {
		t.Run(string(fam), func(t *testing.T) {
			dir := writeDrop(t, fam, fixture.Options{})
			d, err := drop.Open(dir, drop.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in, err := drop.Inspect(d, false)
			if err != nil {
				t.Fatal(err)
			}
			in.Path = string(fam) // the temporary directory differs per run
			var got bytes.Buffer
			enc := json.NewEncoder(&got)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(in); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "inspect", string(fam)+".json")
			if updating() {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func TestInspectRedacts(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7912, fixture.Options{})
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := drop.Inspect(d, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []cisco.ConfigEntry
	for _, f := range in.Files {
		if f.Name == "gk000d28a1b2c3.txt" {
			got = f.Profile.Params
		}
	}
	want := []cisco.ConfigEntry{
		{Name: "UID", Value: "2001", Line: 2},
		{Name: "PWD", Value: drop.Redacted, Line: 3},
		{Name: "LoginID", Value: "2001", Line: 4},
		{Name: "DisplayName", Value: "Front Desk", Line: 5},
		{Name: "UIPassword", Value: drop.Redacted, Line: 6},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	// The compiled twin, read without a tag table, names records by tag:
	// the values secret in the source are hidden there too.
	for _, f := range in.Files {
		if f.Name != "gk000d28a1b2c3" {
			continue
		}
		for _, p := range f.Profile.Params {
			if p.Value == "lab-2001" || p.Value == "1234" {
				t.Errorf("gk000d28a1b2c3 prints a secret: %+v", p)
			}
		}
	}
	// The Drop itself keeps the values: check needs them.
	if p := d.File("gk000d28a1b2c3.txt").Profile().Params[1]; p.Value != "lab-2001" {
		t.Errorf("Drop lost the value: %+v", p)
	}
}

// TestInspectSchemaDocumented keeps docs/inspect.md honest: every key of
// the golden inspect JSON (plus the keys only --trust, problems and phones
// with missing files produce) is documented there as `key`.
func TestInspectSchemaDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "inspect.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{"verified": true, "verify_error": true, "unverified": true, "missing": true, "offset": true,
		"header_error": true, "payload_matches_bin": true, "schema": true, "drops": true, "errors": true, "error": true}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				keys[k] = true
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "inspect", "*.json"))
	if len(golden) == 0 {
		t.Fatal("no golden files")
	}
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		walk(v)
	}
	for k := range keys {
		if !bytes.Contains(doc, []byte("`"+k+"`")) {
			t.Errorf("docs/inspect.md does not document the key %q", k)
		}
	}
}

// TestInspectPhonesFetchCompiledProfiles: 7912s fetch gkdefault.cfg, never
// gkdefault.txt. With the compiled profile there its row is the summary;
// without it, the .txt's row says the phone finds no profile.
func TestInspectPhonesFetchCompiledProfiles(t *testing.T) {
	dir := writeDrop(t, fixture.SIP7912, fixture.Options{ImageSize: 4096})
	rows := func() []string {
		d, err := drop.Open(dir, drop.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range d.Phones() {
			var fetch []string
			for _, f := range p.Files {
				fetch = append(fetch, fmt.Sprintf("%s present=%v", f.Name, f.Present))
			}
			out = append(out, fmt.Sprintf("%s:%d %s → %s", p.Source, p.Line, p.Load, strings.Join(fetch, ", ")))
		}
		return out
	}
	want := []string{"gkdefault.cfg:0 CP7912080001SIP060412A.sbin → CP7912080001SIP060412A.sbin present=true"}
	if diff := cmp.Diff(want, rows()); diff != "" {
		t.Errorf("compiled root (-want +got):\n%s", diff)
	}
	if err := fixture.Remove(dir, "gkdefault.cfg"); err != nil {
		t.Fatal(err)
	}
	want = []string{"gkdefault.txt:3 CP7912080001SIP060412A.sbin → gkdefault.cfg present=false"}
	if diff := cmp.Diff(want, rows()); diff != "" {
		t.Errorf("templates only (-want +got):\n%s", diff)
	}
}
