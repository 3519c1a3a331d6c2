package check

import (
	"os"
	"sync"
	"testing"

	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/phoneload/phoneload/internal/fixture"
)

// benchPhones is the size of the TFTP root of the performance target:
// 50,000 per-phone files plus firmware, checked in under 5 s
// (docs/benchmarks.md, scripts/bench-check.sh).
const benchPhones = 50_000

var (
	benchOnce  sync.Once
	benchDir   string
	benchFleet []Phone
	benchErr   error
)

// benchRoot writes, once per test binary, a 7940/7960 SIP root with 2 MiB
// images and n per-phone files: SIP<MAC>.cnf and SEP<MAC>.cnf.xml (naming
// the load, so per-device offers are exercised) for n/2 phones each; and a
// fleet of those phones.
func benchRoot(b *testing.B) (string, []Phone) {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "checkbench")
		if err != nil {
			benchErr = err
			return
		}
		benchDir = dir
		if benchErr = fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 2 << 20}); benchErr != nil {
			return
		}
		if benchErr = fixture.WriteLineConfigs(dir, benchPhones, "English_United_States"); benchErr != nil {
			return
		}
		for i := range benchPhones {
			mac := fixture.LinePhoneMAC(i)
			model := "7940"
			if i%3 == 0 {
				model = "7960"
			}
			benchFleet = append(benchFleet, Phone{MAC: mac, Model: model, Load: "P0S3-07-4-00", Line: i + 1})
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir, benchFleet
}

// BenchmarkCheckPath50k is the target: read the whole root and check it.
func BenchmarkCheckPath50k(b *testing.B) {
	dir, _ := benchRoot(b)
	b.ResetTimer()
	for b.Loop() {
		rep, err := RunPath(dir, drop.OpenOptions{}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Files != benchPhones+11 || len(rep.Findings) != 0 {
			b.Fatalf("%d files, %d findings", rep.Files, len(rep.Findings))
		}
	}
}

// BenchmarkCheckPath50kFleet adds a fleet of the 50,000 phones: every
// phone followed through its boot sequence and the upgrade matrix.
func BenchmarkCheckPath50kFleet(b *testing.B) {
	dir, fleet := benchRoot(b)
	b.ResetTimer()
	for b.Loop() {
		rep, err := RunPath(dir, drop.OpenOptions{}, Options{Fleet: fleet})
		if err != nil {
			b.Fatal(err)
		}
		// Every phone moves from SIP 7.4 to 8.12 by SIPDefault.cnf (SIP
		// phones take image_version): one scope finding listing them all.
		if rep.Errors()+rep.Warnings() != 0 || len(rep.Findings) != 1 || len(rep.Findings[0].Phones) != benchPhones {
			b.Fatalf("%d findings: %+v", len(rep.Findings), rep.Findings[0])
		}
	}
}

// BenchmarkCheck50k is the rules alone, on a drop already opened.
func BenchmarkCheck50k(b *testing.B) {
	dir, fleet := benchRoot(b)
	d, err := drop.Open(dir, drop.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		Run(d, Options{Fleet: fleet})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
