package cisco

import (
	"path"
	"strconv"
	"strings"
)

// Protocol is the call-control protocol an image speaks.
type Protocol string

// Protocols. ProtocolNone is used for protocol-neutral files: the universal
// application loader and the 79x1 term*.default boot pointers.
const (
	ProtocolSIP  Protocol = "sip"
	ProtocolSCCP Protocol = "sccp"
	ProtocolMGCP Protocol = "mgcp"
	ProtocolH323 Protocol = "h323"
	ProtocolNone Protocol = ""
)

// Families of load names (LoadName.Family), one per naming scheme in
// docs/inspect.md and the firmware spec.
const (
	FamilyEarly    = "8.3"       // P003xxyy, P0S3xxyy (SIP ≤ 2.3, old SCCP): 8.3 DOS names
	FamilyDashed   = "dashed"    // P0S3-xx-y-zz, P0M3-xx-y-zz (SIP ≥ 3.0, MGCP)
	FamilySCCP     = "sccp"      // P003aabbccdd = aa.bb(cc.dd) (SCCP ≥ 5)
	FamilyLoader   = "loader"    // P003-xx-y-zz: universal application loader in SIP drops
	FamilyCP       = "cp"        // CP<model><VVvvRR><PROTO><yymmdd><a-f>: 7902/7905/7912
	FamilyATA      = "ata"       // ATA<VVvvRR><PROTO><yymmdd><a-f>: ATA 186/188
	Family79x1     = "79x1"      // SIP41.8-5-4S: 79x1 load (names a .loads)
	Family79x1Part = "79x1-part" // jar41sip.8-5-4TH1-6: one part of a 79x1 load
	Family79x1Term = "79x1-term" // term41.default: the 79x1 boot pointer
)

// LoadName is a firmware file name taken apart. Name is the load name
// without extension, exactly as written (TFTP names are byte-exact).
type LoadName struct {
	Name     string   `json:"name"`
	Ext      string   `json:"ext,omitempty"` // ".sbn", ".loads" …, "" for a bare load name
	Family   string   `json:"family"`
	Protocol Protocol `json:"protocol,omitempty"`
	// Platform is the phone platform the name encodes: the fourth character
	// of P0… names ("3" = 7940/7960, "4" = 7910), the two digits of 79x1
	// names ("41"), the model of CP names ("7912"), "ATA" for ATA images.
	Platform string   `json:"platform"`
	Model    string   `json:"model,omitempty"`  // human form: "7940/7960"
	Models   []string `json:"models,omitempty"` // each model: ["7940", "7960"]
	Version  Version  `json:"version"`
	Signed   bool     `json:"signed"` // by extension: .sbn .sb2 .sbin .loads are signed
	Loader   bool     `json:"loader,omitempty"`
	Part     string   `json:"part,omitempty"` // 79x1 parts: apps, cnu, cvm, dsp, jar

	// 7905/7912/ATA images: build date and letter, and the image id that
	// upgradecode lines carry (the date and letter read as hex).
	ImageDate   string `json:"image_date,omitempty"` // "2006-04-12"
	ImageLetter string `json:"image_letter,omitempty"`
	ImageID     uint32 `json:"image_id,omitempty"`
}

// MaxLoadNameLength caps the names ParseLoadName looks at; real names are
// under 40 bytes.
const MaxLoadNameLength = 255

// imageExts are the extensions firmware images and manifests carry; the
// bool says whether files with it are signed.
var imageExts = map[string]bool{
	".bin": false, ".zup": false,
	".sbn": true, ".sb2": true, ".sbin": true, ".loads": true,
}

// platformModels maps the fourth character of P0… names to phone models.
var platformModels = map[byte][]string{
	'3': {"7940", "7960"},
	'4': {"7910"},
}

// models79x1 maps the two digits of 79x1 load names to the models that
// run them; a term<NN>.default file is for phone 79<NN> alone.
var models79x1 = map[string][]string{
	"06": {"7906"},
	"11": {"7906", "7911"},
	"31": {"7931"},
	"41": {"7941", "7961"},
	"42": {"7942", "7962"},
	"45": {"7945", "7965"},
	"61": {"7961"},
	"65": {"7965"},
	"70": {"7970", "7971"},
	"71": {"7971"},
	"75": {"7975"},
}

var partNames = []string{"apps", "cnu", "cvm", "dsp", "jar"}

var protocolWords = map[string]Protocol{
	"SIP": ProtocolSIP, "SCCP": ProtocolSCCP, "MGCP": ProtocolMGCP, "H323": ProtocolH323,
}

// ParseLoadName takes a firmware file name or bare load name apart. It
// accepts a path and looks at the last element. It reports false for names
// of no known family, including near misses such as "POS3-8-12-00" (letter
// O): the phone would not recognise them either.
func ParseLoadName(s string) (LoadName, bool) {
	s = path.Base(s)
	if len(s) == 0 || len(s) > MaxLoadNameLength {
		return LoadName{}, false
	}
	var ln LoadName
	base := s
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		if signed, ok := imageExts[s[i:]]; ok {
			ln.Ext, ln.Signed, base = s[i:], signed, s[:i]
		}
	}
	ln.Name = base
	var ok bool
	switch {
	case strings.HasPrefix(base, "P0"):
		ok = ln.parseP0(base)
	case strings.HasPrefix(base, "CP"):
		ok = ln.parseImage(base[2:], FamilyCP)
	case strings.HasPrefix(base, "ATA"):
		ok = ln.parseImage(base[3:], FamilyATA)
	default:
		ok = ln.parse79x1(base)
	}
	if !ok {
		return LoadName{}, false
	}
	return ln, true
}

// parseP0 handles the 7940/7960/7910 names: P<0><proto><platform>….
func (ln *LoadName) parseP0(s string) bool {
	if len(s) < 8 || !isDigit(s[3]) {
		return false
	}
	proto := map[byte]Protocol{'0': ProtocolSCCP, 'S': ProtocolSIP, 'M': ProtocolMGCP}[s[2]]
	if proto == "" {
		return false
	}
	ln.Protocol, ln.Platform = proto, s[3:4]
	if m := platformModels[s[3]]; m != nil {
		ln.Models = m
		ln.Model = strings.Join(m, "/")
	}
	rest := s[4:]
	switch {
	case len(rest) == 4 && allDigits(rest):
		// P0S30202 = 2.2; P0030100 likewise for early SCCP.
		ln.Family = FamilyEarly
		ln.Version = Version{Major: atoi(rest[:2]), Minor: atoi(rest[2:]), Parts: 2}
		return true
	case len(rest) == 8 && allDigits(rest) && proto == ProtocolSCCP:
		// P00308010200 = 8.1(2.0), printed 8.1(2).
		ln.Family = FamilySCCP
		ln.Version = Version{Major: atoi(rest[:2]), Minor: atoi(rest[2:4]), Patch: atoi(rest[4:6]), Build: atoi(rest[6:]), Parts: 4}
		return true
	case len(rest) > 1 && rest[0] == '-':
		v, ok := ParseVersion(rest[1:])
		if !ok || v.Parts != 3 || !allLetters(v.Suffix) {
			return false
		}
		ln.Version = v
		ln.Family = FamilyDashed
		if proto == ProtocolSCCP {
			// P003-8-12-00: the universal application loader of SIP
			// drops, not an SCCP application.
			ln.Family, ln.Loader, ln.Protocol = FamilyLoader, true, ProtocolNone
		}
		return true
	}
	return false
}

// parseImage handles 7905/7912 (after "CP") and ATA (after "ATA") names:
// [model]<VV><vv><RR><PROTO><yymmdd><a-f>.
func (ln *LoadName) parseImage(s, family string) bool {
	ln.Family = family
	if family == FamilyCP {
		if len(s) < 4 || !allDigits(s[:4]) {
			return false
		}
		ln.Platform, ln.Model, ln.Models = s[:4], s[:4], []string{s[:4]}
		s = s[4:]
	} else {
		ln.Platform, ln.Model, ln.Models = "ATA", "ATA 186/188", []string{"ATA186", "ATA188"}
	}
	if len(s) < 6 || !allDigits(s[:6]) {
		return false
	}
	ln.Version = Version{Major: atoi(s[:2]), Minor: atoi(s[2:4]), Patch: atoi(s[4:6]), Parts: 3}
	s = s[6:]
	n := 0
	for n < len(s) && isUpper(s[n]) {
		n++
	}
	proto, ok := protocolWords[s[:n]]
	if !ok {
		return false
	}
	ln.Protocol = proto
	s = s[n:]
	if len(s) != 7 || !allDigits(s[:6]) || !strings.ContainsRune("abcdefABCDEF", rune(s[6])) {
		return false
	}
	id, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return false
	}
	ln.ImageID = uint32(id)
	ln.ImageDate = "20" + s[:2] + "-" + s[2:4] + "-" + s[4:6]
	ln.ImageLetter = s[6:]
	return true
}

// parse79x1 handles SIP41.8-5-4S, SCCP11.9-4-2SR3-1S, term41.default and
// parts such as jar41sip.8-5-4TH1-6 and dsp41.8-5-4TH1-6.
func (ln *LoadName) parse79x1(s string) bool {
	dot := strings.IndexByte(s, '.')
	if dot < 0 {
		return false
	}
	head, ver := s[:dot], s[dot+1:]
	if t, ok := strings.CutPrefix(head, "term"); ok {
		if ver != "default" || len(t) != 2 || !allDigits(t) {
			return false
		}
		ln.Family, ln.Platform = Family79x1Term, t
		ln.Models = []string{"79" + t}
		ln.Model = ln.Models[0]
		return true
	}
	v, ok := ParseVersion(ver)
	if !ok || v.Parts < 3 {
		return false
	}
	ln.Version = v
	for w, p := range protocolWords {
		if t, ok := strings.CutPrefix(head, w); ok && len(t) == 2 && allDigits(t) {
			ln.Family, ln.Protocol = Family79x1, p
			ln.setPlatform79x1(t)
			return true
		}
	}
	for _, part := range partNames {
		t, ok := strings.CutPrefix(head, part)
		if !ok || len(t) < 2 || !allDigits(t[:2]) {
			continue
		}
		switch t[2:] {
		case "":
		case "sip":
			ln.Protocol = ProtocolSIP
		case "sccp":
			ln.Protocol = ProtocolSCCP
		default:
			return false
		}
		ln.Family, ln.Part = Family79x1Part, part
		ln.setPlatform79x1(t[:2])
		return true
	}
	return false
}

func (ln *LoadName) setPlatform79x1(nn string) {
	ln.Platform = nn
	if m := models79x1[nn]; m != nil {
		ln.Models = m
		ln.Model = strings.Join(m, "/")
	}
}

func allDigits(s string) bool { return allBytes(s, isDigit) }

// allBytes reports whether s is not empty and every byte passes ok.
func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return s != ""
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// BaseName is the last element of a slash-separated name.
func BaseName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// StripImageExt removes a known image extension and reports which.
func StripImageExt(name string) (string, string) {
	for _, ext := range []string{".bin", ".sbn", ".sb2", ".loads", ".sbin", ".zup"} {
		if len(name) > len(ext) && strings.EqualFold(name[len(name)-len(ext):], ext) {
			return name[:len(name)-len(ext)], name[len(name)-len(ext):]
		}
	}
	return name, ""
}
