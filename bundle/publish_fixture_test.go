package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// release is a TFTP root's worth of files, name → content.
type release map[string][]byte

// testRelease builds a small but realistic 7940/7960 + 7941 release: signed
// looking images, a .loads naming its parts, SIP and SCCP defaults, per-phone
// files for a SIP phone and an SCCP phone, rings. ver is "8-11-00" style.
func testRelease(ver string, imageSize int) release {
	img := func(name string, n int) []byte {
		b := make([]byte, n)
		seed := sha256.Sum256([]byte(name))
		for i := range b {
			b[i] = seed[i%32] ^ byte(i/32)
		}
		return b
	}
	loader, app := "P003-"+ver+".sbn", "P0S3-"+ver+".sb2"
	load := "P0S3-" + ver
	r := release{
		loader:                    img(loader, imageSize/4),
		app:                       img(app, imageSize),
		load + ".loads":           []byte(loader + "\n" + app + "\nLA_VERSION=PAS3" + strings.ReplaceAll(ver, "-", "") + "\n"),
		"SIPDefault.cnf":          []byte("# defaults " + ver + "\nimage_version: " + load + "\nproxy1_address: 10.0.0.1\n"),
		"SIP001122334455.cnf":     []byte("line1_name: 100\nimage_version: \"" + load + "\" ; pinned\n"),
		"XMLDefault.cnf.xml":      []byte("<Default>\n<loadInformation8 model=\"IP Phone 7940\">" + load + "</loadInformation8>\n<loadInformation7 model=\"IP Phone 7960\">" + load + "</loadInformation7>\n</Default>\n"),
		"SEP001122334466.cnf.xml": []byte("<device>\n<loadInformation>" + load + "</loadInformation>\n<!-- " + ver + " -->\n</device>\n"),
		"RINGLIST.DAT":            []byte("Chirp\tChirp1.raw\n"),
		"Chirp1.raw":              img("chirp"+ver, 4000),
		"OS79XX.TXT":              []byte(load + "\n"),
	}
	if ver < "8-12" {
		r["Old-only.raw"] = img("old", 3000)
	}
	return r
}

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeBundle writes r as a bundle directory: the files, SHA256SUMS and a
// bundle.json. The signature is the Verify hook's business in these tests.
func writeBundle(t testing.TB, dir string, r release) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, data := range r {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	var sums strings.Builder
	for _, name := range names {
		fmt.Fprintf(&sums, "%s  %s\n", sumHex(r[name]), name)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bundle.json"), []byte(`{"name":"test"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readRootFiles returns every file of root outside .phoneload.
func readRootFiles(t testing.TB, root string) release {
	t.Helper()
	got := release{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == StateDir {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameRelease(a, b release) string {
	var diffs []string
	for name, data := range a {
		if bd, ok := b[name]; !ok {
			diffs = append(diffs, "- "+name)
		} else if string(bd) != string(data) {
			diffs = append(diffs, "~ "+name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, "+ "+name)
		}
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "\n")
}

// phoneViews checks what every phone would read from root right now: each
// configuration file it reads is whole (byte-equal to one of the releases)
// and the load its configuration names is there, with every part, all from
// the release that named it. It returns "" when all is well.
func phoneViews(root string, releases ...release) string {
	var problems []string
	read := func(name string) ([]byte, bool) {
		b, err := os.ReadFile(filepath.Join(root, name))
		return b, err == nil
	}
	which := func(name string, b []byte) int {
		for i, r := range releases {
			if d, ok := r[name]; ok && string(d) == string(b) {
				return i
			}
		}
		return -1
	}
	// Every file in the root is whole.
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, _ := read(e.Name())
		if which(e.Name(), b) < 0 {
			problems = append(problems, e.Name()+": torn or foreign content")
		}
	}
	checkLoad := func(phone, load string) {
		lb, ok := read(load + ".loads")
		if !ok {
			problems = append(problems, phone+": "+load+".loads missing")
			return
		}
		rel := which(load+".loads", lb)
		for _, part := range LoadsParts(lb) {
			pb, ok := read(part)
			if !ok {
				problems = append(problems, phone+": "+part+" missing")
				continue
			}
			if rel < 0 || which(part, pb) != rel {
				problems = append(problems, phone+": "+part+" not from the release of "+load+".loads")
			}
		}
	}
	// SIP phones: the per-phone image_version wins over the default.
	for _, mac := range []string{"001122334455", "0011223344AA"} {
		img := ""
		if b, ok := read("SIPDefault.cnf"); ok {
			img, _ = SIPImageVersion(b)
		}
		if b, ok := read("SIP" + mac + ".cnf"); ok {
			if v, ok := SIPImageVersion(b); ok {
				img = v
			}
		}
		if img == "" {
			problems = append(problems, "SIP "+mac+": no image named")
			continue
		}
		checkLoad("SIP "+mac, img)
	}
	// SCCP phones: SEP<MAC>.cnf.xml, else XMLDefault's entry for the model.
	for _, mac := range []string{"001122334466", "0011223344BB"} {
		img := ""
		if b, ok := read("XMLDefault.cnf.xml"); ok {
			for _, l := range LoadElements(b) {
				if l.ModelID == "8" {
					img = l.Value
				}
			}
		}
		if b, ok := read("SEP" + mac + ".cnf.xml"); ok {
			if ls := LoadElements(b); len(ls) > 0 {
				img = ls[0].Value
			}
		}
		if img == "" {
			problems = append(problems, "SCCP "+mac+": no image named")
			continue
		}
		checkLoad("SCCP "+mac, img)
	}
	return strings.Join(problems, "\n")
}
