package cisco

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/sign"
)

// SIPImageVersion returns the value of image_version in a SIP configuration
// (SIPDefault.cnf, SIP<MAC>.cnf): `name: value ; comment`, `#` comment
// lines, value bare or quoted, the last occurrence wins.
func SIPImageVersion(cfg []byte) (string, bool) {
	v, found := "", false
	for _, line := range strings.Split(string(cfg), "\n") {
		name, value, ok := SIPLine(line)
		if ok && strings.EqualFold(name, "image_version") {
			v, found = value, true
		}
	}
	return v, found
}

func SIPLine(line string) (name, value string, ok bool) {
	line = strings.TrimRight(line, "\r")
	t := strings.TrimSpace(line)
	if t == "" || t[0] == '#' {
		return "", "", false
	}
	name, value, ok = strings.Cut(t, ":")
	if !ok {
		return "", "", false
	}
	value = strings.TrimSpace(value)
	if strings.HasPrefix(value, `"`) {
		if end := strings.IndexByte(value[1:], '"'); end >= 0 {
			return strings.TrimSpace(name), value[1 : 1+end], true
		}
	}
	if i := strings.IndexByte(value, ';'); i >= 0 {
		value = value[:i]
	}
	return strings.TrimSpace(name), strings.TrimSpace(value), true
}

// SetSIPImageVersion returns cfg with every image_version line set to v, or
// with one appended when there is none. Other lines are kept byte for byte,
// line endings included.
func SetSIPImageVersion(cfg []byte, v string) []byte {
	crlf := bytes.Contains(cfg, []byte("\r\n"))
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	lines := strings.SplitAfter(string(cfg), "\n")
	var b strings.Builder
	set := false
	for _, line := range lines {
		name, _, ok := SIPLine(line)
		if ok && strings.EqualFold(name, "image_version") {
			b.WriteString(strings.TrimSpace(strings.SplitN(line, ":", 2)[0]) + ": " + v + eol)
			set = true
			continue
		}
		b.WriteString(line)
	}
	out := b.String()
	if !set {
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += eol
		}
		out += "image_version: " + v + eol
	}
	return []byte(out)
}

var (
	xmlLoadRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`<loadInformation(\d*)(\s[^>]*)?>\s*([^<]*?)\s*</loadInformation\d*>`)
	})
	xmlModelAttr = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`model\s*=\s*"([^"]*)"`) })
)

// LoadElement is one loadInformation element of an XML configuration, as
// found by a textual scan (for editing in place).
type LoadElement struct {
	ModelID string // the digits after loadInformation, "" in SEP<MAC>.cnf.xml
	Model   string // the model attribute, if any
	Value   string // the load name
}

func LoadElements(cfg []byte) []LoadElement {
	var out []LoadElement
	for _, m := range xmlLoadRE().FindAllSubmatch(cfg, -1) {
		l := LoadElement{ModelID: string(m[1]), Value: string(m[3])}
		if a := xmlModelAttr().FindSubmatch(m[2]); a != nil {
			l.Model = string(a[1])
		}
		out = append(out, l)
	}
	return out
}

// ReplaceXMLLoads rewrites the value of every loadInformation element of cfg
// through fn. Everything else is kept byte for byte.
func ReplaceXMLLoads(cfg []byte, fn func(old string) (string, bool)) ([]byte, bool) {
	changedAll := true
	out := xmlLoadRE().ReplaceAllFunc(cfg, func(m []byte) []byte {
		sub := xmlLoadRE().FindSubmatchIndex(m)
		old := string(m[sub[6]:sub[7]])
		nv, ok := fn(old)
		if !ok {
			changedAll = false
			return m
		}
		return append(append(append([]byte{}, m[:sub[6]]...), nv...), m[sub[7]:]...)
	})
	return out, changedAll
}

// LoadsParts returns the part names listed by a .loads manifest: the body
// after the Cisco signed header (when there is one), one name a line, `#`
// comments, blank lines and LA_VERSION= skipped, names trimmed.
func LoadsParts(data []byte) []string {
	body := data
	if h, err := sign.ParseHeader(data); err == nil && h.Length <= len(data) {
		body = data[h.Length:]
	}
	var parts []string
	for _, line := range strings.Split(string(body), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || strings.HasPrefix(t, "LA_VERSION") {
			continue
		}
		if strings.ContainsAny(t, "\x00=") {
			continue
		}
		parts = append(parts, t)
	}
	return parts
}

// MaxConfigSize caps the configuration files publish reads into memory
// (SIPDefault.cnf, SEP<MAC>.cnf.xml, …) to derive canary files.
const MaxConfigSize = 1 << 20
