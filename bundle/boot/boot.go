// Package boot plays a Cisco IP phone booting from a TFTP root: every file
// it asks for, in its order, each found or not, through the reboots of an
// upgrade, until it settles on an outcome (it runs a load, or it stops
// with the symptom the phone shows). One state machine per phone family
// (7940/7960/7910, 79x1, 7905/7912, ATA); each step is documented, with
// its source and how sure it is, in docs/simulate.md.
//
// The model is the executable form of ../shared/spec/firmware.md ("How a
// phone boots") and Cisco's conversion note; the same rules (the upgrade
// matrix, the files each setting names) are those check judges statically.
package boot

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/sign"
)

// Code names an outcome.
type Code string

// Outcomes. Runs is the only good one; the others are where a phone stops,
// each with the symptom Cisco's documents give it.
const (
	Runs                       Code = "runs"                         // the phone runs Outcome.Load
	ProtocolApplicationInvalid Code = "protocol-application-invalid" // the loader cannot fetch the image or application
	NoLoadSpecified            Code = "no-load-specified"            // no configuration names an image and flash holds none
	ImageAuthenticationFailed  Code = "image-authentication-failed"  // a signed file's header is bad, names another file, or is for another model
	W210BufferFull             Code = "w210-buffer-full"             // SIP 2.x reading a SIPDefault.cnf with more than image_version
	Unprovisioned              Code = "unprovisioned"                // OS79XX.TXT syntax or form
	RefusedDowngrade           Code = "refused-downgrade"            // a signed (≥5.0) phone offered an unsigned/pre-5.0 image
	UpgradeRefused             Code = "upgrade-refused"              // Cisco's matrix: the step is not allowed (intermediate load needed)
	ImageNotFound              Code = "image-not-found"              // the image named is not there: the phone keeps its own
	TFTPStop                   Code = "tftp-stop"                    // an error other than "File not found" (or no answer) stopped the hunt
	ReloadLoop                 Code = "reload-loop"                  // the phone flashes and reboots forever
	NoConfig                   Code = "no-config"                    // 7905/7912/ATA: no compiled profile it can read
	UpgradeIgnored             Code = "upgrade-ignored"              // 7905/7912/ATA: the upgradecode is not for this phone (hardware, .zup on a 7912)
)

// Codes lists every outcome code, in documentation order.
func Codes() []Code {
	return []Code{Runs, ProtocolApplicationInvalid, NoLoadSpecified, ImageAuthenticationFailed, W210BufferFull,
		Unprovisioned, RefusedDowngrade, UpgradeRefused, ImageNotFound, TFTPStop, ReloadLoop, NoConfig, UpgradeIgnored}
}

// Symptom is what the phone shows for an outcome, in Cisco's words where
// there are some.
func (c Code) Symptom() string {
	switch c {
	case Runs:
		return "the phone runs the load"
	case ProtocolApplicationInvalid:
		return `"Protocol Application Invalid"`
	case NoLoadSpecified:
		return `"No Load Specified"`
	case ImageAuthenticationFailed:
		return `"Image Authentication Failed"`
	case W210BufferFull:
		return `"W210 TFTP error: buffer full"`
	case Unprovisioned:
		return "the phone goes to the unprovisioned state"
	case RefusedDowngrade:
		return "the phone refuses the unsigned image and keeps its own"
	case UpgradeRefused:
		return "the upgrade fails: the phone keeps its image (Cisco's matrix needs an intermediate load)"
	case ImageNotFound:
		return `"File not found" for the image: the phone keeps its own`
	case TFTPStop:
		return "a TFTP error other than \"File not found\" stops the loader's hunt"
	case ReloadLoop:
		return "the phone flashes and reboots again and again"
	case NoConfig:
		return "the phone runs with no configuration: no upgradecode, no upgrade"
	case UpgradeIgnored:
		return "the phone ignores the upgradecode and keeps its image"
	}
	return string(c)
}

// Phone is the phone to play.
type Phone struct {
	MAC   string `json:"mac"`   // 12 upper-case hex digits
	Model string `json:"model"` // "7940", "7960", "7910", "7941", …, "7912", "7905", "ata186"
	// Running is the load in flash, without extension ("P0S3-07-4-00",
	// "SIP41.9-4-2SR1S", "CP7912080001SIP060412A"); "" for an empty flash.
	Running string `json:"running"`
	// Protocol is what a phone with an empty flash asks for first ("sip"
	// or "sccp"; default sccp). Ignored when Running is set.
	Protocol string `json:"protocol,omitempty"`
}

// Step is one request of the phone.
type Step struct {
	Boot    int    `json:"boot"` // boot cycle, from 1
	File    string `json:"file"`
	Result  Status `json:"result"`
	Size    int64  `json:"size"`              // bytes received, 0 unless found
	Why     string `json:"why"`               // why the phone asks for it
	Rule    string `json:"rule"`              // the step of docs/simulate.md
	Message string `json:"message,omitempty"` // the server's error message, or why a list was not followed whole
}

// Outcome is where the phone settled.
type Outcome struct {
	Code    Code   `json:"code"`
	Symptom string `json:"symptom"`
	Load    string `json:"load"`             // what the phone runs at the end ("" none)
	Target  string `json:"target,omitempty"` // the image it was offered, when it did not get it
	File    string `json:"file,omitempty"`   // the file where it stopped
	Reason  string `json:"reason"`           // why, in this root
	Reboots int    `json:"reboots"`          // images flashed (each ends in a reboot)
}

// Result is one phone's simulated boot.
type Result struct {
	Phone   Phone   `json:"phone"`
	Family  string  `json:"family"` // 7940, 79x1, 7912, 7905, ata
	Steps   []Step  `json:"steps"`
	Outcome Outcome `json:"outcome"`
}

// MaxBoots bounds the boot cycles of one simulation; a phone still
// flashing after that many is in a reload loop.
const MaxBoots = 8

// Family returns the boot family of a model, or "" for one phoneload does
// not model.
func Family(model string) string { return check.ModelFamily(model) }

// Simulate plays p against src until it settles.
func Simulate(src Source, p Phone) (*Result, error) {
	fam := Family(p.Model)
	if fam == "" {
		return nil, fmt.Errorf("boot: model %q is not modelled (7940, 7960, 7910, 79x1, 7905, 7912, ata186, ata188)", p.Model)
	}
	if mac, ok := NormalizeMAC(p.MAC); ok {
		p.MAC = mac
	} else {
		return nil, fmt.Errorf("boot: bad MAC address %q: want 12 hex digits", p.MAC)
	}
	s := &sim{src: src, p: p, res: &Result{Phone: p, Family: fam, Steps: []Step{}}, running: p.Running}
	var boot func() *Outcome
	switch fam {
	case "7940":
		boot = s.boot7940
	case "79x1":
		boot = s.boot79x1
	default:
		boot = s.bootProfile
	}
	for s.boot = 1; s.boot <= MaxBoots; s.boot++ {
		if o := boot(); o != nil {
			if fam == "7940" && s.sip && keepsRunning(o.Code) {
				s.site7940()
			}
			s.finish(*o)
			return s.res, nil
		}
	}
	s.finish(Outcome{Code: ReloadLoop, Target: s.running, Reason: fmt.Sprintf("still flashing after %d boots", MaxBoots)})
	return s.res, nil
}

type sim struct {
	src     Source
	p       Phone
	res     *Result
	boot    int
	running string   // load in flash
	loader  string   // universal application loader flashed in this run
	flashed []string // images flashed in this run, in order
	reboots int
	// sip is true when this boot cycle read the SIP configuration;
	// sipCfgs holds what it found: SIPDefault.cnf, then SIP<MAC>.cnf,
	// whose settings win whatever the order they were read in.
	sip     bool
	sipCfgs [2][]byte
}

// MaxListed caps the names followed out of one list the server sends
// (the parts of a .loads, the rings of RINGLIST.DAT): real ones hold a
// handful, and each name costs a request, so a hostile or broken list
// cannot keep a simulation (or probe) busy for hours.
const MaxListed = 256

// listed returns at most MaxListed names of list; past that, the step
// that fetched list says the rest was not followed.
func (s *sim) listed(list string, names []string) []string {
	if len(names) <= MaxListed {
		return names
	}
	for i := len(s.res.Steps) - 1; i >= 0; i-- {
		if st := &s.res.Steps[i]; st.File == list {
			st.Message = ListCutMessage(len(names))
			break
		}
	}
	return names[:MaxListed]
}

// ListCutMessage is Step.Message of a list longer than MaxListed.
func ListCutMessage(n int) string {
	return fmt.Sprintf("lists %d files, more than %d: only the first %d followed", n, MaxListed, MaxListed)
}

// keepsRunning reports the outcomes after which the phone runs a load
// (the new one, or its own) and goes on reading the files its
// configuration names.
func keepsRunning(c Code) bool {
	switch c {
	case Runs, ImageNotFound, RefusedDowngrade, UpgradeRefused:
		return true
	}
	return false
}

// site7940 fetches what a running SIP 7940/7960 reads besides its image
// (docs/simulate.md, step 7940-site): the dial plan dial_template names
// (the phone appends .xml), RINGLIST.DAT and the rings it lists. None of
// them changes the outcome: a phone without them still runs.
func (s *sim) site7940() {
	dial := ""
	for _, c := range s.sipCfgs {
		if c == nil {
			continue
		}
		if v, ok, _ := sipSetting(c, "dial_template"); ok && strings.TrimSpace(v) != "" {
			dial = strings.TrimSpace(v)
		}
	}
	if dial != "" {
		s.get(dial+".xml", "dial plan named by dial_template (the phone appends .xml)", "7940-site")
	}
	r := s.get("RINGLIST.DAT", "ring list", "7940-site")
	if r.Status != Found {
		return
	}
	for _, ring := range s.listed("RINGLIST.DAT", ringFiles(r.Data)) {
		s.get(ring, "ring named by RINGLIST.DAT", "7940-site")
	}
}

func (s *sim) finish(o Outcome) {
	if o.Code != Runs && o.Load == "" {
		o.Load = s.running
	}
	o.Reboots = s.reboots
	o.Symptom = o.Code.Symptom()
	s.res.Outcome = o
}

// get asks for one file and records the step.
func (s *sim) get(name, why, rule string) Reply {
	r := s.src.Fetch(name)
	st := Step{Boot: s.boot, File: name, Result: r.Status, Why: why, Rule: rule}
	if r.Status == Found {
		st.Size = r.Size
	} else if r.Status != NotFound {
		st.Message = r.Message
	}
	s.res.Steps = append(s.res.Steps, st)
	return r
}

// stop returns the outcome of a request that was neither found nor "File
// not found": the loader stops hunting [Cisco bug CSCee31047].
func (s *sim) stop(name string, r Reply) *Outcome {
	return &Outcome{Code: TFTPStop, File: name, Reason: fmt.Sprintf("the server answered %s for %s: %s", r.Status, name, r.Message)}
}

// flash records a new image in flash; the phone reboots into it. It
// reports a reload loop when the image was already flashed in this run.
func (s *sim) flash(load string) *Outcome {
	s.reboots++
	if slices.Contains(s.flashed, load) {
		return &Outcome{Code: ReloadLoop, Target: load, Reason: fmt.Sprintf("%s is flashed again: the phone never settles on it", load)}
	}
	s.flashed = append(s.flashed, load)
	s.running = load
	return nil
}

// imageExts are the extensions of image files and manifests; an image
// name in a configuration must not carry one.
var imageExts = []string{".bin", ".sbn", ".sb2", ".loads", ".sbin", ".zup"}

func hasImageExt(name string) bool {
	return slices.Contains(imageExts, strings.ToLower(path.Ext(name)))
}

// checkSigned returns why a signed file would fail authentication: no or a
// bad header, or a header naming another file [real: the header's tag 14
// carries the file's own name; inferred: the phone checks it].
func checkSigned(name string, data []byte) string {
	h, err := sign.ParseHeader(data)
	if err != nil {
		return fmt.Sprintf("%s has no valid signed header (%v)", name, err)
	}
	if h.FileName != name {
		return fmt.Sprintf("%s is signed as %q", name, h.FileName)
	}
	return ""
}

// payload returns the bytes after a signed header (all of data if none).
func payload(data []byte) []byte {
	if h, err := sign.ParseHeader(data); err == nil && h.PayloadOffset() <= len(data) {
		return data[h.PayloadOffset():]
	}
	return data
}

// loaderID is the 8-character id at payload offset 0x120 of a loader.
func loaderID(data []byte) string {
	p := payload(data)
	if len(p) < 0x120+8 {
		return ""
	}
	return string(p[0x120 : 0x120+8])
}

// modelOK reports whether an image name can run on the model: names that
// say their models (P0…3 → 7940/7960, SIP41 → 7941/7961 …) must include it.
func modelOK(load, model string) bool {
	ln, ok := parseLoadName(load)
	if !ok || len(ln.Models) == 0 {
		return true
	}
	return slices.ContainsFunc(ln.Models, func(m string) bool { return strings.EqualFold(m, model) })
}
