//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
// 217 MiB once. Branch model (compact drop model: per-phone files
// summarised, File in 96 bytes, phones table made on demand, the zip's
// central directory in 32 bytes an entry) measured check 122.5 MiB,
// inspect --json 106.9 MiB, pack 107.9 MiB; merged with main's flat
// listing (branch list): check 59.4, inspect --json 60.5, pack 76.9 MiB.
// Branch packmem (SHA256SUMS, the zip's records and its central directory
// in files beside the output, not in memory; a GC after the check) measured
// pack 61.2 MiB to a directory, 58 MiB to a zip (main: 67.7 and 91.6), the
// same as check (58.5-60.7): pack keeps nothing per file beyond what its
// check does.
// Branch heap (Kind in one byte, File in 80 bytes; check's offers as
// 8-byte references and its fold index as a permutation; a default soft
// memory limit of 176 MiB, which a root of 100,000 files does not reach):
// check 56.5, inspect --json 57.8, pack 77.5, verify 37.3 MiB, and check
// and inspect bounds lowered from 80 MiB to 72.
// The bounds are those plus a quarter or so, so a per-file state that
// grows back fails here.
const (
	rssFiles        = 100_000
	rssBoundCheck   = 72 << 20
	rssBoundInspect = 72 << 20
	rssBoundPack    = 76 << 20
	rssBoundPackZip = 76 << 20
	// verify of the directory and of the zip (branch verifymem,
	// 2026-12-06: SHA256SUMS outside the Go heap, the zip walked without
	// a record per entry, decompressors reused): 30.0-31.2 and 31.0 MiB
	// here. On the 100,000-file tree of scripts/bench-tree.sh main
	// peaked at 36.8 and 78-93 MiB, the branch at 28.2 and 29.0.
	// Bounds: a quarter over.
	rssBoundVerify    = 38 << 20
	rssBoundVerifyZip = 40 << 20
)

func init() { testCommands["rssrun"] = rssRun }

// rssRun (this test binary called as rssrun) runs the command of its
// arguments, its output to /dev/null and its errors to its own, and
// prints the command's peak RSS in KiB; it exits with its exit code.
// TestRSSGuard measures through it, not as the command's parent: Go
// starts a child with vfork, and Linux counts the peak RSS of the memory
// the child execs from (the parent's, for the whole life of the parent)
// into the child's. The test process, which wrote 100,000 files and ran
// other tests before, would set a floor under every measure (40.7 MiB
// once, over verify's bound); rssrun's own peak is a few MiB.
func rssRun() {
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stderr = os.Stderr
	err := c.Run()
	if c.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "rssrun:", err)
		os.Exit(125)
	}
	fmt.Println(c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) // KiB on Linux
	os.Exit(c.ProcessState.ExitCode())
}

// TestRSSGuard runs the phoneload binary (this test binary, dispatched by
// testscript.Main under the name phoneload) as a grandchild, through
// rssrun, which reads its peak RSS from the kernel's rusage of its child.
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
	rssrun := filepath.Join(dir, "bin", "rssrun")
	os.Mkdir(filepath.Dir(bin), 0o755)
	for _, p := range []string{bin, rssrun} {
		if err := os.Symlink(exe, p); err != nil {
			t.Fatal(err)
		}
	}
	run := func(bound int64, args ...string) {
		t.Helper()
		c := exec.Command(rssrun, append([]string{bin}, args...)...)
		c.Dir = dir
		c.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1700000000")
		// phoneload's output goes to /dev/null (rssrun's child), not
		// into a process whose memory would count.
		var stdout, stderr strings.Builder
		c.Stdout, c.Stderr = &stdout, &stderr
		start := time.Now()
		if err := c.Run(); err != nil {
			t.Fatalf("phoneload %v: %v\n%s", args, err, stderr.String())
		}
		kib, err := strconv.ParseInt(strings.TrimSpace(stdout.String()), 10, 64)
		if err != nil {
			t.Fatalf("rssrun printed %q: %v", stdout.String(), err)
		}
		rss := kib << 10
		t.Logf("phoneload %s: peak RSS %.1f MiB (bound %d MiB), %.1f s", args[0], float64(rss)/(1<<20), bound>>20, time.Since(start).Seconds())
		if rss > bound {
			t.Errorf("phoneload %v: peak RSS %d MiB, over the bound of %d MiB", args, rss>>20, bound>>20)
		}
	}
	run(rssBoundPack, "key", "generate", "-o", "k", "--unencrypted")
	run(rssBoundCheck, "check", "root")
	run(rssBoundInspect, "inspect", "--json", "root")
	run(rssBoundPack, "pack", "--key", "k.key", "-o", "b", "root")
	run(rssBoundPackZip, "pack", "--key", "k.key", "-o", "b.zip", "root")
	run(rssBoundVerify, "verify", "--pub", "k.pub", "b")
	run(rssBoundVerifyZip, "verify", "--pub", "k.pub", "b.zip")
}
