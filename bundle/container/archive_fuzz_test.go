package container

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	bc "github.com/phoneload/phoneload/internal/badcontainer"
)

// fuzzLimits are small, so that a fuzzed length over them is refused before
// anything is allocated or decompressed.
var fuzzLimits = Limits{MaxFileSize: 64 << 10, MaxTotalSize: 256 << 10, MaxFiles: 1000}

// checkingFn reads every entry and checks the promises Walk makes to fn.
func checkingFn(t *testing.T, seen *[]Entry) WalkFunc {
	names := map[string]bool{}
	var total int64
	return func(e Entry, r io.Reader) error {
		if why := checkName(e.Name); why != "" {
			t.Fatalf("fn got unsafe name %q: %s", e.Name, why)
		}
		if names[strings.ToLower(e.Name)] {
			t.Fatalf("fn got %q twice (or two names differing in case)", e.Name)
		}
		names[strings.ToLower(e.Name)] = true
		if e.Size > fuzzLimits.MaxFileSize || e.Mode&^0o777 != 0 {
			t.Fatalf("fn got %+v, over the limits or with more than permission bits", e)
		}
		total += e.Size
		if total > fuzzLimits.MaxTotalSize {
			t.Fatalf("fn got %d bytes in all, over MaxTotalSize", total)
		}
		n, err := io.Copy(io.Discard, r)
		if err == nil && n != e.Size {
			t.Fatalf("%s: reader gave %d bytes without error, Entry.Size %d", e.Name, n, e.Size)
		}
		if err != nil && !isEntryError(err) {
			t.Fatalf("%s: error that names no entry: %v", e.Name, err)
		}
		*seen = append(*seen, e)
		return err
	}
}

// seedCorpus adds the bad-container corpus and the containers other tools
// made (testdata/interop) whose names keep accepts.
func seedCorpus(f *testing.F, keep func(string) bool) {
	for _, c := range append(bc.Cases(), bc.Good()...) {
		if keep(c.File) {
			f.Add(c.Data)
		}
	}
	files, _ := filepath.Glob("../../testdata/interop/*")
	for _, p := range files {
		if keep(p) {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

func FuzzWalkZip(f *testing.F) {
	seedCorpus(f, func(name string) bool { return strings.HasSuffix(name, ".zip") })
	f.Add(bc.Zip(bc.ZipFiles("OS79XX.TXT", "a/b.bin"), nil))
	f.Add(bc.Zip([]bc.ZipEntry{{Name: "drop.tar", Data: bc.Tar(bc.TarFiles("a", "b"), nil)}}, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var seen []Entry
		err := walkZip("f.zip", bytes.NewReader(data), int64(len(data)), fuzzLimits, checkingFn(t, &seen), 1)
		if err != nil && !isEntryError(err) {
			t.Fatalf("error that names no entry: %v", err)
		}
		if err == nil && !sort.SliceIsSorted(seen, func(i, j int) bool { return seen[i].Name < seen[j].Name }) {
			if _, ok := detectTarInZip(data); !ok {
				t.Fatalf("zip walked out of name order: %v", seen)
			}
		}
	})
}

func detectTarInZip(data []byte) (string, bool) {
	d, err := OpenZipDir("f.zip", bytes.NewReader(data), int64(len(data)), fuzzLimits.MaxFiles)
	if err != nil {
		return "", false
	}
	zf, ok, err := innerTar(d)
	if err != nil || !ok {
		return "", false
	}
	return zf.Name, true
}

// FuzzWalkTar reads the same bytes as a tar file (indexed, name order) and
// as a tar stream (archive order): both must agree on the outcome and on
// the files.
func FuzzWalkTar(f *testing.F) {
	seedCorpus(f, func(name string) bool { return strings.HasSuffix(name, ".tar") })
	f.Add(bc.Tar(bc.TarFiles("OS79XX.TXT", "a/b.bin", "./c"), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fromFile, fromStream []Entry
		errFile := walkTarFile("f.tar", bytes.NewReader(data), int64(len(data)), fuzzLimits, checkingFn(t, &fromFile), 1)
		errStream := walkTarStream("f.tar", bytes.NewReader(data), fuzzLimits, checkingFn(t, &fromStream))
		for _, err := range []error{errFile, errStream} {
			if err != nil && !isEntryError(err) {
				t.Fatalf("error that names no entry: %v", err)
			}
		}
		if (errFile == nil) != (errStream == nil) {
			t.Fatalf("tar file: %v; tar stream: %v", errFile, errStream)
		}
		if errFile != nil {
			return
		}
		sort.Slice(fromStream, func(i, j int) bool { return fromStream[i].Name < fromStream[j].Name })
		if len(fromFile) != len(fromStream) {
			t.Fatalf("tar file gave %d files, tar stream %d", len(fromFile), len(fromStream))
		}
		for i := range fromFile {
			if fromFile[i].Name != fromStream[i].Name || fromFile[i].Size != fromStream[i].Size {
				t.Fatalf("file %d: %+v from the file, %+v from the stream", i, fromFile[i], fromStream[i])
			}
		}
		var gz []Entry
		if err := walkTarGzStream("f.tgz", bytes.NewReader(bc.Gzip(data)), fuzzLimits, checkingFn(t, &gz)); err != nil {
			t.Fatalf("same tar gzipped: %v", err)
		}
		if errors.Is(errFile, ErrFormat) {
			t.Fatal("unreachable")
		}
	})
}
