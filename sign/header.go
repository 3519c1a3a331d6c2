// Package sign handles signatures: Cisco's signed firmware header (.sbn,
// .sb2, .loads, .tlv) and phoneload's own bundle signatures.
//
// The Cisco header is a list of TLV records (docs/signed-header.md):
// ParseHeader and ReadHeader read it from untrusted bytes, checking every
// length against what remains and never allocating more than
// MaxHeaderLength; MarshalBinary writes it in the exact layout of real
// firmware; SignImage and VerifyImage create and check the RSA PKCS#1 v1.5
// signature over the file with the signature record cut out.
package sign

import (
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxHeaderLength caps the header length a file may declare. Real firmware
// headers are 0x194 or 0x198 bytes; the length field is 16 bits, so no
// header can be longer than this.
const MaxHeaderLength = 64 << 10

// MaxFileName caps the embedded file name SignImage accepts: TFTP names
// longer than this are not served by any phone.
const MaxFileName = 255

// ErrNotSigned is returned when the bytes do not start with a Cisco header.
var ErrNotSigned = errors.New("sign: not a Cisco signed file")

// Record tags of the Cisco signed header.
const (
	tagVersion    = 1
	tagLength     = 2
	tagSignerInfo = 3
	tagSigner     = 4
	tagSerial     = 5
	tagIssuer     = 6
	tagSigInfo    = 7
	tagHash       = 8
	tagAlgInfo    = 9
	tagAlgorithm  = 10
	tagKeySize    = 11
	tagSignature  = 12
	tagPadding    = 13
	tagFileName   = 14
	tagTimestamp  = 15
)

// fixedLength is the size of the version and length records that start
// every header: 01 0002 vvvv 02 0002 llll.
const fixedLength = 10

// Header is a parsed Cisco signed header.
type Header struct {
	Version   uint16      // tag 1: 0x0101 in firmware
	Length    int         // tag 2: header length; the payload starts here
	Signer    string      // tag 4: signer name, e.g. "CN=…;OU=…;O=…"
	Serial    []byte      // tag 5: certificate serial number
	Issuer    string      // tag 6: issuer name
	Hash      crypto.Hash // tag 8: SHA-1, SHA-256 or SHA-512
	Algorithm int         // tag 10: 0 = RSA
	KeySize   int         // tag 11 resolved: modulus size in bytes (64/128/256/512)
	Signature []byte      // tag 12
	FileName  string      // tag 14: the name the file was signed as
	Timestamp uint32      // tag 15: Unix time, 0 when absent

	// SignatureOffset and SignatureEnd delimit the whole tag-12 record
	// (tag, length and value): the signature covers the file without it.
	SignatureOffset int
	SignatureEnd    int
}

// PayloadOffset is where the signed content (e.g. the .bin of an .sbn) starts.
func (h *Header) PayloadOffset() int { return h.Length }

// keySizes maps tag 11's index to a modulus size in bytes.
var keySizes = [...]int{64, 128, 256, 512}

// hashIDs maps tag 8's value to a hash.
var hashIDs = map[byte]crypto.Hash{1: crypto.SHA1, 2: crypto.SHA256, 3: crypto.SHA512}

// ParseHeader parses the Cisco signed header at the start of b. b must hold
// at least the whole header (the first MaxHeaderLength bytes of the file are
// always enough). Every length is checked against the data before use; the
// structure must be the one firmware uses (each record once, in its
// container, strings NUL-terminated, a signature as long as the key size
// says). Errors give the offset of the offending record.
func ParseHeader(b []byte) (*Header, error) {
	// A signed file starts with tag 1 (version, length 2) then tag 2.
	if !hasMagic(b) {
		return nil, ErrNotSigned
	}
	h := &Header{Version: binary.BigEndian.Uint16(b[3:5])}
	h.Length = int(binary.BigEndian.Uint16(b[8:10]))
	if h.Length < fixedLength {
		return nil, fmt.Errorf("sign: header: length 0x%x too short at 0x8", h.Length)
	}
	if h.Length > len(b) {
		return nil, fmt.Errorf("sign: header: length 0x%x past end of data at 0x%x", h.Length, len(b))
	}
	p := parser{h: h, b: b[:h.Length]}
	if err := p.records(fixedLength, h.Length, 0); err != nil {
		return nil, err
	}
	for _, need := range []struct {
		tag  byte
		what string
	}{{tagHash, "hash"}, {tagAlgorithm, "algorithm"}, {tagKeySize, "key size"}, {tagSignature, "signature"}} {
		if !p.seen[need.tag] {
			return nil, fmt.Errorf("sign: header: no %s record", need.what)
		}
	}
	if len(h.Signature) != h.KeySize {
		return nil, fmt.Errorf("sign: header: signature of 0x%x bytes at 0x%x, key size says 0x%x",
			len(h.Signature), h.SignatureOffset, h.KeySize)
	}
	return h, nil
}

// hasMagic reports whether b starts with tag 1 (length 2) and tag 2 (length 2).
func hasMagic(b []byte) bool {
	return len(b) >= fixedLength && b[0] == tagVersion && b[1] == 0 && b[2] == 2 &&
		b[5] == tagLength && b[6] == 0 && b[7] == 2
}

// parser walks the records of one header.
type parser struct {
	h    *Header
	b    []byte
	seen [16]bool
}

// parent gives the container each tag must sit in (0 = top level).
var parent = [16]byte{
	tagSigner: tagSignerInfo, tagSerial: tagSignerInfo, tagIssuer: tagSignerInfo,
	tagHash: tagSigInfo, tagAlgInfo: tagSigInfo,
	tagAlgorithm: tagAlgInfo, tagKeySize: tagAlgInfo,
}

// records walks the records of b[off:end] inside container in (0 = top
// level), recursing into containers. Nesting is bounded by parent: a
// container can only appear inside its own parent, once.
func (p *parser) records(off, end int, in byte) error {
	h := p.h
	for off < end {
		tag := p.b[off]
		if tag == tagPadding {
			off++
			continue
		}
		if tag == 0 || tag >= byte(len(parent)) {
			return fmt.Errorf("sign: header: unknown tag %d at 0x%x", tag, off)
		}
		if tag == tagVersion || tag == tagLength || p.seen[tag] {
			return fmt.Errorf("sign: header: repeated tag %d at 0x%x", tag, off)
		}
		if parent[tag] != in {
			return fmt.Errorf("sign: header: tag %d out of place at 0x%x", tag, off)
		}
		p.seen[tag] = true
		if off+3 > end {
			return fmt.Errorf("sign: header: record at 0x%x truncated", off)
		}
		n := int(binary.BigEndian.Uint16(p.b[off+1 : off+3]))
		start, next := off+3, off+3+n
		if next > end {
			return fmt.Errorf("sign: header: length 0x%x of tag %d past end of %s at 0x%x", n, tag, where(in), off)
		}
		v := p.b[start:next]
		var err error
		switch tag {
		case tagSignerInfo, tagSigInfo, tagAlgInfo:
			err = p.records(start, next, tag)
		case tagSigner:
			h.Signer, err = cString(v, "signer name", off)
		case tagSerial:
			h.Serial = append([]byte(nil), v...)
		case tagIssuer:
			h.Issuer, err = cString(v, "issuer name", off)
		case tagHash:
			if n != 1 {
				return fmt.Errorf("sign: header: hash record of length %d at 0x%x", n, off)
			}
			var ok bool
			if h.Hash, ok = hashIDs[v[0]]; !ok {
				return fmt.Errorf("sign: header: unknown hash %d at 0x%x", v[0], off)
			}
		case tagAlgorithm:
			if n != 1 {
				return fmt.Errorf("sign: header: algorithm record of length %d at 0x%x", n, off)
			}
			h.Algorithm = int(v[0])
		case tagKeySize:
			if n != 1 || int(v[0]) >= len(keySizes) {
				return fmt.Errorf("sign: header: bad key size record at 0x%x", off)
			}
			h.KeySize = keySizes[v[0]]
		case tagSignature:
			h.Signature = append([]byte(nil), v...)
			h.SignatureOffset, h.SignatureEnd = off, next
		case tagFileName:
			h.FileName, err = cString(v, "file name", off)
		case tagTimestamp:
			if n != 4 {
				return fmt.Errorf("sign: header: timestamp record of length %d at 0x%x", n, off)
			}
			h.Timestamp = binary.BigEndian.Uint32(v)
		}
		if err != nil {
			return err
		}
		off = next
	}
	return nil
}

// where names a container for error messages.
func where(in byte) string {
	if in == 0 {
		return "header"
	}
	return fmt.Sprintf("tag %d", in)
}

// cString checks that v is a NUL-terminated string without other NULs and
// returns it without the NUL: anything else would not survive re-encoding
// and is not what firmware carries.
func cString(v []byte, what string, off int) (string, error) {
	if len(v) == 0 || v[len(v)-1] != 0 {
		return "", fmt.Errorf("sign: header: %s at 0x%x not NUL-terminated", what, off)
	}
	for i, c := range v[:len(v)-1] {
		if c == 0 {
			return "", fmt.Errorf("sign: header: NUL inside %s at 0x%x", what, off+3+i)
		}
	}
	return string(v[:len(v)-1]), nil
}

// ReadHeader reads and parses the header from the start of r, reading no
// more than the declared header length (capped at MaxHeaderLength). It
// returns the header bytes too: with them, Header.NewDigest starts the
// digest a streaming verification needs.
func ReadHeader(r io.Reader) (*Header, []byte, error) {
	var fixed [fixedLength]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, ErrNotSigned
		}
		return nil, nil, err
	}
	if !hasMagic(fixed[:]) {
		return nil, nil, ErrNotSigned
	}
	n := int(binary.BigEndian.Uint16(fixed[8:10]))
	if n < fixedLength || n > MaxHeaderLength {
		return nil, nil, fmt.Errorf("sign: header: length 0x%x out of range at 0x8", n)
	}
	buf := make([]byte, n)
	copy(buf, fixed[:])
	if got, err := io.ReadFull(r, buf[fixedLength:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, nil, fmt.Errorf("sign: header: length 0x%x past end of file at 0x%x", n, fixedLength+got)
		}
		return nil, nil, err
	}
	h, err := ParseHeader(buf)
	if err != nil {
		return nil, nil, err
	}
	return h, buf, nil
}

// hashID is the inverse of hashIDs.
func hashID(h crypto.Hash) (byte, bool) {
	for id, x := range hashIDs {
		if x == h {
			return id, true
		}
	}
	return 0, false
}

// keySizeIndex is the inverse of keySizes.
func keySizeIndex(n int) (byte, bool) {
	for i, s := range keySizes {
		if s == n {
			return byte(i), true
		}
	}
	return 0, false
}

// MarshalBinary encodes h in the layout of real firmware: 01 version,
// 02 length, 03 {04 signer, 05 serial, 06 issuer}, 07 {08 hash, 09 {0A
// algorithm, 0B key size}}, 0C signature, 0E file name, 0F timestamp (only
// when non-zero), then 0D padding bytes. With h.Length zero the padding
// rounds the header up to a multiple of 4, as firmware does; otherwise it
// fills the header to exactly h.Length bytes. Signer, issuer and file name
// are written NUL-terminated. Offsets in h are ignored.
func (h *Header) MarshalBinary() ([]byte, error) {
	hid, ok := hashID(h.Hash)
	if !ok {
		return nil, fmt.Errorf("sign: header: unsupported hash %v", h.Hash)
	}
	kid, ok := keySizeIndex(h.KeySize)
	if !ok {
		return nil, fmt.Errorf("sign: header: unsupported key size of %d bytes (want 64, 128, 256 or 512)", h.KeySize)
	}
	if h.Algorithm < 0 || h.Algorithm > 0xff {
		return nil, fmt.Errorf("sign: header: algorithm %d out of range", h.Algorithm)
	}
	if len(h.Signature) != h.KeySize {
		return nil, fmt.Errorf("sign: header: signature of %d bytes for a key size of %d", len(h.Signature), h.KeySize)
	}
	for _, s := range []struct{ what, v string }{{"signer name", h.Signer}, {"issuer name", h.Issuer}, {"file name", h.FileName}} {
		if i := indexNUL(s.v); i >= 0 {
			return nil, fmt.Errorf("sign: header: NUL inside %s", s.what)
		}
	}
	var e encoder
	e.u16(tagVersion, h.Version)
	e.u16(tagLength, 0) // patched below
	e.open(tagSignerInfo)
	e.record(tagSigner, cBytes(h.Signer))
	e.record(tagSerial, h.Serial)
	e.record(tagIssuer, cBytes(h.Issuer))
	e.close()
	e.open(tagSigInfo)
	e.record(tagHash, []byte{hid})
	e.open(tagAlgInfo)
	e.record(tagAlgorithm, []byte{byte(h.Algorithm)})
	e.record(tagKeySize, []byte{kid})
	e.close()
	e.close()
	e.record(tagSignature, h.Signature)
	e.record(tagFileName, cBytes(h.FileName))
	if h.Timestamp != 0 {
		var ts [4]byte
		binary.BigEndian.PutUint32(ts[:], h.Timestamp)
		e.record(tagTimestamp, ts[:])
	}
	if e.err != nil {
		return nil, e.err
	}
	want := (len(e.b) + 3) &^ 3
	if h.Length != 0 {
		if h.Length < len(e.b) {
			return nil, fmt.Errorf("sign: header: records need 0x%x bytes, length says 0x%x", len(e.b), h.Length)
		}
		want = h.Length
	}
	if want > 0xffff {
		return nil, fmt.Errorf("sign: header: length 0x%x does not fit 16 bits", want)
	}
	for len(e.b) < want {
		e.b = append(e.b, tagPadding)
	}
	binary.BigEndian.PutUint16(e.b[8:10], uint16(want))
	return e.b, nil
}

func indexNUL(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

func cBytes(s string) []byte { return append([]byte(s), 0) }

// encoder appends records, patching container lengths when they close.
type encoder struct {
	b     []byte
	stack []int // offsets of open containers
	err   error
}

func (e *encoder) u16(tag byte, v uint16) {
	e.record(tag, []byte{byte(v >> 8), byte(v)})
}

func (e *encoder) record(tag byte, v []byte) {
	if len(v) > 0xffff {
		e.err = fmt.Errorf("sign: header: tag %d value of %d bytes does not fit 16 bits", tag, len(v))
		return
	}
	e.b = append(e.b, tag, byte(len(v)>>8), byte(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) open(tag byte) {
	e.stack = append(e.stack, len(e.b))
	e.b = append(e.b, tag, 0, 0)
}

func (e *encoder) close() {
	off := e.stack[len(e.stack)-1]
	e.stack = e.stack[:len(e.stack)-1]
	n := len(e.b) - off - 3
	if n > 0xffff {
		e.err = fmt.Errorf("sign: header: tag %d container of %d bytes does not fit 16 bits", e.b[off], n)
		return
	}
	binary.BigEndian.PutUint16(e.b[off+1:off+3], uint16(n))
}
