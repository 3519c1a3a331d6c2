package check

import (
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// checkRings: rule 11.
func (c *checker) checkRings() {
	rings := map[string]bool{}
	for _, f := range c.d.Files {
		if f.Ringlist == nil {
			continue
		}
		for _, r := range f.Ringlist.Entries {
			if strings.TrimSpace(r.Display) == "" || strings.TrimSpace(r.File) == "" {
				c.add("ringlist-entry", f.Name, r.Line, nil, "the line needs a display name, a TAB and a file name")
				continue
			}
			if rf := c.refer("ringlist-entry", f.Name, r.Line, r.File, "RINGLIST.DAT names the ring"); rf != nil {
				rings[rf.Name] = true
			}
		}
	}
	for _, f := range c.d.Files {
		if f.Kind != cisco.KindRing && !rings[f.Name] {
			continue
		}
		switch {
		case f.WAV:
			c.add("ring-format", f.Name, 0, nil, "%s is a WAV file; phones want headerless µ-law", f.Name)
		case f.Size < cisco.MinRingSamples || f.Size > cisco.MaxRingSamples:
			c.add("ring-format", f.Name, 0, nil, "%s has %d samples, outside %d–%d", f.Name, f.Size, cisco.MinRingSamples, cisco.MaxRingSamples)
		}
	}
	for _, f := range c.d.Files {
		if f.SIP == nil {
			continue
		}
		if e, ok := f.SIP.Get("dial_template"); ok && strings.TrimSpace(e.Value) != "" {
			// The phone appends .xml itself (the value is "dialplan", the
			// file dialplan.xml): a value with the extension makes it ask
			// for dialplan.xml.xml.
			v := strings.TrimSpace(e.Value)
			if stem, ok := strings.CutSuffix(v, ".xml"); ok && c.byName[v+".xml"] == nil {
				c.add("dial-template-missing", f.Name, e.Line, c.phonesReading(f.Name), "dial_template names %q with its extension: the phone appends .xml and asks for %q; write %q", v, v+".xml", stem)
				continue
			}
			c.refer("dial-template-missing", f.Name, e.Line, v+".xml", "dial_template names")
		}
	}
}
