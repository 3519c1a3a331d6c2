package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/cli"
)

// historyFlags are the flags of history.
type historyFlags struct {
	asJSON bool
	state  string
	output *outputFlags
}

// NewCmdHistory returns `phoneload history`.
func NewCmdHistory() *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history [--json] ROOT",
		Short: "List the publishes kept in a TFTP root's journal",
		Long: `history lists the publishes into ROOT that its journal keeps for rollback
(publish --keep, 5 by default), oldest first: when each committed, the
bundle it came from, the bundle's name and sequence and the keys whose
signatures were verified, how many files it changed, whether it was a
canary, and which one the root is at now. Any id can be given to
phoneload rollback --to. The journal is read from the state directory
(--state; by default .phoneload-NAME beside ROOT), or from ROOT/.phoneload
when an older phoneload left it there; nothing is changed.

Exit codes: 0 listed (an empty history too), 1 the journal cannot be
read, 2 usage.

JSON (--json): {"root", "publishes": [{"id", "time", "bundle", "name",
"sequence", "signers", "canary", "changes", "current"}]} (docs/publish.md).`,
		Example: `  phoneload history /srv/tftp
  phoneload history --json /srv/tftp | jq -r '.publishes[] | select(.current) | .id'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistory(cmd, &f, args[0])
		},
	}
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print the history as JSON")
	cmd.Flags().StringVar(&f.state, "state", "", "the journal is in `DIR` (default: .phoneload-NAME beside ROOT)")
	f.output = addOutputFlags(cmd.Flags())
	return cmd
}

// historyJSON is what history --json prints.
type historyJSON struct {
	Root      string          `json:"root"`
	Publishes []publish.Entry `json:"publishes"`
}

func runHistory(cmd *cobra.Command, f *historyFlags, root string) error {
	verb, err := f.output.verbosity()
	if err != nil {
		return err
	}
	log, err := publish.Log(root, f.state)
	if err != nil {
		return err
	}
	if f.asJSON {
		return cli.WriteJSON(cmd.OutOrStdout(), historyJSON{Root: root, Publishes: log})
	}
	if len(log) == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s has no publish in its history\n", Prog, root)
		return nil
	}
	writeHistory(f.output.stdout(cmd), log, verb)
	return nil
}

// writeHistory prints one row per publish, oldest first. At Normal
// verbosity a history longer than cli.LongList shows its newest
// cli.LongList publishes (and the current one, however old) after a line
// that counts the older ones; a canary lists its first MACs.
func writeHistory(w io.Writer, log []publish.Entry, verb cli.Verbosity) {
	shown := log
	if verb != cli.Verbose && len(log) > cli.LongList {
		cut := len(log) - cli.LongList
		shown = nil
		for i, e := range log {
			if i >= cut || e.Current {
				shown = append(shown, e)
			}
		}
		older := "publishes"
		if len(log)-len(shown) == 1 {
			older = "publish"
		}
		fmt.Fprintf(w, "%d older %s not shown (--verbose lists every one)\n", len(log)-len(shown), older)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tID\tTIME\tBUNDLE\tSEQUENCE\tSIGNED BY\tCHANGES")
	for _, e := range shown {
		mark := ""
		if e.Current {
			mark = "*"
		}
		name := e.Bundle
		if e.Name != "" {
			name = e.Name + " (" + e.Bundle + ")"
		}
		if len(e.Canary) > 0 {
			name += " canary " + canaryNames(e.Canary, verb)
		}
		seq, signers := "-", "-"
		if e.Sequence > 0 {
			seq = fmt.Sprint(e.Sequence)
		}
		if len(e.Signers) > 0 {
			signers = strings.Join(e.Signers, ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", mark, e.ID, e.Time.Format(time.DateTime), name, seq, signers, e.Changes)
	}
	tw.Flush()
}

// canaryNames lists a canary's MACs, comma-separated; at Normal verbosity
// a long canary shows its first cli.Shown and a count.
func canaryNames(macs []string, verb cli.Verbosity) string {
	if lim := verb.Limit(); lim > 0 && len(macs) > lim {
		return fmt.Sprintf("%s,… (%d phones)", strings.Join(macs[:lim], ","), len(macs))
	}
	return strings.Join(macs, ",")
}
