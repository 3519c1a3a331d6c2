package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// Batch makes many new files and directories durable with one flush instead
// of one fsync each. Add every file and directory written, then Sync once
// before the step that publishes them (the rename of a whole tree, or a
// journal state that names them). On Linux Sync is one syncfs(2) of the file
// system holding Dir: it writes back every dirty page and inode of that file
// system, the added ones included, and waits for it. Elsewhere Sync fsyncs
// each added file, then each directory, as before.
//
// This is as crash-safe as a fsync per file because nothing refers to the
// files until Sync has returned: a crash before leaves only unreferenced
// temporary files, which the caller discards on the next run.
type Batch struct {
	Dir   string // any path on the file system written to
	files []string
	dirs  map[string]bool
}

// NewBatch starts a batch for files written on dir's file system.
func NewBatch(dir string) *Batch { return &Batch{Dir: dir, dirs: map[string]bool{}} }

// AddFile records a file written (and closed) for the next Sync. With
// syncfs, nothing is kept: memory stays flat however many files there are.
func (b *Batch) AddFile(path string) {
	if !haveSyncFS {
		b.files = append(b.files, path)
		b.dirs[filepath.Dir(path)] = true
	}
}

// AddDir records a directory whose entries changed.
func (b *Batch) AddDir(dir string) {
	if !haveSyncFS {
		b.dirs[dir] = true
	}
}

// Sync makes everything added durable. Directories are synced after files.
func (b *Batch) Sync() error {
	if haveSyncFS {
		err := syncFS(b.Dir)
		if errors.Is(err, syscall.ENOSYS) {
			// A kernel without syncfs (before 2.6.39): nothing was
			// recorded, so sync(2) everything, which Linux waits for.
			syncAll()
			return nil
		}
		return err
	}
	for _, f := range b.files {
		if err := syncFile(f); err != nil {
			return err
		}
	}
	for d := range b.dirs {
		if err := SyncDir(d); err != nil {
			return err
		}
	}
	b.files = b.files[:0]
	clear(b.dirs)
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !isUnsupported(err) {
		return err
	}
	return nil
}
