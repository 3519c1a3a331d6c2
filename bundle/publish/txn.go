package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/internal/atomicfile"
)

// txn is a transaction directory and the hook tests use to crash or fail
// at every step.
type txn struct {
	root  string
	state string // the state directory (StateDir)
	seq   uint64 // the bundle's sequence
	dir   string // STATE/txn
	j     *journal
	hook  func(step string) error
	news  *stager // txn/new while staging: files are created relative to it

	stepMu sync.Mutex // one hook call at a time
}

func (t *txn) step(name string) error {
	if t.hook == nil {
		return nil
	}
	// Staging calls it from several goroutines; hooks see one step at a
	// time.
	t.stepMu.Lock()
	defer t.stepMu.Unlock()
	return t.hook(name)
}

func (t *txn) newPath(op journalOp) string { return filepath.Join(t.dir, "new", op.Stage) }

func (t *txn) oldPath(op journalOp) string { return filepath.Join(t.dir, "old", op.Stage) }

func (t *txn) target(op journalOp) string {
	return filepath.Join(t.root, filepath.FromSlash(op.Name))
}

// save makes state durable in the journal before the step it allows
// starts. A version 2 journal (every new one) is appended to: the header
// and "preparing" are written whole, the plan once with "prepared", and
// every later state is one short record and one fsync, where version 1
// rewrote the whole plan (megabytes at 50,000 files) at every state.
// A version 1 journal (a history entry of an older phoneload, rolled
// back) is still rewritten whole, in its own form.
func (t *txn) save(state string) error {
	t.j.State = state
	if err := t.write(state); err != nil {
		return fmt.Errorf("bundle: journal: %w", err)
	}
	return t.step("journal-" + state)
}

func (t *txn) write(state string) error {
	p := filepath.Join(t.dir, "journal.json")
	if t.j.Version == journalV1 {
		b, err := json.Marshal(t.j)
		if err != nil {
			return err
		}
		return atomicfile.WriteFile(p, append(b, '\n'), 0o600)
	}
	rec := journalRecord{State: state}
	if state == statePrepared {
		rec.Ops, rec.Next = t.j.Ops, &t.j.Next
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if t.j.end == 0 {
		h, err := json.Marshal(journalHeader{Version: journalV2, ID: t.j.ID, Prev: t.j.Prev})
		if err != nil {
			return err
		}
		b = append(append(h, '\n'), b...)
		if err := atomicfile.WriteFile(p, b, 0o600); err != nil {
			return err
		}
		t.j.end = int64(len(b))
		return nil
	}
	if err := appendAt(p, t.j.end, b); err != nil {
		return err
	}
	t.j.end += int64(len(b))
	return nil
}

// appendAt writes b at offset end of the file p, first cutting off what
// lies beyond end (a record a crash or a failed write left torn), and
// fsyncs it.
func appendAt(p string, end int64, b []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|oNoFollow, 0)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() != end {
		err = f.Truncate(end)
	}
	if err == nil {
		_, err = f.WriteAt(b, end)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// apply renames every staged file into place in journal order, fsyncing
// the directories at the end of each group so that a later group never
// becomes durable before an earlier one. Each operation is idempotent: a
// staged file that is gone was renamed already.
func (t *txn) apply() error {
	// Renames relative to open directories: the loop below is the
	// mixed-state window, and each rename no longer resolves two full
	// paths.
	ren, err := newRenamer(filepath.Join(t.dir, "new"), t.root)
	if err != nil {
		return fmt.Errorf("bundle: publish: %w", err)
	}
	defer ren.close()
	dirs := map[string]bool{}
	flush := func() error {
		for d := range dirs {
			if err := atomicfile.SyncDir(d); err != nil {
				return err
			}
		}
		clear(dirs)
		return nil
	}
	for i, op := range t.j.Ops {
		if i > 0 && t.j.Ops[i-1].Group != op.Group {
			if err := flush(); err != nil {
				return err
			}
			if err := t.step("group-" + op.Group); err != nil {
				return err
			}
		}
		dst := t.target(op)
		switch op.Op {
		case opCreate, opReplace:
			err := ren.rename(op.Stage, op.Name)
			if errors.Is(err, fs.ErrNotExist) {
				if _, serr := os.Stat(t.newPath(op)); errors.Is(serr, fs.ErrNotExist) {
					continue // renamed before a crash
				}
			}
			if err != nil {
				return fmt.Errorf("bundle: publish %s: %w", op.Name, err)
			}
		case opRemove:
			if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("bundle: remove %s: %w", op.Name, err)
			}
		}
		dirs[filepath.Dir(dst)] = true
		if err := t.step("apply-" + op.Name); err != nil {
			return err
		}
	}
	return flush()
}

// undo puts back what apply changed, in reverse order, so that while it
// runs phones again only ever see whole releases: shared defaults go back
// to naming the old loads before anything those loads need is removed.
func (t *txn) undo() error {
	dirs := map[string]bool{}
	for i := len(t.j.Ops) - 1; i >= 0; i-- {
		op := t.j.Ops[i]
		dst := t.target(op)
		_, serr := os.Lstat(t.newPath(op))
		staged := serr == nil
		switch op.Op {
		case opCreate:
			if staged {
				continue // never renamed into place
			}
			if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("bundle: roll back %s: %w", op.Name, err)
			}
			for _, d := range op.Dirs {
				// Fails, harmlessly, on a directory something else was
				// put into since.
				p := filepath.Join(t.root, filepath.FromSlash(d))
				if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
					break
				}
				delete(dirs, p) // gone: nothing left to sync in it
				dst = p         // its parent is what to sync now
			}
		case opReplace, opRemove:
			if op.Op == opReplace && staged {
				continue
			}
			if err := restore(t.oldPath(op), dst, op.OldSHA, fs.FileMode(op.Mode)); err != nil {
				return fmt.Errorf("bundle: roll back %s: %w", op.Name, err)
			}
		}
		dirs[filepath.Dir(dst)] = true
		if err := t.step("undo-" + op.Name); err != nil {
			return err
		}
		if i > 0 && t.j.Ops[i-1].Group != op.Group {
			for d := range dirs {
				if err := atomicfile.SyncDir(d); err != nil {
					return err
				}
			}
			clear(dirs)
		}
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// ErrBackupMismatch is wrapped by the error of a restore (or a backup)
// whose bytes do not hash to what the journal recorded: rollback refuses to
// put back a backup that was changed after it was taken.
var ErrBackupMismatch = errors.New("bundle: backup does not match the SHA-256 in its journal")

// restore puts the backup at src over dst atomically: a copy to a temporary
// name next to dst, with the file's recorded mode (0644 when the journal has
// none), checked against the SHA-256 the journal recorded for it, then a
// rename. The backup stays, so restore can run again after a crash.
func restore(src, dst, sum string, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	// A journal from before backups were copies: the backup may still be
	// linked at dst (never replaced), which needs no restore.
	if a, err := os.Lstat(src); err == nil {
		if b, err := os.Lstat(dst); err == nil && os.SameFile(a, b) {
			return nil
		}
	}
	if mode == 0 {
		mode = 0o644
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".phoneload-restore")
	os.Remove(tmp)
	if err := copyFile(src, tmp, mode, sum, true); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// backup copies src to dst (mode 0600, private to the state directory),
// checking that the copy hashes to sum, what the plan read; it returns the
// permission bits of src for restore.
func backup(src, dst, sum string) (fs.FileMode, error) {
	fi, err := os.Lstat(src)
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: not a regular file", src)
	}
	if err := copyFile(src, dst, 0o600, sum, false); err != nil {
		return 0, err
	}
	return fi.Mode().Perm(), nil
}

// copyFile copies src to a new file dst with mode perm, fsynced if sync
// (else the caller syncs it with others), neither following a link at src or
// dst; with sum, the bytes must hash to it (ErrBackupMismatch) or dst is
// removed.
func copyFile(src, dst string, perm fs.FileMode, sum string, sync bool) error {
	in, err := os.OpenFile(src, os.O_RDONLY|oNoFollow, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, perm)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		out.Close()
		os.Remove(dst)
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		return fail(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); sum != "" && got != sum {
		return fail(fmt.Errorf("%w: %s has SHA-256 %s, the journal says %s", ErrBackupMismatch, src, got, sum))
	}
	if err := out.Chmod(perm); err != nil { // whatever the umask
		return fail(err)
	}
	if sync {
		if err := out.Sync(); err != nil {
			return fail(err)
		}
	}
	return out.Close()
}

// verifyBackups checks, before anything is put back, that every backup a
// rollback would restore still hashes to what the journal recorded when it
// was taken (ErrBackupMismatch otherwise): a backup changed since is never
// restored, and nothing is undone.
func verifyBackups(dir string, j *journal) error {
	for _, op := range j.Ops {
		if op.Op != opReplace && op.Op != opRemove {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, "new", op.Stage)); err == nil && op.Op == opReplace {
			continue // never renamed into place: nothing to restore
		}
		p := filepath.Join(dir, "old", op.Stage)
		f, err := os.OpenFile(p, os.O_RDONLY|oNoFollow, 0)
		if err != nil {
			return fmt.Errorf("bundle: backup of %s: %w", op.Name, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("bundle: backup of %s: %w", op.Name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != op.OldSHA {
			return fmt.Errorf("%w: %s (backup of %s) has SHA-256 %s, the journal says %s", ErrBackupMismatch, p, op.Name, got, op.OldSHA)
		}
	}
	return nil
}

func (t *txn) rollBack() error {
	if err := verifyBackups(t.dir, t.j); err != nil {
		return err
	}
	if t.j.State != stateRollingBak {
		if err := t.save(stateRollingBak); err != nil {
			return err
		}
	}
	if err := t.undo(); err != nil {
		return err
	}
	if err := writeState(t.state, t.j.Prev); err != nil {
		return err
	}
	if err := t.step("state-prev"); err != nil {
		return err
	}
	return discard(t.state, t.dir)
}

func (t *txn) finishCommit() error {
	if err := writeState(t.state, t.j.Next); err != nil {
		return err
	}
	if err := raiseSequence(t.state, t.j.Next.Sequence, t.j.ID); err != nil {
		return err
	}
	if err := t.step("state-next"); err != nil {
		return err
	}
	if err := os.MkdirAll(historyDir(t.state), 0o700); err != nil {
		return err
	}
	if err := os.Rename(t.dir, filepath.Join(historyDir(t.state), t.j.ID)); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(historyDir(t.state)); err != nil {
		return err
	}
	return atomicfile.SyncDir(t.state)
}

// abort undoes a transaction that failed while committing.
func (t *txn) abort(err error) error {
	if rerr := t.rollBack(); rerr != nil {
		return fmt.Errorf("%w; undoing it failed too: %v (the journal in %s is intact: run phoneload rollback once the cause is fixed)", err, rerr, t.dir)
	}
	return fmt.Errorf("%w (the publish was undone; the root is as it was)", err)
}

func (t *txn) prepare(src string, lim container.Limits, cur *RootState, opts Options, canary []string, signed *signedSums, res *Result) error {
	if err := t.save(statePreparing); err != nil {
		return err
	}
	n := 0
	var staged []string // every file in txn/new, in the order written
	defer func() {
		if t.news != nil {
			t.news.close()
			t.news = nil
		}
	}()
	ns, err := openStager(filepath.Join(t.dir, "new"))
	if err != nil {
		return err
	}
	t.news = ns
	// Called by several goroutines at once (readBundle), each with a
	// copy buffer of its own.
	var mu sync.Mutex
	bufs := sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}
	stage := func(name string, r io.Reader) (string, error) {
		mu.Lock()
		n++
		st := fmt.Sprintf("%05d", n)
		mu.Unlock()
		buf := bufs.Get().(*[]byte)
		err := t.news.write(st, r, *buf)
		bufs.Put(buf)
		if err != nil {
			return "", fmt.Errorf("bundle: stage %s: %w", name, err)
		}
		mu.Lock()
		staged = append(staged, st)
		mu.Unlock()
		return st, t.step("stage-" + name)
	}
	files, sums, err := readBundle(src, lim, signed, stage, opts.Progress, len(canary) > 0)
	if err != nil {
		return err
	}
	p := &planner{root: t.root, cur: cur, force: opts.Force, canary: canary, stage: stage}
	ops, err := p.plan(files, sums, src)
	if err != nil {
		return err
	}
	res.Steps, res.Conflicts, res.Warnings = p.steps, p.conflicts, p.warnings
	if len(p.conflicts) > 0 {
		return &ConflictError{Root: t.root, Conflicts: p.conflicts}
	}
	// Staged files that turned out unchanged are not needed.
	used := map[string]bool{}
	for _, op := range ops {
		used[op.Stage] = true
	}
	kept := staged[:0]
	for _, st := range staged {
		if used[st] {
			kept = append(kept, st)
		} else {
			os.Remove(filepath.Join(t.dir, "new", st))
		}
	}
	made := map[string]bool{} // directories known to exist in the root
	for i, op := range ops {
		if op.Stage == "" {
			n++
			ops[i].Stage = fmt.Sprintf("%05d", n)
			op = ops[i]
		}
		switch op.Op {
		case opReplace, opRemove:
			mode, err := backup(t.target(op), t.oldPath(op), op.OldSHA)
			if err != nil {
				return fmt.Errorf("bundle: back up %s: %w", op.Name, err)
			}
			ops[i].Mode = uint32(mode)
		case opCreate:
			// Directories made for the file are the publish's too: undo
			// removes them again (deepest first), so a rollback leaves no
			// empty directory behind.
			for d := path.Dir(op.Name); d != "."; d = path.Dir(d) {
				if _, err := os.Lstat(filepath.Join(t.root, filepath.FromSlash(d))); !errors.Is(err, fs.ErrNotExist) {
					break
				}
				ops[i].Dirs = append(ops[i].Dirs, d)
			}
			if d := filepath.Dir(t.target(op)); !made[d] {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return fmt.Errorf("bundle: %w", err)
				}
				made[d] = true
			}
		}
	}
	// One sync for every staged file and backup (syncfs on Linux: the
	// state directory is on the root's file system), before the journal
	// that names them says "prepared"; a crash before leaves a "preparing"
	// transaction, which the next run discards.
	b := atomicfile.NewBatch(t.dir)
	for _, st := range kept {
		b.AddFile(filepath.Join(t.dir, "new", st))
	}
	for _, op := range ops {
		if op.Op == opReplace || op.Op == opRemove {
			b.AddFile(t.oldPath(op))
		}
	}
	if err := b.Sync(); err != nil {
		return fmt.Errorf("bundle: sync %s: %w", t.dir, err)
	}
	for _, d := range []string{"new", "old"} {
		if err := atomicfile.SyncDir(filepath.Join(t.dir, d)); err != nil {
			return err
		}
	}
	t.j.Ops = ops
	t.j.Next = p.next
	t.j.Next.ID = t.j.ID
	t.j.Next.Name, t.j.Next.Sequence, t.j.Next.Signers = res.Name, res.Sequence, res.Signers
	t.j.Next.Sequence = t.seq // also without verification (tests, callers that vouch)
	return t.save(statePrepared)
}
