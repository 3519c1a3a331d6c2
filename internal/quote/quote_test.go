package quote

import "testing"

// The corpus: one name per refused class, and names that must pass.
var corpus = []struct {
	name   string
	hidden string // Hidden's answer
	quoted string // Name's answer
}{
	{"SIP41.8-5-3S.loads", "", "SIP41.8-5-3S.loads"},
	{"café.cnf", "", "café.cnf"},
	{"a b.txt", "", "a b.txt"}, // U+0020 is a space separator (Zs), not refused
	{"a\x1b[2Jb", "control character U+001B", `"a\x1b[2Jb"`},
	{"a\x7fb", "control character U+007F", `"a\x7fb"`},
	{"a\u009b31mb", "control character U+009B", `"a\u009b31mb"`},
	{"SEP\u202Egifs.exe", "format character U+202E", `"SEP\u202egifs.exe"`},
	{"SIP\u200B.cnf", "format character U+200B", `"SIP\u200b.cnf"`},
	{"\uFEFFOS79XX.TXT", "format character U+FEFF", `"\ufeffOS79XX.TXT"`},
	{"a\u2028b", "line separator U+2028", `"a\u2028b"`},
	{"a\u2029b", "paragraph separator U+2029", `"a\u2029b"`},
	{"a\xffb", "", `"a\xffb"`},
}

func TestCorpus(t *testing.T) {
	for _, c := range corpus {
		if got := Hidden(c.name); got != c.hidden {
			t.Errorf("Hidden(%q) = %q, want %q", c.name, got, c.hidden)
		}
		if got := Name(c.name); got != c.quoted {
			t.Errorf("Name(%q) = %s, want %s", c.name, got, c.quoted)
		}
	}
}
