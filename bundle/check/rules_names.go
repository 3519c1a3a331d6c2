package check

import (
	"regexp"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

var (
	// per-device names, matched without regard to case and then checked exactly
	reDevUpper = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^(CTLSEP|ITLSEP|SEP|SIP|MGC)([0-9A-F]+)(\..+)$`) })
	reDevLower = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)^(gk|ld|ata)([0-9a-f]{12})(\..+)?$`) })
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
		if want, ok := fixedNames[strings.ToLower(base)]; ok && want != base && c.file(want) == nil {
			c.add("reference-case", f.Name, 0, c.phonesReading(want), "phones ask for %s; this file is named %s: TFTP names are case-exact", want, base)
		}
		if prefix, mac, ext, ok := matchDevUpper(base); ok && len(mac) >= 10 && len(mac) <= 14 {
			prefix = strings.ToUpper(prefix)
			want := prefix + strings.ToUpper(mac) + devExt[prefix]
			switch {
			case len(mac) != 12:
				c.add("device-name", f.Name, 0, []string{}, "%s: the MAC has %d hex digits, not 12", base, len(mac))
				c.named[f.Name] = true
			case base != want && strings.EqualFold(ext, devExt[prefix]):
				c.add("device-name", f.Name, 0, c.macPhones(mac), "%s must be spelt %s: upper-case prefix and MAC, lower-case extension", base, want)
			case devExtSlip(prefix, ext) && c.hasDeviceFile(mac):
				// The phone's own file is there under its right name: this
				// one is a stray copy (julianhead/CiscoPhones keeps
				// SEP<MAC>.cnf beside SIP<MAC>.cnf), not a misnamed file.
				c.add("source-file", f.Name, 0, nil, "%s is a copy beside %s, the file the phone reads; no phone asks for %s", base, c.deviceFile(mac), base)
				c.named[f.Name] = true
			case devExtSlip(prefix, ext):
				c.add("device-name", f.Name, 0, c.macPhones(mac), "phones ask for %s, not %s: the extension is %s", want, base, devExt[prefix])
				c.named[f.Name] = true
			}
		}
		if prefix, mac, ext, ok := matchDevLower(base); ok {
			if want := strings.ToLower(base); base != strings.ToLower(prefix+mac)+ext && (ext == "" || strings.EqualFold(ext, ".txt")) {
				c.add("device-name", f.Name, 0, c.macPhones(mac), "%s must be spelt %s: ld/gk/ata names are lower case", base, want)
			}
		}
	}
	c.foldGroups(func(fs []*drop.File) {
		for _, f := range fs[1:] {
			if !f.SHA256.IsZero() && f.SHA256 == fs[0].SHA256 {
				c.add("case-alias", f.Name, 0, nil, "%s is a byte-identical copy of %s under another letter case", f.Name, fs[0].Name)
				continue
			}
			c.add("case-collision", f.Name, 0, c.phonesReading(f.Name), "%s and %s differ only in letter case and in content", fs[0].Name, f.Name)
		}
	})
}

// macPhones returns the fleet phone with this MAC, if any.
func (c *checker) macPhones(mac string) []string {
	mac = strings.ToUpper(mac)
	if _, ok := c.fleetByMAC[mac]; ok {
		return []string{mac}
	}
	return []string{}
}

// deviceFile returns the name of a correctly named per-device
// configuration file of mac at the top of the root (SEP<MAC>.cnf.xml,
// SIP<MAC>.cnf, MGC<MAC>.cnf), or "".
func (c *checker) deviceFile(mac string) string {
	mac = strings.ToUpper(mac)
	for _, n := range []string{"SEP" + mac + ".cnf.xml", "SIP" + mac + ".cnf", "MGC" + mac + ".cnf"} {
		if c.file(n) != nil {
			return n
		}
	}
	return ""
}

func (c *checker) hasDeviceFile(mac string) bool { return c.deviceFile(mac) != "" }
