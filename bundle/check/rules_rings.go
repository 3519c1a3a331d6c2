package check

import (
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// checkRings: rule 11.
func (c *checker) checkRings() {
	rings := map[string]bool{}
	noRings := true
	for _, f := range c.d.Files {
		if f.Kind == cisco.KindRing {
			noRings = false
		}
	}
	for _, f := range c.d.Files {
		if f.Ringlist() == nil {
			continue
		}
		// Phones fetch ring lists at the top of the root; one in a folder
		// is read by nobody (folder-not-read), unless the whole root is.
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue
		}
		base := cisco.BaseName(f.Name)
		var absent []string
		first := 0
		for _, r := range f.Ringlist().Entries {
			if strings.TrimSpace(r.Display) == "" || strings.TrimSpace(r.File) == "" {
				if f.Kind == cisco.KindRinglistXML {
					c.add("ringlist-entry", f.Name, r.Line, nil, "the <Ring> needs a <DisplayName> and a <FileName>")
				} else {
					c.add("ringlist-entry", f.Name, r.Line, nil, "the line needs a display name, a TAB and a file name")
				}
				continue
			}
			// Ring files are named from the top of the root, as phones
			// ask for them ("ringtones/Piano1.raw" is a path there).
			target := r.File
			if rf, fold := c.lookup(target); rf == nil && len(fold) == 0 {
				if c.foldMisplaced(f.Name, r.Line, target, target) {
					continue // not-at-root accounts for it
				}
				if first == 0 {
					first = r.Line
				}
				absent = append(absent, r.File)
				continue
			}
			if rf := c.refer("ring-missing", f.Name, r.Line, target, base+" names the ring"); rf != nil {
				rings[rf.Name] = true
			}
		}
		switch {
		case len(absent) == 0:
		case noRings:
			c.add("image-not-in-root", f.Name, first, nil, "%s names %d ring%s (%s) and this root holds no ring file at all: the phone lists them and plays none", base, len(absent), plural(len(absent)), strings.Join(absent, ", "))
		default:
			c.add("ring-missing", f.Name, first, nil, "%s names %d ring%s that %s not in the root: %s", base, len(absent), plural(len(absent)), isAre(len(absent)), strings.Join(absent, ", "))
		}
	}
	for _, f := range c.d.Files {
		// Rings are judged through the lists that name them: an
		// unlisted .raw is nobody's business.
		if !rings[f.Name] {
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
		if !f.IsSIP() {
			continue
		}
		if e, ok := f.DialTemplate(); ok && strings.TrimSpace(e.Value) != "" {
			// The phone appends .xml itself (the value is "dialplan", the
			// file dialplan.xml): a value with the extension makes it ask
			// for dialplan.xml.xml.
			v := strings.TrimSpace(e.Value)
			if stem, ok := strings.CutSuffix(v, ".xml"); ok && c.file(v+".xml") == nil {
				c.add("dial-template-missing", f.Name, e.Line, c.phonesReading(f.Name), "dial_template names %q with its extension: the phone appends .xml and asks for %q; write %q", v, v+".xml", stem)
				continue
			}
			c.refer("dial-template-missing", f.Name, e.Line, v+".xml", "dial_template names")
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
