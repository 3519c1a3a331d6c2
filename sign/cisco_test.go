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
