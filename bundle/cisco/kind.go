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
	KindLoadPointer   Kind = "load-pointer"   // loadNNN.txt: Cisco's model id -> default load line (CUCM installs it)
	KindRinglistXML   Kind = "ringlist-xml"   // ringlist.xml, distinctiveringlist.xml, -wb: CiscoIPPhoneRingList
	KindTones         Kind = "tones"          // <locale>/g3-tones.xml, 7960-tones.xml: network-locale tones
	KindSyncInfo      Kind = "syncinfo"       // syncinfo.xml: 7940/7960 SIP resync rules
	KindImageList     Kind = "image-list"     // Desktops/<size>/List.xml: background images (CiscoIPPhoneImageList)
	KindPhoneXML      Kind = "phone-xml"      // DefaultFP.xml, FeaturePolicy.xml, SoftKeys.xml, AppDialRules.xml, locale dictionaries
	KindManifestXML   Kind = "manifest-xml"   // CIPC_Locale.loads: IP Communicator's XML manifest, not firmware
	KindTagTable      Kind = "tag-table"      // sip_ptag.dat and renamed copies: cfgfmt's input, never fetched
	KindSource        Kind = "source"         // templates, samples, backups: sources of what phones fetch, never fetched
	KindUnknown       Kind = "unknown"
)

// Fetched reports whether phones ask for files of kind k by name (images,
// manifests, configuration, rings and ring lists, tones, dial plans …);
// false for sources (templates, backups, tag tables, load pointers), which
// check never judges as something a phone reads.
func (k Kind) Fetched() bool {
	switch k {
	case KindSource, KindTagTable, KindLoadPointer, KindUnknown:
		return false
	}
	return true
}

// IsSourceName reports whether a file name marks a template, a sample, a
// backup or an author's working copy rather than a file a phone asks for:
// 7912_TEMPL.txt, 7911_TMPL.cfg.xml, SEPBASE.cnf.xml, SEP$mac.cnf.xml,
// sipexample7912.txt, BAK_SEP….cnf.xml, SEP….cnf.xml_, SIPDefault.cnf2,
// SEP….cnf.xml.internal, and SIP<MAC>.cnf.xml (a SEP file saved under the
// SIP prefix: no phone asks for it).
func IsSourceName(base string) bool {
	lower := strings.ToLower(base)
	switch {
	case strings.Contains(lower, "_templ") || strings.Contains(lower, "_tmpl") || strings.Contains(lower, "-templ"),
		strings.ContainsAny(base, "${}"),
		strings.HasPrefix(lower, "sepbase"), strings.HasPrefix(lower, "sepold"),
		strings.HasPrefix(lower, "sipexample"),
		strings.HasPrefix(lower, "bak_"), strings.HasPrefix(lower, "backup"),
		strings.HasSuffix(lower, "_") || strings.HasSuffix(lower, "~"),
		strings.HasSuffix(lower, ".bak") || strings.HasSuffix(lower, ".old") || strings.HasSuffix(lower, ".orig") || strings.HasSuffix(lower, ".internal"),
		strings.HasSuffix(lower, ".cnf2") || strings.HasSuffix(lower, ".xml2"),
		isMACName(base, "SIP", ".cnf.xml"):
		return true
	}
	return false
}

// phoneXMLNames are XML files newer phones fetch by fixed names.
var phoneXMLNames = map[string]bool{
	"defaultfp.xml": true, "featurepolicy.xml": true, "softkeys.xml": true, "appdialrules.xml": true,
	"dirlookupdialrules.xml": true,
}

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
	if IsSourceName(base) {
		return KindSource
	}
	switch {
	case isLoadPointerName(lower):
		return KindLoadPointer
	case lower == "ringlist.xml" || lower == "distinctiveringlist.xml" || lower == "ringlist-wb.xml" || lower == "distinctiveringlist-wb.xml":
		return KindRinglistXML
	case strings.HasSuffix(lower, "-tones.xml"):
		return KindTones
	case lower == "syncinfo.xml":
		return KindSyncInfo
	case lower == "list.xml" && strings.Contains(strings.ToLower(name), "desktops/"):
		return KindImageList
	case phoneXMLNames[lower] || strings.HasPrefix(lower, "softkey") && strings.HasSuffix(lower, ".xml"),
		strings.HasSuffix(lower, "-dictionary.xml") || strings.HasSuffix(lower, "-dictionary-ext.xml") || strings.HasSuffix(lower, "-font.xml"):
		return KindPhoneXML
	case strings.HasSuffix(lower, ".loads") && startsXML(head):
		return KindManifestXML
	case strings.HasSuffix(lower, ".dat") && strings.Contains(lower, "ptag"):
		return KindTagTable
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
	case ".raw", ".pcm", ".rwb":
		return KindRing
	case ".sgn":
		return KindSigned
	}
	if isProfileName(lower) {
		if bytes.HasPrefix(head, []byte("#txt")) || strings.HasSuffix(lower, ".txt") {
			return KindProfileText
		}
		return KindProfileBinary
	}
	switch {
	case bytes.HasPrefix(head, []byte("#txt")) && strings.HasSuffix(lower, ".txt"):
		// A #txt profile under a name no phone asks for
		// (gkdefault7912.txt, sipexample7912.txt): a source for cfgfmt.
		return KindSource
	case bytes.HasPrefix(head, []byte("#txt")):
		return KindProfileText
	case bytes.HasPrefix(head, []byte("#ata")):
		return KindProfileBinary
	case HasSignedMagic(head):
		return KindSigned
	case strings.HasSuffix(lower, ".xml") && bytes.Contains(bytes.ToUpper(head), []byte("<DIALTEMPLATE")):
		return KindDialplan
	case strings.HasSuffix(lower, ".xml") && bytes.Contains(head, []byte("<CiscoIPPhoneRingList")):
		return KindRinglistXML
	case strings.HasSuffix(lower, ".xml") && bytes.Contains(head, []byte("<CiscoIPPhoneImageList")):
		return KindImageList
	}
	return KindUnknown
}

// HasSignedMagic mirrors sign's check: tag 1 (length 2) then tag 2 (length 2).
func HasSignedMagic(b []byte) bool {
	return len(b) >= 10 && b[0] == 1 && b[1] == 0 && b[2] == 2 && b[5] == 2 && b[6] == 0 && b[7] == 2
}

// HasNewSignedMagic recognises the signed header of newer phones' images
// and manifests (78xx, 88xx: CD 34 12 AB), which phoneload lists but does
// not parse.
func HasNewSignedMagic(b []byte) bool {
	return len(b) >= 4 && b[0] == 0xcd && b[1] == 0x34 && b[2] == 0x12 && b[3] == 0xab
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

// isLoadPointerName matches loadNNN.txt (lower-cased).
func isLoadPointerName(lower string) bool {
	stem, ok := strings.CutSuffix(lower, ".txt")
	if !ok {
		return false
	}
	id, ok := strings.CutPrefix(stem, "load")
	return ok && allDigits(id)
}

// startsXML reports whether b starts, after a BOM and white space, with '<'.
func startsXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}
