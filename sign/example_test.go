package sign_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/phoneload/phoneload/sign"
)

// Sign a loader image for a lab phone with your own key, then read the
// header back.
func ExampleSignImage() {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	bin := []byte("the bytes of P003-8-12-00.bin")
	sbn, err := sign.SignImage(bin, "P003-8-12-00.sbn", key, sign.SignOptions{})
	if err != nil {
		panic(err)
	}
	h, err := sign.ParseHeader(sbn)
	if err != nil {
		panic(err)
	}
	fmt.Printf("header 0x%x bytes, %s, %d-bit key, signed as %s\n", h.Length, h.Hash, h.KeySize*8, h.FileName)
	fmt.Printf("payload is the .bin: %v\n", string(sbn[h.PayloadOffset():]) == string(bin))
	// Output:
	// header 0x194 bytes, SHA-1, 2048-bit key, signed as P003-8-12-00.sbn
	// payload is the .bin: true
}

// Verify a signed file against a trusted key, and catch a renamed file.
func ExampleVerifyImage() {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	file, err := sign.SignImage([]byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n"),
		"P0S3-8-12-00.loads", key, sign.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		panic(err)
	}
	h, err := sign.ParseHeader(file)
	if err != nil {
		panic(err)
	}
	fmt.Println("verify:", sign.VerifyImage(file, h, &key.PublicKey))
	fmt.Println("name:", h.CheckName("P0S3-08-12-00.loads"))

	file[len(file)-2] ^= 1 // change the LA_VERSION
	err = sign.VerifyImage(file, h, &key.PublicKey)
	fmt.Println("tampered:", err, errors.Is(err, sign.ErrBadSignature))
	// Output:
	// verify: <nil>
	// name: sign: file name does not match the signed name: P0S3-08-12-00.loads is signed as "P0S3-8-12-00.loads"
	// tampered: sign: signature does not verify true
}

// ParseHeader tells a signed file from anything else.
func ExampleParseHeader() {
	_, err := sign.ParseHeader([]byte("P003-8-12-00\n"))
	fmt.Println(err, errors.Is(err, sign.ErrNotSigned))
	// Output:
	// sign: not a Cisco signed file true
}
