package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readDir on Linux reads raw directory entries (getdents64) into one
// buffer reused for every directory, takes each file's type from the entry
// and stats only regular files (and entries of unknown type), with statx
// on the name where it lies in the buffer: listing a million files
// allocates nothing per file. os.File.ReadDir would allocate a DirEntry
// and a name string for each, and os.Lstat a FileInfo and a path.
var readDir = readDirents

// listBufSize is the size of the buffer directory entries are read into:
// 64 KiB hold some 2,000 entries of a TFTP root, one system call.
var listBufSize = 64 << 10

func listBuf() int     { return listBufSize }
func setListBuf(n int) { listBufSize = n }

// noStatx is set once statx failed as not implemented (Linux before 4.11,
// or a seccomp filter that refuses it): fstatat is used instead.
var noStatx atomic.Bool

func readDirents(root *os.Root, dir, rel string, buf *[]byte, add func(name []byte, t fs.FileMode, size int64) error) error {
	f, err := root.Open(rel)
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", dir, err)
	}
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return fmt.Errorf("bundle: %s: %w", dir, err)
	}
	if len(*buf) != listBufSize {
		*buf = make([]byte, listBufSize)
	}
	b := *buf
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		for {
			n, err := unix.Getdents(int(fd), b)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				ierr = fmt.Errorf("bundle: %s: %w", dir, &fs.PathError{Op: "readdirent", Path: rel, Err: err})
				return
			}
			if n <= 0 {
				return
			}
			// struct linux_dirent64: ino u64, off s64, reclen u16,
			// type u8, then the name, NUL-terminated.
			for p := 0; p < n; {
				reclen := int(binary.NativeEndian.Uint16(b[p+16:]))
				if reclen <= 19 || p+reclen > n {
					ierr = fmt.Errorf("bundle: %s: %s: bad directory entry from the kernel", dir, rel)
					return
				}
				ent := b[p : p+reclen]
				p += reclen
				name := ent[19:]
				end := bytes.IndexByte(name, 0)
				if end < 0 {
					ierr = fmt.Errorf("bundle: %s: %s: bad directory entry from the kernel", dir, rel)
					return
				}
				name = name[:end]
				if string(name) == "." || string(name) == ".." {
					continue
				}
				var (
					t    fs.FileMode
					size int64
				)
				switch ent[18] {
				case unix.DT_DIR:
					t = fs.ModeDir
				case unix.DT_LNK:
					t = fs.ModeSymlink
				case unix.DT_FIFO:
					t = fs.ModeNamedPipe
				case unix.DT_SOCK:
					t = fs.ModeSocket
				case unix.DT_CHR:
					t = fs.ModeDevice | fs.ModeCharDevice
				case unix.DT_BLK:
					t = fs.ModeDevice
				default: // DT_REG, DT_UNKNOWN
					var err error
					if t, size, err = statAt(int(fd), ent[19:19+end+1]); err != nil {
						ierr = fmt.Errorf("bundle: %s: %w", dir, &fs.PathError{Op: "lstat", Path: path.Join(rel, string(name)), Err: err})
						return
					}
				}
				if err := add(name, t, size); err != nil {
					ierr = err
					return
				}
			}
		}
	}); err != nil {
		return fmt.Errorf("bundle: %s: %w", dir, err)
	}
	return ierr
}

// statAt returns the type and size of the entry cname (NUL-terminated) of
// the directory fd, not following a symlink.
func statAt(fd int, cname []byte) (fs.FileMode, int64, error) {
	if !noStatx.Load() {
		var st unix.Statx_t
		for {
			_, _, e := unix.Syscall6(unix.SYS_STATX, uintptr(fd), uintptr(unsafe.Pointer(&cname[0])),
				unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE|unix.STATX_SIZE, uintptr(unsafe.Pointer(&st)), 0)
			switch {
			case e == 0:
				return modeType(uint32(st.Mode)), int64(st.Size), nil
			case e == unix.EINTR:
				continue
			case e == unix.ENOSYS || e == unix.EPERM:
				noStatx.Store(true)
			default:
				return 0, 0, e
			}
			break
		}
	}
	var st unix.Stat_t
	if err := unix.Fstatat(fd, string(cname[:len(cname)-1]), &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.EINTR) {
			return statAt(fd, cname)
		}
		return 0, 0, err
	}
	return modeType(st.Mode), st.Size, nil
}

// modeType is the fs type bits of a stat mode.
func modeType(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}

// flatDir opens the files of the root directory itself (names without a
// slash: all of a flat TFTP root) with plain system calls: openat of the
// one name, never following a symlink (a file swapped for one since it was
// listed is refused as changed), fstat, reads into the caller's buffer and
// close. os.Root would do the same system calls but allocate an os.File,
// a FileInfo and a cleanup for each, which a root of a million files pays
// for in garbage collection. Names with a slash go through os.Root, which
// checks every directory on the way.
type flatDir struct {
	f  *os.File // the root directory, open while files are
	fd int
}

func openFlatDir(root *os.Root) (flatDir, error) {
	f, err := root.Open(".")
	if err != nil {
		return flatDir{}, err
	}
	return flatDir{f: f, fd: int(f.Fd())}, nil
}

func (d flatDir) close() { d.f.Close() }

// open opens e if its name has no slash (ok false: it has, use os.Root),
// checks it is the regular file of the listed size and sets e's mode and
// time.
func (d flatDir) open(dir string, e *Entry) (rc io.ReadCloser, ok bool, err error) {
	if strings.IndexByte(e.Name, '/') >= 0 {
		return nil, false, nil
	}
	fd, err := openat(d.fd, e.Name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC)
	switch {
	case err == unix.ELOOP:
		return nil, true, errChanged(dir, e) // a symlink now
	case err != nil:
		return nil, true, fmt.Errorf("bundle: %s: %w", dir, &fs.PathError{Op: "openat", Path: e.Name, Err: err})
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, true, fmt.Errorf("bundle: %s: %w", dir, &fs.PathError{Op: "fstat", Path: e.Name, Err: err})
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != e.Size {
		unix.Close(fd)
		return nil, true, errChanged(dir, e)
	}
	e.Mode, e.ModTime = fs.FileMode(st.Mode&0o777), time.Unix(st.Mtim.Unix())
	f := rawPool.Get().(*rawListed)
	f.fd = rawFd{fd: fd, name: e.Name}
	f.x = exactReader{r: &f.fd, left: e.Size, size: e.Size, path: dir, name: e.Name, shortEOF: true}
	return f, true, nil
}

// openat is unix.Openat without its copy of name on the heap for a short
// name: a million files, a million less garbage.
func openat(dirfd int, name string, flags int) (int, error) {
	var buf [256]byte
	if len(name) >= len(buf) || strings.IndexByte(name, 0) >= 0 {
		return unix.Openat(dirfd, name, flags, 0)
	}
	copy(buf[:], name)
	for {
		fd, _, e := unix.Syscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&buf[0])), uintptr(flags), 0, 0, 0)
		switch e {
		case 0:
			return int(fd), nil
		case unix.EINTR:
			continue
		}
		return -1, e
	}
}

// rawListed is a file opened by flatDir. Once closed it is used again for
// an other file (WalkFunc's reader is valid only until fn returns): a walk
// of a flat root makes no garbage per file, so the heap stays the size of
// the listing instead of twice it.
type rawListed struct {
	x  exactReader
	fd rawFd
}

var rawPool = sync.Pool{New: func() any { return new(rawListed) }}

func (f *rawListed) Read(p []byte) (int, error) { return f.x.Read(p) }

func (f *rawListed) Close() error {
	err := unix.Close(f.fd.fd)
	*f = rawListed{}
	rawPool.Put(f)
	return err
}

type rawFd struct {
	fd   int
	name string
}

func (f *rawFd) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		n, err := unix.Read(f.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, &fs.PathError{Op: "read", Path: f.name, Err: err}
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
