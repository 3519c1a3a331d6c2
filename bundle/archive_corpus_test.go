package bundle

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// The bad-container corpus: archives built byte by byte where the standard
// writers refuse to make them (encryption flag, CRC and size lies, links,
// overlapping entries), one per refusal. TestBadContainers pins the error
// for each; the fuzz targets start from them.

// rawZipEntry describes one entry of a hand-made zip.
type rawZipEntry struct {
	name      string
	data      []byte // uncompressed content
	deflate   bool
	method    *uint16 // overrides the method field
	flags     uint16
	crc       *uint32 // overrides the computed CRC-32
	usize     *uint32 // overrides the declared uncompressed size
	attrs     uint32  // external attributes; with unix set, the high 16 bits are a unix mode
	unix      bool
	sameLocal int // >0: share the local header and data of entry sameLocal-1 (overlap)
}

func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }

// Unix mode bits as zip external attributes carry them.
const (
	unixReg  = 0o100000
	unixLink = 0o120000
	unixFifo = 0o010000
	unixChr  = 0o020000
)

// buildZip writes entries as a zip, with trailing appended after the end
// record.
func buildZip(entries []rawZipEntry, trailing []byte) []byte {
	var out bytes.Buffer
	le := func(v any) { binary.Write(&out, binary.LittleEndian, v) }
	type central struct {
		e                 rawZipEntry
		method            uint16
		crc, csize, usize uint32
		offset            uint32
	}
	var cds []central
	const dosTime, dosDate = 0x6000, 0x5a21 // 2025-01-01 12:00:00
	for _, e := range entries {
		if e.sameLocal > 0 {
			c := cds[e.sameLocal-1]
			c.e = e
			cds = append(cds, c)
			continue
		}
		body := e.data
		method := uint16(0)
		if e.deflate {
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, flate.BestCompression)
			w.Write(e.data)
			w.Close()
			body, method = b.Bytes(), 8
		}
		if e.method != nil {
			method = *e.method
		}
		c := central{e: e, method: method, crc: crc32.ChecksumIEEE(e.data), csize: uint32(len(body)), usize: uint32(len(e.data)), offset: uint32(out.Len())}
		if e.crc != nil {
			c.crc = *e.crc
		}
		if e.usize != nil {
			c.usize = *e.usize
		}
		le(uint32(0x04034b50))
		le(uint16(20))
		le(e.flags)
		le(c.method)
		le(uint16(dosTime))
		le(uint16(dosDate))
		le(c.crc)
		le(c.csize)
		le(c.usize)
		le(uint16(len(e.name)))
		le(uint16(0))
		out.WriteString(e.name)
		out.Write(body)
		cds = append(cds, c)
	}
	cdStart := out.Len()
	for _, c := range cds {
		creator := uint16(20)
		if c.e.unix {
			creator |= 3 << 8
		}
		le(uint32(0x02014b50))
		le(creator)
		le(uint16(20))
		le(c.e.flags)
		le(c.method)
		le(uint16(dosTime))
		le(uint16(dosDate))
		le(c.crc)
		le(c.csize)
		le(c.usize)
		le(uint16(len(c.e.name)))
		le(uint16(0)) // extra
		le(uint16(0)) // comment
		le(uint16(0)) // disk
		le(uint16(0)) // internal attributes
		le(c.e.attrs)
		le(c.offset)
		out.WriteString(c.e.name)
	}
	cdLen := out.Len() - cdStart
	le(uint32(0x06054b50))
	le(uint16(0))
	le(uint16(0))
	le(uint16(len(cds)))
	le(uint16(len(cds)))
	le(uint32(cdLen))
	le(uint32(cdStart))
	le(uint16(0))
	out.Write(trailing)
	return out.Bytes()
}

func zipFiles(names ...string) []rawZipEntry {
	var es []rawZipEntry
	for _, n := range names {
		es = append(es, rawZipEntry{name: n, data: []byte("content of " + n + "\n"), deflate: true})
	}
	return es
}

// rawTarEntry describes one entry of a hand-made tar.
type rawTarEntry struct {
	name     string
	typeflag byte
	data     []byte
	link     string
	size     int64 // declared; 0 means len(data)
}

func buildTar(entries []rawTarEntry, trailing []byte) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		tf := e.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: tf, Linkname: e.link, Mode: 0o644, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if tf == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(e.data)
	}
	tw.Close()
	b.Write(trailing)
	return b.Bytes()
}

func tarFiles(names ...string) []rawTarEntry {
	var es []rawTarEntry
	for _, n := range names {
		es = append(es, rawTarEntry{name: n, data: []byte("content of " + n + "\n")})
	}
	return es
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// corpusCase is one container that must be refused.
type corpusCase struct {
	file    string // name it is written under
	data    []byte
	lim     Limits
	want    error  // sentinel
	msg     string // the whole error message
	fnCalls int    // calls of fn before the refusal (0: refused before any data is read)
}

func badContainers() []corpusCase {
	good := zipFiles("OS79XX.TXT", "P0S3-8-12-00.loads")
	zeros := make([]byte, 1<<20)
	tarGood := buildTar(tarFiles("OS79XX.TXT", "P0S3-8-12-00.loads"), nil)
	crcBad := append([]byte(nil), tarGood...)
	crcBadZip := buildZip([]rawZipEntry{{name: "drop.tar", data: crcBad, crc: u32(crc32.ChecksumIEEE(crcBad) ^ 1)}}, nil)
	truncTar := tarGood[:512+10] // header of the first file and 10 of its 21 bytes
	gzBad := gzipBytes(tarGood)
	gzBad[len(gzBad)-8] ^= 0xff // the gzip CRC-32
	return []corpusCase{
		// Names.
		{file: "abs.zip", data: buildZip(zipFiles("/etc/passwd"), nil), want: ErrUnsafePath,
			msg: "bundle: abs.zip: /etc/passwd: unsafe path: absolute path"},
		{file: "dotdot.zip", data: buildZip(zipFiles("../SIPDefault.cnf"), nil), want: ErrUnsafePath,
			msg: `bundle: dotdot.zip: ../SIPDefault.cnf: unsafe path: ".." path element`},
		{file: "dotdot-inner.zip", data: buildZip(zipFiles("a/../../x"), nil), want: ErrUnsafePath,
			msg: `bundle: dotdot-inner.zip: a/../../x: unsafe path: ".." path element`},
		{file: "backslash.zip", data: buildZip(zipFiles(`..\..\x.bin`), nil), want: ErrUnsafePath,
			msg: `bundle: backslash.zip: ..\..\x.bin: unsafe path: backslash in name (a path separator on Windows)`},
		{file: "drive.zip", data: buildZip(zipFiles("C:/x.bin"), nil), want: ErrUnsafePath,
			msg: "bundle: drive.zip: C:/x.bin: unsafe path: drive letter"},
		{file: "control.zip", data: buildZip(zipFiles("a\x1b[2Jb"), nil), want: ErrUnsafePath,
			msg: `bundle: control.zip: "a\x1b[2Jb": unsafe path: control character in name`},
		{file: "empty-element.zip", data: buildZip(zipFiles("a//b"), nil), want: ErrUnsafePath,
			msg: "bundle: empty-element.zip: a//b: unsafe path: empty path element"},
		// Links and special files.
		{file: "symlink.zip", data: buildZip([]rawZipEntry{{name: "OS79XX.TXT", data: []byte("/etc/passwd"), unix: true, attrs: unixLink << 16}}, nil), want: ErrLink,
			msg: "bundle: symlink.zip: OS79XX.TXT: link not allowed: symbolic link"},
		{file: "fifo.zip", data: buildZip([]rawZipEntry{{name: "fifo", unix: true, attrs: unixFifo << 16}}, nil), want: ErrSpecial,
			msg: "bundle: fifo.zip: fifo: not a regular file: named pipe (fifo)"},
		{file: "device.zip", data: buildZip([]rawZipEntry{{name: "tty", unix: true, attrs: (unixChr | 0o666) << 16}}, nil), want: ErrSpecial,
			msg: "bundle: device.zip: tty: not a regular file: character device"},
		// Duplicates and case.
		{file: "duplicate.zip", data: buildZip(zipFiles("SIPDefault.cnf", "SIPDefault.cnf"), nil), want: ErrDuplicate,
			msg: "bundle: duplicate.zip: SIPDefault.cnf: duplicate name"},
		{file: "case.zip", data: buildZip(zipFiles("OS79XX.TXT", "os79xx.txt"), nil), want: ErrCaseCollision,
			msg: `bundle: case.zip: os79xx.txt: names differ only in case: "os79xx.txt" collides with "OS79XX.TXT"`},
		{file: "case-dir.zip", data: buildZip(zipFiles("Ring/a.raw", "ring/b.raw"), nil), want: ErrCaseCollision,
			msg: `bundle: case-dir.zip: ring/b.raw: names differ only in case: "ring" collides with "Ring"`},
		{file: "file-and-dir.zip", data: buildZip(zipFiles("a", "a/b"), nil), want: ErrDuplicate,
			msg: `bundle: file-and-dir.zip: a/b: duplicate name: "a" is both a file and a directory`},
		// Encryption, compression.
		{file: "encrypted.zip", data: buildZip([]rawZipEntry{{name: "P003-8-12-00.bin", data: []byte("ciphertext"), flags: 1}}, nil), want: ErrEncrypted,
			msg: "bundle: encrypted.zip: P003-8-12-00.bin: encrypted entry: encryption flag set"},
		{file: "bzip2.zip", data: buildZip([]rawZipEntry{{name: "a.bin", data: []byte("x"), method: u16(12)}}, nil), want: ErrUnsupported,
			msg: "bundle: bzip2.zip: a.bin: unsupported: compression method 12"},
		// Sizes.
		{file: "bomb.zip", data: buildZip([]rawZipEntry{{name: "OS79XX.TXT", data: zeros, deflate: true, usize: u32(1000)}}, nil), want: ErrTooLarge,
			msg: "bundle: bomb.zip: OS79XX.TXT: too large: longer than its declared 1000 bytes", fnCalls: 1},
		{file: "short.zip", data: buildZip([]rawZipEntry{{name: "OS79XX.TXT", data: []byte("P0S3-8-12-00"), deflate: true, usize: u32(1000)}}, nil), want: ErrTruncated,
			msg: "bundle: short.zip: OS79XX.TXT: truncated: 12 bytes, 1000 declared", fnCalls: 1},
		{file: "over-file-limit.zip", data: buildZip([]rawZipEntry{{name: "big.bin", data: zeros, deflate: true}}, nil), lim: Limits{MaxFileSize: 1000}, want: ErrTooLarge,
			msg: "bundle: over-file-limit.zip: big.bin: too large: 1048576 bytes, over Limits.MaxFileSize 1000"},
		{file: "over-total-limit.zip", data: buildZip([]rawZipEntry{{name: "a.bin", data: zeros, deflate: true}, {name: "b.bin", data: zeros, deflate: true}}, nil), lim: Limits{MaxTotalSize: 3 << 19}, want: ErrTooLarge,
			msg: "bundle: over-total-limit.zip: b.bin: too large: files total more than Limits.MaxTotalSize 1572864"},
		{file: "too-many.zip", data: buildZip(zipFiles("a", "b", "c", "d", "e"), nil), lim: Limits{MaxFiles: 4}, want: ErrTooMany,
			msg: "bundle: too-many.zip: too many files: 5 entries, over Limits.MaxFiles 4"},
		// Checksums.
		{file: "crc.zip", data: buildZip([]rawZipEntry{good[0], {name: "P0S3-8-12-00.loads", data: []byte("P0S3-8-12-00\n"), crc: u32(0xdeadbeef)}}, nil), want: ErrChecksum,
			msg: "bundle: crc.zip: P0S3-8-12-00.loads: checksum mismatch: CRC-32 a6d4c2f9, archive says deadbeef", fnCalls: 2},
		{file: "crc-zero.zip", data: buildZip([]rawZipEntry{{name: "OS79XX.TXT", data: []byte("P0S3-8-12-00"), deflate: true, crc: u32(0)}}, nil), want: ErrChecksum,
			msg: "bundle: crc-zero.zip: OS79XX.TXT: checksum mismatch: CRC-32 67ffee89, archive says 00000000", fnCalls: 1},
		// Structure.
		{file: "overlap.zip", data: buildZip([]rawZipEntry{good[0], {name: "copy.txt", sameLocal: 1}}, nil), want: ErrFormat,
			msg: `bundle: overlap.zip: copy.txt: not a valid container: data overlaps entry "OS79XX.TXT"`},
		{file: "trailing.zip", data: buildZip(good, []byte("garbage")), want: ErrFormat,
			msg: "bundle: trailing.zip: not a valid container: 7 bytes of trailing data after the end of the zip at offset 288"},
		{file: "cut.zip", data: buildZip(good, nil)[:100], want: ErrFormat,
			msg: "bundle: cut.zip: not a valid container: zip: not a valid zip file"},
		{file: "not-an-archive.bin", data: []byte("this is not a zip\n"), want: ErrFormat,
			msg: "bundle: not-an-archive.bin: not a valid container: not a directory, zip or tar"},
		{file: "empty.zip", data: nil, want: ErrFormat,
			msg: "bundle: empty.zip: not a valid container: empty file, not a zip or tar"},
		// Tar.
		{file: "abs.tar", data: buildTar(tarFiles("/etc/passwd"), nil), want: ErrUnsafePath,
			msg: "bundle: abs.tar: /etc/passwd: unsafe path: absolute path"},
		{file: "dotdot.tar", data: buildTar(tarFiles("../x"), nil), want: ErrUnsafePath,
			msg: `bundle: dotdot.tar: ../x: unsafe path: ".." path element`},
		{file: "symlink.tar", data: buildTar([]rawTarEntry{{name: "OS79XX.TXT", typeflag: tar.TypeSymlink, link: "/etc/passwd"}}, nil), want: ErrLink,
			msg: `bundle: symlink.tar: OS79XX.TXT: link not allowed: symbolic link to "/etc/passwd"`},
		{file: "hardlink.tar", data: buildTar([]rawTarEntry{{name: "a", data: []byte("x")}, {name: "b", typeflag: tar.TypeLink, link: "a"}}, nil), want: ErrLink,
			msg: `bundle: hardlink.tar: b: link not allowed: hard link to "a"`},
		{file: "device.tar", data: buildTar([]rawTarEntry{{name: "sda", typeflag: tar.TypeBlock}}, nil), want: ErrSpecial,
			msg: "bundle: device.tar: sda: not a regular file: block device"},
		{file: "fifo.tar", data: buildTar([]rawTarEntry{{name: "p", typeflag: tar.TypeFifo}}, nil), want: ErrSpecial,
			msg: "bundle: fifo.tar: p: not a regular file: named pipe (fifo)"},
		{file: "duplicate.tar", data: buildTar(tarFiles("a.bin", "a.bin"), nil), want: ErrDuplicate,
			msg: "bundle: duplicate.tar: a.bin: duplicate name"},
		{file: "duplicate-dotslash.tar", data: buildTar(tarFiles("a.bin", "./a.bin"), nil), want: ErrDuplicate,
			msg: "bundle: duplicate-dotslash.tar: ./a.bin: duplicate name"},
		{file: "case.tar", data: buildTar(tarFiles("SEP0011223344.cnf.xml", "sep0011223344.cnf.xml"), nil), want: ErrCaseCollision,
			msg: `bundle: case.tar: sep0011223344.cnf.xml: names differ only in case: "sep0011223344.cnf.xml" collides with "SEP0011223344.cnf.xml"`},
		{file: "truncated.tar", data: truncTar, want: ErrTruncated,
			msg: "bundle: truncated.tar: OS79XX.TXT: truncated: 22 bytes declared, 10 left in the file"},
		{file: "truncated.tgz", data: gzipBytes(truncTar), want: ErrTruncated,
			msg: "bundle: truncated.tgz: OS79XX.TXT: truncated: 10 bytes, 22 declared", fnCalls: 1},
		{file: "truncated-header.tgz", data: gzipBytes(tarGood[:700]), want: ErrTruncated,
			msg: "bundle: truncated-header.tgz: truncated: tar ends without its end-of-archive blocks", fnCalls: 1},
		{file: "no-end.tar", data: tarGood[:1024], want: ErrTruncated,
			msg: "bundle: no-end.tar: truncated: tar ends without its end-of-archive blocks"},
		{file: "cut-header.tar", data: tarGood[:1024+100], want: ErrTruncated,
			msg: "bundle: cut-header.tar: truncated: tar ends in the middle of an entry"},
		{file: "trailing.tar", data: buildTar(tarFiles("a"), []byte("garbage")), want: ErrFormat,
			msg: "bundle: trailing.tar: not a valid container: trailing data after the end of the tar"},
		{file: "too-many.tar", data: buildTar(tarFiles("a", "b", "c"), nil), lim: Limits{MaxFiles: 2}, want: ErrTooMany,
			msg: "bundle: too-many.tar: too many files: more than 2 (Limits.MaxFiles)"},
		{file: "over-file-limit.tar", data: buildTar([]rawTarEntry{{name: "big", data: make([]byte, 2000)}}, nil), lim: Limits{MaxFileSize: 1000}, want: ErrTooLarge,
			msg: "bundle: over-file-limit.tar: big: too large: 2000 bytes, over Limits.MaxFileSize 1000"},
		// Compressed tar and tar inside zip: streams, so fn may have run.
		{file: "symlink.tgz", data: gzipBytes(buildTar([]rawTarEntry{{name: "a", data: []byte("x")}, {name: "b", typeflag: tar.TypeSymlink, link: "../../etc"}}, nil)), want: ErrLink,
			msg: `bundle: symlink.tgz: b: link not allowed: symbolic link to "../../etc"`, fnCalls: 1},
		{file: "gzip-crc.tgz", data: gzBad, want: ErrChecksum,
			msg: "bundle: gzip-crc.tgz: checksum mismatch: gzip CRC-32", fnCalls: 2},
		{file: "tar-in-zip-dotdot.zip", data: buildZip([]rawZipEntry{{name: "drop.tar", data: buildTar(tarFiles("../../x"), nil), deflate: true}}, nil), want: ErrUnsafePath,
			msg: `bundle: tar-in-zip-dotdot.zip:drop.tar: ../../x: unsafe path: ".." path element`},
		{file: "tar-in-zip-crc.zip", data: crcBadZip, want: ErrChecksum,
			msg: "bundle: tar-in-zip-crc.zip: drop.tar: checksum mismatch: CRC-32 " + hex32(crc32.ChecksumIEEE(crcBad)) + ", archive says " + hex32(crc32.ChecksumIEEE(crcBad)^1), fnCalls: 2},
	}
}
func hex32(v uint32) string { return fmt.Sprintf("%08x", v) }
