//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/fixture"
)

// rssBound is the peak RSS that check, pack (which runs check first) and
// verify may reach on a root of 100,000 per-phone files plus a small SIP firmware drop.
// Memory, unlike time, does not depend on the machine's load, so this is a
// CI guard for issue 16: a change that makes per-file state grow fails here.
// Measured 2026-12-05: see docs/benchmarks.md ("Memory guard").
// Measured on branch mem1m (2026-12-05, four runs): check 187–199 MiB,
// inspect --json 187–201 MiB (372 MiB before its phones were streamed
// too), pack 187–206 MiB, verify 38 MiB (53 MiB before the batched
// listing; main before it: check 201–230, pack 206, verify 74–86,
// inspect --json far more: the verify and inspect bounds fail the old code).
// On main after the merge with the zip and publish speed work, check read
// 217 MiB once: its bound is 250 MiB like pack's, so GC timing cannot make
// CI flaky; a per-file state that grows by a quarter still fails it.
const (
	rssFiles        = 100_000
	rssBoundCheck   = 250 << 20
	rssBoundInspect = 250 << 20
	rssBoundPack    = 250 << 20
	rssBoundVerify  = 60 << 20
)

// TestRSSGuard runs the phoneload binary (this test binary, dispatched by
// testscript.Main under the name phoneload) as a child and reads its peak
// RSS from the kernel's rusage of that child.
func TestRSSGuard(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 files")
	}
	// On tmpfs when there is one: the guard measures memory, and the
	// disk of a shared CI machine would only make it slow.
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "phoneload-rss-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	root := filepath.Join(dir, "root")
	gen := time.Now()
	if err := fixture.Main([]string{"-size", "256K", "sip7940", root}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.WriteLineConfigs(root, rssFiles, ""); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated %d files in %.1f s", rssFiles, time.Since(gen).Seconds())
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin", "phoneload")
	os.Mkdir(filepath.Dir(bin), 0o755)
	if err := os.Symlink(exe, bin); err != nil {
		t.Fatal(err)
	}
	run := func(bound int64, args ...string) {
		t.Helper()
		c := exec.Command(bin, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		// Output goes to /dev/null, not into this process: a child's
		// peak RSS on Linux counts from its parent's at the fork, so
		// holding inspect's document here would be charged to the next
		// command.
		var stderr strings.Builder
		c.Stderr = &stderr
		start := time.Now()
		if err := c.Run(); err != nil {
			t.Fatalf("phoneload %v: %v\n%s", args, err, stderr.String())
		}
		rss := c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
		t.Logf("phoneload %s: peak RSS %.1f MiB (bound %d MiB), %.1f s", args[0], float64(rss)/(1<<20), bound>>20, time.Since(start).Seconds())
		if rss > bound {
			t.Errorf("phoneload %v: peak RSS %d MiB, over the bound of %d MiB", args, rss>>20, bound>>20)
		}
	}
	run(rssBoundPack, "key", "generate", "-o", "k", "--unencrypted")
	run(rssBoundCheck, "check", "root")
	run(rssBoundInspect, "inspect", "--json", "root")
	run(rssBoundPack, "pack", "--key", "k.key", "-o", "b", "root")
	run(rssBoundVerify, "verify", "--pub", "k.pub", "b")
}
