package cmd

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/fixture"
)

// The -update flag rewrites the golden files:
// go test ./cmd/phoneload/cmd -run CheckGolden -update
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

// TestCheckGolden pins the human report and the JSON report of one root
// broken several ways at once, with a fleet: grouping, order, wording,
// phones, steps and assumptions.
func TestCheckGolden(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	must(t, fixture.WriteDir(root, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, fixture.Remove(root, "Chirp1.raw"))
	must(t, fixture.Replace(root, "XMLDefault.cnf.xml", `<loadInformation8 model="IP Phone 7940">P0S3-8-12-00`, `<loadInformation8 model="IP Phone 7940">P0S3-8-12-00.loads`))
	must(t, os.WriteFile(filepath.Join(root, "sip000D28A1B2C3.cnf"), []byte("line1_name: 100\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "notes.doc"), []byte("x"), 0o644))
	fleet := filepath.Join(dir, "fleet.csv")
	var csv strings.Builder
	csv.WriteString("mac,model,running-load\n")
	for _, l := range []string{
		"000D28A1B2C3,CP-7940G,P0S3-04-2-00", "000D28A1B2C4,7960,P0S3-04-2-00",
		"000D28A1B2C5,7940,P00304020300", "000D28A1B2C6,7940,P0S30203", "000D28A1B2C7,7912,CP7912080001SIP060412A",
	} {
		csv.WriteString(l + "\n")
	}
	for i := range 10 {
		csv.WriteString("000D28A1C00" + string(rune('0'+i)) + ",7960,P0S3-07-4-00\n")
	}
	must(t, os.WriteFile(fleet, []byte(csv.String()), 0o644))

	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"check-human.golden", []string{"check", "--fleet", fleet, root}},
		{"check-json.golden", []string{"check", "--json", "--fleet", fleet, root}},
	} {
		var out, errb bytes.Buffer
		code := Run(tc.args, strings.NewReader(""), &out, &errb)
		got := strings.ReplaceAll(out.String(), root, "ROOT") + "-- stderr --\n" + strings.ReplaceAll(errb.String(), root, "ROOT")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1", tc.golden, code)
		}
		path := filepath.Join("testdata", tc.golden)
		if flag.Lookup("update").Value.String() == "true" {
			must(t, os.WriteFile(path, []byte(got), 0o644))
			continue
		}
		want, err := os.ReadFile(path)
		must(t, err)
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.golden, diff)
		}
	}
}
