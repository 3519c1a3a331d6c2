package container

import (
	"bufio"
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
//
// maxEntries bounds the memory this takes: the central directory is first
// counted record by record in constant memory, and a zip of more entries is
// refused (ErrTooMany) before archive/zip holds one struct per entry.
func openZip(path string, f io.ReaderAt, size int64, maxEntries int) (*zip.Reader, int64, error) {
	end, err := findZipEnd(f, size)
	if err != nil {
		// archive/zip's message first, for a file that is no zip at all
		// (finding no end record, it stops before reading any entry).
		if _, zerr := zip.NewReader(f, size); zerr != nil && !errors.Is(zerr, zip.ErrInsecurePath) {
			return nil, 0, &EntryError{Path: path, Err: ErrFormat, Detail: "zip: " + strings.TrimPrefix(zerr.Error(), "zip: ")}
		}
		return nil, 0, &EntryError{Path: path, Err: ErrFormat, Detail: err.Error()}
	}
	if n := countZipEntries(f, end, maxEntries); n > maxEntries {
		return nil, 0, &EntryError{Path: path, Err: ErrTooMany, Detail: fmt.Sprintf("more than %d entries (Limits.MaxFiles)", maxEntries)}
	}
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below, with better messages
		return nil, 0, &EntryError{Path: path, Err: ErrFormat, Detail: "zip: " + strings.TrimPrefix(err.Error(), "zip: ")}
	}
	return zr, end, nil
}

// countZipEntries returns the number of entries of the zip whose end of
// central directory record is at end, or limit+1 as soon as it is over limit:
// the larger of the count the end record declares and the number of
// central directory records actually there (read front to back through a
// small buffer, so memory does not grow with the count). A malformed
// directory counts what could be read; zip.NewReader reports the damage.
func countZipEntries(r io.ReaderAt, end int64, limit int) int {
	var eocd [zipEndLen]byte
	if _, err := r.ReadAt(eocd[:], end); err != nil {
		return 0
	}
	declared := uint64(binary.LittleEndian.Uint16(eocd[10:]))
	cd := int64(binary.LittleEndian.Uint32(eocd[16:]))
	// Zip64: a locator just before the end record points at the zip64 end
	// record, which holds the real count and offset.
	var loc [20]byte
	if end >= 20 {
		if _, err := r.ReadAt(loc[:], end-20); err == nil && string(loc[:4]) == "PK\x06\x07" {
			var z64 [56]byte
			if _, err := r.ReadAt(z64[:], int64(binary.LittleEndian.Uint64(loc[8:]))); err == nil && string(z64[:4]) == "PK\x06\x06" {
				declared = binary.LittleEndian.Uint64(z64[32:])
				cd = int64(binary.LittleEndian.Uint64(z64[48:]))
			}
		}
	}
	if declared > uint64(limit) {
		return limit + 1
	}
	if cd < 0 || cd > end {
		return int(declared)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, cd, end-cd), 32<<10)
	var hdr [46]byte
	n := 0
	for n <= limit {
		if _, err := io.ReadFull(br, hdr[:]); err != nil || string(hdr[:4]) != "PK\x01\x02" {
			break
		}
		n++
		skip := int(binary.LittleEndian.Uint16(hdr[28:])) + int(binary.LittleEndian.Uint16(hdr[30:])) + int(binary.LittleEndian.Uint16(hdr[32:]))
		if _, err := br.Discard(skip); err != nil {
			break
		}
	}
	return max(n, int(declared))
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
	zr, endOff, err := openZip(path, f, size, lim.MaxFiles)
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
		if zf.Method == zipDeflate && lim.overRatio(int64(zf.UncompressedSize64), int64(zf.CompressedSize64)) {
			return &EntryError{Path: path, Entry: zf.Name, Err: ErrTooLarge, Detail: fmt.Sprintf("expands to %d bytes, over Limits.MaxRatio %d times its compressed size", zf.UncompressedSize64, lim.MaxRatio)}
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
	// Archive-wide: many entries each under RatioFloor (a small entry may
	// compress 1,000 times) must not add up to a bomb either.
	if b.total > ArchiveRatioFloor && lim.MaxRatio > 0 && b.total/int64(lim.MaxRatio) > size {
		return &EntryError{Path: path, Err: ErrTooLarge, Detail: fmt.Sprintf("files total %d bytes, over Limits.MaxRatio %d times the archive's %d bytes", b.total, lim.MaxRatio, size)}
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
