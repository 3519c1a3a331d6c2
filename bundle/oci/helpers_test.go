package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/sign"
)

type testKey struct {
	pub  minisign.PublicKey
	priv minisign.PrivateKey
}

func newKey(t testing.TB, seed byte) testKey {
	t.Helper()
	pub, priv, err := sign.GenerateMinisignKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return testKey{pub, priv}
}

func (k testKey) trust() *sign.Trust { return &sign.Trust{Minisign: []minisign.PublicKey{k.pub}} }

// image is deterministic incompressible-looking content.
func image(name string, n int) []byte {
	b := make([]byte, n)
	var block [32]byte
	for i := 0; i < n; i += 32 {
		block = sha256.Sum256(append([]byte(name), byte(i), byte(i>>8), byte(i>>16), byte(i>>24)))
		copy(b[i:], block[:])
	}
	return b
}

// release is a small TFTP root: one large firmware image, a few configs.
func release(ver string, imageSize int) map[string][]byte {
	load := "P0S3-8-12-00"
	return map[string][]byte{
		load + ".sb2":               image("app", imageSize),
		"P003-8-12-00.sbn":          image("loader", imageSize/8),
		load + ".loads":             []byte("P003-8-12-00.sbn\n" + load + ".sb2\n"),
		"SIPDefault.cnf":            []byte("image_version: " + load + "\n# " + ver + "\n"),
		"OS79XX.TXT":                []byte(load + "\n"),
		"rings/Chirp1.raw":          image("chirp", 2000),
		"SIP001122334455.cnf":       []byte("line1_name: 100\n"),
		"same-as-SIP001122334455.x": []byte("line1_name: 100\n"), // duplicate content: one blob
	}
}

// packBundle packs files as a signed bundle (a directory, or a zip when
// out ends in .zip) with the given sequence.
func packBundle(t testing.TB, k testKey, files map[string][]byte, seq uint64, out string) string {
	t.Helper()
	src := t.TempDir()
	for name, data := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := bundle.Pack(src, out, bundle.PackOptions{
		Name: "lab", Time: time.Unix(1700000000+int64(seq), 0), Tool: "phoneload test", Sequence: seq,
		Signers: []sign.Signer{sign.MinisignSigner{Key: k.priv}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func verifyOpts(k testKey) *bundle.VerifyOptions {
	return &bundle.VerifyOptions{Trust: k.trust()}
}

func pushOpts(k testKey, o Options) PushOptions {
	return PushOptions{Options: o, Verify: verifyOpts(k)}
}

func pullOpts(k testKey, o Options) PullOptions {
	return PullOptions{Options: o, Verify: bundle.VerifyOptions{Trust: k.trust()}}
}

func mustRef(t testing.TB, s string) Ref {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var bg = context.Background()

// assertTree checks that dir holds exactly files (plus the bundle's own).
func assertTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: content differs", name)
		}
	}
}

func assertAbsent(t testing.TB, p string) {
	t.Helper()
	if _, err := os.Lstat(p); err == nil {
		t.Errorf("%s exists; a failed pull must write nothing", p)
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	for _, e := range ents {
		if len(e.Name()) > 15 && e.Name()[:15] == ".phoneload-pull" {
			t.Errorf("staging directory %s left behind", e.Name())
		}
	}
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
