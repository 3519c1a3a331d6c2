package bundle

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zip"
)

// TestPackZipSameBytesAnyGOMAXPROCS: text entries are compressed on every
// CPU, yet the zip is the same byte for byte with 1, 2 or 4 of them, and
// every entry reads back with its content. The tree mixes what takes each
// path: many small configurations, text that deflate does not shrink,
// text larger than one spool chunk, firmware stored in several chunks,
// empty files.
func TestPackZipSameBytesAnyGOMAXPROCS(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	rng := rand.New(rand.NewSource(7))
	files := map[string][]byte{}
	for i := range 400 {
		var b bytes.Buffer
		for j := range rng.Intn(40) {
			fmt.Fprintf(&b, "line%d_name: \"%d\"\n", j, rng.Intn(100000))
		}
		files[fmt.Sprintf("SIP%012X.cnf", i)] = b.Bytes()
	}
	big := bytes.Repeat([]byte("<device><loadInformation>P0S3-8-12-00</loadInformation></device>\n"), 8000)
	files["big.xml"] = big // over one 256 KiB chunk
	noise := make([]byte, 64)
	for i := range noise {
		noise[i] = 'a' + byte(rng.Intn(26))
	}
	files["random.txt"] = noise // text deflate does not shrink
	fw := make([]byte, 700<<10)
	rng.Read(fw)
	files["P0S3-08-12-00.sb2"] = fw // stored, three chunks
	files["empty.cnf"] = nil
	for n, b := range files {
		p := filepath.Join(src, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k := newTestKeys(t, 5)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first []byte
	for _, procs := range []int{1, 2, 4, 1} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(t.TempDir(), "b.zip")
		if _, err := Pack(src, out, packOpts(k)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = b
			continue
		}
		if !bytes.Equal(b, first) {
			t.Fatalf("GOMAXPROCS=%d: the zip differs from GOMAXPROCS=1's (%d vs %d bytes)", procs, len(b), len(first))
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	methods := map[uint16]int{}
	seen := 0
	for _, f := range zr.File {
		want, ok := files[f.Name]
		if !ok {
			continue
		}
		seen++
		methods[f.Method]++
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read back %d bytes (%v), want %d", f.Name, len(got), err, len(want))
		}
	}
	if seen != len(files) {
		t.Errorf("%d of %d files in the zip", seen, len(files))
	}
	if methods[zip.Deflate] < 300 || methods[zip.Store] < 3 {
		t.Errorf("methods %v: want most configurations deflated, firmware, noise and empty stored", methods)
	}
	if f := findZipFile(zr, "random.txt"); f == nil || f.Method != zip.Store {
		t.Errorf("random.txt: want stored (deflate does not shrink it)")
	}
	if f := findZipFile(zr, "big.xml"); f == nil || f.Method != zip.Deflate {
		t.Errorf("big.xml: want deflated")
	}
}

func findZipFile(zr *zip.Reader, name string) *zip.File {
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// BenchmarkPackZip packs 2,000 per-phone configurations and a 2 MiB
// image to a zip (no check): the walk, hashing, compression on every CPU,
// the spool and the zip.
func BenchmarkPackZip(b *testing.B) {
	src := filepath.Join(b.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	var total int64
	for i := range 2000 {
		c := fmt.Sprintf("# phone %d\nline1_name: %d\nline1_authname: \"%d\"\nline1_password: \"lab-%d\"\nline1_displayname: \"Phone %d\"\n", i, 1000+i, 1000+i, i, i)
		os.WriteFile(filepath.Join(src, fmt.Sprintf("SIP000D28%06X.cnf", i)), []byte(c), 0o644)
		total += int64(len(c))
	}
	fw := make([]byte, 2<<20)
	rand.New(rand.NewSource(1)).Read(fw)
	os.WriteFile(filepath.Join(src, "P0S3-08-12-00.sb2"), fw, 0o644)
	b.SetBytes(total + int64(len(fw)))
	k := newTestKeys(b, 6)
	out := filepath.Join(b.TempDir(), "b.zip")
	b.ResetTimer()
	for range b.N {
		if _, err := Pack(src, out, packOpts(k)); err != nil {
			b.Fatal(err)
		}
	}
}
