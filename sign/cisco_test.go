package sign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

var (
	keyOnce sync.Once
	keys    map[int]*rsa.PrivateKey
)

// testKey returns a cached RSA key of bits bits (generated once per run).
func testKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		keys = map[int]*rsa.PrivateKey{}
		for _, b := range []int{1024, 2048} {
			k, err := rsa.GenerateKey(rand.Reader, b)
			if err != nil {
				panic(err)
			}
			keys[b] = k
		}
	})
	return keys[bits]
}

// unhex decodes hex with spaces and newlines.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSignImageLayout pins the exact bytes firmware.md gives for every
// real header, up to the signature, then the file name and padding.
func TestSignImageLayout(t *testing.T) {
	key := testKey(t, 2048)
	payload := []byte("payload bytes")
	for _, tc := range []struct {
		name   string
		length int
		pad    int
	}{
		// Records end at 0x17d + 3 + name + NUL, padded to 4.
		{"P003-8-12-00.sbn", 0x194, 3},
		{"P0S3-8-12-00.sb2", 0x194, 3},
		{"P0S3-8-12-00.loads", 0x194, 1},
		{"jar41sip.9-4-2TH1-1.sbn", 0x198, 0},
		{"term41.default.loads", 0x198, 3},
		{"abc", 0x184, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := SignImage(payload, tc.name, key, SignOptions{})
			if err != nil {
				t.Fatal(err)
			}
			prefix := unhex(t, `01 0002 0101  02 0002`)
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("prefix % x", out[:10])
			}
			fixed := unhex(t, `03 005B 04 0027`+hex.EncodeToString([]byte("CN=someSigner;OU=someOrgUnit;O=someOrg\x00"))+
				`05 0008 1234567890ABCDEF 06 0023`+hex.EncodeToString([]byte("CN=someCA;OU=someOrgUnit;O=someOrg\x00"))+
				`07 000F 08 0001 01 09 0008 0A 0001 00 0B 0001 02 0C 0100`)
			if got := out[10 : 10+len(fixed)]; !bytes.Equal(got, fixed) {
				t.Fatalf("records:\n got % x\nwant % x", got, fixed)
			}
			off := 10 + len(fixed) + 256
			name := append([]byte{0x0E, 0, byte(len(tc.name) + 1)}, tc.name...)
			name = append(name, 0)
			if got := out[off : off+len(name)]; !bytes.Equal(got, name) {
				t.Fatalf("file name record % x, want % x", got, name)
			}
			off += len(name)
			n := int(out[8])<<8 | int(out[9])
			if n != tc.length || n-off != tc.pad {
				t.Fatalf("header length 0x%x after records ending at 0x%x", n, off)
			}
			for _, c := range out[off:n] {
				if c != 0x0D {
					t.Fatalf("padding % x", out[off:n])
				}
			}
			if !bytes.Equal(out[n:], payload) {
				t.Fatalf("payload % x", out[n:])
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	key := testKey(t, 2048)
	other := testKey(t, 1024)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 100)
	for _, hash := range []crypto.Hash{0, crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		t.Run(hash.String(), func(t *testing.T) {
			out, err := SignImage(payload, "P0S3-8-12-00.sb2", key, SignOptions{Hash: hash})
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyImage(out, nil, &key.PublicKey); err != nil {
				t.Fatalf("VerifyImage: %v", err)
			}
			if err := VerifyImage(out, nil, other, key); err != nil {
				t.Fatalf("VerifyImage with a second trusted key: %v", err)
			}
			if err := VerifyImage(out, nil, &other.PublicKey); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("VerifyImage with another key: %v, want ErrBadSignature", err)
			}
			h, err := VerifyReader(bytes.NewReader(out), &key.PublicKey)
			if err != nil {
				t.Fatalf("VerifyReader: %v", err)
			}
			want := hash
			if want == 0 {
				want = crypto.SHA1
			}
			if h.Hash != want || h.PayloadOffset() != 0x194 || !bytes.Equal(out[h.PayloadOffset():], payload) {
				t.Fatalf("header %+v", h)
			}
			again, err := SignImage(payload, "P0S3-8-12-00.sb2", key, SignOptions{Hash: hash})
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("signing is not deterministic (err %v)", err)
			}
		})
	}
}

// TestTamper: every single-byte change, every truncation and any appended
// byte of a signed file makes verification (or parsing) fail.
func TestTamper(t *testing.T) {
	key := testKey(t, 1024)
	for _, hash := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		t.Run(hash.String(), func(t *testing.T) {
			file, err := SignImage([]byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n"), "P0S3-8-12-00.loads", key, SignOptions{Hash: hash, Timestamp: 1})
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyImage(file, nil, key); err != nil {
				t.Fatal(err)
			}
			b := bytes.Clone(file)
			for i := range b {
				for _, x := range []byte{0x01, 0x80, 0xFF} {
					b[i] ^= x
					if err := VerifyImage(b, nil, key); err == nil {
						t.Fatalf("byte 0x%x ^ %#x: still verifies", i, x)
					}
					if _, err := VerifyReader(bytes.NewReader(b), key); err == nil {
						t.Fatalf("byte 0x%x ^ %#x: VerifyReader still verifies", i, x)
					}
					b[i] ^= x
				}
			}
			for n := range len(file) {
				if err := VerifyImage(file[:n], nil, key); err == nil {
					t.Fatalf("truncated to %d bytes: still verifies", n)
				}
				if _, err := VerifyReader(bytes.NewReader(file[:n]), key); err == nil {
					t.Fatalf("truncated to %d bytes: VerifyReader still verifies", n)
				}
			}
			if err := VerifyImage(append(bytes.Clone(file), 0), nil, key); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("appended byte: %v", err)
			}
		})
	}
}

// TestVerifyErrors names what failed: no key, another key size, another
// algorithm, a header that does not belong to the bytes.
func TestVerifyErrors(t *testing.T) {
	key, small := testKey(t, 2048), testKey(t, 1024)
	file, err := SignImage([]byte("x"), "a.sbn", key, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := ParseHeader(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyImage(file, h); !errors.Is(err, ErrNoTrustedKey) {
		t.Errorf("no key: %v", err)
	}
	err = VerifyImage(file, h, small)
	if !errors.Is(err, ErrBadSignature) || err.Error() != "sign: signature does not verify: signed with a 2048-bit key, no trusted key has that size" {
		t.Errorf("small key: %v", err)
	}
	if err := VerifyImage(file, h, "not a key"); err == nil || err.Error() != "sign: unsupported trusted key type string (want RSA)" {
		t.Errorf("string key: %v", err)
	}
	if err := VerifyImage(file[:100], h, key); err == nil || err.Error() != "sign: header does not match the bytes given" {
		t.Errorf("short bytes: %v", err)
	}
	alg := *h
	alg.Algorithm = 1
	if err := VerifyImage(file, &alg, key); !errors.Is(err, ErrBadSignature) {
		t.Errorf("algorithm 1: %v", err)
	}
	// A header taken from another file never verifies these bytes.
	other, _ := SignImage([]byte("y"), "a.sbn", key, SignOptions{})
	oh, _ := ParseHeader(other)
	if err := VerifyImage(file, oh, key); !errors.Is(err, ErrBadSignature) {
		t.Errorf("foreign header: %v", err)
	}
}

func TestSignImageErrors(t *testing.T) {
	key := testKey(t, 1024)
	odd, err := rsa.GenerateKey(rand.Reader, 1536)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file string
		key        *rsa.PrivateKey
		opts       SignOptions
		want       string
	}{
		{"empty name", "", key, SignOptions{}, "sign: empty file name"},
		{"path", "dir/a.sbn", key, SignOptions{}, `sign: file name "dir/a.sbn" is not a base name`},
		{"backslash", `dir\a.sbn`, key, SignOptions{}, "is not a base name"},
		{"dotdot", "..", key, SignOptions{}, "is not a base name"},
		{"long", strings.Repeat("a", MaxFileName+1), key, SignOptions{}, "sign: file name longer than 255 bytes"},
		{"nil key", "a", nil, SignOptions{}, "sign: no signing key"},
		{"1536-bit key", "a", odd, SignOptions{}, "sign: 1536-bit key: the header can only carry 512, 1024, 2048 or 4096-bit RSA keys"},
		{"md5", "a", key, SignOptions{Hash: crypto.MD5}, "sign: unsupported hash MD5 (want SHA-1, SHA-256 or SHA-512)"},
		{"NUL in signer", "a", key, SignOptions{Signer: "a\x00b"}, "sign: header: NUL inside signer name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignImage([]byte("x"), tc.file, tc.key, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SignImage = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseHash(t *testing.T) {
	for in, want := range map[string]crypto.Hash{"sha1": crypto.SHA1, "SHA-256": crypto.SHA256, "sha512": crypto.SHA512} {
		if got, err := ParseHash(in); err != nil || got != want {
			t.Errorf("ParseHash(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseHash("md5"); err == nil {
		t.Error("md5 accepted")
	}
}

// TestSignReaderLarge signs a payload streamed from a reader, without
// holding it, and matches SignImage.
func TestSignReaderLarge(t *testing.T) {
	key := testKey(t, 1024)
	payload := bytes.Repeat([]byte{0x5a}, 3<<20)
	hdr, err := SignReader(iotest.HalfReader(bytes.NewReader(payload)), "big.sbn", key, SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := SignImage(payload, "big.sbn", key, SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hdr, whole[:len(hdr)]) {
		t.Fatal("SignReader header differs from SignImage's")
	}
	if _, err := SignReader(iotest.ErrReader(errors.New("disk on fire")), "a", key, SignOptions{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: %v", err)
	}
}
