package cmd

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/probe"
)

// Shell completion of flag values (phoneload completion bash|zsh|fish|
// powershell): rule ids with their titles, phone models, key and other
// files by extension, directories, fixed value lists. registerCompletions
// walks the whole tree, so that a flag of the same name completes the same
// way in every command; a command that means something else by a name
// (compile --key is a hex key, sync --state a file) is listed apart.
func registerCompletions(root *cobra.Command) {
	values := func(vs ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(vs, cobra.ShellCompDirectiveNoFileComp)
	}
	exts := func(e ...string) cobra.CompletionFunc {
		return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return e, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	dirs := func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	}
	rules := func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		// --ignore takes a comma-separated list: complete its last item.
		done := ""
		if i := strings.LastIndex(prefix, ","); i >= 0 {
			done = prefix[:i+1]
		}
		var out []cobra.Completion
		for _, r := range check.Rules() {
			if strings.HasPrefix(done+r.ID, prefix) {
				out = append(out, cobra.CompletionWithDesc(done+r.ID, r.Title))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	var simModels []string
	for _, m := range check.KnownModels() {
		if check.ModelFamily(m) != "" {
			simModels = append(simModels, m)
		}
	}
	byName := map[string]cobra.CompletionFunc{
		"ignore":          rules,
		"allow":           rules,
		"model":           values(simModels...),
		"pub":             exts("pub"),
		"key":             exts("key"),
		"trust":           exts("pem", "crt", "cer"),
		"table":           exts("dat"),
		"fleet":           exts("csv"),
		"ca-file":         exts("pem", "crt"),
		"registry-config": exts("json"),
		"log-format":      values("text", "json"),
		"hash":            values("sha1", "sha256", "sha512"),
		"protocol":        values("sip", "sccp"),
		"state":           dirs,
		"outdir":          dirs,
		"drops":           dirs,
		"templates":       dirs,
		"reuse":           dirs,
	}
	// Commands where a flag name means something else.
	byCommand := map[string]map[string]cobra.CompletionFunc{
		"phoneload probe":      {"model": values(probe.Models()...)},
		"phoneload compile":    {"key": cobra.NoFileCompletions}, // a hex RC4 key
		"phoneload sign-image": {"key": exts("pem", "key")},      // an RSA key in PEM
		"phoneload sync":       {"state": nil},                   // a file
		"phoneload verify":     {"root": dirs},
	}
	visitCommands(root, func(c *cobra.Command) {
		special := byCommand[c.CommandPath()]
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			fn, ok := special[f.Name]
			if !ok {
				fn = byName[f.Name]
			}
			if fn != nil {
				// An error means the flag already completes: leave it.
				_ = c.RegisterFlagCompletionFunc(f.Name, fn)
			}
		})
	})
}

func visitCommands(c *cobra.Command, fn func(*cobra.Command)) {
	fn(c)
	for _, s := range c.Commands() {
		visitCommands(s, fn)
	}
}
