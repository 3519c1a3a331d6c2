package container

import (
	"fmt"
	"hash/maphash"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phoneload/phoneload/internal/quote"
)

// checkName reports why name cannot be a file name inside a drop, or "" when
// it is fine. Names are slash-separated and relative; anything a filesystem
// or a TFTP server on another system could read as a different path is
// refused rather than cleaned up, because a cleaned-up name is not the name
// the phone asks for.
func checkName(name string) string {
	switch {
	case name == "":
		return "empty name"
	case !utf8.ValidString(name):
		return "name is not valid UTF-8"
	case strings.HasPrefix(name, "/"):
		return "absolute path"
	case strings.Contains(name, `\`):
		return "backslash in name (a path separator on Windows)"
	case len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]):
		return "drive letter"
	case strings.Contains(name, ":"):
		return `":" in name (a drive or stream separator on Windows)`
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "control character in name"
		}
	}
	if why := quote.Hidden(name); why != "" {
		return why + " in name"
	}
	for rest := name; ; {
		el, after, more := strings.Cut(rest, "/")
		switch el {
		case "":
			return "empty path element"
		case ".":
			return `"." path element`
		case "..":
			return `".." path element`
		}
		if !more {
			return ""
		}
		rest = after
	}
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// foldName maps every rune to the smallest rune of its case-folding orbit, so
// that two names that differ only in case map to the same key.
func foldName(s string) string { return strings.Map(foldRune, s) }

// foldRune is what foldName maps r to.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A' // the orbits of k and s hold larger runes only
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}

// foldEqual reports whether foldName(a) == foldName(b), without building
// either.
func foldEqual(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// foldHasher hashes foldName(s) without building it, with a seed of its
// own so that no input can be made to collide.
type foldHasher struct {
	h   maphash.Hash
	buf [256]byte
}

func (f *foldHasher) sum(s string) uint64 {
	f.h.Reset()
	b := f.buf[:0]
	for _, r := range s {
		if len(b) > len(f.buf)-utf8.UTFMax {
			f.h.Write(b)
			b = b[:0]
		}
		b = utf8.AppendRune(b, foldRune(r))
	}
	f.h.Write(b)
	return f.h.Sum64()
}

// nameSet remembers the names of a container (files and the directories
// they imply) to refuse duplicates, a name that is both a file and a
// directory, and names that differ only in case.
//
// It keys each name by a seeded hash of its folded form rather than by the
// folded string, and keeps the names themselves (which share the caller's
// memory) in a slice: about 50 bytes a name where a map of folded strings
// took twice that, which counts at a million entries.
type nameSet struct {
	seen  map[uint64]int32 // hash of the folded name -> index in names
	names []nameInfo
	more  map[string]int32 // folded name -> index, for a name whose hash is another's
	h     foldHasher
	hash  func(string) uint64 // tests: a hash of their own (nil: h.sum)
}

type nameInfo struct {
	name string
	dir  bool
}

// add records name; dir tells whether the entry is a directory.
// It returns the detail and the sentinel of a refusal.
func (s *nameSet) add(name string, dir bool) (string, error) {
	if s.seen == nil {
		s.seen = make(map[uint64]int32)
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			if d, err := s.put(name[:i], true); err != nil {
				return d, err
			}
		}
	}
	return s.put(name, dir)
}

func (s *nameSet) put(name string, dir bool) (string, error) {
	var k uint64
	if s.hash != nil {
		k = s.hash(name)
	} else {
		k = s.h.sum(name)
	}
	i, ok := s.seen[k]
	if ok && !foldEqual(s.names[i].name, name) {
		// Two folded names with one hash: the seed makes it chance,
		// not something an input can arrange; kept apart by name.
		f := foldName(name)
		if i, ok = s.more[f]; !ok {
			if s.more == nil {
				s.more = make(map[string]int32)
			}
			s.more[f] = int32(len(s.names))
			s.names = append(s.names, nameInfo{name, dir})
			return "", nil
		}
	}
	if !ok {
		s.seen[k] = int32(len(s.names))
		s.names = append(s.names, nameInfo{name, dir})
		return "", nil
	}
	old := s.names[i]
	switch {
	case old.name != name:
		return fmt.Sprintf("%q collides with %q", name, old.name), ErrCaseCollision
	case old.dir && dir:
		return "", nil // a directory named twice (zip directory entries) is harmless
	case old.dir || dir:
		return fmt.Sprintf("%q is both a file and a directory", name), ErrDuplicate
	}
	return "", ErrDuplicate
}
