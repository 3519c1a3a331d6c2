package bundle

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
)

// MaxDeflateSize is the largest text file deflated in a bundle zip; it is
// compressed in memory, so larger files are stored.
const MaxDeflateSize = 16 << 20

// DeflateLevel is the compression level of deflated entries (klauspost/
// compress/flate, deterministic for one level, input and module version):
// level 6, zip's default. Level 9 made the 50,000-file benchmark zip about
// 5% smaller and cost a 1 MB compressor reset per file, more CPU than the
// compression itself.
const DeflateLevel = 6

// zipWriter writes a reproducible zip: entries in the order given (pack
// sorts them), no directory entries, mode 0644 for every file, one fixed
// time, Unix creator, firmware stored, text deflated at DeflateLevel unless
// deflate would not make it smaller (then stored). The bytes depend only on
// names, contents and the time.
//
// It writes the bytes klauspost/compress/zip's Writer.CreateRaw and Close
// write for the same headers (TestZipWriterSameBytes), but keeps 32 bytes
// of each entry for the central directory, without its name (close is
// given the names again), where zip.Writer keeps a FileHeader and a header
// (about 250 bytes): a bundle of a million files (issue 16). pack writes
// those 32 bytes to a file (spillEnts), not to memory.
type zipWriter struct {
	w       *bufio.Writer
	n       uint64 // bytes written
	modTime time.Time
	date    uint16
	clock   uint16
	extra   []byte   // the extended timestamp every entry carries
	attrs   uint32   // external attributes: mode 0644, Unix
	ents    entStore // each entry's zipEnt, in order
	nents   int
	// One compressor and one buffer for the generated entries.
	fw   *flate.Writer
	cbuf bytes.Buffer
	copy []byte
}

// zipEnt is what the central directory needs of an entry besides its name.
type zipEnt struct {
	offset, size, csize uint64
	crc                 uint32
	method              uint16
	flags               uint16
}

// zipEntLen is the size of an encoded zipEnt.
const zipEntLen = 3*8 + 4 + 2 + 2

// entStore keeps the encoded zipEnts between the entries and the central
// directory: in memory (bytes.Buffer) or in a file (fileEnts).
type entStore interface {
	io.Writer
	// reader returns what was written, from its start.
	reader() (io.Reader, error)
}

type memEnts struct{ bytes.Buffer }

func (m *memEnts) reader() (io.Reader, error) { return bytes.NewReader(m.Bytes()), nil }

// fileEnts writes the records to f from off on, through a buffer.
type fileEnts struct {
	f   *os.File
	off int64
	n   int64
	w   *bufio.Writer
}

func (e *fileEnts) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	e.n += int64(n)
	return n, err
}

func (e *fileEnts) reader() (io.Reader, error) {
	if err := e.w.Flush(); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(io.NewSectionReader(e.f, e.off, e.n), 64<<10), nil
}

// spillEnts makes z keep its central directory records in f, from off on,
// instead of in memory. Call it before the first entry.
func (z *zipWriter) spillEnts(f *os.File, off int64) {
	z.ents = &fileEnts{f: f, off: off, w: bufio.NewWriterSize(io.NewOffsetWriter(f, off), 64<<10)}
}

func (z *zipWriter) putEnt(e zipEnt) error {
	var b [zipEntLen]byte
	w := zipBuf(b[:])
	w.uint64(e.offset)
	w.uint64(e.size)
	w.uint64(e.csize)
	w.uint32(e.crc)
	w.uint16(e.method)
	w.uint16(e.flags)
	_, err := z.ents.Write(b[:])
	z.nents++
	return err
}

func readEnt(r io.Reader) (zipEnt, error) {
	var b [zipEntLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return zipEnt{}, err
	}
	le := binary.LittleEndian
	return zipEnt{
		offset: le.Uint64(b[0:]), size: le.Uint64(b[8:]), csize: le.Uint64(b[16:]),
		crc: le.Uint32(b[24:]), method: le.Uint16(b[28:]), flags: le.Uint16(b[30:]),
	}, nil
}

// Zip format constants (APPNOTE.TXT), as archive/zip names them.
const (
	zipFileHeaderSig  = 0x04034b50
	zipDirHeaderSig   = 0x02014b50
	zipDirEndSig      = 0x06054b50
	zipDir64LocSig    = 0x07064b50
	zipDir64EndSig    = 0x06064b50
	zipFileHeaderLen  = 30
	zipDirHeaderLen   = 46
	zipDirEndLen      = 22
	zipDir64LocLen    = 20
	zipDir64EndLen    = 56
	zip64ExtraID      = 0x0001
	zipVersion20      = 20
	zipVersion45      = 45
	zipCreatorVersion = 3<<8 | zipVersion20 // Unix, 2.0
	zipUint16Max      = 1<<16 - 1
	zipUint32Max      = 1<<32 - 1
)

// newZipWriter returns a writer of n entries (a hint: the central
// directory's records, kept in memory unless spillEnts is called, are
// allocated once).
func newZipWriter(w io.Writer, modTime time.Time, n int) *zipWriter {
	t := modTime.UTC()
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // earliest MS-DOS date
	}
	z := &zipWriter{w: bufio.NewWriterSize(w, 64<<10), modTime: t, copy: make([]byte, 256<<10)}
	me := &memEnts{}
	me.Grow(n * zipEntLen)
	z.ents = me
	z.date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	z.clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	fh := z.header("x", zip.Store, 0, 0, 0)
	z.extra, z.attrs = fh.Extra, fh.ExternalAttrs
	return z
}

// isText reports whether a file looks like text (no NUL, valid UTF-8 in
// its first bytes); text is deflated, everything else stored.
func isText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	// A multi-byte rune may be cut at the end of head.
	for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
		if utf8.Valid(head) {
			return true
		}
		head = head[:len(head)-1]
	}
	return utf8.Valid(head)
}

// deflateTo compresses data into buf with fw (reset first, so the bytes
// do not depend on what fw compressed before) and reports whether the
// result is smaller than data: an entry that deflate does not shrink is
// stored, as zip does.
func deflateTo(fw *flate.Writer, buf *bytes.Buffer, data []byte) (bool, error) {
	buf.Reset()
	fw.Reset(buf)
	if _, err := fw.Write(data); err != nil {
		return false, err
	}
	if err := fw.Close(); err != nil {
		return false, err
	}
	return buf.Len() < len(data), nil
}

func (z *zipWriter) header(name string, method uint16, crc uint32, size, csize int64) *zip.FileHeader {
	fh := &zip.FileHeader{
		Name:               name,
		Method:             method,
		CRC32:              crc,
		UncompressedSize64: uint64(size),
		CompressedSize64:   uint64(csize),
		// The MS-DOS fields are set directly: Modified would add an
		// extended-timestamp extra field and tie the bytes to a time zone.
		//lint:ignore SA1019 deliberate, see above
		ModifiedDate: z.date,
		//lint:ignore SA1019 deliberate, see above
		ModifiedTime: z.clock,
	}
	fh.SetMode(0o644) // sets a Unix creator and the mode in ExternalAttrs
	fh.CreatorVersion = 3<<8 | 20
	fh.ReaderVersion = 20
	if !utf8.ValidString(name) || !strings.ContainsFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) {
		fh.Flags &^= 0x800
	} else {
		fh.Flags |= 0x800 // UTF-8 name
	}
	// Extended timestamp (Info-ZIP), as archive/zip writes it.
	mt := uint32(z.modTime.Unix())
	fh.Extra = []byte{0x55, 0x54, 5, 0, 1, byte(mt), byte(mt >> 8), byte(mt >> 16), byte(mt >> 24)}
	return fh
}

// addBytes writes one generated entry (bundle.json, SHA256SUMS, a
// signature): deflated if it is text, no larger than MaxDeflateSize and
// deflate makes it smaller, else stored.
func (z *zipWriter) addBytes(name string, data []byte, crc uint32) error {
	method, body := zip.Store, data
	if len(data) > 0 && len(data) <= MaxDeflateSize && isText(data) {
		if z.fw == nil {
			fw, err := flate.NewWriter(&z.cbuf, DeflateLevel)
			if err != nil {
				return err
			}
			z.fw = fw
		}
		ok, err := deflateTo(z.fw, &z.cbuf, data)
		if err != nil {
			return err
		}
		if ok {
			method, body = zip.Deflate, z.cbuf.Bytes()
		}
	}
	if err := z.local(name, method, crc, int64(len(data)), int64(len(body))); err != nil {
		return err
	}
	return z.write(body)
}

// addRaw writes one entry whose data, already compressed as rec says
// (csize bytes), is read from r.
func (z *zipWriter) addRaw(name string, rec packRec, r io.Reader) error {
	method := zip.Store
	if rec.deflate {
		method = zip.Deflate
	}
	if err := z.local(name, method, rec.crc, rec.size, rec.csize); err != nil {
		return err
	}
	n, err := io.CopyBuffer(zipCounter{z}, io.LimitReader(r, rec.csize), z.copy)
	if err != nil {
		return err
	}
	if n != rec.csize {
		return fmt.Errorf("bundle: %s: spool ended early", name)
	}
	return nil
}

// addStored writes one stored entry of size bytes read from r, whose
// CRC-32 is crc: what addBytes writes for data it does not deflate (a
// SHA256SUMS larger than MaxDeflateSize), without holding the data.
func (z *zipWriter) addStored(name string, r io.Reader, size int64, crc uint32) error {
	if err := z.local(name, zip.Store, crc, size, size); err != nil {
		return err
	}
	n, err := io.CopyBuffer(zipCounter{z}, io.LimitReader(r, size), z.copy)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("bundle: %s: ended early", name)
	}
	return nil
}

type zipCounter struct{ z *zipWriter }

func (c zipCounter) Write(b []byte) (int, error) {
	n, err := c.z.w.Write(b)
	c.z.n += uint64(n)
	return n, err
}

func (z *zipWriter) write(b []byte) error {
	_, err := zipCounter{z}.Write(b)
	return err
}

// nameFlags is the general-purpose flag of a name: bit 11 for a UTF-8
// name that is not plain ASCII (as header sets it).
func nameFlags(name string) uint16 {
	if utf8.ValidString(name) && strings.ContainsFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return 0x800
	}
	return 0
}

// local writes the local file header of an entry whose data follows
// (zip.Writer.CreateRaw's writeHeader, no data descriptor) and notes the
// entry for the central directory.
func (z *zipWriter) local(name string, method uint16, crc uint32, size, csize int64) error {
	if len(name) > zipUint16Max {
		return fmt.Errorf("bundle: %s: name too long for a zip", name)
	}
	e := zipEnt{offset: z.n, size: uint64(size), csize: uint64(csize), crc: crc, method: method, flags: nameFlags(name)}
	reader := uint16(zipVersion20)
	var z64 []byte
	if e.csize > zipUint32Max || e.size > zipUint32Max {
		// A local header's zip64 field holds both sizes. (Over, not at,
		// 0xffffffff, as archive/zip's CreateRaw: the same bytes.)
		reader = zipVersion45
		z64 = zip64Extra(nil, e.size, e.csize)
	}
	var buf [zipFileHeaderLen]byte
	b := zipBuf(buf[:])
	b.uint32(zipFileHeaderSig)
	b.uint16(reader)
	b.uint16(e.flags)
	b.uint16(e.method)
	b.uint16(z.clock)
	b.uint16(z.date)
	b.uint32(e.crc)
	if z64 != nil {
		b.uint32(zipUint32Max)
		b.uint32(zipUint32Max)
	} else {
		b.uint32(uint32(e.csize))
		b.uint32(uint32(e.size))
	}
	b.uint16(uint16(len(name)))
	b.uint16(uint16(len(z.extra) + len(z64)))
	if err := z.putEnt(e); err != nil {
		return err
	}
	for _, p := range [][]byte{buf[:], []byte(name), z.extra, z64} {
		if err := z.write(p); err != nil {
			return err
		}
	}
	return nil
}

// close writes the central directory and its end records (zip.Writer's
// Close). names calls its argument with the name of every entry, in the
// order they were added.
func (z *zipWriter) close(names func(func(string) error) error) error {
	start := z.n
	usedZip64 := false
	i := 0
	ents, err := z.ents.reader()
	if err != nil {
		return err
	}
	err = names(func(name string) error {
		if i >= z.nents {
			return errors.New("bundle: zip: more names than entries")
		}
		e, err := readEnt(ents)
		if err != nil {
			return err
		}
		i++
		if e.flags != nameFlags(name) {
			return fmt.Errorf("bundle: zip: %s: not the name of entry %d", name, i)
		}
		reader := uint16(zipVersion20)
		extra := z.extra
		if e.csize >= zipUint32Max || e.size >= zipUint32Max || e.offset >= zipUint32Max {
			usedZip64 = true
			reader = zipVersion45
			// A central record's holds only the saturated fields, in
			// this order.
			var vals []uint64
			for _, v := range []uint64{e.size, e.csize, e.offset} {
				if v >= zipUint32Max {
					vals = append(vals, v)
				}
			}
			extra = zip64Extra(append([]byte(nil), z.extra...), vals...)
		}
		var buf [zipDirHeaderLen]byte
		b := zipBuf(buf[:])
		b.uint32(zipDirHeaderSig)
		b.uint16(zipCreatorVersion)
		b.uint16(reader)
		b.uint16(e.flags)
		b.uint16(e.method)
		b.uint16(z.clock)
		b.uint16(z.date)
		b.uint32(e.crc)
		b.uint32(uint32(min(e.csize, zipUint32Max)))
		b.uint32(uint32(min(e.size, zipUint32Max)))
		b.uint16(uint16(len(name)))
		b.uint16(uint16(len(extra)))
		b.uint16(0) // comment
		b = b[4:]   // disk number start, internal attributes
		b.uint32(z.attrs)
		b.uint32(uint32(min(e.offset, zipUint32Max)))
		for _, p := range [][]byte{buf[:], []byte(name), extra} {
			if err := z.write(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if i != z.nents {
		return fmt.Errorf("bundle: zip: %d names for %d entries", i, z.nents)
	}
	end := z.n
	records, size, offset := uint64(z.nents), end-start, start
	if usedZip64 || records >= zipUint16Max || size >= zipUint32Max || offset >= zipUint32Max {
		var buf [zipDir64EndLen + zipDir64LocLen]byte
		b := zipBuf(buf[:])
		b.uint32(zipDir64EndSig)
		b.uint64(zipDir64EndLen - 12)
		b.uint16(zipVersion45)
		b.uint16(zipVersion45)
		b.uint32(0)
		b.uint32(0)
		b.uint64(records)
		b.uint64(records)
		b.uint64(size)
		b.uint64(offset)
		b.uint32(zipDir64LocSig)
		b.uint32(0)
		b.uint64(end)
		b.uint32(1)
		if err := z.write(buf[:]); err != nil {
			return err
		}
	}
	var buf [zipDirEndLen]byte
	b := zipBuf(buf[:])
	b.uint32(zipDirEndSig)
	b = b[4:]
	b.uint16(uint16(min(zipUint16Max, records)))
	b.uint16(uint16(min(zipUint16Max, records)))
	b.uint32(uint32(min(zipUint32Max, size)))
	b.uint32(uint32(min(zipUint32Max, offset)))
	b.uint16(0) // comment
	if err := z.write(buf[:]); err != nil {
		return err
	}
	return z.w.Flush()
}

// zip64Extra appends to dst a zip64 extended information field (APPNOTE
// 4.5.3) holding vals, the 64-bit values of the fields the header saturates
// at 0xffffffff: both sizes for a local header, the saturated ones of
// size, compressed size and offset for a central directory record.
func zip64Extra(dst []byte, vals ...uint64) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, zip64ExtraID)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(8*len(vals)))
	for _, v := range vals {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	return dst
}

// zipBuf writes little-endian integers, as archive/zip's writeBuf.
type zipBuf []byte

func (b *zipBuf) uint16(v uint16) {
	binary.LittleEndian.PutUint16(*b, v)
	*b = (*b)[2:]
}

func (b *zipBuf) uint32(v uint32) {
	binary.LittleEndian.PutUint32(*b, v)
	*b = (*b)[4:]
}

func (b *zipBuf) uint64(v uint64) {
	binary.LittleEndian.PutUint64(*b, v)
	*b = (*b)[8:]
}

// spoolChunk is the size of the pieces a stored file is copied in.
const spoolChunk = 256 << 10

// spoolBudget bounds the bytes read but not yet written to the spool:
// enough to keep every CPU's compressor busy with the small text files of
// a drop (a 16 MiB text file, MaxDeflateSize, is still taken alone).
const spoolBudget = 8 << 20

// spoolItem is one piece of work for a spooler, handed over in file order:
// a whole text file to deflate, or one chunk of a file to store.
type spoolItem struct {
	data    []byte
	deflate bool // a text file: compress data
	last    bool // the entry's last piece: rec is complete
	rec     packRec
	chunk   bool          // data is a buffer of the chunk pool
	done    chan struct{} // closed once out and use are set (deflate only)
	out     *bytes.Buffer
	use     bool // out is smaller than data
	err     error
}

// spooler compresses text files on every CPU and writes the entries' data,
// in the order they were given, to w, recording each entry's packRec. The
// data written for one file, and so the bundle, is the same whatever
// GOMAXPROCS is and whichever compressor took it: each file is compressed
// on its own from a reset compressor at DeflateLevel.
type spooler struct {
	w     *bufio.Writer
	queue chan *spoolItem // every item, in order, to the writer
	jobs  chan *spoolItem // items to deflate, to the compressors
	index *bufio.Writer   // the writer's: each entry's packRec, in order
	nrecs int             // the writer's, read after close: records written
	// indexSize is the bytes of records at the start of the index
	// file, read after close.
	indexSize int64
	err       error          // the writer's first error
	wg        sync.WaitGroup // compressors
	wdone     chan struct{}
	mu        sync.Mutex
	cond      *sync.Cond
	inUse     int // bytes of data held by items not yet written
	outs      sync.Pool
	chunks    sync.Pool
}

// newSpooler writes the data to w and the entries' packRecs to index.
func newSpooler(w, index io.Writer) *spooler {
	s := &spooler{
		w:     bufio.NewWriterSize(w, 1<<20),
		index: bufio.NewWriterSize(index, 64<<10),
		queue: make(chan *spoolItem, 256),
		jobs:  make(chan *spoolItem, 256),
		wdone: make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	s.outs.New = func() any { return new(bytes.Buffer) }
	s.chunks.New = func() any { b := make([]byte, spoolChunk); return &b }
	for range runtime.GOMAXPROCS(0) {
		s.wg.Add(1)
		go s.compress()
	}
	go s.write()
	return s
}

func (s *spooler) compress() {
	defer s.wg.Done()
	var fw *flate.Writer
	for it := range s.jobs {
		out := s.outs.Get().(*bytes.Buffer)
		if fw == nil {
			fw, it.err = flate.NewWriter(out, DeflateLevel)
		}
		if it.err == nil {
			it.use, it.err = deflateTo(fw, out, it.data)
		}
		it.out = out
		close(it.done)
	}
}

func (s *spooler) write() {
	defer close(s.wdone)
	var csize int64
	var rb [packRecLen]byte
	for it := range s.queue {
		body := it.data
		if it.deflate {
			<-it.done
			if it.err != nil && s.err == nil {
				s.err = it.err
			}
			if it.use {
				body = it.out.Bytes()
			} else {
				it.deflate = false
			}
		}
		if s.err == nil {
			_, s.err = s.w.Write(body)
		}
		csize += int64(len(body))
		if it.last {
			it.rec.csize, it.rec.deflate = csize, it.deflate
			if s.err == nil {
				_, s.err = s.index.Write(it.rec.append(rb[:0]))
			}
			s.nrecs++
			csize = 0
		}
		if it.out != nil {
			s.outs.Put(it.out)
		}
		if it.chunk {
			b := it.data[:cap(it.data)]
			s.chunks.Put(&b)
		}
		s.release(cap(it.data))
	}
	if s.err == nil {
		s.err = s.w.Flush()
	}
	if s.err == nil {
		s.err = s.index.Flush()
	}
	s.indexSize = int64(s.nrecs) * packRecLen
}

func (s *spooler) acquire(n int) {
	n = min(n, spoolBudget)
	s.mu.Lock()
	for s.inUse > 0 && s.inUse+n > spoolBudget {
		s.cond.Wait()
	}
	s.inUse += n
	s.mu.Unlock()
}

func (s *spooler) release(n int) {
	n = min(n, spoolBudget)
	s.mu.Lock()
	s.inUse -= n
	s.mu.Unlock()
	s.cond.Broadcast()
}

// chunk returns a buffer of spoolChunk bytes for a stored file's piece.
func (s *spooler) chunk() []byte { return *s.chunks.Get().(*[]byte) }

// add hands over the next piece. The spooler owns it.data from now on.
func (s *spooler) add(it *spoolItem) {
	s.acquire(cap(it.data))
	if it.deflate {
		it.done = make(chan struct{})
		s.jobs <- it
	}
	s.queue <- it
}

// close waits until everything handed over is written and flushed, and
// returns the number of entries whose records are in the index, or the
// first error.
func (s *spooler) close() (int, error) {
	close(s.jobs)
	close(s.queue)
	<-s.wdone
	s.wg.Wait()
	return s.nrecs, s.err
}
