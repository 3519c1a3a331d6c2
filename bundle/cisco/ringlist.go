package cisco

import (
	"fmt"
	"strings"
)

// Ringlist is a parsed RINGLIST.DAT: one ring a line, display name, TAB,
// file name.
type Ringlist struct {
	Entries []Ring `json:"entries"`
}

// Ring is one line of RINGLIST.DAT.
type Ring struct {
	Display string `json:"display"`
	File    string `json:"file"`
	Line    int    `json:"line"`
}

// Ring files are headerless 8 kHz mono µ-law, one byte a sample; newer
// 7940/7960 images accept MinRingSamples to MaxRingSamples samples.
const (
	MinRingSamples = 240
	MaxRingSamples = 16080
)

// ParseRinglist parses RINGLIST.DAT. A line without a TAB is split at its
// last run of spaces and reported, since phones expect the TAB.
func ParseRinglist(b []byte) (*Ringlist, []Problem) {
	var ps ProblemList
	r := &Ringlist{}
	if !checkText(b, &ps) {
		return r, ps
	}
	noteBOM(b, &ps)
	eachLine(b, &ps, func(t textLine) bool {
		s := strings.TrimRight(t.text, " \t")
		if strings.TrimSpace(s) == "" {
			return true
		}
		if len(r.Entries) >= MaxEntries {
			ps.Add(t.n, "more than %d entries", MaxEntries)
			return false
		}
		disp, file, ok := strings.Cut(s, "\t")
		if !ok {
			i := strings.LastIndexAny(s, " ")
			if i < 0 {
				ps.Add(t.n, "no file name: want display name, TAB, file name")
				return true
			}
			disp, file = s[:i], s[i+1:]
			ps.Add(t.n, "no TAB between display name and file name")
		}
		disp, file = strings.TrimSpace(disp), strings.TrimSpace(file)
		if disp == "" {
			ps.Add(t.n, "empty display name")
		}
		if strings.ContainsAny(file, " \t") {
			ps.Add(t.n, "file name %q contains white space", file)
		}
		r.Entries = append(r.Entries, Ring{Display: disp, File: file, Line: t.n})
		return true
	})
	if len(r.Entries) == 0 {
		ps.Add(0, "lists no rings")
	}
	return r, ps
}

// CheckRing returns a problem when a ring file of size bytes lies outside
// the sample counts newer phones accept, or nil.
func CheckRing(size int64) []Problem {
	if size < MinRingSamples || size > MaxRingSamples {
		return []Problem{{Msg: fmt.Sprintf("%d samples (8 kHz µ-law, one byte each); newer phones accept %d to %d", size, MinRingSamples, MaxRingSamples)}}
	}
	return nil
}
