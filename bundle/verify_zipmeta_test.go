package bundle

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"aead.dev/minisign"
	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/sign"
)

// packSignedZip packs a few files into a signed zip bundle as `pack -o x.zip`
// writes it, and returns it with the trust that verifies it.
func packSignedZip(t *testing.T, n int) (string, *sign.Trust) {
	t.Helper()
	pub, priv, err := sign.GenerateMinisignKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	for i := range n {
		os.WriteFile(filepath.Join(src, "SEP00112233"+string(rune('A'+i/26))+string(rune('A'+i%26))+".cnf.xml"), []byte("<device/>\n"), 0o644)
	}
	out := filepath.Join(t.TempDir(), "b.zip")
	if _, err := Pack(src, out, PackOptions{Name: "lab", Time: time.Unix(1700000000, 0), Tool: "phoneload test", Sequence: 3,
		Signers: []sign.Signer{sign.MinisignSigner{Key: priv}}}); err != nil {
		t.Fatal(err)
	}
	return out, &sign.Trust{Minisign: []minisign.PublicKey{pub}}
}

// TestVerifyZipMeta: a zip as pack writes it is verified from its own
// files alone, read through the central directory; the SHA256SUMS
// returned is the zip's, byte for byte; what it does not read its own way
// is left to Verify (ErrNoZipMeta).
func TestVerifyZipMeta(t *testing.T) {
	zp, trust := packSignedZip(t, 30)
	res, data, sums, err := VerifyZipMeta(zp, VerifyOptions{Trust: trust}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, _ := zr.Open(SumsName)
	var want bytes.Buffer
	want.ReadFrom(f)
	if !bytes.Equal(data, want.Bytes()) || len(sums) != 31 || res.Bundle == nil || res.Bundle.Sequence != 3 {
		t.Fatalf("VerifyZipMeta: %d sums, bundle %+v, SHA256SUMS equal: %v", len(sums), res.Bundle, bytes.Equal(data, want.Bytes()))
	}
	if _, _, _, err := VerifyZipMeta(zp, VerifyOptions{Trust: trust}, 10); !errors.Is(err, ErrNoZipMeta) {
		t.Errorf("more entries than maxFiles: %v, want ErrNoZipMeta", err)
	}
	other, _ := packSignedZip(t, 1)
	if _, _, _, err := VerifyZipMeta(other, VerifyOptions{Trust: trust}, 1000); !errors.Is(err, ErrSignature) {
		t.Errorf("zip signed by another key: %v, want ErrSignature", err)
	}
	b, _ := os.ReadFile(zp)
	for name, mut := range map[string][]byte{
		"trailing data": append(bytes.Clone(b), 0),
		"not a zip":     []byte("hello, this is not a zip at all, it is text\n"),
		"empty":         nil,
		"truncated":     b[:len(b)/2],
	} {
		p := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(p, mut, 0o644)
		if _, _, _, err := VerifyZipMeta(p, VerifyOptions{Trust: trust}, 1000); !errors.Is(err, ErrNoZipMeta) {
			t.Errorf("%s: %v, want ErrNoZipMeta", name, err)
		}
	}
}

// FuzzZipMeta: any bytes give bundle files within their caps, or an
// ErrNoZipMeta, never a panic.
func FuzzZipMeta(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"a.cnf", SumsName, ManifestName, SumsName + ".minisig"} {
		w, _ := zw.Create(name)
		w.Write([]byte("content of " + name + "\n"))
	}
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		meta, err := parseZipMeta("f.zip", bytes.NewReader(data), int64(len(data)), 100, nil)
		if err != nil {
			if !errors.Is(err, ErrNoZipMeta) {
				t.Fatalf("error %v is no ErrNoZipMeta", err)
			}
			return
		}
		for name, b := range meta {
			if !IsBundleMeta(name) || int64(len(b)) > zipMetaMax(name) {
				t.Fatalf("%s: %d bytes", name, len(b))
			}
		}
	})
}

// TestVerifyArchiveLikeDir: a bundle tampered with (a file changed, one
// removed, one renamed, one added) is judged the same in a directory, in
// a zip (judged while walked, against the SHA256SUMS read through the
// zip's directory) and in a tar (judged after the walk).
func TestVerifyArchiveLikeDir(t *testing.T) {
	k := newTestKeys(t, 1)
	_, out := packDir(t, k)
	names, err := filepath.Glob(filepath.Join(out, "*"))
	if err != nil || len(names) < 5 {
		t.Fatalf("bundle has %d files: %v", len(names), err)
	}
	var files []string
	for _, p := range names {
		if fi, _ := os.Stat(p); fi.Mode().IsRegular() && !IsBundleMeta(filepath.Base(p)) {
			files = append(files, filepath.Base(p))
		}
	}
	if len(files) < 3 {
		t.Fatalf("bundle has %d files at its root", len(files))
	}
	os.WriteFile(filepath.Join(out, files[0]), []byte("changed\n"), 0o644)
	os.Remove(filepath.Join(out, files[1]))
	os.Rename(filepath.Join(out, files[2]), filepath.Join(out, "renamed.bin"))
	os.WriteFile(filepath.Join(out, "extra.cnf"), []byte("extra\n"), 0o644)

	var entries []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(out, p)
			entries = append(entries, filepath.ToSlash(rel))
		}
		return err
	})
	zp := filepath.Join(t.TempDir(), "b.zip")
	tp := filepath.Join(t.TempDir(), "b.tar")
	var zb, tb bytes.Buffer
	zw := zip.NewWriter(&zb)
	tw := tar.NewWriter(&tb)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(out, e))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(e)
		w.Write(data)
		tw.WriteHeader(&tar.Header{Name: e, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	zw.Close()
	tw.Close()
	os.WriteFile(zp, zb.Bytes(), 0o644)
	os.WriteFile(tp, tb.Bytes(), 0o644)

	want, werr := Verify(out, VerifyOptions{Trust: k.trust()})
	if !errors.Is(werr, ErrContent) || len(want.Problems) != 4 {
		t.Fatalf("directory: %v, %+v; want 4 problems", werr, want.Problems)
	}
	for _, p := range []string{zp, tp} {
		got, err := Verify(p, VerifyOptions{Trust: k.trust()})
		if !errors.Is(err, ErrContent) || err.Error() != werr.Error() {
			t.Errorf("%s: %v; directory: %v", filepath.Base(p), err, werr)
		}
		if diff := cmp.Diff(want.Problems, got.Problems); diff != "" || got.Files != want.Files || got.Bytes != want.Bytes {
			t.Errorf("%s: %d files, %d bytes (directory %d, %d); problems (-directory +archive):\n%s", filepath.Base(p), got.Files, got.Bytes, want.Files, want.Bytes, diff)
		}
	}
}
