package bundle

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/phoneload/phoneload/sign"
)

// FuzzVerifySigned verifies a bundle directory whose SHA256SUMS and
// bundle.json are arbitrary bytes signed by a trusted key: the parser and
// the content and policy checks run on what a careless (or compromised)
// signer could produce. Verify must not panic, and a valid verdict must be
// true: every file of the directory listed with its hash, bundle.json
// parsed and within policy.
func FuzzVerifySigned(f *testing.F) {
	k := newTestKeys(f, 1)
	_, out := packDir(f, k)
	sums, _ := os.ReadFile(filepath.Join(out, SumsName))
	manifest, _ := os.ReadFile(filepath.Join(out, ManifestName))
	f.Add(sums, manifest)
	f.Add([]byte(""), []byte("{}"))
	f.Add(sums[:len(sums)/2], manifest[:10])
	os.Remove(filepath.Join(out, "SHA256SUMS.sig"))
	now := time.Unix(1700000000, 0)
	trust := &sign.Trust{}
	*trust = *k.trust()
	f.Fuzz(func(t *testing.T, sums, manifest []byte) {
		if len(sums) > 1<<16 || len(manifest) > 1<<16 {
			return
		}
		sig, _ := sign.MinisignSigner{Key: k.mpriv}.Sign(sums, now)
		for name, data := range map[string][]byte{SumsName: sums, "SHA256SUMS.minisig": sig, ManifestName: manifest} {
			if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Verify(out, VerifyOptions{Trust: trust, Now: now})
		if err != nil || !res.Valid {
			return
		}
		listed, perr := ParseSums(sums)
		if perr != nil || res.Bundle == nil {
			t.Fatalf("valid with unparsable SHA256SUMS (%v) or no bundle.json", perr)
		}
		onDisk := 0
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if rel, _ := filepath.Rel(out, p); !isBundleFile(filepath.ToSlash(rel)) {
					onDisk++
				}
			}
			return nil
		})
		if onDisk != len(listed) {
			t.Fatalf("valid, but %d files on disk and %d listed", onDisk, len(listed))
		}
		for _, s := range listed {
			data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(s.Name)))
			if err != nil || sha256.Sum256(data) != s.SHA256 {
				t.Fatalf("valid, but %s does not match: %v", s.Name, err)
			}
		}
	})
}
