package container

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/klauspost/compress/zip"

	bc "github.com/phoneload/phoneload/internal/badcontainer"
)

// TestBadContainers walks every container of the bad-container corpus and
// pins the refusal: the sentinel, the whole message, and how many files fn
// saw first (none, for everything checkable before reading data).
func TestBadContainers(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range bc.Cases() {
		t.Run(tc.File, func(t *testing.T) {
			if err := os.WriteFile(tc.File, tc.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			want, ok := sentinels[tc.Err]
			if !ok {
				t.Fatalf("unknown sentinel %q", tc.Err)
			}
			calls := 0
			lim := Limits{MaxFileSize: tc.Limits.MaxFileSize, MaxTotalSize: tc.Limits.MaxTotalSize, MaxFiles: tc.Limits.MaxFiles}
			err := Walk(tc.File, lim, func(e Entry, r io.Reader) error {
				calls++
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if !errors.Is(err, want) {
				t.Fatalf("Walk: %v, want errors.Is %v", err, want)
			}
			if err.Error() != tc.Msg {
				t.Errorf("message:\n got %s\nwant %s", err, tc.Msg)
			}
			if calls != tc.FnCalls {
				t.Errorf("fn called %d times before the refusal, want %d", calls, tc.FnCalls)
			}
			// On two goroutines: the same error, the same files before it.
			var mu sync.Mutex
			calls = 0
			err = WalkParallel(tc.File, lim, 2, func(e Entry, r io.Reader) error {
				mu.Lock()
				calls++
				mu.Unlock()
				_, err := io.Copy(io.Discard, r)
				return err
			})
			if err == nil || err.Error() != tc.Msg {
				t.Errorf("WalkParallel: %v, want %s", err, tc.Msg)
			}
			if calls < tc.FnCalls {
				t.Errorf("WalkParallel: fn called %d times, want at least %d", calls, tc.FnCalls)
			}
		})
	}
}

var sentinels = map[string]error{
	"ErrUnsafePath": ErrUnsafePath, "ErrLink": ErrLink, "ErrSpecial": ErrSpecial,
	"ErrDuplicate": ErrDuplicate, "ErrCaseCollision": ErrCaseCollision, "ErrEncrypted": ErrEncrypted,
	"ErrTooLarge": ErrTooLarge, "ErrTooMany": ErrTooMany, "ErrTruncated": ErrTruncated,
	"ErrChecksum": ErrChecksum, "ErrFormat": ErrFormat, "ErrUnsupported": ErrUnsupported,
}

// walked is what a walk saw of one file.
type walked struct {
	Name    string
	Size    int64
	Mode    os.FileMode
	ModTime time.Time
	SHA256  string
}

func walkAll(t *testing.T, path string, workers int) ([]walked, error) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []walked
	)
	fn := func(e Entry, r io.Reader) error {
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return err
		}
		if n != e.Size {
			t.Errorf("%s: read %d bytes, Entry.Size %d", e.Name, n, e.Size)
		}
		mu.Lock()
		got = append(got, walked{e.Name, e.Size, e.Mode, e.ModTime.UTC(), hex.EncodeToString(h.Sum(nil))})
		mu.Unlock()
		return nil
	}
	var err error
	if workers > 1 {
		err = WalkParallel(path, Limits{}, workers, fn)
	} else {
		err = Walk(path, Limits{}, fn)
	}
	return got, err
}

// goodFiles is a small drop: nested names whose path order differs from
// per-directory order ("a.b" < "a/b" byte-wise, but a directory's entries
// come first in a per-directory walk).
var goodFiles = []struct {
	name string
	data string
	mode os.FileMode
}{
	{"a/b", "in a directory\n", 0o644},
	{"a.b", "dot\n", 0o644},
	{"OS79XX.TXT", "P0S3-8-12-00\n", 0o644},
	{"P0S3-8-12-00.loads", "1:P0S3-8-12-00.sb2\n", 0o644},
	{"empty", "", 0o600},
	{"run.sh", "#!/bin/sh\n", 0o755},
}

var goodTime = time.Date(2025, 1, 2, 3, 4, 6, 0, time.UTC)

func want(order ...string) []walked {
	var w []walked
	for _, n := range order {
		for _, f := range goodFiles {
			if f.name == n {
				sum := sha256.Sum256([]byte(f.data))
				w = append(w, walked{f.name, int64(len(f.data)), f.mode, goodTime, hex.EncodeToString(sum[:])})
			}
		}
	}
	return w
}

var nameOrder = []string{"OS79XX.TXT", "P0S3-8-12-00.loads", "a.b", "a/b", "empty", "run.sh"}

func writeGoodDir(t *testing.T, dir string) {
	for _, f := range goodFiles {
		p := filepath.Join(dir, filepath.FromSlash(f.name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f.data), f.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, f.mode)
		os.Chtimes(p, goodTime, goodTime)
	}
}

func goodZip(t *testing.T, method uint16) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range goodFiles {
		h := &zip.FileHeader{Name: f.name, Method: method, Modified: goodTime}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func goodTar(t *testing.T, prefix string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: prefix, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: goodTime})
	tw.WriteHeader(&tar.Header{Name: prefix + "a/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: goodTime})
	for _, f := range goodFiles {
		tw.WriteHeader(&tar.Header{Name: prefix + f.name, Typeflag: tar.TypeReg, Size: int64(len(f.data)), Mode: int64(f.mode) | 0o4000, ModTime: goodTime})
		io.WriteString(tw, f.data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWalkContainers walks the same files in every kind of container: the
// same entries, contents, modes and times; name order where the container
// allows it, archive order for streams.
func TestWalkContainers(t *testing.T) {
	dir := t.TempDir()
	writeGoodDir(t, filepath.Join(dir, "drop"))
	files := map[string][]byte{
		"deflate.zip":    goodZip(t, zip.Deflate),
		"store.zip":      goodZip(t, zip.Store),
		"plain.tar":      goodTar(t, ""),
		"dotslash.tar":   goodTar(t, "./"),
		"drop.tgz":       bc.Gzip(goodTar(t, "")),
		"tar-in-zip.zip": bc.Zip([]bc.ZipEntry{{Name: "drop.tar", Data: goodTar(t, ""), Deflate: true}}, nil),
		"tgz-in-zip.zip": bc.Zip([]bc.ZipEntry{{Name: "drop.tar.gz", Data: bc.Gzip(goodTar(t, ""))}}, nil),
		"stored-tar.zip": bc.Zip([]bc.ZipEntry{{Name: "dir/", Data: nil}, {Name: "dir/DROP.TAR", Data: goodTar(t, "./")}}, nil),
		"finder.zip":     bc.Zip([]bc.ZipEntry{{Name: "drop.tar", Data: goodTar(t, ""), Deflate: true}, {Name: "__MACOSX/", Data: nil}, {Name: "__MACOSX/._drop.tar", Data: []byte("\x00\x05\x16\x07")}}, nil),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var archiveOrder []string
	for _, f := range goodFiles {
		archiveOrder = append(archiveOrder, f.name)
	}
	tests := []struct {
		path, kind string
		order      []string
	}{
		{"drop", ContainerDir, nameOrder},
		{"deflate.zip", ContainerZip, nameOrder},
		{"store.zip", ContainerZip, nameOrder},
		{"plain.tar", ContainerTar, nameOrder},
		{"dotslash.tar", ContainerTar, nameOrder},
		{"drop.tgz", ContainerTarGz, archiveOrder},
		{"tar-in-zip.zip", ContainerTarInZip, archiveOrder},
		{"tgz-in-zip.zip", ContainerTarInZip, archiveOrder},
		{"stored-tar.zip", ContainerTarInZip, archiveOrder},
		{"finder.zip", ContainerTarInZip, archiveOrder},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := filepath.Join(dir, tt.path)
			kind, err := DetectContainer(p)
			if err != nil || kind != tt.kind {
				t.Errorf("DetectContainer = %q, %v; want %q", kind, err, tt.kind)
			}
			got, err := walkAll(t, p, 1)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want(tt.order...), got); diff != "" {
				t.Errorf("Walk (-want +got):\n%s", diff)
			}
			got, err = walkAll(t, p, 4)
			if err != nil {
				t.Fatal(err)
			}
			if tt.kind == ContainerDir || tt.kind == ContainerZip || tt.kind == ContainerTar {
				sortWalked(got)
			}
			if diff := cmp.Diff(want(tt.order...), got); diff != "" {
				t.Errorf("WalkParallel (-want +got):\n%s", diff)
			}
		})
	}
}

func sortWalked(w []walked) {
	for i := range w {
		for j := i + 1; j < len(w); j++ {
			if w[j].Name < w[i].Name {
				w[i], w[j] = w[j], w[i]
			}
		}
	}
}

// TestGoodCorpus: the good containers the CLI scripts use hold the same
// files, in name order where the container allows.
func TestGoodCorpus(t *testing.T) {
	dir := t.TempDir()
	var first []walked
	for _, c := range bc.Good() {
		p := filepath.Join(dir, c.File)
		os.WriteFile(p, c.Data, 0o644)
		got, err := walkAll(t, p, 1)
		if err != nil {
			t.Fatalf("%s: %v", c.File, err)
		}
		sortWalked(got)
		for i := range got {
			got[i].ModTime = time.Time{} // zip and tar times differ
		}
		if first == nil {
			first = got
			if len(got) != 5 || got[4].Name != "tools/check.sh" || got[4].Mode != 0o755 {
				t.Fatalf("%s: %+v", c.File, got)
			}
			continue
		}
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("%s differs from good.zip (-zip +this):\n%s", c.File, diff)
		}
	}
}

// TestZipTamper flips every byte of a small zip in turn: Walk must fail, or
// give every name it still knows the original content. A flip may change a
// name or a time, never content without an error.
func TestZipTamper(t *testing.T) {
	for _, data := range [][]byte{goodZip(t, zip.Deflate), goodZip(t, zip.Store)} {
		orig := walkBytes(t, data)
		if orig == nil {
			t.Fatal("the untampered zip does not walk")
		}
		for i := range data {
			b := append([]byte(nil), data...)
			b[i] ^= 0x01
			got := walkBytes(t, b)
			for name, sum := range got {
				if o, ok := orig[name]; ok && o != sum {
					t.Fatalf("byte %d flipped: %s has new content and no error", i, name)
				}
			}
		}
	}
}

// walkBytes walks a zip held in memory: name -> SHA-256, or nil on error.
func walkBytes(t *testing.T, data []byte) map[string]string {
	got := map[string]string{}
	err := walkZip("t.zip", bytes.NewReader(data), int64(len(data)), DefaultLimits, func(e Entry, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		got[e.Name] = hex.EncodeToString(h.Sum(nil))
		return nil
	}, 1)
	if err != nil {
		return nil
	}
	return got
}

// TestWalkParallelOverlaps: with two workers, fn really runs on two
// goroutines at once for a random-access container, and never for a stream.
func TestWalkParallelOverlaps(t *testing.T) {
	dir := t.TempDir()
	writeGoodDir(t, filepath.Join(dir, "drop"))
	os.WriteFile(filepath.Join(dir, "drop.tgz"), bc.Gzip(goodTar(t, "")), 0o644)
	for path, want := range map[string]int{"drop": 2, "drop.tgz": 1} {
		var (
			mu        sync.Mutex
			now, most int
		)
		err := WalkParallel(filepath.Join(dir, path), Limits{}, 2, func(e Entry, r io.Reader) error {
			mu.Lock()
			now++
			most = max(most, now)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			now--
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if most != want {
			t.Errorf("%s: at most %d calls of fn at once, want %d", path, most, want)
		}
	}
}
