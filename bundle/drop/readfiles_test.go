package drop_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
)

// readAll collects name=content of the files ReadFiles hands fn.
func readAll(d *drop.Drop, names ...string) ([]string, error) {
	var got []string
	err := d.ReadFiles(names, func(e container.Entry, r io.Reader) error {
		b, err := io.ReadAll(r)
		got = append(got, e.Name+"="+string(b))
		return err
	})
	return got, err
}

// TestReadFilesDirectory: a directory's named files are read again by
// name, in name order, without the rest of the tree (a file removed and
// one swapped for a link since Open, which a walk refuses, do not
// matter); names that are
// not files of the drop are skipped; a named file changed since Open is
// refused as a walk refuses it.
func TestReadFilesDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"a.txt": "A", "sub/b.txt": "BB", "c.txt": "CCC", "gone.txt": "x", "swapped.txt": "y"}
	for n, s := range files {
		p := filepath.Join(dir, filepath.FromSlash(n))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "gone.txt"))
	os.Remove(filepath.Join(dir, "swapped.txt"))
	os.Symlink("a.txt", filepath.Join(dir, "swapped.txt"))
	if err := container.Walk(dir, container.Limits{}, func(container.Entry, io.Reader) error { return nil }); !errors.Is(err, container.ErrLink) {
		t.Fatalf("Walk of the tree now: %v, want a link refused: the test would not tell a walk from reading by name", err)
	}
	got, err := readAll(d, "sub/b.txt", "a.txt", "not-there.txt", "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.txt=A", "sub/b.txt=BB"}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}

	for _, tc := range []struct {
		name   string
		change func(p string)
		want   error
	}{
		{"grown", func(p string) { os.WriteFile(p, []byte("CCCC"), 0o644) }, container.ErrChanged},
		{"a link now", func(p string) { os.Remove(p); os.Symlink("a.txt", p) }, container.ErrChanged},
		{"removed", func(p string) { os.Remove(p) }, os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "c.txt"))
			os.WriteFile(filepath.Join(dir, "c.txt"), []byte("CCC"), 0o644)
			tc.change(filepath.Join(dir, "c.txt"))
			got, err := readAll(d, "a.txt", "c.txt")
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadFiles: %v, want errors.Is %v", err, tc.want)
			}
			if !slices.Equal(got, []string{"a.txt=A"}) {
				t.Errorf("fn saw %q before the error, want a.txt only", got)
			}
		})
	}
}

// TestReadFilesArchiveLimits: a zip opened with raised limits (more
// entries than a drop's default) is read again with those limits, not
// the defaults, which would refuse it.
func TestReadFilesArchiveLimits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	const n = 1500 // over DefaultLimits.MaxFiles
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("SEP%012X.cnf.xml", i))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "<device><description>%d</description></device>\n", i)
	}
	zw.Close()
	f.Close()
	if n <= container.DefaultLimits.MaxFiles {
		t.Fatalf("%d entries are within the default limits (%d): the test proves nothing", n, container.DefaultLimits.MaxFiles)
	}
	d, err := drop.Open(p, drop.OpenOptions{Limits: container.Limits{MaxFiles: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(d, "SEP0000000005DB.cnf.xml", "SEP000000000001.cnf.xml")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SEP000000000001.cnf.xml=<device><description>1</description></device>\n", "SEP0000000005DB.cnf.xml=<device><description>1499</description></device>\n"}
	if !slices.Equal(got, want) {
		t.Errorf("read %q, want %q", got, want)
	}
}
