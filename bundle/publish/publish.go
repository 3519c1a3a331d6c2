package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
)

// Options control Publish.
type Options struct {
	// DryRun computes and returns the plan without touching the root.
	DryRun bool
	// Canary lists MAC addresses: the new image reaches only these phones,
	// through their per-phone files; shared defaults stay as they are.
	Canary []string
	// Force overwrites files the previous publish did not own (or that
	// changed since).
	Force bool
	// Verify is how the bundle is verified (signatures, every file,
	// policy); a failure is a *bundle.VerifyError. A bundle directory's
	// or zip's signatures and bundle.json are verified first
	// (bundle.VerifyDirMeta, bundle.VerifyZipMeta), its other files are
	// checked while staged, against the verified SHA256SUMS; any other
	// archive is verified whole (bundle.Verify) before anything else is
	// read.
	// Run refuses to start without it unless SkipVerify is set.
	Verify *bundle.VerifyOptions
	// SkipVerify allows a nil Verify (tests, and bundles checked by the
	// caller some other way).
	SkipVerify bool
	// State is the state directory (journal, lock, history with the
	// backups of replaced files); "" means StateDir(root), beside the root.
	// It must not be inside the root, and must be on the root's file system.
	State string
	// Limits bound what the bundle may hold; zero fields mean
	// container.DefaultBundleLimits.
	Limits container.Limits
	// Keep is how many finished publishes stay in the history for
	// rollback (their backups hold the replaced files); 0 means
	// DefaultKeep, negative keeps all.
	Keep int
	// AllowDowngrade publishes a bundle whose sequence is below the
	// highest published into the root before (see ErrDowngrade).
	AllowDowngrade bool
	// Progress, if set, is called with the bytes of the bundle read so far
	// (hashing in a dry run, staging otherwise).
	Progress func(n int64)

	hook func(step string) error // tests: crash or fail at a named step
}

// Step is one line of a publish plan.
type Step struct {
	Name   string `json:"name"`
	Group  string `json:"group"`            // image, loads, support, per-phone, defaults, remove
	Action string `json:"action"`           // create, replace, remove, unchanged, skip, keep
	Size   int64  `json:"size"`             // bytes of the new content (0 for remove)
	SHA256 string `json:"sha256,omitempty"` // new content
	OldSHA string `json:"old_sha256,omitempty"`
	Reason string `json:"reason,omitempty"` // why a file is skipped, kept or in conflict
}

// Result describes a publish, planned (DryRun) or done.
type Result struct {
	ID       string   `json:"id,omitempty"`
	Bundle   string   `json:"bundle"`
	Root     string   `json:"root"`
	StateDir string   `json:"state_dir"` // the state directory
	DryRun   bool     `json:"dry_run"`
	Canary   []string `json:"canary,omitempty"`
	// Name, Sequence and Signers come from the verified bundle (none
	// when Verify was skipped).
	Name      string   `json:"name,omitempty"`
	Sequence  uint64   `json:"sequence,omitempty"`
	Signers   []string `json:"signers,omitempty"`
	Recovered string   `json:"recovered,omitempty"` // discarded, undone or completed: an interrupted transaction found first; pending in a dry run
	Steps     []Step   `json:"steps"`
	Conflicts []Step   `json:"conflicts,omitempty"`
	Warnings  []string `json:"warnings,omitempty"`
}

// Changed counts the steps that change the root.
func (r *Result) Changed() int {
	n := 0
	for _, s := range r.Steps {
		switch s.Action {
		case opCreate, opReplace, opRemove:
			n++
		}
	}
	return n
}

// ConflictError lists the files Publish refused to overwrite.
type ConflictError struct {
	Root      string
	Conflicts []Step
}

func (e *ConflictError) Error() string {
	names := make([]string, 0, 3)
	for i, c := range e.Conflicts {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(e.Conflicts)-3))
			break
		}
		names = append(names, c.Name+" ("+c.Reason+")")
	}
	return fmt.Sprintf("bundle: %s: refusing to overwrite %d file(s): %s", e.Root, len(e.Conflicts), strings.Join(names, ", "))
}

// DefaultKeep is how many publishes rollback can undo, one after another.
const DefaultKeep = 5

// ErrNoVerify is returned when Run is called without Verify options.
var ErrNoVerify = errors.New("bundle: publish: no signature verification configured")

// ErrBundleContent is wrapped by the errors for a bundle whose files do
// not match its SHA256SUMS (modified, missing or unlisted files).
var ErrBundleContent = errors.New("bundle: content does not match SHA256SUMS")

// Run puts the bundle at src into the TFTP root at root so that no phone
// ever reads a half-written or inconsistent release: the bundle is verified,
// every file is staged in the state directory (Options.State) and fsynced,
// then renamed into
// place group by group (images, .loads, support files, per-phone configs,
// shared defaults), then files of the previous publish that the new one
// lacks are removed. A journal records every step; a publish killed at any
// point is undone by the next Run or Rollback. A second concurrent
// publish fails with ErrLocked. A publish refused for files it may not
// overwrite returns a *ConflictError together with the plan (no ID: nothing
// was published). A bundle whose sequence is below the highest published
// into root before is refused with ErrDowngrade unless AllowDowngrade.
func Run(src, root string, opts Options) (*Result, error) {
	opts.Limits = opts.Limits.Bundle()
	canary, err := normalizeMACs(opts.Canary)
	if err != nil {
		return nil, err
	}
	if opts.Verify == nil && !opts.SkipVerify {
		return nil, ErrNoVerify
	}
	var verified *bundle.VerifyResult
	var signed *signedSums
	var seq uint64
	if opts.Verify != nil {
		if fi, err := os.Stat(src); err == nil && fi.IsDir() {
			// A directory: the signatures over SHA256SUMS and bundle.json
			// are checked now, every other file while it is read once,
			// hashed and staged (readBundle), against the SHA256SUMS
			// verified here, before the journal says "prepared".
			var data []byte
			var sums []bundle.Sum
			if verified, data, sums, err = bundle.VerifyDirMeta(src, *opts.Verify); err != nil {
				return nil, &bundle.VerifyError{Result: verified, Err: err}
			}
			signed = &signedSums{res: verified, data: data, sums: sums}
		} else if v, data, sums, err := bundle.VerifyZipMeta(src, *opts.Verify, opts.Limits.MaxFiles); err == nil {
			// A zip bundle, read once too: its signatures and bundle.json
			// are read through the central directory and checked now,
			// every other entry while it is staged, against the
			// SHA256SUMS verified here.
			verified = v
			signed = &signedSums{res: v, data: data, sums: sums, archive: true}
		} else if !errors.Is(err, bundle.ErrNoZipMeta) {
			return nil, &bundle.VerifyError{Result: v, Err: err}
		} else if verified, err = bundle.Verify(src, *opts.Verify); err != nil {
			// Any other archive (a tar, a zip that is not a plain one) is
			// verified whole first: it is one file, read sequentially.
			return nil, &bundle.VerifyError{Result: verified, Err: err}
		} else {
			signed = &signedSums{opts: opts.Verify}
		}
		if verified.Bundle != nil {
			seq = verified.Bundle.Sequence
		}
	} else if seq, err = bundleSequence(src, opts.Limits); err != nil {
		return nil, err
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("bundle: publish: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("bundle: publish: %s: not a directory", root)
	}
	lim := opts.Limits
	res := &Result{Bundle: src, Root: root, DryRun: opts.DryRun, Canary: canary}
	if verified != nil && verified.Bundle != nil {
		res.Name, res.Sequence = verified.Bundle.Name, verified.Bundle.Sequence
		for _, s := range verified.Signatures {
			if s.Status == "good" && !slices.Contains(res.Signers, s.KeyID) {
				res.Signers = append(res.Signers, s.KeyID)
			}
		}
	}

	sd, err := stateFor(root, opts.State)
	if err != nil {
		return nil, err
	}
	res.StateDir = sd
	if opts.DryRun {
		// Read where the real run would: the state directory, or the
		// in-root journal it would migrate first; neither is followed
		// through a link.
		rd := sd
		if err := checkStateDir(sd, root); errors.Is(err, fs.ErrNotExist) {
			rd = filepath.Join(root, drop.StateDir)
			if err := checkLegacyStateDir(root); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		} else if err != nil {
			return nil, err
		}
		if _, err := os.Stat(txnDir(rd)); err == nil {
			// The real run would first finish or undo it.
			res.Recovered = "pending"
		}
		cur, err := ReadState(rd)
		if err != nil {
			return nil, err
		}
		if err := checkSequence(rd, seq, opts.AllowDowngrade); err != nil {
			return nil, err
		}
		files, sums, err := readBundle(src, lim, signed, nil, opts.Progress, len(canary) > 0)
		if err != nil {
			return nil, err
		}
		p := &planner{root: root, cur: cur, force: opts.Force, canary: canary}
		if _, err := p.plan(files, sums, src); err != nil {
			return nil, err
		}
		res.Steps, res.Conflicts, res.Warnings = p.steps, p.conflicts, p.warnings
		return res, nil
	}

	_, serr := os.Lstat(sd)
	fresh := errors.Is(serr, fs.ErrNotExist)
	if fresh {
		if _, err := os.Lstat(filepath.Join(root, drop.StateDir)); err == nil {
			fresh = false // a journal to migrate
		}
	}
	unlock, err := lockRoot(root, sd)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err = publishLocked(src, root, sd, seq, opts, lim, canary, signed, res)
	if err != nil && fresh {
		// A first publish that failed leaves the root as it found it:
		// no journal directory holding nothing but the lock.
		removeBareStateDir(sd)
	}
	return res, err
}

// publishLocked is the part of Publish that runs under the root's lock.
func publishLocked(src, root, sd string, seq uint64, opts Options, lim container.Limits, canary []string, signed *signedSums, res *Result) (*Result, error) {
	var err error
	if res.Recovered, err = recoverTxn(root, sd, opts.hook); err != nil {
		return nil, fmt.Errorf("%w; run phoneload rollback to finish undoing the interrupted publish", err)
	}
	cur, err := ReadState(sd)
	if err != nil {
		return nil, err
	}
	if err := checkSequence(sd, seq, opts.AllowDowngrade); err != nil {
		return nil, err
	}
	t := &txn{root: root, state: sd, seq: seq, dir: txnDir(sd), hook: opts.hook, j: &journal{Version: journalV2, ID: newID(), Prev: *cur}}
	res.ID = t.j.ID
	for _, d := range []string{t.dir, filepath.Join(t.dir, "new"), filepath.Join(t.dir, "old")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			discard(sd, t.dir)
			return nil, fmt.Errorf("bundle: publish: %w", err)
		}
	}
	if err := t.prepare(src, lim, cur, opts, canary, signed, res); err != nil {
		// Nothing in the root has changed yet. If even the clean-up fails,
		// the journal says "preparing" and the next run discards it.
		if derr := discard(sd, t.dir); derr != nil {
			return nil, fmt.Errorf("%w (nothing was published; the staging area %s is left for the next run to discard: %v)", err, t.dir, derr)
		}
		var ce *ConflictError
		if errors.As(err, &ce) {
			// The plan, conflicts included, for --json: nothing was
			// published (ID empty).
			res.ID = ""
			return res, err
		}
		if errors.Is(err, ErrBundleContent) || errors.As(err, new(*bundle.VerifyError)) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (nothing was published; the root is unchanged)", err)
	}
	if len(t.j.Ops) == 0 && maps.Equal(t.j.Next.Files, cur.Files) && slices.Equal(t.j.Next.Canary, cur.Canary) {
		// Nothing to change: no history entry, so that rollback still
		// undoes the last publish that did something.
		res.ID = cur.ID
		if err := discard(sd, t.dir); err != nil {
			return nil, err
		}
		if err := raiseSequence(sd, seq, cur.ID); err != nil {
			return nil, err
		}
		return res, nil
	}
	if err := t.save(stateCommitting); err != nil {
		return nil, t.abort(err)
	}
	if err := t.apply(); err != nil {
		return nil, t.abort(err)
	}
	if err := t.save(stateCommitted); err != nil {
		return nil, t.abort(err)
	}
	if err := t.finishCommit(); err != nil {
		return nil, fmt.Errorf("%w (every file is in place; the next publish or rollback finishes the bookkeeping)", err)
	}
	keep := opts.Keep
	if keep == 0 {
		keep = DefaultKeep
	}
	if keep > 0 {
		// Oldest first; a crash midway only leaves more history.
		ids, _ := History(sd)
		for len(ids) > keep {
			os.RemoveAll(filepath.Join(historyDir(sd), ids[0]))
			ids = ids[1:]
		}
	}
	return res, nil
}
