package bundle_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"aead.dev/minisign"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/sign"
)

// Pack a tree into a signed zip, then verify it with the public key.
func ExamplePack() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "drop")
	os.Mkdir(src, 0o755)
	os.WriteFile(filepath.Join(src, "SIPDefault.cnf"), []byte("image_version: P0S3-8-12-00;\n"), 0o644)

	pub, priv, _ := sign.GenerateMinisignKey(nil)
	out := filepath.Join(dir, "bundle.zip")
	m, err := bundle.Pack(src, out, bundle.PackOptions{
		Name:    "lab",
		Time:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Signers: []sign.Signer{sign.MinisignSigner{Key: priv}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Name, m.Files, m.Created.Format(time.RFC3339))

	res, err := bundle.Verify(out, bundle.VerifyOptions{Trust: &sign.Trust{Minisign: []minisign.PublicKey{pub}}})
	fmt.Println(res.Valid, res.Files, err)
	// Output:
	// lab 1 2026-01-02T03:04:05Z
	// true 2 <nil>
}
