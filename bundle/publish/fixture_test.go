package publish

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/fixture"
)

// The release fixture is shared with probe's tests.
type release = fixture.Release

var (
	testRelease = fixture.TestRelease
	writeBundle = fixture.WriteBundle
)

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
			if rel == drop.StateDir {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // a link planted in the root is no published file
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
		for _, part := range cisco.LoadsParts(lb) {
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
			img, _ = cisco.SIPImageVersion(b)
		}
		if b, ok := read("SIP" + mac + ".cnf"); ok {
			if v, ok := cisco.SIPImageVersion(b); ok {
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
			for _, l := range cisco.LoadElements(b) {
				if l.ModelID == "8" {
					img = l.Value
				}
			}
		}
		if b, ok := read("SEP" + mac + ".cnf.xml"); ok {
			if ls := cisco.LoadElements(b); len(ls) > 0 {
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

// sdOf is the default state directory of root.
func sdOf(t testing.TB, root string) string {
	t.Helper()
	sd, err := StateDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return sd
}
