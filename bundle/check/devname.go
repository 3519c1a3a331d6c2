package check

import (
	"regexp"
	"strings"
)

// matchDevUpper is reDevUpper().FindStringSubmatch(base) as (prefix, hex,
// ext, ok), by hand for ASCII names (it runs on every file of the root):
// a device prefix in any case, a run of hex digits, then a dot and at
// least one more character, none a newline. Names with non-ASCII bytes go
// to the regexp, whose case folding knows Unicode (FuzzDevNameMatch checks
// the two agree).
func matchDevUpper(base string) (prefix, hex, ext string, ok bool) {
	if !devNameASCII(base) {
		return submatch3(reDevUpper(), base)
	}
	n := foldPrefix(base, "CTLSEP", "ITLSEP", "SEP", "SIP", "MGC")
	if n == 0 {
		return "", "", "", false
	}
	i := n
	for i < len(base) && isHexDigit(base[i]) {
		i++
	}
	if i == n || len(base)-i < 2 || base[i] != '.' || strings.IndexByte(base[i:], '\n') >= 0 {
		return "", "", "", false
	}
	return base[:n], base[n:i], base[i:], true
}

// matchDevLower is reDevLower().FindStringSubmatch(base) as (prefix, hex,
// ext, ok), by hand for ASCII names: gk, ld or ata in any case, 12 hex
// digits, then nothing or a dot and at least one more character, none a
// newline.
func matchDevLower(base string) (prefix, hex, ext string, ok bool) {
	if !devNameASCII(base) {
		return submatch3(reDevLower(), base)
	}
	n := foldPrefix(base, "gk", "ld", "ata")
	if n == 0 || len(base) < n+12 {
		return "", "", "", false
	}
	for i := n; i < n+12; i++ {
		if !isHexDigit(base[i]) {
			return "", "", "", false
		}
	}
	ext = base[n+12:]
	if ext != "" && (len(ext) < 2 || ext[0] != '.' || strings.IndexByte(ext, '\n') >= 0) {
		return "", "", "", false
	}
	return base[:n], base[n : n+12], ext, true
}

func isHexDigit(ch byte) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}

// devNameASCII reports a name of ASCII bytes only.
func devNameASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// submatch3 is re.FindStringSubmatch(base)'s three groups, for the names
// the hand matchers leave to the regexps.
func submatch3(re *regexp.Regexp, base string) (a, b, c string, ok bool) {
	m := re.FindStringSubmatch(base)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

// foldPrefix returns the length of the first of prefixes base starts
// with, case ignored, or 0.
func foldPrefix(base string, prefixes ...string) int {
	for _, p := range prefixes {
		if len(base) >= len(p) && strings.EqualFold(base[:len(p)], p) {
			return len(p)
		}
	}
	return 0
}
