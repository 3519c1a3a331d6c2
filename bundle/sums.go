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
		b.WriteString(hex.EncodeToString(e.SHA256[:]))
		b.WriteString("  ")
		b.WriteString(e.Name)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// ParseSums reads a SHA256SUMS file. It accepts what sha256sum writes in
// text or binary mode ("  " or " *"), rejects names that coreutils would
// escape (backslash, newline) and any name that is not a clean relative path,
// and reports problems as "SHA256SUMS:line: msg".
func ParseSums(data []byte) ([]Sum, error) {
	if len(data) > MaxSumsSize {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", SumsName, MaxSumsSize)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		return nil, fmt.Errorf("bundle: %s: last line not terminated", SumsName)
	}
	// A line is at least 64+2+1+1 bytes: no more entries than that allows,
	// whatever the count of newlines.
	n := min(bytes.Count(data, []byte("\n")), len(data)/68)
	out := make([]Sum, 0, n)
	seen := make(map[string]int, n)
	text := string(data) // one copy; names are slices of it
	line := 0
	for len(text) > 0 {
		line++
		i := strings.IndexByte(text, '\n')
		l := text[:i]
		text = text[i+1:]
		bad := func(format string, args ...any) error {
			return fmt.Errorf("bundle: %s:%d: %s", SumsName, line, fmt.Sprintf(format, args...))
		}
		switch {
		case line == 1 && strings.HasPrefix(l, "\ufeff"):
			return nil, bad("starts with a byte-order mark; SHA256SUMS is plain text as sha256sum writes it")
		case strings.HasSuffix(l, "\r"):
			return nil, bad("ends with a carriage return; SHA256SUMS lines end with LF only, as sha256sum writes them")
		case strings.HasPrefix(l, "\\"):
			// sha256sum marks a line whose name it escaped (a backslash,
			// newline or carriage return in the name) with a leading
			// backslash; bundle names never contain them.
			return nil, bad("a name escaped by sha256sum (backslash, newline or carriage return in it); bundle file names cannot contain these")
		case len(l) < 64+2+1 || (l[64:66] != "  " && l[64:66] != " *"):
			return nil, bad("not a sha256sum line")
		}
		var s Sum
		if !decodeHexLower(s.SHA256[:], l[:64]) {
			return nil, bad("bad hex digest")
		}
		s.Name = l[66:]
		if err := CheckName(s.Name); err != nil {
			return nil, bad("%v", strings.TrimPrefix(err.Error(), "bundle: "))
		}
		if prev, ok := seen[s.Name]; ok {
			return nil, bad("%s already listed on line %d", s.Name, prev)
		}
		seen[s.Name] = line
		out = append(out, s)
	}
	return out, nil
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
