// Package badcontainer builds the bad-container corpus: one archive per
// refusal of bundle.Walk, made byte by byte where the standard writers
// refuse to (encryption flag, CRC and size lies, links, devices, overlapping
// entries, trailing garbage, truncation), each with the error it must get.
// bundle's tests pin the errors, its fuzz targets start from the archives,
// and the CLI scripts unpack them (testscript command mkbad).
package badcontainer

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

// ZipEntry describes one entry of a hand-made zip.
type ZipEntry struct {
	Name      string
	Data      []byte // uncompressed content
	Deflate   bool
	Method    *uint16 // overrides the method field
	Flags     uint16
	CRC       *uint32 // overrides the computed CRC-32
	USize     *uint32 // overrides the declared uncompressed size
	Attrs     uint32  // external attributes; with unix set, the high 16 bits are a unix mode
	Unix      bool
	SameLocal int // >0: share the local header and data of entry SameLocal-1 (overlap)
	// CentralOnly: write only the central record, pointing at Offset, where
	// the caller has put a stored local header (see LocalHeader).
	CentralOnly bool
	Offset      uint32
	// LocalOnly: write the local header and data but no central record,
	// an entry only streaming readers see.
	LocalOnly bool
}

func u16(v uint16) *uint16 { return &v }
func u32(v uint32) *uint32 { return &v }

// The time of every entry, in MS-DOS format: 2025-01-01 12:00:00.
const dosTime, dosDate = 0x6000, 0x5a21

// Unix mode bits as zip external attributes carry them.
const (
	unixReg  = 0o100000
	unixLink = 0o120000
	unixFifo = 0o010000
	unixChr  = 0o020000
)

// Zip writes entries as a zip, with trailing appended after the end
// record.
func Zip(entries []ZipEntry, trailing []byte) []byte {
	var out bytes.Buffer
	le := func(v any) { binary.Write(&out, binary.LittleEndian, v) }
	type central struct {
		e                 ZipEntry
		method            uint16
		crc, csize, usize uint32
		offset            uint32
	}
	var cds []central
	for _, e := range entries {
		if e.CentralOnly {
			cds = append(cds, central{e: e, crc: crc32.ChecksumIEEE(e.Data), csize: uint32(len(e.Data)), usize: uint32(len(e.Data)), offset: e.Offset})
			continue
		}
		if e.SameLocal > 0 {
			c := cds[e.SameLocal-1]
			c.e = e
			cds = append(cds, c)
			continue
		}
		body := e.Data
		method := uint16(0)
		if e.Deflate {
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, flate.BestCompression)
			w.Write(e.Data)
			w.Close()
			body, method = b.Bytes(), 8
		}
		if e.Method != nil {
			method = *e.Method
		}
		c := central{e: e, method: method, crc: crc32.ChecksumIEEE(e.Data), csize: uint32(len(body)), usize: uint32(len(e.Data)), offset: uint32(out.Len())}
		if e.CRC != nil {
			c.crc = *e.CRC
		}
		if e.USize != nil {
			c.usize = *e.USize
		}
		writeLocal(&out, e.Name, e.Flags, c.method, c.crc, c.csize, c.usize)
		out.Write(body)
		if !e.LocalOnly {
			cds = append(cds, c)
		}
	}
	cdStart := out.Len()
	for _, c := range cds {
		creator := uint16(20)
		if c.e.Unix {
			creator |= 3 << 8
		}
		le(uint32(0x02014b50))
		le(creator)
		le(uint16(20))
		le(c.e.Flags)
		le(c.method)
		le(uint16(dosTime))
		le(uint16(dosDate))
		le(c.crc)
		le(c.csize)
		le(c.usize)
		le(uint16(len(c.e.Name)))
		le(uint16(0)) // extra
		le(uint16(0)) // comment
		le(uint16(0)) // disk
		le(uint16(0)) // internal attributes
		le(c.e.Attrs)
		le(c.offset)
		out.WriteString(c.e.Name)
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

// LocalHeader returns the local header of a stored entry, followed by its
// data, to hide inside another entry's data.
func LocalHeader(name string, data []byte) []byte {
	var out bytes.Buffer
	writeLocal(&out, name, 0, 0, crc32.ChecksumIEEE(data), uint32(len(data)), uint32(len(data)))
	out.Write(data)
	return out.Bytes()
}

// writeLocal writes a local file header without extra field.
func writeLocal(out *bytes.Buffer, name string, flags, method uint16, crc, csize, usize uint32) {
	le := func(v any) { binary.Write(out, binary.LittleEndian, v) }
	le(uint32(0x04034b50))
	le(uint16(20))
	le(flags)
	le(method)
	le(uint16(dosTime))
	le(uint16(dosDate))
	le(crc)
	le(csize)
	le(usize)
	le(uint16(len(name)))
	le(uint16(0))
	out.WriteString(name)
}

// ZipFiles returns deflated entries with small text contents.
func ZipFiles(names ...string) []ZipEntry {
	var es []ZipEntry
	for _, n := range names {
		es = append(es, ZipEntry{Name: n, Data: []byte("content of " + n + "\n"), Deflate: true})
	}
	return es
}

// TarEntry describes one entry of a hand-made tar.
type TarEntry struct {
	Name     string
	Typeflag byte
	Data     []byte
	Link     string
	Exec     bool // mode 0755 instead of 0644
}

func Tar(entries []TarEntry, trailing []byte) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		tf := e.Typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.Name, Typeflag: tf, Linkname: e.Link, Mode: 0o644, ModTime: time.Unix(1700000000, 0), Format: tar.FormatPAX}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.Data))
		}
		if tf == tar.TypeDir || e.Exec {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			panic(err)
		}
		tw.Write(e.Data)
	}
	tw.Close()
	b.Write(trailing)
	return b.Bytes()
}

// TarFiles returns regular tar entries with small text contents.
func TarFiles(names ...string) []TarEntry {
	var es []TarEntry
	for _, n := range names {
		es = append(es, TarEntry{Name: n, Data: []byte("content of " + n + "\n")})
	}
	return es
}

func Gzip(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// Limits mirrors bundle.Limits (this package cannot import bundle, whose
// tests import it). Zero fields mean bundle.DefaultLimits.
type Limits struct {
	MaxFileSize, MaxTotalSize int64
	MaxFiles                  int
}

// Case is one container that must be refused.
type Case struct {
	File    string // name it is written under; the error messages use it
	Data    []byte
	Limits  Limits
	Err     string // the bundle sentinel it wraps: "ErrUnsafePath", …
	Msg     string // the whole error message of bundle.Walk
	FnCalls int    // files Walk hands to fn before the refusal (0: refused before any data is read)
}

// Cases returns the corpus, built afresh.
func Cases() []Case {
	good := ZipFiles("OS79XX.TXT", "P0S3-8-12-00.loads")
	zeros := make([]byte, 1<<20)
	tarGood := Tar(TarFiles("OS79XX.TXT", "P0S3-8-12-00.loads"), nil)
	crcBad := append([]byte(nil), tarGood...)
	crcBadZip := Zip([]ZipEntry{{Name: "drop.tar", Data: crcBad, CRC: u32(crc32.ChecksumIEEE(crcBad) ^ 1)}}, nil)
	truncTar := tarGood[:512+10] // header of the first file and 10 of its 21 bytes
	gzBad := Gzip(tarGood)
	gzBad[len(gzBad)-8] ^= 0xff // the gzip CRC-32
	return []Case{
		// Names.
		{File: "abs.zip", Data: Zip(ZipFiles("/etc/passwd"), nil), Err: "ErrUnsafePath",
			Msg: "bundle: abs.zip: /etc/passwd: unsafe path: absolute path"},
		{File: "dotdot.zip", Data: Zip(ZipFiles("../SIPDefault.cnf"), nil), Err: "ErrUnsafePath",
			Msg: `bundle: dotdot.zip: ../SIPDefault.cnf: unsafe path: ".." path element`},
		{File: "dotdot-inner.zip", Data: Zip(ZipFiles("a/../../x"), nil), Err: "ErrUnsafePath",
			Msg: `bundle: dotdot-inner.zip: a/../../x: unsafe path: ".." path element`},
		{File: "backslash.zip", Data: Zip(ZipFiles(`..\..\x.bin`), nil), Err: "ErrUnsafePath",
			Msg: `bundle: backslash.zip: ..\..\x.bin: unsafe path: backslash in name (a path separator on Windows)`},
		{File: "drive.zip", Data: Zip(ZipFiles("C:/x.bin"), nil), Err: "ErrUnsafePath",
			Msg: "bundle: drive.zip: C:/x.bin: unsafe path: drive letter"},
		{File: "control.zip", Data: Zip(ZipFiles("a\x1b[2Jb"), nil), Err: "ErrUnsafePath",
			Msg: `bundle: control.zip: "a\x1b[2Jb": unsafe path: control character in name`},
		{File: "empty-element.zip", Data: Zip(ZipFiles("a//b"), nil), Err: "ErrUnsafePath",
			Msg: "bundle: empty-element.zip: a//b: unsafe path: empty path element"},
		// Links and special files.
		{File: "symlink.zip", Data: Zip([]ZipEntry{{Name: "OS79XX.TXT", Data: []byte("/etc/passwd"), Unix: true, Attrs: unixLink << 16}}, nil), Err: "ErrLink",
			Msg: "bundle: symlink.zip: OS79XX.TXT: link not allowed: symbolic link"},
		{File: "fifo.zip", Data: Zip([]ZipEntry{{Name: "fifo", Unix: true, Attrs: unixFifo << 16}}, nil), Err: "ErrSpecial",
			Msg: "bundle: fifo.zip: fifo: not a regular file: named pipe (fifo)"},
		{File: "device.zip", Data: Zip([]ZipEntry{{Name: "tty", Unix: true, Attrs: (unixChr | 0o666) << 16}}, nil), Err: "ErrSpecial",
			Msg: "bundle: device.zip: tty: not a regular file: character device"},
		// Duplicates and case.
		{File: "duplicate.zip", Data: Zip(ZipFiles("SIPDefault.cnf", "SIPDefault.cnf"), nil), Err: "ErrDuplicate",
			Msg: "bundle: duplicate.zip: SIPDefault.cnf: duplicate name"},
		{File: "case.zip", Data: Zip(ZipFiles("OS79XX.TXT", "os79xx.txt"), nil), Err: "ErrCaseCollision",
			Msg: `bundle: case.zip: os79xx.txt: names differ only in case: "os79xx.txt" collides with "OS79XX.TXT"`},
		{File: "case-dir.zip", Data: Zip(ZipFiles("Ring/a.raw", "ring/b.raw"), nil), Err: "ErrCaseCollision",
			Msg: `bundle: case-dir.zip: ring/b.raw: names differ only in case: "ring" collides with "Ring"`},
		{File: "file-and-dir.zip", Data: Zip(ZipFiles("a", "a/b"), nil), Err: "ErrDuplicate",
			Msg: `bundle: file-and-dir.zip: a/b: duplicate name: "a" is both a file and a directory`},
		// Encryption, compression.
		{File: "encrypted.zip", Data: Zip([]ZipEntry{{Name: "P003-8-12-00.bin", Data: []byte("ciphertext"), Flags: 1}}, nil), Err: "ErrEncrypted",
			Msg: "bundle: encrypted.zip: P003-8-12-00.bin: encrypted entry: encryption flag set"},
		{File: "bzip2.zip", Data: Zip([]ZipEntry{{Name: "a.bin", Data: []byte("x"), Method: u16(12)}}, nil), Err: "ErrUnsupported",
			Msg: "bundle: bzip2.zip: a.bin: unsupported: compression method 12"},
		// Sizes.
		{File: "bomb.zip", Data: Zip([]ZipEntry{{Name: "OS79XX.TXT", Data: zeros, Deflate: true, USize: u32(1000)}}, nil), Err: "ErrTooLarge",
			Msg: "bundle: bomb.zip: OS79XX.TXT: too large: longer than its declared 1000 bytes", FnCalls: 1},
		{File: "short.zip", Data: Zip([]ZipEntry{{Name: "OS79XX.TXT", Data: []byte("P0S3-8-12-00"), Deflate: true, USize: u32(1000)}}, nil), Err: "ErrTruncated",
			Msg: "bundle: short.zip: OS79XX.TXT: truncated: 12 bytes, 1000 declared", FnCalls: 1},
		{File: "over-file-limit.zip", Data: Zip([]ZipEntry{{Name: "big.bin", Data: zeros, Deflate: true}}, nil), Limits: Limits{MaxFileSize: 1000}, Err: "ErrTooLarge",
			Msg: "bundle: over-file-limit.zip: big.bin: too large: 1048576 bytes, over Limits.MaxFileSize 1000"},
		{File: "over-total-limit.zip", Data: Zip([]ZipEntry{{Name: "a.bin", Data: zeros, Deflate: true}, {Name: "b.bin", Data: zeros, Deflate: true}}, nil), Limits: Limits{MaxTotalSize: 3 << 19}, Err: "ErrTooLarge",
			Msg: "bundle: over-total-limit.zip: b.bin: too large: files total more than Limits.MaxTotalSize 1572864"},
		{File: "ratio.zip", Data: Zip([]ZipEntry{{Name: "big.bin", Data: make([]byte, 2<<20), Deflate: true}}, nil), Err: "ErrTooLarge",
			Msg: "bundle: ratio.zip: big.bin: too large: expands to 2097152 bytes, over Limits.MaxRatio 100 times its compressed size"},
		{File: "too-many.zip", Data: Zip(ZipFiles("a", "b", "c", "d", "e"), nil), Limits: Limits{MaxFiles: 4}, Err: "ErrTooMany",
			Msg: "bundle: too-many.zip: too many files: more than 4 entries (Limits.MaxFiles)"},
		// Checksums.
		{File: "crc.zip", Data: Zip([]ZipEntry{good[0], {Name: "P0S3-8-12-00.loads", Data: []byte("P0S3-8-12-00\n"), CRC: u32(0xdeadbeef)}}, nil), Err: "ErrChecksum",
			Msg: "bundle: crc.zip: P0S3-8-12-00.loads: checksum mismatch: CRC-32 a6d4c2f9, archive says deadbeef", FnCalls: 2},
		{File: "crc-zero.zip", Data: Zip([]ZipEntry{{Name: "OS79XX.TXT", Data: []byte("P0S3-8-12-00"), Deflate: true, CRC: u32(0)}}, nil), Err: "ErrChecksum",
			Msg: "bundle: crc-zero.zip: OS79XX.TXT: checksum mismatch: CRC-32 67ffee89, archive says 00000000", FnCalls: 1},
		// Structure.
		{File: "local-name.zip", Data: Zip([]ZipEntry{good[0], {Name: "copy.txt", SameLocal: 1}}, nil), Err: "ErrFormat",
			Msg: `bundle: local-name.zip: copy.txt: not a valid container: local header names it "OS79XX.TXT"`},
		{File: "overlap.zip", Data: Zip([]ZipEntry{
			{Name: "a.bin", Data: LocalHeader("b.bin", []byte("inner"))},
			{Name: "b.bin", Data: []byte("inner"), CentralOnly: true, Offset: 30 + 5}, // inside a.bin's data
		}, nil), Err: "ErrFormat",
			Msg: `bundle: overlap.zip: b.bin: not a valid container: data overlaps entry "a.bin"`},
		{File: "local-size.zip", Data: localSize(Zip(ZipFiles("OS79XX.TXT"), nil)), Err: "ErrFormat",
			Msg: "bundle: local-size.zip: OS79XX.TXT: not a valid container: local header says 23 bytes (25 stored, CRC-32 d47f6035), central directory 22 (25, d47f6035)"},
		{File: "hidden-entry.zip", Data: Zip([]ZipEntry{good[0], {Name: "evil.cnf", Data: []byte("x"), LocalOnly: true}, good[1]}, nil), Err: "ErrFormat",
			Msg: "bundle: hidden-entry.zip: not a valid container: 39 bytes at offset 65 belong to no entry"},
		{File: "local-encrypted.zip", Data: localFlag(Zip(ZipFiles("OS79XX.TXT"), nil)), Err: "ErrEncrypted",
			Msg: "bundle: local-encrypted.zip: OS79XX.TXT: encrypted entry: encryption flag set in the local header only"},
		{File: "trailing.zip", Data: Zip(good, []byte("garbage")), Err: "ErrFormat",
			Msg: "bundle: trailing.zip: not a valid container: 7 bytes of trailing data after the end of the zip at offset 288"},
		{File: "cut.zip", Data: Zip(good, nil)[:100], Err: "ErrFormat",
			Msg: "bundle: cut.zip: not a valid container: zip: not a valid zip file"},
		{File: "not-an-archive.bin", Data: []byte("this is not a zip\n"), Err: "ErrFormat",
			Msg: "bundle: not-an-archive.bin: not a valid container: not a directory, zip or tar"},
		{File: "empty.zip", Data: nil, Err: "ErrFormat",
			Msg: "bundle: empty.zip: not a valid container: empty file, not a zip or tar"},
		// Tar.
		{File: "abs.tar", Data: Tar(TarFiles("/etc/passwd"), nil), Err: "ErrUnsafePath",
			Msg: "bundle: abs.tar: /etc/passwd: unsafe path: absolute path"},
		{File: "dotdot.tar", Data: Tar(TarFiles("../x"), nil), Err: "ErrUnsafePath",
			Msg: `bundle: dotdot.tar: ../x: unsafe path: ".." path element`},
		{File: "symlink.tar", Data: Tar([]TarEntry{{Name: "OS79XX.TXT", Typeflag: tar.TypeSymlink, Link: "/etc/passwd"}}, nil), Err: "ErrLink",
			Msg: `bundle: symlink.tar: OS79XX.TXT: link not allowed: symbolic link to "/etc/passwd"`},
		{File: "hardlink.tar", Data: Tar([]TarEntry{{Name: "a", Data: []byte("x")}, {Name: "b", Typeflag: tar.TypeLink, Link: "a"}}, nil), Err: "ErrLink",
			Msg: `bundle: hardlink.tar: b: link not allowed: hard link to "a"`},
		{File: "device.tar", Data: Tar([]TarEntry{{Name: "sda", Typeflag: tar.TypeBlock}}, nil), Err: "ErrSpecial",
			Msg: "bundle: device.tar: sda: not a regular file: block device"},
		{File: "fifo.tar", Data: Tar([]TarEntry{{Name: "p", Typeflag: tar.TypeFifo}}, nil), Err: "ErrSpecial",
			Msg: "bundle: fifo.tar: p: not a regular file: named pipe (fifo)"},
		{File: "duplicate.tar", Data: Tar(TarFiles("a.bin", "a.bin"), nil), Err: "ErrDuplicate",
			Msg: "bundle: duplicate.tar: a.bin: duplicate name"},
		{File: "duplicate-dotslash.tar", Data: Tar(TarFiles("a.bin", "./a.bin"), nil), Err: "ErrDuplicate",
			Msg: "bundle: duplicate-dotslash.tar: ./a.bin: duplicate name"},
		{File: "case.tar", Data: Tar(TarFiles("SEP0011223344.cnf.xml", "sep0011223344.cnf.xml"), nil), Err: "ErrCaseCollision",
			Msg: `bundle: case.tar: sep0011223344.cnf.xml: names differ only in case: "sep0011223344.cnf.xml" collides with "SEP0011223344.cnf.xml"`},
		{File: "truncated.tar", Data: truncTar, Err: "ErrTruncated",
			Msg: "bundle: truncated.tar: OS79XX.TXT: truncated: 22 bytes declared, 10 left in the file"},
		{File: "truncated.tgz", Data: Gzip(truncTar), Err: "ErrTruncated",
			Msg: "bundle: truncated.tgz: OS79XX.TXT: truncated: 10 bytes, 22 declared", FnCalls: 1},
		{File: "truncated-header.tgz", Data: Gzip(tarGood[:700]), Err: "ErrTruncated",
			Msg: "bundle: truncated-header.tgz: truncated: tar ends without its end-of-archive blocks", FnCalls: 1},
		{File: "no-end.tar", Data: tarGood[:1024], Err: "ErrTruncated",
			Msg: "bundle: no-end.tar: truncated: tar ends without its end-of-archive blocks"},
		{File: "cut-header.tar", Data: tarGood[:1024+100], Err: "ErrTruncated",
			Msg: "bundle: cut-header.tar: truncated: tar ends in the middle of an entry"},
		{File: "trailing.tar", Data: Tar(TarFiles("a"), []byte("garbage")), Err: "ErrFormat",
			Msg: "bundle: trailing.tar: not a valid container: trailing data after the end of the tar"},
		{File: "too-many.tar", Data: Tar(TarFiles("a", "b", "c"), nil), Limits: Limits{MaxFiles: 2}, Err: "ErrTooMany",
			Msg: "bundle: too-many.tar: too many files: more than 2 entries (Limits.MaxFiles)"},
		{File: "too-many-dirs.tgz", Data: Gzip(Tar([]TarEntry{{Name: "a/", Typeflag: tar.TypeDir}, {Name: "b/", Typeflag: tar.TypeDir}, {Name: "c/", Typeflag: tar.TypeDir}}, nil)), Limits: Limits{MaxFiles: 2}, Err: "ErrTooMany",
			Msg: "bundle: too-many-dirs.tgz: too many files: more than 2 entries (Limits.MaxFiles)"},
		{File: "over-file-limit.tar", Data: Tar([]TarEntry{{Name: "big", Data: make([]byte, 2000)}}, nil), Limits: Limits{MaxFileSize: 1000}, Err: "ErrTooLarge",
			Msg: "bundle: over-file-limit.tar: big: too large: 2000 bytes, over Limits.MaxFileSize 1000"},
		// Compressed tar and tar inside zip: streams, so fn may have run.
		{File: "symlink.tgz", Data: Gzip(Tar([]TarEntry{{Name: "a", Data: []byte("x")}, {Name: "b", Typeflag: tar.TypeSymlink, Link: "../../etc"}}, nil)), Err: "ErrLink",
			Msg: `bundle: symlink.tgz: b: link not allowed: symbolic link to "../../etc"`, FnCalls: 1},
		{File: "gzip-crc.tgz", Data: gzBad, Err: "ErrChecksum",
			Msg: "bundle: gzip-crc.tgz: checksum mismatch: gzip CRC-32", FnCalls: 2},
		{File: "tar-in-zip-dotdot.zip", Data: Zip([]ZipEntry{{Name: "drop.tar", Data: Tar(TarFiles("../../x"), nil), Deflate: true}}, nil), Err: "ErrUnsafePath",
			Msg: `bundle: tar-in-zip-dotdot.zip:drop.tar: ../../x: unsafe path: ".." path element`},
		{File: "tar-in-zip-crc.zip", Data: crcBadZip, Err: "ErrChecksum",
			Msg: "bundle: tar-in-zip-crc.zip: drop.tar: checksum mismatch: CRC-32 " + hex32(crc32.ChecksumIEEE(crcBad)) + ", archive says " + hex32(crc32.ChecksumIEEE(crcBad)^1), FnCalls: 2},
	}
}
func hex32(v uint32) string { return fmt.Sprintf("%08x", v) }

// goodFiles is the content of the Good containers: a small 7940 SIP drop
// with a subdirectory and an executable file.
var goodFiles = []struct {
	name, data string
	exec       bool
}{
	{"OS79XX.TXT", "P0S3-8-12-00\n", false},
	{"P0S3-8-12-00.loads", "P0S3-8-12-00.sb2\n", false},
	{"SIPDefault.cnf", "image_version: P0S3-8-12-00 ; current load\n", false},
	{"ringtones/Ring1.raw", "\x7f\x7f\x7f\x7f", false},
	{"tools/check.sh", "#!/bin/sh\necho ok\n", true},
}

// Good returns containers that Walk and Unpack must accept, all with the
// same files: good.zip, good.tar, good.tgz and good-tar-in-zip.zip.
func Good() []Case {
	var zs []ZipEntry
	var ts []TarEntry
	for _, f := range goodFiles {
		mode := uint32(unixReg | 0o644)
		if f.exec {
			mode = unixReg | 0o755
		}
		zs = append(zs, ZipEntry{Name: f.name, Data: []byte(f.data), Deflate: true, Unix: true, Attrs: mode << 16})
		ts = append(ts, TarEntry{Name: f.name, Data: []byte(f.data), Exec: f.exec})
	}
	tarBytes := Tar(ts, nil)
	return []Case{
		{File: "good.zip", Data: Zip(zs, nil)},
		{File: "good.tar", Data: tarBytes},
		{File: "good.tgz", Data: Gzip(tarBytes)},
		{File: "good-tar-in-zip.zip", Data: Zip([]ZipEntry{{Name: "drop.tar", Data: tarBytes, Deflate: true}}, nil)},
	}
}

// localFlag sets the encryption flag in the first local header only.
func localFlag(b []byte) []byte {
	b[6] |= 1
	return b
}

// localSize adds one to the uncompressed size in the first local header
// only: a streaming reader and a central-directory reader would disagree.
func localSize(b []byte) []byte {
	binary.LittleEndian.PutUint32(b[22:], binary.LittleEndian.Uint32(b[22:])+1)
	return b
}
