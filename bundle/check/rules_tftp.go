package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
)

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
		if !f.Kind.Fetched() && f.Kind != cisco.KindUnknown {
			continue // a source: no phone asks for its name
		}
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
		if i < 0 || !c.placed(f) {
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
		if _, fixed := fixedNames[strings.ToLower(base)]; (fixed || deviceMAC(base) != "") && c.file(base) == nil {
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
