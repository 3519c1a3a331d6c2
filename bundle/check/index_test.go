package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/drop"
)

// compareFold must order names exactly as their strings.ToLower forms,
// ASCII or not, since fold searches and groups by it.
func TestCompareFold(t *testing.T) {
	names := []string{"", "a", "A", "ab", "aB", "AB", "b", "SEP00.cnf.xml", "sep00.CNF.xml", "sep00.cnf.xm", "RINGLIST.DAT", "ringlist.dat", "Ä.txt", "ä.txt", "ä", "z", "Z", "[", "_", "İ", "i", "ſ", "s", "K", "k"}
	sign := func(n int) int {
		switch {
		case n < 0:
			return -1
		case n > 0:
			return 1
		}
		return 0
	}
	for _, a := range names {
		for _, b := range names {
			if got, want := sign(compareFold(a, b)), strings.Compare(strings.ToLower(a), strings.ToLower(b)); got != want {
				t.Errorf("compareFold(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func FuzzCompareFold(f *testing.F) {
	f.Add("SIP000D28000001.cnf", "sip000d28000001.CNF")
	f.Fuzz(func(t *testing.T, a, b string) {
		got := compareFold(a, b)
		want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
		if (got < 0) != (want < 0) || (got == 0) != (want == 0) {
			t.Errorf("compareFold(%q, %q) = %d, want sign of %d", a, b, got, want)
		}
	})
}

// TestFoldIndex: byFold is a permutation of the files (issue 16), and fold
// and foldGroups give what a stably sorted copy gave: matches in drop
// order, groups in the order of their lower-cased names.
func TestFoldIndex(t *testing.T) {
	names := []string{"b.txt", "RINGLIST.DAT", "a.bin", "ringlist.dat", "A.BIN", "Ringlist.Dat", "c", "sub/X", "sub/x", "Ä.txt", "ä.txt"}
	files := make([]*drop.File, len(names))
	for i, n := range names {
		files[i] = &drop.File{Name: n}
	}
	c := &checker{d: &drop.Drop{Files: files}}
	c.index()
	// What the index was: a stably sorted copy.
	want := slices.Clone(files)
	slices.SortStableFunc(want, func(a, b *drop.File) int { return compareFold(a.Name, b.Name) })
	for i := range want {
		if c.foldAt(i) != want[i] {
			t.Errorf("byFold[%d] = %s, want %s", i, c.foldAt(i).Name, want[i].Name)
		}
	}
	nameOf := func(fs []*drop.File) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	if got := nameOf(c.fold("ringlist.DAT")); !slices.Equal(got, []string{"RINGLIST.DAT", "ringlist.dat", "Ringlist.Dat"}) {
		t.Errorf("fold = %q", got)
	}
	if got := c.fold("none"); got != nil {
		t.Errorf("fold of an absent name = %v", got)
	}
	var groups [][]string
	c.foldGroups(func(fs []*drop.File) { groups = append(groups, nameOf(fs)) })
	wantGroups := [][]string{{"a.bin", "A.BIN"}, {"RINGLIST.DAT", "ringlist.dat", "Ringlist.Dat"}, {"sub/X", "sub/x"}, {"Ä.txt", "ä.txt"}}
	if !slices.EqualFunc(groups, wantGroups, slices.Equal) {
		t.Errorf("groups = %q, want %q", groups, wantGroups)
	}
}
