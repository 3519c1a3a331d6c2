package boot

import (
	"testing"

	"github.com/phoneload/phoneload/internal/fixture"
)

// BenchmarkSimulateFleet plays 1000 phones (a 7960 on SIP 7.4 each, a full
// upgrade: 16 requests, 2 reboots) against a root directory.
func BenchmarkSimulateFleet(b *testing.B) {
	dir := b.TempDir()
	if err := fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 64 << 10}); err != nil {
		b.Fatal(err)
	}
	src, err := OpenLocal(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for n := 0; n < 1000; n++ {
			if _, err := Simulate(src, Phone{MAC: "000D28A1B2C3", Model: "7960", Running: "P0S3-07-4-00"}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
