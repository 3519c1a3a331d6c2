package container

import (
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zip"
)

// benchDrop writes a drop of n files of size bytes each (random, so that
// deflate cannot shrink it, like real firmware) as a directory, a deflate
// zip and a plain tar, once per benchmark run.
func benchDrop(b *testing.B, n, size int) (dir, zipPath, tarPath string) {
	b.Helper()
	base := b.TempDir()
	dir = filepath.Join(base, "drop")
	os.Mkdir(dir, 0o755)
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, size)
	zf, _ := os.Create(filepath.Join(base, "drop.zip"))
	zw := zip.NewWriter(zf)
	for i := range n {
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		name := fmt.Sprintf("P003-8-12-%02d.bin", i)
		os.WriteFile(filepath.Join(dir, name), data, 0o644)
		w, _ := zw.Create(name)
		w.Write(data)
	}
	zw.Close()
	zf.Close()
	tarPath = filepath.Join(base, "drop.tar")
	f, _ := os.Create(tarPath)
	defer f.Close()
	for i := range n {
		name := fmt.Sprintf("P003-8-12-%02d.bin", i)
		writeTarFile(b, f, name, filepath.Join(dir, name))
	}
	f.Write(make([]byte, 1024))
	return dir, filepath.Join(base, "drop.zip"), tarPath
}

func writeTarFile(b *testing.B, w io.Writer, name, path string) {
	data, _ := os.ReadFile(path)
	var hdr [tarBlock]byte
	copy(hdr[:], name)
	copy(hdr[100:], "0000644\x00")
	copy(hdr[124:], fmt.Sprintf("%011o\x00", len(data)))
	copy(hdr[136:], "15000000000\x00")
	hdr[156] = '0'
	copy(hdr[257:], "ustar\x0000")
	copy(hdr[148:], "        ")
	sum := 0
	for _, c := range hdr {
		sum += int(c)
	}
	copy(hdr[148:], fmt.Sprintf("%06o\x00 ", sum))
	w.Write(hdr[:])
	w.Write(data)
	if pad := len(data) % tarBlock; pad != 0 {
		w.Write(make([]byte, tarBlock-pad))
	}
}

// BenchmarkWalk reads every byte of a 64 MiB drop (16 files of 4 MiB) in
// each container, discarding it or hashing it with SHA-256 on one or two
// goroutines. Throughput is reported as MB/s of file content.
//
//	go test -run '^$' -bench Walk -benchtime 5x ./bundle
func BenchmarkWalk(b *testing.B) {
	const n, size = 16, 4 << 20
	dir, zipPath, tarPath := benchDrop(b, n, size)
	discard := func(e Entry, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }
	hash := func(e Entry, r io.Reader) error {
		h := sha256.New()
		_, err := io.Copy(h, r)
		return err
	}
	for _, c := range []struct{ name, path string }{{"dir", dir}, {"zip", zipPath}, {"tar", tarPath}} {
		for _, fn := range []struct {
			name    string
			fn      WalkFunc
			workers int
		}{{"read", discard, 1}, {"sha256", hash, 1}, {"sha256-parallel", hash, 2}} {
			b.Run(c.name+"/"+fn.name, func(b *testing.B) {
				b.SetBytes(n * size)
				for b.Loop() {
					if err := WalkParallel(c.path, Limits{}, fn.workers, fn.fn); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkListDir walks a flat directory of n small files (a TFTP root's
// per-phone configs) with an fn that reads nothing: "list" is the listing
// and its checks alone, "walk" adds opening and checking every file.
// Allocations per file of "list" should stay near zero.
//
//	go test -run '^$' -bench ListDir -benchmem ./bundle/container
func BenchmarkListDir(b *testing.B) {
	for _, n := range []int{1_000, 20_000} {
		dir := b.TempDir()
		for i := range n {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("SEP%012X.cnf.xml", i*7919)), []byte("<device/>\n"), 0o644)
		}
		b.Run(fmt.Sprintf("list/%d", n), func(b *testing.B) {
			root, err := os.OpenRoot(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer root.Close()
			b.ReportAllocs()
			for b.Loop() {
				l := &listing{path: dir, root: root, lim: DefaultDirLimits}
				if err := l.list(root); err != nil {
					b.Fatal(err)
				}
				if _, err := l.check(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
		})
		for _, w := range []struct {
			name string
			walk func(string, Limits, WalkFunc) error
		}{
			{"walk", Walk},
			{"walk-parallel-2", func(p string, lim Limits, fn WalkFunc) error { return WalkParallel(p, lim, 2, fn) }},
			{"walk-ahead", WalkAhead},
		} {
			b.Run(fmt.Sprintf("%s/%d", w.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := w.walk(dir, Limits{}, func(Entry, io.Reader) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/file")
			})
		}
	}
}

// BenchmarkWalkZipEntries walks a zip of 100,000 small stored configs (a
// large site's bundle) with an fn that reads each: what the central
// directory costs per entry. live-B/entry is the heap live when fn is
// first called (after a forced collection), all entries read and checked:
// the per-entry state Walk holds for the whole walk.
//
//	go test -run '^$' -bench WalkZipEntries -benchmem -count 5 ./bundle/container
func BenchmarkWalkZipEntries(b *testing.B) {
	const n = 100_000
	p := filepath.Join(b.TempDir(), "site.zip")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := range n {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("SEP%012X.cnf.xml", i*7919), Method: zip.Store})
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(w, "<device>%d</device>\n", i)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	var before, at runtime.MemStats
	b.ReportAllocs()
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		first := true
		err := Walk(p, Limits{MaxFiles: n}, func(e Entry, r io.Reader) error {
			if first {
				first = false
				runtime.GC()
				runtime.ReadMemStats(&at)
			}
			_, err := io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(int64(at.HeapAlloc)-int64(before.HeapAlloc))/n, "live-B/entry")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/entry")
}
