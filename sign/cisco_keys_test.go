package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParsePrivateKeyPEM(t *testing.T) {
	key := testKey(t, 1024)
	pkcs8, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	for _, tc := range []struct {
		name string
		in   []byte
		want string // error substring; "" = ok
	}{
		{"pkcs8", pkcs8, ""},
		{"pkcs1", pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)), ""},
		{"after a certificate block", append(pemBlock("CERTIFICATE", []byte{1}), pkcs8...), ""},
		{"ec", pemBlock("PRIVATE KEY", ecDER), "sign: private key is *ecdsa.PrivateKey, not RSA"},
		{"encrypted pkcs8", pemBlock("ENCRYPTED PRIVATE KEY", []byte{1}), "sign: encrypted private keys are not supported"},
		{"encrypted pkcs1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}}), "encrypted"},
		{"bad der", pemBlock("RSA PRIVATE KEY", []byte{1, 2, 3}), "sign: bad RSA private key"},
		{"public key only", pemBlock("PUBLIC KEY", []byte{1}), "sign: no RSA private key in PEM data"},
		{"not pem", []byte("hello"), "sign: no RSA private key in PEM data"},
		{"huge", bytes.Repeat([]byte{'a'}, MaxKeyFile+1), "sign: key file larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParsePrivateKeyPEM(tc.in)
			if tc.want == "" {
				if err != nil || !k.Equal(key) {
					t.Fatalf("ParsePrivateKeyPEM = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParsePrivateKeyPEM = %v, want %q", err, tc.want)
			}
		})
	}
}

// selfSigned makes a certificate for key.
func selfSigned(t *testing.T, key *rsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234567890), Subject: pkix.Name{CommonName: "lab signer", Organization: []string{"Example"}},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0), // expired: dates are not checked
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseTrustPEM(t *testing.T) {
	key, other := testKey(t, 1024), testKey(t, 2048)
	pub, err := MarshalPublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := MarshalPrivateKeyPEM(key)
	cert := pemBlock("CERTIFICATE", selfSigned(t, key))
	file, err := SignImage([]byte("payload"), "P0S3-8-12-00.sb2", key, SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _ := MarshalPublicKeyPEM(&other.PublicKey)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for _, tc := range []struct {
		name  string
		in    []byte
		count int
		want  string // error substring; "" = ok and verifies
	}{
		{"pkix", pub, 1, ""},
		{"pkcs1 public", pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey)), 1, ""},
		{"certificate", cert, 1, ""},
		{"private key", priv, 1, ""},
		{"several, the right one last", append(append([]byte(nil), otherPub...), cert...), 2, ""},
		{"ec public key", pemBlock("PUBLIC KEY", ecPub), 0, "sign: PEM block 1: public key is *ecdsa.PublicKey, not RSA"},
		{"bad certificate", append(append([]byte(nil), pub...), pemBlock("CERTIFICATE", []byte{1})...), 0, "sign: PEM block 2: bad certificate"},
		{"unknown block", pemBlock("OPENSSH PRIVATE KEY", []byte{1}), 0, `sign: PEM block 1: unsupported type "OPENSSH PRIVATE KEY"`},
		{"encrypted", pemBlock("ENCRYPTED PRIVATE KEY", []byte{1}), 0, "sign: PEM block 1: encrypted private keys are not supported"},
		{"empty", nil, 0, "sign: no public key or certificate in PEM data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ParseTrustPEM(tc.in)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("ParseTrustPEM = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil || len(keys) != tc.count {
				t.Fatalf("ParseTrustPEM = %d keys, %v", len(keys), err)
			}
			if err := VerifyImage(file, nil, keys...); err != nil {
				t.Fatalf("VerifyImage: %v", err)
			}
		})
	}
}
