package bundle

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkVerifyDir verifies a bundle directory of 2,000 small configs and
// an 8 MiB image. scripts/bench-verify.sh runs the full-size comparison with
// sha256sum -c (docs/benchmarks.md, ## verify).
func BenchmarkVerifyDir(b *testing.B) {
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
	out := filepath.Join(b.TempDir(), "bundle")
	if _, err := Pack(src, out, PackOptions{Time: time.Unix(1700000000, 0), Signers: k.signers()}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Verify(out, VerifyOptions{Trust: k.trust()}); err != nil {
			b.Fatal(err)
		}
	}
}
