//go:build unix

package bundle

import (
	"errors"
	"io"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// rawFile reads a file with plain system calls. Verifying a TFTP root opens
// tens of thousands of small files; os.File's poller registration and
// bookkeeping cost more than reading a 1 KiB config, and this is the path
// that has to beat sha256sum -c.
type rawFile int

// openRaw opens p for reading without following a final symlink and
// without blocking on a FIFO, and reports its size and whether it is a
// regular file.
func openRaw(p string) (f rawFile, size int64, regular bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return -1, 0, false, err
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return -1, 0, false, err
	}
	return rawFile(fd), st.Size, st.Mode&syscall.S_IFMT == syscall.S_IFREG, nil
}

// isNotRegularErr recognises the error of opening a symlink with O_NOFOLLOW,
// or of a path whose directory is a symlink or a file.
func isNotRegularErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR)
}

// treeDir is an open directory whose files are opened relative to it, so
// that no symlink anywhere below it is followed: a live root whose ring/
// is a symlink to elsewhere has ring/x checked as "not a regular file", not
// read from outside the root.
type treeDir struct{ fd int }

func openTreeDir(root string) (treeDir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return treeDir{-1}, err
	}
	return treeDir{fd}, nil
}

func (d treeDir) Close() error { return unix.Close(d.fd) }

// open opens the slash-separated name below d like openRaw, every
// directory on the way opened with O_NOFOLLOW too.
func (d treeDir) open(name string) (f rawFile, size int64, regular bool, err error) {
	dir := d.fd
	for {
		el, rest, more := strings.Cut(name, "/")
		if !more {
			break
		}
		next, err := openatRetry(dir, el, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC)
		if dir != d.fd {
			unix.Close(dir)
		}
		if err != nil {
			return -1, 0, false, err
		}
		dir, name = next, rest
	}
	fd, err := openatRetry(dir, name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW|unix.O_NONBLOCK)
	if dir != d.fd {
		unix.Close(dir)
	}
	if err != nil {
		return -1, 0, false, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, 0, false, err
	}
	return rawFile(fd), st.Size, st.Mode&unix.S_IFMT == unix.S_IFREG, nil
}

func openatRetry(dir int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flags, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

func (f rawFile) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(f), b)
		if err == syscall.EINTR || err == syscall.EAGAIN {
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 && len(b) > 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

func (f rawFile) Close() error { return syscall.Close(int(f)) }

// offHeap returns a buffer of n bytes outside the Go heap (an anonymous
// mapping) and the function that releases it; below offHeapMin bytes, or
// when the mapping fails, an ordinary slice. Verify keeps SHA256SUMS
// (90 MB at a million files) there: held on the heap, it let the
// collector's target, twice the live heap, grow to twice its size in
// garbage (issue 16). Nothing that outlives the release may point into it.
func offHeap(n int) ([]byte, func()) {
	if n < offHeapMin {
		return make([]byte, n), func() {}
	}
	b, err := unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n), func() {}
	}
	return b, func() { unix.Munmap(b) }
}
