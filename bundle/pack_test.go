package bundle

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle/check"

	"aead.dev/minisign"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zip"
	"golang.org/x/crypto/ssh"

	"github.com/phoneload/phoneload/sign"
)

// testKeys are fixed keys, so packs are reproducible across test runs.
type testKeys struct {
	mpub  minisign.PublicKey
	mpriv minisign.PrivateKey
	ssh   ssh.Signer
}

func newTestKeys(t testing.TB, seed byte) testKeys {
	t.Helper()
	var k testKeys
	var err error
	k.mpub, k.mpriv, err = sign.GenerateMinisignKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	k.ssh, err = ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed + 1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (k testKeys) signers() []sign.Signer {
	return []sign.Signer{sign.MinisignSigner{Key: k.mpriv}, sign.SSHSigner{Signer: k.ssh}}
}

func (k testKeys) trust() *sign.Trust {
	return &sign.Trust{Minisign: []minisign.PublicKey{k.mpub}, SSH: []sign.AllowedSigner{{Principals: []string{"rel@test"}, Key: k.ssh.PublicKey()}}}
}

// writeTree writes a small drop: firmware (binary), configs (text), a subdir.
func writeTree(t testing.TB, dir string, order []string) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	fw := make([]byte, 3000)
	rng.Read(fw)
	files := map[string][]byte{
		"P0S3-08-12-00.bin":      fw,
		"P0S3-08-12-00.loads":    []byte("P0S3-08-12-00.sb2\n"),
		"SIPDefault.cnf":         []byte("image_version: \"P0S3-08-12-00\";\n"),
		"SIP00112233AABB.cnf":    []byte("line1_name: \"100\";\n"),
		"ringtones/RINGLIST.DAT": []byte("Chirp\tchirp.raw\r\n"),
		"empty.txt":              {},
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if order != nil {
		names = order
	}
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, files[n], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func packOpts(k testKeys) PackOptions {
	return PackOptions{Name: "lab", Time: time.Unix(1700000000, 0), Tool: "phoneload test", Sequence: 7, Signers: k.signers()}
}

func TestPackVerifyDir(t *testing.T) {
	k := newTestKeys(t, 1)
	src := filepath.Join(t.TempDir(), "src")
	files := writeTree(t, src, nil)
	out := filepath.Join(t.TempDir(), "bundle")
	m, err := Pack(src, out, packOpts(k))
	if err != nil {
		t.Fatal(err)
	}
	if m.Files != len(files) || m.Name != "lab" || m.Check.Checker != "none" {
		t.Errorf("manifest = %+v", m)
	}
	for _, name := range []string{SumsName, ManifestName, "SHA256SUMS.minisig", "SHA256SUMS.sig", "ringtones/RINGLIST.DAT"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("bundle lacks %s", name)
		}
	}
	res, err := Verify(out, VerifyOptions{Trust: k.trust(), Threshold: 2})
	if err != nil {
		t.Fatalf("verify: %v (%+v)", err, res)
	}
	if !res.Valid || res.Signers != 2 || res.Files != len(files)+1 || res.Bundle.Sequence != 7 {
		t.Errorf("result = %+v", res)
	}
	// sha256sum -c passes inside the unpacked bundle.
	if p, err := exec.LookPath("sha256sum"); err == nil {
		c := exec.Command(p, "-c", "--strict", SumsName)
		c.Dir = out
		if b, err := c.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c: %v\n%s", err, b)
		}
	}
}

func TestPackRefusals(t *testing.T) {
	k := newTestKeys(t, 1)
	src := filepath.Join(t.TempDir(), "src")
	writeTree(t, src, nil)
	tmp := t.TempDir()
	checkFn := func(string) (*CheckResult, error) {
		return &CheckResult{Checker: "test", Findings: []check.Finding{
			{Rule: "loads-missing-image", Severity: check.SeverityError, File: "P0S3-08-12-00.loads", Line: 1, Message: "P0S3-08-12-00.sb2 is not in the drop"},
			{Rule: "crlf", Severity: check.SeverityWarning, File: "RINGLIST.DAT", Message: "CRLF"},
		}}, nil
	}
	o := packOpts(k)
	o.Check = checkFn
	out := filepath.Join(tmp, "out.zip")
	_, err := Pack(src, out, o)
	var re *RefusedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "loads-missing-image") {
		t.Fatalf("err = %v, want refusal naming the rule", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused pack left %s", out)
	}
	o.Allow = []string{"loads-missing-image"}
	m, err := Pack(src, out, o)
	if err != nil {
		t.Fatal(err)
	}
	want := CheckInfo{Checker: "test", Errors: 1, Warnings: 1, Waived: []Waiver{{Rule: "loads-missing-image", Count: 1, Findings: []check.Finding{{Rule: "loads-missing-image", Severity: check.SeverityError, File: "P0S3-08-12-00.loads", Line: 1, Message: "P0S3-08-12-00.sb2 is not in the drop"}}}}}
	if d := cmp.Diff(want, m.Check); d != "" {
		t.Errorf("check info (-want +got):\n%s", d)
	}

	// A source that already is a bundle, an existing output dir, no signer.
	os.WriteFile(filepath.Join(src, SumsName), []byte("x"), 0o644)
	if _, err := Pack(src, filepath.Join(tmp, "b.zip"), packOpts(k)); err == nil || !strings.Contains(err.Error(), SumsName) {
		t.Errorf("bundle as source: %v", err)
	}
	os.Remove(filepath.Join(src, SumsName))
	if _, err := Pack(src, tmp, packOpts(k)); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing dir: %v", err)
	}
	o = packOpts(k)
	o.Signers = nil
	if _, err := Pack(src, filepath.Join(tmp, "c.zip"), o); err == nil {
		t.Errorf("no signer accepted")
	}
	o = packOpts(k)
	o.Expires = o.Time.Add(-time.Hour)
	if _, err := Pack(src, filepath.Join(tmp, "d.zip"), o); err == nil {
		t.Errorf("expiry before creation accepted")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Errorf("failed packs left files: %v", ents)
	}
}

// Pack twice: other time of day, other working directory, other order of
// file creation → identical bytes, zip and directory alike.
func TestPackReproducible(t *testing.T) {
	k := newTestKeys(t, 1)
	var zips [][]byte
	var sums [][]byte
	for i, order := range [][]string{nil, {"empty.txt", "SIPDefault.cnf", "ringtones/RINGLIST.DAT", "P0S3-08-12-00.loads", "SIP00112233AABB.cnf", "P0S3-08-12-00.bin"}} {
		base := t.TempDir()
		src := filepath.Join(base, "drop")
		writeTree(t, src, order)
		// Different mtimes and permissions on the inputs.
		os.Chtimes(filepath.Join(src, "SIPDefault.cnf"), time.Unix(int64(1e9*(i+1)), 0), time.Unix(int64(1e9*(i+1)), 0))
		os.Chmod(filepath.Join(src, "empty.txt"), 0o600+fsMode(i))
		wd, _ := os.Getwd()
		os.Chdir(base)
		out := filepath.Join("o", "b.zip")
		os.Mkdir("o", 0o755)
		if _, err := Pack("drop", out, packOpts(k)); err != nil {
			t.Fatal(err)
		}
		if _, err := Pack("drop", "dir", packOpts(k)); err != nil {
			t.Fatal(err)
		}
		os.Chdir(wd)
		b, _ := os.ReadFile(filepath.Join(base, out))
		zips = append(zips, b)
		s, _ := os.ReadFile(filepath.Join(base, "dir", SumsName))
		sig, _ := os.ReadFile(filepath.Join(base, "dir", "SHA256SUMS.sig"))
		sums = append(sums, append(s, sig...))
		fi, _ := os.Stat(filepath.Join(base, "dir", "SIPDefault.cnf"))
		if !fi.ModTime().Equal(time.Unix(1700000000, 0)) || fi.Mode().Perm() != 0o644 {
			t.Errorf("dir bundle file time %v mode %v", fi.ModTime(), fi.Mode())
		}
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Errorf("zips differ")
	}
	if !bytes.Equal(sums[0], sums[1]) {
		t.Errorf("dir bundles differ")
	}
	// The zip is well-formed: sorted, stored firmware, deflated text, fixed
	// time and mode, and every entry's CRC checks.
	zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	deflated := 0
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Mode().Perm() != 0o644 || !f.Modified.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("%s: mode %v time %v", f.Name, f.Mode(), f.Modified)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
		rc.Close()
		// Text is deflated at DeflateLevel when that makes it smaller
		// (recomputed here with a new compressor), else stored, as is
		// firmware.
		wantMethod := zip.Store
		if f.Name != "P0S3-08-12-00.bin" && len(data) > 0 {
			var c bytes.Buffer
			fw, _ := flate.NewWriter(&c, DeflateLevel)
			fw.Write(data)
			fw.Close()
			if c.Len() < len(data) {
				wantMethod = zip.Deflate
				if int(f.CompressedSize64) != c.Len() {
					t.Errorf("%s: %d bytes deflated, a new compressor gives %d", f.Name, f.CompressedSize64, c.Len())
				}
			}
		}
		if f.Method != wantMethod {
			t.Errorf("%s: method %d, want %d", f.Name, f.Method, wantMethod)
		}
		if f.Method == zip.Deflate {
			deflated++
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("zip entries not sorted: %v", names)
	}
	if deflated < 2 { // at least SHA256SUMS and bundle.json shrink
		t.Errorf("%d entries deflated", deflated)
	}
	if p, err := exec.LookPath("unzip"); err == nil {
		zp := filepath.Join(t.TempDir(), "b.zip")
		os.WriteFile(zp, zips[0], 0o644)
		if b, err := exec.Command(p, "-t", zp).CombinedOutput(); err != nil {
			t.Errorf("unzip -t: %v\n%s", err, b)
		}
	}
}

func fsMode(i int) os.FileMode { return os.FileMode(i * 0o40) }
