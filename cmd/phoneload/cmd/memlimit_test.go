package cmd

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestDefaultMemoryLimit: phoneload sets a soft memory limit unless
// GOMEMLIMIT or GOGC is set, and lifts it once the live heap is past 7/8
// of it, so that a root too large for it does not make the collector run
// all the time (issue 16).
func TestDefaultMemoryLimit(t *testing.T) {
	orig := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(orig) })
	env := func(vars ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for _, v := range vars {
				if v == k {
					return "1", true
				}
			}
			return "", false
		}
	}
	for _, v := range []string{"GOMEMLIMIT", "GOGC"} {
		if setMemoryLimit(env(v), 48<<20) || debug.SetMemoryLimit(-1) != orig {
			t.Errorf("with %s set the limit was set: %d", v, debug.SetMemoryLimit(-1))
		}
	}
	if DefaultMemoryLimit != 176<<20 {
		t.Errorf("DefaultMemoryLimit = %d; the root --help and docs/architecture.md say 176 MiB", DefaultMemoryLimit)
	}

	const limit = 48 << 20
	if !setMemoryLimit(env(), limit) || debug.SetMemoryLimit(-1) != limit {
		t.Fatalf("limit not set: %d", debug.SetMemoryLimit(-1))
	}
	// A small live heap keeps it, cycle after cycle.
	for range 5 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs on a goroutine of its own
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Fatalf("limit %d after collections of a small heap, want %d", got, limit)
	}
	// A live heap past 7/8 of it lifts it.
	keep := make([][]byte, 0, 46)
	for range 46 {
		keep = append(keep, make([]byte, 1<<20))
	}
	lifted := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if debug.SetMemoryLimit(-1) == math.MaxInt64 {
			lifted = true
			break
		}
	}
	runtime.KeepAlive(keep)
	keep = nil
	if !lifted {
		t.Fatalf("limit %d with a live heap of 46 MiB, want it lifted", debug.SetMemoryLimit(-1))
	}

	// A limit someone else set afterwards is left alone.
	if !setMemoryLimit(env(), limit) {
		t.Fatal("limit not set")
	}
	debug.SetMemoryLimit(64 << 20)
	keep = make([][]byte, 0, 46)
	for range 46 {
		keep = append(keep, make([]byte, 1<<20))
	}
	for range 5 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(keep)
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("limit %d, want the 64 MiB set after the default", got)
	}
}

// TestMemoryLimitJudge: the limit is lifted when the live heap passes 7/8
// of it, or when the collector took more than half the CPU used over a
// window of at least a CPU second.
func TestMemoryLimitJudge(t *testing.T) {
	type obs struct {
		live     uint64
		gc, used float64 // CPU seconds so far
		ok       bool    // the runtime reported them
	}
	for _, c := range []struct {
		name string
		seq  []obs
		want []bool
	}{
		{"small heap, little GC", []obs{{10 << 20, 0.05, 0.5, true}, {10 << 20, 0.1, 1.2, true}, {12 << 20, 0.3, 2.5, true}}, []bool{false, false, false}},
		{"live heap past 7/8", []obs{{10 << 20, 0.05, 0.5, true}, {155 << 20, 0.06, 0.6, true}}, []bool{false, true}},
		{"collector past half", []obs{{140 << 20, 0.1, 0.5, true}, {140 << 20, 0.6, 1.1, true}}, []bool{false, true}},
		{"half exactly is kept", []obs{{140 << 20, 0.5, 1.0, true}}, []bool{false}},
		{"a third is kept", []obs{{140 << 20, 0.35, 1.0, true}, {140 << 20, 0.7, 2.0, true}}, []bool{false, false}},
		{"judged over a second at least", []obs{{140 << 20, 0.55, 0.6, true}, {140 << 20, 0.85, 0.9, true}}, []bool{false, false}},
		{"a fine window starts the next", []obs{{140 << 20, 0.1, 1.0, true}, {140 << 20, 0.7, 2.0, true}}, []bool{false, true}},
		{"the share is of the window, not of all", []obs{{140 << 20, 0.1, 1.0, true}, {140 << 20, 0.2, 2.0, true}, {140 << 20, 0.8, 3.0, true}}, []bool{false, false, true}},
		{"no CPU metrics", []obs{{140 << 20, 0, 0, false}, {150 << 20, 0, 0, false}, {160 << 20, 0, 0, false}}, []bool{false, false, true}},
	} {
		w := &limitWatch{limit: 176 << 20, lift: 154 << 20, gcShare: 0.5, window: 1}
		for i, o := range c.seq {
			if got := w.judge(o.live, o.gc, o.used, o.ok); got != c.want[i] {
				t.Errorf("%s: step %d (%+v): lift %v, want %v", c.name, i, o, got, c.want[i])
			}
		}
	}
}
