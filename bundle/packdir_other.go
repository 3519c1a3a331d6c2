//go:build !unix

package bundle

import (
	"io"
	"os"
	"path/filepath"
	"time"
)

// outTree creates the files of the directory form below root (see
// packdir_unix.go for the descriptor-relative version).
type outTree struct{ root string }

func newOutTree(root string) *outTree { return &outTree{root: root} }

func (t *outTree) close() {}

// create writes the new file name (slash-separated, below root; its
// directory exists), mode 0644, with what fill writes to it, fsynced if
// sync, then sets its times to when.
func (t *outTree) create(name string, when time.Time, sync bool, fill func(io.Writer) error) error {
	p := filepath.Join(t.root, filepath.FromSlash(name))
	w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	err = fill(w)
	if err == nil {
		err = w.Chmod(modeFor(false)) // whatever the umask
	}
	if err == nil && sync {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Fixed times everywhere, so that a copy (rsync -t, tar) of the
	// directory is reproducible too.
	return os.Chtimes(p, when, when)
}
