package cmd

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/phoneload/phoneload/sign"
)

// A minisign key ID is not covered by a signature: one key written twice
// under two IDs is one signer. verify and publish must refuse a --threshold
// that only counting IDs could meet, as a usage error, before reading any
// bundle.
func TestThresholdCountsKeysNotIDs(t *testing.T) {
	dir := t.TempDir()
	pub, _, err := sign.GenerateMinisignKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(pub.String())
	raw[2] ^= 0xff // another key ID, the same public key
	var alias minisign.PublicKey
	if err := alias.UnmarshalText([]byte(base64.StdEncoding.EncodeToString(raw))); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.pub"), filepath.Join(dir, "b.pub")
	os.WriteFile(a, sign.MarshalMinisignPublicKey(pub), 0o644)
	os.WriteFile(b, sign.MarshalMinisignPublicKey(alias), 0o644)
	root := filepath.Join(dir, "root")

	for _, args := range [][]string{
		{"verify", "--pub", a, "--pub", b, "--threshold", "2", filepath.Join(dir, "no-bundle")},
		{"publish", "--pub", a, "--pub", b, "--threshold", "2", filepath.Join(dir, "no-bundle"), root},
	} {
		var stdout, stderr bytes.Buffer
		code := Run(args, strings.NewReader(""), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "only 1 distinct trusted key") {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 naming 1 distinct key", args[0], code, stderr.String())
		}
	}
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("publish touched the root: %v", err)
	}
}
