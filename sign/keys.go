package sign

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"aead.dev/minisign"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/crypto/ssh"
)

// Minisign secret key layout (158 bytes after base64), as written by
// `minisign -G`: sig_alg "Ed", kdf_alg "Sc" or 0, chk_alg "B2", salt[32],
// opslimit u64le, memlimit u64le, then keynum[8] || sk[64] || chk[32],
// XORed with the scrypt keystream when encrypted. chk = BLAKE2b-256(sig_alg
// || keynum || sk) authenticates the passphrase.
const (
	secretKeySize = 158
	kdfNone       = 0x0000
	kdfScrypt     = 0x6353 // "Sc"
	chkBlake2b    = 0x3242 // "B2"
	sigEdDSA      = 0x6445 // "Ed"
)

// MaxKeyFileSize bounds what is read from a key or signature file.
const MaxKeyFileSize = 64 << 10

// KeyCost is the scrypt cost of an encrypted minisign secret key, in
// libsodium's opslimit/memlimit terms (the values stored in the key file).
type KeyCost struct{ Ops, Mem uint64 }

// SensitiveCost is what `minisign -G` uses (libsodium *_SENSITIVE): about
// 1 GiB of memory and a few seconds per decryption, on purpose.
var SensitiveCost = KeyCost{Ops: 33554432, Mem: 1 << 30}

// Upper bounds on the cost read from an untrusted key file (libsodium's own
// maximum for minisign); larger values would let a key file exhaust memory.
const (
	MaxKeyOps = 0x2000000
	MaxKeyMem = 0x40000000
)

// ErrDecrypt is the one error for every failure to decrypt a secret key: a
// wrong passphrase and a damaged key are not told apart.
var ErrDecrypt = errors.New("sign: wrong passphrase or damaged secret key")

// ErrEncrypted is returned when an encrypted key is opened without a
// passphrase source.
var ErrEncrypted = errors.New("sign: secret key is encrypted; a passphrase is needed")

// KeyID formats a minisign key ID the way minisign prints it.
func KeyID(id uint64) string { return fmt.Sprintf("%016X", id) }

// GenerateMinisignKey creates a new minisign key pair.
func GenerateMinisignKey(random io.Reader) (minisign.PublicKey, minisign.PrivateKey, error) {
	if random == nil {
		random = rand.Reader
	}
	return minisign.GenerateKey(random)
}

// MarshalMinisignPublicKey encodes pub as a minisign .pub file.
func MarshalMinisignPublicKey(pub minisign.PublicKey) []byte {
	return []byte("untrusted comment: minisign public key " + KeyID(pub.ID()) + "\n" + pub.String() + "\n")
}

// ParseMinisignPublicKey decodes a minisign .pub file (or the bare base64
// line that `minisign -P` takes).
func ParseMinisignPublicKey(data []byte) (minisign.PublicKey, error) {
	var pub minisign.PublicKey
	if len(data) > MaxKeyFileSize {
		return pub, errors.New("sign: public key file too large")
	}
	text := strings.TrimSpace(string(data))
	if first, rest, ok := strings.Cut(text, "\n"); ok {
		if !strings.HasPrefix(first, "untrusted comment:") {
			return pub, errors.New("sign: not a minisign public key")
		}
		text = strings.TrimSpace(rest)
	}
	if strings.ContainsAny(text, " \t\r\n") {
		return pub, errors.New("sign: not a minisign public key")
	}
	if err := pub.UnmarshalText([]byte(text)); err != nil {
		return pub, errors.New("sign: not a minisign public key")
	}
	return pub, nil
}

// MarshalMinisignSecretKey encodes key in minisign's secret key format. A nil
// passphrase writes it unencrypted (like `minisign -G -W`); otherwise it is
// encrypted with scrypt at the given cost.
func MarshalMinisignSecretKey(key minisign.PrivateKey, passphrase []byte, cost KeyCost) ([]byte, error) {
	// The library hides the raw key; its unencrypted text form carries it.
	text, err := key.MarshalText()
	if err != nil {
		return nil, err
	}
	raw, err := decodeSecretKey(text)
	if err != nil {
		return nil, err
	}
	var b [secretKeySize]byte
	copy(b[:], raw)
	binary.LittleEndian.PutUint16(b[0:], sigEdDSA)
	binary.LittleEndian.PutUint16(b[4:], chkBlake2b)
	plain := b[54:]                // keynum || sk || chk
	sum := keyChecksum(plain[:72]) // over sig_alg || keynum || sk
	copy(plain[72:], sum[:])
	if passphrase == nil {
		binary.LittleEndian.PutUint16(b[2:], kdfNone)
	} else {
		binary.LittleEndian.PutUint16(b[2:], kdfScrypt)
		if _, err := io.ReadFull(rand.Reader, b[6:38]); err != nil {
			return nil, err
		}
		binary.LittleEndian.PutUint64(b[38:], cost.Ops)
		binary.LittleEndian.PutUint64(b[46:], cost.Mem)
		ks, err := keystream(passphrase, b[6:38], cost.Ops, cost.Mem)
		if err != nil {
			return nil, err
		}
		for i := range plain {
			plain[i] ^= ks[i]
		}
	}
	comment := "untrusted comment: minisign secret key " + KeyID(key.ID()) + "\n"
	if passphrase != nil {
		comment = "untrusted comment: minisign encrypted secret key " + KeyID(key.ID()) + "\n"
	}
	return []byte(comment + base64.StdEncoding.EncodeToString(b[:]) + "\n"), nil
}

// IsEncryptedMinisignKey reports whether data is a passphrase-protected
// minisign secret key.
func IsEncryptedMinisignKey(data []byte) bool {
	raw, err := decodeSecretKey(data)
	return err == nil && binary.LittleEndian.Uint16(raw[2:]) == kdfScrypt
}

// ParseMinisignSecretKey decodes a minisign secret key. passphrase is called
// only if the key is encrypted; every decryption failure is ErrDecrypt.
func ParseMinisignSecretKey(data []byte, passphrase func() ([]byte, error)) (minisign.PrivateKey, error) {
	var key minisign.PrivateKey
	raw, err := decodeSecretKey(data)
	if err != nil {
		return key, err
	}
	var b [secretKeySize]byte
	copy(b[:], raw)
	if binary.LittleEndian.Uint16(b[0:]) != sigEdDSA || binary.LittleEndian.Uint16(b[4:]) != chkBlake2b {
		return key, errors.New("sign: not a minisign Ed25519 secret key")
	}
	plain := b[54:]
	switch binary.LittleEndian.Uint16(b[2:]) {
	case kdfNone:
	case kdfScrypt:
		if passphrase == nil {
			return key, ErrEncrypted
		}
		ops, mem := binary.LittleEndian.Uint64(b[38:]), binary.LittleEndian.Uint64(b[46:])
		if ops > MaxKeyOps || mem > MaxKeyMem {
			return key, ErrDecrypt
		}
		pass, err := passphrase()
		if err != nil {
			return key, err
		}
		ks, err := keystream(pass, b[6:38], ops, mem)
		if err != nil {
			return key, ErrDecrypt
		}
		for i := range plain {
			plain[i] ^= ks[i]
		}
	default:
		return key, errors.New("sign: secret key uses an unknown key derivation")
	}
	sum := keyChecksum(plain[:72])
	if subtle.ConstantTimeCompare(sum[:], plain[72:]) != 1 {
		return key, ErrDecrypt
	}
	// Hand the clear key to the library through its unencrypted text form.
	var clear [secretKeySize]byte
	copy(clear[:], b[:])
	binary.LittleEndian.PutUint16(clear[2:], kdfNone)
	if err := key.UnmarshalText([]byte(base64.StdEncoding.EncodeToString(clear[:]))); err != nil {
		return key, ErrDecrypt
	}
	return key, nil
}

func decodeSecretKey(data []byte) ([]byte, error) {
	if len(data) > MaxKeyFileSize {
		return nil, errors.New("sign: secret key file too large")
	}
	text := strings.TrimSpace(string(data))
	if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "untrusted comment:") {
		text = strings.TrimSpace(rest)
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) != secretKeySize {
		return nil, errors.New("sign: not a minisign secret key")
	}
	return raw, nil
}

func keyChecksum(keynumSK []byte) [32]byte {
	var msg [74]byte
	binary.LittleEndian.PutUint16(msg[:], sigEdDSA)
	copy(msg[2:], keynumSK)
	return blake2b.Sum256(msg[:])
}

func keystream(pass, salt []byte, ops, mem uint64) ([]byte, error) {
	n, r, p := scryptParams(ops, mem)
	return scrypt.Key(pass, salt, n, r, p, 104)
}

// scryptParams is libsodium's pickparams, which minisign uses to turn
// (opslimit, memlimit) into scrypt's (N, r, p).
func scryptParams(ops, mem uint64) (n, r, p int) {
	const minOps = 1 << 15
	if ops < minOps {
		ops = minOps
	}
	r = 8
	if ops < mem/32 {
		p = 1
		maxN := ops / (4 * uint64(r))
		logN := 1
		for ; logN < 63; logN++ {
			if uint64(1)<<logN > maxN/2 {
				break
			}
		}
		return 1 << logN, r, p
	}
	maxN := mem / (uint64(r) * 128)
	logN := 1
	for ; logN < 63; logN++ {
		if uint64(1)<<logN > maxN/2 {
			break
		}
	}
	maxRP := (ops / 4) / (uint64(1) << logN)
	if maxRP > 0x3fffffff {
		maxRP = 0x3fffffff
	}
	p = int(maxRP) / r
	if p < 1 {
		p = 1
	}
	return 1 << logN, r, p
}

// ReadSecretKeyFile reads a secret key file after checking, like ssh does,
// that nobody but its owner can read it. A public key (minisign or SSH)
// given where the secret key belongs is a *PublicKeyError, not a
// permissions problem: a .pub is meant to be world-readable.
func ReadSecretKeyFile(path string) ([]byte, error) {
	data, mode, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if kind := publicKeyKind(data); kind != "" {
		return nil, &PublicKeyError{Path: path, Kind: kind}
	}
	if err := checkKeyPerm(path, mode); err != nil {
		return nil, err
	}
	return data, nil
}

// readKeyFile reads a key file: a regular file of at most MaxKeyFileSize
// bytes (never /dev/zero or a FIFO read without end).
func readKeyFile(path string) ([]byte, fs.FileMode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("sign: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("sign: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("sign: %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyFileSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("sign: %s: %w", path, err)
	}
	if len(data) > MaxKeyFileSize {
		return nil, 0, fmt.Errorf("sign: %s: too large for a key file", path)
	}
	return data, fi.Mode(), nil
}

// PublicKeyError reports a public key file given where a secret key (or,
// for Kind minisign, an SSH key) was wanted.
type PublicKeyError struct {
	Path string
	Kind string // KindMinisign or KindSSH
}

func (e *PublicKeyError) Error() string {
	return fmt.Sprintf("sign: %s is a %s public key, not a secret key", e.Path, e.Kind)
}

// publicKeyKind recognises a minisign .pub or an SSH public key line.
func publicKeyKind(data []byte) string {
	if _, err := ParseMinisignPublicKey(data); err == nil {
		return KindMinisign
	}
	if _, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
		return KindSSH
	}
	return ""
}

// ErrKeyPermissions reports a secret key that others can read.
var ErrKeyPermissions = errors.New("permissions too open")

func checkKeyPerm(path string, mode fs.FileMode) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil
	}
	if mode.Perm()&0o077 != 0 {
		return fmt.Errorf("sign: %s: %w: %04o; a secret key must be readable by its owner only", path, ErrKeyPermissions, mode.Perm())
	}
	return nil
}
