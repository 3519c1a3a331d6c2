package cfgfmt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// StrongKeySize is the key length of the "strong" encryption.
const StrongKeySize = 32

// EncryptStrong applies the "strong" encryption of <output>.x to a plain
// binary profile [inferred, UNCONFIRMED: no device-side description is
// public, so no device has been seen to accept this]: with 8 bytes r, each
// byte i of the profile without "#ata" is XORed with r[i&7], r is appended,
// and the whole is RC4-encrypted with the 32-byte key. The header's checksum
// is rewritten as the internet checksum, as the original writes it.
//
// Cisco's tool draws r at random; we derive it from the key and the
// profile (the first 8 bytes of SHA-256(key ‖ profile)) so that the same
// input gives the same bytes. r only has to differ between profiles.
func EncryptStrong(key, profile []byte) ([]byte, error) {
	if len(key) != StrongKeySize {
		return nil, fmt.Errorf("cfgfmt: strong key is %d bytes, want %d", len(key), StrongKeySize)
	}
	if len(profile) < headerSize || string(profile[:4]) != "#ata" {
		return nil, errors.New("cfgfmt: strong encryption needs a plain #ata profile")
	}
	// The .x file's header carries the internet checksum of the payload,
	// not the byte sum of the plain file [issue 11].
	profile = bytes.Clone(profile)
	binary.BigEndian.PutUint16(profile[7:], internetChecksum(profile[headerSize:]))
	h := sha256.New()
	h.Write(key)
	h.Write(profile)
	r := h.Sum(nil)[:8]
	body := profile[4:]
	out := make([]byte, len(body)+8)
	for i, b := range body {
		out[i] = b ^ r[i&7]
	}
	copy(out[len(body):], r)
	rc4XOR(key, out)
	return out, nil
}

// DecryptStrong reverses EncryptStrong and returns the profile with "#ata"
// restored; its header still holds the internet checksum. It does not
// check the result: Decode, given DecodeOptions.StrongKey, does.
func DecryptStrong(key, data []byte) ([]byte, error) {
	if len(key) != StrongKeySize {
		return nil, fmt.Errorf("cfgfmt: strong key is %d bytes, want %d", len(key), StrongKeySize)
	}
	if len(data) < headerSize-4+8 || len(data) > MaxProfileSize {
		return nil, &SizeError{len(data)}
	}
	buf := append([]byte(nil), data...)
	rc4XOR(key, buf)
	body, r := buf[:len(buf)-8], buf[len(buf)-8:]
	out := make([]byte, 4+len(body))
	copy(out, "#ata")
	for i, b := range body {
		out[4+i] = b ^ r[i&7]
	}
	return out, nil
}

// ParseStrongKey reads a -x key: hex digits, at most 64, read into
// StrongKeySize bytes zero-padded (an odd last digit is a high nibble), as
// the original reads it [inferred from a decompile]. Non-hex characters,
// which the original would read as 0, are refused: a typing mistake would
// otherwise produce a file nobody holds the key to.
func ParseStrongKey(s string) ([]byte, error) {
	switch {
	case s == "":
		return nil, errors.New("cfgfmt: empty strong key")
	case len(s) > 2*StrongKeySize:
		return nil, fmt.Errorf("cfgfmt: strong key longer than %d hex digits", 2*StrongKeySize)
	case !isHex(s):
		return nil, fmt.Errorf("cfgfmt: strong key %q is not hex", s)
	}
	return hexDecodeFixed(s, StrongKeySize), nil
}
