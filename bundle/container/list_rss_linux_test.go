package container

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestListRSS walks the tree named by $PHONELOAD_LIST_TREE (a root of up
// to a million files: scripts/bench-tree.sh) with an fn that reads
// nothing, and checks the process's peak RSS stays within 24 MiB (the
// test binary) plus 48 bytes a file. It is how the listing's figures in
// docs/benchmarks.md ("Listing a directory") can be checked again:
//
//	PHONELOAD_LIST_TREE=/work/trees/t200000 go test -count=1 -run TestListRSS -v ./bundle/container
func TestListRSS(t *testing.T) {
	tree := os.Getenv("PHONELOAD_LIST_TREE")
	if tree == "" {
		t.Skip("PHONELOAD_LIST_TREE not set")
	}
	runtime.GC()
	var files atomic.Int64
	err := WalkParallel(tree, Limits{MaxFiles: 2_000_000}, 2, func(Entry, io.Reader) error {
		files.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hwm := peakRSS(t)
	limit := 24<<20 + 48*files.Load()
	t.Logf("%d files, peak RSS %.1f MiB (limit %.1f MiB)", files.Load(), float64(hwm)/(1<<20), float64(limit)/(1<<20))
	if hwm > limit {
		t.Errorf("peak RSS %d bytes over %d", hwm, limit)
	}
}

// peakRSS reads VmHWM from /proc/self/status, in bytes.
func peakRSS(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmHWM in /proc/self/status")
	return 0
}
