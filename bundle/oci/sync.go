package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/internal/atomicfile"
)

// SyncOptions control SyncOnce.
type SyncOptions struct {
	PullOptions
	// State is the file where the agent records what it published into
	// the root (the highest sequence above all); DefaultStatePath(root)
	// when empty.
	State string
	// Publish puts a verified, staged bundle directory into the root
	// and returns the publish id. Required.
	Publish func(dir string) (string, error)
	Now     func() time.Time
}

// SyncState is the agent's record for one root.
type SyncState struct {
	Version   int       `json:"version"`
	Ref       string    `json:"ref"`
	Root      string    `json:"root"`
	Sequence  uint64    `json:"sequence"` // highest sequence published into the root; a lower one is refused
	Name      string    `json:"name"`
	Digest    string    `json:"digest"` // OCI manifest published
	Sums      string    `json:"sums"`   // SHA-256 of its SHA256SUMS
	PublishID string    `json:"publish_id"`
	Published time.Time `json:"published"`
}

// Sync actions.
const (
	SyncPublished = "published" // a newer signed sequence is now served
	SyncUnchanged = "unchanged" // the tag names what the root serves
	SyncRefused   = "refused"   // verification or policy refused the tag; the root keeps its release
	SyncFailed    = "failed"    // the registry, the network or the publish failed; the root keeps its release
)

// SyncDecision is one round of the agent, logged as one line (JSON with
// --json; schema in docs/distribution.md).
type SyncDecision struct {
	Time      time.Time   `json:"time"`
	Ref       string      `json:"ref"`
	Root      string      `json:"root"`
	Action    string      `json:"action"`
	Digest    string      `json:"digest,omitempty"`   // manifest the tag named
	Name      string      `json:"name,omitempty"`     // bundle name, once verified
	Sequence  uint64      `json:"sequence,omitempty"` // its sequence, once verified
	Serving   uint64      `json:"serving"`            // sequence the root serves after this round
	PublishID string      `json:"publish_id,omitempty"`
	Pull      *PullResult `json:"pull,omitempty"`
	Error     string      `json:"error,omitempty"`
}

// DefaultStatePath is where the agent records its state for root: beside
// the root, never inside what a TFTP server serves.
func DefaultStatePath(root string) string {
	root = filepath.Clean(root)
	return filepath.Join(filepath.Dir(root), "."+filepath.Base(root)+".phoneload-sync.json")
}

// ErrRollback wraps bundle.ErrPolicy for a tag whose signed sequence is
// below what the root already served, or equal to it with other content.
var ErrRollback = fmt.Errorf("%w: rollback refused", bundle.ErrPolicy)

var errUnchanged = errors.New("unchanged")

// SyncOnce is one round of a site agent: resolve the tag; if it names
// something new, verify its signatures and bundle.json, refuse a sequence
// below the highest the root was given (or equal to it with other
// content), fetch what the root does not already hold, verify everything,
// publish, and record the new sequence. A refused or failed round leaves
// the root serving its last good release. The error is the decision's
// (nil for published and unchanged).
func SyncOnce(ctx context.Context, ref Ref, root string, opts SyncOptions) (*SyncDecision, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	if opts.State == "" {
		opts.State = DefaultStatePath(root)
	}
	d := &SyncDecision{Time: now().UTC(), Ref: ref.String(), Root: root}
	fail := func(err error) (*SyncDecision, error) {
		d.Action = SyncFailed
		if errors.Is(err, bundle.ErrSignature) || errors.Is(err, bundle.ErrContent) || errors.Is(err, bundle.ErrPolicy) {
			d.Action = SyncRefused
		}
		d.Error = err.Error()
		return d, err
	}
	if opts.Publish == nil {
		return fail(errors.New("oci: sync: no publish function"))
	}
	state, err := ReadSyncState(opts.State)
	if err != nil {
		return fail(err)
	}
	d.Serving = state.Sequence
	if opts.Stats == nil {
		opts.Stats = new(Stats)
	}
	st, err := open(ctx, ref, opts.Options, false)
	if err != nil {
		return fail(err)
	}
	desc, err := st.Resolve(ctx, ref.Reference())
	if err != nil {
		return fail(wrapRemote(err, ref.String()))
	}
	d.Digest = desc.Digest.String()
	if d.Digest == state.Digest {
		d.Action, d.Name, d.Sequence = SyncUnchanged, state.Name, state.Sequence
		return d, nil
	}
	var sumsHex string
	po := opts.PullOptions
	po.Reuse = append([]string{root}, po.Reuse...)
	po.Check = func(m *bundle.Manifest, sums []byte) error {
		d.Name, d.Sequence = m.Name, m.Sequence
		h := sha256.Sum256(sums)
		sumsHex = hex.EncodeToString(h[:])
		switch {
		case m.Sequence < state.Sequence:
			return fmt.Errorf("%w: %s has sequence %d, below %d already published into %s", ErrRollback, ref, m.Sequence, state.Sequence, root)
		case m.Sequence == state.Sequence && sumsHex == state.Sums:
			return errUnchanged
		case m.Sequence == state.Sequence && state.Digest != "":
			return fmt.Errorf("%w: %s has sequence %d, already published into %s with other content", ErrRollback, ref, m.Sequence, root)
		}
		if opts.PullOptions.Check != nil {
			return opts.PullOptions.Check(m, sums)
		}
		return nil
	}
	parent := filepath.Dir(opts.State)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fail(fmt.Errorf("oci: %w", err))
	}
	stage, res, err := Fetch(ctx, ref, parent, po)
	d.Pull = res
	if errors.Is(err, errUnchanged) {
		// Same signed content under a new manifest: remember it.
		state.Digest = d.Digest
		d.Action = SyncUnchanged
		return d, writeSyncState(opts.State, state)
	}
	if err != nil {
		if res != nil && d.Sequence == 0 {
			d.Name, d.Sequence = res.Name, res.Sequence
		}
		return fail(err)
	}
	defer os.RemoveAll(stage)
	id, err := opts.Publish(stage)
	if err != nil {
		return fail(err)
	}
	d.Action, d.PublishID, d.Serving = SyncPublished, id, d.Sequence
	next := SyncState{Version: 1, Ref: ref.String(), Root: root, Sequence: d.Sequence, Name: d.Name, Digest: d.Digest, Sums: sumsHex, PublishID: id, Published: d.Time}
	if err := writeSyncState(opts.State, next); err != nil {
		return fail(fmt.Errorf("oci: published %s but could not record it: %w", id, err))
	}
	return d, nil
}

// ReadSyncState reads the agent's state; a missing file is the empty state.
func ReadSyncState(p string) (SyncState, error) {
	var s SyncState
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("oci: sync state: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("oci: sync state %s: %v", p, err)
	}
	if s.Version != 1 {
		return s, fmt.Errorf("oci: sync state %s: version %d not supported", p, s.Version)
	}
	return s, nil
}

func writeSyncState(p string, s SyncState) error {
	s.Version = 1
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, append(b, '\n'), 0o644)
}
