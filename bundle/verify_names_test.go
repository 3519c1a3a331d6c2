package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
	"github.com/klauspost/compress/zip"

	"github.com/phoneload/phoneload/sign"
)

// Only the names pack writes are signatures. Anything else at the root
// that looks like one is an extra file, and every signature name is read,
// even after a gap in the numbering.
func TestVerifySignatureNames(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	opts := VerifyOptions{Trust: k.trust(), Threshold: 2, Now: time.Unix(1700000000, 0)}
	good, err := os.ReadFile(filepath.Join(out, "SHA256SUMS.minisig"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"SHA256SUMS.bak.minisig", "SHA256SUMS.02.sig", "SHA256SUMS.99.sig", "SHA256SUMS.1.minisig"} {
		p := filepath.Join(out, name)
		os.WriteFile(p, good, 0o644)
		res, err := Verify(out, opts)
		if !errors.Is(err, ErrContent) || !mentions(res, err, name) {
			t.Errorf("%s: %v", name, err)
		}
		os.Remove(p)
	}
	// A gap: SHA256SUMS.3.minisig without .2 is still a signature, and
	// checked (here: a bad one, named).
	p := filepath.Join(out, "SHA256SUMS.3.minisig")
	os.WriteFile(p, bytes.Replace(good, []byte("\ntrusted comment: "), []byte("\ntrusted comment: x"), 1), 0o644)
	res, err := Verify(out, opts)
	if err != nil || len(res.Signatures) != 3 || res.Signatures[0].File != "SHA256SUMS.3.minisig" || res.Signatures[0].Status != "bad" {
		t.Errorf("gap: %v %+v", err, res.Signatures)
	}
	os.Remove(p)

	// The same in a zip re-packed by another tool.
	zp := filepath.Join(t.TempDir(), "b.zip")
	zf, _ := os.Create(zp)
	zw := zip.NewWriter(zf)
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		w, _ := zw.Create(filepath.ToSlash(rel))
		f, _ := os.Open(p)
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	w, _ := zw.Create("SHA256SUMS.old.sig")
	w.Write(good)
	zw.Close()
	zf.Close()
	res, err = Verify(zp, opts)
	if !errors.Is(err, ErrContent) || !mentions(res, err, "SHA256SUMS.old.sig") {
		t.Errorf("zip with SHA256SUMS.old.sig: %v", err)
	}
}

func TestPackMaxSignatures(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeTree(t, src, nil)
	o := packOpts(newTestKeys(t, 1))
	o.Signers = nil
	for i := 0; i <= MaxSignatures; i++ {
		o.Signers = append(o.Signers, sign.MinisignSigner{Key: newTestKeys(t, byte(10+i)).mpriv})
	}
	out := filepath.Join(t.TempDir(), "b")
	if _, err := Pack(src, out, o); err == nil || !strings.Contains(err.Error(), "more than 16 minisign signers") {
		t.Errorf("%d signers: %v", len(o.Signers), err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("output left behind: %v", err)
	}
	o.Signers = o.Signers[:MaxSignatures]
	if _, err := Pack(src, out, o); err != nil {
		t.Fatal(err)
	}
	trust := &sign.Trust{}
	for _, s := range o.Signers {
		trust.Minisign = append(trust.Minisign, s.(sign.MinisignSigner).Key.Public().(minisign.PublicKey))
	}
	res, err := Verify(out, VerifyOptions{Trust: trust, Threshold: MaxSignatures})
	if err != nil || res.Signers != MaxSignatures {
		t.Errorf("%d signers: %v", MaxSignatures, err)
	}
}

// A SHA256SUMS signed by a trusted key but not in sha256sum's form (here
// CRLF, as a Windows editor leaves it) is a content error naming the line,
// said once.
func TestVerifyMalformedSignedSums(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	sums, _ := os.ReadFile(filepath.Join(out, SumsName))
	crlf := bytes.ReplaceAll(sums, []byte("\n"), []byte("\r\n"))
	sig, _ := sign.MinisignSigner{Key: k.mpriv}.Sign(crlf, time.Unix(1700000000, 0))
	os.WriteFile(filepath.Join(out, SumsName), crlf, 0o644)
	os.WriteFile(filepath.Join(out, "SHA256SUMS.minisig"), sig, 0o644)
	os.Remove(filepath.Join(out, "SHA256SUMS.sig"))
	_, err := Verify(out, VerifyOptions{Trust: k.trust()})
	want := "bundle: content does not match SHA256SUMS: SHA256SUMS:1: ends with a carriage return"
	if !errors.Is(err, ErrContent) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v, want %q…", err, want)
	}
}

// A bundle zip that Walk cannot read past because of one entry is a
// content problem naming that entry (exit 4), not an I/O failure: a flipped
// byte in a stored firmware image, in a deflated config, or an added entry
// no bundle has.
func TestVerifyZipEntryErrorsAreContent(t *testing.T) {
	k := newTestKeys(t, 1)
	zp := packZip(t, k)
	orig, _ := os.ReadFile(zp)
	zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig)))
	if err != nil {
		t.Fatal(err)
	}
	opts := VerifyOptions{Trust: k.trust(), Now: time.Unix(1700000000, 0)}
	for _, f := range zr.File {
		if f.Name != "P0S3-08-12-00.bin" && f.Name != "SIPDefault.cnf" {
			continue
		}
		off, _ := f.DataOffset()
		b := append([]byte(nil), orig...)
		b[off+2] ^= 0x40
		os.WriteFile(zp, b, 0o644)
		res, err := Verify(zp, opts)
		if !errors.Is(err, ErrContent) || len(res.Problems) != 1 || res.Problems[0].File != f.Name || res.Problems[0].Kind != Modified {
			t.Errorf("flip in %s (method %d): %v %+v", f.Name, f.Method, err, res.Problems)
		}
	}
	// An added ../ entry.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		r, _ := f.Open()
		io.Copy(w, r)
		r.Close()
	}
	w, _ := zw.Create("../evil.cnf")
	w.Write([]byte("evil\n"))
	zw.Close()
	os.WriteFile(zp, buf.Bytes(), 0o644)
	res, err := Verify(zp, opts)
	if !errors.Is(err, ErrContent) || len(res.Problems) != 1 || res.Problems[0].File != "../evil.cnf" || res.Problems[0].Kind != Extra {
		t.Errorf("zip-slip entry: %v %+v", err, res.Problems)
	}
	// Not a zip at all: an ordinary failure.
	os.WriteFile(zp, []byte("not a zip"), 0o644)
	if _, err := Verify(zp, opts); err == nil || errors.Is(err, ErrContent) {
		t.Errorf("not a zip: %v", err)
	}
}
