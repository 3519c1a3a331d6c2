// Package tftpmap reads tftpd-hpa's --map-file (filename remapping rules)
// and applies them to requested names the way in.tftpd does, so that
// phoneload can judge a root as phones see it through such a server.
//
// Each non-comment line holds an operation (letters r g i e s a G P 4 6 ~),
// a POSIX extended regular expression and, for r, a replacement pattern
// with the escapes \0–\9, \i, \x, \\, \<space>, \#, \U, \L, \E (tftpd(8),
// "FILENAME REMAPPING"). Rules run top down, all of them unless e or s
// stops or restarts the run.
package tftpmap

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Rule is one line of a map file.
type Rule struct {
	Line    int
	Op      string // the operation letters as written
	Pattern string // the regex as written (escapes of the line undone)
	Replace string // the replacement pattern (r only)

	re                                       *regexp.Regexp
	rewrite, global, end, restart, deny, inv bool
	getOnly, putOnly, v4Only, v6Only         bool
}

// Map is a parsed map file.
type Map struct {
	Name  string // the file, for messages
	Rules []Rule
}

// Errors of Rewrite.
var (
	ErrDenied = errors.New("tftpmap: access denied by an 'a' rule")
	ErrLoop   = errors.New("tftpmap: rules did not finish (more than 1024 steps)")
)

// MaxName bounds a rewritten name (a TFTP request fits in one 512-byte
// packet; rules that grow a name past this are runaway).
const MaxName = 4096

// MaxSteps is how many rule applications a rewrite may take before it is
// abandoned, as in.tftpd's deadman counter does.
const MaxSteps = 1024

// MaxLine and MaxRules bound what Parse accepts.
const (
	MaxLine  = 4096
	MaxRules = 10000
)

// Parse reads a map file. Errors name the file and line.
func Parse(r io.Reader, name string) (*Map, error) {
	m := &Map{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxLine+2)
	n := 0
	for sc.Scan() {
		n++
		fields, err := splitLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		if len(fields) == 0 {
			continue
		}
		if len(m.Rules) >= MaxRules {
			return nil, fmt.Errorf("%s:%d: more than %d rules", name, n, MaxRules)
		}
		rule, err := parseRule(fields, n)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		m.Rules = append(m.Rules, rule)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, n+1, MaxLine)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// splitLine splits a line into fields at unescaped white space, stopping
// at an unescaped '#'. A backslash before white space or '#' makes it
// literal; other backslashes are kept for the regex and the replacement.
func splitLine(s string) ([]string, error) {
	var fields []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (isSpace(s[i+1]) || s[i+1] == '#'):
			cur.WriteByte(s[i+1])
			i++
			in = true
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
			in = true
		case c == '#':
			if in {
				fields = append(fields, cur.String())
			}
			return fields, nil
		case isSpace(c):
			if in {
				fields = append(fields, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		fields = append(fields, cur.String())
	}
	return fields, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

func parseRule(f []string, line int) (Rule, error) {
	r := Rule{Line: line, Op: f[0]}
	icase := false
	for _, c := range f[0] {
		switch c {
		case 'r':
			r.rewrite = true
		case 'g':
			r.global = true
		case 'i':
			icase = true
		case 'e':
			r.end = true
		case 's':
			r.restart = true
		case 'a':
			r.deny = true
		case 'G':
			r.getOnly = true
		case 'P':
			r.putOnly = true
		case '4':
			r.v4Only = true
		case '6':
			r.v6Only = true
		case '~':
			r.inv = true
		default:
			return r, fmt.Errorf("unknown operation %q in %q (want r g i e s a G P 4 6 ~)", c, f[0])
		}
	}
	if r.inv && r.rewrite {
		return r, fmt.Errorf("operation %q: ~ cannot be used with r", f[0])
	}
	switch {
	case len(f) < 2:
		return r, fmt.Errorf("operation %q without a regular expression", f[0])
	case r.rewrite && len(f) < 3:
		return r, fmt.Errorf("rule %q %q: r needs a replacement pattern", f[0], f[1])
	case len(f) > 3 || !r.rewrite && len(f) > 2:
		return r, fmt.Errorf("unexpected text %q after the rule", strings.Join(f[2+boolInt(r.rewrite):], " "))
	}
	r.Pattern = f[1]
	if r.rewrite {
		r.Replace = f[2]
	}
	flags := syntax.POSIX
	if icase {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(r.Pattern, flags)
	if err != nil {
		return r, fmt.Errorf("regular expression %q: %v", r.Pattern, err)
	}
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return r, fmt.Errorf("regular expression %q: %v", r.Pattern, err)
	}
	rx.Longest() // POSIX: leftmost-longest, as regexec(3)
	r.re = rx
	return r, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Request is what rules may depend on besides the name.
type Request struct {
	Put  bool       // a write request (WRQ); false: read (RRQ)
	Addr netip.Addr // the client; the zero Addr is taken as IPv4 0.0.0.0
}

// Rewrite applies the rules to a requested file name and returns the name
// in.tftpd would open. An 'a' rule that matches returns ErrDenied; rules
// that keep restarting return ErrLoop.
func (m *Map) Rewrite(name string, req Request) (string, error) {
	if m == nil {
		return name, nil
	}
	addr := req.Addr
	if !addr.IsValid() {
		addr = netip.IPv4Unspecified()
	}
	steps := 0
	cur := name
	for i := 0; i < len(m.Rules); i++ {
		r := &m.Rules[i]
		if r.getOnly && req.Put || r.putOnly && !req.Put || r.v4Only && !addr.Unmap().Is4() || r.v6Only && addr.Unmap().Is4() {
			continue
		}
		matched := false
		for {
			if steps++; steps > MaxSteps {
				return "", ErrLoop
			}
			loc := r.re.FindStringSubmatchIndex(cur)
			hit := loc != nil
			if r.inv {
				hit = !hit
			}
			if !hit {
				break
			}
			matched = true
			if r.deny {
				return "", ErrDenied
			}
			if !r.rewrite {
				break
			}
			cur = cur[:loc[0]] + expand(r.Replace, cur, loc, addr) + cur[loc[1]:]
			if len(cur) > MaxName {
				return "", ErrLoop
			}
			if !r.global {
				break
			}
		}
		if !matched {
			continue
		}
		if r.end {
			return cur, nil
		}
		if r.restart {
			i = -1
		}
	}
	return cur, nil
}

// expand builds a replacement: \0–\9, \i, \x, \\, \U, \L, \E; any other
// escaped character stands for itself.
func expand(pat, s string, loc []int, addr netip.Addr) string {
	var b strings.Builder
	mode := byte(0) // 'U', 'L' or 0
	put := func(t string) {
		switch mode {
		case 'U':
			t = strings.ToUpper(t)
		case 'L':
			t = strings.ToLower(t)
		}
		b.WriteString(t)
	}
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		if c != '\\' || i+1 == len(pat) {
			put(string(c))
			continue
		}
		i++
		switch e := pat[i]; {
		case e >= '0' && e <= '9':
			k := int(e - '0')
			if 2*k+1 < len(loc) && loc[2*k] >= 0 {
				put(s[loc[2*k]:loc[2*k+1]])
			}
		case e == 'i':
			put(addr.Unmap().String())
		case e == 'x':
			put(hexAddr(addr))
		case e == 'U' || e == 'L':
			mode = e
		case e == 'E':
			mode = 0
		default:
			put(string(e))
		}
	}
	return b.String()
}

func hexAddr(a netip.Addr) string {
	a = a.Unmap()
	var sb strings.Builder
	for _, x := range a.AsSlice() {
		fmt.Fprintf(&sb, "%02X", x)
	}
	return sb.String()
}

// Served works out, for the files of a root (slash-separated paths), the
// name a phone asks for to get each one through the map: the file's base
// name when the rules send that name to it (firmware kept in per-model
// folders), else its own path when the rules leave that unchanged. Files
// no such request reaches are left out: through this server, phones
// cannot fetch them by the names they use.
func (m *Map) Served(paths []string) map[string]string {
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		base := p
		if i := strings.LastIndexByte(p, '/'); i >= 0 {
			base = p[i+1:]
		}
		for _, cand := range []string{base, p} {
			got, err := m.Rewrite(cand, Request{})
			if err == nil && strings.TrimPrefix(got, "/") == p {
				if _, taken := out[cand]; !taken {
					out[cand] = p
				}
				break
			}
		}
	}
	return out
}
