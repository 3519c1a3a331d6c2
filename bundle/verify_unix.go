//go:build unix

package bundle

import (
	"errors"
	"io"
	"syscall"
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

// isNotRegularErr recognises the error of opening a symlink with O_NOFOLLOW.
func isNotRegularErr(err error) bool { return errors.Is(err, syscall.ELOOP) }

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
