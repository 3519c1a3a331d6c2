package container

import (
	"archive/tar"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Reopener reads single files of a zip or plain tar file again, at the
// Entry.At that Walk gave them, without walking the container again: a
// caller that kept a summary of a file (drop.Open keeps one of each
// per-phone configuration file) reads the whole file back when asked for
// it. It holds the container's path and, for a zip, where its central
// directory lies (the end records are read once, by NewReopener); the
// file itself is opened anew by each Open, so that a Reopener holds no
// descriptor and never keeps a replaced archive alive.
//
// What Open reads is checked as Walk checks it (the central record and
// the local header agree, exactly the declared size, the CRC-32 of a zip
// entry), but the container may have changed since it was walked: a
// caller that must see the bytes it saw then compares their hash.
type Reopener struct {
	path string
	kind string
	zip  ZipDir // ContainerZip: the bounds of the central directory (r unset)
}

// NewReopener prepares to read the files of the zip or plain tar file at
// path again. Other containers (directories, tar.gz, a tar inside a zip)
// are refused with ErrUnsupported: their files have no Entry.At.
func NewReopener(path string) (*Reopener, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, &EntryError{Path: path, Err: ErrUnsupported, Detail: "files are read again only from a zip or tar file"}
	}
	kind, err := sniff(f, fi.Size())
	if err != nil {
		return nil, &EntryError{Path: path, Err: ErrFormat, Detail: err.Error()}
	}
	re := &Reopener{path: path, kind: kind}
	switch kind {
	case ContainerZip:
		d, err := OpenZipDir(path, f, fi.Size(), math.MaxInt)
		if err != nil {
			return nil, err
		}
		re.zip = *d
		re.zip.r = nil
	case ContainerTar:
	default:
		return nil, &EntryError{Path: path, Err: ErrUnsupported, Detail: "files are read again only from a zip or tar file, not a " + kind}
	}
	return re, nil
}

// Open returns a reader of the size bytes of the file at at (Entry.At),
// checked as Walk's readers are, and the function that closes it. For a
// zip, the entry's central directory record must be at at, declare size
// bytes and pass the checks Walk made of it.
func (re *Reopener) Open(at, size int64) (io.Reader, func() error, error) {
	if at <= 0 {
		return nil, nil, &EntryError{Path: re.path, Err: ErrFormat, Detail: fmt.Sprintf("no entry at offset %d", at)}
	}
	f, err := os.Open(re.path)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %w", err)
	}
	var (
		r       io.Reader
		closeFn func() error
	)
	if re.kind == ContainerTar {
		r, closeFn, err = re.openTar(f, at, size)
	} else {
		r, closeFn, err = re.openZip(f, at, size)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, func() error {
		err := closeFn()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}, nil
}

// openZip reads the central directory record at at and opens its entry.
func (re *Reopener) openZip(f *os.File, at, size int64) (io.Reader, func() error, error) {
	d := re.zip
	d.r = f
	bad := func(format string, args ...any) error {
		return &EntryError{Path: re.path, Err: ErrFormat, Detail: fmt.Sprintf(format, args...)}
	}
	if at < d.dir || at > d.dirEnd-zipCentralLen {
		return nil, nil, bad("central directory record offset %d outside the central directory", at)
	}
	var hdr [zipCentralLen]byte
	if _, err := f.ReadAt(hdr[:], at); err != nil {
		return nil, nil, bad("central directory record at offset %d: %v", at, err)
	}
	le := binary.LittleEndian
	n := int64(zipCentralLen) + int64(le.Uint16(hdr[28:])) + int64(le.Uint16(hdr[30:])) + int64(le.Uint16(hdr[32:]))
	if n > d.dirEnd-at {
		return nil, nil, bad("central directory record at offset %d runs past the central directory", at)
	}
	// A buffer of the record's own length: readZipCentral peeks at the
	// extra field whole.
	br := bufio.NewReaderSize(io.NewSectionReader(f, at, n), int(n))
	e, _, err := readZipCentral(br, hdr[:])
	var tooLarge zipSizeError
	if errors.As(err, &tooLarge) {
		return nil, nil, &EntryError{Path: re.path, Entry: e.Name, Err: ErrTooLarge, Detail: err.Error()}
	}
	if err != nil {
		return nil, nil, &EntryError{Path: re.path, Entry: e.Name, Err: ErrFormat, Detail: fmt.Sprintf("central directory record at offset %d: %v", at, err)}
	}
	if err := checkZipEntry(re.path, &e); err != nil {
		return nil, nil, err
	}
	if e.Size != size {
		return nil, nil, &EntryError{Path: re.path, Entry: e.Name, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes, not the %d expected", e.Size, size)}
	}
	return d.Open(e)
}

// openTar checks that the header block just before at declares a regular
// file of size bytes, and opens its data.
func (re *Reopener) openTar(f *os.File, at, size int64) (io.Reader, func() error, error) {
	bad := func(format string, args ...any) error {
		return &EntryError{Path: re.path, Err: ErrFormat, Detail: fmt.Sprintf(format, args...)}
	}
	if at < tarBlock || at%tarBlock != 0 {
		return nil, nil, bad("no tar entry's data at offset %d", at)
	}
	// The last header block of an entry (after any PAX or GNU long-name
	// records) lies just before its data, and holds its size.
	var b [tarBlock]byte
	if _, err := f.ReadAt(b[:], at-tarBlock); err != nil || !isTarHeader(b[:]) {
		return nil, nil, bad("no tar header before offset %d", at)
	}
	h, err := tar.NewReader(bytes.NewReader(b[:])).Next()
	if err != nil {
		return nil, nil, bad("tar header before offset %d: %v", at, err)
	}
	//lint:ignore SA1019 tars from old tools still mark regular files with '\x00' (TypeRegA)
	if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA || h.Size != size {
		return nil, nil, &EntryError{Path: re.path, Entry: h.Name, Err: ErrFormat, Detail: fmt.Sprintf("tar header before offset %d: not a file of %d bytes", at, size)}
	}
	return newExactReader(re.path, h.Name, io.NewSectionReader(f, at, size), size), func() error { return nil }, nil
}
