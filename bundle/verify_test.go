package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle/drop"

	"aead.dev/minisign"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zip"

	"github.com/phoneload/phoneload/sign"
)

// packZip packs the test tree into a bundle zip.
func packZip(t testing.TB, k testKeys) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	writeTree(t, src, nil)
	zp := filepath.Join(t.TempDir(), "b.zip")
	if _, err := Pack(src, zp, packOpts(k)); err != nil {
		t.Fatal(err)
	}
	return zp
}

func packDir(t testing.TB, k testKeys) (src, out string) {
	t.Helper()
	src = filepath.Join(t.TempDir(), "src")
	writeTree(t, src, nil)
	out = filepath.Join(t.TempDir(), "bundle")
	if _, err := Pack(src, out, packOpts(k)); err != nil {
		t.Fatal(err)
	}
	return src, out
}

// mentions reports whether the verdict names file: in the error, a problem,
// or a signature result.
func mentions(res *VerifyResult, err error, file string) bool {
	if err != nil && strings.Contains(err.Error(), file) {
		return true
	}
	if res == nil {
		return false
	}
	for _, p := range res.Problems {
		if p.File == file || p.From == file {
			return true
		}
	}
	return false
}

// The tamper matrix: every single-byte flip and every truncation of every
// file of a packed bundle is rejected, naming the file. The untrusted
// comment line of a .minisig is, by minisign's design, not signed: flips
// there are the one thing that must still verify.
func TestTamperMatrix(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	opts := VerifyOptions{Trust: k.trust(), Threshold: 2, Now: time.Unix(1700000000, 0)}
	if _, err := Verify(out, opts); err != nil {
		t.Fatalf("pristine bundle: %v", err)
	}
	var names []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	checks := 0
	for _, name := range names {
		p := filepath.Join(out, filepath.FromSlash(name))
		orig, _ := os.ReadFile(p)
		unsigned := 0 // bytes of the minisign untrusted comment text
		if strings.HasSuffix(name, ".minisig") {
			unsigned = strings.IndexByte(string(orig), '\n')
		}
		try := func(what string, data []byte, mustFail bool) {
			t.Helper()
			os.WriteFile(p, data, 0o644)
			res, err := Verify(out, opts)
			checks++
			if !mustFail {
				if err != nil {
					t.Errorf("%s %s: %v", name, what, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s %s: accepted", name, what)
			}
			// A signature file's damage shows as a signature failure naming
			// it; SHA256SUMS's as a failure of the signatures over it.
			if !mentions(res, err, name) {
				t.Fatalf("%s %s: error does not name the file: %v (%+v)", name, what, err, res.Problems)
			}
		}
		for i := range orig {
			b := append([]byte(nil), orig...)
			b[i] ^= 0x01
			prefix := len("untrusted comment: ")
			try("flip at "+itoa(i), b, !(i >= prefix && i < unsigned))
		}
		for n := 0; n < len(orig); n++ {
			try("truncated to "+itoa(n), orig[:n], true)
		}
		os.WriteFile(p, orig, 0o644)
	}
	t.Logf("%d tampered bundles rejected", checks)
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestVerifyTreeChanges(t *testing.T) {
	k := newTestKeys(t, 1)
	opts := VerifyOptions{Trust: k.trust()}
	tests := []struct {
		name   string
		change func(dir string)
		want   []FileProblem
	}{
		{"renamed", func(d string) {
			os.Rename(filepath.Join(d, "SIPDefault.cnf"), filepath.Join(d, "sipdefault.cnf"))
		}, []FileProblem{{Kind: Renamed, File: "sipdefault.cnf", From: "SIPDefault.cnf"}}},
		{"added", func(d string) {
			os.WriteFile(filepath.Join(d, "ringtones", "new.raw"), []byte("x"), 0o644)
		}, []FileProblem{{Kind: Extra, File: "ringtones/new.raw"}}},
		{"removed", func(d string) {
			os.Remove(filepath.Join(d, "P0S3-08-12-00.loads"))
		}, []FileProblem{{Kind: Missing, File: "P0S3-08-12-00.loads"}}},
		{"emptied", func(d string) {
			os.WriteFile(filepath.Join(d, "SIPDefault.cnf"), nil, 0o644)
		}, []FileProblem{{Kind: Modified, File: "SIPDefault.cnf"}}},
		{"symlink", func(d string) {
			os.Remove(filepath.Join(d, "SIPDefault.cnf"))
			os.Symlink("SIP00112233AABB.cnf", filepath.Join(d, "SIPDefault.cnf"))
		}, []FileProblem{{Kind: Modified, File: "SIPDefault.cnf", Detail: "not a regular file"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out := packDir(t, k)
			tt.change(out)
			res, err := Verify(out, opts)
			if !errors.Is(err, ErrContent) {
				t.Fatalf("err = %v, want ErrContent", err)
			}
			for i := range res.Problems {
				if tt.want[0].Detail == "" {
					res.Problems[i].Detail = ""
				}
			}
			if len(res.Problems) != 1 || res.Problems[0] != tt.want[0] {
				t.Errorf("problems = %+v, want %+v", res.Problems, tt.want)
			}
		})
	}
}

func TestVerifySignaturePolicy(t *testing.T) {
	k := newTestKeys(t, 1)
	other := newTestKeys(t, 9)
	src, out := packDir(t, k)

	// Wrong key: the key found and the keys trusted are both named.
	_, err := Verify(out, VerifyOptions{Trust: &sign.Trust{Minisign: []minisign.PublicKey{other.mpub}}})
	if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), sign.KeyID(k.mpub.ID())) || !strings.Contains(err.Error(), sign.KeyID(other.mpub.ID())) {
		t.Errorf("wrong key: %v", err)
	}
	// A signature swapped in from another bundle of the same files.
	out2 := filepath.Join(t.TempDir(), "b2")
	o := packOpts(k)
	o.Sequence = 8
	if _, err := Pack(src, out2, o); err != nil {
		t.Fatal(err)
	}
	sig2, _ := os.ReadFile(filepath.Join(out2, "SHA256SUMS.minisig"))
	os.WriteFile(filepath.Join(out, "SHA256SUMS.minisig"), sig2, 0o644)
	res, err := Verify(out, VerifyOptions{Trust: &sign.Trust{Minisign: []minisign.PublicKey{k.mpub}}})
	if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "SHA256SUMS.minisig") || res.Signatures[0].Status != "bad" {
		t.Errorf("swapped signature: %v", err)
	}
	// Threshold above the good signatures; threshold above the trusted keys.
	if _, err := Verify(out2, VerifyOptions{Trust: k.trust(), Threshold: 2}); err != nil {
		t.Errorf("threshold 2 with two signers: %v", err)
	}
	if _, err := Verify(out2, VerifyOptions{Trust: &sign.Trust{Minisign: []minisign.PublicKey{k.mpub, other.mpub}}, Threshold: 2}); !errors.Is(err, ErrSignature) {
		t.Errorf("threshold 2 with one trusted signer: %v", err)
	}
	if _, err := Verify(out2, VerifyOptions{Trust: k.trust(), Threshold: 3}); err == nil || errors.Is(err, ErrSignature) {
		t.Errorf("threshold over trusted keys: %v", err)
	}
	// Sequence and expiry.
	if _, err := Verify(out2, VerifyOptions{Trust: k.trust(), MinSequence: 9}); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "sequence 8") {
		t.Errorf("min sequence: %v", err)
	}
	o.Expires = o.Time.Add(24 * time.Hour)
	out3 := filepath.Join(t.TempDir(), "b3.zip")
	if _, err := Pack(src, out3, o); err != nil {
		t.Fatal(err)
	}
	out4 := filepath.Join(t.TempDir(), "b4")
	if _, err := Pack(src, out4, o); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(out4, VerifyOptions{Trust: k.trust(), Now: o.Time.Add(time.Hour)}); err != nil {
		t.Errorf("not yet expired: %v", err)
	}
	if _, err := Verify(out4, VerifyOptions{Trust: k.trust(), Now: o.Time.Add(48 * time.Hour)}); !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
	// No signature at all.
	os.Remove(filepath.Join(out4, "SHA256SUMS.minisig"))
	os.Remove(filepath.Join(out4, "SHA256SUMS.sig"))
	if _, err := Verify(out4, VerifyOptions{Trust: k.trust()}); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "no signature") {
		t.Errorf("unsigned: %v", err)
	}
}

// A live TFTP root published from the bundle (publish copies the tree, not
// SHA256SUMS, bundle.json or the signatures): other files are reported as
// unlisted, not as errors, and the journal directory is ignored.
func TestVerifyRoot(t *testing.T) {
	k := newTestKeys(t, 1)
	src, out := packDir(t, k)
	root := t.TempDir()
	writeTree(t, root, nil)
	os.WriteFile(filepath.Join(root, "SEP001122334455.cnf.xml"), []byte("<device/>"), 0o644)
	os.MkdirAll(filepath.Join(root, drop.StateDir), 0o755)
	os.WriteFile(filepath.Join(root, drop.StateDir, "state.json"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(root, SumsName), []byte("stale copy"), 0o644)
	res, err := Verify(out, VerifyOptions{Trust: k.trust(), Root: root})
	if err != nil {
		t.Fatalf("root: %v", err)
	}
	if len(res.Unlisted) != 1 || res.Unlisted[0] != "SEP001122334455.cnf.xml" || res.Bundle == nil {
		t.Errorf("unlisted = %v, bundle = %v", res.Unlisted, res.Bundle)
	}
	// Without Root, the same extra file in a bundle directory is an error.
	os.WriteFile(filepath.Join(out, "SEP001122334455.cnf.xml"), []byte("<device/>"), 0o644)
	if _, err := Verify(out, VerifyOptions{Trust: k.trust()}); !errors.Is(err, ErrContent) {
		t.Errorf("extra file in a bundle accepted: %v", err)
	}
	os.Remove(filepath.Join(out, "SEP001122334455.cnf.xml"))
	// A changed and a missing file in the root.
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("changed\n"), 0o644)
	os.Remove(filepath.Join(root, "P0S3-08-12-00.loads"))
	res, err = Verify(out, VerifyOptions{Trust: k.trust(), Root: root})
	if !errors.Is(err, ErrContent) || len(res.Problems) != 2 || res.Problems[0].File != "P0S3-08-12-00.loads" || res.Problems[1].File != "SIPDefault.cnf" {
		t.Errorf("root with problems: %v %+v", err, res.Problems)
	}
	// A bundle directory copied whole into the root, checked against itself.
	if _, err := Verify(out, VerifyOptions{Trust: k.trust(), Root: out}); err != nil {
		t.Errorf("bundle as its own root: %v", err)
	}
	// The bundle as a zip works the same.
	zp := filepath.Join(t.TempDir(), "b.zip")
	if _, err := Pack(src, zp, packOpts(k)); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(zp, VerifyOptions{Trust: k.trust(), Root: root}); !errors.Is(err, ErrContent) {
		t.Errorf("zip + root: %v", err)
	}
}

func TestVerifyZip(t *testing.T) {
	k := newTestKeys(t, 1)
	zp := packZip(t, k)
	res, err := Verify(zp, VerifyOptions{Trust: k.trust(), Threshold: 2})
	if err != nil || !res.Valid || res.Files != 7 {
		t.Fatalf("zip: %v %+v", err, res)
	}
	// Tampering with the zip's bytes: every flip inside an entry's data is
	// caught (CRC, inflate, hashes or signatures). Flips in zip metadata
	// that no reader uses for content (times, version made by) may pass:
	// what is signed is the files, not their container.
	orig, _ := os.ReadFile(zp)
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	inData := func(i int) string {
		for _, f := range zr.File {
			off, _ := f.DataOffset()
			if int64(i) >= off && int64(i) < off+int64(f.CompressedSize64) {
				return f.Name
			}
		}
		return ""
	}
	for i := 0; i < len(orig); i++ {
		name := inData(i)
		if name == "" && i%5 != 0 {
			continue // metadata: sample it
		}
		b := append([]byte(nil), orig...)
		b[i] ^= 0x01
		os.WriteFile(zp, b, 0o644)
		res, err := Verify(zp, VerifyOptions{Trust: k.trust(), Threshold: 2})
		if name != "" && err == nil && !sameEntry(t, orig, b, name) {
			// Unused padding bits at the end of a deflate stream change
			// no content; anything else must be refused.
			t.Fatalf("flip at %d in %s accepted", i, name)
		}
		if err == nil {
			continue
		}
		if name != "" && !mentions(res, err, name) {
			t.Fatalf("flip at %d in %s: error does not name it: %v", i, name, err)
		}
	}
	os.WriteFile(zp, orig, 0o644)
}

func sameEntry(t *testing.T, a, b []byte, name string) bool {
	read := func(z []byte) []byte {
		zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
		if err != nil {
			return nil
		}
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return nil
				}
				d, err := io.ReadAll(rc)
				if err != nil {
					return nil
				}
				return d
			}
		}
		return nil
	}
	x, y := read(a), read(b)
	return x != nil && bytes.Equal(x, y)
}

// The --json schema (docs/bundle-format.md, phoneload.verify/v1) is pinned:
// renaming a field is a breaking change that must show up here.
func TestVerifyResultJSONSchema(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	os.WriteFile(filepath.Join(out, "SIPDefault.cnf"), []byte("x"), 0o644)
	res, _ := Verify(out, VerifyOptions{Trust: k.trust()})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(b, &doc)
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"bundle", "bytes", "files", "path", "policy", "problems", "signatures", "signers", "threshold", "trusted", "unlisted", "valid"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("top-level keys (-want +got):\n%s", d)
	}
	sig := doc["signatures"].([]any)[0].(map[string]any)
	if d := cmp.Diff(map[string]any{"file": "SHA256SUMS.minisig", "kind": "minisign", "key_id": sign.KeyID(k.mpub.ID()), "status": "good"}, sig); d != "" {
		t.Errorf("signature (-want +got):\n%s", d)
	}
	p := doc["problems"].([]any)[0].(map[string]any)
	delete(p, "detail")
	if d := cmp.Diff(map[string]any{"kind": "modified", "file": "SIPDefault.cnf"}, p); d != "" {
		t.Errorf("problem (-want +got):\n%s", d)
	}
}

// A threshold counts distinct public keys. One key holder must not reach
// threshold 2 with a second signature file relabelled to another key ID
// (minisign key IDs are not signed), nor with the same Ed25519 key as
// minisign and SSH signer.
func TestVerifyThresholdCountsKeys(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	sig, err := os.ReadFile(filepath.Join(out, "SHA256SUMS.minisig"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(sig), "\n", 3)
	raw, _ := base64.StdEncoding.DecodeString(lines[1])
	raw[2] ^= 0xff
	relabelled := lines[0] + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n" + lines[2]
	if err := os.WriteFile(filepath.Join(out, "SHA256SUMS.2.minisig"), []byte(relabelled), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(out, "SHA256SUMS.sig"))
	praw, _ := base64.StdEncoding.DecodeString(k.mpub.String())
	praw[2] ^= 0xff
	var alias minisign.PublicKey
	if err := alias.UnmarshalText([]byte(base64.StdEncoding.EncodeToString(praw))); err != nil {
		t.Fatal(err)
	}
	trust := &sign.Trust{Minisign: []minisign.PublicKey{k.mpub, alias}}
	res, err := Verify(out, VerifyOptions{Trust: trust, Threshold: 1})
	if err != nil || res.Signers != 1 {
		t.Fatalf("threshold 1: signers %d, %v", res.Signers, err)
	}
	if _, err := Verify(out, VerifyOptions{Trust: trust, Threshold: 2}); err == nil {
		t.Errorf("one key reached threshold 2 under two key IDs")
	}
	// Add a genuinely second key: now 2 of 2 trusted keys are needed and
	// only one signed.
	other := newTestKeys(t, 5)
	trust.Minisign = append(trust.Minisign, other.mpub)
	if _, err := Verify(out, VerifyOptions{Trust: trust, Threshold: 2}); !errors.Is(err, ErrSignature) {
		t.Errorf("one key reached threshold 2 under two key IDs: %v", err)
	}
}
