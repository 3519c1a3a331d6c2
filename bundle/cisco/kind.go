package cisco

import (
	"bytes"
	"path"
	"strings"
)

// Kind says what a file of a drop is. The string values are stable: they
// appear in `phoneload inspect --json` and in check findings.
type Kind string

// File kinds.
const (
	KindImageBin      Kind = "image-bin"      // .bin: unsigned image (or the payload of the .sbn)
	KindImageSBN      Kind = "image-sbn"      // .sbn: signed header + the .bin
	KindImageSB2      Kind = "image-sb2"      // .sb2: signed application image
	KindLoads         Kind = "loads"          // .loads: signed manifest naming the parts
	KindOS79XX        Kind = "os79xx"         // OS79XX.TXT
	KindSIPConfig     Kind = "sip-config"     // SIPDefault.cnf, SIP<MAC>.cnf
	KindMGCPConfig    Kind = "mgcp-config"    // MGCDefault.cnf, MGC<MAC>.cnf
	KindXMLConfig     Kind = "xml-config"     // XMLDefault.cnf.xml, SEP<MAC>.cnf.xml
	KindRinglist      Kind = "ringlist"       // RINGLIST.DAT
	KindRing          Kind = "ring"           // headerless 8 kHz µ-law ring tone
	KindDialplan      Kind = "dialplan"       // dialplan.xml (dial template)
	KindProfileText   Kind = "profile-text"   // #txt profile for 7905/7912/ATA
	KindProfileBinary Kind = "profile-binary" // #ata profile compiled by cfgfmt
	KindImageSBIN     Kind = "image-sbin"     // 7905/7912 signed image
	KindImageZUP      Kind = "image-zup"      // 7905/7912/ATA unsigned image
	KindTrustList     Kind = "trust-list"     // CTL*.tlv, ITL*.tlv
	KindSigned        Kind = "signed"         // any other file with a Cisco signed header (.sgn …)
	KindUnknown       Kind = "unknown"
)

// IdentifyHeadSize is how many leading bytes Identify looks at.
const IdentifyHeadSize = 512

// Identify tells the kind of a file from its name and first bytes (up to
// IdentifyHeadSize; fewer is fine). Names decide first, the way a phone asks
// for files by name; content decides only for names of no known pattern.
// Extensions and fixed names match case-insensitively so that a wrongly
// cased file is still recognised (and can be reported); the case itself is
// check's business.
func Identify(name string, head []byte) Kind {
	base := path.Base(name)
	lower := strings.ToLower(base)
	switch {
	case lower == "os79xx.txt":
		return KindOS79XX
	case lower == "ringlist.dat":
		return KindRinglist
	case lower == "sipdefault.cnf" || isMACName(base, "SIP", ".cnf"):
		return KindSIPConfig
	case lower == "mgcdefault.cnf" || isMACName(base, "MGC", ".cnf"):
		return KindMGCPConfig
	case lower == "xmldefault.cnf.xml" || isMACName(base, "SEP", ".cnf.xml"):
		return KindXMLConfig
	case lower == "dialplan.xml":
		return KindDialplan
	case strings.HasSuffix(lower, ".tlv") && (strings.HasPrefix(lower, "ctl") || strings.HasPrefix(lower, "itl")):
		return KindTrustList
	}
	switch path.Ext(lower) {
	case ".bin":
		return KindImageBin
	case ".sbn":
		return KindImageSBN
	case ".sb2":
		return KindImageSB2
	case ".loads":
		return KindLoads
	case ".sbin":
		return KindImageSBIN
	case ".zup":
		return KindImageZUP
	case ".raw", ".pcm":
		return KindRing
	}
	if isProfileName(lower) {
		if bytes.HasPrefix(head, []byte("#txt")) || strings.HasSuffix(lower, ".txt") {
			return KindProfileText
		}
		return KindProfileBinary
	}
	switch {
	case bytes.HasPrefix(head, []byte("#txt")):
		return KindProfileText
	case bytes.HasPrefix(head, []byte("#ata")):
		return KindProfileBinary
	case HasSignedMagic(head):
		return KindSigned
	case strings.HasSuffix(lower, ".xml") && bytes.Contains(bytes.ToUpper(head), []byte("<DIALTEMPLATE")):
		return KindDialplan
	}
	return KindUnknown
}

// HasSignedMagic mirrors sign's check: tag 1 (length 2) then tag 2 (length 2).
func HasSignedMagic(b []byte) bool {
	return len(b) >= 10 && b[0] == 1 && b[1] == 0 && b[2] == 2 && b[5] == 2 && b[6] == 0 && b[7] == 2
}

// isMACName reports whether name is prefix + 12 hex digits + ext, e.g.
// SIP002094D245CB.cnf. The hex digits may be of either case here.
func isMACName(name, prefix, ext string) bool {
	if len(name) != len(prefix)+12+len(ext) {
		return false
	}
	if !strings.EqualFold(name[:len(prefix)], prefix) || !strings.EqualFold(name[len(prefix)+12:], ext) {
		return false
	}
	return IsHexString(name[len(prefix) : len(prefix)+12])
}

func IsHexString(s string) bool { return allBytes(s, isHex) }

// isProfileName matches the 7905/7912/ATA profile names (lower-cased):
// gkdefault.txt/.cfg, gk<mac>[.txt], lddefault.*, ld<mac>, atadefault.*,
// ata<mac>.
func isProfileName(lower string) bool {
	stem := lower
	if i := strings.IndexByte(stem, '.'); i >= 0 {
		switch stem[i:] {
		case ".txt", ".cfg":
		default:
			return false
		}
		stem = stem[:i]
	}
	for _, p := range []string{"gk", "ld", "ata"} {
		rest, ok := strings.CutPrefix(stem, p)
		if ok && (rest == "default" || len(rest) == 12 && IsHexString(rest)) {
			return true
		}
	}
	return false
}

// ProfileDevice tells which device a profile name is for: "7912" (gk…),
// "7905" (ld…), "ATA" (ata…), or "".
func ProfileDevice(name string) string {
	lower := strings.ToLower(path.Base(name))
	switch {
	case !isProfileName(lower):
		return ""
	case strings.HasPrefix(lower, "gk"):
		return "7912"
	case strings.HasPrefix(lower, "ld"):
		return "7905"
	}
	return "ATA"
}
