package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/cli"
)

// rollbackFlags are the flags of rollback.
type rollbackFlags struct {
	to, state      string
	dryRun, asJSON bool
	output         *outputFlags
}

// NewCmdRollback returns `phoneload rollback`.
func NewCmdRollback() *cobra.Command {
	var f rollbackFlags
	cmd := &cobra.Command{
		Use:   "rollback [--dry-run] [--to ID] ROOT",
		Short: "Restore a TFTP root to the state before the latest publish",
		Long: `rollback undoes the latest publish into ROOT: files it replaced or removed
come back, files it created go, in the reverse of the publish order so that
phones keep seeing whole releases. If the latest publish was interrupted
(killed, power loss), rollback finishes undoing it. Run it again to go back
one more publish. Rollback is journalled like publish; killed halfway, it
finishes on the next run.

--to ID goes back to the publish ID (an id from phoneload history), one
publish at a time, each as journalled as a single rollback: killed in
between, the root is at one of the publishes on the way and the same
command finishes. --dry-run prints what would be undone and changes nothing.

The journal is read from the state directory publish used (--state; by
default .phoneload-NAME beside ROOT). Every backup is checked against the
SHA-256 the journal recorded when it was taken before anything is put
back: a backup changed since is refused and nothing is rolled back.

Exit codes: 0 rolled back (or, with --to, already there), 1 failed or
nothing to roll back (an ID not in the history), 2 usage, 5 an unsafe
state directory or a backup that does not match its journal.

JSON (--json): without --to, one object {"root", "id", "interrupted",
"state", "steps", "dry_run"}; with --to, an array of them, newest first
(docs/publish.md).`,
		Example: `  phoneload rollback /srv/tftp
  phoneload rollback --dry-run /srv/tftp
  phoneload history /srv/tftp && phoneload rollback --to 20261204T101500.123456789Z /srv/tftp
  phoneload rollback --json /srv/tftp`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRollback(cmd, &f, args[0])
		},
	}
	cmd.Flags().StringVar(&f.to, "to", "", "go back to the publish `ID` (see phoneload history), one publish at a time")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "print what would be undone; change nothing")
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print what was restored as JSON")
	cmd.Flags().StringVar(&f.state, "state", "", "the journal is in `DIR` (default: .phoneload-NAME beside ROOT)")
	f.output = addOutputFlags(cmd.Flags())
	return cmd
}

func runRollback(cmd *cobra.Command, f *rollbackFlags, root string) error {
	verb, verr := f.output.verbosity()
	if verr != nil {
		return verr
	}
	var (
		done []*publish.RollbackResult
		err  error
	)
	switch {
	case f.dryRun:
		done, err = publish.PlanRollback(root, f.to, f.state)
	case f.to != "":
		done, err = publish.RollbackTo(root, f.to, publish.RollbackOptions{State: f.state})
	default:
		var r *publish.RollbackResult
		if r, err = publish.Rollback(root, publish.RollbackOptions{State: f.state}); err == nil {
			done = append(done, r)
		}
	}
	if errors.Is(err, publish.ErrLocked) {
		return cli.Hint(err, "wait for the other publish or rollback to finish")
	}
	if errors.Is(err, publish.ErrUnsafeState) || errors.Is(err, publish.ErrBackupMismatch) {
		return cli.Exit(cli.ExitPolicy, err)
	}
	if errors.Is(err, publish.ErrNothingToRollBack) && f.to != "" {
		return cli.Hint(err, "phoneload history %s lists the publishes kept", root)
	}
	if err != nil {
		return err
	}
	if f.asJSON {
		if f.to == "" {
			return cli.WriteJSON(f.output.stdout(cmd), done[0])
		}
		if done == nil {
			done = []*publish.RollbackResult{}
		}
		return cli.WriteJSON(f.output.stdout(cmd), done)
	}
	for _, r := range done {
		writePlan(f.output.stdout(cmd), r.Steps, verb)
		writeRolledBack(cmd.ErrOrStderr(), r, root)
	}
	if f.to != "" && len(done) == 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s is already at publish %s\n", Prog, root, f.to)
	}
	return nil
}

// writeRolledBack says what one rollback undid (or would undo).
func writeRolledBack(w io.Writer, r *publish.RollbackResult, root string) {
	now := "is now at publish " + r.State
	if r.State == "" {
		now = "is back to before its first publish"
	}
	what := "publish " + r.ID
	if r.Interrupted {
		what = "interrupted publish " + r.ID
	}
	if r.DryRun {
		if r.State == "" {
			now = "would be back to before its first publish"
		} else {
			now = "would be at publish " + r.State
		}
		fmt.Fprintf(w, "%s: dry run: would roll back %s; %s %s (nothing changed)\n", Prog, what, root, now)
		return
	}
	fmt.Fprintf(w, "%s: rolled back %s; %s %s\n", Prog, what, root, now)
}
