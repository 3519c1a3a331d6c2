package oci

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/internal/testtool"
)

// realRegistry starts docker-registry and points the credential store at
// a docker config.json holding its user (as `docker login` leaves it).
func realRegistry(t *testing.T) (*testtool.Registry, Options) {
	t.Helper()
	reg := testtool.StartRegistry(t)
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.User, reg.Password))
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(t.TempDir(), "none.json"))
	return reg, Options{CAFile: reg.CAFile}
}

func TestRegistryPushPull(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1 := release("r1", 1_000_000)
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1.zip"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	res, err := Push(bg, b1, ref, pushOpts(k, o))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	pres, err := Pull(bg, ref, out, pullOpts(k, o))
	if err != nil {
		t.Fatal(err)
	}
	assertTree(t, out, r1)
	if pres.Digest != res.Digest || !pres.Verify.Valid {
		t.Errorf("pull: %+v", pres)
	}
	// By digest too.
	byDigest := mustRef(t, "oci://"+reg.Addr+"/phones/lab@"+res.Digest)
	if _, err := Pull(bg, byDigest, filepath.Join(t.TempDir(), "d.zip"), pullOpts(k, o)); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryTLSAndPlainHTTP(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	b1 := packBundle(t, k, release("r1", 1000), 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	// Without the CA, the self-signed certificate is refused.
	if _, err := Push(bg, b1, ref, pushOpts(k, Options{})); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("push without the registry's CA: %v, want a certificate error", err)
	}
	// Plain HTTP to a TLS registry fails; to a non-loopback host it is refused outright.
	if _, err := Push(bg, b1, mustRef(t, "oci://registry.example:5000/p:r1"), pushOpts(k, Options{PlainHTTP: true})); !errors.Is(err, ErrPlainHTTP) {
		t.Errorf("plain HTTP to a remote host: %v", err)
	}
	_ = o
}

func TestRegistryWrongCredentials(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	b1 := packBundle(t, k, release("r1", 1000), 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.User, "wrong"))
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); !errors.Is(err, ErrAuth) {
		t.Errorf("push with a wrong password: %v, want ErrAuth", err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Pull(bg, ref, out, pullOpts(k, o)); !errors.Is(err, ErrAuth) {
		t.Errorf("pull with a wrong password: %v, want ErrAuth", err)
	}
	assertAbsent(t, out)
	// No credentials at all.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	if _, err := Pull(bg, ref, out, pullOpts(k, o)); !errors.Is(err, ErrAuth) {
		t.Errorf("pull without credentials: %v, want ErrAuth", err)
	}
	assertAbsent(t, out)
}

func TestRegistryTamperedBlob(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1 := release("r1", 300_000)
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	// A byte changed in the registry's storage, size kept.
	p := reg.BlobPath(sumHex(r1["P0S3-8-12-00.sb2"]))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "out.zip")} {
		_, err = Pull(bg, ref, out, pullOpts(k, o))
		if !errors.Is(err, bundle.ErrContent) || !strings.Contains(err.Error(), "modified: P0S3-8-12-00.sb2") {
			t.Errorf("pull of a blob changed in storage: %v, want a content error naming P0S3-8-12-00.sb2", err)
		}
		assertAbsent(t, out)
	}
	// A changed signature blob: the signature check fails first.
	sig, err := os.ReadFile(filepath.Join(b1, "SHA256SUMS.minisig"))
	if err != nil {
		t.Fatal(err)
	}
	sp := reg.BlobPath(sumHex(sig))
	sig[len(sig)-5] ^= 1
	os.WriteFile(sp, sig, 0o644)
	out := filepath.Join(t.TempDir(), "out")
	_, err = Pull(bg, ref, out, pullOpts(k, o))
	if !errors.Is(err, bundle.ErrContent) || !strings.Contains(err.Error(), "SHA256SUMS.minisig") {
		t.Errorf("pull with a signature changed in storage: %v", err)
	}
	assertAbsent(t, out)
}

func TestRegistryMissingBlob(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1 := release("r1", 300_000)
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	// The manifest now points at a blob the registry no longer has.
	if err := os.RemoveAll(filepath.Dir(reg.BlobPath(sumHex(r1["P003-8-12-00.sbn"])))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	_, err := Pull(bg, ref, out, pullOpts(k, o))
	if !errors.Is(err, bundle.ErrContent) || !strings.Contains(err.Error(), "P003-8-12-00.sbn") {
		t.Errorf("pull with a missing blob: %v, want a content error naming P003-8-12-00.sbn", err)
	}
	assertAbsent(t, out)
}

func TestRegistryDiesMidPull(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1 := release("r1", 16<<20)
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	po := pullOpts(k, o)
	killed := false
	po.Progress = func(n int64) {
		if !killed {
			killed = true
			reg.Kill() // SIGKILL, with the first bytes of a blob received
		}
	}
	po.Workers = 1
	_, err := Pull(bg, ref, out, po)
	if err == nil {
		t.Fatal("pull from a registry killed mid-pull succeeded")
	}
	if !killed {
		t.Fatal("the registry was never killed")
	}
	t.Logf("error: %v", err)
	assertAbsent(t, out)
}

// TestRegistryDedup measures, against the real registry, the bytes a
// second release with one changed configuration costs: pushed, and pulled
// into a root holding the first. docs/benchmarks.md records the figures.
func TestRegistryDedup(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1 := release("r1", 16<<20)
	r2 := release("r2", 16<<20) // SIPDefault.cnf differs
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1.zip"))
	b2 := packBundle(t, k, r2, 2, filepath.Join(t.TempDir(), "r2.zip"))
	ref1 := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")
	ref2 := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r2")
	push := func(b string, ref Ref) (*PushResult, *Stats) {
		st := new(Stats)
		oo := o
		oo.Stats = st
		res, err := Push(bg, b, ref, pushOpts(k, oo))
		if err != nil {
			t.Fatal(err)
		}
		return res, st
	}
	pull := func(ref Ref, reuse ...string) *PullResult {
		oo := o
		oo.Stats = new(Stats)
		po := pullOpts(k, oo)
		po.Reuse = reuse
		res, err := Pull(bg, ref, filepath.Join(t.TempDir(), "out"), po)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	p1, s1 := push(b1, ref1)
	p2, s2 := push(b2, ref2)
	root := filepath.Join(t.TempDir(), "root")
	for name, data := range r1 {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), data, 0o644)
	}
	fresh := pull(ref2)
	over := pull(ref2, root)
	t.Logf("| push release 1 | %d blobs, %d bytes | %d sent, %d received |", p1.Uploaded, p1.UpBytes, s1.Sent.Load(), s1.Received.Load())
	t.Logf("| push release 2 (one config changed) | %d blobs, %d bytes | %d sent, %d received |", p2.Uploaded, p2.UpBytes, s2.Sent.Load(), s2.Received.Load())
	t.Logf("| pull release 2 into an empty directory | %d blobs, %d bytes | %d sent, %d received |", fresh.Fetched, fresh.FetchedBytes, fresh.SentBytes, fresh.RecvBytes)
	t.Logf("| pull release 2 over a root holding release 1 | %d blobs, %d bytes (%d reused) | %d sent, %d received |", over.Fetched, over.FetchedBytes, over.ReusedBytes, over.SentBytes, over.RecvBytes)
	if p2.Uploaded != 4 || s2.Sent.Load() > s1.Sent.Load()/1000 {
		t.Errorf("release 2 sent %d blobs, %d bytes; want the 4 small changed ones", p2.Uploaded, s2.Sent.Load())
	}
	if over.Fetched != 1 || over.FetchedBytes != int64(len(r2["SIPDefault.cnf"])) || over.RecvBytes > fresh.RecvBytes/1000 {
		t.Errorf("pull over release 1 fetched %d blobs, %d bytes, %d received", over.Fetched, over.FetchedBytes, over.RecvBytes)
	}
}

// TestRegistryCredentialStores: credentials from a docker credential
// helper (credHelpers, as docker-credential-pass or -secretservice would
// answer) and from podman's auth.json.
func TestRegistryCredentialStores(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	b1 := packBundle(t, k, release("r1", 1000), 1, filepath.Join(t.TempDir(), "r1"))
	ref := mustRef(t, "oci://"+reg.Addr+"/phones/lab:r1")

	// A credential helper on $PATH, named in config.json.
	bin := t.TempDir()
	helper := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\n" +
		"[ \"$host\" = \"" + reg.Addr + "\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n" +
		"printf '{\"ServerURL\":\"%s\",\"Username\":\"" + reg.User + "\",\"Secret\":\"" + reg.Password + "\"}' \"$host\"\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-phoneloadtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	cfg := t.TempDir()
	os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"credHelpers":{"`+reg.Addr+`":"phoneloadtest"}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", cfg)
	if _, err := Push(bg, b1, ref, pushOpts(k, o)); err != nil {
		t.Fatalf("push with a credential helper: %v", err)
	}

	// podman: no docker config at all, $REGISTRY_AUTH_FILE holds the login.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	podman := reg.DockerConfig(t, reg.User, reg.Password) // the same auths format
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(podman, "config.json"))
	if _, err := Pull(bg, ref, filepath.Join(t.TempDir(), "out"), pullOpts(k, o)); err != nil {
		t.Fatalf("pull with podman's auth.json: %v", err)
	}
	// --registry-config wins over both.
	o.RegistryConfig = filepath.Join(reg.DockerConfig(t, reg.User, "wrong"), "config.json")
	if _, err := Pull(bg, ref, filepath.Join(t.TempDir(), "out"), pullOpts(k, o)); !errors.Is(err, ErrAuth) {
		t.Fatalf("pull with --registry-config holding a wrong password: %v", err)
	}
}
