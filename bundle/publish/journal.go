package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/quote"
)

// MaxJournalSize caps journal.json and state.json when they are read back.
const MaxJournalSize = 64 << 20

// ErrLocked is returned when another publish or rollback holds the lock.
var ErrLocked = errors.New("bundle: another publish or rollback is running on this root")

// ErrNothingToRollBack is returned by Rollback when no publish is recorded.
var ErrNothingToRollBack = errors.New("bundle: nothing to roll back")

// Transaction states, in the order a publish passes through them.
const (
	statePreparing  = "preparing"    // staging files; the root is untouched
	statePrepared   = "prepared"     // everything staged and backed up; the root is untouched
	stateCommitting = "committing"   // renaming into place
	stateCommitted  = "committed"    // every rename done; finishing the bookkeeping
	stateRollingBak = "rolling-back" // undoing, in reverse order
)

// Operations of a journal entry.
const (
	opCreate  = "create"
	opReplace = "replace"
	opRemove  = "remove"
)

// RootState is what state.json records: the files the last publish owns.
type RootState struct {
	ID     string   `json:"id,omitempty"`     // publish id
	Bundle string   `json:"bundle,omitempty"` // path the bundle was published from
	Sums   string   `json:"sums,omitempty"`   // SHA-256 of the bundle's SHA256SUMS
	Canary []string `json:"canary,omitempty"` // MACs, when the last publish was a canary
	// What bundle.json and the signatures said of the bundle, when it was
	// verified: its name, sequence and the key IDs that signed it.
	Name     string            `json:"name,omitempty"`
	Sequence uint64            `json:"sequence,omitempty"`
	Signers  []string          `json:"signers,omitempty"`
	Files    map[string]string `json:"files"` // name → SHA-256 (hex)
}

// journal is a transaction's journal as the code uses it, whichever form
// it was read from: version 1, one JSON object rewritten whole at every
// state (phoneload before issue 16), or version 2, append-only (see
// journalHeader).
type journal struct {
	Version int         `json:"version"`
	ID      string      `json:"id"`
	State   string      `json:"state"`
	Ops     []journalOp `json:"ops"`
	Prev    RootState   `json:"prev"`
	Next    RootState   `json:"next"`

	// end is, in a version 2 journal, the length of its complete records:
	// the next record is written there, over a torn one a crash left.
	end int64
}

// Journal versions: 1 is rewritten whole at each state, 2 is appended to.
const (
	journalV1 = 1
	journalV2 = 2
)

// A version 2 journal.json is JSON lines: a header, then one record per
// state, each appended and fsynced before the step it allows starts:
//
//	{"version":2,"id":"…","prev":{…}}
//	{"state":"preparing"}
//	{"state":"prepared","ops":[…],"next":{…}}
//	{"state":"committing"}
//	{"state":"committed"}
//
// The header and the first record are written together (temporary file,
// fsync, rename, fsync of the directory); the plan, by far the largest
// part, once, with "prepared". The state is the last complete record's. A
// last line that is incomplete (no newline) or does not parse is an append
// a crash interrupted before its fsync returned: nothing that record
// allowed has started, so it is ignored, as version 1's write-then-rename
// left the previous journal, and the next record is written over it.
type journalHeader struct {
	Version int       `json:"version"`
	ID      string    `json:"id"`
	Prev    RootState `json:"prev"`
}

type journalRecord struct {
	State string      `json:"state"`
	Ops   []journalOp `json:"ops,omitempty"`
	Next  *RootState  `json:"next,omitempty"`
}

// journalNext lists the states each state may be followed by in a version
// 2 journal ("" is the header).
var journalNext = map[string][]string{
	"":              {statePreparing},
	statePreparing:  {statePrepared},
	statePrepared:   {stateCommitting, stateRollingBak},
	stateCommitting: {stateCommitted, stateRollingBak},
	stateCommitted:  {stateRollingBak},
}

type journalOp struct {
	Name   string `json:"name"`
	Op     string `json:"op"`
	Group  string `json:"group"`
	Stage  string `json:"stage"` // file name under new/ and old/
	SHA256 string `json:"sha256,omitempty"`
	OldSHA string `json:"old_sha256,omitempty"`
	Size   int64  `json:"size"`
	// Mode is the permission bits of the file a backup was taken of, which
	// restore puts back (backups themselves are 0600); 0 in journals
	// written before backups were copies.
	Mode uint32 `json:"mode,omitempty"`
	// Dirs are the directories a create made for its file, deepest first.
	Dirs []string `json:"dirs,omitempty"`
}

func txnDir(sd string) string { return filepath.Join(sd, "txn") }

func historyDir(sd string) string { return filepath.Join(sd, "history") }

func readLimited(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxJournalSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxJournalSize {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", p, MaxJournalSize)
	}
	return b, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func readJSONFile(p string, v any) error {
	b, err := readLimited(p)
	if err != nil {
		return err
	}
	if err := decodeStrict(b, v); err != nil {
		return fmt.Errorf("bundle: %s: %w", p, err)
	}
	return nil
}

// parseJournal reads a journal of either version (p names it in errors).
func parseJournal(p string, b []byte) (*journal, error) {
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&probe); err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", p, err)
	}
	switch probe.Version {
	case journalV1:
		j := new(journal)
		if err := decodeStrict(b, j); err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", p, err)
		}
		return j, nil
	case journalV2:
		return parseJournalV2(p, b)
	}
	return nil, fmt.Errorf("bundle: %s: journal version %d not supported (written by a newer phoneload? finish or undo it with that version)", p, probe.Version)
}

// parseJournalV2 reads an append-only journal (see journalHeader).
func parseJournalV2(p string, b []byte) (*journal, error) {
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("bundle: %s: journal header: no end of line", p)
	}
	var h journalHeader
	if err := decodeStrict(b[:nl], &h); err != nil {
		return nil, fmt.Errorf("bundle: %s: journal header: %w", p, err)
	}
	j := &journal{Version: h.Version, ID: h.ID, Prev: h.Prev, end: int64(nl + 1)}
	for line := 2; int(j.end) < len(b); line++ {
		rest := b[j.end:]
		n := bytes.IndexByte(rest, '\n')
		var r journalRecord
		var err error
		if n < 0 {
			err = errors.New("no end of line")
		} else {
			err = decodeStrict(rest[:n], &r)
		}
		if err != nil {
			if n < 0 || int(j.end)+n+1 == len(b) {
				break // the last record, torn by a crash: never in effect
			}
			return nil, fmt.Errorf("bundle: %s: line %d: %w", p, line, err)
		}
		if !slices.Contains(journalNext[j.State], r.State) {
			return nil, fmt.Errorf("bundle: %s: line %d: state %q cannot follow %q", p, line, r.State, j.State)
		}
		if (r.State == statePrepared) != (r.Next != nil) || (r.State != statePrepared && r.Ops != nil) {
			return nil, fmt.Errorf("bundle: %s: line %d: the plan belongs with state %q only", p, line, statePrepared)
		}
		j.State = r.State
		if r.Next != nil {
			j.Ops, j.Next = r.Ops, *r.Next
		}
		j.end += int64(n + 1)
	}
	if j.State == "" {
		return nil, fmt.Errorf("bundle: %s: journal holds a header and no state", p)
	}
	return j, nil
}

func readJournal(dir string) (*journal, error) {
	p := filepath.Join(dir, "journal.json")
	b, err := readLimited(p)
	if err != nil {
		return nil, err
	}
	j, err := parseJournal(p, b)
	if err != nil {
		return nil, err
	}
	// A journal drives renames and deletions: every name must stay inside
	// the root, and staged names inside the transaction directory.
	for _, op := range j.Ops {
		if err := checkSafeName(op.Name); err != nil {
			return nil, fmt.Errorf("bundle: %s: %w", dir, err)
		}
		if op.Stage == "" || strings.ContainsAny(op.Stage, `/\`) || op.Stage == "." || op.Stage == ".." {
			return nil, fmt.Errorf("bundle: %s: bad stage name %q", dir, op.Stage)
		}
		for _, d := range op.Dirs {
			if err := checkSafeName(d); err != nil || !strings.HasPrefix(op.Name, d+"/") {
				return nil, fmt.Errorf("bundle: %s: bad directory %q for %s", dir, d, op.Name)
			}
		}
		switch op.Op {
		case opCreate, opReplace, opRemove:
		default:
			return nil, fmt.Errorf("bundle: %s: unknown operation %q", dir, op.Op)
		}
	}
	return j, nil
}

// ReadState returns what the last publish left in the state directory sd
// (see StateDir), or an empty state when nothing was published.
func ReadState(sd string) (*RootState, error) {
	s := &RootState{Files: map[string]string{}}
	err := readJSONFile(filepath.Join(sd, "state.json"), s)
	if errors.Is(err, fs.ErrNotExist) {
		return &RootState{Files: map[string]string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if s.Files == nil {
		s.Files = map[string]string{}
	}
	for name := range s.Files {
		if err := checkSafeName(name); err != nil {
			return nil, fmt.Errorf("bundle: state.json: %w", err)
		}
	}
	return s, nil
}

func writeState(sd string, s RootState) error {
	if s.Files == nil {
		s.Files = map[string]string{}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(sd, "state.json"), append(b, '\n'), 0o600)
}

// checkName refuses names that would leave the root or touch the journal.
func checkSafeName(name string) error {
	if name == "" || strings.Contains(name, `\`) || strings.ContainsRune(name, 0) ||
		path.IsAbs(name) || filepath.IsAbs(name) || path.Clean(name) != name {
		return fmt.Errorf("unsafe file name %q", name)
	}
	if why := quote.Hidden(name); why != "" {
		return fmt.Errorf("unsafe file name %q: %s", name, why)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." || strings.EqualFold(part, drop.StateDir) {
			return fmt.Errorf("unsafe file name %q", name)
		}
	}
	return nil
}

// recoverTxn finishes or undoes a transaction a crash left behind. It
// returns what it did: "" (nothing pending), "discarded" (the root was never
// touched), "undone" or "completed".
func recoverTxn(root, sd string, hook func(string) error) (string, error) {
	cleanTrash(sd)
	dir := txnDir(sd)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	j, err := readJournal(dir)
	if errors.Is(err, fs.ErrNotExist) {
		// Killed before the first journal write: nothing was staged yet.
		return "discarded", discard(sd, dir)
	}
	if err != nil {
		return "", fmt.Errorf("%w (the interrupted transaction in %s needs a look by hand)", err, dir)
	}
	t := &txn{root: root, state: sd, dir: dir, j: j, hook: hook}
	switch j.State {
	case statePreparing, statePrepared:
		return "discarded", discard(sd, dir)
	case stateCommitting, stateRollingBak:
		return "undone", t.rollBack()
	case stateCommitted:
		return "completed", t.finishCommit()
	}
	return "", fmt.Errorf("bundle: %s: unknown journal state %q", dir, j.State)
}

// discard removes a transaction directory: renamed away first (one atomic
// step), then deleted.
func discard(sd, dir string) error {
	trash := filepath.Join(sd, fmt.Sprintf("trash-%d", time.Now().UnixNano()))
	if err := os.Rename(dir, trash); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(sd); err != nil {
		return err
	}
	return os.RemoveAll(trash)
}

func cleanTrash(sd string) {
	ents, _ := os.ReadDir(sd)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "trash-") {
			os.RemoveAll(filepath.Join(sd, e.Name()))
		}
	}
}

// removeBareStateDir removes the state directory when it holds nothing but
// the lock file, while the lock is still held; lockRoot makes a waiter that
// then locks the removed file start again.
func removeBareStateDir(sd string) {
	ents, err := os.ReadDir(sd)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.Name() != lockName {
			return
		}
	}
	os.Remove(filepath.Join(sd, lockName))
	os.Remove(sd)
}

// History lists the finished publishes recorded in the state directory sd,
// oldest first.
func History(sd string) ([]string, error) {
	ents, err := os.ReadDir(historyDir(sd))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if e.IsDir() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func newID() string {
	return time.Now().UTC().Format("20060102T150405.000000000Z")
}
