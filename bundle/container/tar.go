package container

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
)

const tarBlock = 512

// MaxTarTrailer bounds the zero padding accepted after the end of a tar
// stream (tar pads to its record size, 10 KiB by default). More, or anything
// that is not zero, is trailing garbage.
const MaxTarTrailer = 1 << 20

// isTarHeader reports whether b (one 512-byte block) is a tar header: its
// checksum matches (which also holds for old tars without the "ustar"
// magic), or it is the all-zero block of an empty archive.
func isTarHeader(b []byte) bool {
	if len(b) != tarBlock {
		return false
	}
	if bytes.Count(b, []byte{0}) == tarBlock {
		return true
	}
	field := strings.TrimRight(strings.TrimLeft(string(b[148:156]), " "), " \x00")
	want, err := strconv.ParseInt(field, 8, 64)
	if err != nil {
		return false
	}
	var unsigned, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// tarEntry is a checked tar header. skip: nothing to hand to fn (a
// directory, the root, a global header).
type tarEntry struct {
	e    Entry
	skip bool
}

// checkTarHeader refuses what a tar entry must not be and turns it into an
// Entry.
func checkTarHeader(path string, h *tar.Header, names *nameSet, b *budget) (tarEntry, error) {
	refuse := func(sentinel error, format string, args ...any) (tarEntry, error) {
		return tarEntry{}, &EntryError{Path: path, Entry: h.Name, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
	}
	if err := b.entry(path); err != nil {
		return tarEntry{}, err
	}
	isDir := false
	switch h.Typeflag {
	//lint:ignore SA1019 tars from old tools still mark regular files with '\x00' (TypeRegA)
	case tar.TypeReg, tar.TypeRegA, tar.TypeCont:
	case tar.TypeDir:
		isDir = true
	case tar.TypeXGlobalHeader:
		return tarEntry{skip: true}, nil // pax defaults (git archive writes one); archive/tar applies them
	case tar.TypeSymlink:
		return refuse(ErrLink, "symbolic link to %q", h.Linkname)
	case tar.TypeLink:
		return refuse(ErrLink, "hard link to %q", h.Linkname)
	case tar.TypeChar:
		return refuse(ErrSpecial, "character device")
	case tar.TypeBlock:
		return refuse(ErrSpecial, "block device")
	case tar.TypeFifo:
		return refuse(ErrSpecial, "named pipe (fifo)")
	default:
		return refuse(ErrUnsupported, "tar entry type %q", h.Typeflag)
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return refuse(ErrUnsupported, "sparse file")
		}
	}
	// "./x" is how `tar -C dir -cf x.tar .` names x: the same file, so
	// accepted; "." itself is the root.
	name := strings.TrimPrefix(h.Name, "./")
	if isDir {
		name = strings.TrimSuffix(name, "/")
		if name == "" || name == "." {
			return tarEntry{skip: true}, nil
		}
		if h.Size != 0 {
			return refuse(ErrFormat, "directory with %d bytes of data", h.Size)
		}
	}
	if why := checkName(name); why != "" {
		return refuse(ErrUnsafePath, "%s", why)
	}
	if detail, err := names.add(name, isDir); err != nil {
		return refuse(err, "%s", detail)
	}
	if isDir {
		return tarEntry{skip: true}, nil
	}
	if err := b.take(path, h.Name, h.Size); err != nil {
		return tarEntry{}, err
	}
	return tarEntry{e: Entry{Name: name, Size: h.Size, Mode: os.FileMode(h.Mode).Perm(), ModTime: h.ModTime}}, nil
}

func tarFormatError(path string, err error) error {
	if isEntryError(err) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &EntryError{Path: path, Err: ErrTruncated, Detail: "tar ends in the middle of an entry"}
	}
	return &EntryError{Path: path, Err: ErrFormat, Detail: "tar: " + strings.TrimPrefix(err.Error(), "archive/tar: ")}
}

// tarScan reads tar headers and checks each entry, shared by the two ways
// of walking a tar.
type tarScan struct {
	path  string
	tr    *tar.Reader
	pos   *int64 // bytes archive/tar consumed (or seeked past)
	end   tarEnd
	names nameSet
	b     budget
}

func newTarScan(path string, r io.Reader, lim Limits) *tarScan {
	s := &tarScan{path: path, b: budget{lim: lim}}
	if sr, ok := r.(*io.SectionReader); ok {
		w := &seekCountReader{countReader{r: sr}, sr}
		s.tr, s.pos = tar.NewReader(w), &w.n
	} else {
		w := &countReader{r: r}
		s.tr, s.pos = tar.NewReader(w), &w.n
	}
	return s
}

// next returns the next regular file and its name as stored, or io.EOF
// after the end-of-archive blocks.
func (s *tarScan) next() (Entry, string, error) {
	for {
		h, err := s.tr.Next()
		if errors.Is(err, io.EOF) && !s.end.complete(*s.pos) {
			return Entry{}, "", &EntryError{Path: s.path, Err: ErrTruncated, Detail: errNoTarEnd}
		}
		if errors.Is(err, io.EOF) {
			return Entry{}, "", io.EOF
		}
		if err != nil {
			return Entry{}, "", tarFormatError(s.path, err)
		}
		s.end.entry(h, *s.pos)
		te, err := checkTarHeader(s.path, h, &s.names, &s.b)
		if err != nil {
			return Entry{}, "", err
		}
		if !te.skip {
			return te.e, h.Name, nil
		}
	}
}

// each calls fn for every regular file until the end of the archive.
func (s *tarScan) each(fn func(e Entry, name string) error) error {
	for {
		e, name, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(e, name); err != nil {
			return err
		}
	}
}

// walkTarFile reads a plain tar file in two passes: the headers first (each
// entry checked, data skipped by seeking), then the files in name order.
func walkTarFile(path string, f io.ReaderAt, size int64, lim Limits, fn WalkFunc, workers int) error {
	sr := io.NewSectionReader(f, 0, size)
	s := newTarScan(path, sr, lim)
	var items []item
	err := s.each(func(e Entry, name string) error {
		off := *s.pos
		if e.Size > size-off {
			return &EntryError{Path: path, Entry: name, Err: ErrTruncated, Detail: fmt.Sprintf("%d bytes declared, %d left in the file", e.Size, size-off)}
		}
		e.At = off
		items = append(items, item{e: e, open: func() (io.Reader, func() error, error) {
			return newExactReader(path, name, io.NewSectionReader(f, off, e.Size), e.Size), func() error { return nil }, nil
		}})
		return nil
	})
	if err != nil {
		return err
	}
	if err := checkTarTrailer(path, sr); err != nil {
		return err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].e.Name < items[j].e.Name })
	return runItems(items, workers, fn)
}

// checkTarTrailer demands that only zeros, and at most MaxTarTrailer of
// them, follow the end of the tar.
func checkTarTrailer(path string, r io.Reader) error {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := r.Read(buf)
		if bytes.Count(buf[:k], []byte{0}) != k {
			return &EntryError{Path: path, Err: ErrFormat, Detail: "trailing data after the end of the tar"}
		}
		n += int64(k)
		if n > MaxTarTrailer {
			return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf("more than %d bytes of padding after the end of the tar (MaxTarTrailer)", MaxTarTrailer)}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return tarFormatError(path, err)
		}
	}
}

// walkTarStream reads a tar front to back and calls fn in archive order.
func walkTarStream(path string, r io.Reader, lim Limits, fn WalkFunc) error {
	s := newTarScan(path, r, lim)
	err := s.each(func(e Entry, name string) error {
		return callFn(e, newExactReader(path, name, s.tr, e.Size), fn)
	})
	if err != nil {
		return err
	}
	return checkTarTrailer(path, r)
}

func walkTarGz(path string, f io.Reader, lim Limits, fn WalkFunc) error {
	return walkTarGzStream(path, f, lim, fn)
}

// walkTarGzStream reads a gzip-compressed tar. The gzip checksum is checked
// when the stream ends, after the tar's end.
func walkTarGzStream(path string, r io.Reader, lim Limits, fn WalkFunc) error {
	in := &countReader{r: r}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return &EntryError{Path: path, Err: ErrFormat, Detail: strings.TrimPrefix(err.Error(), "gzip: ")}
	}
	defer zr.Close()
	out := &ratioReader{r: gzipErrors{path, zr}, in: in, lim: lim, path: path}
	if err := walkTarStream(path, out, lim, fn); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r) // the CRC of a tar inside a zip
	return err
}

// gzipErrors turns gzip failures into EntryErrors.
type gzipErrors struct {
	path string
	r    io.Reader
}

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	switch {
	case err == nil, errors.Is(err, io.EOF), isEntryError(err):
	case errors.Is(err, gzip.ErrChecksum):
		err = &EntryError{Path: g.path, Err: ErrChecksum, Detail: "gzip CRC-32"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = &EntryError{Path: g.path, Err: ErrTruncated, Detail: "gzip stream ends early"}
	default:
		err = &EntryError{Path: g.path, Err: ErrFormat, Detail: "gzip: " + strings.TrimPrefix(err.Error(), "gzip: ")}
	}
	return n, err
}

// countReader counts the bytes archive/tar consumed, to tell a tar that
// ends with its end-of-archive blocks from one cut at an entry boundary,
// which archive/tar takes for complete.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// seekCountReader is countReader for a section archive/tar may seek in, to
// skip data.
type seekCountReader struct {
	countReader
	s *io.SectionReader
}

func (c *seekCountReader) Seek(off int64, whence int) (int64, error) {
	n, err := c.s.Seek(off, whence)
	if err == nil {
		c.n = n
	}
	return n, err
}

// tarEnd tracks where the last entry's data ends.
type tarEnd struct{ dataEnd int64 }

func (t *tarEnd) entry(h *tar.Header, pos int64) {
	t.dataEnd = pos
	//lint:ignore SA1019 tars from old tools still mark regular files with '\x00' (TypeRegA)
	if h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA || h.Typeflag == tar.TypeCont {
		t.dataEnd += (h.Size + tarBlock - 1) / tarBlock * tarBlock
	}
}

// complete reports whether the two zero blocks that end a tar were read.
func (t *tarEnd) complete(pos int64) bool { return pos >= t.dataEnd+2*tarBlock }

const errNoTarEnd = "tar ends without its end-of-archive blocks"

// ratioReader fails once a decompressed stream has produced more than
// Limits.MaxRatio times the compressed bytes read (past RatioFloor).
type ratioReader struct {
	r    io.Reader
	in   *countReader
	out  int64
	lim  Limits
	path string
}

func (x *ratioReader) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	x.out += int64(n)
	if x.lim.overRatio(x.out, x.in.n) {
		return n, &EntryError{Path: x.path, Err: ErrTooLarge, Detail: fmt.Sprintf("gzip stream expands %d bytes to more than %d, over Limits.MaxRatio %d:1", x.in.n, x.out, x.lim.MaxRatio)}
	}
	return n, err
}
