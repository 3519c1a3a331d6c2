package check

import (
	"crypto"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
)

// Finding is one problem check found. The JSON names are a stable schema
// (docs/check.md).
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	File     string   `json:"file"`   // the file concerned; "" for the root as a whole
	Line     int      `json:"line"`   // 1-based line in File; 0 when about the whole file
	Phones   []string `json:"phones"` // MACs affected (needs --fleet); empty when unknown or all
	Message  string   `json:"message"`
	Symptom  string   `json:"symptom"` // what the phone shows or does
	Fix      string   `json:"fix"`
	Steps    []string `json:"steps"` // intermediate releases to install first, in order (upgrade rules)
}

// CompileFunc compiles a text profile (gkdefault.txt, ld<mac>.txt, …) the
// way Cisco's cfgfmt does with the user's tag table. include returns the
// content of another file of the root (for include: lines), or nil.
type CompileFunc func(name string, src []byte, include func(name string) []byte) ([]byte, error)

// Options tunes Check.
type Options struct {
	Fleet   []Phone            // phones that will boot from the root; nil judges the drop alone
	Trust   []crypto.PublicKey // keys signed files must verify with; nil skips signature-untrusted
	Compile CompileFunc        // compiles text profiles; nil skips profile-stale
	Ignore  []string           // rule ids not to run
	Strict  bool               // warnings fail the check too
}

// Report is the outcome of Check.
type Report struct {
	Path        string    // the drop or root checked
	Files       int       // files in it
	Findings    []Finding // sorted: severity, file, line, rule, message
	Assumptions []string  // what was assumed for lack of --fleet, --table or --trust
	Ignored     []string  // rule ids skipped by request
	Strict      bool
	// Unread is set when the root could not be read at all (CheckPath's
	// case collision): Files is then 0 because nothing was counted.
	Unread bool
}

// Count returns the number of findings of severity s.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Errors returns the number of error findings.
func (r *Report) Errors() int { return r.Count(SeverityError) }

// Warnings returns the number of warning findings.
func (r *Report) Warnings() int { return r.Count(SeverityWarning) }

// Failed reports whether the check fails: any error, or with Strict any warning.
func (r *Report) Failed() bool {
	return r.Errors() > 0 || r.Strict && r.Warnings() > 0
}

// checker holds the state of one Check run.
type checker struct {
	d       *drop.Drop
	opts    Options
	ignored map[string]bool
	// byName and byFold are the files sorted by name and by name with
	// case ignored (then in drop order; byFold as indexes into d.Files):
	// searched, not hashed, so that a root of a million files costs at
	// most 12 bytes a file here (issue 16), 4 when drop.Open sorted them.
	byName []*drop.File
	byFold []int32
	rep    *Report
	offers []offerRef // allOffers and offerAt read them
	fleet  []fleetPhone
	apps   map[string]appRel // appRelease cache

	offersByMAC  map[string][]int // per-device offers by MAC
	sharedOffers []int            // offers of shared files
	offerCopies  map[int]*offer   // offerPtr's, by index into offers
	fleetByMAC   map[string]int   // index into fleet
	dirRoot      bool             // the root is a directory, so permissions mean something
	named        map[string]bool  // files device-name judged: not also unknown-file
	// judgedLines are file lines a rule of their own reported: the
	// parser's problem there is not also parse-problem.
	judgedLines map[string]map[int]bool
	inSubdir    map[string]*drop.File // known files below the top, by base name
	folded      map[string][]string   // references not-at-root accounts for, by top directory
	// foldedPhones are the fleet phones those references concern.
	foldedPhones map[string][]string
	// neededFromTop marks folders that files outside them refer to.
	neededFromTop map[string]bool
	knownAtTop    int // known files at the top of the root (not in a folder)
	// noImages is set when the root holds no firmware image at all: a
	// configuration-only root (phones keep the image in flash), where a
	// named image or .loads part that is absent is image-not-in-root.
	noImages bool
	locales  map[string]bool // locale folders (United_States/), by full path with the slash
	md5Want  []md5Want       // 792x parts whose MD5 the manifest gives
	// images caches resolveImage by name: thousands of per-phone files
	// name the same few loads.
	images map[string]resolvedImage
}

// maxResolvedImages bounds resolveImage's cache, so that a root whose
// phones each name another load does not grow it a record a phone.
const maxResolvedImages = 1024

// resolvedImage is one answer of resolveImage.
type resolvedImage struct{ exact, folded []*drop.File }

// Run runs every rule of the registry (except those ignored) over the
// drop and returns the findings. It reads nothing but the drop model, except
// for signature verification with opts.Trust, which re-reads signed files.
func Run(d *drop.Drop, opts Options) *Report {
	return run(d, opts).rep
}

// run is Run returning the whole checker, whose state TestLiveHeap
// measures.
func run(d *drop.Drop, opts Options) *checker {
	c := &checker{
		d:       d,
		opts:    opts,
		ignored: map[string]bool{},
		rep:     &Report{Path: d.Path, Files: len(d.Files), Strict: opts.Strict},
		apps:    map[string]appRel{},
		named:   map[string]bool{},
	}
	for _, id := range opts.Ignore {
		if !c.ignored[id] {
			c.ignored[id] = true
			c.rep.Ignored = append(c.rep.Ignored, id)
		}
	}
	sort.Strings(c.rep.Ignored)
	// Desktop metadata is listed and then left out of every other rule:
	// a macOS ._P0S3-8-12-00.sb2 is no image, whatever its extension.
	var junk []*drop.File
	if n := countMetadata(d.Files); n > 0 {
		kept := make([]*drop.File, 0, len(d.Files)-n)
		for _, f := range d.Files {
			if isDesktopMetadata(f.Name) {
				junk = append(junk, f)
			} else {
				kept = append(kept, f)
			}
		}
		view := *d
		view.Files = kept
		c.d = &view
	}
	c.index()
	for _, f := range junk {
		c.add("desktop-metadata", f.Name, 0, nil, "%s is desktop metadata, not part of the firmware", f.Name)
	}
	c.dirRoot = d.Container == "dir" || d.Container == "" && isDir(d.Path)
	c.locales = localeDirs(c.d.Files)
	for _, f := range c.d.Files {
		if c.placed(f) && strings.IndexByte(f.Name, '/') < 0 {
			c.knownAtTop++
		}
	}
	c.noImages = !hasImages(c.d.Files)
	c.offers = c.collectOffers()
	c.fleet = c.resolveFleet()

	c.checkOS79XX()
	c.checkImageRefs()
	c.checkLoads()
	c.checkPartDigests()
	c.checkSigned()
	c.checkSignatures()
	c.checkNames()
	c.checkProtocols()
	c.checkUpgrades()
	c.checkRings()
	c.checkProfiles()
	c.checkTFTP()
	c.checkRest()
	c.checkReal()

	sortFindings(c.rep.Findings)
	return c
}

// isDesktopMetadata recognises what macOS Finder and Windows Explorer leave
// in folders and zips.
func isDesktopMetadata(name string) bool {
	base := cisco.BaseName(name)
	switch strings.ToLower(base) {
	case ".ds_store", "thumbs.db", "desktop.ini":
		return true
	}
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(base, "._")
}

func countMetadata(fs []*drop.File) int {
	n := 0
	for _, f := range fs {
		if isDesktopMetadata(f.Name) {
			n++
		}
	}
	return n
}

// add records a finding of rule id unless the rule is ignored.
func (c *checker) add(id, file string, line int, phones []string, format string, args ...any) *Finding {
	if c.ignored[id] {
		return nil
	}
	r, ok := registryIndex[id]
	if !ok {
		panic("bundle: check: rule " + id + " is not in the registry")
	}
	if phones == nil {
		phones = []string{}
	}
	c.rep.Findings = append(c.rep.Findings, Finding{
		Rule: id, Severity: r.Severity, File: file, Line: line, Phones: phones,
		Message: fmt.Sprintf(format, args...), Symptom: r.Symptom, Fix: r.Fix, Steps: []string{},
	})
	return &c.rep.Findings[len(c.rep.Findings)-1]
}

// assume records an assumption once.
func (c *checker) assume(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, a := range c.rep.Assumptions {
		if a == s {
			return
		}
	}
	c.rep.Assumptions = append(c.rep.Assumptions, s)
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity.rank() != b.Severity.rank() {
			return a.Severity.rank() < b.Severity.rank()
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

// lookup resolves a reference to a file name: the exact file, or nil and the
// files that match only when case is ignored.
func (c *checker) lookup(name string) (*drop.File, []*drop.File) {
	if f := c.file(name); f != nil {
		return f, nil
	}
	return nil, c.fold(name)
}

// refImageExts are the files an image name can stand for, in the order a
// phone would use them.
var refImageExts = []string{".loads", ".sbn", ".bin", ".sbin", ".zup"}

// resolveImage finds the files an image name stands for. It returns the
// exact files present and, when there are none, case-insensitive matches.
// The answer is cached: callers must not change the slices.
func (c *checker) resolveImage(name string) (exact, folded []*drop.File) {
	if r, ok := c.images[name]; ok {
		return r.exact, r.folded
	}
	exact, folded = c.resolveImageUncached(name)
	if c.images == nil {
		c.images = make(map[string]resolvedImage)
	}
	if len(c.images) < maxResolvedImages {
		c.images[name] = resolvedImage{exact, folded}
	}
	return exact, folded
}

func (c *checker) resolveImageUncached(name string) (exact, folded []*drop.File) {
	exts := refImageExts
	if cisco.Is792x(name) {
		exts = append([]string{".LOADS"}, exts...) // 792x phones ask for CP7921G-….LOADS
	}
	for _, ext := range exts {
		f, fold := c.lookup(name + ext)
		if f != nil {
			exact = append(exact, f)
		}
		folded = append(folded, fold...)
	}
	if len(exact) > 0 {
		return exact, nil
	}
	return nil, folded
}

// refer checks that a reference from file:line to target resolves exactly
// (what introduces it in messages: "RINGLIST.DAT names");
// otherwise it reports reference-case (a match ignoring case) or the rule
// missing. It returns the file when found.
func (c *checker) refer(missing, file string, line int, target, what string) *drop.File {
	f, fold := c.lookup(target)
	if f != nil {
		return f
	}
	if len(fold) > 0 {
		c.add("reference-case", file, line, c.phonesReading(file), "%s %q but the root has %q: TFTP names are case-exact", what, target, fold[0].Name)
		return nil
	}
	if c.foldMisplaced(file, line, target, target) {
		return nil
	}
	c.add(missing, file, line, c.phonesReading(file), "%s %q, which is not in the root", what, target)
	return nil
}

// imageFiles are the files an image name can stand for (refImageExts).
func imageFiles(name string) []string {
	out := make([]string, len(refImageExts))
	for i, ext := range refImageExts {
		out[i] = name + ext
	}
	return out
}

// foldMisplaced handles a reference from file:line to target that fails
// at the top of the root: when one of candidates is in a subdirectory
// instead, the not-at-root finding of that directory accounts for it and
// foldMisplaced reports true. With not-at-root ignored nothing is folded
// (it reports false): the failures must then show one by one.
func (c *checker) foldMisplaced(file string, line int, target string, candidates ...string) bool {
	if c.inSubdir == nil {
		c.inSubdir = map[string]*drop.File{}
		for _, f := range c.d.Files {
			if c.placed(f) && strings.IndexByte(f.Name, '/') >= 0 {
				if b := cisco.BaseName(f.Name); c.inSubdir[b] == nil {
					c.inSubdir[b] = f
				}
			}
		}
	}
	for _, cand := range candidates {
		f := c.inSubdir[cand]
		if f == nil {
			continue
		}
		dir := f.Name[:strings.IndexByte(f.Name, '/')+1]
		if c.folded == nil {
			c.folded = map[string][]string{}
		}
		at := file
		if line > 0 {
			at = fmt.Sprintf("%s:%d", file, line)
		}
		c.folded[dir] = append(c.folded[dir], fmt.Sprintf("%s names %s, which is %s", at, target, f.Name))
		if c.foldedPhones == nil {
			c.foldedPhones = map[string][]string{}
		}
		c.foldedPhones[dir] = append(c.foldedPhones[dir], c.phonesReading(file)...)
		// A reference from inside the same folder matters only if the
		// folder were the root: with files at the top, it is a folder no
		// phone reads (folder-not-read), and nothing at the top needs it.
		if strings.HasPrefix(file, dir) && c.knownAtTop > 0 {
			return !c.ignored["folder-not-read"]
		}
		if c.neededFromTop == nil {
			c.neededFromTop = map[string]bool{}
		}
		c.neededFromTop[dir] = true
		return !c.ignored["not-at-root"]
	}
	return false
}

// names formats a list of file names for messages.
func names(fs []*drop.File) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Name
	}
	return strings.Join(s, ", ")
}

// RunPath opens the drop or TFTP root at path and checks it. A root that
// Open refuses because two names differ only in case comes back as a report
// with a case-collision finding rather than an error, so that check says
// what the phone will suffer and how to fix it; nothing else could be
// judged then, and the report's assumptions say so. Other refusals are
// errors.
func RunPath(path string, open drop.OpenOptions, opts Options) (*Report, error) {
	// A directory root may keep case aliases on purpose (RINGLIST.XML
	// beside ringlist.xml): they are judged by case-alias and
	// case-collision, never a reason to stop reading.
	open.Limits.CaseAliases = true
	d, err := drop.Open(path, open)
	if err == nil {
		return Run(d, opts), nil
	}
	var ee *container.EntryError
	if !errors.As(err, &ee) {
		return nil, err
	}
	// Only case collisions: a refusal whose rule is a mere warning would
	// let a root nobody could read pass with exit 0.
	if !errors.Is(err, container.ErrCaseCollision) {
		return nil, err
	}
	const rule = "case-collision"
	c := &checker{d: &drop.Drop{Path: path}, opts: opts, ignored: map[string]bool{}, rep: &Report{Path: path, Strict: opts.Strict, Unread: true}}
	for _, id := range opts.Ignore {
		c.ignored[id] = true
	}
	if c.ignored[rule] {
		return nil, err // the user asked not to hear of it, but nothing can be read past it
	}
	msg := strings.TrimPrefix(ee.Err.Error(), "bundle: ")
	if ee.Detail != "" {
		msg += ": " + ee.Detail
	}
	c.add(rule, ee.Entry, 0, nil, "%s", msg)
	c.assume("the root could not be read past %q: no other rule was judged; fix it and run check again", ee.Entry)
	return c.rep, nil
}
