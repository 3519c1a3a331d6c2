package tftpmap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/internal/servertest"
	"github.com/phoneload/phoneload/internal/tftp"
)

// TestRewriteAgreesWithTftpdHPA serves a root through a real in.tftpd
// --map-file and asks for names: every file holds its own path, so the
// bytes that come back say which file the server opened. Rewrite must
// name the same file, or deny where the server denies.
func TestRewriteAgreesWithTftpdHPA(t *testing.T) {
	root := t.TempDir()
	files := []string{
		"SEP001122334455.cnf.xml", "XMLDefault.cnf.xml", "os79xx.txt",
		"firmware/7941/SIP41.9-4-2SR1S.loads", "firmware/7941/jar41sip.9-4-2TH1-1.sbn",
		"firmware/7941/term41.default.loads", "cfg/SEP00AABBCCDDEE.cnf.xml", "cfg/SEP001122334455.cnf.xml", "a/b/c", "Xc",
	}
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rules := `# per-model firmware folders, as real deployments keep them
re ^(SIP41\..*|(jar|cnu|cvm|dsp|apps)41[a-z]*\..*|term41\..*)$ firmware/7941/\1
ri ^sep([0-9a-f]{12})(\.cnf\.xml)$ cfg/SEP\U\1\E\2
rg \\ /
r ^OS79XX\.TXT$ \L\0
r (a|ab)c Xc
a \.\.
`
	mapFile := filepath.Join(t.TempDir(), "map")
	if err := os.WriteFile(mapFile, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Parse(strings.NewReader(rules), mapFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := servertest.StartHPAWith(t, root, 1, "--map-file", mapFile)
	c, err := tftp.NewClient(srv.Addr, tftp.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	served := 0
	for _, name := range []string{
		"SIP41.9-4-2SR1S.loads", "jar41sip.9-4-2TH1-1.sbn", "term41.default.loads", "SEP001122334455.cnf.xml",
		"sep00aabbccddee.cnf.xml", "OS79XX.TXT", `a\b\c`, "abc", "XMLDefault.cnf.xml", "../XMLDefault.cnf.xml", "SIP70.9-4-2SR1S.loads",
	} {
		var buf bytes.Buffer
		_, ferr := c.Fetch(name, &buf, 1<<20)
		got, rerr := m.Rewrite(name, Request{})
		switch {
		case errors.Is(rerr, ErrDenied):
			if ferr == nil {
				t.Errorf("%q: Rewrite denies, in.tftpd served %q", name, buf.String())
			}
		case rerr != nil:
			t.Errorf("%q: Rewrite: %v", name, rerr)
		case ferr != nil:
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(got))); err == nil {
				t.Errorf("%q: in.tftpd: %v; Rewrite names %q, which exists", name, ferr, got)
			}
		case buf.String() != got:
			t.Errorf("%q: in.tftpd served %q, Rewrite names %q", name, buf.String(), got)
		default:
			served++
			t.Logf("%q -> %q", name, got)
		}
	}
	if served < 9 {
		t.Errorf("only %d names served and agreed on; the comparison proves little", served)
	}
}
