package check

import (
	"fmt"
	"strconv"
	"strings"
)

// Release is what the upgrade matrix needs to know about a 7940/7960 image:
// its protocol and release number. It is read from the load name, the only
// place a TFTP root (or a fleet list) states it.
type Release struct {
	Name     string // the load name as written, e.g. "P0S3-8-12-00"
	Protocol string // "sip", "sccp", "mgcp", or "loader" (universal application loader)
	Platform byte   // fourth character: '3' 7940/7960, '4' 7910
	Major    int
	Minor    int
	Maint    int // third number (SIP dashed names: zz; SCCP: cc)
}

// String gives the release the way Cisco's release notes write it.
func (r Release) String() string {
	p := strings.ToUpper(r.Protocol)
	if r.Protocol == "loader" {
		p = "loader"
	}
	return fmt.Sprintf("%s %d.%d", p, r.Major, r.Minor)
}

// Signed reports whether the release is a signed image: from 5.0 on, for
// every protocol, a 7940/7960 runs only signed images and refuses the rest.
func (r Release) Signed() bool { return r.Major >= 5 }

// Before reports whether r is an earlier release than major.minor.
func (r Release) Before(major, minor int) bool {
	return r.Major < major || r.Major == major && r.Minor < minor
}

// ParseRelease reads a 7940/7960-family load name (no extension):
//
//	P0S3xxyy       SIP ≤ 2.3, 8.3 name (P0S30203 = 2.3)
//	P0S3-xx-y-zz   SIP ≥ 3.0 (P0S3-07-4-00 = 7.4, P0S3-8-12-00 = 8.12)
//	P0M3-xx-y-zz   MGCP
//	P003aabbccdd   SCCP aa.bb(cc.dd) (P00308010200 = 8.1(2))
//	P003xxyy       early SCCP, 8.3 name
//	P003-xx-y-zz   universal application loader shipped with SIP/MGCP
//
// It reports false for anything else, including the common misspelling
// with a letter O ("POS3…"), which phones do not accept either.
func ParseRelease(name string) (Release, bool) {
	if len(name) < 8 || name[0] != 'P' || name[1] != '0' {
		return Release{}, false
	}
	r := Release{Name: name, Platform: name[3]}
	if r.Platform < '0' || r.Platform > '9' {
		return Release{}, false
	}
	switch name[2] {
	case 'S':
		r.Protocol = "sip"
	case 'M':
		r.Protocol = "mgcp"
	case '0':
		r.Protocol = "sccp"
	default:
		return Release{}, false
	}
	rest := name[4:]
	switch {
	case len(rest) > 0 && rest[0] == '-':
		f := strings.Split(rest[1:], "-")
		if len(f) != 3 {
			return Release{}, false
		}
		n, ok := decimals(f...)
		if !ok {
			return Release{}, false
		}
		r.Major, r.Minor, r.Maint = n[0], n[1], n[2]
		if r.Protocol == "sccp" {
			r.Protocol = "loader"
		}
	case len(rest) == 4:
		n, ok := decimals(rest[:2], rest[2:])
		if !ok {
			return Release{}, false
		}
		r.Major, r.Minor = n[0], n[1]
	case len(rest) == 8 && r.Protocol == "sccp":
		n, ok := decimals(rest[:2], rest[2:4], rest[4:6])
		if !ok {
			return Release{}, false
		}
		r.Major, r.Minor, r.Maint = n[0], n[1], n[2]
	default:
		return Release{}, false
	}
	return r, true
}

// decimals parses each field as a short unsigned decimal number.
func decimals(fields ...string) ([]int, bool) {
	out := make([]int, len(fields))
	for i, f := range fields {
		if f == "" || len(f) > 3 {
			return nil, false
		}
		for _, c := range f {
			if c < '0' || c > '9' {
				return nil, false
			}
		}
		out[i], _ = strconv.Atoi(f)
	}
	return out, true
}

// Step is one stage of an upgrade: the release a phone must run before the
// next stage is offered.
type Step struct {
	Protocol string // "sip" or "sccp"
	Release  string // e.g. "4.4", "5.3", "6.x", "5.x"
}

func (s Step) String() string { return strings.ToUpper(s.Protocol) + " " + s.Release }

// Blocker says why a phone cannot go from one release to another directly.
type Blocker string

// The reasons of Cisco's 7940/7960 upgrade matrix.
const (
	BlockDowngrade   Blocker = "downgrade"    // a signed (≥5.0) phone refuses unsigned, pre-5.0 images
	BlockSIPPath     Blocker = "sip-path"     // SIP 4.x or earlier must go 4.4 → 5.3 → 6.x → 7.x
	BlockSCCPToSIP   Blocker = "sccp-to-sip"  // SCCP below 5.x must reach SCCP 5.x before SIP
	BlockSIPLongName Blocker = "sip-longname" // SIP ≤ 2.1 refuses SCCP load names over 8 characters
	BlockSIPToSCCP   Blocker = "sip-to-sccp"  // SIP ≤ 4.x goes back to SCCP through SCCP 4.x/5.x, then 6.3
)

// Path is the verdict of the upgrade matrix for one phone.
type Path struct {
	Blocker Blocker // "" when the phone can take the image directly
	Steps   []Step  // releases to install first, in order, when that helps
}

// sipMilestones is Cisco's SIP path for 2.x–4.x (and older) phones (4.4 → 5.3 → 6.x →
// 7.x): a phone below a milestone whose target lies beyond it must install
// the milestone first. beyond is the first target major release that needs it.
var sipMilestones = []struct {
	major, minor int // the phone is below the milestone when before this
	beyond       int // targets of this major release or later need it
	step         Step
}{
	{4, 4, 5, Step{"sip", "4.4"}},
	{5, 3, 6, Step{"sip", "5.3"}},
	{6, 0, 7, Step{"sip", "6.x"}},
	{7, 0, 8, Step{"sip", "7.x"}},
}

// UpgradePath applies Cisco's upgrade matrix for 7940/7960 phones: can a
// phone running from take to, and if not, what must it run first.
// A universal application loader target is judged by the protocol of the
// application it brings (the caller passes the application's release).
func UpgradePath(from, to Release) Path {
	if from.Signed() && !to.Signed() {
		// No step helps: the phone will never take an unsigned image again.
		return Path{Blocker: BlockDowngrade}
	}
	switch {
	case from.Protocol == "sccp" && to.Protocol == "sip" && from.Major < 5:
		steps := []Step{{"sccp", "5.x"}}
		return Path{Blocker: BlockSCCPToSIP, Steps: steps}
	case from.Protocol == "sip" && to.Protocol == "sccp" && from.Before(2, 2) && len(to.Name) > 8:
		return Path{Blocker: BlockSIPLongName, Steps: []Step{{"sip", "2.3"}}}
	case from.Protocol == "sip" && to.Protocol == "sccp" && from.Major <= 4:
		// Cisco's note: from SIP 3.x or earlier install the latest SCCP 4.x,
		// then 5.x; from SIP 4.x or earlier reach SCCP 6.3 before anything
		// later.
		var steps []Step
		if from.Major <= 3 && to.Major >= 5 {
			steps = append(steps, Step{"sccp", "4.x"})
			if to.Major >= 6 {
				steps = append(steps, Step{"sccp", "5.x"})
			}
		}
		if to.Major > 6 || to.Major == 6 && to.Minor > 3 {
			steps = append(steps, Step{"sccp", "6.3"})
		}
		if len(steps) > 0 {
			return Path{Blocker: BlockSIPToSCCP, Steps: steps}
		}
	case from.Protocol == "sip" && to.Protocol == "sip" && from.Major <= 4:
		// Cisco states the path for 2.x–4.x; SIP 1.x (P0S30100, the image
		// of Cisco's note) predates it and cannot skip more than 2.x can.
		var steps []Step
		for _, m := range sipMilestones {
			if from.Before(m.major, m.minor) && to.Major >= m.beyond {
				steps = append(steps, m.step)
			}
		}
		if len(steps) > 0 {
			return Path{Blocker: BlockSIPPath, Steps: steps}
		}
	}
	return Path{}
}
