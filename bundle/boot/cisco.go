package boot

// Every use of the parsers and tables of package bundle goes through this
// file, so that the move of those parsers (bundle/cisco, bundle/check) is a
// change of this file alone.

import (
	"io"
	"strings"

	"github.com/phoneload/phoneload/bundle"
)

type (
	loadName = bundle.LoadName
	release  = bundle.Release
	upPath   = bundle.Path
	// FleetPhone is one line of a fleet file (bundle.ParseFleet).
	FleetPhone = bundle.Phone
)

const (
	familyEarly    = bundle.FamilyEarly
	familyLoader   = bundle.FamilyLoader
	familyCP       = bundle.FamilyCP
	familyATA      = bundle.FamilyATA
	family79x1     = bundle.Family79x1
	family79x1Term = bundle.Family79x1Term

	blockDowngrade = bundle.BlockDowngrade
)

func parseLoadName(s string) (loadName, bool) { return bundle.ParseLoadName(s) }
func parseRelease(s string) (release, bool)   { return bundle.ParseRelease(s) }
func upgradePath(from, to release) upPath     { return bundle.UpgradePath(from, to) }

// os79xxName parses OS79XX.TXT: the name, and whether the file is exactly
// one name without extension, space or byte-order mark.
func os79xxName(b []byte) (name string, clean bool) {
	o, ps := bundle.ParseOS79XX(b)
	return o.Name, len(ps) == 0 && o.Lines == 1 && o.Name != "" && !o.TrailingSpace && o.Extension == "" && !o.BOM
}

// sipSetting returns a setting of a .cnf file and how many other settings
// the file holds.
func sipSetting(b []byte, name string) (value string, found bool, others int) {
	c, _ := bundle.ParseSIPConfig(b)
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
	c, _ := bundle.ParseXMLConfig(b)
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
	for id, m := range bundle.ModelIDs {
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
	p, _ := bundle.ParseProfileBinary(b)
	if p == nil {
		return upgrade{}, false
	}
	for _, u := range p.Upgrades {
		if u.Name == "upgradecode" {
			return upgrade{Hardware: bundle.UpgradeHardware[u.Hardware], ImageID: u.ImageID, File: u.File, Fields: u.Fields}, true
		}
	}
	return upgrade{}, false
}

// loadsParts returns the parts a .loads body lists and its LA_VERSION.
func loadsParts(body []byte) (parts []string, laVersion string) {
	l, _ := bundle.ParseLoads(body)
	for _, p := range l.Parts {
		parts = append(parts, p.Name)
	}
	return parts, l.LAVersion
}

// isBundleMeta reports the files of a bundle that are not part of the root
// it becomes (SHA256SUMS, signatures, bundle.json).
func isBundleMeta(name string) bool { return bundle.IsBundleMeta(name) }

const sumsName = bundle.SumsName

// ParseFleet reads a fleet file (docs/check.md: --fleet).
func ParseFleet(r io.Reader, name string) ([]FleetPhone, error) { return bundle.ParseFleet(r, name) }

// NormalizeModel and NormalizeMAC accept the spellings fleet files use.
func NormalizeModel(s string) (string, bool) { return bundle.NormalizeModel(s) }
func NormalizeMAC(s string) (string, bool)   { return bundle.NormalizeMAC(s) }

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
