package bundle

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchBundle packs 2,000 small configs and an 8 MiB image to name (a
// directory, or a zip if it ends in .zip) and returns the keys, the
// bundle's path and the bytes of its files.
func benchBundle(b *testing.B, name string) (testKeys, string, int64) {
	k := newTestKeys(b, 1)
	src := filepath.Join(b.TempDir(), "src")
	os.Mkdir(src, 0o755)
	rng := rand.New(rand.NewSource(1))
	var total int64
	for i := 0; i < 2000; i++ {
		body := fmt.Sprintf("<device><name>%d</name><pad>%0*d</pad></device>\n", i, 200+rng.Intn(1600), 0)
		os.WriteFile(filepath.Join(src, fmt.Sprintf("SEP%012X.cnf.xml", i)), []byte(body), 0o644)
		total += int64(len(body))
	}
	img := make([]byte, 8<<20)
	rng.Read(img)
	os.WriteFile(filepath.Join(src, "P0S3-8-12-00.sb2"), img, 0o644)
	total += int64(len(img))
	out := filepath.Join(b.TempDir(), name)
	if _, err := Pack(src, out, PackOptions{Time: time.Unix(1700000000, 0), Signers: k.signers()}); err != nil {
		b.Fatal(err)
	}
	return k, out, total
}

// BenchmarkVerifyDir verifies a bundle directory of 2,000 small configs and
// an 8 MiB image. scripts/bench-verify.sh runs the full-size comparison with
// sha256sum -c (docs/benchmarks.md, ## verify).
func BenchmarkVerifyDir(b *testing.B) {
	k, out, total := benchBundle(b, "bundle")
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(out, VerifyOptions{Trust: k.trust()}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyZip verifies the zip form of BenchmarkVerifyDir's bundle
// (2,000 small configs and an 8 MiB image) with Verify and reads its
// signed files alone with VerifyZipMeta (what publish does first).
func BenchmarkVerifyZip(b *testing.B) {
	k, out, total := benchBundle(b, "bundle.zip")
	b.Run("Verify", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Verify(out, VerifyOptions{Trust: k.trust()}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("VerifyZipMeta", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := VerifyZipMeta(out, VerifyOptions{Trust: k.trust()}, 3000); err != nil {
				b.Fatal(err)
			}
		}
	})
}
