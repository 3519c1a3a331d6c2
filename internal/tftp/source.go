// Package tftp serves a TFTP root or a bundle read-only over TFTP (RFC 1350
// with the blksize, tsize and timeout options of RFC 2347/2348/2349) and
// fetches files from a TFTP server.
//
// The server is our own request loop (server.go): it decides who gets a
// transfer slot, drops stalled transfers before it refuses anyone, and
// answers malformed requests as tftpd-hpa does. The client (probe) is
// github.com/pin/tftp/v3. Block numbers roll over from 65535 to 0, so files
// past 33,553,919 bytes go out with 512-byte blocks too.
package tftp

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// ErrNotFound is returned by a Source for a file it does not have.
var ErrNotFound = errors.New("tftp: file not found")

// ErrDenied is returned for a name that would leave the root or names a
// hidden file (the publish journal under .phoneload among them).
var ErrDenied = errors.New("tftp: access violation")

// Source is what a Server serves: a directory or a bundle.
type Source interface {
	// Open returns the content of a file and its size. name is already
	// cleaned by CleanName.
	Open(name string) (io.ReadCloser, int64, error)
	Close() error
}

// CleanName turns a requested file name into a path relative to the root.
// Leading slashes are dropped (tftpd-hpa --secure does the same); "..",
// empty or hidden components, backslashes and NULs are refused.
func CleanName(name string) (string, error) {
	n := strings.TrimLeft(name, "/")
	if n == "" || strings.ContainsAny(n, "\\\x00") || len(n) > 1024 {
		return "", ErrDenied
	}
	for _, part := range strings.Split(n, "/") {
		if part == "" || part == ".." || strings.HasPrefix(part, ".") {
			return "", ErrDenied
		}
	}
	return path.Clean(n), nil
}

// OpenSource opens a directory, or a bundle zip, for serving.
func OpenSource(p string) (Source, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("tftp: %w", err)
	}
	if fi.IsDir() {
		r, err := os.OpenRoot(p)
		if err != nil {
			return nil, fmt.Errorf("tftp: %w", err)
		}
		return &dirSource{root: r}, nil
	}
	return openZip(p)
}

// dirSource serves a directory through os.Root, which refuses every path,
// symbolic links included, that resolves outside the directory.
type dirSource struct{ root *os.Root }

func (d *dirSource) Open(name string) (io.ReadCloser, int64, error) {
	// Opening a FIFO for reading waits for a writer: the transfer would
	// hang, holding its slot, and Shutdown would wait for it forever. So
	// only regular files are opened, and the open itself does not block.
	fi, err := d.root.Stat(name)
	if err == nil && !fi.Mode().IsRegular() {
		return nil, 0, ErrNotFound
	}
	f, err := d.root.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, ErrNotFound
		}
		if strings.Contains(err.Error(), "escapes") || errors.Is(err, fs.ErrPermission) {
			return nil, 0, ErrDenied
		}
		return nil, 0, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, ErrNotFound
	}
	return f, fi.Size(), nil
}

func (d *dirSource) Close() error { return d.root.Close() }

// zipSource serves the files of a zip, read straight out of the archive.
type zipSource struct {
	zr    *zip.ReadCloser
	files map[string]*zip.File
}

// MaxZipEntries caps the number of entries of a zip served.
const MaxZipEntries = 100_000

// MaxZipFileSize caps the declared size of an entry of a zip served: far
// beyond any firmware, and below what would turn negative as an int64
// (the tsize a client is told).
const MaxZipFileSize = 1 << 40

func openZip(p string) (*zipSource, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("tftp: %s: %w", p, err)
	}
	if len(zr.File) > MaxZipEntries {
		zr.Close()
		return nil, fmt.Errorf("tftp: %s: more than %d entries", p, MaxZipEntries)
	}
	z := &zipSource{zr: zr, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() {
			zr.Close()
			return nil, fmt.Errorf("tftp: %s: %s: not a regular file", p, f.Name)
		}
		name, err := CleanName(f.Name)
		if err != nil || name != f.Name {
			zr.Close()
			return nil, fmt.Errorf("tftp: %s: unsafe entry name %q", p, f.Name)
		}
		if _, dup := z.files[name]; dup {
			zr.Close()
			return nil, fmt.Errorf("tftp: %s: %s: duplicate entry", p, name)
		}
		if f.UncompressedSize64 > MaxZipFileSize {
			zr.Close()
			return nil, fmt.Errorf("tftp: %s: %s: declared size %d larger than %d", p, name, f.UncompressedSize64, uint64(MaxZipFileSize))
		}
		if f.Flags&0x1 != 0 {
			zr.Close()
			return nil, fmt.Errorf("tftp: %s: %s: encrypted entry", p, name)
		}
		z.files[name] = f
	}
	return z, nil
}

func (z *zipSource) Open(name string) (io.ReadCloser, int64, error) {
	f := z.files[name]
	if f == nil {
		return nil, 0, ErrNotFound
	}
	rc, err := f.Open()
	if err != nil {
		return nil, 0, err
	}
	return rc, int64(f.UncompressedSize64), nil
}

func (z *zipSource) Close() error { return z.zr.Close() }
