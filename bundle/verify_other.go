//go:build !unix

package bundle

import (
	"os"
	"path/filepath"
)

type rawFile = *os.File

func openRaw(p string) (f rawFile, size int64, regular bool, err error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, 0, false, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, false, errNotRegular
	}
	fd, err := os.Open(p)
	if err != nil {
		return nil, 0, false, err
	}
	fi, err = fd.Stat()
	if err != nil {
		fd.Close()
		return nil, 0, false, err
	}
	return fd, fi.Size(), fi.Mode().IsRegular(), nil
}

var errNotRegular = errorString("not a regular file")

type errorString string

func (e errorString) Error() string { return string(e) }

func isNotRegularErr(err error) bool { return err == errNotRegular }

// treeDir opens files below a directory by path. Only the final element is
// checked for a link here; unix builds refuse links at every level.
type treeDir struct{ root string }

func openTreeDir(root string) (treeDir, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return treeDir{}, err
	}
	if !fi.IsDir() {
		return treeDir{}, errNotRegular
	}
	return treeDir{root}, nil
}

func (d treeDir) Close() error { return nil }

func (d treeDir) open(name string) (rawFile, int64, bool, error) {
	return openRaw(filepath.Join(d.root, filepath.FromSlash(name)))
}

// offHeap is the unix one's stand-in: an ordinary slice.
func offHeap(n int) ([]byte, func()) { return make([]byte, n), func() {} }
