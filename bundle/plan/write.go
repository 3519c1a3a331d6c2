package plan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/bundle/container"
)

// ErrMissingDrops is returned by Write when a stage needs a load no drop
// has: no root is written.
var ErrMissingDrops = errors.New("plan: drops missing")

// StageDir is the name of stage n's root under Write's directory.
func StageDir(n int) string { return fmt.Sprintf("stage-%d", n) }

// Write writes one ready TFTP root per stage under dir (stage-1, stage-2,
// …): the images of the loads the stage needs, from their drops, and the
// stage's configuration files. dir must not exist; the roots are written
// beside it and renamed into place at the end, so a failed run leaves
// nothing.
func (p *Plan) Write(dir string) error {
	if len(p.Missing) > 0 {
		var names []string
		for _, m := range p.Missing {
			names = append(names, m.Load)
		}
		return fmt.Errorf("%w: no drop in --drops has %s", ErrMissingDrops, strings.Join(names, ", "))
	}
	if _, err := os.Lstat(dir); err == nil {
		return fmt.Errorf("plan: %s exists: -o writes a new directory", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(dir)), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	// Drops of 7905/7912 targets stay in every stage from the first on:
	// their compiled default profile is what keeps the phones on it.
	var keep []string
	for _, pp := range p.Phones {
		if f := boot.Family(pp.Model); (f == "7912" || f == "7905") && pp.Blocked == "" && pp.Target != "" {
			if d := p.need(pp.Target, pp.Model).Drop; d != "" && !slices.Contains(keep, d) {
				keep = append(keep, d)
			}
		}
	}
	for _, st := range p.Stages {
		root := filepath.Join(tmp, StageDir(st.N))
		if err := os.MkdirAll(root, 0o755); err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		drops := slices.Clone(keep)
		for _, n := range st.Loads {
			if !slices.Contains(drops, n.Drop) {
				drops = append(drops, n.Drop)
			}
		}
		for _, d := range drops {
			if err := copyDrop(d, root); err != nil {
				return err
			}
		}
		for name, b := range st.configs {
			if err := os.WriteFile(filepath.Join(root, name), b, 0o644); err != nil {
				return fmt.Errorf("plan: %w", err)
			}
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	ok = true
	return nil
}

// copyDrop copies the files of a drop phones fetch (images, manifests,
// compiled default profiles, rings) to the top of root, leaving out the
// configuration the stage writes itself.
func copyDrop(drop, root string) error {
	return container.Walk(drop, container.Limits{}, func(e container.Entry, r io.Reader) error {
		if strings.Contains(e.Name, "/") || configFile(e.Name) || boot.IsBundleMeta(e.Name) {
			return nil
		}
		dst := filepath.Join(root, e.Name)
		if _, err := os.Lstat(dst); err == nil {
			return nil // the same file from another drop (a shared loader)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("plan: %w", err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return fmt.Errorf("plan: %w", err)
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return fmt.Errorf("plan: %s: %s: %w", drop, e.Name, err)
		}
		return f.Close()
	})
}
