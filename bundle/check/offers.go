package check

import (
	"os"
	"regexp"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// offer is one place a configuration file names an image for phones.
type offer struct {
	File    string // the configuration file
	Line    int
	Source  string // "OS79XX.TXT", "image_version", "loadInformation", "upgradecode"
	Name    string // image name, extension stripped (upgradecode: the file it names)
	Ext     string // extension the value carried ("" when written right)
	ModelID int    // loadInformationNNN's NNN; 0 when not per model
	MAC     string // per-device file: the phone it is for; "" for shared files
}

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

var (
	reDeviceMAC = regexp.MustCompile(`^(?:SIP|SEP|MGC)([0-9A-F]{12})\.`)
	reProfMAC   = regexp.MustCompile(`^(?:gk|ld|ata)([0-9a-f]{12})(?:\.txt)?$`)
)

// deviceMAC returns the MAC of a per-device file name (upper case), or "".
func deviceMAC(name string) string {
	name = cisco.BaseName(name)
	if m := reDeviceMAC.FindStringSubmatch(name); m != nil {
		return m[1]
	}
	if m := reProfMAC.FindStringSubmatch(name); m != nil {
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

// placeholder reports whether a configuration value is a template
// placeholder ({$image_name}, ${LOAD}) rather than a name: the file is a
// template of a provisioning tool, and the value names nothing yet.
func placeholder(v string) bool { return strings.ContainsAny(v, "{}$") }

// collectOffers lists every image named by a configuration file.
func (c *checker) collectOffers() []offer {
	var kept []offer
	for _, o := range c.allOffers() {
		if !placeholder(o.Name) {
			kept = append(kept, o)
		}
	}
	return kept
}

// allOffers lists every value a configuration file gives as an image.
func (c *checker) allOffers() []offer {
	var out []offer
	for _, f := range c.d.Files {
		// Phones read names at the top of the root. Files in a folder
		// offer nothing, unless the whole drop is in one (not-at-root
		// then judges it as the root it was meant to be).
		if c.knownAtTop > 0 && strings.IndexByte(f.Name, '/') >= 0 {
			continue
		}
		mac := deviceMAC(f.Name)
		switch {
		case f.OS79XX != nil:
			if f.OS79XX.Name != "" {
				n, ext := cisco.StripImageExt(f.OS79XX.Name)
				if ext == "" {
					ext = f.OS79XX.Extension
				}
				out = append(out, offer{File: f.Name, Line: 1, Source: "OS79XX.TXT", Name: n, Ext: ext})
			}
		case f.SIP != nil:
			if e, ok := f.SIP.Get("image_version"); ok && strings.TrimSpace(e.Value) != "" {
				n, ext := cisco.StripImageExt(strings.TrimSpace(e.Value))
				out = append(out, offer{File: f.Name, Line: e.Line, Source: "image_version", Name: n, Ext: ext, MAC: mac})
			}
		case f.XML != nil:
			for _, l := range f.XML.Loads {
				v := strings.TrimSpace(l.Value)
				if v == "" {
					continue
				}
				n, ext := cisco.StripImageExt(v)
				out = append(out, offer{File: f.Name, Line: l.Line, Source: "loadInformation", Name: n, Ext: ext, ModelID: l.ModelID, MAC: mac})
			}
		case f.Kind == cisco.KindLoads && f.Load != nil && f.Load.Family == cisco.Family79x1Term:
			// term<NN>.default.loads is the load a 79<NN> takes when no
			// configuration names one: an offer for that model, as
			// inspect shows it (drop.PhoneLoad "default").
			id := 0
			if m, ok := cisco.ModelByName("79" + f.Load.Platform); ok {
				id = m.ID
			}
			out = append(out, offer{File: f.Name, Source: "default", Name: strings.TrimSuffix(cisco.BaseName(f.Name), ".loads"), ModelID: id})
		case f.Profile != nil && f.Kind == cisco.KindProfileBinary:
			// Phones fetch only compiled profiles; a .txt offers nothing
			// (profile-not-compiled says so when it has no compiled twin).
			for _, u := range f.Profile.Upgrades {
				if u.Name != "upgradecode" || u.File == "" {
					continue
				}
				out = append(out, offer{File: f.Name, Line: u.Line, Source: "upgradecode", Name: u.File, MAC: mac})
			}
		}
	}
	return out
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
			if f.Loads == nil {
				continue
			}
			for _, p := range f.Loads.Parts {
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
	for i, o := range c.offers {
		if o.MAC != "" {
			c.offersByMAC[o.MAC] = append(c.offersByMAC[o.MAC], i)
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
			if match(&c.offers[i]) {
				return &c.offers[i]
			}
		}
		for _, i := range c.sharedOffers {
			if match(&c.offers[i]) {
				return &c.offers[i]
			}
		}
		return nil
	}
	id := modelIDs[p.Model]
	xml := func() *offer {
		if o := find(func(o *offer) bool { return o.Source == "loadInformation" && o.MAC == p.MAC }); o != nil {
			return o
		}
		return find(func(o *offer) bool {
			return o.Source == "loadInformation" && o.MAC == "" && o.ModelID == id
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
			if o := find(func(o *offer) bool { return o.Source == "image_version" && o.MAC == p.MAC }); o != nil {
				return o
			}
			if o := find(func(o *offer) bool { return o.Source == "image_version" && o.MAC == "" }); o != nil {
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
		if o := find(func(o *offer) bool { return o.Source == "upgradecode" && o.MAC == p.MAC }); o != nil {
			return o
		}
		return find(func(o *offer) bool {
			return o.Source == "upgradecode" && o.MAC == "" && strings.HasPrefix(cisco.BaseName(o.File), prefix+"default")
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
	if f == nil || f.Loads == nil {
		return false
	}
	for _, p := range f.Loads.Parts {
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
