package cmd

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestSystemdUnitFlags: the flags the packaged unit passes to
// `phoneload sync` exist, and it runs one round per timer tick.
func TestSystemdUnitFlags(t *testing.T) {
	b, err := os.ReadFile("../../../packaging/systemd/phoneload-sync.service")
	if err != nil {
		t.Fatal(err)
	}
	exec := regexp.MustCompile(`(?m)^ExecStart=/usr/bin/phoneload sync (.*)$`).FindSubmatch(b)
	if exec == nil {
		t.Fatal("no ExecStart=/usr/bin/phoneload sync line")
	}
	cmd := NewCmdSync()
	for _, tok := range strings.Fields(string(exec[1])) {
		if name, ok := strings.CutPrefix(tok, "--"); ok {
			if cmd.Flags().Lookup(name) == nil {
				t.Errorf("unit passes --%s, which sync does not have", name)
			}
		}
	}
	if !strings.Contains(string(exec[1]), "--once") {
		t.Error("the unit must run one round (--once); the timer repeats it")
	}
	flags := regexp.MustCompile(`(?m)^#\s+PHONELOAD_FLAGS=(.*)$`).FindSubmatch(b)
	if flags == nil {
		t.Fatal("no example PHONELOAD_FLAGS")
	}
	for _, tok := range regexp.MustCompile(`--[a-z-]+`).FindAllString(string(flags[1]), -1) {
		if NewCmdSync().Flags().Lookup(tok[2:]) == nil {
			t.Errorf("the example PHONELOAD_FLAGS pass %s, which sync does not have", tok)
		}
	}
	timer, err := os.ReadFile("../../../packaging/systemd/phoneload-sync.timer")
	if err != nil || !strings.Contains(string(timer), "OnUnitActiveSec=") {
		t.Errorf("timer: %v", err)
	}
}
