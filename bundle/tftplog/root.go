package tftplog

import (
	"archive/zip"
	"fmt"
	"io"
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
	path  string
	dir   bool
}

// MaxRead bounds the files Read returns (configuration files are small).
const MaxRead = 1 << 20

// Read returns a configuration file of the root, or nil when it is not
// there or larger than MaxRead.
func (r *RootFiles) Read(name string) []byte {
	if !r.exact[name] {
		return nil
	}
	if r.dir {
		f, err := os.Open(filepath.Join(r.path, filepath.FromSlash(name)))
		if err != nil {
			return nil
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, MaxRead+1))
		if err != nil || len(b) > MaxRead {
			return nil
		}
		return b
	}
	zr, err := zip.OpenReader(r.path)
	if err != nil {
		return nil
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, MaxRead+1))
		if err != nil || len(b) > MaxRead {
			return nil
		}
		return b
	}
	return nil
}

// ListRoot lists the regular files of a directory or zip.
func ListRoot(path string) (*RootFiles, error) {
	rf := &RootFiles{exact: map[string]bool{}, fold: map[string]string{}, path: path}
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
	rf.dir = true
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
