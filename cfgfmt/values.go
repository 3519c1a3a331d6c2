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
	"encryptkeyex": tagEncryptKeyEx,
}

// pseudoName is the name Decode shows for a pseudo-parameter tag.
var pseudoName = map[int]string{
	tagUpgradeCode:  "upgradecode",
	tagUpgradeLang:  "upgradelang",
	tagTftpURL2:     "tftpurl2",
	tagUpgradeLogo:  "upgradelogo",
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

// encodeValue turns the text value of descriptor d into record bytes.
func encodeValue(d *Descriptor, v string) ([]byte, *valueError) {
	switch d.Format.Kind() {
	case KindTone:
		return nil, badValue(msgTone, "%s uses the obsolete tone-frequency form (format %#04x); use the tone parameter without \"Freq\"", d.Name, uint16(d.Format))
	case KindIP:
		ip, err := parseIPv4(v)
		if err != nil {
			return nil, badValue(msgBadIP, "%s: %v", d.Name, err)
		}
		return ip[:], nil
	case KindExtIP:
		return encodeExtIP(d, v)
	case KindInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < -1<<31 || n > 1<<32-1 {
			hint := ""
			if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
				hint = "; this field takes decimal, not hex"
			}
			return nil, badValue(msgBadNumber, "%s: %q is not a 32-bit decimal integer%s", d.Name, v, hint)
		}
		return binary.BigEndian.AppendUint32(nil, uint32(n)), nil
	case KindHex:
		n, ok := parseHex32(v)
		if !ok {
			return nil, badValue(msgBadNumber, "%s: %q is not a 32-bit hex number (0x…)", d.Name, v)
		}
		return binary.BigEndian.AppendUint32(nil, n), nil
	case KindBool:
		if v == "0" || strings.EqualFold(v, "false") {
			return []byte{0}, nil
		}
		return []byte{1}, nil
	case KindShorts:
		return encodeShorts(d, v)
	case KindDigits:
		for i := 0; i < len(v); i++ {
			if (v[i] < '0' || v[i] > '9') && v[i] != '.' {
				return nil, badValue(msgBadDigits, "%s: %q: only digits 0-9 and '.' are allowed", d.Name, v)
			}
		}
		if len(v) > d.Size {
			return nil, badValue(msgTooLong, "%s: %d characters, at most %d", d.Name, len(v), d.Size)
		}
		return []byte(v), nil
	case KindString:
		if len(v) > d.Size {
			return nil, badValue(msgTooLong, "%s: %d bytes, at most %d", d.Name, len(v), d.Size)
		}
		return []byte(v), nil
	}
	return nil, badValue(msgUnsupported, "%s: format %#04x has no value type", d.Name, uint16(d.Format))
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

// encodeShorts reads comma-separated decimals into 16-bit big-endian values,
// zero-padded to the descriptor's size [captured].
func encodeShorts(d *Descriptor, v string) ([]byte, *valueError) {
	count := strings.Count(v, ",") + 1
	if 2*count > d.Size {
		return nil, badValue(msgTooLong, "%s: %d values, at most %d", d.Name, count, d.Size/2)
	}
	out := make([]byte, d.Size)
	for i := range count {
		var f string
		f, v, _ = strings.Cut(v, ",")
		f = strings.TrimSpace(f)
		n, err := strconv.ParseInt(f, 10, 32)
		if err != nil || n < -1<<15 || n > 1<<16-1 {
			return nil, badValue(msgBadNumber, "%s: value %d %q is not a 16-bit decimal", d.Name, i+1, f)
		}
		binary.BigEndian.PutUint16(out[2*i:], uint16(n))
	}
	return out, nil
}

// parseHex32 reads 0x-prefixed (or bare) hex into 32 bits.
func parseHex32(v string) (uint32, bool) {
	s := v
	if len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" || strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	return uint32(n), err == nil
}

// parseUint reads 0x hex or decimal, at most bits wide.
func parseUint(s string, bits int) (uint64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		n, err := strconv.ParseUint(s[2:], 16, bits)
		return n, err == nil
	}
	n, err := strconv.ParseUint(s, 10, bits)
	return n, err == nil
}

// encodePseudo encodes the value of a pseudo-parameter.
func encodePseudo(tag int, v string) ([]byte, *valueError) {
	switch tag {
	case tagUpgradeCode, tagUpgradeLang:
		return encodeUpgrade(v)
	case tagTftpURL2:
		if strings.IndexByte(v, 0) >= 0 {
			return nil, badValue(msgBadNumber, "tftpurl2: NUL in value")
		}
		return append([]byte(v), 0), nil
	case tagUpgradeLogo:
		f := strings.Split(v, ",")
		if len(f) != 3 {
			return nil, badValue(msgUpgradeArg, "upgradelogo takes 3 fields id,ip,file; got %d", len(f))
		}
		id, ok := parseUint(f[0], 32)
		if !ok {
			return nil, badValue(msgUpgradeArg, "upgradelogo: id %q is not a 32-bit number", f[0])
		}
		ip, err := parseIPv4(strings.TrimSpace(f[1]))
		if err != nil {
			return nil, badValue(msgUpgradeArg, "upgradelogo: %v", err)
		}
		file := strings.TrimSpace(f[2])
		if file == "" {
			return nil, badValue(msgUpgradeArg, "upgradelogo: empty file name")
		}
		out := binary.BigEndian.AppendUint32(nil, uint32(id))
		out = append(out, ip[:]...)
		return append(append(out, file...), 0), nil
	case tagEncryptKeyEx:
		return nil, badValue(msgUnsupported, "EncryptKeyEx: the strong key is wrapped with constants that are not public, so it cannot be written correctly; remove the line or provision the key another way")
	}
	return nil, badValue(msgUnsupported, "pseudo tag %#x", tag)
}

// upgradeFields are the 8 fields of upgradecode/upgradelang with their byte
// widths (0 = IPv4, -1 = file name + NUL).
var upgradeFields = [...]struct {
	name  string
	width int
}{{"policy", 1}, {"hardware code", 4}, {"software type", 2}, {"software version", 2}, {"TFTP server", 0}, {"port", 2}, {"image id", 4}, {"image file", -1}}

func encodeUpgrade(v string) ([]byte, *valueError) {
	f := strings.Split(v, ",")
	if len(f) != len(upgradeFields) {
		return nil, badValue(msgUpgradeArg, "want 8 fields policy,hw,swtype,swversion,server,port,imageid,file; got %d", len(f))
	}
	var out []byte
	for i, spec := range upgradeFields {
		s := strings.TrimSpace(f[i])
		switch spec.width {
		case 0:
			ip, err := parseIPv4(s)
			if err != nil {
				return nil, badValue(msgUpgradeArg, "%s: %v", spec.name, err)
			}
			out = append(out, ip[:]...)
		case -1:
			if s == "" || strings.IndexByte(s, 0) >= 0 {
				return nil, badValue(msgUpgradeArg, "%s is empty", spec.name)
			}
			out = append(append(out, s...), 0)
		default:
			n, ok := parseUint(s, 8*spec.width)
			if !ok {
				return nil, badValue(msgUpgradeArg, "%s %q is not a %d-byte number (decimal or 0x hex)", spec.name, s, spec.width)
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
	return out, nil
}

// formatValue renders record bytes as profile text, or ok=false when the
// bytes do not fit the kind (Decode then shows them as a hex comment).
func formatValue(k Kind, size int, b []byte) (string, bool) {
	switch k {
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
		if len(b) > 0 && len(b)%2 == 0 && len(b) <= size {
			parts := make([]string, len(b)/2)
			for i := range parts {
				parts[i] = strconv.Itoa(int(binary.BigEndian.Uint16(b[2*i:])))
			}
			return strings.Join(parts, ","), true
		}
	case KindDigits, KindString:
		if printable(b) && len(b) <= size {
			return string(b), true
		}
	}
	return "", false
}

// printable reports whether b survives a trip through a text profile line:
// non-empty, no control bytes, no surrounding blanks (which parsing trims).
func printable(b []byte) bool {
	if len(b) == 0 || isBlank(b[0]) || isBlank(b[len(b)-1]) {
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
		if len(b) < 21 || b[len(b)-1] != 0 || !printable(b[19:len(b)-1]) || strings.Contains(string(b[19:]), ",") {
			return "", false
		}
		be := binary.BigEndian
		return fmt.Sprintf("%d,0x%x,0x%04x,0x%04x,%d.%d.%d.%d,%d,0x%x,%s",
			b[0], be.Uint32(b[1:]), be.Uint16(b[5:]), be.Uint16(b[7:]),
			b[9], b[10], b[11], b[12], be.Uint16(b[13:]), be.Uint32(b[15:]), b[19:len(b)-1]), true
	case tagTftpURL2:
		if len(b) < 2 || b[len(b)-1] != 0 || !printable(b[:len(b)-1]) {
			return "", false
		}
		return string(b[:len(b)-1]), true
	case tagUpgradeLogo:
		if len(b) < 10 || b[len(b)-1] != 0 || !printable(b[8:len(b)-1]) || strings.Contains(string(b[8:]), ",") {
			return "", false
		}
		return fmt.Sprintf("0x%x,%d.%d.%d.%d,%s", binary.BigEndian.Uint32(b), b[4], b[5], b[6], b[7], b[8:len(b)-1]), true
	}
	return "", false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
