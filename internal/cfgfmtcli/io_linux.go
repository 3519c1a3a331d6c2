package cfgfmtcli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The batch compiler reads and writes tens of thousands of small files.
// os.File registers every file with the network poller and sets flags,
// four extra system calls a file that cost more than compiling the
// profile; for regular files the plain calls below do the same job.

// readFile reads a regular file of at most limit bytes.
func readFile(path string, limit int64) ([]byte, error) {
	fd, err := openRetry(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("%s: larger than the limit of %d bytes", path, limit)
		}
	}
}

var (
	tmpSeq    atomic.Uint64
	tmpPrefix = ".cfgfmt-" + strconv.Itoa(os.Getpid()) + "-" // Getpid is a system call: once
)

// writeTemp writes b to a new temporary file in dir (mode 0644 less the
// umask) and returns its name.
func writeTemp(dir string, b []byte) (string, error) {
	for {
		name := filepath.Join(dir, tmpPrefix+strconv.FormatUint(tmpSeq.Add(1), 36))
		fd, err := openRetry(name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
		if errors.Is(err, unix.EEXIST) {
			continue // left over from an earlier process with our pid
		}
		if err != nil {
			return "", &os.PathError{Op: "create", Path: name, Err: err}
		}
		werr := writeAll(fd, b)
		if cerr := unix.Close(fd); werr == nil {
			werr = cerr
		}
		if werr != nil {
			unix.Unlink(name)
			return "", &os.PathError{Op: "write", Path: name, Err: werr}
		}
		return name, nil
	}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func openRetry(path string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Open(path, flags, mode)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// syncFiles makes the files durable before they are renamed into place:
// one syncfs(2) of the output directory's filesystem covers them all.
func syncFiles(dir string, _ []string) error {
	fd, err := openRetry(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Syncfs(fd)
}
