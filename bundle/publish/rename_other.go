//go:build !unix

package publish

import (
	"os"
	"path/filepath"
)

// renamer renames staged files into the root (see rename_unix.go).
type renamer struct{ from, to string }

func newRenamer(from, to string) (*renamer, error) { return &renamer{from: from, to: to}, nil }

func (r *renamer) rename(stage, name string) error {
	return os.Rename(filepath.Join(r.from, stage), filepath.Join(r.to, filepath.FromSlash(name)))
}

func (r *renamer) close() {}
