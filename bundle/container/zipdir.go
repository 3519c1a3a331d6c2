package container

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
)

// Zip record signatures and fixed lengths (APPNOTE.TXT 4.3).
const (
	zipCentralSig      = 0x02014b50
	zipLocalSig        = 0x04034b50
	zipEndSig          = 0x06054b50
	zipEnd64LocatorSig = 0x07064b50
	zipEnd64Sig        = 0x06064b50
	zipLocalHeaderLen  = 30
	zipCentralLen      = 46
	zipEndLen          = 22 // end of central directory record without comment
	zipEnd64LocatorLen = 20
	zipEnd64Len        = 56
)

// Zip compression methods Walk reads. Cisco ships deflate; stored is common
// in repackages. Anything else is refused as unsupported.
const (
	zipStore   = 0
	zipDeflate = 8
)

// Zip general purpose flag bits.
const (
	zipFlagEncrypted  = 0x1
	zipFlagDescriptor = 0x8
	zipFlagUTF8       = 0x800
)

// ZipEntry is one record of a zip's central directory, as ZipDir.Each
// yields it: what archive/zip's FileHeader holds that a reader of the
// entry needs, and nothing it does not.
type ZipEntry struct {
	Name           string
	Method         uint16
	Flags          uint16 // general purpose bits (1: encrypted, 8: data descriptor)
	CRC32          uint32
	CompressedSize int64
	Size           int64 // uncompressed
	Offset         int64 // of the local header
	Mode           fs.FileMode
	ModTime        time.Time
	// NonUTF8: the name is not known to be UTF-8 (archive/zip's
	// FileHeader.NonUTF8, decided the same way).
	NonUTF8 bool
}

// ZipDir reads a zip's central directory record by record, in constant
// memory, after checking the end records: the end of central directory
// record (with its comment) ends the file, a zip64 end record is where its
// locator says, and the central directory lies exactly between its
// declared offset and the end records. It is the one parser of a zip's
// directory in phoneload: Walk, DetectContainer and bundle.VerifyZipMeta
// all read through it.
type ZipDir struct {
	path    string
	r       io.ReaderAt
	size    int64
	count   int64 // records declared
	dir     int64 // offset of the first central directory record
	dirEnd  int64 // where the records end: the zip64 end record or the end record
	endOff  int64 // offset of the end of central directory record
	maxRecs int
}

// OpenZipDir checks the end records of the zip of size bytes read from r
// and returns its central directory, unread. path names the file in
// errors. A zip declaring more than maxEntries entries is refused with
// ErrTooMany before any record is read; other damage with ErrFormat. Every
// error is an *EntryError.
func OpenZipDir(path string, r io.ReaderAt, size int64, maxEntries int) (*ZipDir, error) {
	bad := func(format string, args ...any) error {
		return &EntryError{Path: path, Err: ErrFormat, Detail: fmt.Sprintf(format, args...)}
	}
	end, err := findZipEnd(r, size)
	if err != nil {
		return nil, bad("%v", err)
	}
	var e [zipEndLen]byte
	if _, err := r.ReadAt(e[:], end); err != nil {
		return nil, bad("end record at offset %d: %v", end, err)
	}
	le := binary.LittleEndian
	if le.Uint16(e[4:]) != 0 || le.Uint16(e[6:]) != 0 {
		return nil, bad("end record at offset %d: a multi-disk zip", end)
	}
	d := &ZipDir{path: path, r: r, size: size, endOff: end, dirEnd: end, maxRecs: maxEntries}
	d.count = int64(le.Uint16(e[10:]))
	dirSize := uint64(le.Uint32(e[12:]))
	dirOff := uint64(le.Uint32(e[16:]))
	if d.count == 0xffff || dirSize == 0xffffffff || dirOff == 0xffffffff {
		// Zip64: the locator just before the end record points at the
		// zip64 end record, which holds the real values.
		var loc [zipEnd64LocatorLen]byte
		if end < zipEnd64LocatorLen {
			return nil, bad("no zip64 locator before the end record at offset %d", end)
		}
		if _, err := r.ReadAt(loc[:], end-zipEnd64LocatorLen); err != nil || le.Uint32(loc[:]) != zipEnd64LocatorSig {
			return nil, bad("no zip64 locator before the end record at offset %d", end)
		}
		off := le.Uint64(loc[8:])
		if off > uint64(end-zipEnd64LocatorLen) || uint64(end-zipEnd64LocatorLen)-off < zipEnd64Len {
			return nil, bad("zip64 end record offset %d outside the file", off)
		}
		var z [zipEnd64Len]byte
		if _, err := r.ReadAt(z[:], int64(off)); err != nil || le.Uint32(z[:]) != zipEnd64Sig {
			return nil, bad("no zip64 end record at offset %d", off)
		}
		if le.Uint32(z[16:]) != 0 || le.Uint32(z[20:]) != 0 {
			return nil, bad("zip64 end record at offset %d: a multi-disk zip", off)
		}
		count := le.Uint64(z[32:])
		if count > uint64(maxEntries) {
			return nil, &EntryError{Path: path, Err: ErrTooMany, Detail: fmt.Sprintf("more than %d entries (Limits.MaxFiles)", maxEntries)}
		}
		d.count = int64(count)
		dirSize, dirOff = le.Uint64(z[40:]), le.Uint64(z[48:])
		d.dirEnd = int64(off)
	}
	if d.count > int64(maxEntries) {
		return nil, &EntryError{Path: path, Err: ErrTooMany, Detail: fmt.Sprintf("more than %d entries (Limits.MaxFiles)", maxEntries)}
	}
	if dirOff > uint64(d.dirEnd) || dirSize != uint64(d.dirEnd)-dirOff {
		return nil, bad("central directory of %d bytes at offset %d does not end where the end record is, at offset %d", dirSize, dirOff, d.dirEnd)
	}
	if uint64(d.count) > dirSize/zipCentralLen {
		return nil, bad("central directory of %d bytes too short for %d entries", dirSize, d.count)
	}
	d.dir = int64(dirOff)
	return d, nil
}

// Len is the number of entries the end record declares (and Each, when
// it succeeds, yields).
func (d *ZipDir) Len() int { return int(d.count) }

// Offset is where the central directory starts: the entries' local
// headers and data lie before it.
func (d *ZipDir) Offset() int64 { return d.dir }

// Each calls fn with every central directory record, in directory order,
// reading them through a small buffer: memory does not grow with the
// number of entries. It stops at the first error, from fn or from a
// malformed record (ErrFormat, naming the record's offset), and checks
// that the records fill the central directory exactly.
func (d *ZipDir) Each(fn func(ZipEntry) error) error {
	return d.eachAt(func(e ZipEntry, _ int64) error { return fn(e) })
}

// eachAt is Each, with the offset of each record.
func (d *ZipDir) eachAt(fn func(e ZipEntry, at int64) error) error {
	br := bufio.NewReaderSize(io.NewSectionReader(d.r, d.dir, d.dirEnd-d.dir), 64<<10)
	pos := d.dir
	var hdr [zipCentralLen]byte
	for i := int64(0); i < d.count; i++ {
		e, n, err := readZipCentral(br, hdr[:])
		if size, ok := err.(zipSizeError); ok {
			return &EntryError{Path: d.path, Entry: e.Name, Err: ErrTooLarge, Detail: fmt.Sprintf("declared size %d", uint64(size))}
		}
		if err != nil {
			return &EntryError{Path: d.path, Entry: e.Name, Err: ErrFormat, Detail: fmt.Sprintf("central directory record %d at offset %d: %v", i, pos, err)}
		}
		at := pos
		pos += n
		if err := fn(e, at); err != nil {
			return err
		}
	}
	if pos != d.dirEnd {
		return &EntryError{Path: d.path, Err: ErrFormat, Detail: fmt.Sprintf("%d bytes at offset %d after the %d central directory records the end record declares", d.dirEnd-pos, pos, d.count)}
	}
	return nil
}

// zipSizeError is a declared size out of any range a file can have.
type zipSizeError uint64

func (e zipSizeError) Error() string { return fmt.Sprintf("declared size %d", uint64(e)) }

// readZipCentral reads one central directory record from br into a
// ZipEntry, as archive/zip's readDirectoryHeader does, and returns its
// length in bytes.
func readZipCentral(br *bufio.Reader, hdr []byte) (ZipEntry, int64, error) {
	var e ZipEntry
	if _, err := io.ReadFull(br, hdr); err != nil {
		return e, 0, errors.New("truncated")
	}
	le := binary.LittleEndian
	if le.Uint32(hdr) != zipCentralSig {
		return e, 0, errors.New("bad signature")
	}
	creator := le.Uint16(hdr[4:])
	e.Flags = le.Uint16(hdr[8:])
	e.Method = le.Uint16(hdr[10:])
	dosTime, dosDate := le.Uint16(hdr[12:]), le.Uint16(hdr[14:])
	e.CRC32 = le.Uint32(hdr[16:])
	csize, usize := uint64(le.Uint32(hdr[20:])), uint64(le.Uint32(hdr[24:]))
	nameLen, extraLen, commentLen := int(le.Uint16(hdr[28:])), int(le.Uint16(hdr[30:])), int(le.Uint16(hdr[32:]))
	attrs := le.Uint32(hdr[38:])
	off := uint64(le.Uint32(hdr[42:]))
	n := int64(zipCentralLen + nameLen + extraLen + commentLen)

	name, err := br.Peek(nameLen)
	if err != nil {
		return e, 0, errors.New("truncated name")
	}
	e.Name = string(name)
	br.Discard(nameLen)
	extra, err := br.Peek(extraLen) // the buffer (64 KiB) holds the longest
	if err != nil {
		return e, 0, errors.New("truncated extra field")
	}
	needU, needC, needOff := usize == 0xffffffff, csize == 0xffffffff, off == 0xffffffff
	var modified time.Time
	for x := extra; len(x) >= 4; {
		id, size := le.Uint16(x), int(le.Uint16(x[2:]))
		x = x[4:]
		if size > len(x) {
			break
		}
		f := x[:size]
		x = x[size:]
		switch id {
		case 0x0001: // zip64: only the saturated fields, in this order
			for _, v := range []struct {
				need *bool
				p    *uint64
			}{{&needU, &usize}, {&needC, &csize}, {&needOff, &off}} {
				if !*v.need {
					continue
				}
				if len(f) < 8 {
					return e, 0, errors.New("short zip64 extra field")
				}
				*v.p, *v.need = le.Uint64(f), false
				f = f[8:]
			}
		case 0x000a: // NTFS: modification time in 100 ns since 1601
			if len(f) < 4 {
				continue
			}
			for f = f[4:]; len(f) >= 4; {
				tag, size := le.Uint16(f), int(le.Uint16(f[2:]))
				f = f[4:]
				if size > len(f) {
					break
				}
				a := f[:size]
				f = f[size:]
				if tag == 1 && size == 24 {
					const ticks = 1e7
					ts := int64(le.Uint64(a))
					epoch := time.Date(1601, time.January, 1, 0, 0, 0, 0, time.UTC)
					modified = time.Unix(epoch.Unix()+ts/ticks, (1e9/ticks)*(ts%ticks))
				}
			}
		case 0x000d, 0x5855: // Unix and Info-ZIP Unix: mtime after atime
			if len(f) >= 8 {
				modified = time.Unix(int64(le.Uint32(f[4:])), 0)
			}
		case 0x5455: // extended timestamp
			if len(f) >= 5 && f[0]&1 != 0 {
				modified = time.Unix(int64(le.Uint32(f[1:])), 0)
			}
		}
	}
	br.Discard(extraLen)
	comment, err := br.Peek(commentLen)
	if err != nil {
		return e, 0, errors.New("truncated comment")
	}
	// archive/zip's choice of NonUTF8.
	nameOK, nameNeeds := detectUTF8(name)
	commentOK, commentNeeds := detectUTF8(comment)
	switch {
	case !nameOK || !commentOK:
		e.NonUTF8 = true
	case !nameNeeds && !commentNeeds:
		e.NonUTF8 = false
	default:
		e.NonUTF8 = e.Flags&zipFlagUTF8 == 0
	}
	br.Discard(commentLen)
	// An uncompressed size of 2^32-1 without a zip64 field is plausible
	// (archive/zip accepts it); the other two are not.
	if needC || needOff {
		return e, 0, errors.New("no zip64 extra field for a saturated size or offset")
	}
	if usize > 1<<62 || csize > 1<<62 {
		return e, 0, zipSizeError(max(usize, csize))
	}
	if off > 1<<62 {
		return e, 0, fmt.Errorf("local header offset %d out of range", off)
	}
	e.Size, e.CompressedSize, e.Offset = int64(usize), int64(csize), int64(off)
	e.Mode = (&zip.FileHeader{Name: e.Name, CreatorVersion: creator, ExternalAttrs: attrs}).Mode()
	e.ModTime = time.Date(int(dosDate>>9+1980), time.Month(dosDate>>5&0xf), int(dosDate&0x1f),
		int(dosTime>>11), int(dosTime>>5&0x3f), int(dosTime&0x1f*2), 0, time.UTC)
	if !modified.IsZero() {
		e.ModTime = modified.UTC()
	}
	return e, n, nil
}

// detectUTF8 is archive/zip's: valid tells whether s can be UTF-8 (it is
// valid and has no rune a legacy encoding reads differently), require
// whether it holds a rune outside the ASCII subset the encodings share.
func detectUTF8(s []byte) (valid, require bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r < 0x20 || r > 0x7d || r == 0x5c {
			if !utf8.ValidRune(r) || (r == utf8.RuneError && size == 1) {
				return false, false
			}
			require = true
		}
	}
	return true, require
}

// DataOffset reads the local header of e and returns where its data
// starts, after checking that the local header agrees with the central
// one: same name, method and encryption flag, and without a data
// descriptor the same sizes and CRC-32. Tools that stream a zip read the
// local headers and tools that seek read the central directory; a zip on
// which they disagree shows each a different drop.
func (d *ZipDir) DataOffset(e ZipEntry) (int64, error) {
	bad := func(format string, args ...any) error {
		return &EntryError{Path: d.path, Entry: e.Name, Err: ErrFormat, Detail: fmt.Sprintf(format, args...)}
	}
	le := binary.LittleEndian
	if e.Offset < 0 || e.Offset > d.dir-zipLocalHeaderLen {
		return 0, bad("local header offset %d outside the file", e.Offset)
	}
	// One read for the header and the name it should hold.
	var buf [zipLocalHeaderLen + 256]byte
	var h []byte
	if n := zipLocalHeaderLen + int64(len(e.Name)); n > int64(len(buf)) {
		h = make([]byte, n) // e.Name < 64 KiB
	} else {
		h = buf[:n]
	}
	h = h[:min(int64(len(h)), d.dir-e.Offset)]
	if _, err := d.r.ReadAt(h, e.Offset); err != nil || le.Uint32(h) != zipLocalSig {
		return 0, bad("no local header at offset %d", e.Offset)
	}
	l := h[:zipLocalHeaderLen]
	ln, lm := int64(le.Uint16(l[26:])), int64(le.Uint16(l[28:]))
	data := e.Offset + zipLocalHeaderLen + ln + lm
	if data > d.dir {
		return 0, bad("local header at offset %d runs into the central directory", e.Offset)
	}
	name := h[zipLocalHeaderLen:]
	if ln != int64(len(e.Name)) {
		name = make([]byte, ln) // ln < 64 KiB
		if _, err := d.r.ReadAt(name, e.Offset+zipLocalHeaderLen); err != nil {
			return 0, bad("local header name: %v", err)
		}
	}
	method, flags := le.Uint16(l[8:]), le.Uint16(l[6:])
	switch {
	case !bytes.Equal(name, []byte(e.Name)):
		return 0, bad("local header names it %q", name)
	case method != e.Method:
		return 0, bad("local header says compression method %d, central directory %d", method, e.Method)
	case flags&zipFlagEncrypted != e.Flags&zipFlagEncrypted:
		return 0, &EntryError{Path: d.path, Entry: e.Name, Err: ErrEncrypted, Detail: "encryption flag set in the local header only"}
	}
	// Without a data descriptor the local header carries the sizes and
	// CRC a streaming reader will use: they must be the same.
	if flags&zipFlagDescriptor == 0 {
		crc, cs, us := le.Uint32(l[14:]), le.Uint32(l[18:]), le.Uint32(l[22:])
		if cs != 0xffffffff && us != 0xffffffff && (crc != e.CRC32 || int64(cs) != e.CompressedSize || int64(us) != e.Size) {
			return 0, bad("local header says %d bytes (%d stored, CRC-32 %08x), central directory %d (%d, %08x)",
				us, cs, crc, e.Size, e.CompressedSize, e.CRC32)
		}
	}
	if e.CompressedSize > d.dir-data {
		return 0, bad("%d bytes of data at offset %d run into the central directory at offset %d", e.CompressedSize, data, d.dir)
	}
	return data, nil
}

// Open returns a reader of e's uncompressed bytes (stored or deflate),
// checked as they are read: exactly e.Size of them (ErrTooLarge,
// ErrTruncated) with e's CRC-32 (ErrChecksum). The local header is
// checked first (DataOffset). The returned function releases the
// decompressor.
func (d *ZipDir) Open(e ZipEntry) (io.Reader, func() error, error) {
	data, err := d.DataOffset(e)
	if err != nil {
		return nil, nil, err
	}
	return openZipData(d.path, d.r, e.Name, e.Method, data, e.CompressedSize, e.Size, e.CRC32)
}

// openZipData reads the compressed bytes at data as ZipDir.Open does.
func openZipData(path string, r io.ReaderAt, name string, method uint16, data, csize, size int64, crc uint32) (io.Reader, func() error, error) {
	var (
		src     io.Reader = io.NewSectionReader(r, data, csize)
		closeFn           = func() error { return nil }
	)
	switch method {
	case zipStore:
	case zipDeflate:
		// Decompressors (a 32 KiB window and a 4 KiB input buffer each)
		// are reused: a zip of a million small entries made a million
		// of them, and the collector and the scavenger paid for it.
		z, _ := inflaters.Get().(*inflater)
		if z == nil {
			z = &inflater{br: bufio.NewReader(src)}
			z.fr = flate.NewReader(z.br)
		} else {
			z.br.Reset(src)
			z.fr.(flate.Resetter).Reset(z.br, nil)
		}
		src = z.fr
		closeFn = func() error {
			if z == nil {
				return nil // closed already: not put back twice
			}
			err := z.fr.Close()
			inflaters.Put(z)
			z = nil
			return err
		}
	default:
		return nil, nil, &EntryError{Path: path, Entry: name, Err: ErrUnsupported, Detail: fmt.Sprintf("compression method %d", method)}
	}
	return newExactReader(path, name, src, size).withCRC(crc), closeFn, nil
}

// inflater is a pooled deflate decompressor with its input buffer.
type inflater struct {
	br *bufio.Reader
	fr io.ReadCloser
}

var inflaters sync.Pool

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
	return 0, errors.New("zip: not a valid zip file")
}
