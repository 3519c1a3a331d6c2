package bundle

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Entry is one regular file of a container.
type Entry struct {
	Name    string      // slash-separated path relative to the container root
	Size    int64       // size in bytes, as declared by the container
	Mode    fs.FileMode // permission bits
	ModTime time.Time
}

// Limits bounds what a container may hold, against zip bombs and runaway input.
type Limits struct {
	MaxFileSize  int64 // largest single file
	MaxTotalSize int64 // all files together
	MaxFiles     int   // number of files
}

// DefaultLimits fit every real drop and TFTP root with a wide margin.
var DefaultLimits = Limits{
	MaxFileSize:  4 << 30,
	MaxTotalSize: 64 << 30,
	MaxFiles:     1_000_000,
}

// WalkFunc is called once per regular file. r yields exactly e.Size bytes and
// fails if the stored data is longer, shorter or corrupt.
type WalkFunc func(e Entry, r io.Reader) error

// Walk calls fn for every regular file of the container at path, in name
// order. Only directories are handled here; archives are added by the
// container readers.
func Walk(path string, lim Limits, fn WalkFunc) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("bundle: %s: not a directory", path)
	}
	var entries []Entry
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(path, p)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("bundle: %s: not a regular file", filepath.ToSlash(rel))
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		entries = append(entries, Entry{Name: filepath.ToSlash(rel), Size: info.Size(), Mode: info.Mode().Perm(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return err
	}
	if len(entries) > lim.MaxFiles {
		return fmt.Errorf("bundle: %s: more than %d files", path, lim.MaxFiles)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	for _, e := range entries {
		if e.Size > lim.MaxFileSize {
			return fmt.Errorf("bundle: %s: %d bytes, over the limit of %d", e.Name, e.Size, lim.MaxFileSize)
		}
		f, err := os.Open(filepath.Join(path, filepath.FromSlash(e.Name)))
		if err != nil {
			return err
		}
		err = fn(e, &exactReader{r: f, n: e.Size, name: e.Name})
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// exactReader yields exactly n bytes of r and reports a file that changed size.
type exactReader struct {
	r    io.Reader
	n    int64
	name string
}

func (x *exactReader) Read(p []byte) (int, error) {
	if x.n <= 0 {
		var one [1]byte
		if k, _ := x.r.Read(one[:]); k > 0 {
			return 0, fmt.Errorf("bundle: %s: longer than its declared size", x.name)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > x.n {
		p = p[:x.n]
	}
	k, err := x.r.Read(p)
	x.n -= int64(k)
	if errors.Is(err, io.EOF) && x.n > 0 {
		return k, fmt.Errorf("bundle: %s: shorter than its declared size", x.name)
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return k, err
}
