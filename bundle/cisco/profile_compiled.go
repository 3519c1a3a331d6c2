package cisco

import (
	"strings"
)

// A 7905/7912/ATA phone fetches only compiled profiles: gk<mac>, then
// gkdefault.cfg (ld… for the 7905, ata… for the ATA). The text profiles
// (gkdefault.txt, gk<mac>.txt) are cfgfmt's input and never leave the
// server. These helpers pair the two names.

// CompiledName is the binary profile cfgfmt makes from a text profile, the
// name Cisco's instructions give it: gkdefault.txt → gkdefault.cfg,
// gk<mac>.txt → gk<mac>. A name without .txt is returned unchanged.
func CompiledName(txt string) string {
	stem, ok := CutSuffixFold(txt, ".txt")
	if !ok {
		return txt
	}
	if strings.HasSuffix(strings.ToLower(BaseName(stem)), "default") {
		return stem + ".cfg"
	}
	return stem
}

// SourceName is the text profile a binary profile is compiled from:
// gkdefault.cfg → gkdefault.txt, gk<mac> → gk<mac>.txt.
func SourceName(bin string) string {
	if stem, ok := CutSuffixFold(bin, ".cfg"); ok {
		return stem + ".txt"
	}
	return bin + ".txt"
}

// DefaultProfile is the shared compiled profile a phone falls back to when
// its own is not on the server: gk<mac>.txt → gkdefault.cfg in the same
// directory; "" for names that are not profiles.
func DefaultProfile(name string) string {
	dir := name[:len(name)-len(BaseName(name))]
	lower := strings.ToLower(BaseName(name))
	for _, p := range []string{"gk", "ld", "ata"} {
		if strings.HasPrefix(lower, p) {
			return dir + p + "default.cfg"
		}
	}
	return ""
}

// IsDefaultProfile reports whether name is a shared profile (gkdefault.*),
// not a per-device one.
func IsDefaultProfile(name string) bool {
	lower := strings.ToLower(BaseName(name))
	for _, p := range []string{"gk", "ld", "ata"} {
		if strings.HasPrefix(lower, p+"default") {
			return true
		}
	}
	return false
}

func CutSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

// sameUpgrade reports whether two upgrade lines say the same thing, the
// way cfgfmt writes them: a TFTP server "0" compiles to 0.0.0.0.
func sameUpgrade(a, b UpgradeCode) bool {
	norm := func(u UpgradeCode) UpgradeCode {
		if u.TFTP == "0" {
			u.TFTP = "0.0.0.0"
		}
		u.Line = 0
		return u
	}
	return norm(a) == norm(b)
}

// SameUpgrades compares the upgradecode/upgradelang lines of two profiles.
func SameUpgrades(a, b []UpgradeCode) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameUpgrade(a[i], b[i]) {
			return false
		}
	}
	return true
}
