package check

import (
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// checkRest: rule 14, parse problems and duplicate parameters.
func (c *checker) checkRest() {
	for _, f := range c.d.Files {
		for _, d := range f.Duplicates() {
			if d.Secret {
				// Reports end up in tickets: never print a password.
				c.add("config-duplicate-key", f.Name, d.Line, c.phonesReading(f.Name), "%s is set on line %d and again, to another value; the phone uses the last (values not shown: secret)", d.Name, d.FirstLine)
			} else {
				c.add("config-duplicate-key", f.Name, d.Line, c.phonesReading(f.Name), "%s is set on line %d to %q and again to %q; the phone uses %q", d.Name, d.FirstLine, d.First, d.Value, d.Value)
			}
		}
		// OS79XX.TXT and ring files have rules of their own that judge
		// every problem their parsers note; RINGLIST.DAT's are its rule's.
		rule := "parse-problem"
		switch f.Kind {
		case cisco.KindOS79XX, cisco.KindRing:
			rule = ""
		case cisco.KindRinglist:
			rule = "ringlist-entry"
		case cisco.KindSource, cisco.KindTagTable:
			rule = "" // sources: never judged as what phones fetch
		}
		if xmlKinds[f.Kind] {
			rule = "xml-invalid"
		}
		// An upgradecode line with the wrong number of fields is
		// upgradecode-fields' finding, not a second one here.
		judged := map[int]bool{}
		if f.Profile() != nil {
			for _, u := range f.Profile().Upgrades {
				if u.Fields != 8 && u.Line > 0 {
					judged[u.Line] = true
				}
			}
		}
		for _, p := range f.Problems() {
			// The signed-header problems Open notes are signed-header-bad's.
			if f.HeaderErr() != "" && strings.HasPrefix(p.Msg, "signed header:") ||
				f.Header() == nil && mustBeSigned[f.Kind] && p.Msg == "no Cisco signed header" ||
				judged[p.Line] || p.Line > 0 && c.judgedLines[f.Name][p.Line] {
				continue
			}
			if rule != "" {
				c.add(rule, f.Name, p.Line, c.phonesReading(f.Name), "%s", p.Msg)
			}
		}
		if f.Kind == cisco.KindUnknown && !c.named[f.Name] {
			c.add("unknown-file", f.Name, 0, nil, "%s is not a file phoneload knows (size %d)", f.Name, f.Size)
		}
	}
}
