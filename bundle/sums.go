package bundle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/phoneload/phoneload/internal/quote"
)

// SumsName is the file, at a bundle's root, listing every other file with its
// SHA-256 in the format of coreutils sha256sum.
const SumsName = "SHA256SUMS"

// MaxSumsSize bounds a SHA256SUMS file read from an untrusted bundle:
// room for the container.DefaultBundleLimits MaxFiles (1,048,576) lines
// of a 64-digit hash and a name of up to 60 bytes.
const MaxSumsSize = 128 << 20

// Sum is one line of SHA256SUMS.
type Sum struct {
	Name   string // slash-separated path relative to the bundle root
	SHA256 [32]byte
}

// MarshalSums writes sums in coreutils format ("<hex>  <name>\n"), sorted by
// name in byte order, so the same files always give the same bytes.
func MarshalSums(sums []Sum) ([]byte, error) {
	s := append([]Sum(nil), sums...)
	sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	var b bytes.Buffer
	for i, e := range s {
		if err := CheckName(e.Name); err != nil {
			return nil, err
		}
		if i > 0 && s[i-1].Name == e.Name {
			return nil, fmt.Errorf("bundle: %s: listed twice", e.Name)
		}
		b.Write(appendSumsLine(nil, e.SHA256, e.Name))
	}
	return b.Bytes(), nil
}

// appendSumsLine appends the SHA256SUMS line of name: its hash in hex,
// two spaces (sha256sum's text mode), the name, a newline.
func appendSumsLine(b []byte, sum [32]byte, name string) []byte {
	b = hex.AppendEncode(b, sum[:])
	b = append(b, ' ', ' ')
	b = append(b, name...)
	return append(b, '\n')
}

// ParseSums reads a SHA256SUMS file. It accepts what sha256sum writes in
// text or binary mode ("  " or " *"), rejects names that coreutils would
// escape (backslash, newline) and any name that is not a clean relative path,
// and reports problems as "SHA256SUMS:line: msg".
func ParseSums(data []byte) ([]Sum, error) {
	text := string(data) // one copy; names are slices of it
	x, err := indexSums(text)
	if err != nil {
		return nil, err
	}
	out := make([]Sum, len(x.lines))
	for i, off := range x.lines {
		out[i] = x.at(off)
	}
	return out, nil
}

// sumsIndex is a SHA256SUMS file validated in place: no Sum per line,
// only the offset of each line, in file order and sorted by name, so that
// a list of a million files costs its own bytes and 8 bytes a line
// (issue 16: verify holds no map of the listed names).
type sumsIndex struct {
	text   string
	lines  []uint32 // offset of each line, in file order
	sorted []uint32 // the same, by name (byte order)
}

// at returns the line starting at off.
func (x *sumsIndex) at(off uint32) Sum {
	var s Sum
	decodeHexLower(s.SHA256[:], x.text[off:off+64])
	s.Name = x.name(off)
	return s
}

// name returns the name of the line starting at off.
func (x *sumsIndex) name(off uint32) string {
	l := x.text[off+66:]
	return l[:strings.IndexByte(l, '\n')]
}

// find returns the line listing name, if any.
func (x *sumsIndex) find(name string) (uint32, bool) {
	i := sort.Search(len(x.sorted), func(i int) bool { return x.name(x.sorted[i]) >= name })
	if i < len(x.sorted) && x.name(x.sorted[i]) == name {
		return x.sorted[i], true
	}
	return 0, false
}

// lineOf returns the 1-based line number of the line starting at off.
func (x *sumsIndex) lineOf(off uint32) int {
	return strings.Count(x.text[:off], "\n") + 1
}

// indexSums validates text as ParseSums does, with the same errors: the
// first problem in line order, a name listed twice included.
func indexSums(text string) (*sumsIndex, error) {
	if len(text) > MaxSumsSize {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", SumsName, MaxSumsSize)
	}
	if len(text) > 0 && text[len(text)-1] != '\n' {
		return nil, fmt.Errorf("bundle: %s: last line not terminated", SumsName)
	}
	// A line is at least 64+2+1+1 bytes: no more entries than that allows,
	// whatever the count of newlines.
	n := min(strings.Count(text, "\n"), len(text)/68)
	x := &sumsIndex{text: text, lines: make([]uint32, 0, n)}
	var lineErr error // the first malformed line; lines before it are indexed
	errLine := 0
	line := 0
	for off := 0; off < len(text); {
		line++
		i := strings.IndexByte(text[off:], '\n')
		l := text[off : off+i]
		bad := func(format string, args ...any) error {
			return fmt.Errorf("bundle: %s:%d: %s", SumsName, line, fmt.Sprintf(format, args...))
		}
		var sum [32]byte
		switch {
		case line == 1 && strings.HasPrefix(l, "\ufeff"):
			lineErr = bad("starts with a byte-order mark; SHA256SUMS is plain text as sha256sum writes it")
		case strings.HasSuffix(l, "\r"):
			lineErr = bad("ends with a carriage return; SHA256SUMS lines end with LF only, as sha256sum writes them")
		case strings.HasPrefix(l, "\\"):
			// sha256sum marks a line whose name it escaped (a backslash,
			// newline or carriage return in the name) with a leading
			// backslash; bundle names never contain them.
			lineErr = bad("a name escaped by sha256sum (backslash, newline or carriage return in it); bundle file names cannot contain these")
		case len(l) < 64+2+1 || (l[64:66] != "  " && l[64:66] != " *"):
			lineErr = bad("not a sha256sum line")
		case !decodeHexLower(sum[:], l[:64]):
			lineErr = bad("bad hex digest")
		default:
			if err := CheckName(l[66:]); err != nil {
				lineErr = bad("%v", strings.TrimPrefix(err.Error(), "bundle: "))
			}
		}
		if lineErr != nil {
			errLine = line
			break
		}
		x.lines = append(x.lines, uint32(off))
		off += i + 1
	}
	// Sorted by name, the first occurrence of a name first; pack writes
	// SHA256SUMS sorted, so this is usually one pass.
	x.sorted = x.lines
	less := func(a, b uint32) bool {
		na, nb := x.name(a), x.name(b)
		return na < nb || na == nb && a < b
	}
	for i := 1; i < len(x.lines); i++ {
		if !less(x.lines[i-1], x.lines[i]) {
			x.sorted = append([]uint32(nil), x.lines...)
			sort.Slice(x.sorted, func(i, j int) bool { return less(x.sorted[i], x.sorted[j]) })
			break
		}
	}
	// A name listed twice: the error is at the second occurrence, the
	// earliest such line, as a reading in line order would find it.
	var dup, first uint32
	found := false
	for i := 1; i < len(x.sorted); i++ {
		a, b := x.sorted[i-1], x.sorted[i]
		if x.name(a) != x.name(b) {
			continue
		}
		if i >= 2 && x.name(x.sorted[i-2]) == x.name(b) {
			continue // a third occurrence: the second comes first
		}
		if !found || b < dup {
			dup, first, found = b, a, true
		}
	}
	if found && (lineErr == nil || x.lineOf(dup) < errLine) {
		return nil, fmt.Errorf("bundle: %s:%d: %s already listed on line %d", SumsName, x.lineOf(dup), x.name(dup), x.lineOf(first))
	}
	if lineErr != nil {
		return nil, lineErr
	}
	return x, nil
}

// CheckName refuses a bundle path that is not a clean, relative,
// slash-separated name that sha256sum, unzip and a TFTP server all read the
// same way.
func CheckName(name string) error {
	bad := func(why string) error { return fmt.Errorf("bundle: %q: %s", name, why) }
	switch {
	case name == "":
		return errors.New("bundle: empty file name")
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.ContainsAny(name, "\\\n\r\x00"):
		return bad("contains a backslash or control character")
	case strings.HasPrefix(name, "/"):
		return bad("absolute path")
	case strings.HasSuffix(name, "/"):
		return bad("ends with a slash")
	}
	for rest := name; ; {
		el, tail, more := strings.Cut(rest, "/")
		if el == "" || el == "." || el == ".." {
			return bad("not a clean relative path")
		}
		if !more {
			break
		}
		rest = tail
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			return bad("contains a control character")
		}
	}
	if why := quote.Hidden(name); why != "" {
		return bad("contains a " + why)
	}
	return nil
}

// decodeHexLower decodes lowercase hex (what sha256sum writes) into dst.
func decodeHexLower(dst []byte, src string) bool {
	for i := range dst {
		hi, lo := unhexLower(src[2*i]), unhexLower(src[2*i+1])
		if hi > 15 || lo > 15 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func unhexLower(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 0xff
}
