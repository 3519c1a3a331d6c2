package check

import (
	"fmt"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// checkOS79XX: rule 1 of the issue.
func (c *checker) checkOS79XX() {
	for _, f := range c.d.Files {
		o := f.OS79XX()
		if o == nil {
			continue
		}
		ph := c.phonesReading(f.Name)
		name, ext := cisco.StripImageExt(o.Name)
		if ext == "" {
			ext = o.Extension
		}
		switch {
		case strings.TrimSpace(o.Name) == "":
			c.add("os79xx-syntax", f.Name, 1, ph, "OS79XX.TXT is empty: it must hold one image name")
			continue
		case o.Lines > 1:
			c.add("os79xx-syntax", f.Name, 2, ph, "OS79XX.TXT has %d lines: it must hold only the image name", o.Lines)
		case ext != "":
			c.add("os79xx-syntax", f.Name, 1, ph, "OS79XX.TXT names %q with the extension %q: phones append the extension themselves", o.Name, ext)
		case o.TrailingSpace:
			c.add("os79xx-syntax", f.Name, 1, ph, "OS79XX.TXT has white space around %q (a trailing space is a known Cisco bug: the phone asks for the name with the space)", name)
		case o.BOM:
			c.add("os79xx-syntax", f.Name, 1, ph, "OS79XX.TXT starts with a UTF-8 byte-order mark (EF BB BF, Notepad's \"UTF-8\") before %q: the phone reads it as part of the name; save it as ANSI/ASCII", name)
		}
		if o.CRLF {
			c.add("os79xx-crlf", f.Name, 1, ph, "OS79XX.TXT ends its line with CRLF")
		}
		if msg := os79xxForm(name); msg != "" {
			c.add("os79xx-form", f.Name, 1, ph, "%s", msg)
		}
		exact, fold := c.resolveImage(name)
		switch {
		case len(exact) > 0:
		case len(fold) > 0:
			c.add("reference-case", f.Name, 1, ph, "OS79XX.TXT names %q but the root has %s: TFTP names are case-exact", name, names(fold))
		case c.foldMisplaced(f.Name, 1, name, imageFiles(name)...):
		case c.noImages:
			c.add("image-not-in-root", f.Name, 1, ph, "OS79XX.TXT names %q; this root holds no firmware image at all: phones on pre-7.x images that read OS79XX.TXT cannot fetch it", name)
		default:
			c.add("os79xx-image-missing", f.Name, 1, ph, "OS79XX.TXT names %q but none of %s.bin, .sbn, .loads is in the root%s", name, name, c.otherSpelling(name))
		}
	}
}

// os79xxForm explains why name does not have the form its target needs,
// or returns "".
func os79xxForm(name string) string {
	if len(name) >= 4 && (name[1] == 'O' || name[1] == 'o') {
		return fmt.Sprintf("%q has the letter O as second character; Cisco load names start with P-zero (P0S3…, P003…)", name)
	}
	r, ok := ParseRelease(name)
	if !ok {
		if u := strings.ToUpper(name); u != name {
			if _, ok := ParseRelease(u); ok {
				return fmt.Sprintf("%q is in lower case; the load is %q", name, u)
			}
		}
		return fmt.Sprintf("%q is not a 7940/7960 load name (P0S3xxyy for SIP ≤2.3, P0S3-xx-y-zz for SIP ≥3.0, P003aabbccdd for SCCP)", name)
	}
	dashed := strings.Contains(name, "-")
	switch r.Protocol {
	case "sip":
		if r.Before(3, 0) && dashed {
			return fmt.Sprintf("%q: SIP %d.%d needs the 8.3 form P0S3%02d%02d", name, r.Major, r.Minor, r.Major, r.Minor)
		}
		if !r.Before(3, 0) && !dashed {
			return fmt.Sprintf("%q: SIP 3.0 and later need the form P0S3-xx-y-zz (e.g. P0S3-%02d-%d-00)", name, r.Major, r.Minor)
		}
	}
	// SCCP: P003aabbccdd, or an 8.3 name P003xxyy, which Cisco's note
	// recommends for SIP ≤2.1 phones (upgrade-sip21-name): both are fine.
	return ""
}
