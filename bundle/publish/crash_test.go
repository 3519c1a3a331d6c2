//go:build unix

package publish

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/drop"
)

// TestCrashChild is the publish (or rollback) that TestCrash kills. It runs
// only when TestCrash starts it.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv("PHONELOAD_CRASH_MODE")
	if mode == "" {
		t.Skip("run by TestCrash")
	}
	at, _ := strconv.Atoi(os.Getenv("PHONELOAD_CRASH_AT"))
	n := 0
	hook := func(step string) error {
		n++
		if n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Second)
		}
		return nil
	}
	var err error
	switch mode {
	case "publish":
		_, err = Run(os.Getenv("PHONELOAD_CRASH_BUNDLE"), os.Getenv("PHONELOAD_CRASH_ROOT"), Options{SkipVerify: true, hook: hook})
	case "rollback":
		_, err = Rollback(os.Getenv("PHONELOAD_CRASH_ROOT"), RollbackOptions{hook: hook})
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("steps=%d\n", n)
}

// TestCrash kills a publish, and a rollback, with SIGKILL at every journal
// step and at random instants, hundreds of times. After each kill every
// phone's view of the root must be whole (every file it reads is byte-equal
// to the old or the new release, and the load its configuration names is
// there with all its parts from the same release); then either a new
// publish or a rollback must finish cleanly and leave exactly the new or
// the old release.
func TestCrash(t *testing.T) {
	runs := 300
	if testing.Short() {
		runs = 40
	}
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 64<<10), testRelease("8-12-00", 64<<10)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)

	child := func(mode, root string, at int, killAfter time.Duration) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PHONELOAD_CRASH_MODE="+mode, "PHONELOAD_CRASH_ROOT="+root,
			"PHONELOAD_CRASH_BUNDLE="+newB, "PHONELOAD_CRASH_AT="+strconv.Itoa(at))
		if killAfter > 0 {
			if err := cmd.Start(); err != nil {
				return "", err
			}
			timer := time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
			err := cmd.Wait()
			timer.Stop()
			return "", err
		}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	setup := func(i int, newToo bool) string {
		root := filepath.Join(dir, "roots", strconv.Itoa(i))
		os.MkdirAll(root, 0o755)
		publishOK(t, oldB, root, noVerify)
		if newToo {
			publishOK(t, newB, root, noVerify)
		}
		return root
	}
	// Count the steps of an undisturbed publish and rollback.
	countSteps := func(mode string, newToo bool) int {
		root := setup(-1-len(mode), newToo)
		out, err := child(mode, root, 0, 0)
		var n int
		if _, serr := fmt.Sscanf(stepsLine(out), "steps=%d", &n); err != nil || serr != nil {
			t.Fatalf("%s child: %v\n%s", mode, err, out)
		}
		return n
	}
	pubSteps, rbSteps := countSteps("publish", false), countSteps("rollback", true)

	// check (branch check) on the root: after a kill it may report only the
	// errors it reports for the old or the new release themselves (the
	// synthetic images here carry no Cisco header). The journal directory
	// is not check's business.
	checkErrors := func(root string) map[string]bool {
		rep, err := check.RunPath(root, drop.OpenOptions{}, check.Options{})
		if err != nil {
			t.Fatalf("check %s: %v", root, err)
		}
		errs := map[string]bool{}
		for _, f := range rep.Findings {
			if f.Severity == check.SeverityError && !strings.HasPrefix(f.File, drop.StateDir+"/") {
				errs[f.Rule+" "+f.File+": "+f.Message] = true
			}
		}
		return errs
	}
	baseline := checkErrors(setup(-20, false))
	for k := range checkErrors(setup(-21, true)) {
		baseline[k] = true
	}
	t.Logf("publish has %d crash points, rollback %d", pubSteps, rbSteps)

	rng := rand.New(rand.NewPCG(1, 2))
	deadline := time.Now().Add(90 * time.Second)
	for i := 0; i < runs && time.Now().Before(deadline); i++ {
		mode := "publish"
		if i%4 == 3 {
			mode = "rollback"
		}
		root := setup(i, mode == "rollback")
		var at int
		var kill time.Duration
		switch {
		case i%3 == 2:
			kill = time.Duration(rng.IntN(60_000)) * time.Microsecond // an arbitrary instant
		case mode == "publish":
			at = 1 + i%pubSteps
		default:
			at = 1 + i%rbSteps
		}
		out, err := child(mode, root, at, kill)
		if err == nil && kill == 0 {
			t.Fatalf("run %d: child was not killed at step %d:\n%s", i, at, out)
		}
		if p := phoneViews(root, oldR, newR); p != "" {
			t.Fatalf("run %d (%s, step %d, kill %v): after the kill:\n%s", i, mode, at, kill, p)
		}
		for e := range checkErrors(root) {
			if !baseline[e] {
				t.Fatalf("run %d (%s, step %d, kill %v): check after the kill: %s", i, mode, at, kill, e)
			}
		}
		if i%2 == 0 {
			publishOK(t, newB, root, noVerify)
			if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
				t.Fatalf("run %d (%s, step %d, kill %v): publish after the crash:\n%s", i, mode, at, kill, d)
			}
		} else {
			_, terr := os.Stat(txnDir(sdOf(t, root)))
			pending := terr == nil
			hist, _ := History(sdOf(t, root))
			rb, rerr := Rollback(root, RollbackOptions{})
			if rerr != nil {
				t.Fatalf("run %d: rollback after the crash: %v", i, rerr)
			}
			// Rolling back lands on the release before the interrupted
			// operation: the old one, or the new one when a rollback of the
			// new release was what got interrupted and it had not started.
			// Rollback undoes the latest publish, or the interrupted
			// operation. Only when the kill came before the child's publish
			// started, or after its rollback finished, is the latest
			// publish the old release, and rolling it back empties the root.
			want := oldR
			if !pending && len(hist) == 1 {
				want = release{}
			}
			got := readRootFiles(t, root)
			if d := sameRelease(want, got); d != "" {
				t.Fatalf("run %d (%s, step %d, kill %v): rollback (%+v) after the crash:\n%s", i, mode, at, kill, rb, d)
			}
		}
		if _, err := os.Stat(txnDir(sdOf(t, root))); err == nil {
			t.Fatalf("run %d: transaction left behind after recovery", i)
		}
		os.RemoveAll(root)
	}
}

// stepsLine finds the "steps=N" line the child prints.
func stepsLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "steps=") {
			return l
		}
	}
	return ""
}
