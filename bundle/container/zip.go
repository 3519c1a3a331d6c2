package container

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// innerTar reports the single tar of a zip that holds one (a third-party
// repackage of a drop): the zip's only file, named *.tar, *.tar.gz or *.tgz.
// The __MACOSX/ metadata that macOS's Finder adds to zips does not count
// (and is not walked). It reads the central directory once, keeping one
// entry.
func innerTar(d *ZipDir) (ZipEntry, bool, error) {
	var (
		only  ZipEntry
		files int
	)
	err := d.Each(func(e ZipEntry) error {
		if strings.HasSuffix(e.Name, "/") || strings.HasPrefix(e.Name, "__MACOSX/") {
			return nil
		}
		files++
		only = e
		return nil
	})
	if err != nil || files != 1 {
		return ZipEntry{}, false, err
	}
	n := strings.ToLower(only.Name)
	if strings.HasSuffix(n, ".tar") || strings.HasSuffix(n, ".tar.gz") || strings.HasSuffix(n, ".tgz") {
		return only, true, nil
	}
	return ZipEntry{}, false, nil
}

// zipRec is what walkZip keeps of an entry between reading the central
// directory and calling fn: a fraction of archive/zip's File, so that a
// zip of a million entries is walked in a few tens of MB.
type zipRec struct {
	name   string
	cent   int64 // of the central directory record (Entry.At)
	off    int64 // of the local header
	data   int64 // of the data, once the local header is checked (zipLocals)
	csize  int64
	size   int64
	mtime  int64 // seconds since 1970
	nsec   int32
	crc    uint32
	perm   uint16
	method uint16
	flags  uint16
	skip   bool // a directory, or the tar of a tar-in-zip: no item of its own
}

func (r *zipRec) entry() Entry {
	return Entry{Name: strings.TrimSuffix(r.name, "/"), Size: r.size, Mode: fs.FileMode(r.perm), ModTime: time.Unix(r.mtime, int64(r.nsec)).UTC(), At: r.cent}
}

func walkZip(path string, f io.ReaderAt, size int64, lim Limits, fn WalkFunc, workers int) error {
	d, err := OpenZipDir(path, f, size, lim.MaxFiles)
	if err != nil {
		return err
	}
	tarEntry, tarInZip, err := innerTar(d)
	if err != nil {
		return err
	}
	if workers <= 1 && !tarInZip && !zipSortedOff {
		if ok, err := walkZipSorted(path, f, d, lim, fn); ok {
			return err
		}
	}
	var (
		names nameSet
		b     = budget{lim: lim}
		recs  = make([]zipRec, 0, d.Len())
	)
	err = d.eachAt(func(e ZipEntry, at int64) error {
		if err := checkZipEntry(path, &e); err != nil {
			return err
		}
		name, isDir := strings.CutSuffix(e.Name, "/")
		if detail, err := names.add(name, isDir); err != nil {
			return &EntryError{Path: path, Entry: e.Name, Err: err, Detail: detail}
		}
		if e.Method == zipDeflate && lim.overRatio(e.Size, e.CompressedSize) {
			return &EntryError{Path: path, Entry: e.Name, Err: ErrTooLarge, Detail: fmt.Sprintf("expands to %d bytes, over Limits.MaxRatio %d times its compressed size", e.Size, lim.MaxRatio)}
		}
		r := zipRec{name: e.Name, cent: at, off: e.Offset, csize: e.CompressedSize, size: e.Size, mtime: e.ModTime.Unix(), nsec: int32(e.ModTime.Nanosecond()),
			crc: e.CRC32, perm: uint16(e.Mode.Perm()), method: e.Method, flags: e.Flags, skip: isDir || tarInZip}
		if !r.skip { // the tar's own files are counted as the tar is read
			if err := b.take(path, e.Name, e.Size); err != nil {
				return err
			}
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return err
	}
	// Archive-wide: many entries each under RatioFloor (a small entry may
	// compress 1,000 times) must not add up to a bomb either.
	if b.total > ArchiveRatioFloor && lim.MaxRatio > 0 && b.total/int64(lim.MaxRatio) > size {
		return &EntryError{Path: path, Err: ErrTooLarge, Detail: fmt.Sprintf("files total %d bytes, over Limits.MaxRatio %d times the archive's %d bytes", b.total, lim.MaxRatio, size)}
	}
	if err := zipLocals(d, recs); err != nil {
		return err
	}
	if err := checkLayout(path, recs, d.Offset()); err != nil {
		return err
	}
	if tarInZip {
		r, closeFn, err := d.Open(tarEntry)
		if err != nil {
			return err
		}
		defer closeFn()
		inner := path + ":" + tarEntry.Name
		if n := strings.ToLower(tarEntry.Name); !strings.HasSuffix(n, ".tar") {
			return walkTarGzStream(inner, r, lim, fn)
		}
		if err := walkTarStream(inner, r, lim, fn); err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, r) // the CRC of the tar itself
		return err
	}
	files := make([]uint32, 0, len(recs))
	for i := range recs {
		if !recs[i].skip {
			files = append(files, uint32(i))
		}
	}
	slices.SortFunc(files, func(a, b uint32) int { return strings.Compare(recs[a].name, recs[b].name) })
	return runEach(len(files), workers, func(i int) error {
		r := &recs[files[i]]
		rd, closeFn, err := openZipData(path, f, r.name, r.method, r.data, r.csize, r.size, r.crc)
		if err != nil {
			return err
		}
		defer closeFn()
		return callFn(r.entry(), rd, fn)
	})
}

// zipLocals reads the local header of every entry (ZipDir.DataOffset
// checks it against the central record) and sets the entry's off to where
// its data starts and end to where it ends.
func zipLocals(d *ZipDir, recs []zipRec) error {
	for i := range recs {
		r := &recs[i]
		data, err := d.DataOffset(ZipEntry{Name: r.name, Method: r.method, Flags: r.flags, CRC32: r.crc, CompressedSize: r.csize, Size: r.size, Offset: r.off})
		if err != nil {
			return err
		}
		r.data = data
	}
	return nil
}

// checkZipEntry refuses what a zip entry must not be, from its central
// directory record alone.
func checkZipEntry(path string, zf *ZipEntry) error {
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
	mode := zf.Mode
	switch {
	case mode&fs.ModeSymlink != 0:
		return refuse(ErrLink, "symbolic link")
	case mode&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0:
		return refuse(ErrSpecial, "%s", typeName(mode))
	case isDir || mode.IsDir():
		if !isDir {
			return refuse(ErrFormat, "directory entry without a trailing slash")
		}
		if zf.Size != 0 {
			return refuse(ErrFormat, "directory entry with %d bytes of data", zf.Size)
		}
		return nil
	}
	switch zf.Method {
	case zipStore:
		if zf.CompressedSize != zf.Size {
			return refuse(ErrFormat, "stored entry with %d bytes of data declared as %d", zf.CompressedSize, zf.Size)
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

// zipDescriptorMax is the longest data descriptor: signature, CRC-32 and
// two 64-bit sizes.
const zipDescriptorMax = 24

// checkLayout demands that the entries tile the file from offset 0 to the
// central directory: no overlap (the trick behind "overlapping file" zip
// bombs, where many entries share one compressed stream) and no bytes that
// belong to no entry (where a local entry missing from the central
// directory, seen only by streaming readers, would hide).
func checkLayout(path string, recs []zipRec, cd int64) error {
	order := make([]uint32, len(recs))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmp.Compare(recs[a].off, recs[b].off) })
	var next int64 // where the next entry may start
	slack := int64(0)
	for i, k := range order {
		s := &recs[k]
		if i > 0 && s.off < next {
			return &EntryError{Path: path, Entry: s.name, Err: ErrFormat, Detail: fmt.Sprintf("data overlaps entry %q", recs[order[i-1]].name)}
		}
		if s.off > next+slack {
			return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes at offset %d belong to no entry", s.off-next, next)}
		}
		next, slack = s.data+s.csize, 0
		if s.flags&zipFlagDescriptor != 0 {
			slack = zipDescriptorMax
		}
	}
	if cd > next+slack {
		return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes at offset %d belong to no entry", cd-next, next)}
	}
	return nil
}
