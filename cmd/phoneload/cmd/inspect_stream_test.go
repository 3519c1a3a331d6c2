package cmd

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
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
				in, err := drop.Inspect(d, false)
				if err != nil {
					t.Fatal(err)
				}
				doc.Drops = append(doc.Drops, in)
				if err := s.drop(drop.InspectHead(d, false), func(row func(drop.InspectFile) error) error { return drop.InspectFiles(d, false, row) }, d.EachPhone); err != nil {
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

// TestInspectBriefSameText: the text view of a root whose per-phone files
// Open summarised is the same from drop.InspectBrief (no file parsed
// again) as from drop.Inspect, folded or not.
func TestInspectBriefSameText(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "root")
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteLineConfigs(dir, 40, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"SIP000D28AA0001.cnf":     "image_version: P0S3-8-12-00\nline1_name: 1\n",
		"MGC000D28AA0002.cnf":     "image_version: P0030301MGCP0800\n",
		"SEP000D28AA0003.cnf.xml": "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<loadInformation>P0S3-8-11-00</loadInformation>\n</device>\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	full, err := drop.Inspect(d, false)
	if err != nil {
		t.Fatal(err)
	}
	brief, err := drop.InspectBrief(d, false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range brief.Files {
		if f.Phone != nil {
			n++
			if f.SIP != nil || f.XML != nil {
				t.Errorf("%s: brief row parsed again", f.Name)
			}
		}
	}
	if n < 40 {
		t.Fatalf("%d brief rows, want every per-phone file", n)
	}
	for _, verb := range []cli.Verbosity{cli.Normal, cli.Verbose} {
		var a, b bytes.Buffer
		if err := writeInspectionOld(&a, full, false, verb); err != nil {
			t.Fatal(err)
		}
		if err := writeInspectionOld(&b, brief, false, verb); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("verbosity %v: brief text differs:\n%s\nwant:\n%s", verb, b.String(), a.String())
		}
		if verb == cli.Verbose && !strings.Contains(a.String(), "image_version P0S3-8-12-00, 2 settings") {
			t.Errorf("the text does not show a summarised file's notes:\n%s", a.String())
		}
	}
}
