package container

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zip"
)

// writeManyEntryZip writes a valid zip64 of n empty stored entries to w,
// streaming (archive/zip's writer would hold every header in memory).
func writeManyEntryZip(t testing.TB, w io.Writer, n int) {
	bw := bufio.NewWriterSize(w, 1<<20)
	le := binary.LittleEndian
	var off int64
	name := func(i int) string { return strconv.FormatInt(int64(i), 36) }
	for i := range n {
		nm := name(i)
		var h [30]byte
		copy(h[:], "PK\x03\x04")
		le.PutUint16(h[4:], 20)
		le.PutUint16(h[26:], uint16(len(nm)))
		bw.Write(h[:])
		bw.WriteString(nm)
		off += int64(30 + len(nm))
	}
	cd := off
	var local int64
	for i := range n {
		nm := name(i)
		var h [46]byte
		copy(h[:], "PK\x01\x02")
		le.PutUint16(h[4:], 20)
		le.PutUint16(h[6:], 20)
		le.PutUint16(h[28:], uint16(len(nm)))
		le.PutUint32(h[42:], uint32(local))
		bw.Write(h[:])
		bw.WriteString(nm)
		local += int64(30 + len(nm))
		off += int64(46 + len(nm))
	}
	cdSize := off - cd
	// zip64 end record, its locator, then the classic end record.
	var z [56]byte
	copy(z[:], "PK\x06\x06")
	le.PutUint64(z[4:], 44)
	le.PutUint16(z[12:], 45)
	le.PutUint16(z[14:], 45)
	le.PutUint64(z[24:], uint64(n))
	le.PutUint64(z[32:], uint64(n))
	le.PutUint64(z[40:], uint64(cdSize))
	le.PutUint64(z[48:], uint64(cd))
	bw.Write(z[:])
	var l [20]byte
	copy(l[:], "PK\x06\x07")
	le.PutUint64(l[8:], uint64(off))
	le.PutUint32(l[16:], 1)
	bw.Write(l[:])
	var e [22]byte
	copy(e[:], "PK\x05\x06")
	le.PutUint16(e[8:], 0xffff)
	le.PutUint16(e[10:], 0xffff)
	le.PutUint32(e[12:], 0xffffffff)
	le.PutUint32(e[16:], 0xffffffff)
	bw.Write(e[:])
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
}

// allocated runs f and returns the bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// TestMillionEntryZip: a zip of 1,000,000 empty entries (an attacker's,
// not a drop) is refused with ErrTooMany, allocating a few MB at most:
// memory stays flat in the entry count because the count the end record
// declares is checked before any record is read. Issue 12 item 5:
// the old limits took 1.2 GiB and 200 s.
func TestMillionEntryZip(t *testing.T) {
	if testing.Short() {
		t.Skip("writes an 85 MB zip")
	}
	p := filepath.Join(t.TempDir(), "million.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	writeManyEntryZip(t, f, 1_000_000)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Walk", "Unpack", "DetectContainer"} {
		var err error
		files := 0
		alloc := allocated(func() {
			switch name {
			case "Walk":
				err = Walk(p, Limits{}, func(Entry, io.Reader) error { files++; return nil })
			case "Unpack":
				err = Unpack(p, filepath.Join(t.TempDir(), "out"), UnpackOptions{})
			case "DetectContainer":
				_, err = DetectContainer(p)
			}
		})
		if !errors.Is(err, ErrTooMany) || files != 0 {
			t.Errorf("%s: %d files, err %v; want ErrTooMany before any file", name, files, err)
		}
		if alloc > 4<<20 {
			t.Errorf("%s allocated %d bytes refusing 1,000,000 entries; want under 4 MiB", name, alloc)
		}
	}
}

// TestZipEntryCountLie: an end record declaring fewer entries than the
// central directory holds is refused after the declared count of records,
// whatever the records behind them: only the declared count is ever read.
func TestZipEntryCountLie(t *testing.T) {
	var b bytes.Buffer
	writeManyEntryZip(t, &b, 3000)
	data := b.Bytes()
	le := binary.LittleEndian
	// Declare 10 entries in the zip64 end record (56+20+22 bytes from the end).
	le.PutUint64(data[len(data)-98+24:], 10)
	le.PutUint64(data[len(data)-98+32:], 10)
	files := 0
	err := walkZip("lie.zip", bytes.NewReader(data), int64(len(data)), Limits{MaxFiles: 1000}.Archive(), func(Entry, io.Reader) error { files++; return nil }, 1)
	want := "bundle: lie.zip: not a valid container: 145198 bytes at offset 98138 after the 10 central directory records the end record declares"
	if !errors.Is(err, ErrFormat) || err.Error() != want || files != 0 {
		t.Fatalf("%d files, err %v; want %s", files, err, want)
	}
}

// zeroReader yields zeros without end.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestRatioBomb: a zip entry and a tar.gz that expand 200 MB of zeros
// from a few hundred KB (under the size limits) are refused for their
// compression ratio, before fn reads a byte or after a few MB of the
// stream.
func TestRatioBomb(t *testing.T) {
	const size = 200 << 20
	dir := t.TempDir()

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "P0S3-08-12-00.sb2", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(w, zeroReader{}, size); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	zipPath := filepath.Join(dir, "bomb.zip")
	os.WriteFile(zipPath, zb.Bytes(), 0o644)

	var tb bytes.Buffer
	gw, _ := gzip.NewWriterLevel(&tb, gzip.BestSpeed)
	tw := tar.NewWriter(gw)
	tw.WriteHeader(&tar.Header{Name: "P0S3-08-12-00.sb2", Mode: 0o644, Size: size, Typeflag: tar.TypeReg})
	io.CopyN(tw, zeroReader{}, size)
	tw.Close()
	gw.Close()
	tgzPath := filepath.Join(dir, "bomb.tar.gz")
	os.WriteFile(tgzPath, tb.Bytes(), 0o644)

	for _, p := range []string{zipPath, tgzPath} {
		var read int64
		var err error
		alloc := allocated(func() {
			err = Walk(p, Limits{}, func(e Entry, r io.Reader) error {
				n, err := io.Copy(io.Discard, r)
				read += n
				return err
			})
		})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err %v, want ErrTooLarge (ratio)", filepath.Base(p), err)
		}
		if read > 4<<20 {
			t.Errorf("%s: fn read %d bytes before the refusal; want a few MB at most", filepath.Base(p), read)
		}
		if alloc > 8<<20 {
			t.Errorf("%s: allocated %d bytes; want under 8 MiB", filepath.Base(p), alloc)
		}
		// Raising the cap lets a trusted archive through.
		if filepath.Ext(p) == ".zip" {
			if err := Walk(p, Limits{MaxRatio: 10000}, func(Entry, io.Reader) error { return nil }); err != nil {
				t.Errorf("%s with MaxRatio 10000: %v", filepath.Base(p), err)
			}
		}
	}
}

// TestSmallEntryBomb: entries each just under RatioFloor (whose own ratio
// is not checked: a small text file may compress 1,000 times) that add up
// to 200 MiB of zeros in a zip of a few hundred KB are refused by the
// archive-wide ratio, with a drop's limits and with a bundle's (whose
// totals are far larger), before fn reads a byte.
func TestSmallEntryBomb(t *testing.T) {
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for i := range 200 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("SEP%012X.cnf.xml", i), Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(w, zeroReader{}, RatioFloor-1); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.zip")
	os.WriteFile(p, zb.Bytes(), 0o644)
	for _, lim := range []Limits{{}, Limits{}.Bundle()} {
		read := 0
		err := Walk(p, lim, func(e Entry, r io.Reader) error { read++; return nil })
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "Limits.MaxRatio") || read != 0 {
			t.Errorf("limits %+v: %d files read, err %v; want ErrTooLarge (MaxRatio) before any", lim, read, err)
		}
	}
	// Raising the ratio lets a trusted archive through.
	if err := Walk(p, Limits{MaxRatio: 10000}.Bundle(), func(Entry, io.Reader) error { return nil }); err != nil {
		t.Errorf("with MaxRatio 10000: %v", err)
	}
}

// TestBundleLimitsManyEntries: a zip of 3,011 entries (a 3,000-phone
// site's bundle) is over a drop's MaxFiles and within a bundle's; a
// zip over the bundle cap is refused before its directory is read.
func TestBundleLimitsManyEntries(t *testing.T) {
	var b bytes.Buffer
	writeManyEntryZip(t, &b, 3011)
	p := filepath.Join(t.TempDir(), "site.zip")
	os.WriteFile(p, b.Bytes(), 0o644)
	if err := Walk(p, Limits{}, func(Entry, io.Reader) error { return nil }); !errors.Is(err, ErrTooMany) {
		t.Errorf("drop limits: err %v, want ErrTooMany", err)
	}
	files := 0
	if err := Walk(p, Limits{}.Bundle(), func(Entry, io.Reader) error { files++; return nil }); err != nil || files != 3011 {
		t.Errorf("bundle limits: %d files, err %v; want 3011", files, err)
	}
	if err := Walk(p, Limits{MaxFiles: 3010}.Bundle(), func(Entry, io.Reader) error { return nil }); !errors.Is(err, ErrTooMany) {
		t.Errorf("bundle limits, MaxFiles 3010: err %v, want ErrTooMany", err)
	}
}
