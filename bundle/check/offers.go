package check

import (
	"iter"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

// offer is one place a configuration file names an image for phones.
type offer struct {
	File    string // the configuration file
	Line    int
	Source  string // "OS79XX.TXT", "image_version", "loadInformation", "upgradecode"
	Name    string // image name, extension stripped (upgradecode: the file it names)
	Ext     string // extension the value carried ("" when written right)
	ModelID int    // loadInformationNNN's NNN; 0 when not per model
	// (No MAC field: an offer per per-phone file of a million-phone root,
	// MAC works it out from File.)
}

// MAC is the phone a per-device file is for, or "" for shared files.
func (o *offer) MAC() string { return deviceMAC(o.File) }

// fleetPhone is a fleet line with what check derived from it.
type fleetPhone struct {
	Phone
	family string  // "7940" (7940/7960/7910), "79x1", "7912", "7905", "ata", "" other
	rel    Release // running release (7940 family names only)
	relOK  bool
	offer  *offer // what the root offers it, nil when nothing
}

// modelIDs are the numbers XMLDefault.cnf.xml's loadInformationNNN uses,
// by model name (the first id of a name in cisco's model table).
var modelIDs = func() map[string]int {
	m := map[string]int{}
	for _, r := range cisco.Models() {
		if _, ok := m[r.Name]; !ok {
			m[r.Name] = r.ID
		}
	}
	return m
}()

// ModelFamily groups models by how they find their image: "7940"
// (7940/7960/7910), "79x1", "7912", "7905", "ata", or "" for a model
// phoneload does not model. It reads cisco's model table (models.tsv).
func ModelFamily(model string) string {
	if model == "ata188" {
		return "ata" // no CUCM id of its own; boots like the ATA 186
	}
	m, ok := cisco.ModelByName(model)
	if !ok {
		return ""
	}
	switch m.Boot {
	case "7940", "79x1", "7912", "7905", "ata":
		return m.Boot
	}
	return ""
}

var reProfMAC = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:gk|ld|ata)([0-9a-f]{12})(?:\.txt)?$`) })

// deviceMAC returns the MAC of a per-device file name (upper case), or "".
func deviceMAC(name string) string {
	name = cisco.BaseName(name)
	// ^(?:SIP|SEP|MGC)([0-9A-F]{12})\. checked by hand: it runs once per
	// file of a million-file root.
	if len(name) > 15 && name[15] == '.' && (name[:3] == "SIP" || name[:3] == "SEP" || name[:3] == "MGC") && upperHex(name[3:15]) {
		return name[3:15]
	}
	if m := reProfMAC().FindStringSubmatch(name); m != nil {
		return strings.ToUpper(m[1])
	}
	return ""
}

// loadModelIDs returns the loadInformation model ids an image is built
// for (cisco.LoadFamily against the model table), or nil when the name
// does not say.
func loadModelIDs(name string) []int {
	if f := cisco.LoadFamily(name); f != "" {
		return cisco.IDsOfLoadFamily(f)
	}
	return nil
}

func upperHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// placeholder reports whether a configuration value is a template
// placeholder ({$image_name}, ${LOAD}) rather than a name: the file is a
// template of a provisioning tool, and the value names nothing yet.
func placeholder(v string) bool { return strings.ContainsAny(v, "{}$") }

// offerRef is an offer as check keeps it: a root of a million per-phone
// files has an offer each, so it holds 8 bytes a file (issue 16), not the
// offer, which offerAt works out again from the file when a rule asks.
type offerRef struct {
	file int32 // index into c.d.Files
	sub  int32 // which of the file's offers (fileOffers' order)
}

// collectOffers lists every image named by a configuration file. A root
// of a million per-phone files has an offer each: they are counted first
// and stored in a slice of that size, never grown by doubling.
func (c *checker) collectOffers() []offerRef {
	n := 0
	c.eachOffer(func(_ offerRef, o offer) {
		if !placeholder(o.Name) {
			n++
		}
	})
	if n == 0 {
		return nil
	}
	kept := make([]offerRef, 0, n)
	c.eachOffer(func(r offerRef, o offer) {
		if !placeholder(o.Name) {
			kept = append(kept, r)
		}
	})
	return kept
}

// allOffers yields each offer collectOffers kept, with its index in
// c.offers, as eachOffer made it.
func (c *checker) allOffers() iter.Seq2[int, offer] {
	return func(yield func(int, offer) bool) {
		for i, r := range c.offers {
			if !yield(i, c.offerAt(r)) {
				return
			}
		}
	}
}

// offerAt works out the offer r refers to.
func (c *checker) offerAt(r offerRef) offer {
	var out offer
	sub := int32(0)
	c.fileOffers(c.d.Files[r.file], func(o offer) {
		if sub == r.sub {
			out = o
		}
		sub++
	})
	return out
}

// offerPtr is offerAt for the offers fleet phones keep (fleetPhone.offer):
// one copy for each offer, however many phones it serves.
func (c *checker) offerPtr(i int) *offer {
	if o, ok := c.offerCopies[i]; ok {
		return o
	}
	if c.offerCopies == nil {
		c.offerCopies = map[int]*offer{}
	}
	o := c.offerAt(c.offers[i])
	c.offerCopies[i] = &o
	return &o
}

// eachOffer calls add with every value a configuration file gives as an
// image, and where it is.
func (c *checker) eachOffer(add func(offerRef, offer)) {
	for i, f := range c.d.Files {
		// Phones read names at the top of the root. Files in a folder
		// offer nothing, unless the whole drop is in one (not-at-root
		// then judges it as the root it was meant to be).
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue
		}
		sub := int32(0)
		c.fileOffers(f, func(o offer) {
			add(offerRef{int32(i), sub}, o)
			sub++
		})
	}
}

// fileOffers calls add with every value the configuration file f gives as
// an image, in the order of the file.
func (c *checker) fileOffers(f *drop.File, add func(offer)) {
	switch {
	case f.OS79XX() != nil:
		if f.OS79XX().Name != "" {
			n, ext := cisco.StripImageExt(f.OS79XX().Name)
			if ext == "" {
				ext = f.OS79XX().Extension
			}
			add(offer{File: f.Name, Line: 1, Source: "OS79XX.TXT", Name: n, Ext: ext})
		}
	case f.IsSIP():
		if e, ok := f.ImageVersion(); ok && strings.TrimSpace(e.Value) != "" {
			n, ext := cisco.StripImageExt(strings.TrimSpace(e.Value))
			add(offer{File: f.Name, Line: e.Line, Source: "image_version", Name: n, Ext: ext})
		}
	case f.IsXML():
		for _, l := range f.XMLLoads() {
			v := strings.TrimSpace(l.Value)
			if v == "" {
				continue
			}
			n, ext := cisco.StripImageExt(v)
			add(offer{File: f.Name, Line: l.Line, Source: "loadInformation", Name: n, Ext: ext, ModelID: l.ModelID})
		}
	case f.Kind == cisco.KindLoads && f.Load() != nil && f.Load().Family == cisco.Family79x1Term:
		// term<NN>.default.loads is the load a 79<NN> takes when no
		// configuration names one: an offer for that model, as
		// inspect shows it (drop.PhoneLoad "default").
		id := 0
		if m, ok := cisco.ModelByName("79" + f.Load().Platform); ok {
			id = m.ID
		}
		add(offer{File: f.Name, Source: "default", Name: strings.TrimSuffix(cisco.BaseName(f.Name), ".loads"), ModelID: id})
	case f.Profile() != nil && f.Kind == cisco.KindProfileBinary:
		// Phones fetch only compiled profiles; a .txt offers nothing
		// (profile-not-compiled says so when it has no compiled twin).
		for _, u := range f.Profile().Upgrades {
			if u.Name != "upgradecode" || u.File == "" {
				continue
			}
			add(offer{File: f.Name, Line: u.Line, Source: "upgradecode", Name: u.File})
		}
	}
}

// appRelease is the release an image name brings to a 7940/7960: for the
// universal application loader, the application of the .loads that lists it.
// Results are cached: the upgrade rules ask once per phone.
func (c *checker) appRelease(name string) (Release, bool) {
	if a, ok := c.apps[name]; ok {
		return a.rel, a.ok
	}
	r, ok := ParseRelease(name)
	if ok && r.Protocol == "loader" {
	search:
		for _, f := range c.d.Files {
			if f.Loads() == nil {
				continue
			}
			for _, p := range f.Loads().Parts {
				if stem, _ := cisco.StripImageExt(p.Name); stem == name {
					if app, ok := ParseRelease(strings.TrimSuffix(cisco.BaseName(f.Name), ".loads")); ok && app.Protocol != "loader" {
						r = app
						break search
					}
				}
			}
		}
	}
	c.apps[name] = appRel{r, ok}
	return r, ok
}

type appRel struct {
	rel Release
	ok  bool
}

// resolveFleet works out, for each fleet phone, the image the root offers it.
func (c *checker) resolveFleet() []fleetPhone {
	if c.opts.Fleet == nil {
		return nil
	}
	c.offersByMAC = map[string][]int{}
	for i, o := range c.allOffers() {
		if o.MAC() != "" {
			c.offersByMAC[o.MAC()] = append(c.offersByMAC[o.MAC()], i)
		} else {
			c.sharedOffers = append(c.sharedOffers, i)
		}
	}
	c.fleetByMAC = make(map[string]int, len(c.opts.Fleet))
	out := make([]fleetPhone, len(c.opts.Fleet))
	for i, p := range c.opts.Fleet {
		fp := fleetPhone{Phone: p, family: ModelFamily(p.Model)}
		fp.rel, fp.relOK = ParseRelease(p.Load)
		fp.offer = c.offerFor(&fp)
		out[i] = fp
		c.fleetByMAC[p.MAC] = i
	}
	return out
}

// offerFor follows the boot sequence of the phone's family (firmware.md,
// "How a phone boots") to the configuration entry that gives its image.
func (c *checker) offerFor(p *fleetPhone) *offer {
	// Per-device offers are looked up by MAC, shared ones scanned: a root
	// has tens of thousands of the former and a handful of the latter.
	find := func(match func(o *offer) bool) *offer {
		for _, i := range c.offersByMAC[p.MAC] {
			if o := c.offerAt(c.offers[i]); match(&o) {
				return c.offerPtr(i)
			}
		}
		for _, i := range c.sharedOffers {
			if o := c.offerAt(c.offers[i]); match(&o) {
				return c.offerPtr(i)
			}
		}
		return nil
	}
	id := modelIDs[p.Model]
	xml := func() *offer {
		if o := find(func(o *offer) bool { return o.Source == "loadInformation" && o.MAC() == p.MAC }); o != nil {
			return o
		}
		return find(func(o *offer) bool {
			return o.Source == "loadInformation" && o.MAC() == "" && o.ModelID == id
		})
	}
	switch p.family {
	case "7940":
		os := find(func(o *offer) bool { return o.Source == "OS79XX.TXT" })
		// Pre-7.x images read OS79XX.TXT first; a different protocol there
		// starts a protocol switch to that image.
		if os != nil && p.relOK && p.rel.Major < 7 {
			if app, ok := c.appRelease(os.Name); ok && app.Protocol != p.rel.Protocol {
				return os
			}
		}
		if p.relOK && p.rel.Protocol == "sip" {
			if o := find(func(o *offer) bool { return o.Source == "image_version" && o.MAC() == p.MAC }); o != nil {
				return o
			}
			if o := find(func(o *offer) bool { return o.Source == "image_version" && o.MAC() == "" }); o != nil {
				return o
			}
		}
		if o := xml(); o != nil {
			return o
		}
		return os
	case "79x1":
		if o := xml(); o != nil {
			return o
		}
		return find(func(o *offer) bool { return o.Source == "default" && o.ModelID == id })
	case "7912", "7905", "ata":
		prefix := map[string]string{"7912": "gk", "7905": "ld", "ata": "ata"}[p.family]
		if o := find(func(o *offer) bool { return o.Source == "upgradecode" && o.MAC() == p.MAC }); o != nil {
			return o
		}
		return find(func(o *offer) bool {
			return o.Source == "upgradecode" && o.MAC() == "" && strings.HasPrefix(cisco.BaseName(o.File), prefix+"default")
		})
	}
	return nil
}

// phonesReading returns the fleet phones that read file, or nil without a
// fleet or when that is not known.
func (c *checker) phonesReading(file string) []string {
	if c.fleet == nil {
		return nil
	}
	var out []string
	base := cisco.BaseName(file)
	mac := deviceMAC(base)
	if mac != "" {
		return c.macPhones(mac)
	}
	stem, _ := cisco.StripImageExt(base)
	for _, p := range c.fleet {
		var reads bool
		switch {
		case base == "OS79XX.TXT":
			reads = p.family == "7940"
		case base == "SIPDefault.cnf":
			reads = p.family == "7940" && p.relOK && p.rel.Protocol == "sip"
		case base == "XMLDefault.cnf.xml":
			reads = p.family == "7940" || p.family == "79x1"
		case strings.HasPrefix(base, "gkdefault."):
			reads = p.family == "7912"
		case strings.HasPrefix(base, "lddefault."):
			reads = p.family == "7905"
		case strings.HasPrefix(base, "atadefault."):
			reads = p.family == "ata"
		case p.offer != nil:
			// The universal loader brings its application's .loads too.
			app := p.offer.Name
			if a, ok := c.appRelease(app); ok {
				app = a.Name
			}
			// upgradecode offers carry their extension (CP7912…A.sbin).
			offered, _ := cisco.StripImageExt(p.offer.Name)
			reads = offered == stem || app == stem || c.loadsLists(p.offer.Name, base) || c.loadsLists(app, base)
		}
		if reads {
			out = append(out, p.MAC)
		}
	}
	return out
}

// loadsLists reports whether image's .loads lists part.
func (c *checker) loadsLists(image, part string) bool {
	f := c.file(image + ".loads")
	if f == nil || f.Loads() == nil {
		return false
	}
	for _, p := range f.Loads().Parts {
		if p.Name == part {
			return true
		}
	}
	return false
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
