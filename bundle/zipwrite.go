package bundle

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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
type zipWriter struct {
	zw      *zip.Writer
	modTime time.Time
	date    uint16
	clock   uint16
	// One compressor and one buffer for the generated entries.
	fw   *flate.Writer
	cbuf bytes.Buffer
	copy []byte
}

func newZipWriter(w io.Writer, modTime time.Time) *zipWriter {
	t := modTime.UTC()
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // earliest MS-DOS date
	}
	z := &zipWriter{zw: zip.NewWriter(w), modTime: t, copy: make([]byte, 256<<10)}
	z.date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	z.clock = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
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
	w, err := z.zw.CreateRaw(z.header(name, method, crc, int64(len(data)), int64(len(body))))
	if err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}

// addRaw writes one entry whose data, already compressed as rec says
// (csize bytes), is read from r.
func (z *zipWriter) addRaw(name string, rec packRec, r io.Reader) error {
	method := zip.Store
	if rec.deflate {
		method = zip.Deflate
	}
	w, err := z.zw.CreateRaw(z.header(name, method, rec.crc, rec.size, rec.csize))
	if err != nil {
		return err
	}
	n, err := io.CopyBuffer(w, io.LimitReader(r, rec.csize), z.copy)
	if err != nil {
		return err
	}
	if n != rec.csize {
		return fmt.Errorf("bundle: %s: spool ended early", name)
	}
	return nil
}

func (z *zipWriter) close() error { return z.zw.Close() }

// spoolChunk is the size of the pieces a stored file is copied in.
const spoolChunk = 256 << 10

// spoolBudget bounds the bytes read but not yet written to the spool.
const spoolBudget = 32 << 20

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
	w      *bufio.Writer
	queue  chan *spoolItem // every item, in order, to the writer
	jobs   chan *spoolItem // items to deflate, to the compressors
	recs   []packRec       // the writer's, read after close
	err    error           // the writer's first error
	wg     sync.WaitGroup  // compressors
	wdone  chan struct{}
	mu     sync.Mutex
	cond   *sync.Cond
	inUse  int // bytes of data held by items not yet written
	outs   sync.Pool
	chunks sync.Pool
}

func newSpooler(w io.Writer) *spooler {
	s := &spooler{
		w:     bufio.NewWriterSize(w, 1<<20),
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
			s.recs = append(s.recs, it.rec)
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
// returns the records of the entries in order, or the first error.
func (s *spooler) close() ([]packRec, error) {
	close(s.jobs)
	close(s.queue)
	<-s.wdone
	s.wg.Wait()
	return s.recs, s.err
}
