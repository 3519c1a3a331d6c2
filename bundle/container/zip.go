package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
)

// Zip compression methods Walk reads. Cisco ships deflate; stored is common
// in repackages. Anything else is refused as unsupported.
const (
	zipStore   = 0
	zipDeflate = 8
)

const (
	zipLocalHeaderLen = 30
	zipEndLen         = 22 // end of central directory record without comment
)

// openZip reads the central directory and refuses a file that is not
// exactly one zip archive (trailing data after the end record). It returns
// the offset of the end record too.
func openZip(path string, f io.ReaderAt, size int64) (*zip.Reader, int64, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below, with better messages
		return nil, 0, &EntryError{Path: path, Err: ErrFormat, Detail: "zip: " + strings.TrimPrefix(err.Error(), "zip: ")}
	}
	end, err := findZipEnd(f, size)
	if err != nil {
		return nil, 0, &EntryError{Path: path, Err: ErrFormat, Detail: err.Error()}
	}
	return zr, end, nil
}

// findZipEnd returns the offset of the end of central directory record,
// which with its comment must end exactly at the end of the file: bytes
// after it are trailing garbage (or a second archive glued on), which other
// tools read differently.
func findZipEnd(r io.ReaderAt, size int64) (int64, error) {
	n := min(int64(zipEndLen+0xffff), size)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	last := -1 // the record nearest the end, for the message
	for i := len(buf) - zipEndLen; i >= 0; i-- {
		if !bytes.Equal(buf[i:i+4], []byte("PK\x05\x06")) {
			continue
		}
		end := i + zipEndLen + int(binary.LittleEndian.Uint16(buf[i+20:]))
		if end == len(buf) {
			return size - n + int64(i), nil
		}
		if last < 0 && end < len(buf) {
			last = end
		}
	}
	if last >= 0 {
		return 0, fmt.Errorf("%d bytes of trailing data after the end of the zip at offset %d", len(buf)-last, size-n+int64(last))
	}
	return 0, errors.New("no end of central directory record")
}

// innerTar reports the single tar of a zip that holds one (a third-party
// repackage of a drop): the zip's only file, named *.tar, *.tar.gz or *.tgz.
// The __MACOSX/ metadata that macOS's Finder adds to zips does not count
// (and is not walked).
func innerTar(zr *zip.Reader) (*zip.File, bool) {
	var only *zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if only != nil {
			return nil, false
		}
		only = f
	}
	if only == nil {
		return nil, false
	}
	n := strings.ToLower(only.Name)
	if strings.HasSuffix(n, ".tar") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz") {
		return only, true
	}
	return nil, false
}

func walkZip(path string, f io.ReaderAt, size int64, lim Limits, fn WalkFunc, workers int) error {
	zr, endOff, err := openZip(path, f, size)
	if err != nil {
		return err
	}
	if len(zr.File) > lim.MaxFiles {
		return &EntryError{Path: path, Err: ErrTooMany, Detail: fmt.Sprintf("%d entries, over Limits.MaxFiles %d", len(zr.File), lim.MaxFiles)}
	}
	var (
		names nameSet
		b     = budget{lim: lim}
		items []item
	)
	tarFile, tarInZip := innerTar(zr)
	for _, zf := range zr.File {
		if err := checkZipEntry(path, zf); err != nil {
			return err
		}
		name, isDir := strings.CutSuffix(zf.Name, "/")
		if detail, err := names.add(name, isDir); err != nil {
			return &EntryError{Path: path, Entry: zf.Name, Err: err, Detail: detail}
		}
		if isDir || tarInZip {
			continue // the tar's own files are counted as the tar is read
		}
		if err := b.take(path, zf.Name, int64(zf.UncompressedSize64)); err != nil {
			return err
		}
		e := Entry{Name: name, Size: int64(zf.UncompressedSize64), Mode: zf.Mode().Perm(), ModTime: zf.Modified}
		items = append(items, item{e: e, open: func() (io.Reader, func() error, error) {
			return openZipEntry(path, zf)
		}})
	}
	spans, cd, err := zipLocals(path, f, size, endOff, zr.File)
	if err != nil {
		return err
	}
	if err := checkLayout(path, spans, cd); err != nil {
		return err
	}
	if tarInZip {
		r, closeFn, err := openZipEntry(path, tarFile)
		if err != nil {
			return err
		}
		defer closeFn()
		inner := path + ":" + tarFile.Name
		if n := strings.ToLower(tarFile.Name); !strings.HasSuffix(n, ".tar") {
			return walkTarGzStream(inner, r, lim, fn)
		}
		if err := walkTarStream(inner, r, lim, fn); err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r) // the CRC of the tar itself
		return err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].e.Name < items[j].e.Name })
	return runItems(items, workers, fn)
}

// checkZipEntry refuses what a zip entry must not be, from its central
// directory record alone.
func checkZipEntry(path string, zf *zip.File) error {
	refuse := func(sentinel error, format string, args ...any) error {
		return &EntryError{Path: path, Entry: zf.Name, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
	}
	name, isDir := strings.CutSuffix(zf.Name, "/")
	if zf.NonUTF8 && !isASCII(zf.Name) {
		return refuse(ErrUnsafePath, "name not in UTF-8")
	}
	if why := checkName(name); why != "" {
		return refuse(ErrUnsafePath, "%s", why)
	}
	if zf.Flags&0x1 != 0 {
		return refuse(ErrEncrypted, "encryption flag set")
	}
	mode := zf.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return refuse(ErrLink, "symbolic link")
	case mode&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0:
		return refuse(ErrSpecial, "%s", typeName(mode))
	case isDir || mode.IsDir():
		if !isDir {
			return refuse(ErrFormat, "directory entry without a trailing slash")
		}
		if zf.UncompressedSize64 != 0 {
			return refuse(ErrFormat, "directory entry with %d bytes of data", zf.UncompressedSize64)
		}
		return nil
	}
	if zf.UncompressedSize64 > 1<<62 || zf.CompressedSize64 > 1<<62 {
		return refuse(ErrTooLarge, "declared size %d", zf.UncompressedSize64)
	}
	switch zf.Method {
	case zipStore:
		if zf.CompressedSize64 != zf.UncompressedSize64 {
			return refuse(ErrFormat, "stored entry with %d bytes of data declared as %d", zf.CompressedSize64, zf.UncompressedSize64)
		}
	case zipDeflate:
	default:
		return refuse(ErrUnsupported, "compression method %d", zf.Method)
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// zipSpan is where an entry's local header and data lie in the file.
type zipSpan struct {
	name       string
	start, end int64 // local header to the end of the data
	descriptor bool  // a data descriptor follows the data
}

// zipDescriptorMax is the longest data descriptor: signature, CRC-32 and
// two 64-bit sizes.
const zipDescriptorMax = 24

// checkLayout demands that the entries tile the file from offset 0 to the
// central directory: no overlap (the trick behind "overlapping file" zip
// bombs, where many entries share one compressed stream) and no bytes that
// belong to no entry (where a local entry missing from the central
// directory, seen only by streaming readers, would hide).
func checkLayout(path string, spans []zipSpan, cd int64) error {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var next int64 // where the next entry may start
	slack := int64(0)
	for i, s := range spans {
		if i > 0 && s.start < spans[i-1].end {
			return &EntryError{Path: path, Entry: s.name, Err: ErrFormat, Detail: fmt.Sprintf("data overlaps entry %q", spans[i-1].name)}
		}
		if s.start > next+slack {
			return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes at offset %d belong to no entry", s.start-next, next)}
		}
		next, slack = s.end, 0
		if s.descriptor {
			slack = zipDescriptorMax
		}
	}
	if cd > next+slack {
		return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes at offset %d belong to no entry", cd-next, next)}
	}
	return nil
}

func openZipEntry(path string, zf *zip.File) (io.Reader, func() error, error) {
	raw, err := zf.OpenRaw()
	if err != nil {
		return nil, nil, &EntryError{Path: path, Entry: zf.Name, Err: ErrFormat, Detail: strings.TrimPrefix(err.Error(), "zip: ")}
	}
	var (
		r       = raw
		closeFn = func() error { return nil }
	)
	if zf.Method == zipDeflate {
		fr := flate.NewReader(raw)
		r, closeFn = fr, fr.Close
	}
	return newExactReader(path, zf.Name, r, int64(zf.UncompressedSize64)).withCRC(zf.CRC32), closeFn, nil
}
