package boot

// Every use of the parsers and tables of bundle/cisco, of Cisco's matrix
// and the fleet file (bundle/check) and of the bundle's reserved names
// goes through this file.

import (
	"io"
	"strings"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
)

type (
	loadName = cisco.LoadName
	release  = check.Release
	upPath   = check.Path
	// FleetPhone is one line of a fleet file (check.ParseFleet).
	FleetPhone = check.Phone
)

const (
	familyEarly    = cisco.FamilyEarly
	familyLoader   = cisco.FamilyLoader
	familyCP       = cisco.FamilyCP
	familyATA      = cisco.FamilyATA
	family79x1     = cisco.Family79x1
	family79x1Term = cisco.Family79x1Term

	blockDowngrade = check.BlockDowngrade
)

func parseLoadName(s string) (loadName, bool) { return cisco.ParseLoadName(s) }

// directImage is the file a 7940/7960 asks for to take load by name.
func directImage(load string, signed bool) string { return cisco.DirectImageFile(load, signed) }
func parseRelease(s string) (release, bool)       { return check.ParseRelease(s) }
func upgradePath(from, to release) upPath         { return check.UpgradePath(from, to) }

// os79xxName parses OS79XX.TXT: the name, and whether the file is exactly
// one name without extension, space or byte-order mark.
func os79xxName(b []byte) (name string, clean bool) {
	o, ps := cisco.ParseOS79XX(b)
	return o.Name, len(ps) == 0 && o.Lines == 1 && o.Name != "" && !o.TrailingSpace && o.Extension == "" && !o.BOM
}

// sipSetting returns a setting of a .cnf file and how many other settings
// the file holds.
func sipSetting(b []byte, name string) (value string, found bool, others int) {
	c, _ := cisco.ParseSIPConfig(b)
	e, ok := c.Get(name)
	for _, x := range c.Entries {
		if !equalFold(x.Name, name) {
			others++
		}
	}
	return e.Value, ok, others
}

// xmlLoad returns the image an XML configuration names for the model id
// (id 0: the plain <loadInformation> of SEP<MAC>.cnf.xml).
func xmlLoad(b []byte, id int) string {
	c, _ := cisco.ParseXMLConfig(b)
	for _, l := range c.Loads {
		if l.Value == "" {
			continue
		}
		if l.ModelID == id {
			return l.Value
		}
	}
	return ""
}

// modelID returns the loadInformationNNN id of a model, or 0.
func modelID(model string) int {
	for id, m := range cisco.ModelIDs {
		if m == model {
			return id
		}
	}
	return 0
}

// upgrade is an upgradecode line of a compiled profile.
type upgrade struct {
	Hardware string // model of the hardware code: "7912", "7905", "ATA"; "" unknown
	ImageID  uint32
	File     string
	Fields   int
}

// profileUpgrade reads the upgradecode of a compiled (#ata) profile.
func profileUpgrade(b []byte) (upgrade, bool) {
	p, _ := cisco.ParseProfileBinary(b)
	if p == nil {
		return upgrade{}, false
	}
	for _, u := range p.Upgrades {
		if u.Name == "upgradecode" {
			return upgrade{Hardware: cisco.UpgradeHardware[u.Hardware], ImageID: u.ImageID, File: u.File, Fields: u.Fields}, true
		}
	}
	return upgrade{}, false
}

// ringFiles returns the ring files RINGLIST.DAT lists, in its order.
func ringFiles(b []byte) []string {
	rl, _ := cisco.ParseRinglist(b)
	var out []string
	for _, e := range rl.Entries {
		if f := strings.TrimSpace(e.File); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// loadsParts returns the parts a .loads body lists and its LA_VERSION.
func loadsParts(body []byte) (parts []string, laVersion string) {
	l, _ := cisco.ParseLoads(body)
	for _, p := range l.Parts {
		parts = append(parts, p.Name)
	}
	return parts, l.LAVersion
}

// IsBundleMeta reports the files of a bundle that are not part of the
// root it becomes (SHA256SUMS, signatures, bundle.json).
func IsBundleMeta(name string) bool { return bundle.IsBundleMeta(name) }

const sumsName = bundle.SumsName

// ParseFleet reads a fleet file (docs/check.md: --fleet).
func ParseFleet(r io.Reader, name string) ([]FleetPhone, error) { return check.ParseFleet(r, name) }

// NormalizeModel and NormalizeMAC accept the spellings fleet files use.
func NormalizeModel(s string) (string, bool) { return check.NormalizeModel(s) }
func NormalizeMAC(s string) (string, bool)   { return check.NormalizeMAC(s) }

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// ProfileMAC returns the MAC of a per-device 7905/7912/ATA profile name
// (gk<mac>, ld<mac>, ata<mac>, with or without .txt), or "".
func ProfileMAC(name string) string {
	for _, p := range []string{"gk", "ld", "ata"} {
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		rest = strings.TrimSuffix(rest, ".txt")
		if len(rest) != 12 {
			continue
		}
		if _, ok := NormalizeMAC(rest); ok && strings.ToLower(rest) == rest {
			return strings.ToUpper(rest)
		}
	}
	return ""
}

// NamedImages returns the images a configuration file names, for any
// phone: image_version of a .cnf, every loadInformation of a .cnf.xml, the
// upgradecode file of a compiled profile, the name in OS79XX.TXT.
func NamedImages(name string, data []byte) []string {
	var out []string
	switch {
	case name == "OS79XX.TXT":
		if n, _ := os79xxName(data); n != "" {
			out = append(out, n)
		}
	case strings.HasSuffix(name, ".cnf.xml"):
		c, _ := cisco.ParseXMLConfig(data)
		for _, l := range c.Loads {
			if l.Value != "" {
				out = append(out, l.Value)
			}
		}
	case strings.HasSuffix(name, ".cnf"):
		if v, ok, _ := sipSetting(data, "image_version"); ok && v != "" {
			out = append(out, v)
		}
	default:
		if u, ok := profileUpgrade(data); ok && u.File != "" {
			out = append(out, u.File)
		}
	}
	return out
}
