package cmd

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/fixture"
)

// The streamed `inspect --json` document must be the bytes cli.WriteJSON
// writes for the whole document: no drop, an empty drop, drops with
// files (names and settings with characters HTML escaping would change),
// and errors.
func TestInspectStreamSameBytes(t *testing.T) {
	dir := t.TempDir()
	sip := filepath.Join(dir, "sip")
	if err := fixture.Main([]string{"-size", "64K", "sip7940", sip}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"SEP000D28000001.cnf.xml": "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<description>a <&> b</description>\n</device>\n",
		"SIP000D28000002.cnf":     "line1_name: 1000\nline1_password: \"lab-<1>\"\n",
		"x&<y>.txt":               "?",
	} {
		if err := os.WriteFile(filepath.Join(sip, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	open := func(p string) *drop.Drop {
		d, err := drop.Open(p, drop.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	errs := []inspectError{{Path: "nope<&>", Error: "stat nope: no such file"}}
	for _, tt := range []struct {
		name  string
		drops []*drop.Drop
		errs  []inspectError
	}{
		{"none", nil, []inspectError{}},
		{"errors only", nil, errs},
		{"empty drop", []*drop.Drop{open(empty)}, []inspectError{}},
		{"one drop", []*drop.Drop{open(sip)}, []inspectError{}},
		{"two drops and an error", []*drop.Drop{open(sip), open(empty)}, errs},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := inspectJSON{Schema: drop.InspectSchema, Drops: []*drop.Inspection{}, Errors: tt.errs}
			var got bytes.Buffer
			s := &inspectStream{w: bufio.NewWriter(&got)}
			s.begin()
			for _, d := range tt.drops {
				doc.Drops = append(doc.Drops, drop.Inspect(d, false))
				if err := s.drop(drop.InspectHead(d, false), func(row func(drop.InspectFile) error) error { return drop.InspectFiles(d, false, row) }); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.end(tt.errs); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := cli.WriteJSON(&want, doc); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.String(), got.String()); d != "" {
				t.Errorf("streamed document differs (-whole +streamed):\n%s", d)
			}
		})
	}
}
