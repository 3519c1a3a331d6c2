package container

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps two directories in one step (renameat2 RENAME_EXCHANGE),
// falling back to two renames on filesystems without it.
func exchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTSUP) {
		return exchangeByRenames(a, b)
	}
	return err
}
