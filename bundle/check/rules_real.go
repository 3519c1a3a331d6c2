package check

import (
	"fmt"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// imageKinds are firmware images: a root with none of them is a
// configuration-only root.
var imageKinds = map[cisco.Kind]bool{
	cisco.KindImageBin: true, cisco.KindImageSBN: true, cisco.KindImageSB2: true,
	cisco.KindImageSBIN: true, cisco.KindImageZUP: true,
}

// hasImages reports whether any file is a firmware image (.sgn images of
// newer phones included; signed configuration files are not images).
func hasImages(fs []*drop.File) bool {
	for _, f := range fs {
		if imageKinds[f.Kind] {
			return true
		}
		if f.Kind == cisco.KindSigned && strings.HasSuffix(strings.ToLower(f.Name), ".sgn") && !strings.Contains(strings.ToLower(f.Name), ".cnf.") {
			return true
		}
		if f.Load() != nil && f.Load().Family == cisco.Family79x1Part {
			return true
		}
	}
	return false
}

// xmlKinds are the XML files phones fetch whose parse problems are
// xml-invalid (the phone rejects the whole file).
var xmlKinds = map[cisco.Kind]bool{
	cisco.KindRinglistXML: true, cisco.KindTones: true, cisco.KindSyncInfo: true,
	cisco.KindImageList: true, cisco.KindPhoneXML: true, cisco.KindManifestXML: true,
}

// checkReal: the rules real roots taught (issue 10): sources never
// judged as fetched files, trust-list placeholders, newer signed headers,
// loadNNN.txt against the model table, duplicate loadInformation,
// dialTemplate references, 7905/7912 image types.
func (c *checker) checkReal() {
	for _, f := range c.d.Files {
		switch {
		case f.Kind == cisco.KindSource || f.Kind == cisco.KindTagTable:
			c.add("source-file", f.Name, 0, nil, "%s is a %s, not a file phones fetch", f.Name, sourceWhat(f))
		case f.Kind == cisco.KindLoadPointer:
			c.checkLoadPointer(f)
		case f.Kind == cisco.KindTrustList && f.Header() == nil && !f.NewHeader:
			what := "has no signed header"
			if f.Size < 64 {
				what = fmt.Sprintf("is a %d-byte placeholder, not a signed trust list", f.Size)
			}
			c.add("trust-list-bad", f.Name, 0, c.phonesReading(f.Name), "%s %s", f.Name, what)
		case f.NewHeader:
			c.add("not-judged", f.Name, 0, nil, "%s carries the signed header of newer phones (CD 34 12 AB): listed, not judged", f.Name)
		}
		if f.IsXML() {
			c.checkXMLDuplicates(f)
			for _, e := range f.XMLDialTemplates() {
				v := strings.TrimSpace(e.Value)
				if v == "" {
					continue
				}
				c.refer("dial-template-missing", f.Name, e.Line, v, "dialTemplate names")
			}
		}
		if f.Profile() != nil {
			_, fam := profileFamily(f.Name)
			for _, u := range f.Profile().Upgrades {
				if u.Name != "upgradecode" || u.Fields != 8 || (fam != "7912" && fam != "7905") {
					continue
				}
				lower := strings.ToLower(u.File)
				for _, ext := range []string{".loads", ".sbn", ".bin", ".sb2"} {
					if strings.HasSuffix(lower, ext) {
						c.add("image-type-7905-7912", f.Name, u.Line, c.phonesReading(f.Name), "upgradecode names %q, a %s: a %s only takes .sbin (or, 7905, .zup) images", u.File, ext, fam)
					}
				}
			}
		}
	}
}

// sourceWhat says what kind of source a file is, for messages.
func sourceWhat(f *drop.File) string {
	if f.Kind == cisco.KindTagTable {
		return "cfgfmt tag table"
	}
	return "template, sample or backup copy"
}

// checkLoadPointer holds a loadNNN.txt against the model table: the id
// must be known and the load of that model's family.
func (c *checker) checkLoadPointer(f *drop.File) {
	c.add("source-file", f.Name, 0, nil, "%s is Cisco's load pointer for CUCM's installer, not a file phones fetch", f.Name)
	lp := f.LoadPointer()
	if lp == nil || lp.ModelID == 0 {
		return
	}
	c.judged(f.Name, lp.Line)
	m, ok := cisco.ModelByID(lp.ModelID)
	if !ok {
		c.add("load-pointer-mismatch", f.Name, lp.Line, nil, "model id %d is not in phoneload's model table (docs/models.md)", lp.ModelID)
		return
	}
	if fam := cisco.LoadFamily(lp.Load); fam != "" && fam != m.Loads {
		c.add("load-pointer-mismatch", f.Name, lp.Line, nil, "model id %d is the %s, which runs %s loads, but the file names %q, a %s load", lp.ModelID, m.Name, m.Loads, lp.Load, fam)
	}
	if base := cisco.BaseName(f.Name); !strings.EqualFold(base, fmt.Sprintf("load%d.txt", lp.ModelID)) {
		c.add("load-pointer-mismatch", f.Name, lp.Line, nil, "%s holds the line of model id %d", base, lp.ModelID)
	}
}

// checkXMLDuplicates: a loadInformation element given more than once in
// one file. Which one a phone takes is not documented, so the file says
// two things at once.
func (c *checker) checkXMLDuplicates(f *drop.File) {
	first := map[string]cisco.XMLLoad{}
	count := map[string]int{}
	for _, l := range f.XMLLoads() {
		count[l.Element]++
		p, ok := first[l.Element]
		if !ok {
			first[l.Element] = l
			continue
		}
		c.add("config-duplicate-key", f.Name, l.Line, c.ofModelOrAll(c.phonesReading(f.Name), l.ModelID),
			"<%s> is given again (first on line %d%s); which one a phone takes is not documented", l.Element, p.Line, valueChange(p.Value, l.Value))
	}
}

func valueChange(a, b string) string {
	if a == b {
		return fmt.Sprintf(", the same %q", a)
	}
	return fmt.Sprintf(", %q, now %q", a, b)
}

// ofModelOrAll narrows phones to model id when there is one.
func (c *checker) ofModelOrAll(macs []string, id int) []string {
	if id == 0 || macs == nil {
		return macs
	}
	return c.ofModel(macs, id)
}

// folderKinds live in folders by design: tones and dictionaries in locale
// folders, backgrounds in Desktops/<size>/, IP Communicator's manifests
// in its locale folders; sources are nobody's fetch.
var folderKinds = map[cisco.Kind]bool{
	cisco.KindTones: true, cisco.KindImageList: true, cisco.KindPhoneXML: true, cisco.KindManifestXML: true,
	cisco.KindSource: true, cisco.KindTagTable: true, cisco.KindLoadPointer: true, cisco.KindUnknown: true,
}

// placed reports whether f is a file whose place in the root matters to
// the folder rules (not-at-root, folder-not-read): a file phones fetch by
// its name at the top, outside a locale folder.
func (c *checker) placed(f *drop.File) bool {
	if folderKinds[f.Kind] {
		return false
	}
	if i := strings.LastIndexByte(f.Name, '/'); i >= 0 && c.locales[f.Name[:i+1]] {
		return false
	}
	return true
}

// localeDirs finds the locale folders: the folders holding a tones
// file, a locale dictionary or a CIPC locale manifest. Phones fetch
// <userLocale>/… and <networkLocale>/… from them by design.
func localeDirs(fs []*drop.File) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		i := strings.LastIndexByte(f.Name, '/')
		if i < 0 {
			continue
		}
		lower := strings.ToLower(cisco.BaseName(f.Name))
		if f.Kind == cisco.KindTones || f.Kind == cisco.KindManifestXML || strings.Contains(lower, "-dictionary") {
			m[f.Name[:i+1]] = true
		}
	}
	return m
}
