package publish

import (
	"archive/zip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/fixture"

	"github.com/google/go-cmp/cmp"
)

var noVerify = Options{SkipVerify: true}

func publishOK(t *testing.T, src, root string, opts Options) *Result {
	t.Helper()
	res, err := Run(src, root, opts)
	if err != nil {
		t.Fatalf("Publish(%s): %v", src, err)
	}
	return res
}

func TestPublishReplaceAndRollback(t *testing.T) {
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 3000), testRelease("8-12-00", 3000)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)

	publishOK(t, oldB, root, noVerify)
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("after first publish, root differs from the old release:\n%s", d)
	}
	res := publishOK(t, newB, root, noVerify)
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("after second publish, root differs from the new release:\n%s", d)
	}
	// The plan runs group by group, removals last.
	order := map[string]int{"image": 0, "loads": 1, "support": 2, "per-phone": 3, "defaults": 4, "remove": 5}
	last := -1
	for _, s := range res.Steps {
		if s.Action == "unchanged" {
			continue
		}
		if order[s.Group] < last {
			t.Errorf("step %s (%s) after a later group", s.Name, s.Group)
		}
		last = order[s.Group]
	}
	if got := findStep(res.Steps, "Old-only.raw"); got.Action != "remove" {
		t.Errorf("Old-only.raw: action %q, want remove", got.Action)
	}
	if got := findStep(res.Steps, "RINGLIST.DAT"); got.Action != "unchanged" {
		t.Errorf("RINGLIST.DAT: action %q, want unchanged", got.Action)
	}
	st, err := ReadState(sdOf(t, root))
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != res.ID || len(st.Files) != len(newR) {
		t.Errorf("state: id %s (want %s), %d files (want %d)", st.ID, res.ID, len(st.Files), len(newR))
	}

	rb, err := Rollback(root, RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rb.ID != res.ID || rb.Interrupted {
		t.Errorf("Rollback = %+v, want id %s not interrupted", rb, res.ID)
	}
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("after rollback, root differs from the old release:\n%s", d)
	}
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readRootFiles(t, root); len(got) != 0 {
		t.Fatalf("after rolling back the first publish, root holds %d files, want none", len(got))
	}
	if _, err := Rollback(root, RollbackOptions{}); !errors.Is(err, ErrNothingToRollBack) {
		t.Fatalf("third Rollback: %v, want ErrNothingToRollBack", err)
	}
}

func findStep(steps []Step, name string) Step {
	for _, s := range steps {
		if s.Name == name {
			return s
		}
	}
	return Step{}
}

func TestPublishDryRunTouchesNothing(t *testing.T) {
	dir := t.TempDir()
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	res, err := Run(b, root, Options{SkipVerify: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() != len(testRelease("8-12-00", 1000)) {
		t.Errorf("dry run plans %d changes, want one per file", res.Changed())
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("dry run wrote %d entries into the root", len(ents))
	}
}

func TestPublishVerifyFirst(t *testing.T) {
	dir := t.TempDir()
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	// The test bundle is not signed: any trusted key refuses it.
	_, err := Run(b, root, Options{Verify: &bundle.VerifyOptions{Trust: fixture.TestTrust(t)}})
	var ve *bundle.VerifyError
	if !errors.As(err, &ve) || !errors.Is(err, bundle.ErrSignature) || ve.Result == nil {
		t.Fatalf("Run of an unsigned bundle: %v, want a *bundle.VerifyError wrapping ErrSignature, with its result", err)
	}
	if _, err := Run(b, root, Options{}); !errors.Is(err, ErrNoVerify) {
		t.Fatalf("Publish without Verify: %v, want ErrNoVerify", err)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("an unverified publish wrote %d entries into the root", len(ents))
	}
}

func TestPublishRefusesTamperedBundle(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(dir string)
		want   string
	}{
		{"modified", func(d string) {
			os.WriteFile(filepath.Join(d, "SIPDefault.cnf"), []byte("image_version: evil\n"), 0o644)
		}, "does not match SHA256SUMS"},
		{"extra", func(d string) { os.WriteFile(filepath.Join(d, "evil.bin"), []byte("x"), 0o644) }, "not listed in SHA256SUMS"},
		{"missing", func(d string) { os.Remove(filepath.Join(d, "RINGLIST.DAT")) }, "listed in SHA256SUMS but missing"},
		{"no sums", func(d string) { os.Remove(filepath.Join(d, "SHA256SUMS")) }, "no SHA256SUMS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
			tc.tamper(b)
			root := filepath.Join(dir, "root")
			os.Mkdir(root, 0o755)
			_, err := Run(b, root, noVerify)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Publish: %v, want %q", err, tc.want)
			}
			if got := readRootFiles(t, root); len(got) != 0 {
				t.Errorf("root holds %d files after a refused publish", len(got))
			}
			// Not even the journal directory: the root is as it was.
			if _, err := os.Stat(sdOf(t, root)); err == nil {
				t.Errorf("%s left behind by a refused first publish", drop.StateDir)
			}
		})
	}
}

func TestPublishOwnership(t *testing.T) {
	dir := t.TempDir()
	newR := testRelease("8-12-00", 1000)
	b := writeBundle(t, filepath.Join(dir, "b"), newR)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	foreign := []byte("image_version: P0S3-7-5-00\n")
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), foreign, 0o644)

	_, err := Run(b, root, noVerify)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("Publish over a foreign SIPDefault.cnf: %v, want a ConflictError", err)
	}
	if diff := cmp.Diff([]string{"SIPDefault.cnf"}, stepNames(ce.Conflicts)); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if got := readRootFiles(t, root); len(got) != 1 || string(got["SIPDefault.cnf"]) != string(foreign) {
		t.Fatalf("a refused publish changed the root: %v", sameRelease(release{"SIPDefault.cnf": foreign}, got))
	}
	if _, err := os.Stat(sdOf(t, root)); err == nil {
		t.Errorf("%s left behind by a refused first publish", drop.StateDir)
	}
	publishOK(t, b, root, Options{SkipVerify: true, Force: true})
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("forced publish:\n%s", d)
	}
	// A file changed by hand after the publish is not overwritten silently.
	os.WriteFile(filepath.Join(root, "OS79XX.TXT"), []byte("P0S3-8-12-00 \n"), 0o644)
	b2 := writeBundle(t, filepath.Join(dir, "b2"), testRelease("8-13-00", 1000))
	_, err = Run(b2, root, noVerify)
	if !errors.As(err, &ce) || ce.Conflicts[0].Reason != "changed since the last publish" {
		t.Fatalf("Publish over a hand-edited file: %v", err)
	}
	// Rolling back the forced publish restores the foreign file.
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := sameRelease(release{"SIPDefault.cnf": foreign}, readRootFiles(t, root)); d != "" {
		t.Fatalf("rollback of a forced publish:\n%s", d)
	}
}

func stepNames(s []Step) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Name)
	}
	return out
}

func TestPublishLocked(t *testing.T) {
	dir := t.TempDir()
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	unlock, err := lockRoot(root, sdOf(t, root))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(b, root, noVerify)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid ") || !strings.Contains(err.Error(), ": "+root+" (") {
		t.Fatalf("concurrent Publish: %v, want ErrLocked naming the root and the holder", err)
	}
	if _, err := Rollback(root, RollbackOptions{}); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), ": "+root+" (") {
		t.Fatalf("concurrent Rollback: %v, want ErrLocked naming the root", err)
	}
	unlock()
	publishOK(t, b, root, noVerify)
}

// TestPublishFailureAtEveryStep injects an I/O error (disk full, read-only
// remount, EIO) at every step of a publish in turn: the publish fails with
// that error, the root holds exactly the old release, and the next publish
// succeeds.
func TestPublishFailureAtEveryStep(t *testing.T) {
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 2000), testRelease("8-12-00", 2000)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)

	var steps []string
	{
		root := filepath.Join(dir, "count")
		os.Mkdir(root, 0o755)
		publishOK(t, oldB, root, noVerify)
		publishOK(t, newB, root, Options{SkipVerify: true, hook: func(s string) error { steps = append(steps, s); return nil }})
	}
	if len(steps) < 20 {
		t.Fatalf("only %d steps recorded: %v", len(steps), steps)
	}
	enospc := errors.New("no space left on device")
	for i, step := range steps {
		if testing.Short() && i%4 != 0 {
			continue
		}
		root := filepath.Join(dir, "r", step+"-"+string(rune('a'+i%26)))
		os.MkdirAll(root, 0o755)
		publishOK(t, oldB, root, noVerify)
		n := 0
		_, err := Run(newB, root, Options{SkipVerify: true, hook: func(s string) error {
			n++
			if n == i+1 {
				return enospc
			}
			return nil
		}})
		got := readRootFiles(t, root)
		switch {
		case err == nil && step == "state-next":
			t.Errorf("step %s: publish reported success despite the failure", step)
		case err == nil:
			// Failures after the last rename are bookkeeping only.
			if d := sameRelease(newR, got); d != "" {
				t.Errorf("step %s: publish succeeded but the root is not the new release:\n%s", step, d)
			}
		case !errors.Is(err, enospc):
			t.Errorf("step %s: error %v does not carry the cause", step, err)
		default:
			if d := sameRelease(oldR, got); d != "" && sameRelease(newR, got) != "" {
				t.Errorf("step %s: failed publish left a mixed root:\n%s", step, d)
			}
		}
		if p := phoneViews(root, oldR, newR); p != "" {
			t.Errorf("step %s: %s", step, p)
		}
		publishOK(t, newB, root, noVerify)
		if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
			t.Errorf("step %s: publish after the failure:\n%s", step, d)
		}
	}
}

func TestCanary(t *testing.T) {
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 1000), testRelease("8-12-00", 1000)
	oldSEP := "<device>\n  <loadInformation>P0S3-8-11-00</loadInformation>\n</device>\n"
	oldR["SEP0011223344BB.cnf.xml"] = []byte(oldSEP)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	publishOK(t, oldB, root, noVerify)

	// 001122334455 and 001122334466 have their files in the bundle,
	// 0011223344AA gets one made from the new SIPDefault.cnf, and
	// 0011223344BB's SEP file in the root is rewritten to the new load.
	res := publishOK(t, newB, root, Options{SkipVerify: true, Canary: []string{"00:11:22:33:44:55", "0011223344aa", "001122334466", "0011223344bb"}})
	got := readRootFiles(t, root)
	for _, name := range []string{"SIPDefault.cnf", "XMLDefault.cnf.xml", "OS79XX.TXT", "RINGLIST.DAT", "Chirp1.raw", "Old-only.raw"} {
		if string(got[name]) != string(oldR[name]) {
			t.Errorf("canary changed shared file %s", name)
		}
	}
	for _, name := range []string{"P003-8-12-00.sbn", "P0S3-8-12-00.sb2", "P0S3-8-12-00.loads", "P003-8-11-00.sbn"} {
		if got[name] == nil {
			t.Errorf("canary: %s missing", name)
		}
	}
	if v, _ := cisco.SIPImageVersion(got["SIP001122334455.cnf"]); v != "P0S3-8-12-00" {
		t.Errorf("SIP001122334455.cnf image_version %q", v)
	}
	if string(got["SIP0011223344AA.cnf"]) != string(newR["SIPDefault.cnf"]) {
		t.Errorf("SIP0011223344AA.cnf = %q, want the new SIPDefault.cnf", got["SIP0011223344AA.cnf"])
	}
	want := strings.ReplaceAll(oldSEP, "P0S3-8-11-00", "P0S3-8-12-00")
	if string(got["SEP0011223344BB.cnf.xml"]) != want {
		t.Errorf("SEP0011223344BB.cnf.xml = %q, want %q", got["SEP0011223344BB.cnf.xml"], want)
	}
	if string(got["SEP001122334466.cnf.xml"]) != string(newR["SEP001122334466.cnf.xml"]) {
		t.Errorf("SEP001122334466.cnf.xml is not the bundle's")
	}
	if got["SIP001122334466.cnf"] != nil || got["SIP0011223344BB.cnf"] != nil {
		t.Errorf("canary made a SIP file for an SCCP phone")
	}
	if p := phoneViews(root, oldR, newR, release{"SIP0011223344AA.cnf": newR["SIPDefault.cnf"], "SEP0011223344BB.cnf.xml": []byte(want)}); p != "" {
		t.Errorf("canary root: %s", p)
	}
	if findStep(res.Steps, "SIPDefault.cnf").Action != "skip" {
		t.Errorf("SIPDefault.cnf step: %+v", findStep(res.Steps, "SIPDefault.cnf"))
	}
	// Then the full publish, and rollback twice gets back to the old release.
	publishOK(t, newB, root, noVerify)
	if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
		t.Fatalf("full publish after canary:\n%s", d)
	}
	Rollback(root, RollbackOptions{})
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("rolled back twice:\n%s", d)
	}
	// A canary cannot replace an image every phone may be reading.
	clash := testRelease("8-11-00", 1000)
	clash["P003-8-11-00.sbn"] = []byte("different")
	clashB := writeBundle(t, filepath.Join(dir, "clash"), clash)
	_, err := Run(clashB, root, Options{SkipVerify: true, Canary: []string{"001122334455"}})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Conflicts[0].Name != "P003-8-11-00.sbn" {
		t.Fatalf("canary over a shared image: %v", err)
	}
	if _, err := Run(newB, root, Options{SkipVerify: true, Canary: []string{"nope"}}); err == nil {
		t.Fatal("canary with a bad MAC accepted")
	}
}

// TestCanaryFirmwareOnly: a bundle of images and manifests only moves the
// canary phones by editing the configurations the root already has, in
// place: image_version of SIP<MAC>.cnf, loadInformation of SEP<MAC>.cnf.xml.
func TestCanaryFirmwareOnly(t *testing.T) {
	dir := t.TempDir()
	oldR, full := testRelease("8-11-00", 1000), testRelease("8-12-00", 1000)
	oldR["SEP0011223344BB.cnf.xml"] = []byte("<device>\n  <loadInformation>P0S3-8-11-00</loadInformation>\n</device>\n")
	fw := release{}
	for _, name := range []string{"P003-8-12-00.sbn", "P0S3-8-12-00.sb2", "P0S3-8-12-00.loads"} {
		fw[name] = full[name]
	}
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	fwB := writeBundle(t, filepath.Join(dir, "fw"), fw)
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	publishOK(t, oldB, root, noVerify)

	publishOK(t, fwB, root, Options{SkipVerify: true, Canary: []string{"001122334455", "0011223344BB", "0011223344AA"}})
	got := readRootFiles(t, root)
	for name, data := range oldR {
		switch name {
		case "SIP001122334455.cnf", "SEP0011223344BB.cnf.xml":
			continue
		}
		if string(got[name]) != string(data) {
			t.Errorf("firmware-only canary changed %s", name)
		}
	}
	for name := range fw {
		if got[name] == nil {
			t.Errorf("%s not published", name)
		}
	}
	// Only the image_version line changes.
	if want := "line1_name: 100\nimage_version: P0S3-8-12-00\n"; string(got["SIP001122334455.cnf"]) != want {
		t.Errorf("SIP001122334455.cnf = %q, want %q", got["SIP001122334455.cnf"], want)
	}
	wantSEP := strings.Replace(string(oldR["SEP0011223344BB.cnf.xml"]), "P0S3-8-11-00", "P0S3-8-12-00", 1)
	if string(got["SEP0011223344BB.cnf.xml"]) != wantSEP {
		t.Errorf("SEP0011223344BB.cnf.xml = %q, want %q", got["SEP0011223344BB.cnf.xml"], wantSEP)
	}
	// A phone with no file of its own gets the smallest one that moves it.
	if v, _ := cisco.SIPImageVersion(got["SIP0011223344AA.cnf"]); v != "P0S3-8-12-00" {
		t.Errorf("SIP0011223344AA.cnf = %q, want image_version P0S3-8-12-00", got["SIP0011223344AA.cnf"])
	}
	// Rollback puts the configurations back as they were.
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := sameRelease(oldR, readRootFiles(t, root)); d != "" {
		t.Fatalf("rolled back:\n%s", d)
	}
	// Two loads of the bundle for the same phones: which one is meant is
	// not guessed.
	two := release{"P0S3-8-12-00.loads": full["P0S3-8-12-00.loads"], "P0S3-8-12-01.loads": full["P0S3-8-12-00.loads"]}
	twoB := writeBundle(t, filepath.Join(dir, "two"), two)
	if _, err := Run(twoB, root, Options{SkipVerify: true, Canary: []string{"0011223344BB"}}); err == nil || !strings.Contains(err.Error(), "P0S3-8-11-00") {
		t.Errorf("ambiguous firmware-only canary: %v", err)
	}
}

func TestClassifyPublish(t *testing.T) {
	for name, want := range map[string]Group{
		"P0S3-8-12-00.sb2": GroupImage, "P003-8-12-00.SBN": GroupImage, "CP7912080001SIP060412A.sbin": GroupImage,
		"ATA030200SIP041111A.zup": GroupImage, "P0S30100.bin": GroupImage,
		"SIP41.8-5-4S.loads": GroupLoads,
		"RINGLIST.DAT":       GroupSupport, "dialplan.xml": GroupSupport, "CTLFile.tlv": GroupSupport,
		"SIP002094D245CB.cnf": GroupPerPhone, "SEP002094D245CB.cnf.xml": GroupPerPhone, "gk0011223344aa": GroupPerPhone,
		"CTLSEP002094D245CB.tlv": GroupPerPhone, "ld0011223344aa.txt": GroupPerPhone,
		"SIPDefault.cnf": GroupDefaults, "XMLDefault.cnf.xml": GroupDefaults, "OS79XX.TXT": GroupDefaults, "gkdefault.cfg": GroupDefaults,
	} {
		if got := Classify(name); got != want {
			t.Errorf("ClassifyPublish(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSetSIPImageVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a: 1\nimage_version: X ; c\nb: 2\n", "a: 1\nimage_version: NEW\nb: 2\n"},
		{"a: 1\r\n", "a: 1\r\nimage_version: NEW\r\n"},
		{"a: 1", "a: 1\nimage_version: NEW\n"},
		{"# image_version: X\n", "# image_version: X\nimage_version: NEW\n"},
	} {
		got := string(cisco.SetSIPImageVersion([]byte(tc.in), "NEW"))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("SetSIPImageVersion(%q) (-want +got):\n%s", tc.in, diff)
		}
		if v, _ := cisco.SIPImageVersion([]byte(got)); v != "NEW" {
			t.Errorf("SIPImageVersion after set = %q", v)
		}
	}
}

// TestPublishZipBundle publishes a bundle zip the way one is shipped.
func TestPublishZipBundle(t *testing.T) {
	dir := t.TempDir()
	r := testRelease("8-12-00", 5000)
	b := writeBundle(t, filepath.Join(dir, "b"), r)
	zp := filepath.Join(dir, "b.zip")
	f, err := os.Create(zp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	ents, _ := os.ReadDir(b)
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(b, e.Name()))
		w, _ := zw.Create(e.Name())
		w.Write(data)
	}
	zw.Close()
	f.Close()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	publishOK(t, zp, root, noVerify)
	if d := sameRelease(r, readRootFiles(t, root)); d != "" {
		t.Fatalf("published from a zip:\n%s", d)
	}
}

func TestPublishKeepsBoundedHistory(t *testing.T) {
	dir := t.TempDir()
	a := writeBundle(t, filepath.Join(dir, "a"), testRelease("8-11-00", 1000))
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	for i := 0; i < 5; i++ {
		src := a
		if i%2 == 1 {
			src = b
		}
		publishOK(t, src, root, Options{SkipVerify: true, Keep: 2})
	}
	ids, err := History(sdOf(t, root))
	if err != nil || len(ids) != 2 {
		t.Fatalf("history after 5 publishes with Keep 2: %v, %v", ids, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := Rollback(root, RollbackOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Rollback(root, RollbackOptions{}); !errors.Is(err, ErrNothingToRollBack) {
		t.Fatalf("rollback past the kept history: %v", err)
	}
}

func TestPublishWarnsSameNameImage(t *testing.T) {
	dir := t.TempDir()
	a := testRelease("8-12-00", 1000)
	b := testRelease("8-12-00", 1000)
	b["P0S3-8-12-00.sb2"] = []byte("rebuilt")
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	publishOK(t, writeBundle(t, filepath.Join(dir, "a"), a), root, noVerify)
	res := publishOK(t, writeBundle(t, filepath.Join(dir, "b"), b), root, noVerify)
	if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "P0S3-8-12-00.sb2: replaced under the same name") {
		t.Fatalf("warnings: %q", res.Warnings)
	}
}

func TestPublishNoChangeLeavesNoHistory(t *testing.T) {
	dir := t.TempDir()
	b := writeBundle(t, filepath.Join(dir, "b"), testRelease("8-12-00", 1000))
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	first := publishOK(t, b, root, noVerify)
	again := publishOK(t, b, root, noVerify)
	if again.Changed() != 0 || again.ID != first.ID {
		t.Errorf("second publish: %d changes, id %s (want 0, %s)", again.Changed(), again.ID, first.ID)
	}
	if ids, _ := History(sdOf(t, root)); len(ids) != 1 {
		t.Errorf("history after a no-op publish: %v", ids)
	}
}

// TestRollbackRemovesCreatedDirs: directories a publish made for its files
// go again with the rollback; a directory that was there before stays.
func TestRollbackRemovesCreatedDirs(t *testing.T) {
	dir := t.TempDir()
	r := testRelease("8-12-00", 1000)
	r["rings/deep/Chirp2.raw"] = []byte("chirp")
	r["rings/deep/Chirp4.raw"] = []byte("chirp4")
	r["rings/Chirp3.raw"] = []byte("chirp3")
	r["keep/x.xml"] = []byte("<x/>")
	b := writeBundle(t, filepath.Join(dir, "b"), r)
	root := filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "keep"), 0o755)
	publishOK(t, b, root, noVerify)
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == drop.StateDir {
			return filepath.SkipDir
		}
		got = append(got, filepath.ToSlash(rel))
		return nil
	})
	if diff := cmp.Diff([]string{".", "keep"}, got); diff != "" {
		t.Errorf("root after rollback (-want +got):\n%s", diff)
	}
}

// TestPublishSeesRootFiles: the root is listed once instead of opening
// every name (scanRoot), and a file already there is still found, at the
// top, in a subdirectory, and in a directory holding a name other than
// ASCII (whose names are then opened one by one).
func TestPublishSeesRootFiles(t *testing.T) {
	dir := t.TempDir()
	r := testRelease("8-12-00", 1000)
	r["cfg/SIP000D28000001.cnf"] = []byte("line1_name: 1\n")
	r["cfg/SIP000D28000002.cnf"] = []byte("line1_name: 2\n")
	r["rings/a.raw"] = []byte("ring a")
	r["rings/b.raw"] = []byte("ring b")
	b := writeBundle(t, filepath.Join(dir, "b"), r)
	root := filepath.Join(dir, "root")
	for _, d := range []string{"cfg", "rings"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{
		"Chirp1.raw":              "foreign ring",
		"cfg/SIP000D28000002.cnf": "line1_name: hand-made\n",
		"rings/b.raw":             "foreign b",
		"rings/é.raw":             "not ASCII",
	} {
		if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(name)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Run(b, root, noVerify)
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("Publish over foreign files: %v, want a ConflictError", err)
	}
	if diff := cmp.Diff([]string{"Chirp1.raw", "rings/b.raw", "cfg/SIP000D28000002.cnf"}, stepNames(ce.Conflicts)); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	res := publishOK(t, b, root, Options{SkipVerify: true, Force: true})
	for name, want := range map[string]string{"Chirp1.raw": opReplace, "cfg/SIP000D28000001.cnf": opCreate, "cfg/SIP000D28000002.cnf": opReplace, "rings/a.raw": opCreate, "rings/b.raw": opReplace} {
		if got := findStep(res.Steps, name).Action; got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	// The forced publish backed up what it replaced: rollback restores it.
	if _, err := Rollback(root, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := readRootFiles(t, root); string(got["rings/b.raw"]) != "foreign b" || string(got["cfg/SIP000D28000002.cnf"]) != "line1_name: hand-made\n" || len(got) != 4 {
		t.Errorf("after rollback: %v", got)
	}
}
