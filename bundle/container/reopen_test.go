package container

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zip"
)

// TestReopener reads every file of a zip (deflated and stored, with data
// descriptors, as Go's writer makes them) and of a plain tar again at the
// Entry.At Walk gave it, and gets the bytes Walk gave; a wrong offset or
// size is refused, and so are containers whose files have no At.
func TestReopener(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"OS79XX.TXT":          "P003-8-12-00\n",
		"SIP000D28000001.cnf": strings.Repeat("line1_name: 1001\n", 100),
		"sub/a.xml":           "<device/>\n",
		"empty":               "",
	}
	names := []string{"OS79XX.TXT", "SIP000D28000001.cnf", "empty", "sub/a.xml"}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for i, n := range names {
		m := zip.Deflate
		if i%2 == 1 {
			m = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Size: int64(len(files[n])), Mode: 0o644})
		io.WriteString(tw, files[n])
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zipPath, tarPath := filepath.Join(dir, "a.zip"), filepath.Join(dir, "a.tar")
	os.WriteFile(zipPath, zb.Bytes(), 0o644)
	os.WriteFile(tarPath, tb.Bytes(), 0o644)
	for _, path := range []string{zipPath, tarPath} {
		re, err := NewReopener(path)
		if err != nil {
			t.Fatal(err)
		}
		var ents []Entry
		err = Walk(path, Limits{}, func(e Entry, r io.Reader) error {
			if e.At <= 0 {
				t.Errorf("%s: %s: At %d", path, e.Name, e.At)
			}
			ents = append(ents, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != len(names) {
			t.Fatalf("%s: %d entries", path, len(ents))
		}
		for _, e := range ents {
			r, closeFn, err := re.Open(e.At, e.Size)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, e.Name, err)
			}
			b, err := io.ReadAll(r)
			if err != nil || string(b) != files[e.Name] {
				t.Errorf("%s: %s: %q, %v", path, e.Name, b, err)
			}
			if err := closeFn(); err != nil {
				t.Error(err)
			}
		}
		// A size other than the entry's.
		e := ents[0]
		if r, closeFn, err := re.Open(e.At, e.Size+1); err == nil {
			_, err = io.ReadAll(r)
			closeFn()
			if err == nil {
				t.Errorf("%s: read %d bytes of a %d-byte file", path, e.Size+1, e.Size)
			}
		}
		if _, _, err := re.Open(0, 1); err == nil {
			t.Errorf("%s: offset 0 opened", path)
		}
	}
	// A zip offset that is no central directory record.
	re, _ := NewReopener(zipPath)
	if _, _, err := re.Open(1, 1); !errors.Is(err, ErrFormat) {
		t.Errorf("zip offset 1: %v", err)
	}
	// Containers read only front to back, or by name.
	var gb bytes.Buffer
	gb.Write([]byte{0x1f, 0x8b})
	gz := filepath.Join(dir, "a.tgz")
	os.WriteFile(gz, gb.Bytes(), 0o644)
	for _, p := range []string{dir, gz} {
		if _, err := NewReopener(p); !errors.Is(err, ErrUnsupported) {
			t.Errorf("NewReopener(%s): %v", p, err)
		}
	}
}
