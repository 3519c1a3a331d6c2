package check

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/phoneload/phoneload/bundle/drop"
)

func TestZZProf(t *testing.T) {
	root := os.Getenv("PROF_ROOT")
	if root == "" {
		t.Skip()
	}
	var ms runtime.MemStats
	d, err := drop.Open(root, drop.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("after Open: live heap %.1f MiB, %d files, %.0f B/file", float64(ms.HeapAlloc)/(1<<20), len(d.Files), float64(ms.HeapAlloc)/float64(len(d.Files)))
	f, _ := os.Create(os.Getenv("PROF_OUT") + ".open")
	pprof.WriteHeapProfile(f)
	f.Close()
	rep := Run(d, Options{})
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("after Run: live heap %.1f MiB, findings %d, peak sys %.1f MiB", float64(ms.HeapAlloc)/(1<<20), len(rep.Findings), float64(ms.Sys)/(1<<20))
	f, _ = os.Create(os.Getenv("PROF_OUT") + ".run")
	pprof.WriteHeapProfile(f)
	f.Close()
	runtime.KeepAlive(d)
}
