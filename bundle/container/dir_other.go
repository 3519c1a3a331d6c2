//go:build !unix

package container

// openNonblock is added to the flags of every file a directory walk opens:
// see openListed. Elsewhere the flag does not exist.
const openNonblock = 0
