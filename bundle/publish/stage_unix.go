//go:build unix

package publish

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// stager creates staged files in txn/new with plain system calls relative
// to the open directory: openat, write, close, three calls per small
// file. An *os.File would add a poller registration (epoll_ctl, refused
// for regular files) and finalizer bookkeeping to each of 50,000 files.
type stager struct{ dir *os.File }

func openStager(dir string) (*stager, error) {
	d, err := os.OpenFile(dir, os.O_RDONLY|oDirectory, 0)
	if err != nil {
		return nil, err
	}
	return &stager{dir: d}, nil
}

func (s *stager) close() { s.dir.Close() }

// write creates name (which must not exist, and is never a link) with
// what r yields, copied through buf.
func (s *stager) write(name string, r io.Reader, buf []byte) error {
	fd, err := unix.Openat(int(s.dir.Fd()), name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	_, err = io.CopyBuffer(fdWriter(fd), r, buf)
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = &os.PathError{Op: "close", Path: name, Err: cerr}
	}
	return err
}

// fdWriter writes to a raw descriptor, all of p or an error.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(int(w), p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: "staged file", Err: err}
		}
		if m == 0 {
			return n, io.ErrShortWrite
		}
		n += m
	}
	return n, nil
}
