package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zip"

	bc "github.com/phoneload/phoneload/internal/badcontainer"
)

// zipDirEntries reads data's central directory with ZipDir.
func zipDirEntries(data []byte, max int) (*ZipDir, []ZipEntry, error) {
	d, err := OpenZipDir("f.zip", bytes.NewReader(data), int64(len(data)), max)
	if err != nil {
		return nil, nil, err
	}
	var es []ZipEntry
	err = d.Each(func(e ZipEntry) error { es = append(es, e); return nil })
	return d, es, err
}

// sameAsArchiveZip compares what ZipDir read of data with what
// klauspost's zip.Reader reads: names, method, flags, CRC, sizes, mode,
// time, name encoding and where each entry's data starts.
func sameAsArchiveZip(t *testing.T, data []byte, d *ZipDir, es []ZipEntry) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		t.Fatalf("ZipDir read %d entries, archive/zip refuses the zip: %v", len(es), err)
	}
	type rec struct {
		Name          string
		Method, Flags uint16
		CRC32         uint32
		CSize, Size   int64
		Mode          string
		ModTime       time.Time
		NonUTF8       bool
		Data          int64
		DataErr       bool
	}
	var want, got []rec
	for _, f := range zr.File {
		off, err := f.DataOffset()
		want = append(want, rec{f.Name, f.Method, f.Flags, f.CRC32, int64(f.CompressedSize64), int64(f.UncompressedSize64),
			f.Mode().String(), f.Modified.UTC(), f.NonUTF8, off, err != nil})
	}
	for _, e := range es {
		off, err := d.DataOffset(e)
		if err != nil {
			// ZipDir checks the local header against the central one
			// (archive/zip only finds its length): compare where it
			// says the data is.
			var l [zipLocalHeaderLen]byte
			if _, rerr := bytes.NewReader(data).ReadAt(l[:], e.Offset); rerr == nil && string(l[:4]) == "PK\x03\x04" {
				off, err = e.Offset+zipLocalHeaderLen+int64(binary.LittleEndian.Uint16(l[26:]))+int64(binary.LittleEndian.Uint16(l[28:])), nil
			}
		}
		got = append(got, rec{e.Name, e.Method, e.Flags, e.CRC32, e.CompressedSize, e.Size,
			e.Mode.String(), e.ModTime, e.NonUTF8, off, err != nil})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("ZipDir differs from archive/zip (-archive/zip +ZipDir):\n%s", diff)
	}
}

// TestZipDirMatchesArchiveZip: on valid zips (from other tools, from
// archive/zip's writer with comments, data descriptors, extended
// timestamps, directories, zip64 sizes; from the bad-container corpus),
// ZipDir reads what archive/zip reads, entry for entry.
func TestZipDirMatchesArchiveZip(t *testing.T) {
	inputs := map[string][]byte{}
	files, _ := filepath.Glob("../../testdata/interop/*.zip")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(p)] = b
	}
	for _, c := range append(bc.Cases(), bc.Good()...) {
		if strings.HasSuffix(c.File, ".zip") {
			inputs["badcontainer/"+c.File] = c.Data
		}
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.SetComment("a comment, PK\x05\x06 inside")
	for i, h := range []zip.FileHeader{
		{Name: "dir/", Method: zip.Store},
		{Name: "dir/a.cnf.xml", Method: zip.Deflate, Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
		{Name: "stored.bin", Method: zip.Store, Modified: time.Date(2001, 2, 3, 4, 5, 6, 0, time.FixedZone("x", 3600))},
		{Name: "ünïcode.txt", Method: zip.Deflate, Comment: "comment"},
		{Name: "old-dos-time.txt", Method: zip.Deflate, ModifiedTime: 0x6000, ModifiedDate: 0x5821},
	} {
		h.SetMode(0o640)
		if strings.HasSuffix(h.Name, "/") {
			h.SetMode(0o755 | os.ModeDir)
		}
		w, err := zw.CreateHeader(&h)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, "/") {
			fmt.Fprintf(w, "file %d %s\n", i, strings.Repeat("x", i*100))
		}
	}
	// A raw entry with a zip64 extra field for both sizes.
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "raw", Method: zip.Store, CRC32: 0x8587d865, CompressedSize64: 4, UncompressedSize64: 4})
	w.Write([]byte("abcd"))
	zw.Close()
	inputs["archive/zip writer"] = b.Bytes()
	var many bytes.Buffer
	writeManyEntryZip(t, &many, 70000)
	inputs["70000 entries, zip64"] = many.Bytes()

	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			d, es, err := zipDirEntries(data, 100000)
			if err != nil {
				if _, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data))); zerr == nil && !strings.Contains(name, "badcontainer/") {
					t.Fatalf("ZipDir refuses a zip archive/zip reads: %v", err)
				}
				return
			}
			sameAsArchiveZip(t, data, d, es)
		})
	}
}

// TestZipDirErrors: damage to the end records or the central directory
// is refused with ErrFormat (ErrTooMany for a count over the limit),
// naming the offset.
func TestZipDirErrors(t *testing.T) {
	good := bc.Zip(bc.ZipFiles("a.cnf", "b.cnf"), nil)
	end := len(good) - zipEndLen
	patch := func(off int, b ...byte) []byte {
		d := bytes.Clone(good)
		copy(d[off:], b)
		return d
	}
	cd := int(good[end+16]) | int(good[end+17])<<8
	for _, c := range []struct {
		name string
		data []byte
		max  int
		err  error
		msg  string
	}{
		{"count over the limit", good, 1, ErrTooMany, "bundle: f.zip: too many files: more than 1 entries (Limits.MaxFiles)"},
		{"count larger than the directory", patch(end+8, 9, 0, 9, 0), 10, ErrFormat, "central directory of 102 bytes too short for 9 entries"},
		{"count smaller than the directory", patch(end+8, 1, 0, 1, 0), 10, ErrFormat, "51 bytes at offset " + fmt.Sprint(cd+51) + " after the 1 central directory records the end record declares"},
		{"directory offset off by one", patch(end+16, byte(cd+1), byte((cd+1)>>8)), 10, ErrFormat, "does not end where the end record is"},
		{"bad record signature", patch(cd, 'X'), 10, ErrFormat, fmt.Sprintf("central directory record 0 at offset %d: bad signature", cd)},
		{"multi-disk", patch(end+4, 1), 10, ErrFormat, "a multi-disk zip"},
		{"saturated offset without zip64", patch(cd+42, 0xff, 0xff, 0xff, 0xff), 10, ErrFormat, "no zip64 extra field"},
		{"zip64 count without a locator", patch(end+10, 0xff, 0xff), 70000, ErrFormat, "no zip64 locator"},
		{"no end record", good[:end], 10, ErrFormat, "zip: not a valid zip file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := zipDirEntries(c.data, c.max)
			if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "bundle: f.zip: ") {
				t.Fatalf("err %v; want %v naming f.zip and %q", err, c.err, c.msg)
			}
		})
	}
}

// TestZipDirOpen: Open reads an entry, checking its local header, size
// and CRC-32.
func TestZipDirOpen(t *testing.T) {
	data := bc.Zip([]bc.ZipEntry{{Name: "a.txt", Data: []byte("hello, hello, hello\n"), Deflate: true}, {Name: "b.bin", Data: []byte("raw")}}, nil)
	d, es, err := zipDirEntries(data, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		r, closeFn, err := d.Open(e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		closeFn()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Name+"="+string(b))
	}
	if diff := cmp.Diff([]string{"a.txt=hello, hello, hello\n", "b.bin=raw"}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	e := es[1]
	e.CRC32 ^= 1
	if _, _, err := d.Open(e); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "local header says") {
		t.Fatalf("CRC differing from the local header's: %v", err)
	}
}

// FuzzZipDir: any bytes ZipDir reads, archive/zip reads the same way
// (the differential above, on whatever the fuzzer makes); any it refuses
// are refused with an *EntryError, never a panic.
func FuzzZipDir(f *testing.F) {
	seedCorpus(f, func(name string) bool { return strings.HasSuffix(name, ".zip") })
	f.Fuzz(func(t *testing.T, data []byte) {
		d, es, err := zipDirEntries(data, 1000)
		if err != nil {
			if !isEntryError(err) {
				t.Fatalf("error that names no entry: %v", err)
			}
			return
		}
		if len(es) != d.Len() {
			t.Fatalf("%d entries, Len %d", len(es), d.Len())
		}
		sameAsArchiveZip(t, data, d, es)
	})
}
