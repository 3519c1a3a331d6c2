package publish

import (
	"os"
	"path/filepath"
	"testing"
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
