//go:build unix

package container

import "syscall"

// openNonblock is added to the flags of every file a directory walk opens:
// see openListed.
const openNonblock = syscall.O_NONBLOCK
