package cisco

import (
	"strconv"
	"strings"
)

// Version is a firmware version read from a load name. Components are
// numbers, so "08-12-00" and "8-12-00" are the same version (while the file
// names stay distinct: TFTP names are byte-exact). Suffix holds what follows
// the numbers in 79x1 names ("S", "SR3-1S", "TH1-6").
type Version struct {
	Major, Minor, Patch, Build int
	// Parts is how many of Major, Minor, Patch, Build the name gave (0–4).
	Parts  int
	Suffix string
}

// IsZero reports whether v holds no version at all.
func (v Version) IsZero() bool { return v.Parts == 0 && v.Suffix == "" }

func (v Version) nums() [4]int { return [4]int{v.Major, v.Minor, v.Patch, v.Build} }

// Compare returns -1, 0 or +1 as v is older than, the same as or newer than
// w. Numbers compare numerically (a missing component counts as 0); then
// the suffixes compare as strings, an empty suffix first.
func (v Version) Compare(w Version) int {
	a, b := v.nums(), w.nums()
	for i := range a {
		switch {
		case a[i] < b[i]:
			return -1
		case a[i] > b[i]:
			return 1
		}
	}
	return strings.Compare(v.Suffix, w.Suffix)
}

// String formats v the way Cisco's release notes do: "8.12(0)", "8.1(2)",
// "2.2", "8.5(4)S", "7.2(3.1)".
func (v Version) String() string {
	if v.Parts == 0 {
		return v.Suffix
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(v.Major))
	if v.Parts >= 2 {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(v.Minor))
	}
	if v.Parts >= 3 {
		b.WriteByte('(')
		b.WriteString(strconv.Itoa(v.Patch))
		if v.Parts >= 4 && v.Build != 0 {
			b.WriteByte('.')
			b.WriteString(strconv.Itoa(v.Build))
		}
		b.WriteByte(')')
	}
	b.WriteString(v.Suffix)
	return b.String()
}

// MarshalText makes a Version a plain string in JSON ("8.12(0)").
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// ParseVersion reads a dashed version as load names spell it: "8-12-00",
// "08-12-00", "8-5-4S", "9-4-2SR3-1S", "8-5-4TH1-6". It reports false when s
// does not start with a number.
func ParseVersion(s string) (Version, bool) {
	var v Version
	nums := [4]*int{&v.Major, &v.Minor, &v.Patch, &v.Build}
	rest := s
	for v.Parts < len(nums) {
		n := 0
		for n < len(rest) && isDigit(rest[n]) {
			n++
		}
		// Nine digits keep every component in an int on any platform.
		if n == 0 || n > 9 {
			break
		}
		x, _ := strconv.Atoi(rest[:n])
		*nums[v.Parts] = x
		v.Parts++
		rest = rest[n:]
		// The next component follows a dash and starts with a digit;
		// anything else is the suffix.
		if len(rest) >= 2 && rest[0] == '-' && isDigit(rest[1]) {
			rest = rest[1:]
			continue
		}
		break
	}
	if v.Parts == 0 {
		return Version{}, false
	}
	v.Suffix = rest
	return v, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// atoi reads a fixed-width decimal field that the caller has checked is digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
