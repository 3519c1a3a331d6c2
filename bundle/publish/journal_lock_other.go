//go:build !unix

package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// lockName is the lock file in the state directory.
const lockName = "lock.pid"

// lockRoot takes the publish lock of root with an O_EXCL lock file. Without
// flock a killed publish leaves the file behind; remove it by hand once no
// publish is running (the error names it).
func lockRoot(root, sd string) (unlock func(), err error) {
	if err := openStateDir(sd, root, true); err != nil {
		return nil, err
	}
	p := filepath.Join(sd, lockName)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%w: %s (lock file %s; remove it if no publish is running)", ErrLocked, root, p)
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	fmt.Fprintf(f, "pid %d\n", os.Getpid())
	f.Close()
	return func() { os.Remove(p) }, nil
}
