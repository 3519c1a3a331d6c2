package bundle

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"testing"
	"time"

	"github.com/klauspost/compress/zip"
)

// TestZipWriterSameBytes holds zipWriter to the bytes zip.Writer writes
// for the same entries (CreateRaw with the headers zipWriter.header
// makes, then Close), which is what pack wrote before zipWriter kept its
// own compact central directory (issue 16): plain, deflated and UTF-8
// names, sizes past 4 GiB (zip64 extras; the data is not that long, which
// neither writer checks), and more than 65,535 entries (zip64 end records).
func TestZipWriterSameBytes(t *testing.T) {
	type ent struct {
		name        string
		method      uint16
		crc         uint32
		size, csize int64
		data        []byte
	}
	small := []ent{
		{name: "OS79XX.TXT", method: zip.Deflate, crc: 1, size: 20, data: []byte("deflated")},
		{name: "P0S3-8-12-00.sb2", method: zip.Store, crc: 2, data: []byte("stored bytes")},
		{name: "notes/ring ä.raw", method: zip.Store, crc: 3, data: []byte("x")},
		{name: "big.bin", method: zip.Store, crc: 4, size: 5 << 30, csize: 5 << 30, data: []byte("not really")},
		{name: "bigger.txt", method: zip.Deflate, crc: 5, size: 1<<32 - 1, csize: 1 << 20, data: []byte("y")},
		{name: "empty", method: zip.Store},
	}
	many := make([]ent, 0, 70_000)
	for i := range 70_000 {
		many = append(many, ent{name: fmt.Sprintf("SEP%012X.cnf.xml", i), method: zip.Store, crc: uint32(i), data: []byte{byte(i)}})
	}
	for _, tc := range []struct {
		name string
		ents []ent
	}{{"small", small}, {"70000 entries", many}} {
		t.Run(tc.name, func(t *testing.T) {
			when := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
			for i := range tc.ents {
				e := &tc.ents[i]
				if e.size == 0 {
					e.size = int64(len(e.data))
				}
				if e.csize == 0 {
					e.csize = int64(len(e.data))
				}
			}
			var want bytes.Buffer
			zw := zip.NewWriter(&want)
			hz := newZipWriter(nil, when, 0) // for its header
			for _, e := range tc.ents {
				w, err := zw.CreateRaw(hz.header(e.name, e.method, e.crc, e.size, e.csize))
				if err != nil {
					t.Fatal(err)
				}
				w.Write(e.data)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			for _, spill := range []bool{false, true} {
				var got bytes.Buffer
				z := newZipWriter(&got, when, len(tc.ents))
				if spill {
					// pack's way: the central directory's records in a
					// file, after what the spooler wrote there.
					f, err := os.CreateTemp(t.TempDir(), "index-*")
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					f.Write(make([]byte, 21))
					z.spillEnts(f, 21)
				}
				for _, e := range tc.ents {
					if err := z.local(e.name, e.method, e.crc, e.size, e.csize); err != nil {
						t.Fatal(err)
					}
					if err := z.write(e.data); err != nil {
						t.Fatal(err)
					}
				}
				err := z.close(func(fn func(string) error) error {
					for _, e := range tc.ents {
						if err := fn(e.name); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					a, b := got.Bytes(), want.Bytes()
					i := 0
					for i < min(len(a), len(b)) && a[i] == b[i] {
						i++
					}
					t.Fatalf("spill %v: %d bytes, want %d; first difference at offset %d", spill, len(a), len(b), i)
				}
			}
			// A name list that does not match the entries is refused.
			z := newZipWriter(&bytes.Buffer{}, when, 1)
			z.local("a", zip.Store, 0, 0, 0)
			if err := z.close(func(fn func(string) error) error { fn("a"); return fn("b") }); err == nil {
				t.Error("close took more names than entries")
			}
		})
	}
}

// TestZipAddStoredSameBytes: a SHA256SUMS larger than MaxDeflateSize is
// streamed into the zip with addStored; the bytes are those addBytes
// writes for the same data held in memory (which stores it too).
func TestZipAddStoredSameBytes(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  SEP0123.cnf.xml\n"), MaxDeflateSize/80+1000)
	if len(data) <= MaxDeflateSize {
		t.Fatal("data too small")
	}
	crc := crc32.ChecksumIEEE(data)
	when := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	za, zb := newZipWriter(&a, when, 1), newZipWriter(&b, when, 1)
	if err := za.addBytes(SumsName, data, crc); err != nil {
		t.Fatal(err)
	}
	if err := zb.addStored(SumsName, bytes.NewReader(data), int64(len(data)), crc); err != nil {
		t.Fatal(err)
	}
	names := func(fn func(string) error) error { return fn(SumsName) }
	if err := za.close(names); err != nil {
		t.Fatal(err)
	}
	if err := zb.close(names); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("addStored wrote %d bytes, addBytes %d, or other bytes", b.Len(), a.Len())
	}
	// A reader shorter than the size it was given is an error.
	zc := newZipWriter(&bytes.Buffer{}, when, 1)
	if err := zc.addStored(SumsName, bytes.NewReader(data[:100]), int64(len(data)), crc); err == nil {
		t.Error("addStored took a short reader")
	}
}
