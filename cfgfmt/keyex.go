package cfgfmt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
)

// EncryptKeyEx (pseudo-tag 0x1105) carries the device's strong key and the
// MAC address it is bound to, wrapped with constants fixed in Cisco's tool
// [issue 11; constants from kugg/ATA-tools' decompile of cfgfmt.linux v2.3,
// FUN_0804a60c and its 60-byte .data blob, reduced here to what the blob
// decrypts to]. UNCONFIRMED on a device: the record matches the original
// tool's bytes by construction, but no phone has been seen to accept it.
//
// Text form: key and MAC separated by '/', space or tab (not a comma):
// "EncryptKeyEx:00112233445566778899aabbccddeeff/0011223344aa". The key is
// read as hex into 32 bytes, the MAC into 6 (absent: zeros); a short value
// is zero-padded, a long one cut, and a non-hex character counts as 0, as
// the original does (with a warning, as the original gives).
//
// Record: prefix(4) ‖ RC4(wrapKey)(checksum(2) ‖ MAC(6) ‖ key(32)), the
// checksum being the internet checksum of MAC ‖ key.
var (
	keyExPrefix  = []byte{0x87, 0x65, 0x43, 0x22}
	keyExWrapKey = []byte{0xe9, 0x3c, 0xbf, 0x11, 0x03, 0x3f, 0x9c, 0x34, 0xd7, 0xdd, 0xcc, 0x6b, 0x2e, 0xa6, 0xcb, 0x66}
)

const (
	keyExKeySize = 32
	keyExMACSize = 6
	keyExRecord  = 4 + 2 + keyExMACSize + keyExKeySize
)

// hexDecodeFixed reads hex characters into n bytes the way the original
// does: high nibble first, a non-hex character as 0, an odd tail as a high
// nibble, the rest zero, anything past n bytes dropped.
func hexDecodeFixed(s string, n int) []byte {
	out := make([]byte, n)
	for i := 0; i < len(s) && i/2 < n; i++ {
		v := byte(digitValue(s[i]))
		if v > 15 {
			v = 0
		}
		if i%2 == 0 {
			out[i/2] = v << 4
		} else {
			out[i/2] |= v
		}
	}
	return out
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if digitValue(s[i]) > 15 {
			return false
		}
	}
	return true
}

// encodeKeyEx builds the 0x1105 record. warn is set when the key is not
// all hex (the original's "must all be Hex characters" warning).
func encodeKeyEx(v string) (rec []byte, warn string) {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == ' ' || r == '\t' })
	var key, mac string
	if len(f) > 0 {
		key = f[0]
	}
	if len(f) > 1 {
		mac = f[1]
	}
	if !isHex(key) {
		warn = "EncryptKeyEx in input text profile must all be Hex characters; using non-hex characters reduces the strength of profile encryption"
	}
	inner := append(hexDecodeFixed(mac, keyExMACSize), hexDecodeFixed(key, keyExKeySize)...)
	return wrapKeyEx(inner), warn
}

func wrapKeyEx(inner []byte) []byte {
	rec := make([]byte, 0, 6+len(inner))
	rec = append(rec, keyExPrefix...)
	rec = binary.BigEndian.AppendUint16(rec, internetChecksum(inner))
	rec = append(rec, inner...)
	rc4XOR(keyExWrapKey, rec[4:])
	return rec
}

// formatKeyEx unwraps a 0x1105 record into its text form, or ok=false
// when the prefix or the checksum do not match.
func formatKeyEx(b []byte) (string, bool) {
	if len(b) != keyExRecord || !bytes.Equal(b[:4], keyExPrefix) {
		return "", false
	}
	plain := bytes.Clone(b[4:])
	rc4XOR(keyExWrapKey, plain)
	inner := plain[2:]
	if binary.BigEndian.Uint16(plain) != internetChecksum(inner) {
		return "", false
	}
	return hex.EncodeToString(inner[keyExMACSize:]) + "/" + hex.EncodeToString(inner[:keyExMACSize]), true
}

// internetChecksum is the one's-complement sum of 16-bit big-endian words
// (RFC 1071), an odd last byte added as it is, as the original computes it
// for EncryptKeyEx and for the header of .x files.
func internetChecksum(b []byte) uint16 {
	var s uint32
	i := 0
	for ; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if i < len(b) {
		s += uint32(b[i])
	}
	for s>>16 != 0 {
		s = s>>16 + s&0xFFFF
	}
	return ^uint16(s)
}
