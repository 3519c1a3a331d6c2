package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// checkImageRefs: rules 2 and 8.
func (c *checker) checkImageRefs() {
	any := false
	for _, o := range c.allOffers() {
		any = true
		if o.Source == "OS79XX.TXT" || o.Source == "upgradecode" || o.Source == "default" {
			continue // their own rules; a default offer is the .loads itself
		}
		ph := c.phonesReading(o.File)
		what := o.Source
		if o.ModelID != 0 {
			what = fmt.Sprintf("loadInformation%d", o.ModelID)
			ph = c.ofModel(ph, o.ModelID)
		}
		if o.Ext != "" {
			c.add("image-extension", o.File, o.Line, ph, "%s names %q with the extension %q; write %q", what, o.Name+o.Ext, o.Ext, o.Name)
		}
		exact, fold := c.resolveImage(o.Name)
		switch {
		case len(exact) > 0:
		case len(fold) > 0:
			c.add("reference-case", o.File, o.Line, ph, "%s names %q but the root has %s: TFTP names are case-exact", what, o.Name, names(fold))
		case c.foldMisplaced(o.File, o.Line, o.Name, imageFiles(o.Name)...):
		case c.noImages:
			c.add("image-not-in-root", o.File, o.Line, ph, "%s names %q; this root holds no firmware image at all (no %s.loads, .sbn or .bin): phones running %s keep it, others cannot upgrade from here", what, o.Name, o.Name, o.Name)
		default:
			c.add("image-missing", o.File, o.Line, ph, "%s names %q but no %s.loads (or .sbn/.bin) is in the root%s", what, o.Name, o.Name, c.otherSpelling(o.Name))
		}
		ids := loadModelIDs(o.Name)
		if ids == nil {
			continue
		}
		switch {
		case o.Source == "image_version" && !containsInt(ids, 7):
			c.add("image-model-mismatch", o.File, o.Line, ph, "image_version names %q, which is not a 7940/7960 load; only 7940/7960/7910 phones read image_version", o.Name)
		case o.ModelID != 0 && !containsInt(ids, o.ModelID):
			c.add("image-model-mismatch", o.File, o.Line, ph, "%s is for %s but names %q, a load for %s", what, modelName(o.ModelID), o.Name, modelNames(ids))
		case o.ModelID == 0 && o.MAC() != "" && o.Source == "loadInformation":
			// SEP<MAC>.cnf.xml has no model id: the fleet says the model.
			if i, ok := c.fleetByMAC[o.MAC()]; ok {
				if p := c.fleet[i]; modelIDs[p.Model] != 0 && !containsInt(ids, modelIDs[p.Model]) {
					c.add("image-model-mismatch", o.File, o.Line, []string{p.MAC}, "%s is for %s (a %s) but names %q, a load for %s", o.File, p.MAC, p.Model, o.Name, modelNames(ids))
				}
			}
		}
	}
	c.checkModelAttrs()
	// A malformed upgradecode (upgradecode-fields) still names an image:
	// one mistake, one finding.
	for _, f := range c.d.Files {
		if f.Profile() != nil {
			for _, u := range f.Profile().Upgrades {
				any = any || u.Name == "upgradecode"
			}
		}
	}
	if !any {
		c.add("no-load-specified", "", 0, nil, "no OS79XX.TXT, image_version, loadInformation or upgradecode names an image")
	}
}

// checkModelAttrs: a loadInformationNNN whose model attribute names
// another model than NNN. Phones match NNN; the attribute shows what the
// person who wrote the line meant, so the two disagreeing means some model
// does not get the image intended for it.
func (c *checker) checkModelAttrs() {
	for _, f := range c.d.Files {
		for _, l := range f.XMLLoads() {
			attr := cisco.AttrModel(l.ModelAttr)
			if l.ModelID == 0 || l.Model == "" || attr == "" || attr == l.Model {
				continue
			}
			c.judged(f.Name, l.Line)
			c.add("model-attr-mismatch", f.Name, l.Line, c.ofModel(c.phonesReading(f.Name), l.ModelID),
				"<%s model=%q>: phones go by the id, and %d is the %s: this line gives %q to %s phones, not to the %s it is labelled for; write <loadInformation%d model=%q> if it is meant for the %s",
				l.Element, l.ModelAttr, l.ModelID, l.Model, l.Value, l.Model, attr, modelIDs[attr], l.ModelAttr, attr)
		}
	}
}

// judged marks file:line as reported by a rule of its own, so that the
// problem the parser noted there is not repeated as parse-problem.
func (c *checker) judged(file string, line int) {
	if c.judgedLines == nil {
		c.judgedLines = map[string]map[int]bool{}
	}
	if c.judgedLines[file] == nil {
		c.judgedLines[file] = map[int]bool{}
	}
	c.judgedLines[file][line] = true
}

// otherSpelling names, for a missing image, an image of the root that is
// the same 7940/7960 release spelt another way (P0S3-08-12-00 for
// P0S3-8-12-00): phones compare names byte for byte, so it does not count,
// but it is almost certainly what was meant. "" when there is none.
func (c *checker) otherSpelling(name string) string {
	// Cisco's own note writes POS3… with the letter O; phones want P0S3….
	if len(name) > 2 && (name[1] == 'O' || name[1] == 'o') {
		zero := name[:1] + "0" + name[2:]
		if exact, _ := c.resolveImage(zero); len(exact) > 0 {
			return fmt.Sprintf("; the root has %s: load names start with P and the digit zero, not the letter O", exact[0].Name)
		}
		return ""
	}
	want, ok := ParseRelease(name)
	if !ok {
		return ""
	}
	for _, f := range c.d.Files {
		stem, ext := cisco.StripImageExt(f.Name)
		if ext == "" || ext == ".sb2" || strings.Contains(stem, "/") {
			continue
		}
		if r, ok := ParseRelease(stem); ok && stem != name && r.Protocol == want.Protocol &&
			r.Major == want.Major && r.Minor == want.Minor && r.Maint == want.Maint {
			return fmt.Sprintf("; the root has %s, the same release spelt %q: TFTP names are byte-exact, write that", f.Name, stem)
		}
	}
	return ""
}

// ofModel keeps the phones whose model has loadInformation id.
func (c *checker) ofModel(macs []string, id int) []string {
	out := []string{}
	for _, m := range macs {
		if i, ok := c.fleetByMAC[m]; ok && modelIDs[c.fleet[i].Model] == id {
			out = append(out, m)
		}
	}
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// modelName names a loadInformation model id.
func modelName(id int) string {
	if m, ok := cisco.ModelByID(id); ok {
		return m.Name
	}
	return fmt.Sprintf("model id %d", id)
}

func modelNames(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = modelName(id)
	}
	sort.Strings(s)
	return strings.Join(s, "/")
}

// checkLoads: rule 3 (every part of every .loads present, exact case) and
// the LA_VERSION half of rule 5.
func (c *checker) checkLoads() {
	for _, f := range c.d.Files {
		if f.Loads() == nil {
			continue
		}
		ph := c.phonesReading(f.Name)
		var loader *drop.File
		var absent []string
		for _, p := range f.Loads().Parts {
			if pf, fold := c.lookup(p.Name); c.noImages && pf == nil && len(fold) == 0 {
				absent = append(absent, p.Name)
				continue
			}
			part := c.refer("loads-part-missing", f.Name, p.Line, p.Name, fmt.Sprintf("%s lists the part", cisco.BaseName(f.Name)))
			if part != nil && p.Size > 0 && part.Size != p.Size {
				c.add("loads-part-digest", f.Name, p.Line, ph, "%s lists %s with %d bytes; the file has %d", cisco.BaseName(f.Name), p.Name, p.Size, part.Size)
			} else if part != nil && p.MD5 != "" {
				c.md5Want = append(c.md5Want, md5Want{loads: f.Name, line: p.Line, part: part.Name, md5: p.MD5, phones: ph})
			}
			if part != nil && part.LoaderID() != "" {
				loader = part
			}
		}
		if len(absent) > 0 {
			c.add("image-not-in-root", f.Name, 0, ph, "%s lists %d parts (%s) and this root holds no firmware image at all: phones already running %s keep it, others cannot upgrade from here",
				cisco.BaseName(f.Name), len(absent), strings.Join(absent, ", "), strings.TrimSuffix(cisco.BaseName(f.Name), ".loads"))
		}
		if la := f.Loads().LAVersion; la != "" && loader != nil && loader.LoaderID() != la {
			line := 0
			for _, e := range f.Loads().Settings {
				if e.Name == "LA_VERSION" {
					line = e.Line // the last one is the one in force
				}
			}
			c.add("loads-la-version", f.Name, line, ph, "LA_VERSION=%s but the loader %s carries the id %s", la, loader.Name, loader.LoaderID())
		}
	}
}
