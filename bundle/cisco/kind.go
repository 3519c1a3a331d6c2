package cisco

import (
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Kind says what a file of a drop is. The string values are stable: they
// appear in `phoneload inspect --json` and in check findings. A Kind is one
// byte (issue 16: a root of a million files keeps one in each drop.File); it
// prints, and is written in JSON, as its string (String, MarshalText). The
// zero Kind is unset and prints as "".
type Kind uint8

// File kinds.
const (
	_                 Kind = iota // unset: ""
	KindImageBin                  // .bin: unsigned image (or the payload of the .sbn)
	KindImageSBN                  // .sbn: signed header + the .bin
	KindImageSB2                  // .sb2: signed application image
	KindLoads                     // .loads: signed manifest naming the parts
	KindOS79XX                    // OS79XX.TXT
	KindSIPConfig                 // SIPDefault.cnf, SIP<MAC>.cnf
	KindMGCPConfig                // MGCDefault.cnf, MGC<MAC>.cnf
	KindXMLConfig                 // XMLDefault.cnf.xml, SEP<MAC>.cnf.xml
	KindRinglist                  // RINGLIST.DAT
	KindRing                      // headerless 8 kHz µ-law ring tone
	KindDialplan                  // dialplan.xml (dial template)
	KindProfileText               // #txt profile for 7905/7912/ATA
	KindProfileBinary             // #ata profile compiled by cfgfmt
	KindImageSBIN                 // 7905/7912 signed image
	KindImageZUP                  // 7905/7912/ATA unsigned image
	KindTrustList                 // CTL*.tlv, ITL*.tlv
	KindSigned                    // any other file with a Cisco signed header (.sgn …)
	KindLoadPointer               // loadNNN.txt: Cisco's model id -> default load line (CUCM installs it)
	KindRinglistXML               // ringlist.xml, distinctiveringlist.xml, -wb: CiscoIPPhoneRingList
	KindTones                     // <locale>/g3-tones.xml, 7960-tones.xml: network-locale tones
	KindSyncInfo                  // syncinfo.xml: 7940/7960 SIP resync rules
	KindImageList                 // Desktops/<size>/List.xml: background images (CiscoIPPhoneImageList)
	KindPhoneXML                  // DefaultFP.xml, FeaturePolicy.xml, SoftKeys.xml, AppDialRules.xml, locale dictionaries
	KindManifestXML               // CIPC_Locale.loads: IP Communicator's XML manifest, not firmware
	KindTagTable                  // sip_ptag.dat and renamed copies: cfgfmt's input, never fetched
	KindSource                    // templates, samples, backups: sources of what phones fetch, never fetched
	KindUnknown                   // none of the above
)

// kindNames are the strings of the kinds, by value.
var kindNames = [...]string{
	"",
	KindImageBin:      "image-bin",
	KindImageSBN:      "image-sbn",
	KindImageSB2:      "image-sb2",
	KindLoads:         "loads",
	KindOS79XX:        "os79xx",
	KindSIPConfig:     "sip-config",
	KindMGCPConfig:    "mgcp-config",
	KindXMLConfig:     "xml-config",
	KindRinglist:      "ringlist",
	KindRing:          "ring",
	KindDialplan:      "dialplan",
	KindProfileText:   "profile-text",
	KindProfileBinary: "profile-binary",
	KindImageSBIN:     "image-sbin",
	KindImageZUP:      "image-zup",
	KindTrustList:     "trust-list",
	KindSigned:        "signed",
	KindLoadPointer:   "load-pointer",
	KindRinglistXML:   "ringlist-xml",
	KindTones:         "tones",
	KindSyncInfo:      "syncinfo",
	KindImageList:     "image-list",
	KindPhoneXML:      "phone-xml",
	KindManifestXML:   "manifest-xml",
	KindTagTable:      "tag-table",
	KindSource:        "source",
	KindUnknown:       "unknown",
}

// String returns the kind's stable name ("image-bin" …), "" when unset.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name ("" is the unset kind).
func (k *Kind) UnmarshalText(b []byte) error {
	p, ok := ParseKind(string(b))
	if !ok {
		return fmt.Errorf("cisco: unknown file kind %q", b)
	}
	*k = p
	return nil
}

// ParseKind returns the kind called name ("image-bin" …); "" is the unset
// kind.
func ParseKind(name string) (Kind, bool) {
	for i, n := range kindNames {
		if n == name {
			return Kind(i), true
		}
	}
	return 0, false
}

// Kinds lists every kind (the unset one left out), in declaration order.
func Kinds() []Kind {
	out := make([]Kind, 0, len(kindNames)-1)
	for i := 1; i < len(kindNames); i++ {
		out = append(out, Kind(i))
	}
	return out
}

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
	// Per-phone files, nearly all of a large root, are told by name alone
	// and without lower-casing it (FuzzIdentifyFast checks the shortcut).
	base := path.Base(name)
	switch {
	case isMACName(base, "SEP", ".cnf.xml"):
		return KindXMLConfig
	case isMACName(base, "SIP", ".cnf"):
		return KindSIPConfig
	}
	return identify(name, base, head)
}

// identify is Identify past the per-phone names.
func identify(name, base string, head []byte) Kind {
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
