package check

import (
	"strings"
	"testing"
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
