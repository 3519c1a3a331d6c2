package tftplog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle/boot"
)

// Request is one file a client asked for, in log order.
type Request struct {
	Source string `json:"source"`
	Line   int    `json:"line"`
	Time   string `json:"time,omitempty"`
	File   string `json:"file"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Root says, with --root, whether the file is in the root now:
	// "present", "absent", or "case:NAME" when only NAME matches, in
	// another letter case. "" without --root.
	Root string `json:"root,omitempty"`
}

// Problem is something wrong in a client's sequence.
type Problem struct {
	Kind    string `json:"kind"` // missing, denied, incomplete, loop, no-image, ctl-hunt, diverges
	File    string `json:"file,omitempty"`
	Message string `json:"message"`
}

// Client is the boot sequence of one TFTP client.
type Client struct {
	Client   string    `json:"client"`
	MAC      string    `json:"mac,omitempty"` // from the per-device names it asked for
	Requests []Request `json:"requests"`
	// Stopped is where the sequence ends and why.
	Stopped  Problem   `json:"stopped"`
	Problems []Problem `json:"problems"`
	// Expected is the simulator's sequence for this phone (needs --root
	// and a fleet line for its MAC), and its outcome.
	Expected *Expected `json:"expected,omitempty"`
}

// Expected is what the simulator says the phone asks for.
type Expected struct {
	Files   []string     `json:"files"`
	Outcome boot.Outcome `json:"outcome"`
	// Diverges is the first request where the log and the simulator part
	// ways (-1 when the log follows the simulator to its end).
	Diverges int `json:"diverges"`
}

var (
	reMACName  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:CTLSEP|ITLSEP|SEP|SIP|MGC)([0-9A-F]{12})\.`) })
	reProfName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:gk|ld|ata)([0-9a-f]{12})(?:\.|$)`) })
)

// macOf returns the MAC a per-device file name carries, or "".
func macOf(name string) string {
	if m := reMACName().FindStringSubmatch(name); m != nil {
		return m[1]
	}
	if m := reProfName().FindStringSubmatch(name); m != nil {
		return strings.ToUpper(m[1])
	}
	return ""
}

// imageFile reports names of images and manifests.
func imageFile(name string) bool {
	l := strings.ToLower(name)
	for _, e := range []string{".loads", ".sbn", ".sb2", ".bin", ".sbin", ".zup"} {
		if strings.HasSuffix(l, e) {
			return true
		}
	}
	return false
}

func trustFile(name string) bool {
	return strings.HasPrefix(name, "CTLSEP") || strings.HasPrefix(name, "ITLSEP") || strings.HasSuffix(name, ".tlv")
}

// Options tune Analyze.
type Options struct {
	// Root, when set, says for each request whether the file is there.
	Root Lister
	// Simulate, when set, returns the simulator's result for a MAC (nil
	// when the MAC is unknown).
	Simulate func(mac string) *boot.Result
	// Read, when set, returns a file of the root (nil when absent): a
	// phone that asked for no image is then told why.
	Read func(name string) []byte
}

// Lister answers whether a root holds a file: the name itself, or a name
// that differs only in letter case ("" when none).
type Lister interface {
	Lookup(name string) (exact bool, other string)
}

// Analyze groups events by client, in order of first appearance, and
// says where each stopped.
func Analyze(events []Event, o Options) []Client {
	var order []string
	byClient := map[string]*Client{}
	for _, e := range events {
		c := byClient[e.Client]
		if c == nil {
			c = &Client{Client: e.Client, Requests: []Request{}, Problems: []Problem{}}
			byClient[e.Client] = c
			order = append(order, e.Client)
		}
		r := Request{Source: e.Source, Line: e.Line, Time: e.Time, File: e.File, Status: e.Status, Detail: e.Detail}
		if o.Root != nil {
			exact, other := o.Root.Lookup(e.File)
			switch {
			case exact:
				r.Root = "present"
			case other != "":
				r.Root = "case:" + other
			default:
				r.Root = "absent"
			}
			if r.Status == Requested && !exact {
				// The log (tftpd-hpa -v, atftpd) does not say; the root
				// does: the server cannot have sent it.
				r.Status, r.Detail = NotFound, "not in the root (--root)"
			}
		}
		if c.MAC == "" {
			c.MAC = macOf(e.File)
		}
		c.Requests = append(c.Requests, r)
	}
	out := make([]Client, 0, len(order))
	for _, k := range order {
		c := byClient[k]
		c.judge()
		if c.Stopped.Kind == "no-image" && o.Read != nil {
			c.whyNoImage(o.Read)
		}
		if o.Simulate != nil && c.MAC != "" {
			if res := o.Simulate(c.MAC); res != nil {
				c.compare(res)
			}
		}
		out = append(out, *c)
	}
	return out
}

// judge fills Stopped and Problems.
func (c *Client) judge() {
	counts := map[string]int{}
	sentImages := map[string]int{}
	anyImage := false
	for _, r := range c.Requests {
		counts[r.File]++
		if imageFile(r.File) {
			anyImage = true
			// A loader reads its manifest again after flashing itself
			// [real log]: only images count towards a loop.
			if r.Status == Sent && !strings.HasSuffix(strings.ToLower(r.File), ".loads") {
				sentImages[r.File]++
			}
		}
		switch {
		case r.Status == Denied:
			c.Problems = append(c.Problems, Problem{Kind: "denied", File: r.File, Message: fmt.Sprintf("the server refused %s (%s): a Cisco loader stops hunting on any error but \"File not found\"", r.File, orDash(r.Detail))})
		case r.Status == Incomplete:
			c.Problems = append(c.Problems, Problem{Kind: "incomplete", File: r.File, Message: fmt.Sprintf("the transfer of %s started and did not finish", r.File)})
		case r.Status == NotFound && imageFile(r.File):
			msg := fmt.Sprintf("%s was asked for and not found", r.File)
			if strings.HasPrefix(r.Root, "case:") {
				msg += fmt.Sprintf("; the root has %s (letter case differs)", strings.TrimPrefix(r.Root, "case:"))
			}
			c.Problems = append(c.Problems, Problem{Kind: "missing", File: r.File, Message: msg})
		}
	}
	for _, r := range c.Requests {
		if n := sentImages[r.File]; n >= 2 {
			c.Problems = append(c.Problems, Problem{Kind: "loop", File: r.File, Message: fmt.Sprintf("%s was sent %d times: the phone flashes it and asks again (a reload loop)", r.File, n)})
			sentImages[r.File] = 0
		} else if n := counts[r.File]; n >= 4 && !imageFile(r.File) {
			c.Problems = append(c.Problems, Problem{Kind: "loop", File: r.File, Message: fmt.Sprintf("%s was asked for %d times (a boot loop, or periodic re-reads)", r.File, n)})
			counts[r.File] = 0
		}
	}
	last := c.Requests[len(c.Requests)-1]
	switch {
	case last.Status == Denied:
		c.Stopped = Problem{Kind: "denied", File: last.File, Message: fmt.Sprintf("stopped at %s: the server refused it (%s)", last.File, orDash(last.Detail))}
	case last.Status == Incomplete:
		c.Stopped = Problem{Kind: "incomplete", File: last.File, Message: fmt.Sprintf("stopped at %s: the transfer did not finish", last.File)}
	case trustFile(last.File) && last.Status != Sent:
		c.Stopped = Problem{Kind: "ctl-hunt", File: last.File, Message: fmt.Sprintf("stopped at %s: the phone asked for its trust list and asked for nothing after it", last.File)}
	case last.Status == NotFound && imageFile(last.File):
		c.Stopped = Problem{Kind: "missing", File: last.File, Message: fmt.Sprintf("stopped at %s: not found", last.File)}
	case !anyImage:
		c.Stopped = Problem{Kind: "no-image", File: last.File, Message: "the phone read its configuration and asked for no image: no configuration names one, or it names the load in flash"}
		c.Problems = append(c.Problems, c.Stopped)
	default:
		c.Stopped = Problem{Kind: "settled", File: last.File, Message: fmt.Sprintf("last request: %s (%s)", last.File, last.Status)}
	}
}

// whyNoImage says, from the configuration files the phone got, whether
// none names an image or which one names what.
func (c *Client) whyNoImage(read func(string) []byte) {
	var got []string
	for _, r := range c.Requests {
		if r.Status != Sent && r.Status != Requested || imageFile(r.File) || trustFile(r.File) {
			continue
		}
		data := read(r.File)
		if data == nil {
			continue
		}
		got = append(got, r.File)
		if imgs := boot.NamedImages(r.File, data); len(imgs) > 0 {
			c.Stopped.Message = fmt.Sprintf("the phone asked for no image: %s names %s, so it runs that load already (or does not take it)", r.File, strings.Join(imgs, ", "))
			c.Problems[len(c.Problems)-1] = c.Stopped
			return
		}
	}
	if len(got) > 0 {
		c.Stopped.Message = fmt.Sprintf("the phone asked for no image: no configuration it read (%s) names one", strings.Join(got, ", "))
		c.Problems[len(c.Problems)-1] = c.Stopped
	}
}

// compare sets Expected: the simulator's requests against the log's.
func (c *Client) compare(res *boot.Result) {
	e := &Expected{Outcome: res.Outcome, Diverges: -1, Files: []string{}}
	for _, s := range res.Steps {
		e.Files = append(e.Files, s.File)
	}
	n := min(len(e.Files), len(c.Requests))
	for i := 0; i < n; i++ {
		if e.Files[i] != c.Requests[i].File {
			e.Diverges = i
			c.Problems = append(c.Problems, Problem{Kind: "diverges", File: c.Requests[i].File,
				Message: fmt.Sprintf("request %d is %s; the simulator expects %s", i+1, c.Requests[i].File, e.Files[i])})
			break
		}
	}
	if e.Diverges < 0 && len(c.Requests) < len(e.Files) {
		e.Diverges = len(c.Requests)
		c.Problems = append(c.Problems, Problem{Kind: "diverges", File: e.Files[len(c.Requests)],
			Message: fmt.Sprintf("the log ends before %s, which the simulator expects next", e.Files[len(c.Requests)])})
	}
	c.Expected = e
}

func orDash(s string) string {
	if s == "" {
		return "no message"
	}
	return s
}

// Kinds lists the problem kinds, for documentation.
func Kinds() []string {
	k := []string{"missing", "denied", "incomplete", "loop", "no-image", "ctl-hunt", "diverges", "settled"}
	slices.Sort(k)
	return k
}
