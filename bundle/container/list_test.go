//go:build unix

package container

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// smallListing makes every buffer of the listing tiny (a few entries per
// directory read, a few names per arena chunk, two records per block), so
// that a handful of files crosses every boundary, and runs f once with
// each way of reading a directory.
func smallListing(t *testing.T, f func(t *testing.T)) {
	readers := map[string]func(*os.Root, string, string, *[]byte, func([]byte, fs.FileMode, int64) error) error{
		"default": readDir,
		"batches": readDirBatches,
	}
	for name, rd := range readers {
		t.Run(name, func(t *testing.T) {
			old := [...]int{listBuf(), listBatch, listChunk, listBlock}
			oldRd := readDir
			setListBuf(96)
			listBatch, listChunk, listBlock, readDir = 3, 64, 2, rd
			t.Cleanup(func() {
				setListBuf(old[0])
				listBatch, listChunk, listBlock, readDir = old[1], old[2], old[3], oldRd
			})
			f(t)
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestListBatches: a tree with more entries than one batch, one chunk and
// one block, nested directories whose byte order differs from their walk
// order, is walked whole, in byte-wise name order, each file once with its
// size and content.
func TestListBatches(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for i := range 150 {
		files[fmt.Sprintf("SEP%012X.cnf.xml", i*7919)] = strings.Repeat("x", i)
	}
	for _, n := range []string{"a/b", "a.b", "a b", "a/c/d", "a/c.d", "a-z/e", "ringtones/Ring01.raw", "ringtones/RingList.xml", "z"} {
		files[n] = n
	}
	writeFiles(t, dir, files)
	os.Mkdir(filepath.Join(dir, "empty"), 0o755)
	var want []string
	for n := range files {
		want = append(want, n)
	}
	slices.Sort(want)
	smallListing(t, func(t *testing.T) {
		for _, workers := range []int{1, 3} {
			var got []string
			err := WalkParallel(dir, Limits{}, workers, func(e Entry, r io.Reader) error {
				data, err := io.ReadAll(r)
				if err != nil {
					return err
				}
				if string(data) != files[e.Name] || e.Size != int64(len(data)) || e.Mode != 0o644 || e.ModTime.IsZero() {
					return fmt.Errorf("%s: %d bytes, mode %v, time %v", e.Name, e.Size, e.Mode, e.ModTime)
				}
				if workers == 1 {
					got = append(got, e.Name)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if workers == 1 && !slices.Equal(got, want) {
				t.Errorf("order:\n got %q\nwant %q", got, want)
			}
		}
	})
}

// TestWalkCompare: walkCompare sorts names (directories too) exactly as
// fs.WalkDir visits them.
func TestWalkCompare(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a/b": "", "a.b": "", "a b": "", "a/c/d": "", "a/c.d": "", "a-/x": "", "a!": "", "ab/c": "", "\x01": "", "a\x01/b": ""})
	var walked []string
	fs.WalkDir(os.DirFS(dir), ".", func(p string, d fs.DirEntry, err error) error {
		if p != "." {
			walked = append(walked, p)
		}
		return err
	})
	got := slices.Clone(walked)
	slices.Reverse(got)
	slices.SortFunc(got, walkCompare)
	if !slices.Equal(got, walked) {
		t.Errorf("walkCompare order:\n got %q\nwant %q", got, walked)
	}
}

// TestListFirstRefusal: of several refused entries, the one reported is
// the one fs.WalkDir reached first, wherever the batches put it; and the
// file that takes the total over MaxTotalSize is named in walk order.
func TestListFirstRefusal(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) error
		lim   Limits
		want  error
		msg   string
	}{
		{"link before pipe", func(d string) error {
			if err := syscall.Mkfifo(filepath.Join(d, "p-pipe"), 0o644); err != nil {
				return err
			}
			return os.Symlink("/etc", filepath.Join(d, "k-link"))
		}, Limits{}, ErrLink, `bundle: root: k-link: link not allowed: symbolic link to "/etc"`},
		{"nested unsafe name before link", func(d string) error {
			os.Mkdir(filepath.Join(d, "f"), 0o755)
			os.WriteFile(filepath.Join(d, "f", "a:b"), nil, 0o644)
			return os.Symlink("x", filepath.Join(d, "f.link"))
		}, Limits{}, ErrUnsafePath, `bundle: root: f/a:b: unsafe path: ":" in name (a drive or stream separator on Windows)`},
		{"total in walk order", func(d string) error {
			os.Mkdir(filepath.Join(d, "m"), 0o755)
			os.WriteFile(filepath.Join(d, "m", "x"), make([]byte, 60), 0o644)
			return os.WriteFile(filepath.Join(d, "m.b"), make([]byte, 60), 0o644)
		}, Limits{MaxTotalSize: 100}, ErrTooLarge, "bundle: root: m.b: too large: files total more than Limits.MaxTotalSize 100"},
		{"case across batches", func(d string) error {
			return os.WriteFile(filepath.Join(d, "file-040"), nil, 0o644)
		}, Limits{}, ErrCaseCollision, `bundle: root: file-040: names differ only in case: "file-040" collides with "FILE-040"`},
		{"case of directories", func(d string) error {
			writeFiles(t, d, map[string]string{"Ring/a": "", "ring/b": ""})
			return nil
		}, Limits{}, ErrCaseCollision, `bundle: root: ring: names differ only in case: "ring" collides with "Ring"`},
		{"case before size", func(d string) error {
			writeFiles(t, d, map[string]string{"file-001": "", "zz": strings.Repeat("z", 200)})
			return nil
		}, Limits{MaxFileSize: 100}, ErrCaseCollision, `bundle: root: file-001: names differ only in case: "file-001" collides with "FILE-001"`},
		{"kelvin", func(d string) error {
			return os.WriteFile(filepath.Join(d, "\u212a"), nil, 0o644)
		}, Limits{}, ErrCaseCollision, "bundle: root: \u212a: names differ only in case: \"\u212a\" collides with \"K\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			smallListing(t, func(t *testing.T) {
				t.Chdir(t.TempDir())
				os.Mkdir("root", 0o755)
				files := map[string]string{}
				for i := range 60 {
					files[fmt.Sprintf("FILE-%03d", i)] = ""
				}
				writeFiles(t, "root", files)
				if err := tt.setup("root"); err != nil {
					t.Skip(err)
				}
				if tt.name == "kelvin" {
					os.WriteFile(filepath.Join("root", "K"), nil, 0o644)
				}
				assertWalkRefused(t, "root", tt.lim, tt.want, tt.msg)
				err := Walk("root", Limits{CaseAliases: true}, func(Entry, io.Reader) error { return nil })
				if errors.Is(tt.want, ErrCaseCollision) && err != nil {
					t.Errorf("with CaseAliases: %v", err)
				}
			})
		})
	}
}

// TestListChanged: a file in a later batch that grows after it was listed
// is refused when opened, naming the size it was listed with; one that
// became a directory, or a symlink to a file of the same size, is refused
// too.
func TestListChanged(t *testing.T) {
	smallListing(t, func(t *testing.T) {
		for _, change := range []string{"grow", "dir", "symlink"} {
			t.Run(change, func(t *testing.T) {
				dir := t.TempDir()
				files := map[string]string{}
				for i := range 40 {
					files[fmt.Sprintf("f%02d", i)] = "12345"
				}
				writeFiles(t, dir, files)
				var seen []string
				err := Walk(dir, Limits{}, func(e Entry, r io.Reader) error {
					seen = append(seen, e.Name)
					if e.Name == "f00" {
						p := filepath.Join(dir, "f33")
						switch change {
						case "dir":
							os.Remove(p)
							return os.Mkdir(p, 0o755)
						case "symlink":
							os.Remove(p)
							return os.Symlink("f01", p)
						}
						return os.WriteFile(p, []byte("123456789"), 0o644)
					}
					return nil
				})
				msg := "bundle: " + dir + ": f33: file changed while reading: was a 5-byte file when listed"
				if !errors.Is(err, ErrChanged) || err.Error() != msg {
					t.Fatalf("Walk: %v, want %s", err, msg)
				}
				if len(seen) != 33 {
					t.Errorf("fn saw %d files before f33, want 33", len(seen))
				}
			})
		}
	})
}

// TestListTooMany: a directory of more entries than Limits.MaxFiles is
// refused while it is listed, directories counted, before fn is called.
func TestListTooMany(t *testing.T) {
	smallListing(t, func(t *testing.T) {
		dir := t.TempDir()
		files := map[string]string{}
		for i := range 20 {
			files[fmt.Sprintf("d/f%02d", i)] = ""
		}
		writeFiles(t, dir, files)
		if err := Walk(dir, Limits{MaxFiles: 21}, func(Entry, io.Reader) error { return nil }); err != nil {
			t.Errorf("21 entries, MaxFiles 21: %v", err)
		}
		err := Walk(dir, Limits{MaxFiles: 20}, func(Entry, io.Reader) error { t.Error("fn called"); return nil })
		if !errors.Is(err, ErrTooMany) {
			t.Errorf("21 entries, MaxFiles 20: %v, want ErrTooMany", err)
		}
	})
}

// TestListAllocs: listing a directory allocates per chunk of names and
// block of records, not per file: twenty times the files, not twenty
// times the allocations.
func TestListAllocs(t *testing.T) {
	allocs := func(n int) float64 {
		dir := t.TempDir()
		files := map[string]string{}
		for i := range n {
			files[fmt.Sprintf("SEP%012X.cnf.xml", i)] = ""
		}
		writeFiles(t, dir, files)
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		return testing.AllocsPerRun(3, func() {
			l := &listing{path: dir, root: root, lim: DefaultDirLimits}
			if err := l.list(root); err != nil {
				t.Fatal(err)
			}
			if _, err := l.check(); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(100), allocs(2000)
	if large > small+20 {
		t.Errorf("listing 100 files: %v allocations; 2,000 files: %v", small, large)
	}
}

// TestFold: foldEqual and foldHasher agree with foldName.
func TestFold(t *testing.T) {
	names := []string{"", "a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "Σ", "σ", "ς", "ringlist.xml", "RINGLIST.XML", "RingList.Xml", "ring/a", "RING/A", "é", "É", "\xff", "\xfe", strings.Repeat("Ab", 300), strings.Repeat("aB", 300), strings.Repeat("aB", 299) + "a"}
	var h foldHasher
	for _, a := range names {
		for _, b := range names {
			want := foldName(a) == foldName(b)
			if got := foldEqual(a, b); got != want {
				t.Errorf("foldEqual(%q, %q) = %v, want %v", a, b, got, want)
			}
			if want && h.sum(a) != h.sum(b) {
				t.Errorf("foldHasher: %q and %q fold alike but hash apart", a, b)
			}
		}
	}
}

// TestListReadChanges: a file that grows or shrinks while fn reads it is
// refused, however fn reads (the exact-size check asks the file for one
// byte past its end and takes a short read as the end).
func TestListReadChanges(t *testing.T) {
	data := strings.Repeat("0123456789", 10)
	tests := []struct {
		name   string
		change func(p string) error
		want   error
	}{
		{"none", func(string) error { return nil }, nil},
		{"grow", func(p string) error {
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("more")
			return err
		}, ErrTooLarge},
		{"shrink", func(p string) error { return os.Truncate(p, 50) }, ErrTruncated},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 7, 90, 91, 4096} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, chunk), func(t *testing.T) {
				dir := t.TempDir()
				writeFiles(t, dir, map[string]string{"f": data, "sub/f": data})
				var got []string
				err := Walk(dir, Limits{}, func(e Entry, r io.Reader) error {
					buf := make([]byte, 10)
					if _, err := io.ReadFull(r, buf); err != nil {
						return err
					}
					if err := tt.change(filepath.Join(dir, filepath.FromSlash(e.Name))); err != nil {
						return err
					}
					rest := []byte{}
					p := make([]byte, chunk)
					for {
						n, err := r.Read(p)
						rest = append(rest, p[:n]...)
						if err == io.EOF {
							break
						}
						if err != nil {
							return err
						}
					}
					got = append(got, string(buf)+string(rest))
					return nil
				})
				if !errors.Is(err, tt.want) || err == nil && tt.want != nil {
					t.Fatalf("Walk: %v, want %v", err, tt.want)
				}
				if tt.want == nil && (len(got) != 2 || got[0] != data || got[1] != data) {
					t.Errorf("read %q", got)
				}
			})
		}
	}
}
