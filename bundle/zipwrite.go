package bundle

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
)

// MaxDeflateSize is the largest text file deflated in a bundle zip; it is
// compressed in memory, so larger files are stored.
const MaxDeflateSize = 16 << 20

// zipWriter writes a reproducible zip: entries in the order given (pack
// sorts them), no directory entries, mode 0644 for every file, one fixed
// time, Unix creator, firmware stored, text deflated at a fixed level. The
// bytes depend only on names, contents and the time.
type zipWriter struct {
	zw      *zip.Writer
	modTime time.Time
	date    uint16
	clock   uint16
	// One compressor and one buffer for every deflated entry: a level-9
	// flate.Writer is about 1 MB to set up, more than most configurations.
	fw   *flate.Writer
	cbuf bytes.Buffer
	copy []byte
}

func newZipWriter(w io.Writer, modTime time.Time) *zipWriter {
	t := modTime.UTC()
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC) // earliest MS-DOS date
	}
	z := &zipWriter{zw: zip.NewWriter(w), modTime: t}
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

// add writes one entry of size bytes read from r, whose CRC-32 is crc.
// deflate selects compression (text); the data is compressed in memory
// first so that sizes are known and no data descriptor is needed.
func (z *zipWriter) add(name string, size int64, crc uint32, deflate bool, r io.Reader) error {
	if deflate && size <= MaxDeflateSize && size > 0 {
		buf := &z.cbuf
		buf.Reset()
		if z.fw == nil {
			fw, err := flate.NewWriter(buf, flate.BestCompression)
			if err != nil {
				return err
			}
			z.fw, z.copy = fw, make([]byte, 64<<10)
		} else {
			z.fw.Reset(buf)
		}
		fw := z.fw
		n, err := io.CopyBuffer(fw, r, z.copy)
		if err != nil {
			return err
		}
		if n != size {
			return fmt.Errorf("bundle: %s: changed size while packing", name)
		}
		if err := fw.Close(); err != nil {
			return err
		}
		w, err := z.zw.CreateRaw(z.header(name, zip.Deflate, crc, size, int64(buf.Len())))
		if err != nil {
			return err
		}
		_, err = w.Write(buf.Bytes())
		return err
	}
	w, err := z.zw.CreateRaw(z.header(name, zip.Store, crc, size, size))
	if err != nil {
		return err
	}
	n, err := io.Copy(w, r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("bundle: %s: changed size while packing", name)
	}
	return nil
}

func (z *zipWriter) close() error { return z.zw.Close() }
