package cfgfmt

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// Fixed tags of the file format and of the pseudo-parameters, which are in
// no table [inferred, upgradecode bytes captured].
const (
	tagUpgradeCode  = 0x1100
	tagUpgradeLang  = 0x1101
	tagTftpURL2     = 0x1102
	tagUpgradeLogo  = 0x1103
	tagUpgradeXML   = 0x1104
	tagEncryptKeyEx = 0x1105
	tagExtension    = 0x4000 // last record of a split base file: <output>.ex name + NUL
	tagHeader       = 0x7FFE
)

// pseudo lists the pseudo-parameters by lower-case name.
var pseudo = map[string]int{
	"upgradecode":  tagUpgradeCode,
	"upgradelang":  tagUpgradeLang,
	"tftpurl2":     tagTftpURL2,
	"upgradelogo":  tagUpgradeLogo,
	"upgradexml":   tagUpgradeXML,
	"encryptkeyex": tagEncryptKeyEx,
}

// pseudoName is the name Decode shows for a pseudo-parameter tag.
var pseudoName = map[int]string{
	tagUpgradeCode:  "upgradecode",
	tagUpgradeLang:  "upgradelang",
	tagTftpURL2:     "tftpurl2",
	tagUpgradeLogo:  "upgradelogo",
	tagUpgradeXML:   "upgradexml",
	tagEncryptKeyEx: "EncryptKeyEx",
}

// Messages. The first five are the original tool's wording as the spec
// gives it [inferred]; scripts grep for them, so they never change. The rest
// are ours, for cases where the spec names the problem but not the words.
const (
	msgUnknown    = "unknown attribute at line %d"
	msgEmpty      = "empty attribute value at line %d"
	msgTooDeep    = "include nested too deep"
	msgUpgradeArg = "bad argument for upgrade tag"
	msgTone       = "invalid tone specification"
	msgUpgradeIP  = "invalid tftp IP address"

	msgTooLong     = "value longer than its size"
	msgBadIP       = "invalid IP address"
	msgBadNumber   = "invalid number"
	msgBadDigits   = "invalid digit string"
	msgUnsupported = "unsupported attribute"
)

// valueError is a value that cannot be encoded: msg in the tool's wording,
// detail for the human.
type valueError struct{ msg, detail string }

func (e *valueError) Error() string { return e.msg + " (" + e.detail + ")" }

func badValue(msg, format string, args ...any) *valueError {
	return &valueError{msg, fmt.Sprintf(format, args...)}
}

// note is a message about a value that was encoded anyway: a warning, or
// an error that the original reports and then writes the record regardless
// (recovered: the output is still written, the exit status stays 0).
type note struct {
	sev       Severity
	recovered bool
	msg       string
	detail    string
}

func warn(format string, args ...any) note {
	return note{sev: SeverityWarning, msg: fmt.Sprintf(format, args...)}
}

// maxCValue is the longest value the original copies into its 512-byte
// buffer (NUL included): longer ones overflow it, so what it writes is
// undefined and we refuse them.
const maxCValue = 511

// encodeValue turns the text value of descriptor d into record bytes. v
// is the value as written, trailing blanks included (only CR and LF end a
// value, in the original as here).
func encodeValue(d *Descriptor, v string) ([]byte, []note, *valueError) {
	switch d.Format.Kind() {
	case KindTone:
		b, ok := encodeTone(v, d.Size)
		if !ok {
			return b, []note{{sev: SeverityError, recovered: true, msg: msgTone,
				detail: fmt.Sprintf("%s: %q is not nseg,freq,gain[,freq,gain],t1,t2,t3,t4; the record is written zero-filled and the run succeeds, as Cisco's cfgfmt does", d.Name, v)}}, nil
		}
		return b, nil, nil
	case KindIP:
		ip, err := parseIPv4(strings.TrimRight(v, " \t"))
		if err != nil {
			return nil, nil, badValue(msgBadIP, "%s: %v", d.Name, err)
		}
		return ip[:], nil, nil
	case KindExtIP:
		b, verr := encodeExtIP(d, strings.TrimRight(v, " \t"))
		return b, nil, verr
	case KindInt, KindHex:
		n, ok := parseCNumber(v)
		if !ok {
			hint := ""
			if d.Format.Kind() == KindHex {
				hint = "; write hex with 0x"
			}
			return nil, nil, badValue(msgBadNumber, "%s: %q is not a number (decimal, 0x hex or 0 octal, as C's strtoul reads it)%s", d.Name, v, hint)
		}
		var notes []note
		if !n.fits(32) {
			notes = append(notes, warn("number wider than its field: %s: %q is cut to 32 bits, 0x%08x, as Cisco's cfgfmt does", d.Name, v, n.masked(32)))
		}
		if n.octal {
			notes = append(notes, warn("number read as octal: %s: %q has a leading 0 and is %d, as C's strtoul and Cisco's cfgfmt read it", d.Name, strings.TrimRight(v, " \t"), n.masked(32)))
		}
		return binary.BigEndian.AppendUint32(nil, uint32(n.masked(32))), notes, nil
	case KindBool:
		if v == "0" || strings.EqualFold(v, "false") {
			return []byte{0}, nil, nil
		}
		var notes []note
		if t := strings.TrimRight(v, " \t"); t != v && (t == "0" || strings.EqualFold(t, "false")) {
			notes = append(notes, warn("boolean with trailing blanks: %s: %q is true (1): the blanks are part of the value, as in Cisco's cfgfmt", d.Name, v))
		}
		return []byte{1}, notes, nil
	case KindShorts:
		return encodeShorts(d, v)
	case KindDigits, KindString:
		if len(v) > maxCValue {
			return nil, nil, badValue(msgTooLong, "%s: %d bytes; Cisco's cfgfmt overflows its 512-byte buffer with a value this long, so what it writes is undefined; at most %d", d.Name, len(v), maxCValue)
		}
		var notes []note
		if len(v) > d.Size {
			notes = append(notes, warn("value longer than its size: %s: %d bytes, the table gives %d; written as given, as Cisco's cfgfmt does, but the device may cut it", d.Name, len(v), d.Size))
		}
		return []byte(v), notes, nil
	}
	return nil, nil, badValue(msgUnsupported, "%s: format %#04x has no value type", d.Name, uint16(d.Format))
}

// parseIPv4 reads a dotted quad, or "0" for 0.0.0.0 [inferred]. Octets are
// decimal; a leading zero is refused because C's inet_addr would read it
// as octal and we will not guess which the user meant.
func parseIPv4(v string) ([4]byte, error) {
	var ip [4]byte
	if v == "0" {
		return ip, nil
	}
	rest := v
	for i := range ip {
		p, r, found := strings.Cut(rest, ".")
		n, ok := parseOctet(p)
		if !ok || found != (i < 3) {
			if strings.ContainsAny(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				return ip, fmt.Errorf("%q is a host name; this field takes an IPv4 address", v)
			}
			return ip, fmt.Errorf("%q is not an IPv4 address a.b.c.d", v)
		}
		ip[i], rest = n, r
	}
	return ip, nil
}

func parseOctet(p string) (byte, bool) {
	if p == "" || len(p) > 3 || (len(p) > 1 && p[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, false
		}
		n = n*10 + int(p[i]-'0')
	}
	return byte(n), n <= 255
}

// encodeExtIP reads a.b.c.d.port (or a.b.c.d, port 0; or 0) [inferred].
func encodeExtIP(d *Descriptor, v string) ([]byte, *valueError) {
	out := make([]byte, 6)
	if v == "0" {
		return out, nil
	}
	addr, port := v, "0"
	if strings.Count(v, ".") == 4 {
		i := strings.LastIndexByte(v, '.')
		addr, port = v[:i], v[i+1:]
	}
	ip, err := parseIPv4(addr)
	if err != nil {
		return nil, badValue(msgBadIP, "%s: %q: want a.b.c.d.port", d.Name, v)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, badValue(msgBadIP, "%s: %q: port %q is not 0 to 65535", d.Name, v, port)
	}
	copy(out, ip[:])
	binary.BigEndian.PutUint16(out[4:], uint16(p))
	return out, nil
}

// encodeShorts reads a list of 16-bit numbers, split on commas and
// spaces with empty items skipped, into big-endian values zero-padded to
// the descriptor's size [captured]; values beyond the size are dropped, as
// the original drops them [issue 11].
func encodeShorts(d *Descriptor, v string) ([]byte, []note, *valueError) {
	toks := splitList(v)
	out := make([]byte, d.Size)
	var notes []note
	for i, f := range toks {
		if 2*i+2 > d.Size {
			notes = append(notes, warn("values beyond the field dropped: %s: %d values, the field holds %d; the rest are ignored, as Cisco's cfgfmt does", d.Name, len(toks), d.Size/2))
			break
		}
		n, ok := parseCNumber(strings.TrimLeft(f, "\t"))
		if !ok {
			return nil, nil, badValue(msgBadNumber, "%s: value %d %q is not a number", d.Name, i+1, f)
		}
		if !n.fits(16) {
			notes = append(notes, warn("number wider than its field: %s: value %d %q is cut to 16 bits, %d", d.Name, i+1, f, n.masked(16)))
		}
		binary.BigEndian.PutUint16(out[2*i:], uint16(n.masked(16)))
	}
	return out, notes, nil
}

// cUint reads an upgrade field as strtoul, cut to bits.
func cUint(s string, bits uint) (uint64, bool) {
	n, ok := parseCNumber(s)
	return n.masked(bits), ok
}

// encodePseudo encodes the value of a pseudo-parameter. A value the
// original reports as "bad argument" gives a recovered error and no bytes:
// the original prints the error, leaves the line out and goes on.
func encodePseudo(tag int, v string) ([]byte, []note, *valueError) {
	switch tag {
	case tagUpgradeCode, tagUpgradeLang:
		return encodeUpgrade(v)
	case tagTftpURL2:
		return append([]byte(v), 0), nil, nil
	case tagUpgradeLogo, tagUpgradeXML:
		return encodeUpgradeLogo(tag, v)
	case tagEncryptKeyEx:
		b, w := encodeKeyEx(v)
		notes := []note{{sev: SeverityNote, msg: "EncryptKeyEx written with the wrapping of Cisco's cfgfmt", detail: "UNCONFIRMED: the bytes follow a decompile of the original tool; no device has been seen to accept them"}}
		if w != "" {
			notes = append(notes, warn("%s", w))
		}
		return b, notes, nil
	}
	return nil, nil, badValue(msgUnsupported, "pseudo tag %#x", tag)
}

func skipped(msg, format string, args ...any) ([]byte, []note, *valueError) {
	return nil, []note{{sev: SeverityError, recovered: true, msg: msg,
		detail: fmt.Sprintf(format, args...) + "; the line is left out and the run succeeds, as Cisco's cfgfmt does"}}, nil
}

// upgradeFileMax is the longest image file name upgradecode keeps: the
// original copies 31 characters and a NUL [issue 11].
const upgradeFileMax = 31

// logoFileMax is the same for upgradelogo and upgradexml (127 and a NUL).
const logoFileMax = 127

// upgradeFields are the 8 fields of upgradecode/upgradelang with their byte
// widths (0 = IPv4, -1 = file name + NUL).
var upgradeFields = [...]struct {
	name  string
	width int
}{{"policy", 1}, {"hardware code", 4}, {"software type", 2}, {"software version", 2}, {"TFTP server", 0}, {"port", 2}, {"image id", 4}, {"image file", -1}}

func encodeUpgrade(v string) ([]byte, []note, *valueError) {
	f := splitList(v)
	if len(f) != len(upgradeFields) {
		return skipped(msgUpgradeArg, "want 8 fields policy,hw,swtype,swversion,server,port,imageid,file; got %d", len(f))
	}
	var out []byte
	var notes []note
	for i, spec := range upgradeFields {
		s := strings.Trim(f[i], "\t")
		switch spec.width {
		case 0:
			ip, err := parseIPv4(s)
			if err != nil {
				return skipped(msgUpgradeIP, "%s: %v", spec.name, err)
			}
			out = append(out, ip[:]...)
		case -1:
			if len(s) > upgradeFileMax {
				notes = append(notes, warn("image file name cut to %d characters: %q is written as %q, as Cisco's cfgfmt does", upgradeFileMax, s, s[:upgradeFileMax]))
				s = s[:upgradeFileMax]
			}
			out = append(append(out, s...), 0)
		default:
			n, ok := cUint(s, uint(8*spec.width))
			if !ok {
				return skipped(msgUpgradeArg, "%s %q is not a number", spec.name, s)
			}
			switch spec.width {
			case 1:
				out = append(out, byte(n))
			case 2:
				out = binary.BigEndian.AppendUint16(out, uint16(n))
			case 4:
				out = binary.BigEndian.AppendUint32(out, uint32(n))
			}
		}
	}
	return out, notes, nil
}

// encodeUpgradeLogo encodes upgradelogo (0x1103) and upgradexml (0x1104):
// id(4) ip(4) file NUL [issue 11 for upgradexml].
func encodeUpgradeLogo(tag int, v string) ([]byte, []note, *valueError) {
	name := pseudoName[tag]
	f := splitList(v)
	if len(f) != 3 {
		return skipped(msgLogoArg(name), "%s takes 3 fields id,ip,file; got %d", name, len(f))
	}
	id, ok := cUint(strings.Trim(f[0], "\t"), 32)
	if !ok {
		return skipped(msgLogoArg(name), "%s: id %q is not a number", name, f[0])
	}
	ip, err := parseIPv4(strings.Trim(f[1], "\t"))
	if err != nil {
		return nil, nil, badValue(msgBadIP, "%s: %v", name, err)
	}
	file := strings.Trim(f[2], "\t")
	var notes []note
	if len(file) > logoFileMax {
		notes = append(notes, warn("file name cut to %d characters, as Cisco's cfgfmt does", logoFileMax))
		file = file[:logoFileMax]
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(id))
	out = append(out, ip[:]...)
	return append(append(out, file...), 0), notes, nil
}

func msgLogoArg(name string) string { return "bad argument for " + name + " tag" }

// formatValue renders record bytes as profile text, or ok=false when the
// bytes do not fit the kind, or no text would compile to them again
// (Decode then shows them as a hex comment).
func formatValue(k Kind, size int, b []byte) (string, bool) {
	switch k {
	case KindTone:
		return formatTone(b, size)
	case KindIP:
		if len(b) == 4 {
			return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3]), true
		}
	case KindExtIP:
		if len(b) == 6 {
			return fmt.Sprintf("%d.%d.%d.%d.%d", b[0], b[1], b[2], b[3], binary.BigEndian.Uint16(b[4:])), true
		}
	case KindInt:
		if len(b) == 4 {
			return strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10), true
		}
	case KindHex:
		if len(b) == 4 {
			return fmt.Sprintf("0x%x", binary.BigEndian.Uint32(b)), true
		}
	case KindBool:
		if len(b) == 1 && b[0] <= 1 {
			return strconv.Itoa(int(b[0])), true
		}
	case KindShorts:
		// Compiling pads to the size, so only a full-size record renders.
		if len(b) > 0 && len(b)%2 == 0 && len(b) == size {
			parts := make([]string, len(b)/2)
			for i := range parts {
				parts[i] = strconv.Itoa(int(binary.BigEndian.Uint16(b[2*i:])))
			}
			return strings.Join(parts, ","), true
		}
	case KindDigits, KindString:
		if printable(b) && len(b) <= maxCValue {
			return string(b), true
		}
	}
	return "", false
}

// printable reports whether b survives a trip through a text profile line:
// non-empty, no control bytes, and not starting with a colon or a blank,
// which the tokenizer skips. Trailing blanks are kept by parsing.
func printable(b []byte) bool {
	if len(b) == 0 || isBlank(b[0]) || b[0] == ':' {
		return false
	}
	for _, c := range b {
		if isControl(rune(c)) {
			return false
		}
	}
	return true
}

// listItem reports whether s survives as one item of a comma/space list.
// (It is never first on the line, so a leading colon is fine.)
func listItem(b []byte) bool {
	if len(b) == 0 || strings.ContainsAny(string(b), ", \t") {
		return false
	}
	for _, c := range b {
		if isControl(rune(c)) {
			return false
		}
	}
	return true
}

// formatPseudo renders a pseudo-parameter record, the inverse of encodePseudo.
func formatPseudo(tag int, b []byte) (string, bool) {
	switch tag {
	case tagUpgradeCode, tagUpgradeLang:
		if len(b) < 21 || b[len(b)-1] != 0 || len(b)-20 > upgradeFileMax || !listItem(b[19:len(b)-1]) {
			return "", false
		}
		be := binary.BigEndian
		return fmt.Sprintf("%d,0x%x,0x%04x,0x%04x,%d.%d.%d.%d,%d,0x%x,%s",
			b[0], be.Uint32(b[1:]), be.Uint16(b[5:]), be.Uint16(b[7:]),
			b[9], b[10], b[11], b[12], be.Uint16(b[13:]), be.Uint32(b[15:]), b[19:len(b)-1]), true
	case tagTftpURL2:
		if len(b) == 1 && b[0] == 0 {
			return "", true // "tftpurl2:" compiles to a lone NUL
		}
		if len(b) < 2 || b[len(b)-1] != 0 || !printable(b[:len(b)-1]) {
			return "", false
		}
		return string(b[:len(b)-1]), true
	case tagUpgradeLogo, tagUpgradeXML:
		if len(b) < 10 || b[len(b)-1] != 0 || len(b)-9 > logoFileMax || !listItem(b[8:len(b)-1]) {
			return "", false
		}
		return fmt.Sprintf("0x%x,%d.%d.%d.%d,%s", binary.BigEndian.Uint32(b), b[4], b[5], b[6], b[7], b[8:len(b)-1]), true
	case tagEncryptKeyEx:
		return formatKeyEx(b)
	}
	return "", false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
