//go:build unix

package publish

import (
	"os"

	"golang.org/x/sys/unix"
)

// renamer renames staged files into the root relative to two open
// directories (renameat(2)): the commit loop resolves neither the state
// directory's nor the root's path again for every file.
type renamer struct{ from, to *os.File }

func newRenamer(from, to string) (*renamer, error) {
	f, err := os.OpenFile(from, os.O_RDONLY|oDirectory, 0)
	if err != nil {
		return nil, err
	}
	t, err := os.OpenFile(to, os.O_RDONLY|oDirectory, 0)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &renamer{from: f, to: t}, nil
}

// rename moves from/stage to to/name (a slash-separated name).
func (r *renamer) rename(stage, name string) error {
	err := unix.Renameat(int(r.from.Fd()), stage, int(r.to.Fd()), name)
	if err != nil {
		return &os.LinkError{Op: "rename", Old: stage, New: name, Err: err}
	}
	return nil
}

func (r *renamer) close() {
	r.from.Close()
	r.to.Close()
}
