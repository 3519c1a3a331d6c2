package container

import (
	"errors"
	"testing"
)

// TestNameSet: duplicates, file-and-directory and case collisions are
// refused and harmless repeats accepted, with the real hash and with one
// that gives every name the same hash (the path a chance collision of two
// folded names takes).
func TestNameSet(t *testing.T) {
	type add struct {
		name string
		dir  bool
		err  error
		msg  string
	}
	cases := []struct {
		name string
		adds []add
	}{
		{"distinct", []add{{"a", false, nil, ""}, {"b", false, nil, ""}, {"c/d", false, nil, ""}, {"c/e", false, nil, ""}}},
		{"duplicate", []add{{"a", false, nil, ""}, {"a", false, ErrDuplicate, ""}}},
		{"case", []add{{"OS79XX.TXT", false, nil, ""}, {"os79xx.txt", false, ErrCaseCollision, `"os79xx.txt" collides with "OS79XX.TXT"`}}},
		{"case of a directory", []add{{"Ring/a.raw", false, nil, ""}, {"ring/b.raw", false, ErrCaseCollision, `"ring" collides with "Ring"`}}},
		{"file and directory", []add{{"a", false, nil, ""}, {"a/b", false, ErrDuplicate, `"a" is both a file and a directory`}}},
		{"directory and file", []add{{"a", true, nil, ""}, {"a", false, ErrDuplicate, `"a" is both a file and a directory`}}},
		{"directory twice", []add{{"a", true, nil, ""}, {"a/b", false, nil, ""}, {"a", true, nil, ""}}},
		{"kelvin sign", []add{{"k", false, nil, ""}, {"\u212a", false, ErrCaseCollision, "\"\u212a\" collides with \"k\""}}},
	}
	for _, hash := range []struct {
		name string
		fn   func(string) uint64
	}{{"seeded hash", nil}, {"one hash for all", func(string) uint64 { return 7 }}} {
		for _, c := range cases {
			t.Run(hash.name+"/"+c.name, func(t *testing.T) {
				s := nameSet{hash: hash.fn}
				for _, a := range c.adds {
					msg, err := s.add(a.name, a.dir)
					if !errors.Is(err, a.err) || (a.msg != "" && msg != a.msg) || (err == nil && msg != "") {
						t.Fatalf("add(%q, %v) = %q, %v; want %q, %v", a.name, a.dir, msg, err, a.msg, a.err)
					}
				}
			})
		}
	}
}
