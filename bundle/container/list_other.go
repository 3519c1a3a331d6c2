//go:build !linux

package container

import (
	"io"
	"os"
)

// readDir elsewhere reads each directory in batches with os.File.ReadDir.
var readDir = readDirBatches

func listBuf() int     { return 0 }
func setListBuf(n int) {}

// flatDir would open files by name in the root directory with plain
// system calls; elsewhere than on Linux os.Root opens every file.
type flatDir struct{}

func openFlatDir(*os.Root) (flatDir, error) { return flatDir{}, nil }
func (flatDir) close()                      {}
func (flatDir) open(string, *Entry) (io.ReadCloser, bool, error) {
	return nil, false, nil
}
