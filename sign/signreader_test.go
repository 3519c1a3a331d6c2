package sign

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
)

// TestSignReaderSameBytes: signing a message read from a reader (what
// pack does with SHA256SUMS, streamed from a file) gives exactly the
// bytes of signing it in memory, for both kinds and every SSH key type
// (Ed25519 and RSA PKCS#1 v1.5 are deterministic; ECDSA is not, so it is
// checked by verifying instead), and the streamed signature verifies.
func TestSignReaderSameBytes(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789abcdef  some/name.cfg\n"), 100_000)
	when := time.Unix(1700000000, 0)
	_, mk, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signers := []ReaderSigner{MinisignSigner{Key: mk}}
	for _, s := range newSSHSigners(t) {
		signers = append(signers, SSHSigner{Signer: s})
	}
	for _, s := range signers {
		a, err := s.Sign(msg, when)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.SignReader(iotestHalf(msg), when)
		if err != nil {
			t.Fatal(err)
		}
		if s.Kind() == KindMinisign {
			if !bytes.Equal(a, b) {
				t.Errorf("minisign: SignReader differs from Sign")
			}
			sig, err := ParseMinisignSignature(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := sig.Verify(mk.Public().(minisign.PublicKey), msg); err != nil {
				t.Error(err)
			}
			continue
		}
		ss := s.(SSHSigner)
		if ss.Signer.PublicKey().Type() != "ecdsa-sha2-nistp256" && !bytes.Equal(a, b) {
			t.Errorf("ssh %s: SignReader differs from Sign", ss.Signer.PublicKey().Type())
		}
		sig, err := ParseSSHSignature(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := sig.Verify(Namespace, msg); err != nil {
			t.Errorf("ssh %s: %v", ss.Signer.PublicKey().Type(), err)
		}
		if err := sig.Verify(Namespace, append(msg[:len(msg):len(msg)], 'x')); err == nil {
			t.Errorf("ssh %s: verifies another message", ss.Signer.PublicKey().Type())
		}
	}
	// A read error is an error, not a signature of what was read.
	boom := errors.New("boom")
	for _, s := range signers {
		if _, err := s.SignReader(io.MultiReader(strings.NewReader("abc"), errReader{boom}), when); !errors.Is(err, boom) {
			t.Errorf("%s: SignReader after a read error: %v", s.Kind(), err)
		}
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// iotestHalf reads msg in small, odd pieces.
func iotestHalf(msg []byte) io.Reader {
	return io.LimitReader(&oddReader{b: msg}, int64(len(msg)))
}

type oddReader struct{ b []byte }

func (r *oddReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 1237)], r.b)
	r.b = r.b[n:]
	return n, nil
}
