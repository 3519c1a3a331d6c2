package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/atomicfile"
)

// ErrUnsafeState is wrapped by the errors for a state directory publish
// will not use: a symbolic link, not a directory, owned by someone else,
// writable by others, inside the root, or on another file system.
var ErrUnsafeState = errors.New("bundle: unsafe state directory")

// StateDir returns the state directory publish and rollback use for root
// when none is given: ".phoneload-NAME" beside the root (for /srv/tftp,
// /srv/.phoneload-tftp). Beside, not under: a TFTP server serves the root
// and everything below it, and the state directory holds the replaced
// per-phone files (with their SIP passwords). Beside, not in /var/lib: it
// must be on the root's file system, for staged files to be renamed into
// place atomically, and writable by whoever may publish into the root.
func StateDir(root string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	parent, name := filepath.Dir(abs), filepath.Base(abs)
	if parent == abs || name == "" || name == string(filepath.Separator) {
		return "", fmt.Errorf("%w: %s has no parent directory to hold its state: give one (--state DIR)", ErrUnsafeState, root)
	}
	return filepath.Join(parent, ".phoneload-"+name), nil
}

func stateFor(root, state string) (string, error) {
	if state == "" {
		return StateDir(root)
	}
	return filepath.Abs(state)
}

// inside reports whether p is root or lies below it, links resolved.
func inside(p, root string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		r = root
	}
	r, _ = filepath.Abs(r)
	// p itself may not exist yet: resolve its deepest existing ancestor.
	q, _ := filepath.Abs(p)
	var rest []string
	for {
		if e, err := filepath.EvalSymlinks(q); err == nil {
			q = filepath.Join(append([]string{e}, rest...)...)
			break
		}
		parent := filepath.Dir(q)
		if parent == q {
			break
		}
		rest = append([]string{filepath.Base(q)}, rest...)
		q = parent
	}
	rel, err := filepath.Rel(r, q)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// checkStateDir vets an existing state directory without following a link
// at its path: a real directory, owned by this user, not writable by
// others, on the root's file system, not inside the root. It wraps
// fs.ErrNotExist when there is none.
func checkStateDir(sd, root string) error {
	if inside(sd, root) {
		return fmt.Errorf("%w: %s is inside the root %s, where a TFTP server would serve it", ErrUnsafeState, sd, root)
	}
	fi, err := os.Lstat(sd)
	if err != nil {
		return fmt.Errorf("bundle: state directory: %w", err)
	}
	if err := vetDir(sd, fi); err != nil {
		return err
	}
	// Open it without following a link and check it is what was vetted,
	// so that a swap between the two calls is caught.
	f, err := os.OpenFile(sd, os.O_RDONLY|oNoFollow|oDirectory, 0)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnsafeState, sd, err)
	}
	defer f.Close()
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		return fmt.Errorf("%w: %s changed while it was opened", ErrUnsafeState, sd)
	}
	rfi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if !sameDevice(fi, rfi) {
		return fmt.Errorf("%w: %s is on another file system than the root %s (staged files are renamed into place, which needs one file system): give --state on it", ErrUnsafeState, sd, root)
	}
	return nil
}

// vetDir refuses a path that is not a real directory of this user, closed
// to writes by others.
func vetDir(p string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(p)
		return fmt.Errorf("%w: %s is a symbolic link (to %s): refusing to follow it", ErrUnsafeState, p, target)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrUnsafeState, p)
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("%w: %s is writable by others (mode %04o)", ErrUnsafeState, p, fi.Mode().Perm())
	}
	return checkOwner(p, fi)
}

// checkLegacyStateDir vets ROOT/.phoneload, where publish kept its journal
// before it moved beside the root; fs.ErrNotExist when there is none.
func checkLegacyStateDir(root string) error {
	p := filepath.Join(root, drop.StateDir)
	fi, err := os.Lstat(p)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return vetDir(p, fi)
}

// openStateDir makes sd ready for a publish or rollback of root: it moves
// an in-root journal (ROOT/.phoneload) there first, creates sd (0700) when
// create is set, vets it (checkStateDir) and tightens the modes of what it
// holds (directories 0700, journal and backups 0600).
//
// The move is one rename(2) of the whole directory, so a crash leaves the
// journal either in the root or in sd, never split; the tightening that
// follows runs again on every open until it is done.
func openStateDir(sd, root string, create bool) error {
	if inside(sd, root) {
		return fmt.Errorf("%w: %s is inside the root %s, where a TFTP server would serve it", ErrUnsafeState, sd, root)
	}
	legacy := filepath.Join(root, drop.StateDir)
	lerr := checkLegacyStateDir(root)
	_, serr := os.Lstat(sd)
	switch {
	case errors.Is(lerr, fs.ErrNotExist):
	case lerr != nil:
		return lerr
	case serr == nil:
		// Both: the in-root one is harmless only if it holds nothing
		// but a lock file.
		ents, _ := os.ReadDir(legacy)
		for _, e := range ents {
			if e.Name() != lockName {
				return fmt.Errorf("%w: both %s and %s hold a publish journal: move the one not in use away", ErrUnsafeState, legacy, sd)
			}
		}
		os.Remove(filepath.Join(legacy, lockName))
		os.Remove(legacy)
	case errors.Is(serr, fs.ErrNotExist):
		if err := os.MkdirAll(filepath.Dir(sd), 0o755); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := os.Rename(legacy, sd); err != nil {
			return fmt.Errorf("bundle: moving the journal %s out of the root to %s: %w (give --state on the root's file system)", legacy, sd, err)
		}
		if err := atomicfile.SyncDir(root); err != nil {
			return err
		}
		if err := atomicfile.SyncDir(filepath.Dir(sd)); err != nil {
			return err
		}
		serr = nil
	default:
		return fmt.Errorf("bundle: state directory: %w", serr)
	}
	if errors.Is(serr, fs.ErrNotExist) {
		if !create {
			return fmt.Errorf("bundle: state directory: %w", serr)
		}
		if err := os.MkdirAll(filepath.Dir(sd), 0o755); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := os.Mkdir(sd, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("bundle: %w", err)
		}
		if err := checkStateDir(sd, root); err != nil {
			os.Remove(sd) // made just now, and unusable
			return err
		}
	}
	if err := checkStateDir(sd, root); err != nil {
		return err
	}
	return tighten(sd)
}

// tighten sets the state directory 0700 and what it keeps 0600: the
// journal, the state and the backups of replaced files (a backup still
// linked elsewhere, from a journal of the in-root days, is replaced by a
// private copy). Staged new files (txn/new) keep their mode: they are
// renamed into the root for phones to read.
func tighten(sd string) error {
	if err := os.Chmod(sd, 0o700); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return filepath.WalkDir(sd, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == sd {
			return err
		}
		rel, _ := filepath.Rel(sd, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "txn/new" {
				return filepath.SkipDir
			}
			return os.Chmod(p, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "history/") && linkCount(fi) > 1 {
			tmp := p + ".private"
			os.Remove(tmp)
			if err := copyFile(p, tmp, 0o600, "", true); err != nil {
				return err
			}
			return os.Rename(tmp, p)
		}
		if strings.HasPrefix(rel, "txn/old/") {
			return nil // may still be linked in the root, pending
		}
		if fi.Mode().Perm() != 0o600 {
			return os.Chmod(p, 0o600)
		}
		return nil
	})
}

// readStateDir returns the directory to read a root's journal from without
// changing anything (history, dry runs): the state directory when there is
// one, else an in-root journal not yet migrated, each vetted as
// openStateDir does; the state directory, absent, when neither exists.
func readStateDir(root, state string) (string, error) {
	sd, err := stateFor(root, state)
	if err != nil {
		return "", err
	}
	err = checkStateDir(sd, root)
	if !errors.Is(err, fs.ErrNotExist) {
		return sd, err
	}
	switch err := checkLegacyStateDir(root); {
	case err == nil:
		return filepath.Join(root, drop.StateDir), nil
	case errors.Is(err, fs.ErrNotExist):
		return sd, nil
	default:
		return "", err
	}
}
