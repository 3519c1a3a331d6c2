package oci

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/publish"
)

// site is one simulated site: a TFTP root and its agent's options.
type site struct {
	root string
	opts SyncOptions
}

func newSite(t *testing.T, k testKey, o Options) *site {
	t.Helper()
	dir := t.TempDir()
	s := &site{root: filepath.Join(dir, "tftp")}
	if err := os.Mkdir(s.root, 0o755); err != nil {
		t.Fatal(err)
	}
	s.opts = SyncOptions{PullOptions: pullOpts(k, o), State: filepath.Join(dir, "state", "sync.json")}
	s.opts.Publish = func(stage string) (string, error) {
		res, err := publish.Run(stage, s.root, publish.Options{Verify: verifyOpts(k)})
		if err != nil {
			return "", err
		}
		return res.ID, nil
	}
	return s
}

func (s *site) sync(t *testing.T, ref Ref) (*SyncDecision, error) {
	t.Helper()
	st := new(Stats)
	o := s.opts
	o.Stats = st
	return SyncOnce(bg, ref, s.root, o)
}

// testTwoSites: two sites converge on each new release, and both refuse
// a tag moved back to an older release, serving the newer one.
func testTwoSites(t *testing.T, o Options, base string) {
	k := newKey(t, 1)
	r1, r2 := release("r1", 500_000), release("r2", 500_000)
	b1 := packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1.zip"))
	b2 := packBundle(t, k, r2, 2, filepath.Join(t.TempDir(), "r2.zip"))
	tag := mustRef(t, base+":lab")
	sites := []*site{newSite(t, k, o), newSite(t, k, o)}

	if _, err := Push(bg, b1, tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	for i, s := range sites {
		d, err := s.sync(t, tag)
		if err != nil || d.Action != SyncPublished || d.Serving != 1 {
			t.Fatalf("site %d, release 1: %+v, %v", i, d, err)
		}
		assertTree(t, s.root, r1)
		// Nothing new: nothing fetched.
		d, err = s.sync(t, tag)
		if err != nil || d.Action != SyncUnchanged || d.Pull != nil {
			t.Fatalf("site %d, same tag again: %+v, %v", i, d, err)
		}
	}
	if _, err := Push(bg, b2, tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	for i, s := range sites {
		d, err := s.sync(t, tag)
		if err != nil || d.Action != SyncPublished || d.Serving != 2 {
			t.Fatalf("site %d, release 2: %+v, %v", i, d, err)
		}
		// Only the changed config came over the network.
		if d.Pull.Fetched != 1 || d.Pull.FetchedBytes != int64(len(r2["SIPDefault.cnf"])) {
			t.Errorf("site %d fetched %d blobs (%d bytes); want SIPDefault.cnf only", i, d.Pull.Fetched, d.Pull.FetchedBytes)
		}
		assertTree(t, s.root, r2)
	}
	// The tag moved back to release 1 (signed, valid, older).
	if _, err := Push(bg, b1, tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	for i, s := range sites {
		d, err := s.sync(t, tag)
		if !errors.Is(err, ErrRollback) || d.Action != SyncRefused || d.Serving != 2 || d.Sequence != 1 {
			t.Fatalf("site %d, rolled-back tag: %+v, %v; want refused, serving 2", i, d, err)
		}
		if d.Pull != nil && d.Pull.FetchedBytes != 0 {
			t.Errorf("site %d fetched %d bytes of a refused release", i, d.Pull.FetchedBytes)
		}
		assertTree(t, s.root, r2)
		st, err := ReadSyncState(s.opts.State)
		if err != nil || st.Sequence != 2 {
			t.Errorf("site %d state: %+v, %v", i, st, err)
		}
	}
	// A tampered release 3 is refused too; the sites keep release 2.
	r3 := release("r3", 500_000)
	b3 := packBundle(t, newKey(t, 7), r3, 3, filepath.Join(t.TempDir(), "r3"))
	po := pushOpts(k, o)
	po.Verify, po.SkipVerify = nil, true // an attacker's push
	if _, err := Push(bg, b3, tag, po); err != nil {
		t.Fatal(err)
	}
	for i, s := range sites {
		d, err := s.sync(t, tag)
		if !errors.Is(err, bundle.ErrSignature) || d.Action != SyncRefused || d.Serving != 2 {
			t.Fatalf("site %d, untrusted release: %+v, %v", i, d, err)
		}
		assertTree(t, s.root, r2)
	}
}

func TestSyncTwoSitesLayout(t *testing.T) {
	testTwoSites(t, Options{}, "oci-layout:"+filepath.Join(t.TempDir(), "usb"))
}

func TestSyncTwoSitesRegistry(t *testing.T) {
	reg, o := realRegistry(t)
	testTwoSites(t, o, "oci://"+reg.Addr+"/phones/lab")
}

// TestSyncFaultsKeepRelease: every fault between the registry and a site
// leaves the site serving its last good release, with a clear error.
func TestSyncFaultsKeepRelease(t *testing.T) {
	reg, o := realRegistry(t)
	k := newKey(t, 1)
	r1, r2 := release("r1", 200_000), release("r2", 200_000)
	tag := mustRef(t, "oci://"+reg.Addr+"/phones/lab:lab")
	s := newSite(t, k, o)
	if _, err := Push(bg, packBundle(t, k, r1, 1, filepath.Join(t.TempDir(), "r1")), tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	if d, err := s.sync(t, tag); err != nil || d.Action != SyncPublished {
		t.Fatalf("release 1: %+v, %v", d, err)
	}
	if _, err := Push(bg, packBundle(t, k, r2, 2, filepath.Join(t.TempDir(), "r2")), tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	check := func(what string, d *SyncDecision, err error, action string, class error) {
		t.Helper()
		if err == nil || d.Action != action || (class != nil && !errors.Is(err, class)) {
			t.Errorf("%s: %s, %v; want %s (%v)", what, d.Action, err, action, class)
		}
		if d.Serving != 1 {
			t.Errorf("%s: serving %d, want 1", what, d.Serving)
		}
		assertTree(t, s.root, r1)
		if st, _ := ReadSyncState(s.opts.State); st.Sequence != 1 {
			t.Errorf("%s: state sequence %d", what, st.Sequence)
		}
		ents, _ := os.ReadDir(filepath.Dir(s.opts.State))
		for _, e := range ents {
			if e.Name() != "sync.json" {
				t.Errorf("%s: %s left beside the state", what, e.Name())
			}
		}
		t.Logf("%s: %s: %v", what, d.Action, err)
	}
	good := os.Getenv("DOCKER_CONFIG")
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.User, "wrong"))
	d, err := s.sync(t, tag)
	check("wrong credentials", d, err, SyncFailed, ErrAuth)
	t.Setenv("DOCKER_CONFIG", good)

	// The one blob a site holding release 1 must fetch.
	blob := reg.BlobPath(sumHex(r2["SIPDefault.cnf"]))
	orig, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), orig...)
	bad[0] ^= 1
	os.WriteFile(blob, bad, 0o644)
	d, err = s.sync(t, tag)
	check("blob changed in storage", d, err, SyncRefused, bundle.ErrContent)

	os.RemoveAll(filepath.Dir(blob))
	d, err = s.sync(t, tag)
	check("manifest pointing at a missing blob", d, err, SyncRefused, bundle.ErrContent)
	os.MkdirAll(filepath.Dir(blob), 0o755)
	os.WriteFile(blob, orig, 0o644)

	// Killed while the site fetches a new 4 MiB image.
	r3 := release("r3", 4<<20)
	if _, err := Push(bg, packBundle(t, k, r3, 3, filepath.Join(t.TempDir(), "r3")), tag, pushOpts(k, o)); err != nil {
		t.Fatal(err)
	}
	killed := false
	s.opts.Progress = func(int64) {
		if !killed {
			killed = true
			reg.Kill()
		}
	}
	d, err = s.sync(t, tag)
	if !killed {
		t.Fatal("the registry was not killed mid-fetch")
	}
	check("registry killed mid-fetch", d, err, SyncFailed, nil)
	s.opts.Progress = nil

	d, err = s.sync(t, tag)
	check("registry down", d, err, SyncFailed, nil)
}

// TestSyncStalledRegistry: a registry that accepts and never answers ends
// the round at the caller's deadline (sync --timeout), a failure that
// leaves the root alone.
func TestSyncStalledRegistry(t *testing.T) {
	hold := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hold }))
	defer srv.Close()
	defer close(hold)
	k := newKey(t, 1)
	s := newSite(t, k, Options{PlainHTTP: true})
	ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	d, err := SyncOnce(ctx, mustRef(t, "oci://"+strings.TrimPrefix(srv.URL, "http://")+"/phones/lab:stable"), s.root, s.opts)
	if err == nil || d.Action != SyncFailed || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stalled registry: %+v, %v", d, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("round took %s", el)
	}
	if ents, _ := os.ReadDir(s.root); len(ents) != 0 {
		t.Errorf("root changed: %v", ents)
	}
}
