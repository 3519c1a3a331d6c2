package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBatchSync(t *testing.T) {
	dir := t.TempDir()
	b := NewBatch(dir)
	for _, n := range []string{"a", "sub/b"} {
		p := filepath.Join(dir, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
		b.AddFile(p)
	}
	b.AddDir(filepath.Join(dir, "sub"))
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if haveSyncFS && (len(b.files) != 0 || len(b.dirs) != 0) {
		t.Errorf("with syncfs the batch kept %d files, %d dirs; it keeps nothing", len(b.files), len(b.dirs))
	}
	// A file that vanished before the fallback fsyncs it is an error there.
	if !haveSyncFS {
		b.AddFile(filepath.Join(dir, "gone"))
		if err := b.Sync(); err == nil {
			t.Error("Sync of a missing file succeeded")
		}
	}
	if err := NewBatch(filepath.Join(dir, "missing")).Sync(); haveSyncFS && err == nil {
		t.Error("Sync on a missing directory succeeded")
	}
}
