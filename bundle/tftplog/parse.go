// Package tftplog reads the logs of TFTP servers (tftpd-hpa, dnsmasq,
// atftpd, phoneload serve in text and JSON, and any other log through a
// generic fallback) and rebuilds, per client, the sequence of files a
// phone asked for, to say where each phone stopped and why
// (docs/simulate.md, "phoneload log").
package tftplog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Status of one request as the log tells it.
type Status string

// What a log line can say about a request.
const (
	Requested  Status = "requested"  // asked for; the log does not say more (tftpd-hpa -v, atftpd)
	Sent       Status = "sent"       // the whole file went out
	NotFound   Status = "not-found"  // ERROR 1, File not found
	Denied     Status = "denied"     // another TFTP error: access violation, …
	Incomplete Status = "incomplete" // a transfer that started and did not finish
)

// Formats of log lines.
const (
	FormatTFTPDHPA     = "tftpd-hpa"
	FormatDnsmasq      = "dnsmasq"
	FormatAtftpd       = "atftpd"
	FormatPhoneload    = "phoneload"
	FormatPhoneloadJSO = "phoneload-json"
	FormatGeneric      = "generic"
)

// Event is one request read from a log.
type Event struct {
	Source string `json:"source"` // the log file
	Line   int    `json:"line"`
	Time   string `json:"time,omitempty"` // as the log writes it
	Client string `json:"client"`         // IP address, without port
	File   string `json:"file"`           // as requested, relative to the TFTP root
	Status Status `json:"status"`
	Bytes  int64  `json:"bytes,omitempty"`
	Format string `json:"format"`
	Detail string `json:"detail,omitempty"` // the server's error text
}

// MaxLineLength caps the length of a log line; longer lines are cut.
const MaxLineLength = 64 << 10

// MaxEvents bounds the requests read from one log.
const MaxEvents = 10_000_000

var (
	reHPARRQ = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b[RW]RQ from (\S+) filename (\S+)(?: remapped to (\S+))?`)
	})
	reHPANAK  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bsending NAK \((\d+), ([^)]*)\) to (\S+)`) })
	reDnsRoot = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bTFTP root is (\S+)`) })
	reDnsSent = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bsent (\S+) to (\S+)$`) })
	reDnsNF   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bfile (\S+) not found(?: for (\S+))?$`) })
	reDnsFail = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bfailed sending (\S+) to (\S+)$`) })
	reDnsErr  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\berror (\d+) (.*) received from (\S+)$`) })
	reDnsAcc  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bcannot access (\S+): (.*)$`) })
	reAtServ  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bServing (\S+) to (\S+?):(\d+)\b`) })
	reAtNF    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bFile (\S+) not found`) })
	rePLText  = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(\S+) (\S+) (read|write) (\S+) (ok|not-found|denied|busy|refused|error)(?: (\d+)/(-?\d+) bytes)? (\d+)ms(?:: (.*))?$`)
	})
	reIPv4 = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\b((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?::\d+)?\b`)
	})
	reFileTok = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`[A-Za-z0-9_][A-Za-z0-9_.\-/]*\.(?:cnf\.xml|cnf|xml|loads|sbn|sb2|bin|sbin|zup|tlv|TXT|txt|cfg|raw|DAT|dat|LOADS|sgn)\b|\b(?:gk|ld|ata)[0-9a-fA-F]{12}\b`)
	})
	reSyslogTS = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:<\d+>)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)`)
	})
)

// Parse reads one log. name is used in events and messages. Lines that
// say nothing about a request are skipped; a log of which no line could be
// read is not an error (the result is empty): the caller says so.
func Parse(r io.Reader, name string) ([]Event, error) {
	p := &parser{name: name, pending: map[string]int{}}
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			n++
			p.line(n, line)
			if len(p.events) > MaxEvents {
				return nil, fmt.Errorf("tftplog: %s:%d: more than %d requests", name, n, MaxEvents)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tftplog: %s:%d: %w", name, n+1, err)
		}
	}
	sortServe(p.events)
	return p.events, nil
}

// sortServe orders the events of phoneload serve by the time each request
// came: serve logs a request when it ends, and a short transfer can end
// before a long one that came first.
func sortServe(evs []Event) {
	at := make([]time.Time, len(evs))
	for i, e := range evs {
		if e.Format != FormatPhoneload && e.Format != FormatPhoneloadJSO {
			return
		}
		t, err := time.Parse(time.RFC3339Nano, e.Time)
		if err != nil {
			return
		}
		at[i] = t
	}
	idx := make([]int, len(evs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return at[idx[a]].Before(at[idx[b]]) })
	sorted := make([]Event, len(evs))
	for i, j := range idx {
		sorted[i] = evs[j]
	}
	copy(evs, sorted)
}

// readLine returns the next line without its end, cut at MaxLineLength.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(b) < MaxLineLength {
			b = append(b, frag[:min(len(frag), MaxLineLength-len(b))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		s := strings.TrimRight(string(b), "\r\n")
		if err != nil && len(b) == 0 {
			return "", err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return s, err
		}
		if errors.Is(err, io.EOF) {
			return s, io.EOF
		}
		return s, nil
	}
}

type parser struct {
	name    string
	events  []Event
	root    string         // dnsmasq: TFTP root, stripped from paths
	pending map[string]int // client+file → index of its last Requested event
}

func (p *parser) add(e Event) {
	e.Source = p.name
	if e.File == "" || e.Client == "" {
		return
	}
	p.events = append(p.events, e)
	if e.Status == Requested {
		p.pending[e.Client+"\x00"+e.File] = len(p.events) - 1
	}
}

// settle updates the last request of file by client (tftpd-hpa NAK,
// atftpd "not found"), or adds one.
func (p *parser) settle(e Event) {
	for i := len(p.events) - 1; i >= 0 && i >= len(p.events)-64; i-- {
		x := &p.events[i]
		if x.Status == Requested && (e.Client == "" || x.Client == e.Client) && (e.File == "" || x.File == e.File) {
			x.Status, x.Detail = e.Status, e.Detail
			return
		}
	}
	p.add(e)
}

func (p *parser) line(n int, s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	ts := ""
	if m := reSyslogTS().FindStringSubmatch(s); m != nil {
		ts = m[1]
	}
	ev := Event{Line: n, Time: ts}
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
		var j struct {
			Time   string `json:"time"`
			Remote string `json:"remote"`
			Op     string `json:"op"`
			File   string `json:"file"`
			Status string `json:"status"`
			Bytes  int64  `json:"bytes"`
			Size   int64  `json:"size"`
			Error  string `json:"error"`
		}
		if json.Unmarshal([]byte(t), &j) == nil && j.File != "" && j.Remote != "" {
			ev.Time, ev.Client, ev.File, ev.Bytes, ev.Format, ev.Detail = j.Time, host(j.Remote), j.File, j.Bytes, FormatPhoneloadJSO, j.Error
			ev.Status = plStatus(j.Status, j.Bytes, j.Size)
			p.add(ev)
			return
		}
	}
	// Cheap substring tests first: the regular expressions run only on
	// lines that can match them.
	if (strings.Contains(s, " read ") || strings.Contains(s, " write ")) && strings.HasSuffix(strings.SplitN(s, ": ", 2)[0], "ms") {
		if p.serveText(s, ev) {
			return
		}
	}
	if strings.Contains(s, "RQ from ") {
		if m := reHPARRQ().FindStringSubmatch(s); m != nil {
			ev.Client, ev.File, ev.Status, ev.Format = host(m[1]), clean(m[2]), Requested, FormatTFTPDHPA
			p.add(ev)
			return
		}
	}
	if strings.Contains(s, "sending NAK") {
		if m := reHPANAK().FindStringSubmatch(s); m != nil {
			ev.Client, ev.Format, ev.Detail = host(m[3]), FormatTFTPDHPA, m[2]
			ev.Status = Denied
			if m[1] == "1" {
				ev.Status = NotFound
			}
			p.settle(ev)
			return
		}
	}
	p.rest(s, ev)
}

// serveText reads a phoneload serve text line.
func (p *parser) serveText(s string, ev Event) bool {
	if m := rePLText().FindStringSubmatch(s); m != nil {
		b, _ := strconv.ParseInt(m[6], 10, 64)
		size := int64(-1)
		if m[7] != "" {
			size, _ = strconv.ParseInt(m[7], 10, 64)
		}
		ev.Time, ev.Client, ev.File, ev.Bytes, ev.Format, ev.Detail = m[1], host(m[2]), m[4], b, FormatPhoneload, m[9]
		ev.Status = plStatus(m[5], b, size)
		p.add(ev)
		return true
	}
	return false
}

// rest reads the lines of dnsmasq, atftpd and the generic fallback.
func (p *parser) rest(s string, ev Event) {
	if m := reDnsRoot().FindStringSubmatch(s); m != nil && strings.Contains(s, "dnsmasq") {
		p.root = strings.TrimRight(m[1], "/") + "/"
		return
	}
	if strings.Contains(s, "dnsmasq") || p.root != "" {
		ev.Format = FormatDnsmasq
		switch {
		case reDnsSent().MatchString(s):
			m := reDnsSent().FindStringSubmatch(s)
			ev.File, ev.Client, ev.Status = p.strip(m[1]), host(m[2]), Sent
			p.add(ev)
			return
		case reDnsNF().MatchString(s):
			m := reDnsNF().FindStringSubmatch(s)
			ev.File, ev.Client, ev.Status = p.strip(m[1]), host(m[2]), NotFound
			p.add(ev)
			return
		case reDnsFail().MatchString(s):
			m := reDnsFail().FindStringSubmatch(s)
			ev.File, ev.Client, ev.Status = p.strip(m[1]), host(m[2]), Incomplete
			p.add(ev)
			return
		case reDnsAcc().MatchString(s):
			// dnsmasq names no client on this line: it is taken from
			// the last dnsmasq line that named one.
			m := reDnsAcc().FindStringSubmatch(s)
			ev.File, ev.Status, ev.Detail = p.strip(m[1]), Denied, m[2]
			for i := len(p.events) - 1; i >= 0; i-- {
				if p.events[i].Format == FormatDnsmasq && p.events[i].Client != "?" {
					ev.Client = p.events[i].Client
					break
				}
			}
			if ev.Client == "" {
				ev.Client = "?"
			}
			p.add(ev)
			return
		case reDnsErr().MatchString(s):
			return // the client's own error (it gave up): not a request
		}
		if strings.Contains(s, "dnsmasq") {
			return
		}
	}
	if m := reAtServ().FindStringSubmatch(s); m != nil {
		ev.Client, ev.File, ev.Status, ev.Format = host(m[2]), clean(m[1]), Requested, FormatAtftpd
		p.add(ev)
		return
	}
	if m := reAtNF().FindStringSubmatch(s); m != nil && strings.Contains(s, "atftpd") {
		ev.File, ev.Status, ev.Format = clean(path.Base(m[1])), NotFound, FormatAtftpd
		for i := len(p.events) - 1; i >= 0; i-- {
			if p.events[i].Format == FormatAtftpd && path.Base(p.events[i].File) == ev.File && p.events[i].Status == Requested {
				p.events[i].Status = NotFound
				return
			}
		}
		return
	}
	// Generic: an IPv4 address and a name a phone asks for.
	ip := reIPv4().FindStringSubmatchIndex(s)
	if ip == nil {
		return
	}
	rest := s[:ip[0]] + " " + s[ip[1]:]
	f := reFileTok().FindString(rest)
	if f == "" {
		return
	}
	ev.Client, ev.File, ev.Format, ev.Status = s[ip[2]:ip[3]], clean(f), FormatGeneric, Requested
	low := strings.ToLower(s)
	switch {
	case strings.Contains(low, "not found") || strings.Contains(low, "no such file"):
		ev.Status = NotFound
	case strings.Contains(low, "denied") || strings.Contains(low, "violation") || strings.Contains(low, "error"):
		ev.Status = Denied
	case strings.Contains(low, "sent") || strings.Contains(low, "complete"):
		ev.Status = Sent
	}
	p.add(ev)
}

// strip makes a dnsmasq path relative to the TFTP root.
func (p *parser) strip(f string) string {
	if p.root != "" {
		f = strings.TrimPrefix(f, p.root)
	}
	return clean(f)
}

// plStatus maps a phoneload serve status to a Status.
func plStatus(s string, bytes, size int64) Status {
	switch s {
	case "ok":
		if size >= 0 && bytes < size {
			return Incomplete
		}
		return Sent
	case "not-found":
		return NotFound
	case "error":
		if bytes > 0 {
			return Incomplete
		}
	}
	return Denied
}

// host returns an address without its port.
func host(a string) string {
	a = strings.TrimSuffix(strings.TrimPrefix(a, "["), ",")
	if i := strings.LastIndex(a, "]:"); i >= 0 {
		return a[:i]
	}
	if strings.Count(a, ":") == 1 {
		return a[:strings.IndexByte(a, ':')]
	}
	return strings.TrimSuffix(a, "]")
}

// clean drops the leading slashes of a requested name (servers treat
// "/SEP….cnf.xml" as "SEP….cnf.xml").
func clean(f string) string { return strings.TrimLeft(f, "/") }
