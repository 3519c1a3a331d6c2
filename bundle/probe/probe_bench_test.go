package probe

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkProbe probes a bundle with 16 rings of 512 KiB against a server
// that has none of them (every file answered "File not found"): what Probe
// keeps of the bundle in memory shows in B/op.
func BenchmarkProbe(b *testing.B) {
	r := testRelease("8-12-00", 2000)
	for i := range 16 {
		ring := make([]byte, 512<<10)
		for j := range ring {
			ring[j] = byte(i + j)
		}
		r[fmt.Sprintf("ring%02d.raw", i)] = ring
	}
	bundle := writeBundle(b, filepath.Join(b.TempDir(), "b"), r)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(bundle, &mapServer{files: release{}}, Options{All: true})
		if err != nil {
			b.Fatal(err)
		}
		if got := res.Count(ProbeMissing); got != len(r) {
			b.Fatalf("%d missing, want %d", got, len(r))
		}
	}
}
