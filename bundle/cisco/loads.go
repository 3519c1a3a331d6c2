package cisco

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits of the text parsers. Every parser refuses input over MaxTextSize
// and stops listing problems after MaxProblems; real files are a few KiB.
const (
	MaxTextSize   = 1 << 20 // largest text file parsed and kept in File.Data
	MaxLineLength = 8 << 10 // longest line accepted
	MaxEntries    = 10000   // most entries (parts, settings, rings, loads) read from one file
	MaxProblems   = 100     // most problems recorded for one file
)

// Problem is something wrong in one file. Line is 1-based for text files (0
// when the problem concerns the whole file); Offset is the byte offset for
// binary files.
type Problem struct {
	Line   int    `json:"line,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Msg    string `json:"msg"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%d: %s", p.Line, p.Msg)
	}
	return p.Msg
}

// ProblemList collects Problems up to MaxProblems.
// ProblemList collects the problems of one parsed file, capped at
// MaxProblems.
type ProblemList []Problem

func (ps *ProblemList) Add(line int, format string, args ...any) {
	switch {
	case len(*ps) < MaxProblems:
		*ps = append(*ps, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	case len(*ps) == MaxProblems:
		*ps = append(*ps, Problem{Msg: "too many problems; the rest are not listed"})
	}
}

func (ps *ProblemList) AddAt(off int64, format string, args ...any) {
	ps.Add(0, format, args...)
	(*ps)[len(*ps)-1].Offset = off
}

// textLine is one line of a text file without its line ending.
type textLine struct {
	n    int    // 1-based line number
	text string // without "\n" or "\r\n"
	crlf bool   // ended with "\r\n"
	eol  bool   // ended with a line ending at all
}

// checkText applies the limits every text parser shares: size, NUL bytes
// and UTF-8. It reports false when the content must not be parsed further.
func checkText(b []byte, ps *ProblemList) bool {
	if len(b) > MaxTextSize {
		ps.Add(0, "%d bytes, over the %d bytes a text file may have", len(b), MaxTextSize)
		return false
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		ps.AddAt(int64(i), "binary data (NUL byte) at 0x%x", i)
		return false
	}
	return true
}

// noteBOM reports a UTF-8 byte-order mark at the start of a line-based
// text file (XML allows one; these formats do not).
func noteBOM(b []byte, ps *ProblemList) {
	if bytes.HasPrefix(b, UTF8BOM) {
		ps.Add(1, "starts with a UTF-8 byte-order mark (EF BB BF, what Notepad writes as \"UTF-8\"): phones read it as part of the first line")
	}
}

// UTF8BOM is the byte-order mark Windows editors put before UTF-8 text.
var UTF8BOM = []byte("\xef\xbb\xbf")

// eachLine calls fn for every line of b, stopping when fn returns false.
// Over-long lines are reported and skipped; so are invalid UTF-8 lines.
func eachLine(b []byte, ps *ProblemList, fn func(l textLine) bool) {
	for n := 1; len(b) > 0; n++ {
		var l textLine
		l.n = n
		i := bytes.IndexByte(b, '\n')
		var raw []byte
		if i < 0 {
			raw, b = b, nil
		} else {
			raw, b = b[:i], b[i+1:]
			l.eol = true
		}
		if len(raw) > 0 && raw[len(raw)-1] == '\r' && l.eol {
			raw = raw[:len(raw)-1]
			l.crlf = true
		}
		if len(raw) > MaxLineLength {
			ps.Add(n, "line longer than %d bytes", MaxLineLength)
			continue
		}
		if !utf8.Valid(raw) {
			ps.Add(n, "not valid UTF-8")
			continue
		}
		l.text = string(raw)
		if !fn(l) {
			return
		}
	}
}

// lineEndings tracks the line-ending style of a file and reports a mix.
type lineEndings struct {
	crlf, lf int
}

func (le *lineEndings) see(l textLine) {
	switch {
	case !l.eol:
	case l.crlf:
		le.crlf++
	default:
		le.lf++
	}
}

// isCRLF reports whether the file mostly uses CRLF.
func (le *lineEndings) isCRLF() bool { return le.crlf > le.lf }

func (le *lineEndings) mixed() bool { return le.crlf > 0 && le.lf > 0 }

// Loads is the text body of a .loads manifest: the parts the phone fetches.
type Loads struct {
	Parts     []LoadsPart   `json:"parts"`
	LAVersion string        `json:"la_version,omitempty"` // LA_VERSION=…: the loader id the parts expect
	Settings  []ConfigEntry `json:"settings,omitempty"`   // every KEY=VALUE line, LA_VERSION included
	CRLF      bool          `json:"crlf"`                 // lines end in CRLF (79x1 style)
	Comments  int           `json:"comments,omitempty"`   // number of # lines
}

// LoadsPart is one part a .loads names.
type LoadsPart struct {
	Name          string `json:"name"` // trimmed
	Line          int    `json:"line"`
	TrailingSpace bool   `json:"trailing_space,omitempty"` // the line had spaces after the name (seen in real 79x1 files)
	// Size and MD5 are given by 792x manifests (CP7921G-….LOADS), whose
	// lines are "PART SIZE MD5"; 0 and "" elsewhere.
	Size int64  `json:"size,omitempty"`
	MD5  string `json:"md5,omitempty"`
}

// ParseLoads parses the body of a .loads file: the bytes after its signed
// header. The 7940 style is LF lines naming the parts then
// LA_VERSION=<loader id>; the 79x1 style is CRLF, # comment lines first,
// one part a line, some with a trailing space. Problems are returned with
// lines relative to the body.
func ParseLoads(body []byte) (*Loads, []Problem) {
	var ps ProblemList
	l := &Loads{}
	var le lineEndings
	if !checkText(body, &ps) {
		return l, ps
	}
	noteBOM(body, &ps)
	eachLine(body, &ps, func(t textLine) bool {
		le.see(t)
		s := strings.TrimSpace(t.text)
		switch {
		case s == "":
			return true
		case strings.HasPrefix(s, "#"):
			l.Comments++
			return true
		}
		if len(l.Parts)+len(l.Settings) >= MaxEntries {
			ps.Add(t.n, "more than %d entries", MaxEntries)
			return false
		}
		if k, v, ok := strings.Cut(s, "="); ok {
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			l.Settings = append(l.Settings, ConfigEntry{Name: k, Value: v, Line: t.n})
			if k == "LA_VERSION" {
				if l.LAVersion != "" {
					ps.Add(t.n, "LA_VERSION given twice")
				}
				l.LAVersion = v
				if len(v) != 8 {
					ps.Add(t.n, "LA_VERSION %q is not 8 characters like the id in the loader image", v)
				}
			}
			return true
		}
		if f := strings.Fields(s); len(f) == 3 && allDigits(f[1]) && len(f[2]) == 32 && IsHexString(f[2]) {
			// 792x: PART SIZE MD5.
			size, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				ps.Add(t.n, "part %q: size %q out of range", f[0], f[1])
			}
			l.Parts = append(l.Parts, LoadsPart{Name: f[0], Line: t.n, Size: size, MD5: strings.ToLower(f[2])})
			return true
		}
		if strings.ContainsAny(s, " \t") {
			ps.Add(t.n, "part name %q contains white space", s)
		}
		if t.text != strings.TrimLeft(t.text, " \t") {
			ps.Add(t.n, "part name %q starts with white space", s)
		}
		l.Parts = append(l.Parts, LoadsPart{Name: s, Line: t.n, TrailingSpace: strings.TrimRight(t.text, " \t") != t.text})
		return true
	})
	l.CRLF = le.isCRLF()
	if le.mixed() {
		ps.Add(0, "mixed line endings: %d CRLF and %d LF", le.crlf, le.lf)
	}
	if len(l.Parts) == 0 {
		ps.Add(0, "names no parts")
	}
	return l, ps
}
