package sign

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// Defaults of SignOptions: the signer and issuer strings, serial number and
// version every real firmware header carries (docs/signed-header.md), so
// that lab images have the exact layout and header length (0x194 or 0x198)
// of Cisco's.
const (
	DefaultSigner  = "CN=someSigner;OU=someOrgUnit;O=someOrg"
	DefaultIssuer  = "CN=someCA;OU=someOrgUnit;O=someOrg"
	DefaultVersion = 0x0101
)

// DefaultSerial is the serial number of SignOptions' default signer.
var DefaultSerial = []byte{0x12, 0x34, 0x56, 0x78, 0x90, 0xAB, 0xCD, 0xEF}

var (
	// ErrBadSignature means the signature does not verify with any trusted
	// key: the file was changed after signing, or signed by another key.
	// It deliberately says no more than that.
	ErrBadSignature = errors.New("sign: signature does not verify")
	// ErrNoTrustedKey is returned when verification is asked for with no key.
	ErrNoTrustedKey = errors.New("sign: no trusted key given")
	// ErrNameMismatch means a file's name differs from the name in its
	// header: a renamed file, which phones refuse.
	ErrNameMismatch = errors.New("sign: file name does not match the signed name")
)

// SignOptions controls SignImage. The zero value gives the header of real
// firmware.
type SignOptions struct {
	Hash      crypto.Hash // crypto.SHA1 (default, as in firmware), crypto.SHA256 or crypto.SHA512
	Signer    string      // tag 4; default DefaultSigner
	Issuer    string      // tag 6; default DefaultIssuer
	Serial    []byte      // tag 5; default DefaultSerial
	Version   uint16      // tag 1; default DefaultVersion (1.1)
	Timestamp uint32      // tag 15, Unix time; omitted when zero, as in firmware
}

// SignImage returns payload with a Cisco signed header in front, naming
// the file name (the base name the file will be served as, e.g.
// "P003-8-12-00.sbn") and signed with key: RSA PKCS#1 v1.5 over the whole
// result with the signature record cut out. The key's modulus must be 512,
// 1024, 2048 or 4096 bits, the sizes the header can express. Output is
// deterministic for the same inputs.
func SignImage(payload []byte, name string, key *rsa.PrivateKey, opts SignOptions) ([]byte, error) {
	hdr, err := SignReader(bytes.NewReader(payload), name, key, opts)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(hdr)+len(payload))
	return append(append(out, hdr...), payload...), nil
}

// SignReader is SignImage for a payload too large to hold in memory: it
// reads the payload from r to the end and returns only the header; the
// signed file is the header followed by the same payload bytes.
func SignReader(r io.Reader, name string, key *rsa.PrivateKey, opts SignOptions) ([]byte, error) {
	h, err := newHeader(name, key, opts)
	if err != nil {
		return nil, err
	}
	b, err := h.MarshalBinary()
	if err != nil {
		return nil, err
	}
	// Parse back to find the signature record: one source of truth for
	// where it sits.
	if h, err = ParseHeader(b); err != nil {
		return nil, fmt.Errorf("sign: internal error: %w", err)
	}
	d, err := h.NewDigest(b)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(d, r); err != nil {
		return nil, fmt.Errorf("sign: reading payload: %w", err)
	}
	sig, err := rsa.SignPKCS1v15(nil, key, h.Hash, d.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	copy(b[h.SignatureOffset+3:h.SignatureEnd], sig)
	return b, nil
}

// newHeader fills in a header for SignReader with a zero signature.
func newHeader(name string, key *rsa.PrivateKey, opts SignOptions) (*Header, error) {
	if key == nil {
		return nil, errors.New("sign: no signing key")
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	size := key.Size()
	if _, ok := keySizeIndex(size); !ok {
		return nil, fmt.Errorf("sign: %d-bit key: the header can only carry 512, 1024, 2048 or 4096-bit RSA keys", key.N.BitLen())
	}
	h := &Header{
		Version:   opts.Version,
		Signer:    opts.Signer,
		Serial:    opts.Serial,
		Issuer:    opts.Issuer,
		Hash:      opts.Hash,
		KeySize:   size,
		Signature: make([]byte, size),
		FileName:  name,
		Timestamp: opts.Timestamp,
	}
	if h.Version == 0 {
		h.Version = DefaultVersion
	}
	if h.Signer == "" {
		h.Signer = DefaultSigner
	}
	if h.Issuer == "" {
		h.Issuer = DefaultIssuer
	}
	if h.Serial == nil {
		h.Serial = DefaultSerial
	}
	if h.Hash == 0 {
		h.Hash = crypto.SHA1
	}
	if _, ok := hashID(h.Hash); !ok {
		return nil, fmt.Errorf("sign: unsupported hash %v (want SHA-1, SHA-256 or SHA-512)", h.Hash)
	}
	return h, nil
}

// checkName accepts a base name fit for a TFTP root.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("sign: empty file name")
	case len(name) > MaxFileName:
		return fmt.Errorf("sign: file name longer than %d bytes", MaxFileName)
	case strings.ContainsAny(name, "/\\\x00"), name == ".", name == "..":
		return fmt.Errorf("sign: file name %q is not a base name", name)
	}
	return nil
}

// NewDigest returns the hash a signature over this header's file is made
// with, already fed with hdr (the header bytes, as ReadHeader returns them)
// minus the signature record. Write the payload into it, then pass Sum to
// VerifyDigest: that verifies a file in one streaming pass.
func (h *Header) NewDigest(hdr []byte) (hash.Hash, error) {
	if !h.Hash.Available() {
		return nil, fmt.Errorf("sign: hash %v not available", h.Hash)
	}
	if h.SignatureOffset < fixedLength || h.SignatureEnd > len(hdr) || h.SignatureEnd > h.Length || h.SignatureOffset >= h.SignatureEnd {
		return nil, errors.New("sign: header does not match the bytes given")
	}
	d := h.Hash.New()
	d.Write(hdr[:h.SignatureOffset])
	d.Write(hdr[h.SignatureEnd:h.Length])
	return d, nil
}

// VerifyDigest checks the header's signature over sum (from NewDigest)
// with each trusted key in turn: *rsa.PublicKey, *rsa.PrivateKey or
// *x509.Certificate. It returns nil if one of them verifies, else an error
// wrapping ErrBadSignature (or ErrNoTrustedKey).
func (h *Header) VerifyDigest(sum []byte, trust ...crypto.PublicKey) error {
	if len(trust) == 0 {
		return ErrNoTrustedKey
	}
	if h.Algorithm != 0 {
		return fmt.Errorf("%w: algorithm %d is not RSA", ErrBadSignature, h.Algorithm)
	}
	sized := false
	for _, k := range trust {
		pub, err := rsaPublic(k)
		if err != nil {
			return err
		}
		// The header's key size must match the key: a signature for
		// another modulus size is never valid, whatever the bytes.
		if pub.Size() != h.KeySize || len(h.Signature) != h.KeySize {
			continue
		}
		sized = true
		if rsa.VerifyPKCS1v15(pub, h.Hash, sum, h.Signature) == nil {
			return nil
		}
	}
	if !sized {
		return fmt.Errorf("%w: signed with a %d-bit key, no trusted key has that size", ErrBadSignature, h.KeySize*8)
	}
	return ErrBadSignature
}

// rsaPublic extracts the RSA public key of a trusted key.
func rsaPublic(k crypto.PublicKey) (*rsa.PublicKey, error) {
	switch k := k.(type) {
	case *rsa.PublicKey:
		return k, nil
	case *rsa.PrivateKey:
		return &k.PublicKey, nil
	case *x509.Certificate:
		if pub, ok := k.PublicKey.(*rsa.PublicKey); ok {
			return pub, nil
		}
		return nil, fmt.Errorf("sign: certificate %q has no RSA key", k.Subject.String())
	}
	return nil, fmt.Errorf("sign: unsupported trusted key type %T (want RSA)", k)
}

// VerifyImage checks the signature of file, a whole signed file, against
// the trusted keys (one must verify). h is the file's parsed header, or nil
// to parse it here. It never reports success for bytes it did not hash.
func VerifyImage(file []byte, h *Header, trust ...crypto.PublicKey) error {
	if h == nil {
		var err error
		if h, err = ParseHeader(file); err != nil {
			return err
		}
	}
	if h.Length > len(file) {
		return errors.New("sign: header does not match the bytes given")
	}
	d, err := h.NewDigest(file[:h.Length])
	if err != nil {
		return err
	}
	d.Write(file[h.Length:])
	return h.VerifyDigest(d.Sum(nil), trust...)
}

// VerifyReader reads a signed file from r to the end, verifying it in one
// pass, and returns its header. On error the header is nil unless only the
// signature failed to verify.
func VerifyReader(r io.Reader, trust ...crypto.PublicKey) (*Header, error) {
	h, hdr, err := ReadHeader(r)
	if err != nil {
		return nil, err
	}
	d, err := h.NewDigest(hdr)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(d, r); err != nil {
		return nil, err
	}
	return h, h.VerifyDigest(d.Sum(nil), trust...)
}

// CheckName reports whether the file at name (a path or base name) still
// carries the name it was signed as. TFTP names are byte-exact, so the
// comparison is too. The error wraps ErrNameMismatch and names both.
func (h *Header) CheckName(name string) error {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if h.FileName == base {
		return nil
	}
	return fmt.Errorf("%w: %s is signed as %q", ErrNameMismatch, base, h.FileName)
}

// ParseHash reads a hash name as the CLI takes it: sha1, sha256, sha512
// (case-insensitive, "sha-256" too).
func ParseHash(s string) (crypto.Hash, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "-", "") {
	case "sha1":
		return crypto.SHA1, nil
	case "sha256":
		return crypto.SHA256, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("sign: unknown hash %q (want sha1, sha256 or sha512)", s)
}
