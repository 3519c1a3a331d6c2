package container

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zip"
)

// Zip record signatures and fixed lengths (APPNOTE.TXT 4.3).
const (
	zipCentralSig      = 0x02014b50
	zipLocalSig        = 0x04034b50
	zipEnd64LocatorSig = 0x07064b50
	zipEnd64Sig        = 0x06064b50
	zipCentralLen      = 46
	zipEnd64LocatorLen = 20
	zipEnd64Len        = 56
)

// zipLocals reads, for every central directory record (in the order of
// zr.File), where its local header starts, and checks that the local header
// agrees with the central one: same name, method and encryption flag, and
// data where the central directory's reader found it. Tools that stream a
// zip read the local headers and tools that seek read the central
// directory; a zip on which they disagree shows each a different drop.
func zipLocals(path string, r io.ReaderAt, size, endOff int64, files []*zip.File) (spans []zipSpan, cdOffset int64, err error) {
	bad := func(entry, format string, args ...any) error {
		return &EntryError{Path: path, Entry: entry, Err: ErrFormat, Detail: fmt.Sprintf(format, args...)}
	}
	var end [zipEndLen]byte
	if _, err := r.ReadAt(end[:], endOff); err != nil {
		return nil, 0, bad("", "end record: %v", err)
	}
	cd := int64(binary.LittleEndian.Uint32(end[16:]))
	if cd == 0xffffffff || binary.LittleEndian.Uint16(end[10:]) == 0xffff {
		if cd, err = zip64DirOffset(r, endOff); err != nil {
			return nil, 0, bad("", "zip64 end record: %v", err)
		}
	}
	spans = make([]zipSpan, 0, len(files))
	pos := cd
	for _, zf := range files {
		var c [zipCentralLen]byte
		if _, err := r.ReadAt(c[:], pos); err != nil || binary.LittleEndian.Uint32(c[:]) != zipCentralSig {
			return nil, 0, bad(zf.Name, "central directory record not at offset %d", pos)
		}
		n, m, k := int64(binary.LittleEndian.Uint16(c[28:])), int64(binary.LittleEndian.Uint16(c[30:])), int64(binary.LittleEndian.Uint16(c[32:]))
		local := int64(binary.LittleEndian.Uint32(c[42:]))
		if local == 0xffffffff {
			extra := make([]byte, m) // m < 64 KiB
			if _, err := r.ReadAt(extra, pos+zipCentralLen+n); err != nil {
				return nil, 0, bad(zf.Name, "central directory extra field: %v", err)
			}
			if local, err = zip64LocalOffset(c[:], extra); err != nil {
				return nil, 0, bad(zf.Name, "%v", err)
			}
		}
		pos += zipCentralLen + n + m + k

		var l [zipLocalHeaderLen]byte
		if local < 0 || local > size-zipLocalHeaderLen {
			return nil, 0, bad(zf.Name, "local header offset %d outside the file", local)
		}
		if _, err := r.ReadAt(l[:], local); err != nil || binary.LittleEndian.Uint32(l[:]) != zipLocalSig {
			return nil, 0, bad(zf.Name, "no local header at offset %d", local)
		}
		ln, lm := int64(binary.LittleEndian.Uint16(l[26:])), int64(binary.LittleEndian.Uint16(l[28:]))
		name := make([]byte, ln) // ln < 64 KiB
		if _, err := r.ReadAt(name, local+zipLocalHeaderLen); err != nil {
			return nil, 0, bad(zf.Name, "local header name: %v", err)
		}
		switch {
		case string(name) != zf.Name:
			return nil, 0, bad(zf.Name, "local header names it %q", name)
		case binary.LittleEndian.Uint16(l[8:]) != zf.Method:
			return nil, 0, bad(zf.Name, "local header says compression method %d, central directory %d", binary.LittleEndian.Uint16(l[8:]), zf.Method)
		case binary.LittleEndian.Uint16(l[6:])&1 != zf.Flags&1:
			return nil, 0, &EntryError{Path: path, Entry: zf.Name, Err: ErrEncrypted, Detail: "encryption flag set in the local header only"}
		}
		// Without a data descriptor (flag bit 3) the local header carries the
		// sizes and CRC a streaming reader will use: they must be the same.
		if lf := binary.LittleEndian.Uint16(l[6:]); lf&8 == 0 {
			crc, cs, us := binary.LittleEndian.Uint32(l[14:]), binary.LittleEndian.Uint32(l[18:]), binary.LittleEndian.Uint32(l[22:])
			if cs != 0xffffffff && us != 0xffffffff && (crc != zf.CRC32 || uint64(cs) != zf.CompressedSize64 || uint64(us) != zf.UncompressedSize64) {
				return nil, 0, bad(zf.Name, "local header says %d bytes (%d stored, CRC-32 %08x), central directory %d (%d, %08x)",
					us, cs, crc, zf.UncompressedSize64, zf.CompressedSize64, zf.CRC32)
			}
		}
		data, err := zf.DataOffset()
		if err != nil || data != local+zipLocalHeaderLen+ln+lm {
			return nil, 0, bad(zf.Name, "local header at offset %d does not lead to the entry's data", local)
		}
		spans = append(spans, zipSpan{name: zf.Name, start: local, end: data + int64(zf.CompressedSize64), descriptor: zf.Flags&8 != 0})
	}
	return spans, cd, nil
}

// zip64DirOffset reads the central directory offset from the zip64 end
// record the locator before the end record points to.
func zip64DirOffset(r io.ReaderAt, endOff int64) (int64, error) {
	var loc [zipEnd64LocatorLen]byte
	if endOff < zipEnd64LocatorLen {
		return 0, errors.New("no zip64 locator")
	}
	if _, err := r.ReadAt(loc[:], endOff-zipEnd64LocatorLen); err != nil || binary.LittleEndian.Uint32(loc[:]) != zipEnd64LocatorSig {
		return 0, errors.New("no zip64 locator")
	}
	off := binary.LittleEndian.Uint64(loc[8:])
	var e [zipEnd64Len]byte
	if off > uint64(endOff) {
		return 0, errors.New("zip64 end record past the end record")
	}
	if _, err := r.ReadAt(e[:], int64(off)); err != nil || binary.LittleEndian.Uint32(e[:]) != zipEnd64Sig {
		return 0, errors.New("no zip64 end record")
	}
	cd := binary.LittleEndian.Uint64(e[48:])
	if cd > uint64(endOff) {
		return 0, errors.New("central directory past the end record")
	}
	return int64(cd), nil
}

// zip64LocalOffset reads the local header offset from a central record's
// zip64 extra field (id 1), whose fields are present only for the 32-bit
// fields set to 0xffffffff, in the order: size, compressed size, offset.
func zip64LocalOffset(central, extra []byte) (int64, error) {
	skip := 0
	if binary.LittleEndian.Uint32(central[24:]) == 0xffffffff {
		skip += 8
	}
	if binary.LittleEndian.Uint32(central[20:]) == 0xffffffff {
		skip += 8
	}
	for len(extra) >= 4 {
		id, n := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if n > len(extra) {
			break
		}
		if id == 1 && n >= skip+8 {
			off := binary.LittleEndian.Uint64(extra[skip:])
			if off > 1<<62 {
				break
			}
			return int64(off), nil
		}
		extra = extra[n:]
	}
	return 0, errors.New("zip64 extra field without the local header offset")
}
