package publish

import (
	"fmt"

	"github.com/phoneload/phoneload/bundle/drop"
	"os"
	"path/filepath"
)

// RollbackOptions control Rollback.
type RollbackOptions struct {
	// State is the state directory the publish used; "" means
	// StateDir(root).
	State string

	hook func(step string) error // tests: crash or fail at a named step
}

// RollbackResult describes what Rollback did.
type RollbackResult struct {
	Root     string `json:"root"`
	StateDir string `json:"state_dir"` // the state directory
	// ID is the publish that was undone.
	ID string `json:"id"`
	// Interrupted is set when the undone publish had been interrupted (the
	// root was already back to the previous state, or is now).
	Interrupted bool `json:"interrupted"`
	// State is the publish the root is now at, "" for none.
	State string `json:"state"`
	Steps []Step `json:"steps"`
	// DryRun is set on the results of PlanRollback: nothing was changed.
	DryRun bool `json:"dry_run,omitempty"`
}

// Rollback restores the TFTP root to the state before the latest publish.
// If that publish was interrupted (killed, power loss), Rollback undoes what
// it did; otherwise it undoes the last finished publish, putting back every
// file it replaced or removed and deleting every file it created, in the
// reverse of the publish order so that phones keep seeing whole releases.
// Rollback is itself journalled: killed halfway, it finishes on the next run.
func Rollback(root string, opts RollbackOptions) (*RollbackResult, error) {
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("bundle: rollback: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("bundle: rollback: %s: not a directory", root)
	}
	sd, err := stateFor(root, opts.State)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(sd); err != nil {
		if _, lerr := os.Lstat(filepath.Join(root, drop.StateDir)); lerr != nil {
			return nil, fmt.Errorf("%w: %s holds no publish journal (state directory %s)", ErrNothingToRollBack, root, sd)
		}
	}
	unlock, err := lockRoot(root, sd)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res := &RollbackResult{Root: root, StateDir: sd}
	pending := txnDir(sd)
	var j *journal
	if _, err := os.Stat(pending); err == nil {
		j, _ = readJournal(pending)
	}
	rec, err := recoverTxn(root, sd, opts.hook)
	if err != nil {
		return nil, err
	}
	if rec == "discarded" || rec == "undone" {
		res.Interrupted = true
		if j != nil {
			res.ID = j.ID
			res.Steps = undoSteps(j)
		}
		cur, err := ReadState(sd)
		if err != nil {
			return nil, err
		}
		res.State = cur.ID
		return res, nil
	}
	ids, err := History(sd)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no finished publish recorded in %s", ErrNothingToRollBack, historyDir(sd))
	}
	id := ids[len(ids)-1]
	// Refuse before anything moves if a backup was changed since.
	if j, err := readJournal(filepath.Join(historyDir(sd), id)); err != nil {
		return nil, err
	} else if err := verifyBackups(filepath.Join(historyDir(sd), id), j); err != nil {
		return nil, fmt.Errorf("%w (nothing was rolled back)", err)
	}
	// Moving the entry back to txn/ is the atomic start of the rollback: a
	// crash right after leaves a "committed" transaction, which recovery
	// simply files back into the history.
	if err := os.Rename(filepath.Join(historyDir(sd), id), pending); err != nil {
		return nil, fmt.Errorf("bundle: rollback: %w", err)
	}
	j, err = readJournal(pending)
	if err != nil {
		return nil, err
	}
	t := &txn{root: root, state: sd, dir: pending, j: j, hook: opts.hook}
	if err := t.step("rollback-start"); err != nil {
		return nil, err
	}
	if err := t.rollBack(); err != nil {
		return nil, fmt.Errorf("%w (the journal in %s is intact: run phoneload rollback again once the cause is fixed)", err, pending)
	}
	res.ID = j.ID
	res.State = j.Prev.ID
	res.Steps = undoSteps(j)
	return res, nil
}

func undoSteps(j *journal) []Step {
	var steps []Step
	for i := len(j.Ops) - 1; i >= 0; i-- {
		op := j.Ops[i]
		st := Step{Name: op.Name, Group: op.Group, SHA256: op.OldSHA, OldSHA: op.SHA256}
		switch op.Op {
		case opCreate:
			st.Action = "remove"
		case opReplace:
			st.Action = "restore"
		case opRemove:
			st.Action = "restore"
		}
		steps = append(steps, st)
	}
	return steps
}
