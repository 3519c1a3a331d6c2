package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"

	"github.com/phoneload/phoneload/internal/atomicfile"
)

// PublishOptions control Publish.
type PublishOptions struct {
	// DryRun computes and returns the plan without touching the root.
	DryRun bool
	// Canary lists MAC addresses: the new image reaches only these phones,
	// through their per-phone files; shared defaults stay as they are.
	Canary []string
	// Force overwrites files the previous publish did not own (or that
	// changed since).
	Force bool
	// Verify checks the bundle's signature before anything else is read.
	// Publish refuses to run without one unless SkipVerify is set.
	Verify func(bundlePath string) error
	// SkipVerify allows a nil Verify (tests, and bundles checked by the
	// caller some other way).
	SkipVerify bool
	// Limits bound what the bundle may hold; zero means DefaultLimits.
	Limits container.Limits
	// Keep is how many finished publishes stay in the history for
	// rollback (their backups hold the replaced files); 0 means
	// DefaultKeep, negative keeps all.
	Keep int
	// Progress, if set, is called with the bytes of the bundle read so far
	// (hashing in a dry run, staging otherwise).
	Progress func(n int64)

	hook func(step string) error // tests: crash or fail at a named step
}

// PublishStep is one line of a publish plan.
type PublishStep struct {
	Name   string `json:"name"`
	Group  string `json:"group"`            // image, loads, support, per-phone, defaults, remove
	Action string `json:"action"`           // create, replace, remove, unchanged, skip, keep
	Size   int64  `json:"size"`             // bytes of the new content (0 for remove)
	SHA256 string `json:"sha256,omitempty"` // new content
	OldSHA string `json:"old_sha256,omitempty"`
	Reason string `json:"reason,omitempty"` // why a file is skipped, kept or in conflict
}

// PublishResult describes a publish, planned (DryRun) or done.
type PublishResult struct {
	ID        string        `json:"id,omitempty"`
	Bundle    string        `json:"bundle"`
	Root      string        `json:"root"`
	DryRun    bool          `json:"dry_run"`
	Canary    []string      `json:"canary,omitempty"`
	Recovered string        `json:"recovered,omitempty"` // discarded, undone or completed: an interrupted transaction found first; pending in a dry run
	Steps     []PublishStep `json:"steps"`
	Conflicts []PublishStep `json:"conflicts,omitempty"`
	Warnings  []string      `json:"warnings,omitempty"`
}

// Changed counts the steps that change the root.
func (r *PublishResult) Changed() int {
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
	Conflicts []PublishStep
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

// ErrNoVerify is returned when Publish is called without a Verify function.
var ErrNoVerify = errors.New("bundle: publish: no signature verification configured")

// ErrBundleContent is wrapped by the errors for a bundle whose files do
// not match its SHA256SUMS (modified, missing or unlisted files).
var ErrBundleContent = errors.New("bundle: content does not match SHA256SUMS")

type bundleFile struct {
	Name   string
	Size   int64
	SHA256 string
	Group  PublishGroup
	Stage  string // file name under txn/new, "" in a dry run
	Data   []byte // content of small configuration files
}

// Publish puts the bundle at src into the TFTP root at root so that no phone
// ever reads a half-written or inconsistent release: the bundle is verified,
// every file is staged under ROOT/.phoneload and fsynced, then renamed into
// place group by group (images, .loads, support files, per-phone configs,
// shared defaults), then files of the previous publish that the new one
// lacks are removed. A journal records every step; a publish killed at any
// point is undone by the next Publish or Rollback. A second concurrent
// publish fails with ErrLocked. A publish refused for files it may not
// overwrite returns a *ConflictError together with the plan (no ID: nothing
// was published).
func Publish(src, root string, opts PublishOptions) (*PublishResult, error) {
	canary, err := normalizeMACs(opts.Canary)
	if err != nil {
		return nil, err
	}
	if opts.Verify == nil && !opts.SkipVerify {
		return nil, ErrNoVerify
	}
	if opts.Verify != nil {
		if err := opts.Verify(src); err != nil {
			return nil, err
		}
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("bundle: publish: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("bundle: publish: %s: not a directory", root)
	}
	lim := opts.Limits
	if lim == (container.Limits{}) {
		lim = container.DefaultLimits
	}
	res := &PublishResult{Bundle: src, Root: root, DryRun: opts.DryRun, Canary: canary}

	if opts.DryRun {
		if _, err := os.Stat(txnDir(root)); err == nil {
			// The real run would first finish or undo it.
			res.Recovered = "pending"
		}
		cur, err := ReadState(root)
		if err != nil {
			return nil, err
		}
		files, sums, err := readBundle(src, lim, nil, opts.Progress)
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

	_, serr := os.Stat(stateDir(root))
	fresh := errors.Is(serr, fs.ErrNotExist)
	unlock, err := lockRoot(root)
	if err != nil {
		return nil, err
	}
	defer unlock()
	res, err = publishLocked(src, root, opts, lim, canary, res)
	if err != nil && fresh {
		// A first publish that failed leaves the root as it found it:
		// no journal directory holding nothing but the lock.
		removeBareStateDir(root)
	}
	return res, err
}

// publishLocked is the part of Publish that runs under the root's lock.
func publishLocked(src, root string, opts PublishOptions, lim container.Limits, canary []string, res *PublishResult) (*PublishResult, error) {
	var err error
	if res.Recovered, err = recoverTxn(root, opts.hook); err != nil {
		return nil, fmt.Errorf("%w; run phoneload rollback to finish undoing the interrupted publish", err)
	}
	cur, err := ReadState(root)
	if err != nil {
		return nil, err
	}
	t := &txn{root: root, dir: txnDir(root), hook: opts.hook, j: &journal{Version: 1, ID: newID(), Prev: *cur}}
	res.ID = t.j.ID
	for _, d := range []string{t.dir, filepath.Join(t.dir, "new"), filepath.Join(t.dir, "old")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			discard(root, t.dir)
			return nil, fmt.Errorf("bundle: publish: %w", err)
		}
	}
	if err := t.prepare(src, lim, cur, opts, canary, res); err != nil {
		// Nothing in the root has changed yet. If even the clean-up fails,
		// the journal says "preparing" and the next run discards it.
		if derr := discard(root, t.dir); derr != nil {
			return nil, fmt.Errorf("%w (nothing was published; the staging area %s is left for the next run to discard: %v)", err, t.dir, derr)
		}
		var ce *ConflictError
		if errors.As(err, &ce) {
			// The plan, conflicts included, for --json: nothing was
			// published (ID empty).
			res.ID = ""
			return res, err
		}
		if errors.Is(err, ErrBundleContent) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (nothing was published; the root is unchanged)", err)
	}
	if len(t.j.Ops) == 0 && maps.Equal(t.j.Next.Files, cur.Files) && slices.Equal(t.j.Next.Canary, cur.Canary) {
		// Nothing to change: no history entry, so that rollback still
		// undoes the last publish that did something.
		res.ID = cur.ID
		if err := discard(root, t.dir); err != nil {
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
		ids, _ := History(root)
		for len(ids) > keep {
			os.RemoveAll(filepath.Join(historyDir(root), ids[0]))
			ids = ids[1:]
		}
	}
	return res, nil
}

// abort undoes a transaction that failed while committing.
func (t *txn) abort(err error) error {
	if rerr := t.rollBack(); rerr != nil {
		return fmt.Errorf("%w; undoing it failed too: %v (the journal in %s is intact: run phoneload rollback once the cause is fixed)", err, rerr, t.dir)
	}
	return fmt.Errorf("%w (the publish was undone; the root is as it was)", err)
}

func (t *txn) prepare(src string, lim container.Limits, cur *RootState, opts PublishOptions, canary []string, res *PublishResult) error {
	if err := t.save(statePreparing); err != nil {
		return err
	}
	n := 0
	stage := func(name string, r io.Reader) (string, error) {
		n++
		st := fmt.Sprintf("%05d", n)
		if err := t.writeStaged(st, r); err != nil {
			return "", fmt.Errorf("bundle: stage %s: %w", name, err)
		}
		return st, t.step("stage-" + name)
	}
	files, sums, err := readBundle(src, lim, stage, opts.Progress)
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
	ents, err := os.ReadDir(filepath.Join(t.dir, "new"))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !used[e.Name()] {
			os.Remove(filepath.Join(t.dir, "new", e.Name()))
		}
	}
	for i, op := range ops {
		if op.Stage == "" {
			n++
			ops[i].Stage = fmt.Sprintf("%05d", n)
			op = ops[i]
		}
		switch op.Op {
		case opReplace, opRemove:
			if err := backup(t.target(op), t.oldPath(op)); err != nil {
				return fmt.Errorf("bundle: back up %s: %w", op.Name, err)
			}
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
			if err := os.MkdirAll(filepath.Dir(t.target(op)), 0o755); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
		}
	}
	for _, d := range []string{"new", "old"} {
		if err := atomicfile.SyncDir(filepath.Join(t.dir, d)); err != nil {
			return err
		}
	}
	t.j.Ops = ops
	t.j.Next = p.next
	t.j.Next.ID = t.j.ID
	return t.save(statePrepared)
}

func (t *txn) writeStaged(stage string, r io.Reader) error {
	p := filepath.Join(t.dir, "new", stage)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readBundle reads every file of the bundle once, hashing it and handing it
// to stage (nil in a dry run), and checks the hashes against SHA256SUMS.
func readBundle(src string, lim container.Limits, stage func(string, io.Reader) (string, error), progress func(int64)) (map[string]*bundleFile, []byte, error) {
	files := map[string]*bundleFile{}
	var sums []byte
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if bundle.IsBundleMeta(e.Name) {
			if e.Name == bundle.SumsName {
				if e.Size > bundle.MaxSumsSize {
					return fmt.Errorf("bundle: %s: SHA256SUMS: larger than %d bytes", src, bundle.MaxSumsSize)
				}
				b, err := io.ReadAll(r)
				sums = b
				return err
			}
			return nil
		}
		if err := checkSafeName(e.Name); err != nil {
			return fmt.Errorf("bundle: %s: %w", src, err)
		}
		f := &bundleFile{Name: e.Name, Size: e.Size, Group: ClassifyPublish(e.Name)}
		h := sha256.New()
		var buf bytes.Buffer
		if progress != nil {
			r = &progressReader{r: r, fn: progress}
		}
		tee := io.TeeReader(r, h)
		keep := (f.Group == GroupPerPhone || f.Group == GroupDefaults || f.Group == GroupLoads) && e.Size <= cisco.MaxConfigSize
		if keep {
			tee = io.TeeReader(tee, &buf)
		}
		if stage != nil {
			st, err := stage(e.Name, tee)
			if err != nil {
				return err
			}
			f.Stage = st
		} else if _, err := io.Copy(io.Discard, tee); err != nil {
			return err
		}
		f.SHA256 = hex.EncodeToString(h.Sum(nil))
		if keep {
			f.Data = buf.Bytes()
		}
		files[e.Name] = f
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if sums == nil {
		return nil, nil, fmt.Errorf("bundle: %s: not a bundle: no SHA256SUMS", src)
	}
	parsed, err := bundle.ParseSums(sums)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %s: %w", src, err)
	}
	listed := make(map[string]string, len(parsed))
	for _, s := range parsed {
		listed[s.Name] = hex.EncodeToString(s.SHA256[:])
	}
	// Hashing while staging closes the gap between verifying the bundle and
	// reading it: what is published is exactly what was signed.
	for name, sum := range listed {
		f := files[name]
		if f == nil {
			if bundle.IsBundleMeta(name) {
				continue
			}
			return nil, nil, fmt.Errorf("%w: %s: %s: listed in SHA256SUMS but missing", ErrBundleContent, src, name)
		}
		if f.SHA256 != sum {
			return nil, nil, fmt.Errorf("%w: %s: %s: does not match SHA256SUMS", ErrBundleContent, src, name)
		}
	}
	for name := range files {
		if _, ok := listed[name]; !ok {
			return nil, nil, fmt.Errorf("%w: %s: %s: not listed in SHA256SUMS", ErrBundleContent, src, name)
		}
	}
	return files, sums, nil
}

type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}

func normalizeMACs(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		m, ok := check.NormalizeMAC(s)
		if !ok {
			return nil, fmt.Errorf("bundle: canary: %q is not a MAC address", s)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, nil
}

// planner turns the bundle and the root's current state into operations.
type planner struct {
	root      string
	cur       *RootState
	force     bool
	canary    []string
	stage     func(string, io.Reader) (string, error) // nil in a dry run
	steps     []PublishStep
	conflicts []PublishStep
	warnings  []string
	next      RootState
}

// rootFile returns the SHA-256 of root/name, "" when it does not exist.
func (p *planner) rootFile(name string) (string, error) {
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("bundle: %s: %s is not a regular file", p.root, name)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (p *planner) readRoot(name string) ([]byte, bool, error) {
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, cisco.MaxConfigSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > cisco.MaxConfigSize {
		return nil, false, fmt.Errorf("bundle: %s: %s: larger than %d bytes", p.root, name, cisco.MaxConfigSize)
	}
	return b, true, nil
}

// add plans putting f at its name; shared is set for canary images, which
// must never replace a file other phones read.
func (p *planner) add(f *bundleFile, shared bool) (*journalOp, error) {
	old, err := p.rootFile(f.Name)
	if err != nil {
		return nil, err
	}
	st := PublishStep{Name: f.Name, Group: f.Group.String(), Size: f.Size, SHA256: f.SHA256, OldSHA: old}
	p.next.Files[f.Name] = f.SHA256
	switch {
	case old == f.SHA256:
		st.Action = "unchanged"
		p.steps = append(p.steps, st)
		return nil, nil
	case old == "":
		st.Action = opCreate
	default:
		st.Action = opReplace
		if f.Group == GroupImage || f.Group == GroupLoads {
			// Renaming keeps each file whole, but parts of one load
			// replaced under the same names go in one at a time: a phone
			// fetching them meanwhile can mix old and new parts.
			p.warnings = append(p.warnings, fmt.Sprintf("%s: replaced under the same name; a phone upgrading during the publish may fetch a mix of old and new parts (releases normally carry new names)", f.Name))
		}
		owned, isOwned := p.cur.Files[f.Name]
		switch {
		case shared:
			st.Reason = "exists with other content; a canary must not change a file every phone reads"
		case !isOwned && !p.force:
			st.Reason = "not published by phoneload"
		case isOwned && owned != old && !p.force:
			st.Reason = "changed since the last publish"
		}
		if st.Reason != "" {
			p.conflicts = append(p.conflicts, st)
		}
	}
	p.steps = append(p.steps, st)
	return &journalOp{Name: f.Name, Op: st.Action, Group: st.Group, Stage: f.Stage, SHA256: f.SHA256, OldSHA: old, Size: f.Size}, nil
}

// derived stages content publish computes (canary per-phone files).
func (p *planner) derived(name string, data []byte) (*bundleFile, error) {
	sum := sha256.Sum256(data)
	f := &bundleFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Group: ClassifyPublish(name), Data: data}
	if p.stage != nil {
		st, err := p.stage(name, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		f.Stage = st
	}
	return f, nil
}

func (p *planner) plan(files map[string]*bundleFile, sums []byte, src string) ([]journalOp, error) {
	sumsHash := sha256.Sum256(sums)
	p.next = RootState{Bundle: src, Sums: hex.EncodeToString(sumsHash[:]), Canary: p.canary, Files: map[string]string{}}
	var list []*bundleFile
	for _, f := range files {
		list = append(list, f)
	}
	var chosen []*bundleFile
	shared := map[string]bool{}
	if len(p.canary) == 0 {
		chosen = list
	} else {
		for name, sum := range p.cur.Files {
			p.next.Files[name] = sum
		}
		var err error
		chosen, err = p.canaryFiles(files, shared)
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(chosen, func(i, j int) bool {
		if chosen[i].Group != chosen[j].Group {
			return chosen[i].Group < chosen[j].Group
		}
		return chosen[i].Name < chosen[j].Name
	})
	var ops []journalOp
	for _, f := range chosen {
		op, err := p.add(f, shared[f.Name])
		if err != nil {
			return nil, err
		}
		if op != nil {
			ops = append(ops, *op)
		}
	}
	if len(p.canary) > 0 {
		return ops, nil
	}
	// Files the previous publish owned that the new bundle lacks go last,
	// once nothing names them any more.
	var gone []string
	for name := range p.cur.Files {
		if files[name] == nil {
			gone = append(gone, name)
		}
	}
	// Removal runs the publish order backwards: whatever names a file
	// (defaults, per-phone configs, .loads) goes before the file it names,
	// so a .loads never lists a part that is already gone, and undoing it
	// brings images back before the .loads that list them.
	sort.Slice(gone, func(i, j int) bool {
		gi, gj := ClassifyPublish(gone[i]), ClassifyPublish(gone[j])
		if gi != gj {
			return gi > gj
		}
		return gone[i] < gone[j]
	})
	for _, name := range gone {
		old, err := p.rootFile(name)
		if err != nil {
			return nil, err
		}
		st := PublishStep{Name: name, Group: "remove", OldSHA: old}
		switch {
		case old == "":
			continue
		case old != p.cur.Files[name] && !p.force:
			st.Action, st.Reason = "keep", "changed since the last publish; left in place"
		default:
			st.Action = opRemove
			ops = append(ops, journalOp{Name: name, Op: opRemove, Group: "remove", OldSHA: old})
		}
		p.steps = append(p.steps, st)
	}
	return ops, nil
}

// canaryFiles picks what a canary publish writes: every image and .loads
// (new names, invisible to phones until a configuration names them) and the
// per-phone files of the canary phones, carrying the new image names.
func (p *planner) canaryFiles(files map[string]*bundleFile, shared map[string]bool) ([]*bundleFile, error) {
	var out []*bundleFile
	isCanary := map[string]bool{}
	for _, m := range p.canary {
		isCanary[m] = true
	}
	perPhone := map[string][]*bundleFile{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := files[name]
		switch f.Group {
		case GroupImage, GroupLoads:
			out = append(out, f)
			shared[f.Name] = true
			continue
		case GroupPerPhone:
			if mac, _ := PhoneMAC(name); isCanary[mac] {
				perPhone[mac] = append(perPhone[mac], f)
				continue
			}
			p.steps = append(p.steps, PublishStep{Name: name, Group: f.Group.String(), Action: "skip", Size: f.Size, SHA256: f.SHA256, Reason: "canary: another phone's file"})
		default:
			p.steps = append(p.steps, PublishStep{Name: name, Group: f.Group.String(), Action: "skip", Size: f.Size, SHA256: f.SHA256, Reason: "canary: shared file left as it is"})
		}
	}
	var newSIP string
	if d := files["SIPDefault.cnf"]; d != nil {
		newSIP, _ = cisco.SIPImageVersion(d.Data)
	}
	loadMap, err := p.xmlLoadMap(files)
	if err != nil {
		return nil, err
	}
	for _, mac := range p.canary {
		own := map[string]*bundleFile{}
		for _, f := range perPhone[mac] {
			own[path.Base(f.Name)] = f
		}
		sipName, sepName := "SIP"+mac+".cnf", "SEP"+mac+".cnf.xml"
		carried := len(perPhone[mac]) > 0
		if own[sepName] == nil {
			cur, ok, err := p.readRoot(sepName)
			if err != nil {
				return nil, err
			}
			if ok && len(cisco.LoadElements(cur)) > 0 {
				var bad []string
				data, _ := cisco.ReplaceXMLLoads(cur, func(old string) (string, bool) {
					nv, ok := loadMap[old]
					if !ok {
						bad = append(bad, old)
					}
					return nv, ok
				})
				if len(bad) > 0 {
					return nil, fmt.Errorf("bundle: canary %s: %s names load %s, which XMLDefault.cnf.xml does not map to a new load", mac, sepName, bad[0])
				}
				f, err := p.derived(sepName, data)
				if err != nil {
					return nil, err
				}
				out = append(out, f)
				carried = true
			}
		}
		if newSIP != "" {
			var data []byte
			if f := own[sipName]; f != nil {
				if _, ok := cisco.SIPImageVersion(f.Data); !ok {
					data = cisco.SetSIPImageVersion(f.Data, newSIP)
				}
			} else if cur, ok, err := p.readRoot(sipName); err != nil {
				return nil, err
			} else if ok {
				data = cisco.SetSIPImageVersion(cur, newSIP)
			} else if !carried {
				// A phone with no per-phone file at all gets the new
				// defaults as its own file: per-phone settings win.
				data = files["SIPDefault.cnf"].Data
			}
			if data != nil {
				f, err := p.derived(sipName, data)
				if err != nil {
					return nil, err
				}
				delete(own, sipName)
				out = append(out, f)
				carried = true
			}
		}
		for _, f := range own {
			out = append(out, f)
		}
		if !carried {
			return nil, fmt.Errorf("bundle: canary %s: no per-phone file can carry the new image (the bundle has no SIPDefault.cnf image_version and no per-phone file for this phone, and the root has no SEP%s.cnf.xml)", mac, mac)
		}
	}
	return out, nil
}

// xmlLoadMap maps each load the root's XMLDefault.cnf.xml names to the load
// the bundle's XMLDefault.cnf.xml names for the same model id.
func (p *planner) xmlLoadMap(files map[string]*bundleFile) (map[string]string, error) {
	m := map[string]string{}
	nf := files["XMLDefault.cnf.xml"]
	if nf == nil {
		return m, nil
	}
	newByModel := map[string]string{}
	for _, l := range cisco.LoadElements(nf.Data) {
		newByModel[l.ModelID] = l.Value
		m[l.Value] = l.Value // already new: keep
	}
	cur, ok, err := p.readRoot("XMLDefault.cnf.xml")
	if err != nil || !ok {
		return m, err
	}
	for _, l := range cisco.LoadElements(cur) {
		nv, ok := newByModel[l.ModelID]
		if !ok {
			continue
		}
		if prev, dup := m[l.Value]; dup && prev != nv && prev != l.Value {
			return nil, fmt.Errorf("bundle: canary: load %s maps to both %s and %s", l.Value, prev, nv)
		}
		m[l.Value] = nv
	}
	return m, nil
}
