package publish

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkPublish publishes alternately two releases with a 16 MB image
// into one root: staging, fsyncs, renames, backups, journal.
func BenchmarkPublish(b *testing.B) {
	dir := b.TempDir()
	oldB := writeBundle(b, filepath.Join(dir, "old"), testRelease("8-11-00", 16<<20))
	newB := writeBundle(b, filepath.Join(dir, "new"), testRelease("8-12-00", 16<<20))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	b.SetBytes(16<<20 + 4<<20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src := newB
		if i%2 == 1 {
			src = oldB
		}
		if _, err := Run(src, root, noVerify); err != nil {
			b.Fatal(err)
		}
		// Keep the history from growing across iterations.
		ids, _ := History(sdOf(b, root))
		for _, id := range ids[:len(ids)-1] {
			os.RemoveAll(filepath.Join(historyDir(sdOf(b, root)), id))
		}
	}
}

// TestPublishPhases times the phases of one publish of the bundle named by
// PHONELOAD_BENCH_BUNDLE into a new empty root (skipped without it), through
// the step hook: staging, prepare (plan, backups, the one sync), and the
// mixed-state window, from the first rename into the root to the last.
// scripts/bench-publish.sh runs it on a 50,000-file bundle.
func TestPublishPhases(t *testing.T) {
	src := os.Getenv("PHONELOAD_BENCH_BUNDLE")
	if src == "" {
		t.Skip("PHONELOAD_BENCH_BUNDLE not set")
	}
	root := filepath.Join(t.TempDir(), "root")
	os.Mkdir(root, 0o755)
	start := time.Now()
	var firstStage, prepared, firstApply, lastApply time.Time
	n := 0
	hook := func(step string) error {
		now := time.Now()
		switch {
		case strings.HasPrefix(step, "stage-") && firstStage.IsZero():
			firstStage = now
		case step == "journal-prepared":
			prepared = now
		case strings.HasPrefix(step, "apply-"):
			if firstApply.IsZero() {
				firstApply = now
			}
			lastApply = now
			n++
		}
		return nil
	}
	if _, err := Run(src, root, Options{SkipVerify: true, hook: hook}); err != nil {
		t.Fatal(err)
	}
	end := time.Now()
	if n == 0 {
		t.Fatal("no file applied")
	}
	t.Logf("files applied: %d", n)
	t.Logf("read bundle until first stage: %.3f s", firstStage.Sub(start).Seconds())
	t.Logf("stage, plan, back up, sync until prepared: %.3f s", prepared.Sub(firstStage).Seconds())
	t.Logf("mixed-state window (first to last rename into the root): %.3f s", lastApply.Sub(firstApply).Seconds())
	t.Logf("finish (state, history): %.3f s", end.Sub(lastApply).Seconds())
	t.Logf("total: %.3f s", end.Sub(start).Seconds())
}
