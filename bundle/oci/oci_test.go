package oci

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/phoneload/phoneload/bundle"
)

func TestPushPullLayout(t *testing.T) {
	k := newKey(t, 1)
	files := release("r1", 200_000)
	src := packBundle(t, k, files, 3, filepath.Join(t.TempDir(), "r1.zip"))
	dir := filepath.Join(t.TempDir(), "usb")
	ref := mustRef(t, "oci-layout:"+dir+":r1")
	res, err := Push(bg, src, ref, pushOpts(k, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	// 8 files + bundle.json + SHA256SUMS + one signature; two files share a blob.
	if res.Files != 11 || res.Blobs != 10 || res.Uploaded != 10 || res.Sequence != 3 {
		t.Errorf("push: %+v", res)
	}
	out := filepath.Join(t.TempDir(), "pulled")
	pres, err := Pull(bg, ref, out, pullOpts(k, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	assertTree(t, out, files)
	if pres.Fetched != 7 || pres.Reused != 1 || pres.Sequence != 3 || !pres.Verify.Valid {
		t.Errorf("pull: %+v", pres)
	}
	if pres.Digest != res.Digest {
		t.Errorf("pull digest %s, push %s", pres.Digest, res.Digest)
	}
	// To a zip, which verify accepts as it is.
	zipOut := filepath.Join(t.TempDir(), "r1.zip")
	if _, err := Pull(bg, ref, zipOut, pullOpts(k, Options{})); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Verify(zipOut, bundle.VerifyOptions{Trust: k.trust()}); err != nil {
		t.Fatalf("pulled zip: %v", err)
	}
	// Pushing the same bundle again sends nothing but the tag.
	res2, err := Push(bg, src, mustRef(t, "oci-layout:"+dir+":again"), pushOpts(k, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if res2.Uploaded != 0 || res2.Digest != res.Digest {
		t.Errorf("second push: %+v", res2)
	}
	// An existing output is refused before anything is fetched.
	if _, err := Pull(bg, ref, out, pullOpts(k, Options{})); err == nil {
		t.Error("pull over an existing directory succeeded")
	}
}

func TestPullUntrustedWritesNothing(t *testing.T) {
	k, other := newKey(t, 1), newKey(t, 9)
	src := packBundle(t, k, release("r1", 50_000), 1, filepath.Join(t.TempDir(), "b"))
	dir := filepath.Join(t.TempDir(), "usb")
	ref := mustRef(t, "oci-layout:"+dir+":r1")
	if _, err := Push(bg, src, ref, pushOpts(k, Options{})); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	st := new(Stats)
	res, err := Pull(bg, ref, out, pullOpts(other, Options{Stats: st}))
	if !errors.Is(err, bundle.ErrSignature) {
		t.Fatalf("pull with another key: %v, want a signature error", err)
	}
	assertAbsent(t, out)
	// Only the manifest and the small files were read, never the images.
	if res.FetchedBytes != 0 || st.Received.Load() > 10_000 {
		t.Errorf("fetched %d blob bytes, %d read, before the signature was checked", res.FetchedBytes, st.Received.Load())
	}
}

func TestPullTamperedLayoutBlob(t *testing.T) {
	k := newKey(t, 1)
	files := release("r1", 50_000)
	src := packBundle(t, k, files, 1, filepath.Join(t.TempDir(), "b"))
	dir := filepath.Join(t.TempDir(), "usb")
	ref := mustRef(t, "oci-layout:"+dir+":r1")
	if _, err := Push(bg, src, ref, pushOpts(k, Options{})); err != nil {
		t.Fatal(err)
	}
	// Flip a byte of the firmware blob on the stick.
	blob := filepath.Join(dir, "blobs", "sha256", sumHex(files["P0S3-8-12-00.sb2"]))
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	b[1000] ^= 1
	if err := os.WriteFile(blob, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	_, err = Pull(bg, ref, out, pullOpts(k, Options{}))
	if !errors.Is(err, bundle.ErrContent) || !strings.Contains(err.Error(), "P0S3-8-12-00.sb2") {
		t.Fatalf("pull of a tampered blob: %v, want a content error naming the file", err)
	}
	assertAbsent(t, out)
}

func TestPushRefusesUnverified(t *testing.T) {
	k, other := newKey(t, 1), newKey(t, 9)
	src := packBundle(t, k, release("r1", 1000), 1, filepath.Join(t.TempDir(), "b"))
	dir := filepath.Join(t.TempDir(), "usb")
	_, err := Push(bg, src, mustRef(t, "oci-layout:"+dir+":r1"), pushOpts(other, Options{}))
	if !errors.Is(err, bundle.ErrSignature) {
		t.Fatalf("push of a bundle the keys do not verify: %v", err)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("layout created for a refused push")
	}
}

// TestDedupInProcess measures what a second release with one changed
// config sends, and what a pull into a root holding the first fetches,
// against go-containerregistry's in-process registry.
func TestDedupInProcess(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	k := newKey(t, 1)
	r1 := release("r1", 2_000_000)
	r2 := release("r2", 2_000_000) // SIPDefault.cnf differs
	o := Options{PlainHTTP: true}
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1.zip"))
	b2 := packBundle(t, k, r2, 2, filepath.Join(t.TempDir(), "r2.zip"))
	st1 := new(Stats)
	o.Stats = st1
	p1, err := Push(bg, b1, mustRef(t, "oci://"+host+"/phones/lab:r1"), pushOpts(k, o))
	if err != nil {
		t.Fatal(err)
	}
	st2 := new(Stats)
	o.Stats = st2
	p2, err := Push(bg, b2, mustRef(t, "oci://"+host+"/phones/lab:r2"), pushOpts(k, o))
	if err != nil {
		t.Fatal(err)
	}
	// r2 sends SIPDefault.cnf, SHA256SUMS, its signature and bundle.json.
	if p2.Uploaded != 4 || p2.UpBytes > 10_000 || st2.Sent.Load() > 20_000 {
		t.Errorf("second push sent %d blobs, %d bytes (%d on the wire); want the 4 small changed ones", p2.Uploaded, p2.UpBytes, st2.Sent.Load())
	}
	t.Logf("push r1: %d blobs, %d bytes on the wire; push r2: %d blobs, %d bytes on the wire", p1.Uploaded, st1.Sent.Load(), p2.Uploaded, st2.Sent.Load())

	root := t.TempDir()
	for name, data := range r1 {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), data, 0o644)
	}
	o.Stats = new(Stats)
	po := pullOpts(k, o)
	po.Reuse = []string{root}
	res, err := Pull(bg, mustRef(t, "oci://"+host+"/phones/lab:r2"), filepath.Join(t.TempDir(), "r2"), po)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fetched != 1 || res.FetchedBytes != int64(len(r2["SIPDefault.cnf"])) || res.RecvBytes > 20_000 {
		t.Errorf("pull into a root holding r1: fetched %d blobs, %d bytes, %d received; want SIPDefault.cnf only", res.Fetched, res.FetchedBytes, res.RecvBytes)
	}
	t.Logf("pull r2 over r1: %d fetched (%d bytes), %d reused (%d bytes), %d bytes received", res.Fetched, res.FetchedBytes, res.Reused, res.ReusedBytes, res.RecvBytes)
}

// TestPushPullSiteZip: a zip bundle of a 3,000-phone site (over a drop's
// 1,000 archive entries) is pushed and pulled with the default limits
// (container.DefaultBundleLimits), to a directory and to a zip.
func TestPushPullSiteZip(t *testing.T) {
	k := newKey(t, 1)
	files := release("r1", 20_000)
	for i := range 3000 {
		files[fmt.Sprintf("SIP0011220%05X.cnf", i)] = []byte(fmt.Sprintf("line1_name: %d\n", 1000+i))
	}
	src := packBundle(t, k, files, 3, filepath.Join(t.TempDir(), "site.zip"))
	ref := mustRef(t, "oci-layout:"+filepath.Join(t.TempDir(), "usb")+":site")
	res, err := Push(bg, src, ref, pushOpts(k, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != len(files)+3 {
		t.Errorf("push: %d files, want %d", res.Files, len(files)+3)
	}
	out := filepath.Join(t.TempDir(), "pulled")
	if _, err := Pull(bg, ref, out, pullOpts(k, Options{})); err != nil {
		t.Fatal(err)
	}
	assertTree(t, out, files)
	if _, err := Pull(bg, ref, filepath.Join(t.TempDir(), "site.zip"), pullOpts(k, Options{})); err != nil {
		t.Fatalf("pull to a zip: %v", err)
	}
}
