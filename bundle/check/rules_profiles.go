package check

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

var reImageDate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(\d{6})([A-Fa-f])\.(?i:sbin|zup)$`) })

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
		p := f.Profile()
		if p == nil {
			continue
		}
		ph := c.phonesReading(f.Name)
		hw, fam := profileFamily(f.Name)
		upgrades := p.Upgrades
		if f.Kind == cisco.KindProfileBinary {
			if src := c.file(cisco.SourceName(f.Name)); src != nil && src.Profile() != nil && !src.Profile().Binary {
				switch {
				case cisco.SameUpgrades(src.Profile().Upgrades, p.Upgrades):
					// The source's findings say it, on the line to edit.
					upgrades = nil
				case c.opts.Compile == nil && len(p.Upgrades) > 0:
					// Stale on the one line that matters, seen without
					// a tag table: the upgrade records decode without one.
					c.add("profile-stale", f.Name, 0, ph, "%s says %s but %s now says %s: phones read %s",
						f.Name, upgradeList(p.Upgrades), src.Name, upgradeList(src.Profile().Upgrades), f.Name)
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
			if img, fold := c.lookup(u.File); c.noImages && img == nil && len(fold) == 0 {
				c.add("image-not-in-root", f.Name, u.Line, ph, "upgradecode names %q; this root holds no firmware image at all: phones running it keep it, others cannot upgrade from here", u.File)
			} else {
				c.refer("upgradecode-image-missing", f.Name, u.Line, u.File, "upgradecode names")
			}
			if fam == "7912" && strings.HasSuffix(strings.ToLower(u.File), ".zup") {
				c.add("upgradecode-zup-7912", f.Name, u.Line, ph, "%s is a .zup; a 7912 only fetches .sbin", u.File)
			}
			if m := reImageDate().FindStringSubmatch(u.File); m != nil {
				want, _ := strconv.ParseUint(m[1]+strings.ToLower(m[2]), 16, 32)
				if uint32(want) != u.ImageID {
					c.add("upgradecode-image-id", f.Name, u.Line, ph, "image id 0x%07x but %s says 0x%07x", u.ImageID, u.File, want)
				}
			}
		}
		if c.opts.Compile != nil && f.Kind == cisco.KindProfileText && f.Data() != nil {
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
		if fam == "" || cisco.ProfileDevice(f.Name) == "" {
			// #txt under a name no phone asks for: a source, and no
			// message may name an empty compiled or default profile.
			continue
		}
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
		if u := firstUpgrade(f.Profile()); u != "" {
			what = "no configuration, and not the image its upgradecode names (" + u + ")"
		}
		def := cisco.DefaultProfile(f.Name)
		switch {
		case cisco.IsDefaultProfile(f.Name):
			c.add("profile-not-compiled", f.Name, 0, ph, "%s is not compiled: phones fetch %s, which is not in the root, so %s phones without a compiled per-device profile get %s", f.Name, bin, fam, what)
		case c.file(def) != nil:
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
	if prefix == "" || c.file(prefix+"default.cfg") != nil {
		return false
	}
	for _, txt := range []string{prefix + "default.txt", prefix + strings.ToLower(p.MAC) + ".txt"} {
		if f := c.file(txt); f != nil && f.Kind == cisco.KindProfileText && c.file(cisco.CompiledName(txt)) == nil {
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
	own := firstUpgrade(f.Profile())
	if own == "" {
		return ""
	}
	var got string
	if d := c.file(def); d != nil {
		got = firstUpgrade(d.Profile())
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
	bin := c.file(cisco.CompiledName(f.Name))
	if bin == nil {
		return
	}
	out, err := c.opts.Compile(f.Name, f.Data(), func(name string) []byte {
		if g := c.file(name); g != nil {
			return g.Data()
		}
		return nil
	})
	if err != nil {
		c.add("profile-stale", f.Name, 0, ph, "%s does not compile: %v", f.Name, err)
		return
	}
	sum := sha256.Sum256(out)
	if sum != bin.SHA256 {
		c.add("profile-stale", bin.Name, 0, ph, "%s is not what %s compiles to", bin.Name, f.Name)
	}
}

// MaxTFTPSize is the largest file plain TFTP (512-byte blocks, 16-bit block
// numbers, no rollover) can send: 65535 blocks of 512 bytes, minus one.
const MaxTFTPSize = 65535*512 - 1
