package check

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/phoneload/phoneload/bundle/drop"
)

// index sorts the files of the root by name and by name with case ignored.
// The second order is a permutation of c.d.Files, 4 bytes a file, not a
// copy of a million pointers (issue 16).
func (c *checker) index() {
	byName := func(a, b *drop.File) int { return strings.Compare(a.Name, b.Name) }
	if slices.IsSortedFunc(c.d.Files, byName) {
		c.byName = c.d.Files // as drop.Open leaves them: no copy of a million pointers
	} else {
		c.byName = slices.Clone(c.d.Files)
		slices.SortStableFunc(c.byName, byName)
	}
	files := c.d.Files
	c.byFold = make([]int32, len(files))
	for i := range c.byFold {
		c.byFold[i] = int32(i)
	}
	// Names equal but for case keep drop order: the index breaks the tie,
	// which makes the order total and a stable sort needless.
	slices.SortFunc(c.byFold, func(a, b int32) int {
		if r := compareFold(files[a].Name, files[b].Name); r != 0 {
			return r
		}
		return int(a) - int(b)
	})
}

// foldAt returns the i-th file of the by-case-fold order.
func (c *checker) foldAt(i int) *drop.File { return c.d.Files[c.byFold[i]] }

// file returns the file called name (exact, as TFTP servers match), or nil.
// Of files listed twice under one name (only a hand-built drop has them),
// the last wins.
func (c *checker) file(name string) *drop.File {
	i := sort.Search(len(c.byName), func(i int) bool { return c.byName[i].Name > name })
	if i > 0 && c.byName[i-1].Name == name {
		return c.byName[i-1]
	}
	return nil
}

// fold returns the files whose names equal name once both are lower-cased
// (strings.ToLower), in drop order.
func (c *checker) fold(name string) []*drop.File {
	i := sort.Search(len(c.byFold), func(i int) bool { return compareFold(c.foldAt(i).Name, name) >= 0 })
	j := i
	for j < len(c.byFold) && compareFold(c.foldAt(j).Name, name) == 0 {
		j++
	}
	return c.foldRun(i, j)
}

// foldRun returns the files of byFold[i:j], nil when none.
func (c *checker) foldRun(i, j int) []*drop.File {
	if i == j {
		return nil
	}
	out := make([]*drop.File, j-i)
	for k := range out {
		out[k] = c.foldAt(i + k)
	}
	return out
}

// foldGroups calls fn with each set of two or more files whose names differ
// only in case, in the order of their lower-cased names.
func (c *checker) foldGroups(fn func(fs []*drop.File)) {
	for i := 0; i < len(c.byFold); {
		j := i + 1
		for j < len(c.byFold) && compareFold(c.foldAt(i).Name, c.foldAt(j).Name) == 0 {
			j++
		}
		if j-i > 1 {
			fn(c.foldRun(i, j))
		}
		i = j
	}
}

// compareFold compares strings.ToLower(a) and strings.ToLower(b) without
// allocating when both are ASCII (every name of a real root).
func compareFold(a, b string) int {
	if !isASCII(a) || !isASCII(b) {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	}
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := lowerASCII(a[i]), lowerASCII(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
