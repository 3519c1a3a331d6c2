package publish

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// FuzzSetSIPImageVersion: whatever the configuration, setting image_version
// makes SIPImageVersion read back exactly that value, and every other line
// is kept.
func FuzzSetSIPImageVersion(f *testing.F) {
	for _, s := range []string{"image_version: X\n", "a: 1\r\nimage_version: \"Y\" ; c\r\n", "# c\n", "", "image_version:", "x: \"unterminated\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cfg string) {
		out := string(cisco.SetSIPImageVersion([]byte(cfg), "P0S3-8-12-00"))
		if v, ok := cisco.SIPImageVersion([]byte(out)); !ok || v != "P0S3-8-12-00" {
			t.Fatalf("after set: %q, %v\n%q", v, ok, out)
		}
		for _, line := range strings.Split(cfg, "\n") {
			if n, _, ok := cisco.SIPLine(line); ok && strings.EqualFold(n, "image_version") {
				continue
			}
			if !strings.Contains(out, line) {
				t.Fatalf("line %q lost", line)
			}
		}
	})
}

// FuzzReadJournal: a journal read back from disk (possibly corrupted or
// planted) never yields a name outside the root or a staged name outside
// the transaction directory.
func FuzzReadJournal(f *testing.F) {
	j := journal{Version: 1, ID: "x", State: stateCommitting, Ops: []journalOp{{Name: "SIPDefault.cnf", Op: opReplace, Stage: "00001"}}}
	b, _ := json.Marshal(j)
	f.Add(b)
	f.Add([]byte(`{"version":1,"ops":[{"name":"../../etc/passwd","op":"remove","stage":"1"}]}`))
	f.Add([]byte(`{"version":1,"ops":[{"name":"a","op":"create","stage":"../../x"}]}`))
	f.Add([]byte(`{"version":1,"ops":[{"name":"a/b","op":"create","stage":"1","dirs":["a","..","a/b/c"]}]}`))
	// Version 2, append-only: header, records, a torn last one.
	f.Add([]byte(`{"version":2,"id":"x","prev":{"files":{}}}` + "\n" + `{"state":"preparing"}` + "\n" +
		`{"state":"prepared","ops":[{"name":"a/b","op":"create","stage":"00001","dirs":["a"]}],"next":{"files":{"a/b":"c"}}}` + "\n" +
		`{"state":"committing"}` + "\n" + `{"state":"comm`))
	f.Add([]byte(`{"version":2,"id":"x"}` + "\n" + `{"state":"preparing"}` + "\n" + `{"state":"prepared","ops":[{"name":"../x","op":"remove","stage":"1"}],"next":{}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "journal.json"), data, 0o644)
		j, err := readJournal(dir)
		if err != nil {
			return
		}
		for _, op := range j.Ops {
			if checkSafeName(op.Name) != nil || strings.ContainsAny(op.Stage, `/\`) || op.Stage == ".." {
				t.Fatalf("accepted op %+v", op)
			}
			for _, d := range op.Dirs {
				if checkSafeName(d) != nil || !strings.HasPrefix(op.Name, d+"/") {
					t.Fatalf("accepted directory %q of op %+v", d, op)
				}
			}
		}
	})
}

// FuzzLoadsParts: never panics, and no part name has surrounding space.
func FuzzLoadsParts(f *testing.F) {
	f.Add([]byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\nLA_VERSION=PAS30830\n"))
	f.Add([]byte("# c\r\njar41sip.8-5-4TH1-6.sbn \r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range cisco.LoadsParts(data) {
			if p == "" || strings.TrimSpace(p) != p {
				t.Fatalf("part %q", p)
			}
		}
	})
}
