// Package plan stages a fleet's move to a target load, following Cisco's
// upgrade matrix: ordered stages, each a TFTP root that moves every phone
// one step (an intermediate load, or the target), with the drops it needs
// (docs/simulate.md, "phoneload plan"). Each stage's root can be written
// out; boot's simulator is the proof that every phone moves forward at
// every stage and lands on the target.
package plan

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
)

// Target is what --to names: a protocol and a release.
type Target struct {
	Protocol string // "sip" or "sccp"
	Major    int
	Minor    int
	Maint    int  // SCCP aa.bb(cc): cc
	HasMaint bool // written with (cc)
}

func (t Target) String() string {
	s := fmt.Sprintf("%s %d.%d", strings.ToUpper(t.Protocol), t.Major, t.Minor)
	if t.HasMaint {
		s += fmt.Sprintf("(%d)", t.Maint)
	}
	return s
}

// ParseTarget reads PROTOCOL-VERSION: sip-8.12, SIP 8.12, sccp-8.1(2).
func ParseTarget(s string) (Target, error) {
	t := Target{}
	low := strings.ToLower(strings.TrimSpace(s))
	proto, ver, ok := strings.Cut(strings.Replace(low, " ", "-", 1), "-")
	if !ok || (proto != "sip" && proto != "sccp") {
		return t, fmt.Errorf("plan: --to %q: want PROTOCOL-VERSION, e.g. sip-8.12 or sccp-8.1(2)", s)
	}
	t.Protocol = proto
	if i := strings.IndexByte(ver, '('); i >= 0 && strings.HasSuffix(ver, ")") {
		m, err := strconv.Atoi(ver[i+1 : len(ver)-1])
		if err != nil {
			return t, fmt.Errorf("plan: --to %q: bad version", s)
		}
		t.Maint, t.HasMaint, ver = m, true, ver[:i]
	}
	a, b, ok := strings.Cut(ver, ".")
	var err1, err2 error
	t.Major, err1 = strconv.Atoi(a)
	t.Minor, err2 = strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || t.Major < 0 || t.Minor < 0 {
		return t, fmt.Errorf("plan: --to %q: bad version (want MAJOR.MINOR)", s)
	}
	return t, nil
}

// Drop is a firmware drop found in --drops: a directory or zip, and the
// loads it carries.
type Drop struct {
	Path  string   `json:"path"`
	Loads []string `json:"loads"` // load names (no extension)
	files []string
}

// ScanDrops lists the drops in dir: each subdirectory and each zip.
func ScanDrops(dir string) ([]*Drop, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("plan: --drops: %w", err)
	}
	var out []*Drop
	for _, e := range es {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() && !strings.HasSuffix(strings.ToLower(e.Name()), ".zip") {
			continue
		}
		d := &Drop{Path: p, Loads: []string{}}
		err := container.Walk(p, container.Limits{}, func(en container.Entry, r io.Reader) error {
			d.files = append(d.files, en.Name)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		for _, f := range d.files {
			if strings.Contains(f, "/") {
				continue
			}
			ln, ok := cisco.ParseLoadName(f)
			if !ok || ln.Ext == "" {
				continue
			}
			switch {
			case ln.Ext == ".loads" && ln.Family != cisco.Family79x1Term,
				ln.Ext == ".bin" && !ln.Loader && !slices.Contains(d.files, ln.Name+".loads"),
				ln.Ext == ".sbin":
				if !slices.Contains(d.Loads, ln.Name) {
					d.Loads = append(d.Loads, ln.Name)
				}
			}
		}
		sort.Strings(d.Loads)
		out = append(out, d)
	}
	return out, nil
}

// Move is one phone going from one load to the next in a stage.
type Move struct {
	MAC   string `json:"mac"`
	Model string `json:"model"`
	From  string `json:"from"`
	To    string `json:"to"`
	Step  string `json:"step"` // the matrix step ("SIP 5.3") or "target"
}

// Need is a load a stage needs, and the drop that has it.
type Need struct {
	Load string `json:"load"`
	Drop string `json:"drop"` // "" when no drop in --drops has it
	Want string `json:"want"` // what to get, when missing: "a SIP 5.3 load for 7940/7960"
}

// Stage is one root the fleet boots from, in order.
type Stage struct {
	N       int      `json:"n"`
	Moves   []Move   `json:"moves"`
	Stay    []string `json:"stay"`  // MACs already on their target
	Loads   []Need   `json:"loads"` // the images this root must hold
	Configs []string `json:"configs"`
	Notes   []string `json:"notes"`
	configs map[string][]byte
}

// PhonePath is one phone's way to the target.
type PhonePath struct {
	MAC     string   `json:"mac"`
	Model   string   `json:"model"`
	From    string   `json:"from"`
	Target  string   `json:"target"`
	Path    []string `json:"path"`              // loads in order, the target last; empty when it runs it already
	Blocked string   `json:"blocked,omitempty"` // why it cannot get there
}

// Site is the site's own configuration, which stage roots are made from
// instead of minimal generated files.
type Site struct {
	// SIPDefault and XMLDefault are the site's files; nil: generated.
	// SIPDefault gets each stage's image_version (except in a stage SIP
	// 2.x phones boot: W210-safe, image_version alone); XMLDefault is
	// copied (per-device files give the fleet's phones their loads).
	SIPDefault, XMLDefault []byte
	// Profiles are text profile templates by name (gkdefault.txt,
	// lddefault.txt): their upgradecode is rewritten to the target image
	// of the 7912 (7905) phones and compiled with Compile into the
	// compiled name (gkdefault.cfg).
	Profiles map[string][]byte
	Compile  func(name string, src []byte) ([]byte, error)
}

// Plan is the staged move of a fleet.
type Plan struct {
	To      string      `json:"to"`
	Phones  []PhonePath `json:"phones"`
	Stages  []*Stage    `json:"stages"`
	Missing []Need      `json:"missing"`
	drops   []*Drop
	site    Site
}

// Make plans the move of fleet to t with the loads of drops.
func Make(fleet []check.Phone, t Target, drops []*Drop, site Site) (*Plan, error) {
	p := &Plan{To: t.String(), Phones: []PhonePath{}, Stages: []*Stage{}, Missing: []Need{}, drops: drops, site: site}
	missing := map[string]bool{}
	for _, ph := range fleet {
		pp := p.path(ph, t)
		p.Phones = append(p.Phones, pp)
		if n := len(pp.Path); pp.Blocked != "" && n > 0 && strings.HasPrefix(pp.Path[n-1], "?") && !missing[pp.Path[n-1]] {
			missing[pp.Path[n-1]] = true
			p.Missing = append(p.Missing, p.need(pp.Path[n-1], pp.Model))
		}
	}
	n := 0
	for _, pp := range p.Phones {
		n = max(n, len(pp.Path))
	}
	cur := map[string]string{}
	for _, pp := range p.Phones {
		cur[pp.MAC] = pp.From
	}
	for k := 0; k < n; k++ {
		st := &Stage{N: k + 1, Moves: []Move{}, Stay: []string{}, Loads: []Need{}, Configs: []string{}, Notes: []string{}, configs: map[string][]byte{}}
		next := map[string]string{}
		for _, pp := range p.Phones {
			if pp.Blocked != "" {
				next[pp.MAC] = cur[pp.MAC]
				continue
			}
			if k < len(pp.Path) {
				to := pp.Path[k]
				step := "target"
				if k < len(pp.Path)-1 {
					step = describeStep(to)
				}
				st.Moves = append(st.Moves, Move{MAC: pp.MAC, Model: pp.Model, From: cur[pp.MAC], To: to, Step: step})
				next[pp.MAC] = to
				if !slices.ContainsFunc(st.Loads, func(x Need) bool { return x.Load == to }) {
					nd := p.need(to, pp.Model)
					st.Loads = append(st.Loads, nd)
					if nd.Drop == "" && !missing[to] {
						missing[to] = true
						p.Missing = append(p.Missing, nd)
					}
				}
			} else {
				st.Stay = append(st.Stay, pp.MAC)
				next[pp.MAC] = cur[pp.MAC]
			}
		}
		if err := p.configure(st, cur, next); err != nil {
			return nil, err
		}
		p.Stages = append(p.Stages, st)
		cur = next
	}
	return p, nil
}

func describeStep(load string) string {
	if r, ok := check.ParseRelease(load); ok {
		return r.String()
	}
	return load
}

// path applies Cisco's matrix from the phone's load to the target.
func (p *Plan) path(ph check.Phone, t Target) PhonePath {
	pp := PhonePath{MAC: ph.MAC, Model: ph.Model, From: ph.Load, Path: []string{}}
	fam := boot.Family(ph.Model)
	switch fam {
	case "7940":
		target := p.find7940(t.Protocol, t.Major, t.Minor, t.Maint, t.HasMaint)
		if target == "" {
			target = canonical(t)
		}
		pp.Target = target
		to, ok := check.ParseRelease(target)
		cur, ok2 := check.ParseRelease(ph.Load)
		if !ok || !ok2 {
			pp.Blocked = fmt.Sprintf("%q is not a 7940/7960 load name", ph.Load)
			return pp
		}
		for i := 0; i < 8 && cur.Name != target; i++ {
			up := check.UpgradePath(cur, to)
			if up.Blocker == check.BlockDowngrade {
				pp.Blocked = fmt.Sprintf("%s runs a signed image: it refuses the unsigned %s", ph.Load, target)
				return pp
			}
			if up.Blocker == "" {
				pp.Path = append(pp.Path, target)
				break
			}
			// Every step of the verdict, in order: Cisco's SIP path
			// binds a 2.x–4.x phone all the way (4.4 → 5.3 → 6.x → 7.x).
			for _, st := range up.Steps {
				l := p.findStep(st)
				if l == "" {
					pp.Blocked = fmt.Sprintf("Cisco's matrix needs %s first (%s) and no drop in --drops has one", st, up.Blocker)
					pp.Path = append(pp.Path, "?"+st.String())
					return pp
				}
				pp.Path = append(pp.Path, l)
				cur, _ = check.ParseRelease(l)
			}
		}
	case "79x1", "7912", "7905":
		target := p.findFamily(ph.Model, t.Protocol)
		if target == "" {
			pp.Blocked = fmt.Sprintf("no %s load for the %s in --drops", strings.ToUpper(t.Protocol), ph.Model)
			return pp
		}
		pp.Target = target
		if target != ph.Load {
			pp.Path = append(pp.Path, target)
		}
	default:
		pp.Blocked = fmt.Sprintf("the %s is not planned (7940, 7960, 7910, 79x1, 7905, 7912)", ph.Model)
	}
	return pp
}

// canonical is the load name of a target no drop has, in Cisco's form.
func canonical(t Target) string {
	if t.Protocol == "sccp" {
		return fmt.Sprintf("P003%02d%02d%02d00", t.Major, t.Minor, t.Maint)
	}
	if t.Major < 3 {
		return fmt.Sprintf("P0S3%02d%02d", t.Major, t.Minor)
	}
	return fmt.Sprintf("P0S3-%02d-%d-00", t.Major, t.Minor)
}

// find7940 returns the 7940/7960 load of the drops for a release
// (maint < 0: any), the newest when several match.
func (p *Plan) find7940(proto string, major, minor, maint int, useMaint bool) string {
	best := ""
	var bestRel check.Release
	for _, d := range p.drops {
		for _, l := range d.Loads {
			r, ok := check.ParseRelease(l)
			if !ok || r.Protocol != proto || r.Major != major || minor >= 0 && r.Minor != minor || useMaint && r.Maint != maint {
				continue
			}
			if best == "" || r.Minor > bestRel.Minor || r.Minor == bestRel.Minor && r.Maint > bestRel.Maint {
				best, bestRel = l, r
			}
		}
	}
	return best
}

// findStep returns a load of the drops for a matrix step ("SIP 5.3",
// "SIP 6.x", "SCCP 5.x").
func (p *Plan) findStep(st check.Step) string {
	maj, min, _ := strings.Cut(st.Release, ".")
	major, err := strconv.Atoi(maj)
	if err != nil {
		return ""
	}
	minor := -1
	if min != "x" {
		if minor, err = strconv.Atoi(min); err != nil {
			return ""
		}
	}
	return p.find7940(st.Protocol, major, minor, 0, false)
}

// findFamily returns the newest load of the drops for a 79x1, 7905 or
// 7912 model and protocol.
func (p *Plan) findFamily(model, proto string) string {
	best := ""
	var bestV cisco.Version
	for _, d := range p.drops {
		for _, l := range d.Loads {
			ln, ok := cisco.ParseLoadName(l)
			if !ok || string(ln.Protocol) != proto || !slices.Contains(ln.Models, model) {
				continue
			}
			if ln.Family != cisco.Family79x1 && ln.Family != cisco.FamilyCP {
				continue
			}
			if best == "" || ln.Version.Compare(bestV) > 0 {
				best, bestV = l, ln.Version
			}
		}
	}
	return best
}

// need says which drop has load.
func (p *Plan) need(load, model string) Need {
	for _, d := range p.drops {
		if slices.Contains(d.Loads, load) {
			return Need{Load: load, Drop: d.Path}
		}
	}
	want := "the load " + strings.TrimPrefix(load, "?")
	if r, ok := check.ParseRelease(load); ok {
		want = fmt.Sprintf("the 7940/7960 %s load %s (Cisco's cmterm-7940-7960 drop of that release)", r, load)
	} else if strings.HasPrefix(load, "?") {
		want = fmt.Sprintf("a %s load for the %s", strings.TrimPrefix(load, "?"), model)
	}
	return Need{Load: load, Want: want}
}

// configure writes a stage's configuration: per-device files naming each
// phone's load for the stage (what it moves to, or what it runs), and a
// W210-safe SIPDefault.cnf (image_version alone) [Cisco, seed: SIP 2.x
// phones fail on a larger one].
func (p *Plan) configure(st *Stage, cur, next map[string]string) error {
	sip2 := false
	sipLoad := ""
	for _, pp := range p.Phones {
		load := next[pp.MAC]
		from := cur[pp.MAC]
		switch boot.Family(pp.Model) {
		case "7940":
			// Both files: a phone that switches protocol in this stage
			// boots the new protocol's files right after the switch.
			if r, ok := check.ParseRelease(from); ok && r.Protocol == "sip" && r.Major <= 2 {
				sip2 = true
			}
			st.configs["SIP"+pp.MAC+".cnf"] = []byte("# phoneload plan stage " + strconv.Itoa(st.N) + "\nimage_version: " + load + "\n")
			st.configs["SEP"+pp.MAC+".cnf.xml"] = sepXML(st.N, load)
			if r, ok := check.ParseRelease(load); ok && r.Protocol == "sip" && sipLoad == "" {
				sipLoad = load
			}
		case "79x1":
			st.configs["SEP"+pp.MAC+".cnf.xml"] = sepXML(st.N, load)
		}
	}
	if sipLoad != "" {
		st.configs["SIPDefault.cnf"] = []byte("image_version: " + sipLoad + "\n")
		switch {
		case sip2:
			st.Notes = append(st.Notes, "SIPDefault.cnf holds image_version alone: phones on SIP 2.x fail to read a larger one (W210 TFTP error: buffer full)")
			if p.site.SIPDefault != nil {
				st.Notes = append(st.Notes, "the site's SIPDefault.cnf is held back in this stage for that reason")
			}
		case p.site.SIPDefault != nil:
			st.configs["SIPDefault.cnf"] = cisco.SetSIPImageVersion(p.site.SIPDefault, sipLoad)
		}
	}
	if p.site.XMLDefault != nil {
		st.configs["XMLDefault.cnf.xml"] = p.site.XMLDefault
	}
	for name, tmpl := range p.site.Profiles {
		if err := p.profile(st, name, tmpl); err != nil {
			return err
		}
	}
	for n := range st.configs {
		st.Configs = append(st.Configs, n)
	}
	sort.Strings(st.Configs)
	return nil
}

// profileModels maps default text profiles to the model they configure.
var profileModels = map[string]string{"gkdefault.txt": "7912", "lddefault.txt": "7905"}

// profile rewrites the upgradecode of a text profile template to the
// target image of its model's phones and compiles it [seed: "change
// gkdefault.txt … then run cfgfmt"].
func (p *Plan) profile(st *Stage, name string, tmpl []byte) error {
	model := profileModels[name]
	target := ""
	for _, pp := range p.Phones {
		if pp.Model == model && pp.Blocked == "" && pp.Target != "" {
			target = pp.Target
			break
		}
	}
	if model == "" || target == "" {
		return nil
	}
	if p.site.Compile == nil {
		return fmt.Errorf("plan: %s: compiling it needs a tag table (--table)", name)
	}
	ln, ok := cisco.ParseLoadName(target)
	if !ok {
		return fmt.Errorf("plan: %s: %q is not an image name", name, target)
	}
	lines := strings.SplitAfter(string(tmpl), "\n")
	found := false
	for i, l := range lines {
		k, v, ok := strings.Cut(strings.TrimRight(l, "\r\n"), ":")
		if !ok || strings.TrimSpace(k) != "upgradecode" {
			continue
		}
		u, err := cisco.ParseUpgradeCode("upgradecode", strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("plan: %s:%d: %w", name, i+1, err)
		}
		u.ImageID, u.File = ln.ImageID, target+".sbin"
		eol := l[len(strings.TrimRight(l, "\r\n")):]
		lines[i] = "upgradecode:" + u.String() + eol
		found = true
	}
	if !found {
		return fmt.Errorf("plan: %s has no upgradecode line to point at %s", name, target)
	}
	bin, err := p.site.Compile(name, []byte(strings.Join(lines, "")))
	if err != nil {
		return fmt.Errorf("plan: %s: %w", name, err)
	}
	st.configs[strings.TrimSuffix(name, ".txt")+".cfg"] = bin
	return nil
}

func sepXML(stage int, load string) []byte {
	return []byte(fmt.Sprintf("<device>\n<!-- phoneload plan stage %d -->\n<loadInformation>%s</loadInformation>\n</device>\n", stage, load))
}

// configFile reports the configuration files of a drop that a stage's
// own configuration replaces (they would name the drop's load for
// everyone).
func configFile(name string) bool {
	b := path.Base(name)
	switch {
	case b == "OS79XX.TXT", b == "SIPDefault.cnf", b == "XMLDefault.cnf.xml",
		strings.HasPrefix(b, "SEP") && strings.HasSuffix(b, ".cnf.xml"),
		strings.HasPrefix(b, "SIP") && strings.HasSuffix(b, ".cnf"),
		strings.HasSuffix(b, ".txt"), strings.HasPrefix(b, "term") && strings.HasSuffix(b, ".default.loads"):
		return true
	}
	// Per-device compiled profiles of the drop: the stage keeps only the
	// default one.
	if m := boot.ProfileMAC(b); m != "" {
		return true
	}
	return false
}
