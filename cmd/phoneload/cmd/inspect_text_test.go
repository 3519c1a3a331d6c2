package cmd

import (
	"bytes"
	"crypto"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/fixture"
)

// inspectShapes writes drops in the shapes the text view prints
// differently and returns their paths by name.
func inspectShapes(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	add := func(name string, write func(p string) error) {
		p := filepath.Join(dir, name)
		if err := write(p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		paths[name] = p
	}
	files := func(p string, m map[string]string) error {
		for name, body := range m {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(p, name)), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(p, name), []byte(body), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	add("empty", func(p string) error { return os.Mkdir(p, 0o755) })
	for _, f := range fixture.Families() {
		add(string(f), func(p string) error { return fixture.WriteDir(p, f, fixture.Options{}) })
	}
	add("sip7940.zip", func(p string) error { return fixture.WriteZip(p, fixture.SIP7940, fixture.Options{}) })
	add("sip79x1.tar", func(p string) error { return fixture.WriteTar(p, fixture.SIP79x1, fixture.Options{}) })
	add("sccp7940-tar.zip", func(p string) error { return fixture.WriteTarInZip(p, fixture.SCCP7940, fixture.Options{}) })
	add("configs only", func(p string) error {
		return files(p, map[string]string{"SIPDefault.cnf": "image_version: P0S3-8-12-00\n", "OS79XX.TXT": "P003-8-12-00\n"})
	})
	// Per-phone files: many (folded unless Verbose), few (never folded),
	// and phones' own files that disagree (two fold groups and a lone one).
	add("line configs", func(p string) error {
		if err := fixture.WriteDir(p, fixture.SIP7940, fixture.Options{}); err != nil {
			return err
		}
		return fixture.WriteLineConfigs(p, 40, "English_United_States")
	})
	add("few phones", func(p string) error {
		if err := fixture.WriteDir(p, fixture.SIP7940, fixture.Options{}); err != nil {
			return err
		}
		return fixture.WritePhones(p, "", 4)
	})
	add("phones that disagree", func(p string) error {
		if err := fixture.WriteDir(p, fixture.SIP7940, fixture.Options{}); err != nil {
			return err
		}
		if err := fixture.WritePhones(p, "", 9); err != nil {
			return err
		}
		m := map[string]string{"SIP001122FFFFFF.cnf": "image_version: P0S3-8-11-00\n"}
		for i := range 7 {
			m[fmt.Sprintf("SEP0011223300%02X.cnf.xml", i)] = "<device>\n<loadInformation>P0S3-8-13-00</loadInformation>\n</device>\n"
		}
		return files(p, m)
	})
	// Problems of every kind: a part missing, a payload that differs, an
	// image signed as another name, configuration lines that are wrong.
	add("problems", func(p string) error {
		if err := fixture.WriteDir(p, fixture.SIP7940, fixture.Options{}); err != nil {
			return err
		}
		if err := fixture.Remove(p, "P0S3-8-12-00.sb2"); err != nil {
			return err
		}
		if err := fixture.FlipPayloadByte(p, "P003-8-12-00.sbn", 100); err != nil {
			return err
		}
		if err := fixture.Rename(p, "P003-8-12-00.bin", "P003-8-12-01.bin"); err != nil {
			return err
		}
		return files(p, map[string]string{
			"SIP000D28AA0001.cnf":     "image_version P0S3-8-12-00\nline1_name: 1\nnonsense\n",
			"SEP000D28AA0002.cnf.xml": "<device><loadInformation>",
			"OS79XX.TXT":              "\n",
		})
	})
	// Names a terminal must not be handed as they are, wide and combining
	// characters, more unknown files than fold, configuration in a folder.
	add("names", func(p string) error {
		if err := fixture.WriteDir(p, fixture.SIP7940, fixture.Options{}); err != nil {
			return err
		}
		m := map[string]string{
			"电话-ring.raw": strings.Repeat("r", 300), "ring-é.raw": "xx",
			"e\u0301cole.txt": "c", "ＦＵＬＬ.txt": "f", "sub/SIPDefault.cnf": "image_version: P0S3-8-12-00\n",
			"sub/SEP000D28BB0001.cnf.xml": "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n</device>\n",
		}
		for i := range 8 {
			m[fmt.Sprintf("unknown-%d-世界.dat", i)] = strings.Repeat("u", i)
		}
		return files(p, m)
	})
	return paths
}

// TestInspectTextSameBytes: the streamed text view prints the bytes the
// whole Inspection printed through text/tabwriter did (writeInspectionOld),
// for every shape of drop, verbosity, --long, with and without --trust and
// --table.
func TestInspectTextSameBytes(t *testing.T) {
	table, err := cfgfmt.ParseTable("ptag.dat", fixture.ProfileTable())
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range inspectShapes(t) {
		for _, opt := range []struct {
			name string
			opts drop.OpenOptions
		}{
			{"plain", drop.OpenOptions{}},
			{"trust", drop.OpenOptions{Trust: []crypto.PublicKey{&fixture.LabKey().PublicKey}}},
			{"table", drop.OpenOptions{ProfileTable: table}},
		} {
			opt.opts.Limits.CaseAliases = true
			d, err := drop.Open(p, opt.opts)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			verified := len(opt.opts.Trust) > 0
			for _, long := range []bool{false, true} {
				for _, verb := range []cli.Verbosity{cli.Normal, cli.Verbose, cli.Quiet} {
					inspect := drop.InspectBrief
					if long {
						inspect = drop.Inspect
					}
					in, err := inspect(d, verified)
					if err != nil {
						t.Fatal(err)
					}
					var want, got bytes.Buffer
					if err := writeInspectionOld(&want, in, long, verb); err != nil {
						t.Fatal(err)
					}
					if err := writeInspection(&got, d, drop.InspectHead(d, verified), verified, long, verb); err != nil {
						t.Fatal(err)
					}
					if got.String() != want.String() {
						t.Errorf("%s, %s, long %v, verbosity %v: the text differs:\n%s\nwant:\n%s", name, opt.name, long, verb, got.String(), want.String())
					}
				}
			}
		}
	}
}

// The shapes must be what they claim: folds, problems, quoted names.
func TestInspectShapesCover(t *testing.T) {
	paths := inspectShapes(t)
	text := func(name string, verb cli.Verbosity) string {
		d, err := drop.Open(paths[name], drop.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := writeInspection(&b, d, drop.InspectHead(d, false), false, false, verb); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, tc := range []struct{ name, want string }{
		{"line configs", "xml-config (per-device)  20 files: SEP000D28000001.cnf.xml"},
		{"line configs", "7940,7960 (20 phones)  own files loadInformation"},
		{"phones that disagree", "7940,7960 (9 phones)"},
		{"phones that disagree", "7940,7960 (7 phones)"},
		{"phones that disagree", "(001122FFFFFF)"},
		{"problems", "Problems ("},
		{"problems", "MISSING"},
		{"names", "ring        电话-ring.raw"},
		{"names", "unknown  10 files: e\u0301cole.txt, unknown-0-世界.dat"},
		{"names", "no phone reads the files in sub/"},
		{"empty", "nothing: no SIPDefault.cnf"},
	} {
		if s := text(tc.name, cli.Normal); !strings.Contains(s, tc.want) {
			t.Errorf("%s: %q not in\n%s", tc.name, tc.want, s)
		}
	}
	if s := text("line configs", cli.Verbose); strings.Contains(s, "per-device") || !strings.Contains(s, "SEP000D28000027.cnf.xml") {
		t.Errorf("verbose: a fold, or a file missing:\n%s", s)
	}
}

func TestShownNames(t *testing.T) {
	var all []string
	for n := 0; n <= 8; n++ {
		for _, limit := range []int{cli.Shown, 1, 0} {
			kept := all[:min(n, max(limit, cli.Shown))]
			if limit == 0 {
				kept = all
			}
			if got, want := shownNames(kept, n, "file", limit), cli.Names(all, "file", limit); got != want {
				t.Errorf("%d names, limit %d: %q, want %q", n, limit, got, want)
			}
		}
		all = append(all, fmt.Sprintf("f%d", n))
	}
}

// TestInspectTextLiveHeap: printing the text view of a root of many
// per-phone files holds no more than a few bytes a file beyond the drop
// (issue 16): the rows are made and printed one at a time.
//
//	PHONELOAD_HEAP_TREE=/work/trees/t200000 go test -count=1 -run TestInspectTextLiveHeap -v ./cmd/phoneload/cmd
func TestInspectTextLiveHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20,000 files")
	}
	dir, err := fixture.HeapTree(t.TempDir(), 20_000)
	if err != nil {
		t.Fatal(err)
	}
	d, err := drop.Open(dir, drop.OpenOptions{Limits: container.Limits{MaxFiles: 2_000_000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, long := range []bool{false, true} {
		base := liveHeap()
		w := &heapSampler{every: 1}
		if err := writeInspection(w, d, drop.InspectHead(d, false), false, long, cli.Normal); err != nil {
			t.Fatal(err)
		}
		grew := int64(w.peak) - int64(base)
		files := int64(len(d.Files))
		t.Logf("--long %v: %d files, %d MiB printed in %d writes; live heap grew by %d KiB at most = %d B/file", long, files, w.n>>20, w.writes, grew>>10, grew/files)
		if limit := 1<<20 + 8*files; grew > limit {
			t.Errorf("--long %v: the live heap grew by %d bytes while printing, over %d", long, grew, limit)
		}
	}
	runtime.KeepAlive(d)
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// heapSampler discards what is written, noting the live heap every so
// many writes.
type heapSampler struct {
	every, writes int
	n             int64
	peak          uint64
}

func (h *heapSampler) Write(p []byte) (int, error) {
	h.writes++
	h.n += int64(len(p))
	if h.writes%h.every == 0 {
		h.peak = max(h.peak, liveHeap())
	}
	return len(p), nil
}

var _ io.Writer = (*heapSampler)(nil)
