package cli

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/phoneload/phoneload", Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-05T06:00:00+01:00"},
		{Key: "vcs.modified", Value: "true"},
	}}
	tagged := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}}
	for _, tc := range []struct {
		name, ld string
		bi       *debug.BuildInfo
		want     string // Version
		commit   string
		time     string
		dirty    string // "", "true", "false"
	}{
		{"ldflags wins", "v9.9.9", stamped, "v9.9.9", "0123456789abcdef0123456789abcdef01234567", "2026-12-05T05:00:00Z", "true"},
		{"devel with commit", "", stamped, "devel+0123456789ab-dirty", "0123456789abcdef0123456789abcdef01234567", "2026-12-05T05:00:00Z", "true"},
		{"go install tag", "", tagged, "v1.2.3", "", "", ""},
		{"no build info", "", nil, "devel", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := buildInfoFrom("phoneload", tc.ld, tc.bi, tc.bi != nil)
			if b.Version != tc.want || b.Commit != tc.commit || b.CommitTime != tc.time {
				t.Errorf("got version %q commit %q time %q, want %q %q %q", b.Version, b.Commit, b.CommitTime, tc.want, tc.commit, tc.time)
			}
			dirty := ""
			if b.Modified != nil {
				dirty = map[bool]string{true: "true", false: "false"}[*b.Modified]
			}
			if dirty != tc.dirty {
				t.Errorf("modified %q, want %q", dirty, tc.dirty)
			}
			var buf bytes.Buffer
			WriteVersion(&buf, b)
			if !strings.HasPrefix(buf.String(), "phoneload "+tc.want+"\n") || !strings.Contains(buf.String(), "\ngo:        ") {
				t.Errorf("text:\n%s", buf.String())
			}
			buf.Reset()
			if err := WriteJSON(&buf, b); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"schema", "program", "version", "module", "commit", "commit_time", "modified", "go", "platform"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q: %s", k, buf.String())
				}
			}
		})
	}
}
