package tftpmap

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *Map {
	t.Helper()
	m, err := Parse(strings.NewReader(s), "map")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRewrite: the operations and escapes of tftpd(8), "FILENAME
// REMAPPING", one case each; the interop test runs the same against a
// real in.tftpd.
func TestRewrite(t *testing.T) {
	tests := []struct {
		name, rules, in, want string
		req                   Request
		err                   error
	}{
		{"per-model folder", "r ^(SIP41\\..*) firmware/7941/\\1\n", "SIP41.9-4-2SR1S.loads", "firmware/7941/SIP41.9-4-2SR1S.loads", Request{}, nil},
		{"no match leaves the name", "r ^SIP41 x/\\0\n", "SEP001122334455.cnf.xml", "SEP001122334455.cnf.xml", Request{}, nil},
		{"all rules run by default", "r ^a b\nr ^b c\n", "ax", "cx", Request{}, nil},
		{"e ends", "re ^a b\nr ^b c\n", "ax", "bx", Request{}, nil},
		{"s restarts", "r ^c d\nrs ^a c\n", "ax", "dx", Request{}, nil},
		{"g repeats", "rg \\\\ /\n", `a\b\c`, "a/b/c", Request{}, nil},
		{"without g once", "r \\\\ /\n", `a\b\c`, `a/b\c`, Request{}, nil},
		{"i folds case", "ri ^sep(.*) cfg/SEP\\1\n", "sep001122334455.cnf.xml", "cfg/SEP001122334455.cnf.xml", Request{}, nil},
		{"case-sensitive without i", "r ^sep(.*) cfg/SEP\\1\n", "SEP1", "SEP1", Request{}, nil},
		{"\\U upper-cases", "r ^(sep[0-9a-f]*)(.*) \\U\\1\\E\\2\n", "sep00aabb.cnf.xml", "SEP00AABB.cnf.xml", Request{}, nil},
		{"\\L lower-cases", "r ^(.*)$ \\L\\1\n", "OS79XX.TXT", "os79xx.txt", Request{}, nil},
		{"\\i the client", "r ^ \\i/\n", "a", "192.0.2.9/a", Request{Addr: netip.MustParseAddr("192.0.2.9")}, nil},
		{"\\x the client in hex", "r ^ \\x/\n", "a", "C0000209/a", Request{Addr: netip.MustParseAddr("192.0.2.9")}, nil},
		{"a denies", "a \\.\\.\n", "../etc/passwd", "", Request{}, ErrDenied},
		{"~ inverts", "a~ ^[A-Za-z0-9]\n", "/x", "", Request{}, ErrDenied},
		{"G only for reads", "rP ^ up/\nrG ^ down/\n", "a", "down/a", Request{}, nil},
		{"P only for writes", "rP ^ up/\nrG ^ down/\n", "a", "up/a", Request{Put: true}, nil},
		{"6 only for IPv6", "r6 ^ v6/\n", "a", "a", Request{Addr: netip.MustParseAddr("192.0.2.9")}, nil},
		{"leftmost-longest (POSIX)", "r (a|ab) X\n", "abc", "Xc", Request{}, nil},
		{"comment and escaped space", "# rules\nr ^a\\ b c # trailing\n", "a b", "c", Request{}, nil},
		{"s forever", "rs ^a a\n", "a", "", Request{}, ErrLoop},
		{"g growing forever", "rg a aa\n", "a", "", Request{}, ErrLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mustParse(t, tt.rules).Rewrite(tt.in, tt.req)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("Rewrite(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"x ^a\n", "map:1: unknown operation 'x'"},
		{"# c\nr ^a\n", "map:2: rule \"r\" \"^a\": r needs a replacement"},
		{"r~ ^a b\n", "map:1: operation \"r~\": ~ cannot be used with r"},
		{"e\n", "map:1: operation \"e\" without a regular expression"},
		{"r ( x\n", "map:1: regular expression \"(\""},
		{"e ^a b\n", "map:1: unexpected text \"b\""},
	} {
		_, err := Parse(strings.NewReader(tt.in), "map")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestServed(t *testing.T) {
	m := mustParse(t, "r ^(SIP41\\..*|[a-z]+41[a-z]*\\..*\\.sbn)$ firmware/7941/\\1\nr ^(term41\\..*) firmware/7941/\\1\n")
	got := m.Served([]string{"SEP001122334455.cnf.xml", "firmware/7941/SIP41.9-4-2SR1S.loads", "firmware/7941/jar41sip.9-4-2TH1-1.sbn", "firmware/7970/SIP70.9-4-2SR1S.loads", "firmware/7941/term41.default.loads"})
	want := map[string]string{
		"SEP001122334455.cnf.xml":             "SEP001122334455.cnf.xml",
		"SIP41.9-4-2SR1S.loads":               "firmware/7941/SIP41.9-4-2SR1S.loads",
		"jar41sip.9-4-2TH1-1.sbn":             "firmware/7941/jar41sip.9-4-2TH1-1.sbn",
		"firmware/7970/SIP70.9-4-2SR1S.loads": "firmware/7970/SIP70.9-4-2SR1S.loads",
		"term41.default.loads":                "firmware/7941/term41.default.loads",
	}
	if len(got) != len(want) {
		t.Fatalf("Served = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Served[%q] = %q, want %q", k, got[k], v)
		}
	}
}

func FuzzParseRewrite(f *testing.F) {
	f.Add("r ^(SIP41\\..*) firmware/7941/\\1\nrg \\\\ /\nri ^sep(.*) SEP\\1\n", "SIP41.x.loads")
	f.Add("rs ^a a\n", "a")
	f.Fuzz(func(t *testing.T, rules, name string) {
		m, err := Parse(strings.NewReader(rules), "fuzz")
		if err != nil {
			return
		}
		if len(name) > 256 {
			return
		}
		m.Rewrite(name, Request{}) // must finish: MaxSteps bounds restarts and g loops
	})
}
