package container

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zip"
)

// sortedZip writes names in the order given (a trailing slash: a
// directory), files deflated or stored by turns.
func sortedZip(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate, Modified: time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)}
		if i%2 == 1 {
			h.Method = zip.Store
		}
		if strings.HasSuffix(n, "/") {
			h.Method = zip.Store
			h.SetMode(0o755 | 1<<31)
		} else {
			h.SetMode(0o640)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(n, "/") {
			fmt.Fprintf(w, "content of %s\n", n)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// walkZipBytes walks data with walkZip, one worker, and lists what fn saw
// (name, size, mode, time, SHA-256) and the error.
func walkZipBytes(data []byte) string {
	var out strings.Builder
	err := walkZip("t.zip", bytes.NewReader(data), int64(len(data)), Limits{MaxFiles: 100}.Archive(), func(e Entry, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		fmt.Fprintf(&out, "%s %d %v %s at %d %s\n", e.Name, e.Size, e.Mode, e.ModTime.Format(time.RFC3339Nano), e.At, hex.EncodeToString(h.Sum(nil)))
		return nil
	}, 1)
	fmt.Fprintf(&out, "error: %v\n", err)
	return out.String()
}

// TestZipSortedSameWalk: a zip walked without a record per entry
// (walkZipSorted) gives fn the same files, and refuses the same zips with
// the same error, as walkZip's own walk; a zip it does not read (out of
// order, colliding names, equal hashes) is walked the old way.
func TestZipSortedSameWalk(t *testing.T) {
	good := []string{"OS79XX.TXT", "a/", "a/b.cfg", "a/c/d.txt", "a/c/e.txt", "a/d", "b.txt", "z"}
	corrupt := sortedZip(t, "a.cfg", "b.cfg")
	corrupt[bytes.Index(corrupt, []byte("content of b"))] ^= 1 // stored: a CRC error
	for _, c := range []struct {
		name   string
		data   []byte
		sorted bool // walked by walkZipSorted
		hash   func(string) uint64
	}{
		{"sorted", sortedZip(t, good...), true, nil},
		{"empty", sortedZip(t), true, nil},
		{"unsorted", sortedZip(t, "b.txt", "a.txt"), false, nil},
		{"case collision", sortedZip(t, "A.cfg", "a.cfg"), false, nil},
		{"directory case collision", sortedZip(t, "A/x", "a/y"), false, nil},
		{"file and directory", sortedZip(t, "a", "a/b"), false, nil},
		{"duplicate", sortedZip(t, "a", "a"), false, nil},
		{"unsafe name", sortedZip(t, "a", "b/../c"), false, nil},
		{"all hashes equal", sortedZip(t, good...), false, func(string) uint64 { return 7 }},
		{"corrupt entry", corrupt, true, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			zipSortedHash = c.hash
			defer func() { zipSortedHash = nil }()
			zipSortedOff = true
			old := walkZipBytes(c.data)
			zipSortedOff = false
			got := walkZipBytes(c.data)
			if got != old {
				t.Errorf("walkZipSorted:\n%s\nwalkZip:\n%s", got, old)
			}
			d, err := OpenZipDir("t.zip", bytes.NewReader(c.data), int64(len(c.data)), 100)
			if err != nil {
				t.Fatal(err)
			}
			ok, _ := walkZipSorted("t.zip", bytes.NewReader(c.data), d, Limits{MaxFiles: 100}.Archive(), func(Entry, io.Reader) error { return nil })
			if ok != c.sorted {
				t.Errorf("walked by walkZipSorted: %v, want %v\n%s", ok, c.sorted, got)
			}
		})
	}
}

// TestInflaterReuse: a pooled decompressor closed twice is put back once,
// so two entries open at once never share one.
func TestInflaterReuse(t *testing.T) {
	var names []string
	for i := range 6 {
		names = append(names, fmt.Sprintf("f%d.cfg", i*2)) // deflated
		names = append(names, fmt.Sprintf("f%d.bin", i*2+1))
	}
	data := sortedZip(t, names...)
	d, es, err := zipDirEntries(data, 100)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		var readers []io.Reader
		var closers []func() error
		for _, e := range es {
			r, c, err := d.Open(e)
			if err != nil {
				t.Fatal(err)
			}
			readers, closers = append(readers, r), append(closers, c)
		}
		// Read them interleaved, a byte at a time.
		got := make([][]byte, len(es))
		for more := true; more; {
			more = false
			for i, r := range readers {
				var b [1]byte
				if n, _ := r.Read(b[:]); n == 1 {
					got[i] = append(got[i], b[0])
					more = true
				}
			}
		}
		for i, e := range es {
			if want := "content of " + e.Name + "\n"; string(got[i]) != want {
				t.Errorf("round %d: %s read %q, want %q", round, e.Name, got[i], want)
			}
			closers[i]()
			closers[i]()
		}
	}
}
