package cmd

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultMemoryLimit is the soft memory limit (Go's GOMEMLIMIT) phoneload
// sets unless GOMEMLIMIT or GOGC is set in its environment (issue 16).
// Check and inspect of a root of a million per-phone files keep a live
// heap of about 120 MiB; with Go's default (GOGC=100, no limit) the heap
// grows to twice its live size before the collector runs, near 280 MiB
// of RSS. Under the limit the collector runs sooner instead, and the
// peak stays under 200 MB.
const DefaultMemoryLimit = 176 << 20

// SetDefaultMemoryLimit sets DefaultMemoryLimit, unless GOMEMLIMIT or
// GOGC is set in the environment (the user's choice then stands), and
// reports whether it did. The limit is lifted again (set to
// math.MaxInt64, Go's default) once the live heap exceeds 7/8 of it, or
// once the collector takes more than half the CPU the process used over
// a second or more of it (its marking on otherwise idle processors not
// counted): a root too large for the limit would otherwise
// make the collector run all the time (a live heap just under 7/8 can),
// so such a root costs memory, as without a limit, not time. Half, not
// less: inspect --json of a million per-phone files passes a quarter
// under the limit yet costs no more CPU than with the limit lifted (79.8 s
// user+sys and 182 MiB kept under it; 80.7 s and 240 MiB lifted at a
// quarter). Only the phoneload command calls it, before Run.
func SetDefaultMemoryLimit() bool {
	return setMemoryLimit(os.LookupEnv, DefaultMemoryLimit)
}

// setMemoryLimit is SetDefaultMemoryLimit with the environment and the
// limit given, for tests.
func setMemoryLimit(lookup func(string) (string, bool), limit int64) bool {
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if _, ok := lookup(v); ok {
			return false
		}
	}
	debug.SetMemoryLimit(limit)
	w := &limitWatch{limit: limit, lift: limit / 8 * 7, gcShare: 0.5, window: 1, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"},
		{Name: "/cpu/classes/gc/pause:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"},
	}}
	w.arm()
	return true
}

// limitWatch looks at the live heap and the collector's CPU after every
// garbage collection (the finalizer of an object made for it, made again
// each cycle), and lifts the limit once the live heap is past lift or
// the collector's share of the CPU used is past gcShare over a window.
type limitWatch struct {
	limit   int64   // the limit set
	lift    int64   // the live heap over which it is lifted
	gcShare float64 // the collector's share of the CPU used over which it is lifted
	window  float64 // CPU seconds used over which that share is judged
	mu      sync.Mutex
	sample  []metrics.Sample
	// The collector's and the process's CPU seconds where the window
	// began.
	gc0, used0 float64
}

// gcTick is collected at the next garbage collection after it is made;
// its finalizer then runs. It holds a pointer, so that it is never put in
// a block of tiny objects (whose finalizers may not run).
type gcTick struct{ w *limitWatch }

func (w *limitWatch) arm() {
	runtime.SetFinalizer(&gcTick{w: w}, func(t *gcTick) { t.w.cycle() })
}

// cycle runs after a garbage collection: it lifts the limit when the live
// heap is past w.lift, and otherwise watches for the next one. It stops
// watching when the limit is no longer the one it set (the program, or a
// test, set another).
func (w *limitWatch) cycle() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if debug.SetMemoryLimit(-1) != w.limit {
		return
	}
	metrics.Read(w.sample)
	var live uint64
	if s := w.sample[0]; s.Value.Kind() == metrics.KindUint64 {
		live = s.Value.Uint64()
	}
	gc, used, ok := w.cpu()
	if w.judge(live, gc, used, ok) {
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	w.arm()
}

// judge says whether the limit is to be lifted, given the live heap and
// the collector's and the process's CPU seconds so far (ok false when the
// runtime does not report them): when the live heap is past w.lift, or
// when over the CPU used since the window began (at least w.window
// seconds of it) the collector took more than w.gcShare. A window judged
// and found fine begins a new one.
func (w *limitWatch) judge(live uint64, gc, used float64, ok bool) bool {
	if live > uint64(w.lift) {
		return true
	}
	if !ok || used-w.used0 < w.window {
		return false
	}
	if (gc-w.gc0)/(used-w.used0) > w.gcShare {
		return true
	}
	w.gc0, w.used0 = gc, used
	return false
}

// cpu returns the collector's CPU seconds and the process's (Go's
// estimates) from the last metrics.Read. The collector's marking on
// processors that were otherwise idle (a command waiting for its reads)
// takes nothing from the program: it counts in neither, so only assists,
// dedicated marking and pauses are the collector's cost.
func (w *limitWatch) cpu() (gc, used float64, ok bool) {
	v := make([]float64, 0, 6)
	for _, s := range w.sample[1:] {
		if s.Value.Kind() != metrics.KindFloat64 {
			return 0, 0, false
		}
		v = append(v, s.Value.Float64())
	}
	assist, dedicated, pause, markIdle, total, idle := v[0], v[1], v[2], v[3], v[4], v[5]
	return assist + dedicated + pause, total - idle - markIdle, true
}
