package check

import (
	"fmt"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// checkUpgrades: rule 10, per phone with a fleet, from the drop alone without.
func (c *checker) checkUpgrades() {
	if c.fleet == nil {
		c.upgradesAlone()
		return
	}
	var g phoneGroups
	var unserved, unknown []string
	// Scope is grouped by image and source: shared files by file and line,
	// per-device files all together (a root may have 50,000 of them).
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
			if o.MAC() != "" {
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
		if p.family == "7940" && p.relOK {
			c.judgeUpgrade(p, &g)
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
	for _, k := range g.order {
		f := c.add(k.rule, k.file, k.line, g.macs[k], "%s", k.msg)
		if f != nil && k.steps != "" {
			f.Steps = strings.Split(k.steps, "\x00")
		}
	}
}

// scopeKey groups the phones offered an image they do not run by what
// offers it.
type scopeKey struct {
	file, source, name string
	line               int
}

// upgradeKey is one upgrade finding; the phones it hits are grouped under
// it so that a fleet of thousands gives one finding per cause.
type upgradeKey struct {
	rule, file string
	line       int
	msg        string
	steps      string // "\x00"-separated
}

// phoneGroups collects the MACs of each upgrade finding in first-seen order.
type phoneGroups struct {
	macs  map[upgradeKey][]string
	order []upgradeKey
}

func (g *phoneGroups) add(k upgradeKey, mac string) {
	if g.macs == nil {
		g.macs = map[upgradeKey][]string{}
	}
	if _, ok := g.macs[k]; !ok {
		g.order = append(g.order, k)
	}
	g.macs[k] = append(g.macs[k], mac)
}

// upgradeBlockRules maps the upgrade matrix's blockers to their rules.
var upgradeBlockRules = map[Blocker]string{
	BlockSIPPath:     "upgrade-sip-path",
	BlockSCCPToSIP:   "upgrade-sccp-to-sip",
	BlockSIPLongName: "upgrade-sip21-name",
	BlockSIPToSCCP:   "upgrade-sip-to-sccp",
}

// judgeUpgrade applies the upgrade rules to one 7940/7960 phone whose
// running load is known and that is offered an image.
func (c *checker) judgeUpgrade(p fleetPhone, g *phoneGroups) {
	o := p.offer
	to, ok := c.appRelease(o.Name)
	if !ok || c.runs(p, o.Name) {
		return
	}
	// Phones below 5.0 take the unsigned loader (.bin), not the .sbn.
	if !p.rel.Signed() {
		if loader := c.loaderOf(o.Name); loader != "" && c.file(loader+".sbn") != nil && c.file(loader+".bin") == nil {
			g.add(upgradeKey{rule: "loader-bin-missing", file: loader + ".sbn", msg: fmt.Sprintf("phones on %s are offered %s, whose loader %s.sbn has no %s.bin beside it", p.rel, o.Name, loader, loader)}, p.MAC)
		}
	}
	unsigned := !to.Signed() || c.onlyUnsigned(o.Name)
	if p.rel.Signed() && unsigned {
		g.add(upgradeKey{rule: "upgrade-downgrade", file: o.File, line: o.Line,
			msg: fmt.Sprintf("phones on %s (signed) are offered %s (%s), which they refuse", p.rel, o.Name, unsignedWhy(to))}, p.MAC)
		return
	}
	path := UpgradePath(p.rel, to)
	if rule := upgradeBlockRules[path.Blocker]; rule != "" {
		steps := make([]string, len(path.Steps))
		for i, s := range path.Steps {
			steps[i] = s.String()
		}
		g.add(upgradeKey{rule: rule, file: o.File, line: o.Line, steps: strings.Join(steps, "\x00"),
			msg: fmt.Sprintf("phones on %s are offered %s (%s); install first: %s", p.rel, o.Name, to, strings.Join(steps, " → "))}, p.MAC)
	}
	c.judgeW210(p, to, g)
}

// judgeW210: W210 hits SIP 2.x phones that read SIPDefault.cnf to learn
// their image (not those OS79XX.TXT switches to another protocol first),
// and phones converted to SIP 2.x, which read it once they run it.
func (c *checker) judgeW210(p fleetPhone, to Release, g *phoneGroups) {
	o := p.offer
	sip2 := p.rel.Protocol == "sip" && p.rel.Major == 2 && (o.Source != "OS79XX.TXT" || to.Protocol == "sip")
	if !sip2 && (to.Protocol != "sip" || to.Major != 2) {
		return
	}
	sd := c.file("SIPDefault.cnf")
	if sd == nil || sd.SIP() == nil {
		return
	}
	extra := extraEntries(sd.SIP())
	if len(extra) == 0 {
		return
	}
	who := "phones on " + p.rel.String()
	if !sip2 {
		who = fmt.Sprintf("phones converted from %s to %s", p.rel, to)
	}
	g.add(upgradeKey{rule: "upgrade-w210", file: sd.Name, line: extra[0].Line,
		msg: fmt.Sprintf("%s read SIPDefault.cnf, which holds %d entries besides image_version (first: %s)", who, len(extra), extra[0].Name)}, p.MAC)
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
	f := c.file(image + ".loads")
	if f == nil || f.Loads() == nil {
		return ""
	}
	for _, p := range f.Loads().Parts {
		stem, ext := cisco.StripImageExt(p.Name)
		if r, ok := ParseRelease(stem); ok && r.Protocol == "loader" && ext == ".sbn" {
			return stem
		}
	}
	return ""
}

// onlyUnsigned reports whether the root has only an unsigned .bin for image.
func (c *checker) onlyUnsigned(image string) bool {
	return c.file(image+".bin") != nil && c.file(image+".sbn") == nil && c.file(image+".loads") == nil
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
	for _, o := range c.allOffers() {
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
	for _, o := range c.allOffers() {
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
	if sd := c.file("SIPDefault.cnf"); sd != nil && sd.SIP() != nil && sipOld {
		if extra := extraEntries(sd.SIP()); len(extra) > 0 {
			c.assume("no --fleet: the root offers a SIP image before 5.0, so phones on SIP 2.x were assumed to read it (upgrade-w210)")
			c.add("upgrade-w210", sd.Name, extra[0].Line, nil, "SIPDefault.cnf holds %d entries besides image_version (first: %s); phones still on SIP 2.x fail to read it", len(extra), extra[0].Name)
		}
	}
}
