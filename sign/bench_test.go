package sign

import (
	"bytes"
	"crypto"
	"testing"
)

// BenchmarkVerifyReader measures one streaming verification of an 8 MiB
// image (MB/s is the hash's speed; the RSA check is a constant).
func BenchmarkVerifyReader(b *testing.B) {
	key := testKey(b, 2048)
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA512} {
		file, err := SignImage(bytes.Repeat([]byte{0xA5}, 8<<20), "P0S3-8-12-00.sb2", key, SignOptions{Hash: h})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(h.String(), func(b *testing.B) {
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				if _, err := VerifyReader(bytes.NewReader(file), key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseHeader measures parsing a firmware-layout header.
func BenchmarkParseHeader(b *testing.B) {
	file, err := SignImage(nil, "P003-8-12-00.sbn", testKey(b, 2048), SignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHeader(file); err != nil {
			b.Fatal(err)
		}
	}
}
