package probe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/tftpmap"
)

// MaxProbeFileSize caps what Probe downloads for a file the bundle lacks.
const MaxProbeFileSize = 64 << 20

// MaxListed caps the names Probe follows out of one list the server
// sends (the parts of a .loads, the rings of RINGLIST.DAT): real ones hold
// a handful, and each name costs a request, so a hostile or broken list
// cannot keep a probe busy for hours.
const MaxListed = 256

// Fetcher downloads one file from a TFTP server. An error that has a
// NotFound() bool method returning true is the server's "File not found".
type Fetcher interface {
	Fetch(name string, w io.Writer, max int64) (int64, error)
}

// Options control Probe.
type Options struct {
	MAC   string // the phone to imitate; without one, per-phone files are skipped
	Model string // 7940, 7960, 7905, 7912, 7911, 7941, …; default 7960
	All   bool   // after the boot sequence, fetch every other file of the bundle too
	// Verify, when set, verifies the bundle (bundle.Verify) before the
	// server is asked anything; a failure is a *bundle.VerifyError.
	Verify *bundle.VerifyOptions
	Limits container.Limits // zero fields mean container.DefaultBundleLimits
	// Map, when set, is the server's tftpd-hpa --map-file: a requested
	// name is compared with the bundle file the rules send it to.
	Map *tftpmap.Map
}

// File is the result for one file asked for.
type File struct {
	Name      string `json:"name"`
	Phase     string `json:"phase"` // boot (the phone's sequence) or bundle (--all)
	Why       string `json:"why"`   // why the phone asks for it
	Status    string `json:"status"`
	Size      int64  `json:"size"`                 // in the bundle, -1 when absent
	GotSize   int64  `json:"got_size"`             // from the server, -1 when not received
	SHA256    string `json:"sha256,omitempty"`     // in the bundle
	GotSHA256 string `json:"got_sha256,omitempty"` // from the server
	Error     string `json:"error,omitempty"`
}

// Probe statuses. Only ok and absent are good.
const (
	ProbeOK        = "ok"        // the server sends exactly the bundle's file
	ProbeAbsent    = "absent"    // neither has it, and the server says "File not found": the phone moves on
	ProbeMissing   = "missing"   // the bundle has it, the server says "File not found"
	ProbeDifferent = "different" // the server sends other bytes
	// ProbeSite: the server sends a file the bundle does not have, a site
	// file (SEP<MAC>.cnf.xml, a CTL, the site's own configuration): listed
	// as verify --root lists the files of a root beside its bundle, not a
	// failure.
	ProbeSite = "site"
	// ProbeUnexpected: the server sends firmware (an image, a .loads)
	// the bundle does not have: the phone would take code the bundle
	// does not vouch for.
	ProbeUnexpected = "unexpected"
	ProbeError      = "error" // any other answer (other error code, timeout): a phone's hunt stops here
)

// Result is the outcome of a Probe.
type Result struct {
	Bundle string `json:"bundle"`
	MAC    string `json:"mac,omitempty"`
	Model  string `json:"model"`
	Files  []File `json:"files"`
}

// Count returns how many files have the given status.
func (r *Result) Count(status string) int {
	n := 0
	for _, f := range r.Files {
		if f.Status == status {
			n++
		}
	}
	return n
}

// probeModelIDs maps phone models to the number in XMLDefault.cnf.xml's
// loadInformationNNN elements.
var probeModelIDs = map[string]string{
	"7910": "6", "7960": "7", "7940": "8", "7935": "9", "7914": "124", "7905": "20000",
	"7912": "30007", "7902": "30008", "7970": "30006", "7941": "115", "7961": "30018",
	"7911": "307", "7906": "369", "7945": "435", "7965": "436",
}

// Models lists the phone models Probe knows the boot sequence of.
func Models() []string {
	models := make([]string, 0, len(probeModelIDs))
	for m := range probeModelIDs {
		models = append(models, m)
	}
	sort.Strings(models)
	return models
}

type probeBundleFile struct {
	size int64
	sum  string
}

// Run asks a live TFTP server for the files a phone of the given model
// would ask for, in the order it would (docs/publish.md lists the
// sequences), and compares every byte with the bundle.
func Run(src string, f Fetcher, opts Options) (*Result, error) {
	// Arguments first: a typo should not cost a whole verification.
	model := opts.Model
	if model == "" {
		model = "7960"
	}
	modelID, ok := probeModelIDs[model]
	if !ok {
		return nil, fmt.Errorf("bundle: probe: unknown model %q (known: %s)", model, strings.Join(Models(), ", "))
	}
	mac := ""
	if opts.MAC != "" {
		m, ok := check.NormalizeMAC(opts.MAC)
		if !ok {
			return nil, fmt.Errorf("bundle: probe: %q is not a MAC address", opts.MAC)
		}
		mac = m
	}
	if opts.Verify != nil {
		if res, err := bundle.Verify(src, *opts.Verify); err != nil {
			return nil, &bundle.VerifyError{Result: res, Err: err}
		}
	}
	lim := opts.Limits.Bundle()
	// Only sizes and hashes: the phone's path through the files is decided
	// by what the server sends, never by the bundle's copy.
	files := map[string]*probeBundleFile{}
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if bundle.IsBundleMeta(e.Name) {
			return nil
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		files[e.Name] = &probeBundleFile{size: e.Size, sum: hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	p := &prober{f: f, files: files, m: opts.Map, res: &Result{Bundle: src, MAC: mac, Model: model}, seen: map[string]bool{}}
	switch model {
	case "7905", "7912":
		p.boot7912(mac, model)
	case "7910", "7940", "7960":
		p.boot79xx(mac, modelID, true)
	default:
		p.boot79xx(mac, modelID, false)
	}
	if opts.All {
		var rest []string
		for name := range files {
			if !p.seen[name] {
				rest = append(rest, name)
			}
		}
		sort.Strings(rest)
		for _, name := range rest {
			p.get(name, "bundle", "in the bundle")
		}
	}
	return p.res, nil
}

type prober struct {
	f        Fetcher
	m        *tftpmap.Map
	files    map[string]*probeBundleFile
	res      *Result
	seen     map[string]bool
	answered bool // the server has answered something
	silent   bool // the server never answered: ask nothing more
}

// get fetches name once and records the result. It returns the server's
// content when it is small enough to follow (configurations, .loads).
func (p *prober) get(name, phase, why string) []byte {
	if p.seen[name] || p.silent {
		return nil
	}
	p.seen[name] = true
	pf := File{Name: name, Phase: phase, Why: why, Size: -1, GotSize: -1}
	bf := p.files[name]
	if bf == nil && p.m != nil {
		if n, err := p.m.Rewrite(name, tftpmap.Request{}); err == nil {
			bf = p.files[strings.TrimLeft(n, "/")]
		}
	}
	max := int64(MaxProbeFileSize)
	if bf != nil {
		pf.Size, pf.SHA256 = bf.size, bf.sum
		if bf.size >= max {
			max = bf.size + 1 // one byte more shows a longer file
		}
	}
	h := sha256.New()
	var buf bytes.Buffer
	n, err := p.f.Fetch(name, io.MultiWriter(h, &limitedBuffer{b: &buf, max: cisco.MaxConfigSize}), max)
	var nf interface{ NotFound() bool }
	var to interface{ Timeout() bool }
	if err != nil && errors.As(err, &to) && to.Timeout() && !p.answered {
		// Nothing listening there, most likely: every other request
		// would time out too, at the cost of all its retries.
		p.silent = true
		pf.Status, pf.Error = ProbeError, err.Error()+" (nothing more asked: the server has not answered anything)"
		p.res.Files = append(p.res.Files, pf)
		return nil
	}
	if err == nil || errors.As(err, &nf) {
		p.answered = true
	}
	switch {
	case err != nil && errors.As(err, &nf) && nf.NotFound():
		if bf != nil {
			pf.Status = ProbeMissing
		} else {
			pf.Status = ProbeAbsent
		}
	case err != nil:
		pf.Status, pf.Error = ProbeError, err.Error()
		if bf == nil {
			pf.Error += " (not \"File not found\": a phone stops hunting here)"
		}
	default:
		pf.GotSize, pf.GotSHA256 = n, hex.EncodeToString(h.Sum(nil))
		switch {
		case bf == nil && isFirmware(name):
			pf.Status = ProbeUnexpected
		case bf == nil:
			pf.Status = ProbeSite
		case pf.GotSHA256 == bf.sum:
			pf.Status = ProbeOK
		default:
			pf.Status = ProbeDifferent
		}
	}
	p.res.Files = append(p.res.Files, pf)
	if pf.GotSize >= 0 && pf.GotSize <= cisco.MaxConfigSize {
		return buf.Bytes()
	}
	return nil
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b.Write(p[:room])
	}
	return len(p), nil
}

// load fetches <name>.loads and the parts the server's copy lists, as the
// phone would.
func (p *prober) load(name, why string) {
	if name == "" {
		return
	}
	data := p.get(name+".loads", "boot", why)
	if data == nil {
		// Old images are named directly (.bin / .sbn), no manifest.
		return
	}
	for _, part := range p.listed(name+".loads", cisco.LoadsParts(data)) {
		p.get(part, "boot", "part listed by "+name+".loads")
	}
}

// listed returns at most MaxProbeListed names of a list the server sent;
// past that, the list's own result becomes an error.
func (p *prober) listed(list string, names []string) []string {
	if len(names) <= MaxListed {
		return names
	}
	for i := range p.res.Files {
		if f := &p.res.Files[i]; f.Name == list {
			if f.Status == ProbeOK {
				f.Status = ProbeError
			}
			f.Error = fmt.Sprintf("lists %d files, more than %d: only the first %d followed", len(names), MaxListed, MaxListed)
		}
	}
	return names[:MaxListed]
}

// boot79xx follows a 7940/7960 boot, as observed on a 7960 with SIP 8.12:
// CTLSEP, SEP<MAC>.cnf.xml, SIP<MAC>.cnf, MGC<MAC>.cnf, XMLDefault.cnf.xml,
// the load and its parts, SIPDefault.cnf, then the files the configurations
// name (SIP image, dial plan, rings). A 79x1 (classic is false) reads only
// the XML configurations and the load they name: OS79XX.TXT and the .cnf
// files are 7940/7960 things.
func (p *prober) boot79xx(mac, modelID string, classic bool) {
	if classic {
		p.get("OS79XX.TXT", "boot", "pre-7.x images read it first")
	}
	var sep, sip []byte
	if mac != "" {
		p.get("CTLSEP"+mac+".tlv", "boot", "trust list, asked for first")
		sep = p.get("SEP"+mac+".cnf.xml", "boot", "per-phone XML configuration")
		if classic {
			sip = p.get("SIP"+mac+".cnf", "boot", "per-phone SIP configuration")
			p.get("MGC"+mac+".cnf", "boot", "per-phone MGCP configuration")
		}
	}
	xml := p.get("XMLDefault.cnf.xml", "boot", "shared XML configuration")
	xmlLoad := ""
	for _, l := range cisco.LoadElements(xml) {
		if l.ModelID == modelID {
			xmlLoad = l.Value
		}
	}
	for _, l := range cisco.LoadElements(sep) {
		if l.ModelID == "" {
			xmlLoad = l.Value
		}
	}
	p.load(xmlLoad, "load named by the XML configuration")
	if !classic {
		return
	}
	def := p.get("SIPDefault.cnf", "boot", "shared SIP configuration")
	sipLoad, _ := cisco.SIPImageVersion(def)
	if v, ok := cisco.SIPImageVersion(sip); ok {
		sipLoad = v
	}
	p.load(sipLoad, "image_version of the SIP configuration")
	dial := ""
	for _, cfg := range [][]byte{def, sip} {
		for _, line := range strings.Split(string(cfg), "\n") {
			if n, v, ok := cisco.SIPLine(line); ok && strings.EqualFold(n, "dial_template") && v != "" {
				dial = v
			}
		}
	}
	if dial != "" {
		if !strings.Contains(dial, ".") {
			dial += ".xml"
		}
		p.get(dial, "boot", "dial_template of the SIP configuration")
	}
	if rl := p.get("RINGLIST.DAT", "boot", "ring list"); rl != nil {
		var rings []string
		for _, line := range strings.Split(string(rl), "\n") {
			if _, file, ok := strings.Cut(strings.TrimRight(line, "\r"), "\t"); ok && strings.TrimSpace(file) != "" {
				rings = append(rings, strings.TrimSpace(file))
			}
		}
		for _, ring := range p.listed("RINGLIST.DAT", rings) {
			p.get(ring, "boot", "ring named by RINGLIST.DAT")
		}
	}
}

// boot7912 follows a 7905/7912: its own profile (gk<mac> / ld<mac>, MAC in
// lower case), the default profile, then the image. The profiles are
// compiled binaries; the image asked for is every .sbin (and, for a 7905
// that cannot authenticate, .zup) of the bundle made for the model.
func (p *prober) boot7912(mac, model string) {
	prefix := "gk"
	if model == "7905" {
		prefix = "ld"
	}
	if mac != "" {
		p.get(prefix+strings.ToLower(mac), "boot", "per-phone profile")
	}
	p.get(prefix+"default.cfg", "boot", "shared profile")
	var imgs []string
	for name := range p.files {
		if strings.HasPrefix(name, "CP"+model) && (strings.HasSuffix(name, ".sbin") || strings.HasSuffix(name, ".zup")) {
			imgs = append(imgs, name)
		}
	}
	sort.Strings(imgs)
	for _, name := range imgs {
		p.get(name, "boot", "image for the "+model+" in the bundle")
	}
}

// isFirmware reports whether a name is a firmware file (image, manifest,
// signed part) rather than a site file.
func isFirmware(name string) bool {
	switch cisco.Identify(name, nil) {
	case cisco.KindImageBin, cisco.KindImageSBN, cisco.KindImageSB2, cisco.KindImageSBIN, cisco.KindImageZUP, cisco.KindLoads, cisco.KindSigned:
		return true
	}
	return false
}
