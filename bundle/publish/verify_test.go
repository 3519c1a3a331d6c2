package publish

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/sign"
)

// signedBundle packs r into a bundle directory signed with a new minisign
// key, and returns it with the trust that verifies it.
func signedBundle(t *testing.T, out string, r release, seq uint64) (string, *sign.Trust) {
	t.Helper()
	pub, priv, err := sign.GenerateMinisignKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for name, data := range r {
		p := filepath.Join(src, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := bundle.Pack(src, out, bundle.PackOptions{
		Name: "lab", Time: time.Unix(1700000000, 0), Tool: "phoneload test", Sequence: seq,
		Signers: []sign.Signer{sign.MinisignSigner{Key: priv}},
	}); err != nil {
		t.Fatal(err)
	}
	return out, &sign.Trust{Minisign: []minisign.PublicKey{pub}}
}

// A bundle directory is verified from its signatures and bundle.json first,
// and every other file while it is staged, against the SHA256SUMS that was
// verified: a tampered bundle is refused with the *bundle.VerifyError, the
// class and the file problems bundle.Verify reports for it, and the root
// is left as it was.
func TestPublishVerifiesDirectoryWhileStaging(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(dir string)
		class  error
	}{
		{"intact", func(string) {}, nil},
		{"modified", func(d string) {
			os.WriteFile(filepath.Join(d, "SIPDefault.cnf"), []byte("image_version: evil\n"), 0o644)
		}, bundle.ErrContent},
		{"extra", func(d string) { os.WriteFile(filepath.Join(d, "evil.bin"), []byte("x"), 0o644) }, bundle.ErrContent},
		{"looks like a signature", func(d string) {
			os.WriteFile(filepath.Join(d, "SHA256SUMS.minisig.orig"), []byte("x"), 0o644)
		}, bundle.ErrContent},
		{"missing", func(d string) { os.Remove(filepath.Join(d, "RINGLIST.DAT")) }, bundle.ErrContent},
		{"renamed", func(d string) {
			os.Rename(filepath.Join(d, "RINGLIST.DAT"), filepath.Join(d, "RINGLIST.OLD"))
		}, bundle.ErrContent},
		{"bundle.json modified", func(d string) {
			os.WriteFile(filepath.Join(d, "bundle.json"), []byte(`{"name":"x","sequence":99}`), 0o644)
		}, bundle.ErrContent},
		{"bundle.json missing", func(d string) { os.Remove(filepath.Join(d, "bundle.json")) }, bundle.ErrContent},
		{"SHA256SUMS modified", func(d string) {
			f, _ := os.OpenFile(filepath.Join(d, "SHA256SUMS"), os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("0000000000000000000000000000000000000000000000000000000000000000  evil.bin\n")
			f.Close()
		}, bundle.ErrSignature},
		{"no SHA256SUMS", func(d string) { os.Remove(filepath.Join(d, "SHA256SUMS")) }, bundle.ErrSignature},
		{"no signature", func(d string) { os.Remove(filepath.Join(d, "SHA256SUMS.minisig")) }, bundle.ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := testRelease("8-12-00", 1000)
			b, trust := signedBundle(t, filepath.Join(dir, "b"), r, 7)
			tc.tamper(b)
			root := filepath.Join(dir, "root")
			os.Mkdir(root, 0o755)
			vopts := bundle.VerifyOptions{Trust: trust}
			want, werr := bundle.Verify(b, vopts)
			res, err := Run(b, root, Options{Verify: &vopts})
			if tc.class == nil {
				assertPublishedIntact(t, r, root, res, werr, err)
				return
			}
			if !errors.Is(werr, tc.class) {
				t.Fatalf("bundle.Verify: %v, want %v", werr, tc.class)
			}
			assertRefusedLikeVerify(t, b, root, vopts, err, tc.class, want)
		})
	}
}

// A file changed after the signatures were verified, SHA256SUMS rewritten
// to match it, is refused: staging judges every file against the
// SHA256SUMS whose signatures were checked, not against the file as it is
// when staging reads it.
func TestPublishDirectoryChangedAfterVerify(t *testing.T) {
	dir := t.TempDir()
	r := testRelease("8-12-00", 1000)
	b, trust := signedBundle(t, filepath.Join(dir, "b"), r, 1)
	last := ""
	for name := range r {
		last = max(last, name)
	}
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	changed := false
	hook := func(step string) error {
		if changed || len(step) < 6 || step[:6] != "stage-" {
			return nil
		}
		changed = true
		// Same size: only the content check can tell.
		evil := bytes.Repeat([]byte("x"), len(r[last]))
		if err := os.WriteFile(filepath.Join(b, filepath.FromSlash(last)), evil, 0o644); err != nil {
			t.Fatal(err)
		}
		// A well-formed list (sorted, bundle.json included) that matches
		// the changed file.
		files := maps.Clone(r)
		files[last] = evil
		files["bundle.json"], _ = os.ReadFile(filepath.Join(b, "bundle.json"))
		var sums []byte
		for _, name := range slices.Sorted(maps.Keys(files)) {
			sum := sha256.Sum256(files[name])
			sums = append(sums, hex.EncodeToString(sum[:])+"  "+name+"\n"...)
		}
		return os.WriteFile(filepath.Join(b, "SHA256SUMS"), sums, 0o644)
	}
	_, err := Run(b, root, Options{Verify: &bundle.VerifyOptions{Trust: trust}, hook: hook})
	var ve *bundle.VerifyError
	if !changed || !errors.As(err, &ve) || !errors.Is(err, bundle.ErrContent) || ve.Result == nil ||
		len(ve.Result.Problems) != 1 || ve.Result.Problems[0].File != last || ve.Result.Problems[0].Kind != bundle.Modified {
		t.Fatalf("publish of a bundle changed while staged (%s): %v, want a *bundle.VerifyError naming it modified", last, err)
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Errorf("root holds %d files after a refused publish", len(got))
	}
}

// A zip bundle replaced after bundle.Verify verified it, by one signed with
// a key nobody trusts, is refused: the SHA256SUMS staging reads is verified
// again.
func TestPublishZipReplacedAfterVerify(t *testing.T) {
	dir := t.TempDir()
	r := testRelease("8-12-00", 1000)
	good, trust := signedBundle(t, filepath.Join(dir, "good.zip"), r, 1)
	evilR := maps.Clone(r)
	evilR["SIPDefault.cnf"] = []byte("image_version: evil\n")
	evil, _ := signedBundle(t, filepath.Join(dir, "evil.zip"), evilR, 1)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	replaced := false
	hook := func(step string) error {
		if step == "journal-preparing" && !replaced {
			replaced = true
			return os.Rename(evil, good)
		}
		return nil
	}
	_, err := Run(good, root, Options{Verify: &bundle.VerifyOptions{Trust: trust}, hook: hook})
	var ve *bundle.VerifyError
	if !replaced || !errors.As(err, &ve) || !errors.Is(err, bundle.ErrSignature) {
		t.Fatalf("publish of a zip replaced after verification: %v, want a *bundle.VerifyError wrapping ErrSignature", err)
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Errorf("root holds %d files after a refused publish", len(got))
	}
}

// zipDir writes the files of dir into a new zip at out (stored entries,
// so that a test can find and flip a byte of one).
func zipDir(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name(), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// A zip bundle is read once too: its signatures and bundle.json through
// the central directory first (bundle.VerifyZipMeta), every other entry
// while it is staged, judged against the verified SHA256SUMS before the
// journal says "prepared". A tampered zip is refused with the
// *bundle.VerifyError, class and problems bundle.Verify reports for it,
// before anything reaches the root, and the root is left as it was.
func TestPublishVerifiesZipWhileStaging(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(dir string)
		flip   string // a content whose stored bytes get one flipped (CRC mismatch)
		class  error
	}{
		{"intact", func(string) {}, "", nil},
		{"modified", func(d string) {
			os.WriteFile(filepath.Join(d, "SIPDefault.cnf"), []byte("image_version: evil\n"), 0o644)
		}, "", bundle.ErrContent},
		{"corrupt entry", func(string) {}, "proxy1_address: 10.0.0.1", bundle.ErrContent},
		{"extra", func(d string) { os.WriteFile(filepath.Join(d, "evil.bin"), []byte("x"), 0o644) }, "", bundle.ErrContent},
		{"missing", func(d string) { os.Remove(filepath.Join(d, "RINGLIST.DAT")) }, "", bundle.ErrContent},
		{"bundle.json modified", func(d string) {
			os.WriteFile(filepath.Join(d, "bundle.json"), []byte(`{"name":"x","sequence":99}`), 0o644)
		}, "", bundle.ErrContent},
		{"no signature", func(d string) { os.Remove(filepath.Join(d, "SHA256SUMS.minisig")) }, "", bundle.ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := testRelease("8-12-00", 1000)
			b, trust := signedBundle(t, filepath.Join(dir, "b"), r, 7)
			tc.tamper(b)
			zp := filepath.Join(dir, "b.zip")
			zipDir(t, b, zp)
			if tc.flip != "" {
				data, _ := os.ReadFile(zp)
				i := bytes.Index(data, []byte(tc.flip))
				if i < 0 {
					t.Fatalf("%q not stored in the zip", tc.flip)
				}
				data[i] ^= 1
				os.WriteFile(zp, data, 0o644)
			}
			root := filepath.Join(dir, "root")
			os.Mkdir(root, 0o755)
			vopts := bundle.VerifyOptions{Trust: trust}
			want, werr := bundle.Verify(zp, vopts)
			staged, prepared := 0, false
			hook := func(step string) error {
				if strings.HasPrefix(step, "stage-") {
					staged++
				}
				prepared = prepared || step == "journal-prepared"
				return nil
			}
			res, err := Run(zp, root, Options{Verify: &vopts, hook: hook})
			if tc.class == nil {
				assertPublishedIntact(t, r, root, res, werr, err)
				return
			}
			if !errors.Is(werr, tc.class) {
				t.Fatalf("bundle.Verify: %v, want %v", werr, tc.class)
			}
			if prepared {
				t.Error("the journal said prepared for a tampered bundle")
			}
			switch {
			case tc.class == bundle.ErrSignature && staged > 0:
				t.Errorf("%d file(s) staged before the signatures were good", staged)
			case tc.name == "modified" && staged == 0:
				// Read once: the zip was not verified whole before staging.
				t.Error("nothing staged: the zip was verified whole first, not read once")
			}
			assertRefusedLikeVerify(t, zp, root, vopts, err, tc.class, want)
		})
	}
}

// assertRefusedLikeVerify checks that a publish of bundle b into root,
// and its dry run, were refused as bundle.Verify refused b (class, the
// same problems as want), and that the root and its state directory were
// left untouched.
// assertPublishedIntact: an intact bundle (signed by one key as "lab",
// sequence 7) verifies, publishes, and root then holds release r.
func assertPublishedIntact(t *testing.T, r release, root string, res *Result, werr, err error) {
	t.Helper()
	if werr != nil || err != nil {
		t.Fatalf("intact bundle: Verify: %v, Publish: %v", werr, err)
	}
	if res.Name != "lab" || res.Sequence != 7 || len(res.Signers) != 1 {
		t.Errorf("result names %q sequence %d signers %v, want lab, 7, one signer", res.Name, res.Sequence, res.Signers)
	}
	if d := sameRelease(r, readRootFiles(t, root)); d != "" {
		t.Fatalf("published root:\n%s", d)
	}
}

func assertRefusedLikeVerify(t *testing.T, b, root string, vopts bundle.VerifyOptions, err, class error, want *bundle.VerifyResult) {
	t.Helper()
	_, derr := Run(b, root, Options{Verify: &vopts, DryRun: true})
	for _, e := range []struct {
		what string
		err  error
	}{{"Publish", err}, {"Publish --dry-run", derr}} {
		var ve *bundle.VerifyError
		if !errors.As(e.err, &ve) || !errors.Is(e.err, class) || ve.Result == nil {
			t.Fatalf("%s: %v, want a *bundle.VerifyError wrapping %v, with its result", e.what, e.err, class)
		}
		if diff := cmp.Diff(want.Problems, ve.Result.Problems); diff != "" {
			t.Errorf("%s: problems, bundle.Verify (-) and publish (+):\n%s", e.what, diff)
		}
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Errorf("root holds %d files after a refused publish", len(got))
	}
	if _, err := os.Stat(sdOf(t, root)); err == nil {
		t.Errorf("state directory left behind by a refused first publish")
	}
}
