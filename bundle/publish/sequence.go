package publish

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/internal/atomicfile"
)

// ErrDowngrade is wrapped by the error for a bundle whose sequence is below
// the highest published into the root before: an old bundle, still validly
// signed and unexpired, replayed to bring back what a later release fixed
// (TUF's rollback attack). Options.AllowDowngrade publishes it anyway.
var ErrDowngrade = errors.New("bundle: sequence below the highest published")

// Highest is what the state directory records of the highest sequence
// ever published into the root (sequence.json). It only goes up: Rollback
// does not lower it, so a rolled-back root still refuses the older bundles.
type Highest struct {
	Sequence uint64 `json:"sequence"`
	ID       string `json:"id,omitempty"` // the publish that first reached it
}

const highestName = "sequence.json"

// ReadHighest returns the highest sequence recorded in the state directory
// sd (zero when none).
func ReadHighest(sd string) (Highest, error) {
	var h Highest
	err := readJSONFile(filepath.Join(sd, highestName), &h)
	if errors.Is(err, fs.ErrNotExist) {
		return Highest{}, nil
	}
	return h, err
}

func checkSequence(sd string, seq uint64, allow bool) error {
	h, err := ReadHighest(sd)
	if err != nil {
		return err
	}
	if seq < h.Sequence && !allow {
		return fmt.Errorf("%w: the bundle has sequence %d, publish %s put sequence %d into this root", ErrDowngrade, seq, h.ID, h.Sequence)
	}
	return nil
}

// raiseSequence records seq as the highest when it is; atomic, so a crash
// leaves the old or the new value.
func raiseSequence(sd string, seq uint64, id string) error {
	h, err := ReadHighest(sd)
	if err != nil {
		return err
	}
	if seq <= h.Sequence && h != (Highest{}) {
		return nil
	}
	b, err := json.MarshalIndent(Highest{Sequence: seq, ID: id}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(sd, highestName), append(b, '\n'), 0o600)
}

// bundleSequence reads the sequence from a bundle's bundle.json, for a
// publish without verification (its caller vouches for the bundle); 0 when
// it has none.
func bundleSequence(src string, lim container.Limits) (uint64, error) {
	var seq uint64
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if e.Name != bundle.ManifestName {
			return nil
		}
		b, err := io.ReadAll(io.LimitReader(r, MaxJournalSize))
		if err != nil {
			return err
		}
		var m struct {
			Sequence uint64 `json:"sequence"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("bundle: %s: %s: %w", src, bundle.ManifestName, err)
		}
		seq = m.Sequence
		return nil
	})
	return seq, err
}
