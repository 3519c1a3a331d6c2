package sign

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Namespace is the SSHSIG namespace of bundle signatures: a signature made
// for another purpose (git commits, files) never verifies as a bundle's.
const Namespace = "phoneload"

// MaxSSHSignatureSize bounds an armored SSH signature (RSA-16384 fits).
const MaxSSHSignatureSize = 16 << 10

const (
	sshsigMagic   = "SSHSIG"
	sshsigVersion = 1
	armorBegin    = "-----BEGIN SSH SIGNATURE-----"
	armorEnd      = "-----END SSH SIGNATURE-----"
	b64Alphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
)

// SSHSignature is a parsed SSHSIG signature (PROTOCOL.sshsig), as written by
// `ssh-keygen -Y sign`.
type SSHSignature struct {
	PublicKey ssh.PublicKey
	Namespace string
	HashAlg   string // "sha256" or "sha512"
	Signature *ssh.Signature
}

// KeyID is the key's SHA256 fingerprint, as ssh-keygen prints it.
func (s *SSHSignature) KeyID() string { return ssh.FingerprintSHA256(s.PublicKey) }

type sshsigBlob struct {
	Version   uint32
	PublicKey []byte
	Namespace string
	Reserved  string
	HashAlg   string
	Signature []byte
}

type sshsigSigned struct {
	Namespace string
	Reserved  string
	HashAlg   string
	Hash      []byte
}

// signedData is what the key actually signs: the magic, then the namespace,
// the hash algorithm and the message digest.
func signedData(namespace, hashAlg string, msg []byte) ([]byte, error) {
	return signedDataReader(namespace, hashAlg, bytes.NewReader(msg))
}

// signedDataReader is signedData of the message read from r until EOF:
// SSHSIG signs the message's digest, so the message is hashed as it is
// read and never held in memory.
func signedDataReader(namespace, hashAlg string, r io.Reader) ([]byte, error) {
	var h hash.Hash
	switch hashAlg {
	case "sha256":
		h = sha256.New()
	case "sha512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("sign: ssh signature: unsupported hash %q", hashAlg)
	}
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("sign: ssh: %w", err)
	}
	return append([]byte(sshsigMagic), ssh.Marshal(sshsigSigned{Namespace: namespace, HashAlg: hashAlg, Hash: h.Sum(nil)})...), nil
}

// SignSSH signs msg with s in the SSHSIG format under namespace, using
// SHA-512 and, for RSA keys, rsa-sha2-512 (never SHA-1). It returns the
// armored signature.
func SignSSH(s ssh.Signer, namespace string, msg []byte) ([]byte, error) {
	return SignSSHReader(s, namespace, bytes.NewReader(msg))
}

// SignSSHReader is SignSSH over the bytes read from r until EOF, hashed
// (SHA-512) as they are read: the same signature for the same message.
func SignSSHReader(s ssh.Signer, namespace string, r io.Reader) ([]byte, error) {
	data, err := signedDataReader(namespace, "sha512", r)
	if err != nil {
		return nil, err
	}
	var sig *ssh.Signature
	if s.PublicKey().Type() == ssh.KeyAlgoRSA {
		as, ok := s.(ssh.AlgorithmSigner)
		if !ok {
			return nil, errors.New("sign: this RSA key cannot sign with rsa-sha2-512")
		}
		sig, err = as.SignWithAlgorithm(rand.Reader, data, ssh.KeyAlgoRSASHA512)
	} else {
		sig, err = s.Sign(rand.Reader, data)
	}
	if err != nil {
		return nil, fmt.Errorf("sign: ssh: %w", err)
	}
	blob := append([]byte(sshsigMagic), ssh.Marshal(sshsigBlob{
		Version:   sshsigVersion,
		PublicKey: s.PublicKey().Marshal(),
		Namespace: namespace,
		HashAlg:   "sha512",
		Signature: ssh.Marshal(sig),
	})...)
	return armor(blob), nil
}

// armor wraps blob like ssh-keygen: base64 in lines of 70 characters.
func armor(blob []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(blob)
	var b bytes.Buffer
	b.WriteString(armorBegin + "\n")
	for len(enc) > 70 {
		b.WriteString(enc[:70] + "\n")
		enc = enc[70:]
	}
	b.WriteString(enc + "\n" + armorEnd + "\n")
	return b.Bytes()
}

// ParseSSHSignature decodes an armored SSHSIG signature without verifying it.
// Only whitespace may surround the armor.
func ParseSSHSignature(data []byte) (*SSHSignature, error) {
	bad := func(why string) error { return fmt.Errorf("sign: not an ssh signature: %s", why) }
	if len(data) > MaxSSHSignatureSize {
		return nil, bad("too large")
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !strings.HasSuffix(text, "\n") {
		return nil, bad("last line not terminated")
	}
	text = strings.TrimSuffix(text, "\n")
	if !strings.HasPrefix(text, armorBegin+"\n") || !strings.HasSuffix(text, "\n"+armorEnd) {
		return nil, bad("missing armor")
	}
	// Strict layout: one base64 line after another, nothing else, and
	// canonical base64, so that no byte of the file can change unnoticed.
	lines := strings.Split(text, "\n")
	if len(lines) < 3 {
		return nil, bad("missing armor")
	}
	var body strings.Builder
	for _, l := range lines[1 : len(lines)-1] {
		l = strings.TrimSuffix(l, "\r")
		if l == "" || strings.Trim(l, b64Alphabet) != "" {
			return nil, bad("bad base64")
		}
		body.WriteString(l)
	}
	blob, err := base64.StdEncoding.Strict().DecodeString(body.String())
	if err != nil {
		return nil, bad("bad base64")
	}
	if !bytes.HasPrefix(blob, []byte(sshsigMagic)) {
		return nil, bad("bad magic")
	}
	var b sshsigBlob
	if err := ssh.Unmarshal(blob[len(sshsigMagic):], &b); err != nil {
		return nil, bad("malformed")
	}
	if b.Version != sshsigVersion {
		return nil, bad(fmt.Sprintf("version %d", b.Version))
	}
	pub, err := ssh.ParsePublicKey(b.PublicKey)
	if err != nil {
		return nil, bad("bad public key")
	}
	if _, ok := pub.(*ssh.Certificate); ok {
		return nil, bad("certificates are not supported")
	}
	var sig ssh.Signature
	if err := ssh.Unmarshal(b.Signature, &sig); err != nil || len(sig.Rest) != 0 {
		return nil, bad("malformed signature")
	}
	if b.HashAlg != "sha256" && b.HashAlg != "sha512" {
		return nil, bad(fmt.Sprintf("unsupported hash %q", b.HashAlg))
	}
	return &SSHSignature{PublicKey: pub, Namespace: b.Namespace, HashAlg: b.HashAlg, Signature: &sig}, nil
}

// Verify checks the signature over msg in namespace. The signing key is the
// one embedded in the signature: callers decide separately whether they
// trust it.
func (s *SSHSignature) Verify(namespace string, msg []byte) error {
	if s.Namespace != namespace {
		return fmt.Errorf("sign: ssh signature is for namespace %q, not %q", s.Namespace, namespace)
	}
	// SHA-1 RSA signatures are refused, as ssh-keygen does for SSHSIG.
	if s.Signature.Format == ssh.KeyAlgoRSA {
		return errors.New("sign: ssh signature uses ssh-rsa (SHA-1), which is refused")
	}
	data, err := signedData(namespace, s.HashAlg, msg)
	if err != nil {
		return err
	}
	if err := s.PublicKey.Verify(data, s.Signature); err != nil {
		return errors.New("sign: ssh signature does not verify")
	}
	return nil
}

// ErrMinisignKey reports a minisign secret key where an SSH key was wanted.
var ErrMinisignKey = errors.New("a minisign secret key, not an ssh key")

// LoadSSHSigner opens the SSH key at path for signing. A private key file is
// used directly (passphrase is called if it is encrypted); a public key file
// (KEY.pub) means "the matching key in ssh-agent", as with ssh-keygen -Y sign.
func LoadSSHSigner(path string, passphrase func() ([]byte, error)) (ssh.Signer, error) {
	data, mode, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(data); err == nil {
		return agentSigner(path, pub)
	}
	if publicKeyKind(data) == KindMinisign {
		return nil, &PublicKeyError{Path: path, Kind: KindMinisign}
	}
	if err := checkKeyPerm(path, mode); err != nil {
		return nil, err
	}
	key, err := ssh.ParseRawPrivateKey(data)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return nil, fmt.Errorf("sign: %s: %w", path, ErrEncrypted)
		}
		pass, perr := passphrase()
		if perr != nil {
			return nil, perr
		}
		key, err = ssh.ParseRawPrivateKeyWithPassphrase(data, pass)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, ErrDecrypt)
		}
	} else if err != nil {
		if _, merr := decodeSecretKey(data); merr == nil {
			return nil, fmt.Errorf("sign: %s: %w", path, ErrMinisignKey)
		}
		return nil, fmt.Errorf("sign: %s: not an ssh private key", path)
	}
	s, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", path, err)
	}
	return s, nil
}

func agentSigner(path string, pub ssh.PublicKey) (ssh.Signer, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, fmt.Errorf("sign: %s is a public key and no ssh-agent is running (SSH_AUTH_SOCK is unset)", path)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("sign: ssh-agent: %w", err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("sign: ssh-agent: %w", err)
	}
	for _, s := range signers {
		if bytes.Equal(s.PublicKey().Marshal(), pub.Marshal()) {
			return s, nil // the connection lives as long as the process
		}
	}
	conn.Close()
	return nil, fmt.Errorf("sign: ssh-agent has no key %s (%s)", ssh.FingerprintSHA256(pub), path)
}
