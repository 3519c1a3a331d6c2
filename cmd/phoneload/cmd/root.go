// Package cmd holds the phoneload command tree: one file per subcommand,
// each a thin layer over the bundle, cfgfmt and sign libraries.
package cmd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/cli"
)

// Prog is the program name used in messages.
const Prog = "phoneload"

// Version is set at build time with -ldflags "-X …/cmd.Version=v1.2.3";
// otherwise it comes from the module's build information.
var Version = ""

// ToolVersion reports the version string of this build: the -ldflags
// Version, else the module version, else devel+COMMIT (-dirty).
func ToolVersion() string {
	return cli.ReadBuildInfo(Prog, Version).Version
}

// New returns the root command with every subcommand attached.
func New() *cobra.Command {
	root := &cobra.Command{
		Use:   "phoneload",
		Short: "Inspect, check, compile, sign and publish Cisco IP phone firmware",
		Long: `phoneload turns a Cisco IP phone firmware drop into a checked, signed bundle
and puts it into a live TFTP root without a phone ever reading a half-written
drop. It also replaces Cisco's cfgfmt profile compiler, byte for byte.

Data goes to stdout, messages to stderr. Exit codes: 0 success, 1 errors found
or operation failed, 2 usage error, 3 bad or untrusted signature, 4 content
does not match what was signed, 5 refused by policy (expired, sequence).

Memory: phoneload sets Go's soft memory limit to 176 MiB, so that check,
inspect and the like of a root of a million files stay under 200 MB; the
limit is lifted once the live heap passes 7/8 of it or the collector takes
over half the CPU (a larger root then costs memory, not time). GOMEMLIMIT or GOGC in the environment replaces it.`,
		Version:       ToolVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var vt bytes.Buffer
	cli.WriteVersion(&vt, cli.ReadBuildInfo(Prog, Version))
	// The template is text/template: keep any brace in a version literal.
	root.SetVersionTemplate(strings.ReplaceAll(vt.String(), "{{", `{{"{{"}}`))
	root.AddCommand(
		// Subcommands, one file each (NewCmdXxx).
		NewCmdCheck(),
		NewCmdSignImage(),
		NewCmdInspect(),
		NewCmdKey(),
		NewCmdPack(),
		NewCmdVerify(),
		NewCmdUnpack(),
		NewCmdCfgfmt(),
		NewCmdCompile(),
		NewCmdPublish(),
		NewCmdProbe(),
		NewCmdRollback(),
		NewCmdHistory(),
		NewCmdServe(),
		NewCmdPush(),
		NewCmdPull(),
		NewCmdSync(),
		NewCmdSimulate(),
		NewCmdLog(),
		NewCmdPlan(),
		NewCmdVersion(),
	)
	registerCompletions(root)
	return root
}

// Run executes the command tree with args and returns the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := New()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(context.WithValue(context.Background(), argsKey{}, args))
	c, err := root.ExecuteC()
	if c != nil && c != root && cli.IsUsage(err) {
		// A usage error shows the command's own usage and examples, not
		// the root's.
		err = cli.WithUsage(err, usageText(c))
		// cobra suggests only for the root's commands; a subcommand's
		// subcommands get the same one-line "did you mean".
		if !hasHint(err) && c.HasAvailableSubCommands() && strings.HasPrefix(err.Error(), "unknown command ") {
			if name, _, ok := strings.Cut(strings.TrimPrefix(err.Error(), "unknown command "), " "); ok {
				if sug := c.SuggestionsFor(strings.Trim(name, `"`)); len(sug) > 0 {
					err = cli.Hint(err, "did you mean %s?", strings.Join(sug, " or "))
				}
			}
		}
		if !hasHint(err) {
			err = cli.Hint(err, "run '%s --help' for every flag", c.CommandPath())
		}
	}
	// Every command with the limit flags names them when a limit refused
	// its input.
	if err != nil && c != nil && !hasHint(err) && c.Flags().Lookup("max-files") != nil {
		err = limitHint(err)
	}
	return cli.Report(stderr, Prog, err)
}

// usageText is the usage line and examples of c, for usage errors.
func usageText(c *cobra.Command) string {
	var b strings.Builder
	b.WriteString("Usage:\n  " + c.UseLine() + "\n")
	if c.HasAvailableSubCommands() {
		var names []string
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				names = append(names, s.Name())
			}
		}
		b.WriteString("Commands: " + strings.Join(names, ", ") + "\n")
	}
	if ex := strings.TrimRight(c.Example, "\n"); ex != "" {
		b.WriteString("Examples:\n" + ex + "\n")
	}
	return b.String()
}

func hasHint(err error) bool {
	var e *cli.Error
	return errors.As(err, &e) && e.Hint != ""
}

type argsKey struct{}

// argsOf returns the command line Run was given (nil outside Run), for
// decisions made before the flags are parsed, such as whether a flag error
// should still be written as JSON.
func argsOf(c *cobra.Command) []string {
	if ctx := c.Context(); ctx != nil {
		a, _ := ctx.Value(argsKey{}).([]string)
		return a
	}
	return nil
}
