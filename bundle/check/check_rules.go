package check

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// checkOS79XX: rule 1 of the issue.
func (c *checker) checkOS79XX() {
	for _, f := range c.d.Files {
		o := f.OS79XX
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

// checkImageRefs: rules 2 and 8.
func (c *checker) checkImageRefs() {
	any := false
	for _, o := range c.offers {
		any = true
		if o.Source == "OS79XX.TXT" || o.Source == "upgradecode" {
			continue // their own rules
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
		case o.ModelID == 0 && o.MAC != "" && o.Source == "loadInformation":
			// SEP<MAC>.cnf.xml has no model id: the fleet says the model.
			if i, ok := c.fleetByMAC[o.MAC]; ok {
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
		if f.Profile != nil {
			for _, u := range f.Profile.Upgrades {
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
		if f.XML == nil {
			continue
		}
		for _, l := range f.XML.Loads {
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
	for m, i := range modelIDs {
		if i == id {
			return m
		}
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
		if f.Loads == nil {
			continue
		}
		ph := c.phonesReading(f.Name)
		var loader *drop.File
		for _, p := range f.Loads.Parts {
			part := c.refer("loads-part-missing", f.Name, p.Line, p.Name, fmt.Sprintf("%s lists the part", cisco.BaseName(f.Name)))
			if part != nil && part.LoaderID != "" {
				loader = part
			}
		}
		if la := f.Loads.LAVersion; la != "" && loader != nil && loader.LoaderID != la {
			line := 0
			for _, e := range f.Loads.Settings {
				if e.Name == "LA_VERSION" {
					line = e.Line // the last one is the one in force
				}
			}
			c.add("loads-la-version", f.Name, line, ph, "LA_VERSION=%s but the loader %s carries the id %s", la, loader.Name, loader.LoaderID)
		}
	}
}

// mustBeSigned are the kinds Cisco always ships with a signed header.
var mustBeSigned = map[cisco.Kind]bool{cisco.KindImageSBN: true, cisco.KindImageSB2: true, cisco.KindLoads: true, cisco.KindTrustList: true}

// checkSigned: rule 4 and the header/payload halves of rule 5.
func (c *checker) checkSigned() {
	for _, f := range c.d.Files {
		switch {
		case f.HeaderErr != "":
			c.add("signed-header-bad", f.Name, 0, c.phonesReading(f.Name), "%s: signed header: %s", f.Name, f.HeaderErr)
			continue
		case f.Header == nil && mustBeSigned[f.Kind]:
			c.add("signed-header-bad", f.Name, 0, c.phonesReading(f.Name), "%s has no signed header", f.Name)
			continue
		case f.Header == nil:
			continue
		}
		if hn := f.Header.FileName; hn != "" && hn != cisco.BaseName(f.Name) {
			c.add("signed-name-mismatch", f.Name, 0, c.phonesReading(f.Name), "%s was signed as %q: renamed images fail authentication", f.Name, hn)
		}
		if strings.HasSuffix(f.Name, ".sbn") && f.PayloadSHA256 != "" {
			bin := c.byName[strings.TrimSuffix(f.Name, ".sbn")+".bin"]
			if bin != nil && bin.SHA256 != f.PayloadSHA256 {
				c.add("sbn-payload-mismatch", f.Name, 0, c.phonesReading(f.Name), "the payload of %s (sha256 %.12s…) is not %s (sha256 %.12s…)", f.Name, f.PayloadSHA256, bin.Name, bin.SHA256)
			}
		}
	}
}

var (
	// per-device names, matched without regard to case and then checked exactly
	reDevUpper = regexp.MustCompile(`(?i)^(CTLSEP|ITLSEP|SEP|SIP|MGC)([0-9A-F]+)(\..+)$`)
	reDevLower = regexp.MustCompile(`(?i)^(gk|ld|ata)([0-9a-f]{12})(\..+)?$`)
	devExt     = map[string]string{"SEP": ".cnf.xml", "SIP": ".cnf", "MGC": ".cnf", "CTLSEP": ".tlv", "ITLSEP": ".tlv"}
	// devExtSlips are the wrong extensions people give per-device files:
	// Notepad's .txt appended, SEP<MAC>.xml without .cnf. Other extensions
	// (SEP<MAC>.cnf.xml.sgn of secure CUCM roots, backups) are left alone.
	devExtSlips = map[string][]string{
		"SEP": {".xml", ".cnf", ".cnf.xml.txt", ".xml.txt", ".txt"},
		"SIP": {".cnf.txt", ".txt"},
		"MGC": {".cnf.txt", ".txt"},
	}
)

// devExtSlip reports whether ext is a known slip for prefix's extension.
func devExtSlip(prefix, ext string) bool {
	for _, e := range devExtSlips[prefix] {
		if strings.EqualFold(ext, e) {
			return true
		}
	}
	return false
}

// fixedNames are the files phones ask for by a fixed name, by lower case.
var fixedNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"OS79XX.TXT", "SIPDefault.cnf", "XMLDefault.cnf.xml", "MGCDefault.cnf",
		"RINGLIST.DAT", "gkdefault.cfg", "lddefault.cfg", "atadefault.cfg"} {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// checkNames: rules 6 and 7 (case collisions; references are checked where
// they are resolved).
func (c *checker) checkNames() {
	for _, f := range c.d.Files {
		base := cisco.BaseName(f.Name)
		if want, ok := fixedNames[strings.ToLower(base)]; ok && want != base && c.byName[want] == nil {
			c.add("reference-case", f.Name, 0, c.phonesReading(want), "phones ask for %s; this file is named %s: TFTP names are case-exact", want, base)
		}
		if m := reDevUpper.FindStringSubmatch(base); m != nil && len(m[2]) >= 10 && len(m[2]) <= 14 {
			prefix, mac, ext := strings.ToUpper(m[1]), m[2], m[3]
			want := prefix + strings.ToUpper(mac) + devExt[prefix]
			switch {
			case len(mac) != 12:
				c.add("device-name", f.Name, 0, []string{}, "%s: the MAC has %d hex digits, not 12", base, len(mac))
				c.named[f.Name] = true
			case base != want && strings.EqualFold(ext, devExt[prefix]):
				c.add("device-name", f.Name, 0, c.macPhones(mac), "%s must be spelt %s: upper-case prefix and MAC, lower-case extension", base, want)
			case devExtSlip(prefix, ext):
				c.add("device-name", f.Name, 0, c.macPhones(mac), "phones ask for %s, not %s: the extension is %s", want, base, devExt[prefix])
				c.named[f.Name] = true
			}
		}
		if m := reDevLower.FindStringSubmatch(base); m != nil {
			if want := strings.ToLower(base); base != strings.ToLower(m[1]+m[2])+m[3] && (m[3] == "" || strings.EqualFold(m[3], ".txt")) {
				c.add("device-name", f.Name, 0, c.macPhones(m[2]), "%s must be spelt %s: ld/gk/ata names are lower case", base, want)
			}
		}
	}
	groups := map[string][]*drop.File{}
	var keys []string
	for k, fs := range c.byFold {
		if len(fs) > 1 {
			groups[k] = fs
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fs := groups[k]
		for _, f := range fs[1:] {
			c.add("case-collision", f.Name, 0, c.phonesReading(f.Name), "%s and %s differ only in letter case", fs[0].Name, f.Name)
		}
	}
}

// macPhones returns the fleet phone with this MAC, if any.
func (c *checker) macPhones(mac string) []string {
	mac = strings.ToUpper(mac)
	if _, ok := c.fleetByMAC[mac]; ok {
		return []string{mac}
	}
	return []string{}
}

// imageProtocol is the protocol of an image name: "sip", "sccp", "mgcp",
// or "" when the name does not say.
func (c *checker) imageProtocol(name string) string {
	if r, ok := c.appRelease(name); ok {
		if r.Protocol == "loader" {
			return ""
		}
		return r.Protocol
	}
	u := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(u, "SIP") || strings.Contains(u, "SIP0") || strings.Contains(u, "SIP1"):
		return "sip"
	case strings.HasPrefix(u, "SCCP") || strings.HasPrefix(u, "TERM") || strings.Contains(u, "SCCP"):
		return "sccp"
	}
	return ""
}

// checkProtocols: rule 9.
func (c *checker) checkProtocols() {
	// The protocols the root's images target.
	targets := map[string]bool{}
	for _, f := range c.d.Files {
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue // a spare folder's images are not the root's
		}
		switch f.Kind {
		case cisco.KindLoads, cisco.KindImageSB2, cisco.KindImageBin, cisco.KindImageSBN, cisco.KindImageSBIN, cisco.KindImageZUP:
			stem, _ := cisco.StripImageExt(cisco.BaseName(f.Name))
			if p := c.imageProtocol(stem); p != "" {
				targets[p] = true
			}
		}
	}
	if len(targets) > 0 {
		for _, f := range c.d.Files {
			base := cisco.BaseName(f.Name)
			switch {
			case f.Kind == cisco.KindSIPConfig && !targets["sip"]:
				c.add("protocol-stray-config", f.Name, 0, c.phonesReading(f.Name), "%s is a SIP configuration but the root has no SIP image: SIP phones will look for an image that is not here", base)
			case f.Kind == cisco.KindMGCPConfig && !targets["mgcp"]:
				c.add("protocol-stray-config", f.Name, 0, c.phonesReading(f.Name), "%s is an MGCP configuration but the root has no MGCP image", base)
			}
		}
	}
	// SIP and XML configuration naming different images for 7940/7960.
	var sipDef *offer
	for i, o := range c.offers {
		if o.Source == "image_version" && o.MAC == "" {
			sipDef = &c.offers[i]
		}
	}
	if sipDef == nil {
		return
	}
	for _, o := range c.offers {
		if o.Source != "loadInformation" || o.MAC != "" || (o.ModelID != 7 && o.ModelID != 8) || o.Name == sipDef.Name {
			continue
		}
		var sipPh, otherPh []string
		for _, p := range c.fleet {
			if p.family != "7940" || modelIDs[p.Model] != o.ModelID {
				continue
			}
			if p.relOK && p.rel.Protocol == "sip" {
				sipPh = append(sipPh, p.MAC)
			} else {
				otherPh = append(otherPh, p.MAC)
			}
		}
		who := ""
		if c.fleet != nil {
			who = fmt.Sprintf(" (%d SIP phones take the first, %d others the second)", len(sipPh), len(otherPh))
		}
		c.add("protocol-load-conflict", o.File, o.Line, append(sipPh, otherPh...),
			"%s gives %s phones %q but %s:%d gives SIP phones %q%s", fmt.Sprintf("loadInformation%d", o.ModelID), modelName(o.ModelID), o.Name, sipDef.File, sipDef.Line, sipDef.Name, who)
	}
}

// checkUpgrades: rule 10, per phone with a fleet, from the drop alone without.
func (c *checker) checkUpgrades() {
	if c.fleet == nil {
		c.upgradesAlone()
		return
	}
	type key struct {
		rule, file string
		line       int
		msg        string
		steps      string
	}
	groups := map[key][]string{}
	var order []key
	addp := func(k key, mac string) {
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], mac)
	}
	var unserved, unknown []string
	// Scope is grouped by image and source: shared files by file and line,
	// per-device files all together (a root may have 50,000 of them).
	type scopeKey struct {
		file, source, name string
		line               int
	}
	scope := map[scopeKey][]string{}
	var scopes []scopeKey
	for _, p := range c.fleet {
		if p.offer == nil {
			if !c.uncompiledFor(p) {
				unserved = append(unserved, p.MAC) // else profile-not-compiled lists it
			}
			continue
		}
		if !c.runs(p, p.offer.Name) && !c.refuses(p) {
			o := p.offer
			k := scopeKey{file: o.File, line: o.Line, source: o.Source, name: o.Name}
			if o.MAC != "" {
				k.file, k.line = "", 0
			}
			if _, ok := scope[k]; !ok {
				scopes = append(scopes, k)
			}
			scope[k] = append(scope[k], p.MAC)
		}
		if p.family == "7940" && !p.relOK {
			unknown = append(unknown, p.MAC)
		}
		if p.family != "7940" || !p.relOK {
			continue
		}
		o := p.offer
		to, ok := c.appRelease(o.Name)
		if !ok {
			continue
		}
		if c.runs(p, o.Name) {
			continue
		}
		// Phones below 5.0 take the unsigned loader (.bin), not the .sbn.
		if !p.rel.Signed() {
			if loader := c.loaderOf(o.Name); loader != "" && c.byName[loader+".sbn"] != nil && c.byName[loader+".bin"] == nil {
				addp(key{rule: "loader-bin-missing", file: loader + ".sbn", msg: fmt.Sprintf("phones on %s are offered %s, whose loader %s.sbn has no %s.bin beside it", p.rel, o.Name, loader, loader)}, p.MAC)
			}
		}
		unsigned := !to.Signed() || c.onlyUnsigned(o.Name)
		if p.rel.Signed() && unsigned {
			addp(key{rule: "upgrade-downgrade", file: o.File, line: o.Line,
				msg: fmt.Sprintf("phones on %s (signed) are offered %s (%s), which they refuse", p.rel, o.Name, unsignedWhy(to))}, p.MAC)
			continue
		}
		path := UpgradePath(p.rel, to)
		var rule string
		switch path.Blocker {
		case BlockSIPPath:
			rule = "upgrade-sip-path"
		case BlockSCCPToSIP:
			rule = "upgrade-sccp-to-sip"
		case BlockSIPLongName:
			rule = "upgrade-sip21-name"
		case BlockSIPToSCCP:
			rule = "upgrade-sip-to-sccp"
		}
		if rule != "" {
			steps := make([]string, len(path.Steps))
			for i, s := range path.Steps {
				steps[i] = s.String()
			}
			addp(key{rule: rule, file: o.File, line: o.Line, steps: strings.Join(steps, "\x00"),
				msg: fmt.Sprintf("phones on %s are offered %s (%s); install first: %s", p.rel, o.Name, to, strings.Join(steps, " → "))}, p.MAC)
		}
		// W210 hits SIP 2.x phones that read SIPDefault.cnf to learn their
		// image (not those OS79XX.TXT switches to another protocol first),
		// and phones converted to SIP 2.x, which read it once they run it.
		sip2 := p.rel.Protocol == "sip" && p.rel.Major == 2 && (o.Source != "OS79XX.TXT" || to.Protocol == "sip")
		if sip2 || to.Protocol == "sip" && to.Major == 2 {
			if sd := c.byName["SIPDefault.cnf"]; sd != nil && sd.SIP != nil {
				if extra := extraEntries(sd.SIP); len(extra) > 0 {
					who := "phones on " + p.rel.String()
					if !sip2 {
						who = fmt.Sprintf("phones converted from %s to %s", p.rel, to)
					}
					addp(key{rule: "upgrade-w210", file: sd.Name, line: extra[0].Line,
						msg: fmt.Sprintf("%s read SIPDefault.cnf, which holds %d entries besides image_version (first: %s)", who, len(extra), extra[0].Name)}, p.MAC)
				}
			}
		}
	}
	for _, k := range scopes {
		from := k.source
		if k.file == "" {
			from += " of their own per-device files"
		}
		c.add("fleet-upgrade-scope", k.file, k.line, scope[k], "%d of the %d phones are offered %s (%s), which they do not run", len(scope[k]), len(c.fleet), k.name, from)
	}
	if len(unserved) > 0 {
		c.add("fleet-no-image", "", 0, unserved, "no configuration in this root offers an image to %d of the %d phones", len(unserved), len(c.fleet))
	}
	if len(unknown) > 0 {
		c.assume("the running load of %d phones (first: %s) is not a 7940/7960 load name; the upgrade rules skipped them", len(unknown), unknown[0])
	}
	for _, k := range order {
		f := c.add(k.rule, k.file, k.line, groups[k], "%s", k.msg)
		if f != nil && k.steps != "" {
			f.Steps = strings.Split(k.steps, "\x00")
		}
	}
}

func unsignedWhy(to Release) string {
	if !to.Signed() {
		return "a pre-5.0, unsigned release"
	}
	return "only an unsigned .bin is in the root"
}

// refuses reports whether a signed 7940/7960 will refuse what it is offered.
func (c *checker) refuses(p fleetPhone) bool {
	if p.family != "7940" || !p.relOK || !p.rel.Signed() {
		return false
	}
	to, ok := c.appRelease(p.offer.Name)
	return ok && (!to.Signed() || c.onlyUnsigned(p.offer.Name))
}

// runs reports whether the phone already runs image: the same name, or the
// same release of the same protocol (two spellings of one 7940 version).
func (c *checker) runs(p fleetPhone, image string) bool {
	// upgradecode names the file (CP7912…A.sbin); the fleet the load.
	if stem, _ := cisco.StripImageExt(image); strings.EqualFold(p.Load, image) || strings.EqualFold(p.Load, stem) {
		return true
	}
	to, ok := c.appRelease(image)
	return ok && p.relOK && to.Protocol == p.rel.Protocol && to.Major == p.rel.Major && to.Minor == p.rel.Minor && to.Maint == p.rel.Maint
}

// loaderOf returns the universal application loader an image brings:
// the image itself when it is one, else the P003-… part of its .loads; "".
func (c *checker) loaderOf(image string) string {
	if r, ok := ParseRelease(image); ok && r.Protocol == "loader" {
		return image
	}
	f := c.byName[image+".loads"]
	if f == nil || f.Loads == nil {
		return ""
	}
	for _, p := range f.Loads.Parts {
		stem, ext := cisco.StripImageExt(p.Name)
		if r, ok := ParseRelease(stem); ok && r.Protocol == "loader" && ext == ".sbn" {
			return stem
		}
	}
	return ""
}

// onlyUnsigned reports whether the root has only an unsigned .bin for image.
func (c *checker) onlyUnsigned(image string) bool {
	return c.byName[image+".bin"] != nil && c.byName[image+".sbn"] == nil && c.byName[image+".loads"] == nil
}

// extraEntries are the SIPDefault.cnf entries other than image_version.
func extraEntries(s *cisco.SIPConfig) []cisco.ConfigEntry {
	var out []cisco.ConfigEntry
	for _, e := range s.Entries {
		if !strings.EqualFold(e.Name, "image_version") {
			out = append(out, e)
		}
	}
	return out
}

// upgradesAlone judges the upgrade rules from the drop alone, and says what
// it assumed.
func (c *checker) upgradesAlone() {
	// The matrix is the 7940/7960's: say nothing of it for roots that
	// offer no image of that family (79x1, 7912 …).
	family := false
	for _, o := range c.offers {
		if _, ok := c.appRelease(o.Name); ok {
			family = true
		}
	}
	if !family {
		return
	}
	c.assume("no --fleet: assumed the phones run signed 5.0-or-later images of the protocol the root targets; " +
		"upgrade-sip-path, upgrade-sccp-to-sip, upgrade-sip-to-sccp and upgrade-sip21-name need the releases phones run today and were not judged")
	sipOld := false
	for _, o := range c.offers {
		if o.Source == "upgradecode" {
			continue
		}
		to, ok := c.appRelease(o.Name)
		if !ok {
			continue
		}
		if to.Protocol == "sip" && to.Major <= 4 {
			sipOld = true
		}
		if unsigned := !to.Signed() || c.onlyUnsigned(o.Name); unsigned {
			c.add("upgrade-downgrade", o.File, o.Line, nil, "%s offers %s (%s): phones already on a signed 5.0-or-later image refuse it", o.Source, o.Name, unsignedWhy(to))
		}
	}
	if sd := c.byName["SIPDefault.cnf"]; sd != nil && sd.SIP != nil && sipOld {
		if extra := extraEntries(sd.SIP); len(extra) > 0 {
			c.assume("no --fleet: the root offers a SIP image before 5.0, so phones on SIP 2.x were assumed to read it (upgrade-w210)")
			c.add("upgrade-w210", sd.Name, extra[0].Line, nil, "SIPDefault.cnf holds %d entries besides image_version (first: %s); phones still on SIP 2.x fail to read it", len(extra), extra[0].Name)
		}
	}
}

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

var reImageDate = regexp.MustCompile(`(\d{6})([A-Fa-f])\.(?i:sbin|zup)$`)

// profileFamily is the hardware code and device family of a profile name.
func profileFamily(name string) (hw uint32, family string) {
	base := strings.ToLower(cisco.BaseName(name))
	switch {
	case strings.HasPrefix(base, "gk"):
		return 0x601, "7912"
	case strings.HasPrefix(base, "ld"):
		return 0x501, "7905"
	case strings.HasPrefix(base, "ata"):
		return 0x301, "ATA 186"
	}
	return 0, ""
}

// checkProfiles: rule 12.
func (c *checker) checkProfiles() {
	if c.opts.Compile == nil {
		for _, f := range c.d.Files {
			if f.Kind == cisco.KindProfileText {
				c.assume("no --table: compiled profiles were compared with their .txt sources on upgradecode lines only, not recompiled (profile-stale)")
				break
			}
		}
	}
	c.checkCompiled()
	for _, f := range c.d.Files {
		p := f.Profile
		if p == nil {
			continue
		}
		ph := c.phonesReading(f.Name)
		hw, fam := profileFamily(f.Name)
		upgrades := p.Upgrades
		if f.Kind == cisco.KindProfileBinary {
			if src := c.byName[cisco.SourceName(f.Name)]; src != nil && src.Profile != nil && !src.Profile.Binary {
				switch {
				case cisco.SameUpgrades(src.Profile.Upgrades, p.Upgrades):
					// The source's findings say it, on the line to edit.
					upgrades = nil
				case c.opts.Compile == nil && len(p.Upgrades) > 0:
					// Stale on the one line that matters, seen without
					// a tag table: the upgrade records decode without one.
					c.add("profile-stale", f.Name, 0, ph, "%s says %s but %s now says %s: phones read %s",
						f.Name, upgradeList(p.Upgrades), src.Name, upgradeList(src.Profile.Upgrades), f.Name)
				}
			}
		}
		if p.Binary && p.Extension != "" {
			c.refer("profile-extension-missing", f.Name, 0, p.Extension, fmt.Sprintf("%s is split by cfgfmt and names its extension", f.Name))
		}
		for _, u := range upgrades {
			if u.Name != "upgradecode" && u.Name != "upgradelang" {
				continue
			}
			if u.Fields != 8 {
				c.add("upgradecode-fields", f.Name, u.Line, ph, "%s has %d fields, not 8", u.Name, u.Fields)
				continue
			}
			if u.Name != "upgradecode" {
				continue
			}
			if hw != 0 && u.Hardware != hw {
				c.add("upgradecode-hardware", f.Name, u.Line, ph, "hardware code 0x%x in a %s profile; %s is 0x%x", u.Hardware, fam, fam, hw)
			}
			c.refer("upgradecode-image-missing", f.Name, u.Line, u.File, "upgradecode names")
			if fam == "7912" && strings.HasSuffix(strings.ToLower(u.File), ".zup") {
				c.add("upgradecode-zup-7912", f.Name, u.Line, ph, "%s is a .zup; a 7912 only fetches .sbin", u.File)
			}
			if m := reImageDate.FindStringSubmatch(u.File); m != nil {
				want, _ := strconv.ParseUint(m[1]+strings.ToLower(m[2]), 16, 32)
				if uint32(want) != u.ImageID {
					c.add("upgradecode-image-id", f.Name, u.Line, ph, "image id 0x%07x but %s says 0x%07x", u.ImageID, u.File, want)
				}
			}
		}
		if c.opts.Compile != nil && f.Kind == cisco.KindProfileText && f.Data != nil {
			c.checkStale(f, ph)
		}
	}
}

// upgradeList writes upgrade lines for messages: "upgradecode:3,0x601,…".
func upgradeList(us []cisco.UpgradeCode) string {
	if len(us) == 0 {
		return "no upgradecode"
	}
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = u.Name + ":" + u.String()
	}
	return strings.Join(s, " ")
}

// checkCompiled: text profiles whose compiled profile is not in the root.
// Phones fetch only the compiled name (gk<mac>, then gkdefault.cfg); a
// .txt alone is never read, however right it is.
func (c *checker) checkCompiled() {
	for _, f := range c.d.Files {
		if f.Kind != cisco.KindProfileText {
			continue
		}
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue // a folder no phone reads: folder-not-read's
		}
		ph := c.phonesReading(f.Name)
		_, fam := profileFamily(f.Name)
		if _, ok := cisco.CutSuffixFold(f.Name, ".txt"); !ok {
			// The name phones fetch, holding cfgfmt's input.
			c.add("profile-not-compiled", f.Name, 1, ph, "%s holds a text profile (#txt): %s phones fetch this name and cannot read text; compile its source to it (phoneload compile --table <ptag.dat>)", f.Name, fam)
			continue
		}
		bin := cisco.CompiledName(f.Name)
		if got, fold := c.lookup(bin); got != nil || len(fold) > 0 {
			continue // compiled; a GKDEFAULT.CFG is reference-case's
		}
		what := "no configuration"
		if u := firstUpgrade(f.Profile); u != "" {
			what = "no configuration, and not the image its upgradecode names (" + u + ")"
		}
		def := cisco.DefaultProfile(f.Name)
		switch {
		case cisco.IsDefaultProfile(f.Name):
			c.add("profile-not-compiled", f.Name, 0, ph, "%s is not compiled: phones fetch %s, which is not in the root, so %s phones without a compiled per-device profile get %s", f.Name, bin, fam, what)
		case c.byName[def] != nil:
			c.add("profile-device-fallback", f.Name, 0, ph, "%s is not compiled: the phone fetches %s, gets \"File not found\" and falls back to %s, so it gets none of its own settings%s", f.Name, bin, def, c.fallbackImage(f, def))
		default:
			c.add("profile-not-compiled", f.Name, 0, ph, "%s is not compiled and there is no %s either: the phone fetches %s, then %s, finds neither and gets %s", f.Name, cisco.BaseName(def), bin, cisco.BaseName(def), what)
		}
	}
}

// uncompiledFor reports whether profile-not-compiled accounts for a
// 7905/7912/ATA phone that is offered no image: its own or its family's
// default text profile is in the root, uncompiled, with no compiled
// default to fall back to.
func (c *checker) uncompiledFor(p fleetPhone) bool {
	prefix := map[string]string{"7912": "gk", "7905": "ld", "ata": "ata"}[p.family]
	if prefix == "" || c.byName[prefix+"default.cfg"] != nil {
		return false
	}
	for _, txt := range []string{prefix + "default.txt", prefix + strings.ToLower(p.MAC) + ".txt"} {
		if f := c.byName[txt]; f != nil && f.Kind == cisco.KindProfileText && c.byName[cisco.CompiledName(txt)] == nil {
			return true
		}
	}
	return false
}

// firstUpgrade is the image a profile's upgradecode names, or "".
func firstUpgrade(p *cisco.Profile) string {
	if p == nil {
		return ""
	}
	for _, u := range p.Upgrades {
		if u.Name == "upgradecode" && u.File != "" {
			return u.File
		}
	}
	return ""
}

// fallbackImage says, for a per-device text profile a phone cannot fetch,
// which image its upgradecode would have given and which the default gives.
func (c *checker) fallbackImage(f *drop.File, def string) string {
	own := firstUpgrade(f.Profile)
	if own == "" {
		return ""
	}
	var got string
	if d := c.byName[def]; d != nil {
		got = firstUpgrade(d.Profile)
	}
	switch got {
	case own:
		return ""
	case "":
		return fmt.Sprintf(", and not the image %s its upgradecode names", own)
	}
	return fmt.Sprintf(": it takes %s from %s, not %s", got, cisco.BaseName(def), own)
}

func (c *checker) checkStale(f *drop.File, ph []string) {
	if !strings.HasSuffix(f.Name, ".txt") {
		return
	}
	bin := c.byName[cisco.CompiledName(f.Name)]
	if bin == nil {
		return
	}
	out, err := c.opts.Compile(f.Name, f.Data, func(name string) []byte {
		if g := c.byName[name]; g != nil {
			return g.Data
		}
		return nil
	})
	if err != nil {
		c.add("profile-stale", f.Name, 0, ph, "%s does not compile: %v", f.Name, err)
		return
	}
	sum := sha256.Sum256(out)
	if hex.EncodeToString(sum[:]) != bin.SHA256 {
		c.add("profile-stale", bin.Name, 0, ph, "%s is not what %s compiles to", bin.Name, f.Name)
	}
}

// MaxTFTPSize is the largest file plain TFTP (512-byte blocks, 16-bit block
// numbers, no rollover) can send: 65535 blocks of 512 bytes, minus one.
const MaxTFTPSize = 65535*512 - 1

// tftpSafe are the name characters no TFTP server or phone mangles.
func tftpSafe(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_'
}

// checkTFTP: rule 13.
func (c *checker) checkTFTP() {
	for _, f := range c.d.Files {
		if f.Size > MaxTFTPSize {
			c.add("tftp-size", f.Name, 0, c.phonesReading(f.Name), "%s is %d bytes, over %d", f.Name, f.Size, MaxTFTPSize)
		}
		if c.dirRoot && f.Mode&0o004 == 0 {
			c.add("tftp-permission", f.Name, 0, c.phonesReading(f.Name), "%s has mode %v: the TFTP server cannot read it", f.Name, f.Mode.Perm())
		}
		base := cisco.BaseName(f.Name)
		for i := 0; i < len(base); i++ {
			if ch := base[i]; !tftpSafe(ch) {
				what := fmt.Sprintf("the character %q", ch)
				if ch >= 0x80 {
					what = "non-ASCII characters"
				}
				c.add("tftp-name", f.Name, 0, nil, "%s has %s", f.Name, what)
				break
			}
		}
	}
	c.checkNotAtRoot()
}

// checkNotAtRoot: known files in subdirectories, one finding per top
// directory. The references that fail only because their file sits there
// (foldMisplaced) are counted in it instead of reported one by one: a drop
// zipped with its folder is one mistake with one fix, not ten.
func (c *checker) checkNotAtRoot() {
	var dirs []string
	inDir := map[string][]*drop.File{}
	atTop := c.knownAtTop
	for _, f := range c.d.Files {
		i := strings.IndexByte(f.Name, '/')
		if i < 0 || f.Kind == cisco.KindUnknown {
			continue
		}
		dir := f.Name[:i+1]
		if inDir[dir] == nil {
			dirs = append(dirs, dir)
		}
		inDir[dir] = append(inDir[dir], f)
	}
	for _, dir := range dirs {
		fs := inDir[dir]
		ph := uniqueSorted(c.foldedPhones[dir])
		folded := ""
		if refs := c.folded[dir]; len(refs) > 0 {
			folded = fmt.Sprintf("; so %s at the top of the root (first: %s)", countNoun(len(refs), "reference fails", "references fail"), refs[0])
		}
		if atTop == 0 && len(dirs) == 1 {
			how := "the drop was zipped with its folder"
			if c.dirRoot {
				how = "the zip was unpacked into a folder of the root"
			}
			f := c.add("not-at-root", strings.TrimSuffix(dir, "/"), 0, ph, "every firmware and configuration file (%d) is inside %s: %s, and phones ask for OS79XX.TXT or SIPDefault.cnf, not %sOS79XX.TXT%s", len(fs), dir, how, dir, folded)
			if f != nil {
				f.Fix = fmt.Sprintf("move the files of %s to the top of the TFTP root (unzip -j, or unpack the zip into the root itself); to repackage the drop, zip from inside the folder: cd %s && zip -r ../drop.zip .", dir, strings.TrimSuffix(dir, "/"))
			}
			continue
		}
		if atTop > 0 && !c.neededFromTop[dir] && !c.askedFor(fs) {
			// Nothing at the top misses these files: a backup or an old
			// drop kept in the root, or a new one unzipped beside it.
			c.add("folder-not-read", fs[0].Name, 0, nil, "%s are inside %s (first: %s), and nothing at the top of the root refers to them: no phone reads them", countNoun(len(fs), "firmware or configuration file", "firmware and configuration files"), dir, fs[0].Name)
			continue
		}
		c.add("not-at-root", fs[0].Name, 0, ph, "%d firmware and configuration files are inside %s (first: %s); phones only ask for names at the top of the root%s", len(fs), dir, fs[0].Name, folded)
	}
}

// uniqueSorted returns s sorted, without repeats; never nil.
func uniqueSorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return slices.Compact(out)
}

// askedFor reports whether one of fs is a file phones ask for by its own
// name (OS79XX.TXT, RINGLIST.DAT, SEP<MAC>.cnf.xml …) that the top of the
// root lacks: phones need it there, so its folder is misplaced, not spare.
func (c *checker) askedFor(fs []*drop.File) bool {
	for _, f := range fs {
		base := cisco.BaseName(f.Name)
		if _, fixed := fixedNames[strings.ToLower(base)]; (fixed || deviceMAC(base) != "") && c.byName[base] == nil {
			return true
		}
	}
	return false
}

// countNoun writes "1 reference fails", "3 references fail".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// checkRest: rule 14, parse problems and duplicate parameters.
func (c *checker) checkRest() {
	for _, f := range c.d.Files {
		if f.SIP != nil {
			first := map[string]cisco.ConfigEntry{}
			for _, e := range f.SIP.Entries {
				k := strings.ToLower(e.Name)
				if p, ok := first[k]; ok && p.Value != e.Value && drop.IsSecretName(e.Name) {
					// Reports end up in tickets: never print a password.
					c.add("config-duplicate-key", f.Name, e.Line, c.phonesReading(f.Name), "%s is set on line %d and again, to another value; the phone uses the last (values not shown: secret)", e.Name, p.Line)
				} else if ok && p.Value != e.Value {
					c.add("config-duplicate-key", f.Name, e.Line, c.phonesReading(f.Name), "%s is set on line %d to %q and again to %q; the phone uses %q", e.Name, p.Line, p.Value, e.Value, e.Value)
				}
				first[k] = e
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
		}
		// An upgradecode line with the wrong number of fields is
		// upgradecode-fields' finding, not a second one here.
		judged := map[int]bool{}
		if f.Profile != nil {
			for _, u := range f.Profile.Upgrades {
				if u.Fields != 8 && u.Line > 0 {
					judged[u.Line] = true
				}
			}
		}
		for _, p := range f.Problems {
			// The signed-header problems Open notes are signed-header-bad's.
			if f.HeaderErr != "" && strings.HasPrefix(p.Msg, "signed header:") ||
				f.Header == nil && mustBeSigned[f.Kind] && p.Msg == "no Cisco signed header" ||
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

// checkSignatures verifies signed files with the --trust keys.
func (c *checker) checkSignatures() {
	if len(c.opts.Trust) == 0 {
		for _, f := range c.d.Files {
			if f.Header != nil {
				c.assume("no --trust: signatures were not verified (signature-untrusted)")
				break
			}
		}
		return
	}
	c.verifyTrusted()
}
