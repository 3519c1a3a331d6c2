//go:build unix

package bundle

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// outTree creates the files of the directory form below root with plain
// system calls relative to an open descriptor of the file's directory:
// openat, write, close, utimensat (relative too), four calls for a small
// file, where an *os.File by full path adds a poller registration,
// finalizer bookkeeping, a fchmod and a path walk per call. The mode is
// fixed with fchmod only when the umask took bits of 0644 (seen on the
// first file). Files come in name order, so the directory changes rarely;
// its descriptor is kept until it does.
type outTree struct {
	root  string
	dir   string // directory of fd, slash-separated, relative to root ("" or "a/b/")
	fd    int    // -1: none open
	umask int    // 0: not known yet; 1: 0644 survives it; 2: fchmod needed
}

func newOutTree(root string) *outTree { return &outTree{root: root, fd: -1} }

func (t *outTree) close() {
	if t.fd >= 0 {
		unix.Close(t.fd)
		t.fd = -1
	}
}

// create writes the new file name (slash-separated, below root; its
// directory exists), mode 0644, with what fill writes to it, fsynced if
// sync, then sets its times to when.
func (t *outTree) create(name string, when time.Time, sync bool, fill func(io.Writer) error) error {
	dir, base := path.Split(name)
	p := filepath.Join(t.root, filepath.FromSlash(name))
	if t.fd < 0 || dir != t.dir {
		t.close()
		fd, err := unix.Open(filepath.Join(t.root, filepath.FromSlash(dir)), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: filepath.Dir(p), Err: err}
		}
		t.fd, t.dir = fd, dir
	}
	fd, err := unix.Openat(t.fd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	err = fill(fileWriter{fd, p})
	if err == nil && t.umask == 0 {
		var st unix.Stat_t
		if err = unix.Fstat(fd, &st); err == nil {
			t.umask = 1
			if os.FileMode(st.Mode).Perm() != modeFor(false) {
				t.umask = 2
			}
		}
	}
	if err == nil && t.umask == 2 {
		err = unix.Fchmod(fd, uint32(modeFor(false))) // whatever the umask
	}
	if err == nil && sync {
		err = unix.Fsync(fd)
	}
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		// Fixed times everywhere, so that a copy (rsync -t, tar) of
		// the directory is reproducible too.
		ts := unix.NsecToTimespec(when.UnixNano())
		err = unix.UtimesNanoAt(t.fd, base, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
	}
	if errno, ok := err.(unix.Errno); ok {
		err = &os.PathError{Op: "write", Path: p, Err: errno}
	}
	return err
}

// fileWriter writes to a raw descriptor, all of p or an error.
type fileWriter struct {
	fd   int
	name string
}

func (w fileWriter) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(w.fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: w.name, Err: err}
		}
		if m == 0 {
			return n, io.ErrShortWrite
		}
		n += m
	}
	return n, nil
}
