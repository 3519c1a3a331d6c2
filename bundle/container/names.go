package container

import (
	"fmt"
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
	for _, el := range strings.Split(name, "/") {
		switch el {
		case "":
			return "empty path element"
		case ".":
			return `"." path element`
		case "..":
			return `".." path element`
		}
	}
	return ""
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// foldName maps every rune to the smallest rune of its case-folding orbit, so
// that two names that differ only in case map to the same key.
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		return m
	}, s)
}

// nameSet remembers the names of a container (files and the directories
// they imply) to refuse duplicates, a name that is both a file and a
// directory, and names that differ only in case.
type nameSet struct {
	m map[string]nameInfo // folded name -> first name seen
}

type nameInfo struct {
	name string
	dir  bool
}

// add records name; dir tells whether the entry is a directory.
// It returns the detail and the sentinel of a refusal.
func (s *nameSet) add(name string, dir bool) (string, error) {
	if s.m == nil {
		s.m = make(map[string]nameInfo)
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
	k := foldName(name)
	old, ok := s.m[k]
	switch {
	case !ok:
		s.m[k] = nameInfo{name, dir}
		return "", nil
	case old.name != name:
		return fmt.Sprintf("%q collides with %q", name, old.name), ErrCaseCollision
	case old.dir && dir:
		return "", nil // a directory named twice (zip directory entries) is harmless
	case old.dir || dir:
		return fmt.Sprintf("%q is both a file and a directory", name), ErrDuplicate
	}
	return "", ErrDuplicate
}
