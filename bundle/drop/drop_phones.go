package drop

import (
	"path"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// PhoneLoad is one row of the drop summary: a configuration entry naming
// an image, the phones it applies to, and the files such a phone would
// fetch, each present or missing. Rows naming the same load share their
// Models, Files and Missing (clipped, so an append copies): read them, do
// not write into them.
type PhoneLoad struct {
	Models   []string       `json:"models"`        // phone models the entry applies to
	MAC      string         `json:"mac,omitempty"` // per-phone file (SIP<MAC>.cnf …); "" for defaults
	Protocol cisco.Protocol `json:"protocol,omitempty"`
	Source   string         `json:"source"`         // the file naming the image
	Line     int            `json:"line,omitempty"` // where in Source
	Setting  string         `json:"setting"`        // image_version, loadInformation8, OS79XX.TXT, upgradecode, default (term*.default.loads)
	Load     string         `json:"load"`           // the image as named
	Version  string         `json:"version,omitempty"`
	Files    []Fetch        `json:"files"` // what the phone fetches, in order
	// Missing lists the fetched files absent from the drop; empty means a
	// phone would find everything it asks for.
	Missing []string `json:"missing,omitempty"`
	// Site lists what a SIP 7940/7960 reads besides its image once it
	// runs (docs/simulate.md, step 7940-site): the dial plan
	// dial_template names (the phone appends .xml; the per-phone file's
	// wins over SIPDefault.cnf's), RINGLIST.DAT and the rings it lists,
	// each present or not. Shared between rows alike: read only.
	Site []Fetch `json:"site,omitempty"`
}

// Fetch is one file a phone would ask the TFTP server for.
type Fetch struct {
	Name    string `json:"name"`
	Present bool   `json:"present"`
	Via     string `json:"via,omitempty"` // the list that names it (a .loads, RINGLIST.DAT)
}

// Phones says what a phone of each model would load from this drop, one
// row per configuration entry that names an image, in file order. Each
// call makes the rows anew (EachPhone makes them one at a time).
func (d *Drop) Phones() []PhoneLoad {
	var rows []PhoneLoad
	d.EachPhone(func(p *PhoneLoad) error {
		rows = append(rows, *p)
		return nil
	})
	return rows
}

// EachPhone calls fn with each row Phones returns, one at a time (the row
// is fn's to keep), and stops at the first error fn returns.
func (d *Drop) EachPhone(fn func(*PhoneLoad) error) error {
	// Thousands of per-phone files name the same few loads: rows that
	// resolve alike share their Files and Missing (capacity clipped, so an
	// append by a caller copies) instead of each holding its own.
	cache := map[resolveKey]PhoneLoad{}
	resolve := func(row *PhoneLoad, mode fetchMode) {
		if mode == fetchCompiled {
			d.resolve(row, mode) // depends on the source, not just the load
			return
		}
		k := resolveKey{row.Load, mode, row.Protocol, len(row.Models) == 0}
		r, ok := cache[k]
		if !ok {
			r = PhoneLoad{Load: row.Load, Protocol: row.Protocol}
			if k.noModels {
				r.Models = nil
			} else {
				r.Models = row.Models
			}
			d.resolve(&r, mode)
			r.Files = r.Files[:len(r.Files):len(r.Files)]
			r.Missing = r.Missing[:len(r.Missing):len(r.Missing)]
			cache[k] = r
		}
		row.Protocol = r.Protocol
		if k.noModels {
			row.Models = r.Models
		}
		row.Version, row.Files, row.Missing = r.Version, r.Files, r.Missing
	}
	// The site files of a SIP phone depend only on its dial template:
	// thousands of SIP<MAC>.cnf rows share a handful of lists.
	defaultDial := ""
	if f := d.File("SIPDefault.cnf"); f != nil {
		if e, ok := f.DialTemplate(); ok {
			defaultDial = strings.TrimSpace(e.Value)
		}
	}
	sites := map[string][]Fetch{}
	site := func(f *File) []Fetch {
		dial := ""
		if e, ok := f.DialTemplate(); ok {
			dial = strings.TrimSpace(e.Value)
		}
		if dial == "" {
			dial = defaultDial
		}
		if l, ok := sites[dial]; ok {
			return l
		}
		l := d.siteFetches(dial)
		l = l[:len(l):len(l)]
		sites[dial] = l
		return l
	}
	for _, f := range d.Files {
		base := path.Base(f.Name)
		switch {
		case f.Kind == cisco.KindSIPConfig && f.IsSIP():
			e, ok := f.ImageVersion()
			if !ok {
				continue
			}
			row := PhoneLoad{Models: models794x[:2:2], Protocol: cisco.ProtocolSIP, Source: f.Name, Line: e.Line, Setting: "image_version", Load: e.Value}
			row.MAC = macOf(base, "SIP")
			resolve(&row, fetchLoads)
			if path.Dir(f.Name) == "." {
				row.Site = site(f)
			}
			if err := fn(&row); err != nil {
				return err
			}
		case f.Kind == cisco.KindXMLConfig && f.IsXML():
			for _, l := range f.XMLLoads() {
				if l.Value == "" {
					continue
				}
				row := PhoneLoad{Source: f.Name, Line: l.Line, Setting: l.Element, Load: l.Value, MAC: macOf(base, "SEP")}
				if l.Model != "" {
					row.Models = []string{l.Model}
				}
				resolve(&row, fetchLoads)
				if err := fn(&row); err != nil {
					return err
				}
			}
		case f.Kind == cisco.KindOS79XX && f.OS79XX() != nil && f.OS79XX().Name != "":
			// Pre-7.x images read OS79XX.TXT and fetch <name>.bin.
			row := PhoneLoad{Models: models794x[:2:2], Source: f.Name, Line: 1, Setting: "OS79XX.TXT", Load: f.OS79XX().Name}
			resolve(&row, fetchImage)
			if err := fn(&row); err != nil {
				return err
			}
		case f.Profile() != nil:
			// Phones fetch only compiled profiles. A text profile counts
			// only when its compiled twin is absent, and then the row
			// says the phone asks for that twin and does not find it.
			mode := fetchLiteral
			if f.Kind == cisco.KindProfileText {
				if bin := cisco.CompiledName(f.Name); bin == f.Name || d.File(bin) != nil {
					continue
				}
				mode = fetchCompiled
			}
			for _, u := range f.Profile().Upgrades {
				if u.Name != "upgradecode" || u.File == "" {
					continue
				}
				row := PhoneLoad{Source: f.Name, Line: u.Line, Setting: "upgradecode", Load: u.File, MAC: profileMAC(base)}
				if m := cisco.UpgradeHardware[u.Hardware]; m != "" {
					row.Models = []string{m}
				} else if m := cisco.ProfileDevice(base); m != "" {
					row.Models = []string{m}
				}
				resolve(&row, mode)
				if err := fn(&row); err != nil {
					return err
				}
			}
		case f.Kind == cisco.KindLoads && f.Load() != nil && f.Load().Family == cisco.Family79x1Term:
			// term<NN>.default.loads is what a 79x1 boots when no
			// configuration names an image.
			row := PhoneLoad{Models: f.Load().Models, Source: f.Name, Setting: "default", Load: f.Load().Name}
			resolve(&row, fetchLoads)
			if err := fn(&row); err != nil {
				return err
			}
		}
	}
	return nil
}

// models794x is shared by the rows of every SIP .cnf (clipped: an append
// copies).
var models794x = []string{"7940", "7960"}

// resolveKey is what resolve's outcome depends on, but for fetchCompiled.
type resolveKey struct {
	load     string
	mode     fetchMode
	proto    cisco.Protocol
	noModels bool
}

// How a setting names what the phone fetches.
type fetchMode int

const (
	fetchLoads    fetchMode = iota // image_version, loadInformation: <name>.loads and its parts
	fetchImage                     // OS79XX.TXT: <name>.sbn (signed phones) and <name>.bin (earlier ones)
	fetchLiteral                   // upgradecode: the file exactly as named
	fetchCompiled                  // a text profile's compiled twin (gkdefault.cfg), which is absent
)

// resolve fills the files a phone fetches for row.Load: the .loads and its
// parts (without a .loads in the drop, the image itself: .sbn, else .bin;
// for 8.3 names the .bin), the image of OS79XX.TXT, or the literal file of
// an upgradecode. A configuration value that carries an extension is used
// as the phone uses it, extension and all, so the mistake shows as missing.
func (d *Drop) resolve(row *PhoneLoad, mode fetchMode) {
	ln, ok := cisco.ParseLoadName(row.Load)
	if ok {
		if row.Protocol == "" {
			row.Protocol = ln.Protocol
		}
		if len(row.Models) == 0 {
			row.Models = ln.Models
		}
		if !ln.Version.IsZero() {
			row.Version = ln.Version.String()
		}
	}
	fetch := func(name, via string) *File {
		f := d.File(name)
		row.Files = append(row.Files, Fetch{Name: name, Present: f != nil, Via: via})
		if f == nil {
			row.Missing = append(row.Missing, name)
		}
		return f
	}
	switch {
	case mode == fetchLiteral:
		fetch(row.Load, "")
	case mode == fetchCompiled:
		// The phone never gets as far as the image: the profile that
		// would name it is not there.
		fetch(cisco.CompiledName(row.Source), "")
	case mode == fetchImage:
		// The image itself. Which file depends on the image the phone
		// runs, not on what the root holds (cisco.DirectImageFile): a
		// phone on a signed (5.0+) image asks for <name>.sbn, one before
		// 5.0 for <name>.bin, so both are listed; an 8.3 name only ever
		// exists as .bin.
		sbn := cisco.DirectImageFile(row.Load, true)
		fetch(sbn, "")
		if bin := cisco.DirectImageFile(row.Load, false); bin != sbn {
			fetch(bin, "")
		}
	case ok && ln.Family == cisco.FamilyEarly && ln.Ext == "":
		fetch(row.Load+".bin", "")
	default:
		name := row.Load + ".loads"
		if cisco.Is792x(row.Load) {
			name = row.Load + ".LOADS" // the name 792x phones ask for
		}
		lf := d.File(name)
		if lf == nil {
			// Without a .loads, older images take the image directly.
			for _, e := range []string{".sbn", ".bin"} {
				if d.File(row.Load+e) != nil {
					fetch(row.Load+e, "")
					return
				}
			}
		}
		fetch(name, "")
		if lf != nil && lf.Loads() != nil {
			for _, p := range lf.Loads().Parts {
				fetch(p.Name, name)
			}
		}
	}
}

// macOf returns the MAC of SIP<MAC>.cnf / SEP<MAC>.cnf.xml names, or "".
func macOf(base, prefix string) string {
	if strings.HasPrefix(base, prefix) && len(base) >= len(prefix)+12 && cisco.IsHexString(base[len(prefix):len(prefix)+12]) {
		return base[len(prefix) : len(prefix)+12]
	}
	return ""
}

// profileMAC returns the MAC of gk<mac>, ld<mac>, ata<mac> names, or "".
func profileMAC(base string) string {
	lower := strings.ToLower(base)
	for _, p := range []string{"gk", "ld", "ata"} {
		if m := macOf(lower, p); m != "" {
			return m
		}
	}
	return ""
}

// siteFetches lists what a running SIP phone with the dial template dial
// reads (PhoneLoad.Site), the rule bundle/boot plays (site7940): the dial
// plan as <dial>.xml, RINGLIST.DAT, and at most maxListed rings it lists.
func (d *Drop) siteFetches(dial string) []Fetch {
	var out []Fetch
	fetch := func(name string) *File {
		f := d.File(name)
		out = append(out, Fetch{Name: name, Present: f != nil})
		return f
	}
	if dial != "" {
		fetch(dial + ".xml")
	}
	rl := fetch("RINGLIST.DAT")
	if rl == nil || rl.Ringlist() == nil {
		return out
	}
	rings := 0
	for _, r := range rl.Ringlist().Entries {
		if n := strings.TrimSpace(r.File); n != "" && rings < maxListed {
			rings++
			out = append(out, Fetch{Name: n, Present: d.File(n) != nil, Via: "RINGLIST.DAT"})
		}
	}
	return out
}

// maxListed is boot.MaxListed: the names a phone follows out of one list.
const maxListed = 256
