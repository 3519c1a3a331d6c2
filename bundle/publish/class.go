package publish

import (
	"path"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// Group orders the files of a publish. Files are renamed into place
// group by group, so that whatever a phone reads at any instant names only
// files that are already whole: the images first, then the .loads manifests
// that name them, then rings and dial plans, then the per-phone
// configurations, and the shared defaults that every phone reads last.
type Group int

const (
	GroupImage    Group = iota // .bin .sbn .sb2 .sbin .zup
	GroupLoads                 // <load>.loads
	GroupSupport               // rings, dial plans, trust lists, anything else
	GroupPerPhone              // SIP<MAC>.cnf, SEP<MAC>.cnf.xml, gk<mac>, …
	GroupDefaults              // SIPDefault.cnf, XMLDefault.cnf.xml, OS79XX.TXT, …
)

var groupNames = [...]string{"image", "loads", "support", "per-phone", "defaults"}

func (g Group) String() string {
	if g < 0 || int(g) >= len(groupNames) {
		return "unknown"
	}
	return groupNames[g]
}

// sharedDefaults are the files every phone of a family reads. Compared
// case-insensitively: TFTP servers on Windows roots fold case.
var sharedDefaults = map[string]bool{
	"sipdefault.cnf":        true,
	"xmldefault.cnf.xml":    true,
	"os79xx.txt":            true,
	"gkdefault.cfg":         true,
	"gkdefault.txt":         true,
	"lddefault.cfg":         true,
	"lddefault.txt":         true,
	"atadefault.cfg":        true,
	"atadefault.txt":        true,
	"mgcdefault.cnf":        true,
	"sepdefault.cnf":        true,
	"sepdefault.cnf.xml":    true,
	"sipdefaultgeneric.cnf": true,
}

// Classify returns the publish group of a file by its name alone
// (the name is what a phone asks for), on top of Identify's kinds.
func Classify(name string) Group {
	base := path.Base(name)
	lower := strings.ToLower(base)
	switch cisco.Identify(name, nil) {
	case cisco.KindImageBin, cisco.KindImageSBN, cisco.KindImageSB2, cisco.KindImageSBIN, cisco.KindImageZUP:
		return GroupImage
	case cisco.KindLoads:
		return GroupLoads
	}
	if sharedDefaults[lower] {
		return GroupDefaults
	}
	if _, ok := PhoneMAC(base); ok {
		return GroupPerPhone
	}
	return GroupSupport
}

// PhoneMAC reports the MAC address (12 upper-case hex digits) a per-phone
// file name belongs to: SIP<MAC>.cnf, SEP<MAC>.cnf.xml, MGC<MAC>.cnf,
// CTLSEP<MAC>.tlv, ITLSEP<MAC>.tlv, gk<mac>, ld<mac>, ata<mac> (with an
// optional extension).
func PhoneMAC(name string) (string, bool) {
	base := path.Base(name)
	for _, p := range []struct{ prefix, suffix string }{
		{"SIP", ".cnf"}, {"SEP", ".cnf.xml"}, {"MGC", ".cnf"},
		{"CTLSEP", ".tlv"}, {"ITLSEP", ".tlv"},
	} {
		if strings.HasPrefix(base, p.prefix) && strings.HasSuffix(base, p.suffix) {
			mac := base[len(p.prefix) : len(base)-len(p.suffix)]
			if isMAC(mac) {
				return strings.ToUpper(mac), true
			}
		}
	}
	for _, prefix := range []string{"gk", "ld", "ata"} {
		if !strings.HasPrefix(base, prefix) {
			continue
		}
		rest := base[len(prefix):]
		if i := strings.IndexByte(rest, '.'); i >= 0 {
			rest = rest[:i]
		}
		if isMAC(rest) {
			return strings.ToUpper(rest), true
		}
	}
	return "", false
}

func isMAC(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
