package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestUsageErrorsShowOwnUsage: for every command, a bad flag is a usage
// error (exit 2) whose stderr shows that command's usage line and first
// example, not the root's command list, and a hint naming its --help.
func TestUsageErrorsShowOwnUsage(t *testing.T) {
	var cmds []*cobra.Command
	visitCommands(New(), func(c *cobra.Command) {
		if c.Runnable() && c.HasParent() && !c.DisableFlagParsing {
			cmds = append(cmds, c)
		}
	})
	if len(cmds) < 15 {
		t.Fatalf("only %d commands", len(cmds))
	}
	for _, c := range cmds {
		path := strings.Fields(c.CommandPath())[1:]
		var out, errb bytes.Buffer
		code := Run(append(path, "--no-such-flag"), strings.NewReader(""), &out, &errb)
		got := errb.String()
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", c.CommandPath(), code)
		}
		use := strings.TrimSpace(strings.TrimPrefix(c.Use, c.Name()))
		if !strings.Contains(got, "\nUsage:\n  "+c.CommandPath()) || !strings.Contains(got, use) {
			t.Errorf("%s: no usage line %q in:\n%s", c.CommandPath(), c.Use, got)
		}
		if ex := strings.SplitN(c.Example, "\n", 2)[0]; !strings.Contains(got, ex+"\n") {
			t.Errorf("%s: no example %q in:\n%s", c.CommandPath(), ex, got)
		}
		if strings.Contains(got, "Available Commands") || !strings.Contains(got, "phoneload: hint: run '"+c.CommandPath()+" --help' for every flag\n") {
			t.Errorf("%s: stderr:\n%s", c.CommandPath(), got)
		}
		if out.Len() > 0 {
			t.Errorf("%s: stdout %q", c.CommandPath(), out.String())
		}
	}
}
