package sign

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// MaxKeyFile caps the size of a PEM key or certificate file the key
// readers accept; real ones are a few KiB.
const MaxKeyFile = 1 << 20

// ParsePrivateKeyPEM reads an RSA private key from PEM: PKCS#1 ("RSA
// PRIVATE KEY") or PKCS#8 ("PRIVATE KEY"). Encrypted keys are refused.
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	if len(data) > MaxKeyFile {
		return nil, fmt.Errorf("sign: key file larger than %d bytes", MaxKeyFile)
	}
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("sign: no RSA private key in PEM data")
		}
		if _, ok := b.Headers["DEK-Info"]; ok || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("sign: encrypted private keys are not supported: decrypt it first (openssl pkey -in key.pem -out plain.pem)")
		}
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sign: bad RSA private key: %w", err)
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sign: bad private key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, fmt.Errorf("sign: private key is %T, not RSA", k)
			}
			return rk, nil
		}
	}
}

// MarshalPrivateKeyPEM encodes key as a PKCS#8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM encodes pub as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKeyPEM(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParseTrustPEM reads every trusted key in PEM data: "PUBLIC KEY" (PKIX),
// "RSA PUBLIC KEY" (PKCS#1), "CERTIFICATE" (X.509; its key is trusted,
// validity dates and chains are not checked: firmware keys are pinned, not
// chained) and, for lab convenience, private keys (their public half). Each
// key comes back as *rsa.PublicKey or *x509.Certificate, ready for
// VerifyImage. Non-RSA keys are an error, not silently skipped.
func ParseTrustPEM(data []byte) ([]crypto.PublicKey, error) {
	if len(data) > MaxKeyFile {
		return nil, fmt.Errorf("sign: key file larger than %d bytes", MaxKeyFile)
	}
	var keys []crypto.PublicKey
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n := len(keys) + 1
		switch b.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sign: PEM block %d: bad public key: %w", n, err)
			}
			rk, ok := k.(*rsa.PublicKey)
			if !ok {
				return nil, fmt.Errorf("sign: PEM block %d: public key is %T, not RSA", n, k)
			}
			keys = append(keys, rk)
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sign: PEM block %d: bad RSA public key: %w", n, err)
			}
			keys = append(keys, k)
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("sign: PEM block %d: bad certificate: %w", n, err)
			}
			if _, ok := c.PublicKey.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("sign: PEM block %d: certificate %q has no RSA key", n, c.Subject.String())
			}
			keys = append(keys, c)
		case "RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
			k, err := ParsePrivateKeyPEM(pem.EncodeToMemory(b))
			if err != nil {
				return nil, fmt.Errorf("sign: PEM block %d: %w", n, unprefix(err))
			}
			keys = append(keys, &k.PublicKey)
		default:
			return nil, fmt.Errorf("sign: PEM block %d: unsupported type %q", n, b.Type)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("sign: no public key or certificate in PEM data")
	}
	return keys, nil
}

// unprefix drops the "sign: " of a nested error so it is not repeated.
func unprefix(err error) error {
	const p = "sign: "
	if s := err.Error(); len(s) > len(p) && s[:len(p)] == p {
		return errors.New(s[len(p):])
	}
	return err
}
