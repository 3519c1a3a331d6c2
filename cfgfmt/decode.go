package cfgfmt

import (
	"bytes"
	"crypto/rc4" // RC4 is broken as a cipher; it is here only because the devices' profile format uses it.
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ParseKey reads an RC4 key as the original tool does: the text as hex
// pairs, an odd length padded with a trailing 0 [captured: "abc" is ab c0].
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" {
		return nil, fmt.Errorf("cfgfmt: empty key")
	}
	if len(s)%2 == 1 {
		s += "0"
	}
	if len(s) > 2*256 {
		return nil, fmt.Errorf("cfgfmt: key longer than 256 bytes")
	}
	k, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("cfgfmt: key %q is not hex", s)
	}
	return k, nil
}

// rc4XOR encrypts or decrypts b in place. key has 1 to 256 bytes (ParseKey
// guarantees it).
func rc4XOR(key, b []byte) {
	c, err := rc4.NewCipher(key)
	if err != nil {
		panic("cfgfmt: " + err.Error()) // unreachable: keys come from ParseKey
	}
	c.XORKeyStream(b, b)
}

// DecodeOptions control Decode.
type DecodeOptions struct {
	// Protocols chooses names among aliases, as Options.Protocols does.
	Protocols Protocol
	// Key RC4-decrypts the input first (-e).
	Key []byte
	// StrongKey reads a "strong" .x file (-x): DecryptStrong first, and the
	// header's checksum is the internet checksum.
	StrongKey []byte
}

// Profile is a decoded binary profile.
type Profile struct {
	Checksum int      // the header's checksum (verified)
	Length   int      // the header's payload length (verified)
	Records  []Record // in file order
	// Extension is the extension file named by a 0x4000 record, or "".
	Extension string
}

// Decode parses a binary profile, decrypting it with opt.Key first when
// set. Input shorter than a header is *SizeError; a wrong magic (also after
// decryption) is ErrUnknownInput; a bad header, length, record or checksum
// wraps ErrCorrupted with the offset. Trailing bytes are corruption too.
//
// Record values alias data (or its decrypted copy): copy them to keep them
// beyond data's lifetime.
func Decode(t *Table, data []byte, opt DecodeOptions) (*Profile, error) {
	if t == nil {
		return nil, errors.New("cfgfmt: Decode needs a tag table")
	}
	// Under 5 bytes is "bad input size N" as in the original [issue 11];
	// shorter than a header after the magic is a corrupted profile.
	if len(data) < MinInputSize || len(data) > MaxProfileSize {
		return nil, &SizeError{len(data)}
	}
	strong := opt.StrongKey != nil
	if strong {
		plain, err := DecryptStrong(opt.StrongKey, data)
		if err != nil {
			return nil, err
		}
		// A .x file has no "#ata": a wrong key shows first in the header
		// record, which is then a file we cannot read, not a corrupted one.
		if plain[4] != 0xFF || plain[5] != 0xFE || plain[6] != 0x04 {
			return nil, ErrUnknownInput
		}
		data = plain
	} else if opt.Key != nil {
		data = bytes.Clone(data)
		rc4XOR(opt.Key, data)
	}
	if string(data[:4]) != "#ata" {
		return nil, ErrUnknownInput
	}
	if len(data) < headerSize {
		return nil, corrupt(len(data), "header record cut short: %d bytes, a header needs %d", len(data), headerSize)
	}
	if data[4] != 0xFF || data[5] != 0xFE || data[6] != 0x04 {
		return nil, corrupt(4, "header record is % x, want ff fe 04", data[4:7])
	}
	sum := int(data[7])<<8 | int(data[8])
	length := int(data[9])<<8 | int(data[10])
	payload := data[headerSize:]
	if len(payload) < length {
		return nil, corrupt(len(data), "truncated: header says %d payload bytes, %d present", length, len(payload))
	}
	if len(payload) > length {
		return nil, corrupt(headerSize+length, "%d bytes after the payload", len(payload)-length)
	}
	got := simpleChecksum(payload)
	if strong {
		got = internetChecksum(payload)
	}
	if int(got) != sum {
		return nil, corrupt(7, "checksum %#04x, payload sums to %#04x", sum, got)
	}
	p := &Profile{Checksum: sum, Length: length}
	off := 0
	for off < len(payload) {
		start := off
		tag, n, ok := readVarint(payload[off:])
		if !ok {
			return nil, corrupt(headerSize+start, "record tag cut short")
		}
		off += n
		size, n, ok := readVarint(payload[off:])
		if !ok {
			return nil, corrupt(headerSize+start, "record length cut short")
		}
		off += n
		if size > len(payload)-off {
			return nil, corrupt(headerSize+start, "record of tag %#x: length %d past the end of the payload", tag, size)
		}
		r := Record{Tag: tag, Value: payload[off : off+size : off+size]}
		off += size
		if d := t.forRecord(tag, opt.Protocols, r.Value); d != nil {
			r.Name, r.Kind, r.Size, r.Extended = d.Name, d.Format.Kind(), d.Size, d.Format&FormatExtended != 0
		} else if name, ok := pseudoName[tag]; ok {
			r.Name = name
		}
		if tag == tagExtension && len(size0(r.Value)) > 0 {
			p.Extension = string(size0(r.Value))
		}
		p.Records = append(p.Records, r)
	}
	return p, nil
}

func simpleChecksum(b []byte) uint16 {
	var sum uint16
	for _, c := range b {
		sum += uint16(c)
	}
	return sum
}

// size0 returns b without its trailing NUL, or nil if there is none.
func size0(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil
	}
	return b[:len(b)-1]
}

func readVarint(b []byte) (v, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	if b[0] < 0x80 {
		return int(b[0]), 1, true
	}
	if len(b) < 2 {
		return 0, 0, false
	}
	return int(b[0]&0x7F)<<8 | int(b[1]), 2, true
}

// Text renders the profile as a text profile: #txt, then one Name:Value a
// line, which Compile turns back into the same bytes. Records that have no
// name in the table, or whose bytes do not fit their type, are shown as
// "# tag …" comment lines with their hex, never dropped. verbose adds the
// line #sum_len:<checksum>,<length> [inferred] after #txt.
func (p *Profile) Text(verbose bool) []byte {
	var b bytes.Buffer
	b.WriteString("#txt\n")
	if verbose {
		fmt.Fprintf(&b, "#sum_len:%d,%d\n", p.Checksum, p.Length)
	}
	for _, r := range p.Records {
		var (
			v  string
			ok bool
		)
		switch {
		case r.Tag == tagExtension:
			if name := size0(r.Value); printable(name) {
				fmt.Fprintf(&b, "# extension profile: %s\n", name)
				continue
			}
		case r.Kind != KindUnknown:
			v, ok = formatValue(r.Kind, r.Size, r.Value)
		case r.Name != "":
			v, ok = formatPseudo(r.Tag, r.Value)
		}
		if ok {
			fmt.Fprintf(&b, "%s:%s\n", r.Name, v)
			continue
		}
		what := "unknown tag"
		if r.Name != "" {
			what = r.Name + ", value does not fit its type"
		}
		fmt.Fprintf(&b, "# tag %d (%#04x) %s, %d bytes: %x\n", r.Tag, r.Tag, what, len(r.Value), r.Value)
	}
	return b.Bytes()
}
