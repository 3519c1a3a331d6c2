// Package sign handles signatures: Cisco's signed firmware header (.sbn,
// .sb2, .loads, .tlv) and phoneload's own bundle signatures.
package sign

import (
	"crypto"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxHeaderLength caps the header length a file may declare. Real firmware
// headers are 0x194 or 0x198 bytes; 64 KiB leaves room for any key size.
const MaxHeaderLength = 64 << 10

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

// ParseHeader parses the Cisco signed header at the start of b. b must hold
// at least the whole header (the first MaxHeaderLength bytes of the file are
// always enough). Every length is checked against the data before use.
func ParseHeader(b []byte) (*Header, error) {
	// A signed file starts with tag 1 (version, length 2) then tag 2.
	if !hasMagic(b) {
		return nil, ErrNotSigned
	}
	h := &Header{Version: binary.BigEndian.Uint16(b[3:5])}
	h.Length = int(binary.BigEndian.Uint16(b[8:10]))
	if h.Length < 10 {
		return nil, fmt.Errorf("sign: header: length 0x%x too short at 0x8", h.Length)
	}
	if h.Length > len(b) {
		return nil, fmt.Errorf("sign: header: length 0x%x past end of data at 0x%x", h.Length, len(b))
	}
	if err := h.parseRecords(b[:h.Length], 10, 0); err != nil {
		return nil, err
	}
	if h.Signature == nil {
		return nil, errors.New("sign: header: no signature record")
	}
	return h, nil
}

// hasMagic reports whether b starts with tag 1 (length 2) and tag 2 (length 2).
func hasMagic(b []byte) bool {
	return len(b) >= 10 && b[0] == tagVersion && b[1] == 0 && b[2] == 2 && b[5] == tagLength && b[6] == 0 && b[7] == 2
}

// parseRecords walks the records of b[off:], recursing into containers.
func (h *Header) parseRecords(b []byte, off, depth int) error {
	if depth > 2 {
		return fmt.Errorf("sign: header: containers nested too deep at 0x%x", off)
	}
	for off < len(b) {
		tag := b[off]
		if tag == tagPadding {
			off++
			continue
		}
		if off+3 > len(b) {
			return fmt.Errorf("sign: header: record at 0x%x truncated", off)
		}
		n := int(binary.BigEndian.Uint16(b[off+1 : off+3]))
		start, end := off+3, off+3+n
		if end > len(b) {
			return fmt.Errorf("sign: header: length 0x%x of tag %d past end of header at 0x%x", n, tag, off)
		}
		v := b[start:end]
		switch tag {
		case tagSignerInfo, tagSigInfo, tagAlgInfo:
			if err := h.parseRecords(b[:end], start, depth+1); err != nil {
				return err
			}
		case tagSigner:
			h.Signer = cString(v)
		case tagSerial:
			h.Serial = append([]byte(nil), v...)
		case tagIssuer:
			h.Issuer = cString(v)
		case tagHash:
			if n != 1 {
				return fmt.Errorf("sign: header: hash record of length %d at 0x%x", n, off)
			}
			switch v[0] {
			case 1:
				h.Hash = crypto.SHA1
			case 2:
				h.Hash = crypto.SHA256
			case 3:
				h.Hash = crypto.SHA512
			default:
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
			if h.Signature != nil {
				return fmt.Errorf("sign: header: second signature record at 0x%x", off)
			}
			h.Signature = append([]byte(nil), v...)
			h.SignatureOffset, h.SignatureEnd = off, end
		case tagFileName:
			h.FileName = cString(v)
		case tagTimestamp:
			if n != 4 {
				return fmt.Errorf("sign: header: timestamp record of length %d at 0x%x", n, off)
			}
			h.Timestamp = binary.BigEndian.Uint32(v)
		case tagVersion, tagLength:
			return fmt.Errorf("sign: header: repeated tag %d at 0x%x", tag, off)
		default:
			return fmt.Errorf("sign: header: unknown tag %d at 0x%x", tag, off)
		}
		off = end
	}
	return nil
}

// cString returns v up to its first NUL.
func cString(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

// ReadHeader reads and parses the header from the start of r, reading no
// more than the declared header length (capped at MaxHeaderLength).
func ReadHeader(r io.Reader) (*Header, []byte, error) {
	var fixed [10]byte
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
	if n < 10 || n > MaxHeaderLength {
		return nil, nil, fmt.Errorf("sign: header: length 0x%x out of range at 0x8", n)
	}
	buf := make([]byte, n)
	copy(buf, fixed[:])
	if _, err := io.ReadFull(r, buf[10:]); err != nil {
		return nil, nil, fmt.Errorf("sign: header: length 0x%x past end of file", n)
	}
	h, err := ParseHeader(buf)
	return h, buf, err
}
