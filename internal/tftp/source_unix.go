//go:build unix

package tftp

import "syscall"

// openNonblock keeps open(2) of a FIFO from waiting for a writer.
const openNonblock = syscall.O_NONBLOCK
