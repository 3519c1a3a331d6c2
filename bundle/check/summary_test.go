package check_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
)

// fullParse opens a directory with every per-phone file's settings kept:
// a Served mapping (the identity here) turns Open's summaries off.
var fullParse = drop.OpenOptions{Served: func(paths []string) map[string]string {
	m := make(map[string]string, len(paths))
	for _, p := range paths {
		m[p] = p
	}
	return m
}, Limits: container.Limits{CaseAliases: true}}

// TestSummariesJudgeAlike: per-phone configuration files summarised by
// Open (drop.PhoneConfig, issue 16) give the very report their whole
// parsed settings give, on per-phone files that trip every rule reading
// them, and on the real roots; each as a directory, a zip and a tar.
func TestSummariesJudgeAlike(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "root")
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteLineConfigs(dir, 6, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		// duplicates, one secret; image_version twice; a dial template with its extension
		"SIP000D28AA0001.cnf": "image_version: P0S3-8-11-00\nline1_name: 1\nline1_name: 2\nline1_password: a\nLINE1_PASSWORD: b\nimage_version: P0S3-8-12-00\ndial_template: dialplan.xml\nbad line\n",
		// a missing dial template, the same value again (not a duplicate)
		"SIP000D28AA0002.cnf": "image_version: P0S3-8-12-00\ndial_template: nosuch\nline1_name: 3\nline1_name: 3\n",
		"MGC000D28AA0003.cnf": "image_version: P0030301MGCP0800\nmgcp_port: 1\nmgcp_port: 2\n",
		// loadInformation twice, a model attribute naming another model, a dialTemplate missing
		"SEP000D28AA0004.cnf.xml":     "<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<loadInformation>P0S3-8-11-00</loadInformation>\n<dialTemplate>nosuch.xml</dialTemplate>\n</device>\n",
		"SEP000D28AA0005.cnf.xml":     "<device>\n<loadInformation8 model=\"IP Phone 7960\">P0S3-8-12-00</loadInformation8>\n<x>\n</device>\n",
		"sub/SEP000D28AA0006.cnf.xml": "<device>\n<loadInformation>term41.default</loadInformation>\n</device>\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	roots := []string{dir}
	if rw := conformance.RealWorldPath(); rw != "" {
		for _, r := range realRoots {
			roots = append(roots, filepath.Join(rw, filepath.FromSlash(r)))
		}
	}
	archive := container.Limits{MaxFiles: 1 << 20, MaxTotalSize: 1 << 34, MaxFileSize: 1 << 32}
	for i, root := range roots {
		// The root as a directory, and zipped and tarred: Open
		// summarises the per-phone files of all three, and
		// Drop.Config reads them again from the archive.
		forms := []struct{ path, kind string }{{root, container.ContainerDir}}
		for _, a := range []struct {
			kind  string
			write func(dir, path string) error
		}{{container.ContainerZip, fixture.ZipTree}, {container.ContainerTar, fixture.TarTree}} {
			p := filepath.Join(t.TempDir(), strconv.Itoa(i)+"."+a.kind)
			if err := a.write(root, p); err != nil {
				t.Fatal(err)
			}
			forms = append(forms, struct{ path, kind string }{p, a.kind})
		}
		for _, form := range forms {
			sumOpts, fullOpts := drop.OpenOptions{Limits: fullParse.Limits}, fullParse
			if form.kind != container.ContainerDir {
				sumOpts = drop.OpenOptions{Limits: archive}
				fullOpts = drop.OpenOptions{Limits: archive, KeepSettings: true}
			}
			name := root + " (" + form.kind + ")"
			summariesAlike(t, name, form.path, root == dir, sumOpts, fullOpts)
		}
	}
}

// summariesAlike opens path twice, summarised and whole, and compares
// the check reports, phone rows and inspect views of the two.
func summariesAlike(t *testing.T, name, path string, generated bool, sumOpts, fullOpts drop.OpenOptions) {
	t.Helper()
	sum, err := drop.Open(path, sumOpts)
	if err != nil && !generated {
		// An archive refuses what a root may keep (case aliases).
		t.Logf("%s: %v", name, err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	full, err := drop.Open(path, fullOpts)
	if err != nil && !generated {
		// A served view refuses what a root may keep (case aliases).
		t.Logf("%s: %v", name, err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	summarised := 0
	for _, f := range sum.Files {
		if f.Phone != nil {
			summarised++
		}
	}
	for _, f := range full.Files {
		if f.Phone != nil {
			t.Fatalf("%s: %s summarised in the whole view", name, f.Name)
		}
	}
	if generated && summarised < 10 {
		t.Errorf("%s: %d files summarised", name, summarised)
	}
	a, b := check.Run(sum, check.Options{}), check.Run(full, check.Options{})
	if generated && len(b.Findings) < 8 {
		t.Errorf("%s: the root trips only %d findings: %+v", name, len(b.Findings), b.Findings)
	}
	if diff := cmp.Diff(b, a); diff != "" {
		t.Errorf("%s: report (-whole +summarised):\n%s", name, diff)
	}
	if diff := cmp.Diff(full.Phones(), sum.Phones()); diff != "" {
		t.Errorf("%s: phones (-whole +summarised):\n%s", name, diff)
	}
	ia, err := drop.Inspect(sum, false)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := drop.Inspect(full, false)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ib, ia); diff != "" {
		t.Errorf("%s: inspect (-whole +summarised):\n%s", name, diff)
	}
}
