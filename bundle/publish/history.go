package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Entry is one finished publish kept in a root's history (the last Keep of
// them, see Options.Keep), as `phoneload history` shows it.
type Entry struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`             // when it committed, from its id
	Bundle   string    `json:"bundle"`           // the path it was published from
	Name     string    `json:"name,omitempty"`   // bundle.json's name, when verified
	Sequence uint64    `json:"sequence"`         // bundle.json's sequence, 0 when not verified
	Signers  []string  `json:"signers"`          // key IDs of the good signatures
	Canary   []string  `json:"canary,omitempty"` // MACs of a canary publish
	Changes  int       `json:"changes"`          // files created, replaced or removed
	Current  bool      `json:"current"`          // the root is at this publish now
}

// idLayout is the form of publish ids (newID): UTC time to the nanosecond.
const idLayout = "20060102T150405.999999999Z"

// Log returns the finished publishes of root's history, oldest first, from
// the state directory state ("" for StateDir(root)). A root without a
// journal has an empty history.
func Log(root, state string) ([]Entry, error) {
	if fi, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("bundle: history: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("bundle: history: %s: not a directory", root)
	}
	sd, err := readStateDir(root, state)
	if err != nil {
		return nil, err
	}
	ids, err := History(sd)
	if err != nil {
		return nil, err
	}
	cur, err := ReadState(sd)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(ids))
	for _, id := range ids {
		j, err := readJournal(filepath.Join(historyDir(sd), id))
		if err != nil {
			return nil, err
		}
		e := Entry{ID: id, Bundle: j.Next.Bundle, Name: j.Next.Name, Sequence: j.Next.Sequence,
			Signers: j.Next.Signers, Canary: j.Next.Canary, Changes: len(j.Ops), Current: id == cur.ID}
		if e.Signers == nil {
			e.Signers = []string{}
		}
		if t, err := time.Parse(idLayout, id); err == nil {
			e.Time = t
		}
		out = append(out, e)
	}
	return out, nil
}

// PlanRollback returns what rolling root back to the publish to would do,
// without changing anything: one result per publish undone, newest first.
// An empty to means one publish back, as Rollback does. An interrupted
// publish is not planned: the next Rollback (or publish) settles it first.
func PlanRollback(root, to, state string) ([]*RollbackResult, error) {
	sd, err := readStateDir(root, state)
	if err != nil {
		return nil, err
	}
	undo, err := rollbackChain(sd, to)
	if err != nil {
		return nil, err
	}
	out := make([]*RollbackResult, 0, len(undo))
	for i, id := range undo {
		j, err := readJournal(filepath.Join(historyDir(sd), id))
		if err != nil {
			return nil, err
		}
		r := &RollbackResult{Root: root, StateDir: sd, ID: id, State: j.Prev.ID, Steps: undoSteps(j), DryRun: true}
		if i+1 < len(undo) && r.State != undo[i+1] {
			return nil, fmt.Errorf("bundle: rollback: publish %s did not follow %s in the history (its journal names %q before it)", id, undo[i+1], r.State)
		}
		out = append(out, r)
	}
	return out, nil
}

// RollbackTo rolls root back one publish at a time until it is at the
// publish to (an id from Log), each step journalled as Rollback is: killed
// halfway, the root is at one of the publishes in between and the same
// call finishes the way. It returns what each step undid, newest first.
func RollbackTo(root, to string, opts RollbackOptions) ([]*RollbackResult, error) {
	if to == "" {
		return nil, fmt.Errorf("bundle: rollback: no target publish id")
	}
	sd, err := readStateDir(root, opts.State)
	if err != nil {
		return nil, err
	}
	if _, err := rollbackChain(sd, to); err != nil {
		return nil, err
	}
	var out []*RollbackResult
	for {
		if sd, err = readStateDir(root, opts.State); err != nil { // moved by the first Rollback
			return out, err
		}
		cur, err := ReadState(sd)
		if err != nil {
			return out, err
		}
		if cur.ID == to {
			return out, nil
		}
		r, err := Rollback(root, opts)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

// rollbackChain lists the publishes to undo, newest first, to bring the
// root whose state directory is sd back to the publish to ("" for one
// publish back).
func rollbackChain(sd, to string) ([]string, error) {
	ids, err := History(sd)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no finished publish recorded in %s", ErrNothingToRollBack, historyDir(sd))
	}
	if to == "" {
		return ids[len(ids)-1:], nil
	}
	i := slices.Index(ids, to)
	if i < 0 {
		return nil, fmt.Errorf("%w: %s is not a publish kept in the history in %s (phoneload history lists them)", ErrNothingToRollBack, to, sd)
	}
	undo := slices.Clone(ids[i+1:])
	slices.Reverse(undo)
	return undo, nil
}
