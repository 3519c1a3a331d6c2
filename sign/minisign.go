package sign

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"aead.dev/minisign"
)

// SignMinisign signs msg with key in minisign's pre-hashed mode (what
// `minisign -S` writes by default). The trusted comment is signed too;
// minisign prints it after a successful -V. Ed25519 is deterministic, so the
// same key, message and comment always give the same bytes.
func SignMinisign(key minisign.PrivateKey, msg []byte, trustedComment string) []byte {
	sig, _ := SignMinisignReader(key, bytes.NewReader(msg), trustedComment) // a bytes.Reader cannot fail
	return sig
}

// SignMinisignReader is SignMinisign over the bytes read from r until EOF:
// the pre-hashed mode hashes the message with BLAKE2b-512 as it is read,
// so the message is never held in memory. The signature is the same bytes
// SignMinisign gives for the same message.
func SignMinisignReader(key minisign.PrivateKey, r io.Reader, trustedComment string) ([]byte, error) {
	rd := minisign.NewReader(r)
	if _, err := io.Copy(io.Discard, rd); err != nil {
		return nil, fmt.Errorf("sign: minisign: %w", err)
	}
	return rd.SignWithComments(key, trustedComment, "signature from phoneload secret key "+KeyID(key.ID())), nil
}

// MinisignSignature is a parsed minisign signature file.
type MinisignSignature struct {
	KeyID          string // the key ID the signature claims, as minisign prints it
	TrustedComment string
	raw            []byte
	sig            minisign.Signature
}

// ParseMinisignSignature decodes a .minisig file without verifying it.
func ParseMinisignSignature(data []byte) (*MinisignSignature, error) {
	if len(data) > MaxKeyFileSize {
		return nil, errors.New("sign: minisign signature too large")
	}
	var s minisign.Signature
	if err := s.UnmarshalText(data); err != nil {
		return nil, errors.New("sign: not a minisign signature")
	}
	// UnmarshalText ignores what follows the comment signature line; a
	// signature file is exactly four lines.
	// Exactly four terminated lines, as minisign writes them.
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != 4 || !bytes.HasSuffix(data, []byte("\n")) {
		return nil, errors.New("sign: not a minisign signature: trailing data")
	}
	// The library decodes base64 leniently; only canonical encodings are
	// accepted here, so that no byte of the signed lines can change.
	for _, i := range []int{1, 3} {
		if _, err := base64.StdEncoding.Strict().DecodeString(string(bytes.TrimSuffix(lines[i], []byte("\r")))); err != nil {
			return nil, errors.New("sign: not a minisign signature")
		}
	}
	return &MinisignSignature{KeyID: KeyID(s.KeyID), TrustedComment: s.TrustedComment, raw: data, sig: s}, nil
}

// Verify checks the signature over msg with pub, trusted comment included.
func (s *MinisignSignature) Verify(pub minisign.PublicKey, msg []byte) error {
	if s.sig.KeyID != pub.ID() {
		return fmt.Errorf("sign: minisign signature is by key %s, not %s", s.KeyID, KeyID(pub.ID()))
	}
	if !minisign.Verify(pub, msg, s.raw) {
		return errors.New("sign: minisign signature does not verify")
	}
	return nil
}
