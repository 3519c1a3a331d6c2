package cisco

import "strings"

// SIPConfig is a parsed SIPDefault.cnf, SIP<MAC>.cnf (or the MGCP .cnf files,
// which share the syntax): `name: value ; comment`, values bare or quoted,
// # comment lines.
type SIPConfig struct {
	Entries []ConfigEntry `json:"entries"`
}

// ConfigEntry is one setting of a text configuration file.
type ConfigEntry struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Line   int    `json:"line,omitempty"` // 0 for records of binary profiles
	Quoted bool   `json:"quoted,omitempty"`
}

// Get returns the entry called name, matched case-insensitively; when a name
// is given twice the last one wins, as on the phone.
func (c *SIPConfig) Get(name string) (ConfigEntry, bool) {
	if c == nil {
		return ConfigEntry{}, false
	}
	for i := len(c.Entries) - 1; i >= 0; i-- {
		if strings.EqualFold(c.Entries[i].Name, name) {
			return c.Entries[i], true
		}
	}
	return ConfigEntry{}, false
}

// ParseSIPConfig parses the .cnf syntax of 7940/7960 SIP and MGCP phones.
// Lines it cannot read are reported and skipped; the rest are kept.
func ParseSIPConfig(b []byte) (*SIPConfig, []Problem) {
	var ps ProblemList
	c := &SIPConfig{}
	if !checkText(b, &ps) {
		return c, ps
	}
	noteBOM(b, &ps)
	eachLine(b, &ps, func(t textLine) bool {
		s := strings.TrimSpace(t.text)
		if s == "" || s[0] == '#' || s[0] == ';' {
			return true
		}
		if len(c.Entries) >= MaxEntries {
			ps.Add(t.n, "more than %d entries", MaxEntries)
			return false
		}
		name, rest, ok := strings.Cut(s, ":")
		if !ok {
			ps.Add(t.n, "no colon: want `name: value`")
			return true
		}
		name = strings.TrimSpace(name)
		if !isConfigName(name) {
			ps.Add(t.n, "bad setting name %q", name)
			return true
		}
		e := ConfigEntry{Name: name, Line: t.n}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, `"`) {
			e.Quoted = true
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				ps.Add(t.n, "%s: quote not closed", name)
				e.Value = rest[1:]
			} else {
				e.Value = rest[1 : 1+end]
				after := strings.TrimSpace(rest[2+end:])
				if after != "" && after[0] != ';' && after[0] != '#' {
					ps.Add(t.n, "%s: text after the closing quote: %q", name, after)
				}
			}
		} else {
			v, _, _ := strings.Cut(rest, ";")
			e.Value = strings.TrimSpace(v)
		}
		c.Entries = append(c.Entries, e)
		return true
	})
	return c, ps
}

// isConfigName reports whether s is a plausible setting name: letters,
// digits, underscores and dots (proxy1_address, line1_name, …).
func isConfigName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}
