//go:build unix

package publish

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockRoot takes the publish lock of root: an flock on STATE/lock.
// The kernel drops it when the holder dies, so a killed publish never leaves
// a stale lock; the pid written into the file only serves the error message.
func lockRoot(root, sd string) (unlock func(), err error) {
	for {
		unlock, removed, err := tryLockRoot(root, sd)
		if !removed {
			return unlock, err
		}
	}
}

// lockName is the lock file in the state directory.
const lockName = "lock"

// tryLockRoot takes the lock once. removed reports that the file locked
// had been removed meanwhile (a failed first publish tidies the journal
// directory away, see removeBareStateDir): the caller must start again.
func tryLockRoot(root, sd string) (unlock func(), removed bool, err error) {
	if err := openStateDir(sd, root, true); err != nil {
		return nil, false, err
	}
	p := filepath.Join(sd, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("bundle: %s: cannot take the publish lock: %w", root, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := make([]byte, 64)
		n, _ := f.ReadAt(holder, 0)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			if h := strings.TrimSpace(string(holder[:n])); h != "" {
				return nil, false, fmt.Errorf("%w: %s (%s holds %s)", ErrLocked, root, h, p)
			}
			return nil, false, fmt.Errorf("%w: %s (%s is locked)", ErrLocked, root, p)
		}
		return nil, false, fmt.Errorf("bundle: lock %s: %w", p, err)
	}
	if a, err := f.Stat(); err == nil {
		if b, err := os.Stat(p); err != nil || !os.SameFile(a, b) {
			f.Close()
			return nil, true, nil
		}
	}
	host, _ := os.Hostname()
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("pid %d on %s\n", os.Getpid(), host)), 0)
	return func() {
		f.Truncate(0)
		f.Close()
	}, false, nil
}
