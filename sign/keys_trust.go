package sign

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"aead.dev/minisign"
	"golang.org/x/crypto/ssh"
)

// Signature kinds, as named in bundle file names, JSON and messages.
const (
	KindMinisign = "minisign"
	KindSSH      = "ssh"
)

// Signer signs a bundle's SHA256SUMS. Both implementations are
// deterministic for Ed25519 and RSA keys, so a bundle packed twice is
// byte-identical.
type Signer interface {
	Kind() string
	KeyID() string
	Sign(msg []byte, when time.Time) ([]byte, error)
}

// ReaderSigner is a Signer that signs a message read from a reader until
// EOF, hashing it as it is read, without holding it in memory: SHA256SUMS
// of a million files is over 100 MB. SignReader gives the bytes Sign gives
// for the same message. Both signers of this package are ReaderSigners.
type ReaderSigner interface {
	Signer
	SignReader(r io.Reader, when time.Time) ([]byte, error)
}

// MinisignSigner signs with a minisign secret key.
type MinisignSigner struct{ Key minisign.PrivateKey }

func (s MinisignSigner) Kind() string  { return KindMinisign }
func (s MinisignSigner) KeyID() string { return KeyID(s.Key.ID()) }

// Sign writes a .minisig whose trusted comment carries the bundle time, in
// the form minisign itself uses.
func (s MinisignSigner) Sign(msg []byte, when time.Time) ([]byte, error) {
	return SignMinisign(s.Key, msg, minisignComment(when)), nil
}

// SignReader is Sign over the message read from r (minisign's pre-hashed
// mode: BLAKE2b-512 as it is read).
func (s MinisignSigner) SignReader(r io.Reader, when time.Time) ([]byte, error) {
	return SignMinisignReader(s.Key, r, minisignComment(when))
}

func minisignComment(when time.Time) string {
	return fmt.Sprintf("timestamp:%d\tfile:SHA256SUMS\thashed", when.Unix())
}

// SSHSigner signs with an SSH key (file or agent) in the SSHSIG format.
type SSHSigner struct{ Signer ssh.Signer }

func (s SSHSigner) Kind() string  { return KindSSH }
func (s SSHSigner) KeyID() string { return ssh.FingerprintSHA256(s.Signer.PublicKey()) }
func (s SSHSigner) Sign(msg []byte, _ time.Time) ([]byte, error) {
	return SignSSH(s.Signer, Namespace, msg)
}

// SignReader is Sign over the message read from r (SSHSIG with SHA-512,
// hashed as it is read).
func (s SSHSigner) SignReader(r io.Reader, _ time.Time) ([]byte, error) {
	return SignSSHReader(s.Signer, Namespace, r)
}

// Trust is the set of keys a verifier accepts: minisign public keys and SSH
// allowed signers.
type Trust struct {
	Minisign []minisign.PublicKey
	SSH      []AllowedSigner
	// Ignored says what of the given files was not used (cert-authority
	// lines), for the caller to show.
	Ignored []string
}

// Empty reports whether no key is trusted.
func (t *Trust) Empty() bool { return len(t.Minisign) == 0 && len(t.SSH) == 0 }

// AddPublicKey adds a minisign .pub or an SSH public key (authorized_keys
// line) from a file named name.
func (t *Trust) AddPublicKey(name string, data []byte) error {
	if pub, err := ParseMinisignPublicKey(data); err == nil {
		t.Minisign = append(t.Minisign, pub)
		return nil
	}
	if key, comment, _, rest, err := ssh.ParseAuthorizedKey(data); err == nil && len(strings.TrimSpace(string(rest))) == 0 {
		p := comment
		if p == "" {
			p = name
		}
		t.SSH = append(t.SSH, AllowedSigner{Principals: []string{p}, Key: key})
		return nil
	}
	return fmt.Errorf("sign: %s: neither a minisign nor an ssh public key", name)
}

// AddAllowedSigners adds the lines of an ssh allowed signers file.
func (t *Trust) AddAllowedSigners(name string, data []byte) error {
	all, err := ParseAllowedSigners(name, data)
	if err != nil {
		return err
	}
	var a []AllowedSigner
	for _, l := range all {
		if l.CertAuthority {
			t.Ignored = append(t.Ignored, fmt.Sprintf("%s:%d: cert-authority line ignored: bundle signatures are made with plain keys, not certificates", name, l.Line))
			continue
		}
		a = append(a, l)
	}
	if len(a) == 0 {
		return fmt.Errorf("sign: %s: no keys (cert-authority lines do not count)", name)
	}
	t.SSH = append(t.SSH, a...)
	return nil
}

// IDs lists the trusted key IDs, sorted: minisign IDs and SSH fingerprints.
func (t *Trust) IDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, k := range t.Minisign {
		seen[KeyID(k.ID())] = true
	}
	for _, a := range t.SSH {
		seen[a.KeyID()] = true
	}
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Distinct is the number of distinct trusted public keys: what a threshold
// counts. Two IDs may name one key (a minisign key ID is chosen freely, and
// an Ed25519 key can be both a minisign and an SSH key), so this can be less
// than len(IDs()).
func (t *Trust) Distinct() int {
	seen := map[string]bool{}
	for _, k := range t.Minisign {
		seen[minisignKeyMaterial(k)] = true
	}
	for _, a := range t.SSH {
		seen[sshKeyMaterial(a.Key)] = true
	}
	return len(seen)
}

// minisignKeyMaterial identifies a minisign key by its Ed25519 public key,
// not by its key ID, which the key's maker picks.
func minisignKeyMaterial(k minisign.PublicKey) string {
	raw, err := base64.StdEncoding.DecodeString(k.String()) // "Ed" || key ID || public key
	if err != nil || len(raw) != 2+8+ed25519.PublicKeySize {
		return "minisign:" + KeyID(k.ID()) // cannot happen for a parsed key
	}
	return "ed25519:" + hex.EncodeToString(raw[10:])
}

// sshKeyMaterial identifies an SSH key; an Ed25519 key gets the same
// identity as the minisign key with the same public key.
func sshKeyMaterial(k ssh.PublicKey) string {
	if c, ok := k.(ssh.CryptoPublicKey); ok {
		if ed, ok := c.CryptoPublicKey().(ed25519.PublicKey); ok {
			return "ed25519:" + hex.EncodeToString(ed)
		}
	}
	return "ssh:" + ssh.FingerprintSHA256(k)
}

// Verified names who made a good signature.
type Verified struct {
	Kind      string
	KeyID     string
	Principal string // ssh principals, comma-separated
	// Key identifies the public key itself (see Distinct): thresholds
	// count distinct Keys, never distinct KeyIDs.
	Key string
}

// UntrustedKeyError reports a signature made by a key not in the Trust.
type UntrustedKeyError struct {
	Kind    string
	Found   string
	Trusted []string
}

func (e *UntrustedKeyError) Error() string {
	return fmt.Sprintf("sign: %s signature by untrusted key %s", e.Kind, e.Found)
}

// VerifyMinisign checks a .minisig over msg against the trusted minisign keys.
func (t *Trust) VerifyMinisign(sig, msg []byte) (Verified, error) {
	s, err := ParseMinisignSignature(sig)
	if err != nil {
		return Verified{}, err
	}
	v := Verified{Kind: KindMinisign, KeyID: s.KeyID}
	// Key IDs are not unique: try every trusted key with this ID.
	err = nil
	for _, k := range t.Minisign {
		if KeyID(k.ID()) != s.KeyID {
			continue
		}
		if err = s.Verify(k, msg); err == nil {
			v.Key = minisignKeyMaterial(k)
			return v, nil
		}
	}
	if err != nil {
		return v, err
	}
	return v, &UntrustedKeyError{Kind: KindMinisign, Found: s.KeyID, Trusted: t.IDs()}
}

// VerifySSH checks an armored SSHSIG over msg in the phoneload namespace
// against the allowed signers valid at now.
func (t *Trust) VerifySSH(sig, msg []byte, now time.Time) (Verified, error) {
	s, err := ParseSSHSignature(sig)
	if err != nil {
		return Verified{}, err
	}
	v := Verified{Kind: KindSSH, KeyID: s.KeyID()}
	var principals, refusals []string
	known := false
	for _, a := range t.SSH {
		if a.KeyID() != v.KeyID {
			continue
		}
		known = true
		if a.Allows(Namespace, now) {
			principals = append(principals, a.Principals...)
		} else {
			refusals = append(refusals, a.refusal(Namespace, now))
		}
	}
	if !known {
		return v, &UntrustedKeyError{Kind: KindSSH, Found: v.KeyID, Trusted: t.IDs()}
	}
	if len(principals) == 0 {
		return v, fmt.Errorf("sign: ssh key is trusted, but not for this signature: %s", strings.Join(refusals, "; "))
	}
	v.Principal = strings.Join(principals, ",")
	if err := s.Verify(Namespace, msg); err != nil {
		return v, err
	}
	v.Key = sshKeyMaterial(s.PublicKey)
	return v, nil
}
