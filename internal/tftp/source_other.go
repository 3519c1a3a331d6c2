//go:build !unix

package tftp

// openNonblock: no FIFOs to guard against here.
const openNonblock = 0
