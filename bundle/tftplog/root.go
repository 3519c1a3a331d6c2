package tftplog

import (
	"archive/zip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// RootFiles is the list of files of a TFTP root (a directory or a zip),
// for Options.Root.
type RootFiles struct {
	exact map[string]bool
	fold  map[string]string
}

// ListRoot lists the regular files of a directory or zip.
func ListRoot(path string) (*RootFiles, error) {
	rf := &RootFiles{exact: map[string]bool{}, fold: map[string]string{}}
	add := func(name string) {
		rf.exact[name] = true
		if _, ok := rf.fold[strings.ToLower(name)]; !ok {
			rf.fold[strings.ToLower(name)] = name
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tftplog: %w", err)
	}
	if !fi.IsDir() {
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("tftplog: %s: %w", path, err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, "/") {
				add(f.Name)
			}
		}
		return rf, nil
	}
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(path, p)
			add(filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("tftplog: %w", err)
	}
	return rf, nil
}

// Lookup implements Lister.
func (r *RootFiles) Lookup(name string) (bool, string) {
	if r.exact[name] {
		return true, ""
	}
	return false, r.fold[strings.ToLower(name)]
}
