package probe

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/tftpmap"
)

// MaxProbeFileSize caps what Probe downloads for a file the bundle lacks.
const MaxProbeFileSize = 64 << 20

// MaxListed caps the names Probe follows out of one list the server
// sends (the parts of a .loads, the rings of RINGLIST.DAT): the phone's
// own cap, boot.MaxListed.
const MaxListed = boot.MaxListed

// Fetcher downloads one file from a TFTP server. An error that has a
// NotFound() bool method returning true is the server's "File not found".
type Fetcher interface {
	Fetch(name string, w io.Writer, max int64) (int64, error)
}

// Options control Probe.
type Options struct {
	MAC   string // the phone to imitate; without one, per-phone files are skipped
	Model string // 7940, 7960, 7905, 7912, 7911, 7941, …; default 7960
	// Running is the load in the phone's flash, as boot.Phone.Running;
	// EmptyFlash for none. Empty: a 7940/7960 on a signed pre-7.x image
	// of the bundle's protocol (DefaultRunningSIP when the bundle holds a
	// SIP .cnf, else DefaultRunningSCCP), any other model with an empty
	// flash.
	Running string
	// Protocol is what a phone with an empty flash asks for first (sip or
	// sccp), as boot.Phone.Protocol.
	Protocol string
	All      bool // after the boot sequence, fetch every other file of the bundle too
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
	Bundle  string `json:"bundle"`
	MAC     string `json:"mac,omitempty"`
	Model   string `json:"model"`
	Running string `json:"running"` // the load the phone was played with ("" empty flash)
	Files   []File `json:"files"`
	// Outcome is where the phone settled on what the server sent
	// (boot.Outcome: runs, or the symptom it stops with); absent when
	// the server never answered.
	Outcome *boot.Outcome `json:"outcome,omitempty"`
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

// Models lists the phone models Probe plays: every model bundle/boot
// models (7940/7960/7910, the 79x1, 7905, 7912; the ATA has no per-model
// name here).
func Models() []string {
	return []string{"7905", "7906", "7910", "7911", "7912", "7940", "7941", "7942", "7945", "7960", "7961", "7962", "7965", "7970", "7971", "7975"}
}

// Default running images of the phone Probe plays when Options.Running is
// empty (docs/publish.md, "Probe"): a 7940/7960 on a signed image from
// before 7.x, so that it reads OS79XX.TXT, fetches signed (.sbn) files
// and may take any load of either protocol (Cisco's matrix blocks none of
// these steps).
const (
	DefaultRunningSIP  = "P0S3-05-3-00" // SIP 5.3, the milestone of Cisco's SIP path
	DefaultRunningSCCP = "P00305000300" // SCCP 5.0(3)
	// EmptyFlash as Options.Running plays a phone with nothing in flash.
	EmptyFlash = "empty"
)

// noMAC stands for the MAC of a probe without one: its per-phone files are
// answered "File not found" without asking the server.
const noMAC = "000000000000"

type probeBundleFile struct {
	size int64
	sum  string
}

// Run asks a live TFTP server for the files a phone of the given model
// would ask for, in the order it would, and compares every byte with the
// bundle. The phone is played by bundle/boot's state machine (the model
// simulate, log and plan use): what it asks for next is decided by what
// the server sent, through the reboots of an upgrade, until it settles.
func Run(src string, f Fetcher, opts Options) (*Result, error) {
	// Arguments first: a typo should not cost a whole verification.
	model := opts.Model
	if model == "" {
		model = "7960"
	}
	if !slices.Contains(Models(), model) || boot.Family(model) == "" {
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
	sipBundle := false
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if bundle.IsBundleMeta(e.Name) {
			return nil
		}
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		files[e.Name] = &probeBundleFile{size: e.Size, sum: hex.EncodeToString(h.Sum(nil))}
		if cisco.Identify(e.Name, nil) == cisco.KindSIPConfig {
			sipBundle = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	running := opts.Running
	switch {
	case running == EmptyFlash:
		running = ""
	case running == "" && boot.Family(model) == "7940" && model != "7910":
		running = DefaultRunningSCCP
		if sipBundle {
			running = DefaultRunningSIP
		}
	}
	p := &prober{f: f, files: files, m: opts.Map, res: &Result{Bundle: src, MAC: mac, Model: model, Running: running},
		seen: map[string]*boot.Reply{}, mac: mac}
	phone := boot.Phone{MAC: mac, Model: model, Running: running, Protocol: opts.Protocol}
	if mac == "" {
		phone.MAC = noMAC
	}
	sim, err := boot.Simulate(p, phone)
	if err != nil {
		return nil, fmt.Errorf("bundle: probe: %w", err)
	}
	if !p.silent {
		p.res.Outcome = &sim.Outcome
	}
	// Why the phone asked, from its first request of each file.
	why := map[string]string{}
	for _, st := range sim.Steps {
		if _, ok := why[st.File]; !ok {
			why[st.File] = st.Why
		}
	}
	for i := range p.res.Files {
		if f := &p.res.Files[i]; f.Why == "" {
			f.Why = why[f.Name]
		}
	}
	// A list the phone did not follow whole is that file's error.
	for _, st := range sim.Steps {
		if st.Result == boot.Found && st.Message != "" {
			for i := range p.res.Files {
				if f := &p.res.Files[i]; f.Name == st.File {
					if f.Status == ProbeOK {
						f.Status = ProbeError
					}
					f.Error = st.Message
				}
			}
		}
	}
	if opts.All {
		var rest []string
		for name := range files {
			if p.seen[name] == nil {
				rest = append(rest, name)
			}
		}
		sort.Strings(rest)
		for _, name := range rest {
			if p.silent {
				break
			}
			p.get(name, "bundle", "in the bundle")
		}
	}
	return p.res, nil
}

// prober is the boot.Source probe plays the phone against: each name is
// asked of the server once, compared with the bundle and recorded; the
// phone's later requests for it (a manifest read again after the loader,
// the configurations of the next boot) get the same answer.
type prober struct {
	f        Fetcher
	m        *tftpmap.Map
	files    map[string]*probeBundleFile
	res      *Result
	mac      string
	seen     map[string]*boot.Reply
	answered bool // the server has answered something
	silent   bool // the server never answered: ask nothing more
}

// Fetch implements boot.Source.
func (p *prober) Fetch(name string) boot.Reply {
	if p.mac == "" && strings.Contains(strings.ToUpper(name), noMAC) {
		return boot.Reply{Status: boot.NotFound, Message: "File not found"}
	}
	if r := p.seen[name]; r != nil {
		return *r
	}
	if p.silent {
		return boot.Reply{Status: boot.NoAnswer, Message: "the server has not answered anything"}
	}
	return p.get(name, "boot", "")
}

// Close implements boot.Source.
func (p *prober) Close() error { return nil }

// get fetches name once, records the result and returns the phone's view
// of the answer.
func (p *prober) get(name, phase, why string) boot.Reply {
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
	n, err := p.f.Fetch(name, io.MultiWriter(h, &limitedBuffer{b: &buf, max: boot.MaxKeep}), max)
	var nf interface{ NotFound() bool }
	var to interface{ Timeout() bool }
	reply := boot.Reply{}
	if err != nil && errors.As(err, &to) && to.Timeout() && !p.answered {
		// Nothing listening there, most likely: every other request
		// would time out too, at the cost of all its retries.
		p.silent = true
		pf.Status, pf.Error = ProbeError, err.Error()+" (nothing more asked: the server has not answered anything)"
		p.record(pf)
		reply = boot.Reply{Status: boot.NoAnswer, Message: err.Error()}
		p.seen[name] = &reply
		return reply
	}
	if err == nil || errors.As(err, &nf) {
		p.answered = true
	}
	switch {
	case err != nil && errors.As(err, &nf) && nf.NotFound():
		reply = boot.Reply{Status: boot.NotFound, Message: err.Error()}
		if bf != nil {
			pf.Status = ProbeMissing
		} else {
			pf.Status = ProbeAbsent
		}
	case err != nil:
		reply = boot.Reply{Status: boot.Denied, Message: err.Error()}
		if errors.As(err, &to) && to.Timeout() {
			reply.Status = boot.NoAnswer
		}
		pf.Status, pf.Error = ProbeError, err.Error()
		if bf == nil {
			pf.Error += " (not \"File not found\": a phone stops hunting here)"
		}
	default:
		reply = boot.Reply{Status: boot.Found, Size: n, Data: buf.Bytes()}
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
	p.record(pf)
	p.seen[name] = &reply
	return reply
}

// record appends a result; a boot request's why is filled in from the
// phone's step once the simulation has recorded it (see Run).
func (p *prober) record(pf File) { p.res.Files = append(p.res.Files, pf) }

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

// isFirmware reports whether a name is a firmware file (image, manifest,
// signed part) rather than a site file.
func isFirmware(name string) bool {
	switch cisco.Identify(name, nil) {
	case cisco.KindImageBin, cisco.KindImageSBN, cisco.KindImageSB2, cisco.KindImageSBIN, cisco.KindImageZUP, cisco.KindLoads, cisco.KindSigned:
		return true
	}
	return false
}
