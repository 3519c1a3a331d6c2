package cfgfmt

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/conformance"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestSipxProfiles compiles the two profiles sipXconfig generates against
// the real tables. Every line must be either encoded or reported with its
// line number and reason; the list of reports is pinned in
// testdata/sipx-*.golden (and explained in docs/cfgfmt.md).
func TestSipxProfiles(t *testing.T) {
	dir := conformance.Dir(t)
	for _, c := range []struct{ profile, table string }{
		{"sipx-7912.txt", "gk-ptag.dat"},
		{"sipx-ata18x.txt", "ata-ptag-3.2.dat"},
	} {
		t.Run(c.profile, func(t *testing.T) {
			tb, err := os.ReadFile(filepath.Join(dir, "ptag", c.table))
			if err != nil {
				t.Fatal(err)
			}
			tab, err := ParseTable(c.table, tb)
			if err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(filepath.Join(dir, "profiles", c.profile))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Compile(tab, c.profile, src, Options{})
			var got bytes.Buffer
			reported := map[int]Severity{}
			for _, d := range res.Diagnostics {
				got.WriteString(d.String() + "\n")
				reported[d.Line] = d.Severity
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(c.profile, ".txt")+".golden")
			if *update {
				os.WriteFile(golden, got.Bytes(), 0o644)
			}
			want, _ := os.ReadFile(golden)
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if err != nil && res.Profile != nil {
				t.Error("errors, yet output bytes")
			}

			// Without the lines that are errors, the rest compiles, and
			// every line not reported is in the output with exactly the
			// bytes it encodes to on its own.
			lines := strings.Split(string(src), "\n")
			for i := range lines {
				if reported[i+1] == SeverityError {
					lines[i] = "# removed"
				}
			}
			res, err = Compile(tab, c.profile, []byte(strings.Join(lines, "\n")), Options{IgnoreProfileKey: true})
			if err != nil {
				t.Fatal(err)
			}
			p, err := Decode(tab, res.Profile, DecodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			byTag := map[int][]byte{}
			for _, r := range p.Records {
				byTag[r.Tag] = r.Value
			}
			encoded := 0
			for i, line := range lines {
				s := strings.TrimSpace(line)
				if s == "" || s[0] == '#' || reported[i+1] != "" {
					continue
				}
				one, err := Compile(tab, "one.txt", []byte("#txt\n"+s+"\n"), Options{IgnoreProfileKey: true})
				if err != nil || len(one.Records) != 1 {
					t.Errorf("line %d %q: alone: %v %v", i+1, s, err, one.Diagnostics)
					continue
				}
				r := one.Records[0]
				if !bytes.Equal(byTag[r.Tag], r.Value) {
					t.Errorf("line %d %q: not in the output as %x", i+1, s, r.Value)
				}
				encoded++
			}
			t.Logf("%s: %d lines encoded, %d reported", c.profile, encoded, len(reported))
		})
	}
}
