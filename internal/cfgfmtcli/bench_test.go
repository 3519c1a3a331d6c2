package cfgfmtcli

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/phoneload/phoneload/cfgfmt"
)

const fleetSize = 10000

func fleetTable(tb testing.TB) *cfgfmt.Table {
	t, err := cfgfmt.ParseTable("ptag.dat", []byte(FleetTable))
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// TestFleetProfile: the generated profiles are what the benchmark claims:
// about 60 parameters, all accepted, none warned about.
func TestFleetProfile(t *testing.T) {
	tab := fleetTable(t)
	for _, i := range []int{0, 1, 9999} {
		src := FleetProfile(i)
		params := 0
		for _, l := range strings.Split(string(src), "\n") {
			if l != "" && l[0] != '#' {
				params++
			}
		}
		res, err := cfgfmt.Compile(tab, FleetName(i), src, cfgfmt.Options{})
		if err != nil || len(res.Diagnostics) != 0 {
			t.Fatalf("device %d: %v %v", i, err, res.Diagnostics)
		}
		if params < 60 || len(res.Records) != params {
			t.Errorf("device %d: %d parameters, %d records", i, params, len(res.Records))
		}
	}
}

// BenchmarkCompileFleet compiles 10,000 generated 7912 profiles in memory
// on all CPUs: the library's share of a fleet build. One op = the fleet.
func BenchmarkCompileFleet(b *testing.B) {
	tab := fleetTable(b)
	srcs := make([][]byte, fleetSize)
	for i := range srcs {
		srcs[i] = FleetProfile(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(srcs); i += workers {
					if _, err := cfgfmt.Compile(tab, "p.txt", srcs[i], cfgfmt.Options{}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fleetSize), "ns/profile")
}

// BenchmarkBatchFleet is `phoneload compile` minus process start: 10,000
// profiles read from disk, compiled in parallel and written atomically
// (temporary files, one syncfs, renames) into an output directory.
func BenchmarkBatchFleet(b *testing.B) {
	dir := b.TempDir()
	inputs := make([]string, fleetSize)
	for i := range inputs {
		inputs[i] = filepath.Join(dir, FleetName(i))
		if err := os.WriteFile(inputs[i], FleetProfile(i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	tab := fleetTable(b)
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rs, err := Batch(inputs, BatchOptions{Table: tab, OutDir: out})
		if err != nil {
			b.Fatal(err)
		}
		if s := Summarize(rs); s.Compiled != fleetSize {
			b.Fatalf("%+v", s)
		}
	}
	// The batch writes what the single-file path writes.
	got, _ := os.ReadFile(filepath.Join(out, strings.TrimSuffix(FleetName(7), ".txt")))
	res, _ := cfgfmt.Compile(tab, "x", FleetProfile(7), cfgfmt.Options{})
	if !bytes.Equal(got, res.Profile) {
		b.Fatal("batch output differs from Compile")
	}
}
