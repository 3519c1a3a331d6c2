package drop_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/fixture"
)

// TestArchiveSummaries: the per-phone files of a zip or plain tar are
// summarised as a directory's are (File.Phone, no settings, no More), and
// Drop.Config reads them again from the archive at the place Walk found
// them, refusing one whose bytes changed since Open. A tar stream (tar.gz,
// tar inside a zip) cannot be read again file by file, nor can a spooled
// stdin (KeepSettings): their files keep every setting.
func TestArchiveSummaries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "root")
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteLineConfigs(dir, 3, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "SEP000D28AA0009.cnf.xml"), []byte("<device>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<userLocale>English_United_States</userLocale>\n</device>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	zipPath, tarPath := filepath.Join(tmp, "root.zip"), filepath.Join(tmp, "root.tar")
	if err := fixture.ZipTree(dir, zipPath); err != nil {
		t.Fatal(err)
	}
	if err := fixture.TarTree(dir, tarPath); err != nil {
		t.Fatal(err)
	}
	want, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{zipPath, tarPath} {
		d, err := drop.Open(path, drop.OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range d.Files {
			w := want.File(f.Name)
			if (f.Phone != nil) != (w.Phone != nil) || f.SHA256 != w.SHA256 {
				t.Errorf("%s: %s: Phone %v, dir's %v", path, f.Name, f.Phone, w.Phone)
			}
			if f.Phone == nil {
				continue
			}
			n++
			if f.More != nil {
				t.Errorf("%s: %s: More kept: %+v", path, f.Name, f.More)
			}
			sip, xml, err := d.Config(f)
			if err != nil {
				t.Fatalf("%s: Config(%s): %v", path, f.Name, err)
			}
			wsip, wxml, err := want.Config(w)
			if err != nil {
				t.Fatal(err)
			}
			if (sip == nil) != (wsip == nil) || (xml == nil) != (wxml == nil) ||
				sip != nil && len(sip.Entries) != len(wsip.Entries) || xml != nil && len(xml.Entries) != len(wxml.Entries) {
				t.Errorf("%s: Config(%s) = %+v %+v, dir's %+v %+v", path, f.Name, sip, xml, wsip, wxml)
			}
		}
		if n < 4 {
			t.Errorf("%s: %d files summarised, want at least 4", path, n)
		}
	}

	// A changed archive: the file is refused, not parsed as if it were
	// the one read. Here the zip is rewritten with one file changed (its
	// size kept), and the tar overwritten in place.
	d, err := drop.Open(zipPath, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	td, err := drop.Open(tarPath, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	name := "SEP000D28AA0009.cnf.xml"
	body, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(body), "12-00", "12-01", 1)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fixture.ZipTree(dir, zipPath); err != nil {
		t.Fatal(err)
	}
	tb, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(tb), string(body))
	if i < 0 {
		t.Fatal("tar does not hold the file's bytes")
	}
	copy(tb[i:], changed)
	if err := os.WriteFile(tarPath, tb, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*drop.Drop{d, td} {
		f := d.File(name)
		if f == nil || f.Phone == nil {
			t.Fatalf("%s: %s not summarised", d.Path, name)
		}
		if _, _, err := d.Config(f); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
			t.Errorf("%s: Config of a changed file: %v", d.Path, err)
		}
		if _, err := drop.Inspect(d, false); err == nil {
			t.Errorf("%s: Inspect of a changed file succeeded", d.Path)
		}
	}

	// Streams and KeepSettings: every setting kept, nothing read again.
	gz, tiz := filepath.Join(tmp, "root.tar.gz"), filepath.Join(tmp, "root-tar.zip")
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(tb)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gz, zb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteTarInZip(tiz, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		opts drop.OpenOptions
	}{{gz, drop.OpenOptions{}}, {tiz, drop.OpenOptions{}}, {tarPath, drop.OpenOptions{KeepSettings: true}}, {dir, drop.OpenOptions{KeepSettings: true}}} {
		d, err := drop.Open(c.path, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		parsed := 0
		for _, f := range d.Files {
			if f.Phone != nil {
				t.Errorf("%s: %s summarised", c.path, f.Name)
			}
			if f.SIP() != nil || f.XML() != nil {
				parsed++
			}
		}
		if parsed == 0 {
			t.Errorf("%s: no configuration parsed", c.path)
		}
	}
}

// TestArchiveSummaryHeap guards the live heap of a zip's drop: with its
// per-phone files summarised it keeps about what the directory's keeps
// (main kept 500 bytes a file more for the zip: every setting parsed).
func TestArchiveSummaryHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 20,000 files")
	}
	dir := filepath.Join(t.TempDir(), "root")
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	const phones = 20_000
	if err := fixture.WriteLineConfigs(dir, phones, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "root.zip")
	if err := fixture.ZipTree(dir, zipPath); err != nil {
		t.Fatal(err)
	}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	lim := container.Limits{MaxFiles: 1 << 20}
	kept := func(path string) int64 {
		base := heap()
		d, err := drop.Open(path, drop.OpenOptions{Limits: lim})
		if err != nil {
			t.Fatal(err)
		}
		n := heap() - base
		runtime.KeepAlive(d)
		return n / int64(len(d.Files))
	}
	dirPer, zipPer := kept(dir), kept(zipPath)
	t.Logf("live heap per file: directory %d B, zip %d B", dirPer, zipPer)
	// The zip adds its names (one allocation each, where a directory's
	// share an arena) and an offset per file.
	if zipPer > dirPer+64 {
		t.Errorf("zip keeps %d B a file, directory %d: over 64 more", zipPer, dirPer)
	}
}

// TestOpenLargeZipContainer: a zip of more entries than DetectContainer
// admits by default, opened with the limit raised, is a "zip" (it was "",
// printed "file" by inspect, before DetectContainerLimits).
func TestOpenLargeZipContainer(t *testing.T) {
	dir := t.TempDir()
	if err := fixture.WriteLineConfigs(dir, container.DefaultLimits.MaxFiles+1, "English_United_States"); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "root.zip")
	if err := fixture.ZipTree(dir, zipPath); err != nil {
		t.Fatal(err)
	}
	if _, err := container.DetectContainer(zipPath); !errors.Is(err, container.ErrTooMany) {
		t.Errorf("DetectContainer: %v, want ErrTooMany", err)
	}
	lim := container.Limits{MaxFiles: 1 << 20}
	if kind, err := container.DetectContainerLimits(zipPath, lim); kind != container.ContainerZip || err != nil {
		t.Errorf("DetectContainerLimits: %q, %v", kind, err)
	}
	d, err := drop.Open(zipPath, drop.OpenOptions{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if d.Container != container.ContainerZip || len(d.Files) <= container.DefaultLimits.MaxFiles {
		t.Errorf("Container %q, %d files", d.Container, len(d.Files))
	}
}
