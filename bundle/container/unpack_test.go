package container

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	bc "github.com/phoneload/phoneload/internal/badcontainer"
)

// tree lists a directory: name -> mode and content, with mtimes checked
// against goodTime.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		if d.IsDir() {
			got[filepath.ToSlash(rel)+"/"] = info.Mode().String()
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got[filepath.ToSlash(rel)] = info.Mode().String() + " " + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// leftovers lists entries of dir other than keep: a failed or finished
// Unpack must leave no staging directory behind.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		found := false
		for _, k := range keep {
			found = found || e.Name() == k
		}
		if !found {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func TestUnpack(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "drop.tar")
	// goodTar marks every file setuid: it must not survive.
	if err := os.WriteFile(src, goodTar(t, "./"), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "out")
	var seen []string
	if err := Unpack(src, dst, UnpackOptions{OnFile: func(e Entry, _ [32]byte) { seen = append(seen, e.Name) }}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"OS79XX.TXT":         "-rw-r--r-- P0S3-8-12-00\n",
		"P0S3-8-12-00.loads": "-rw-r--r-- 1:P0S3-8-12-00.sb2\n",
		"a/":                 "drwxr-xr-x",
		"a.b":                "-rw-r--r-- dot\n",
		"a/b":                "-rw-r--r-- in a directory\n",
		"empty":              "-rw-r--r-- ",
		"run.sh":             "-rwxr-xr-x #!/bin/sh\n",
	}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("unpacked tree (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(nameOrder, seen); diff != "" {
		t.Errorf("OnFile calls (-want +got):\n%s", diff)
	}
	fi, _ := os.Stat(filepath.Join(dst, "a/b"))
	if !fi.ModTime().Equal(goodTime) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), goodTime)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o755 {
		t.Errorf("destination mode %v, want 0755", fi.Mode())
	}
	if l := leftovers(t, dir, "drop.tar", "out"); l != nil {
		t.Errorf("left behind: %q", l)
	}

	// Not empty: refused without Force, untouched.
	os.WriteFile(filepath.Join(dst, "mine.txt"), []byte("keep"), 0o644)
	before := tree(t, dst)
	if err := Unpack(src, dst, UnpackOptions{}); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Unpack into a non-empty directory: %v, want ErrNotEmpty", err)
	}
	if diff := cmp.Diff(before, tree(t, dst)); diff != "" {
		t.Errorf("refused Unpack changed the destination (-before +after):\n%s", diff)
	}

	// Force with a bad source: refused, untouched.
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, bc.Zip(append(bc.ZipFiles("ok.txt"), bc.ZipEntry{Name: "zz.txt", Data: []byte("x"), CRC: new(uint32(7))}), nil), 0o644)
	if err := Unpack(bad, dst, UnpackOptions{Force: true}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Unpack of a corrupt zip: %v, want ErrChecksum", err)
	}
	if diff := cmp.Diff(before, tree(t, dst)); diff != "" {
		t.Errorf("failed Unpack changed the destination (-before +after):\n%s", diff)
	}

	// Force: replaced whole, not merged.
	if err := Unpack(src, dst, UnpackOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, tree(t, dst)); diff != "" {
		t.Errorf("forced Unpack (-want +got):\n%s", diff)
	}
	if l := leftovers(t, dir, "drop.tar", "bad.zip", "out"); l != nil {
		t.Errorf("left behind: %q", l)
	}

	// An empty directory is fine without Force.
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o700)
	if err := Unpack(src, empty, UnpackOptions{}); err != nil {
		t.Fatalf("Unpack into an empty directory: %v", err)
	}
}

// TestUnpackBadContainers: every container of the corpus is refused, and
// neither the destination nor a staging directory is left.
func TestUnpackBadContainers(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range bc.Cases() {
		t.Run(tc.File, func(t *testing.T) {
			os.WriteFile(tc.File, tc.Data, 0o644)
			defer os.Remove(tc.File)
			lim := Limits{MaxFileSize: tc.Limits.MaxFileSize, MaxTotalSize: tc.Limits.MaxTotalSize, MaxFiles: tc.Limits.MaxFiles}
			err := Unpack(tc.File, "out", UnpackOptions{Limits: lim})
			if err == nil || err.Error() != tc.Msg {
				t.Errorf("Unpack: %v, want %s", err, tc.Msg)
			}
			if l := leftovers(t, ".", tc.File); l != nil {
				t.Errorf("left behind: %q", l)
			}
		})
	}
}

func TestUnpackDestination(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("drop.zip", goodZip(t, 8), 0o644)
	os.WriteFile("file", nil, 0o644)
	os.Symlink(".", "link")
	os.Mkdir("srcdir", 0o755)
	os.WriteFile("srcdir/a", []byte("a"), 0o644)
	tests := []struct{ src, dst, msg string }{
		{"drop.zip", "file", "bundle: file: destination exists and is not a directory"},
		{"drop.zip", "link", "bundle: link: destination is a symbolic link"},
		{"drop.zip", ".", "bundle: .: source and destination overlap"},
		{"srcdir", "srcdir/sub", "bundle: srcdir/sub: source and destination overlap"},
		{"drop.zip", "no/such/parent", "bundle: no/such/parent: stat no/such: no such file or directory"},
	}
	for _, tt := range tests {
		err := Unpack(tt.src, tt.dst, UnpackOptions{Force: true})
		if err == nil || err.Error() != tt.msg {
			t.Errorf("Unpack(%q, %q): %v, want %s", tt.src, tt.dst, err, tt.msg)
		}
	}
}

// TestUnpackCancel: a cancelled unpack (an interrupt) removes its staging
// directory and leaves no destination.
func TestUnpackCancel(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "drop.zip")
	os.WriteFile(src, goodZip(t, 8), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := Unpack(src, filepath.Join(dir, "out"), UnpackOptions{Context: ctx, OnFile: func(Entry, [32]byte) {
		if n++; n == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Unpack: %v, want context.Canceled", err)
	}
	if l := leftovers(t, dir, "drop.zip"); l != nil {
		t.Errorf("left behind: %q", l)
	}
}

// TestUnpackDestinationFilledMeanwhile: without Force, a destination that
// gained files after it was checked is not replaced.
func TestUnpackDestinationFilledMeanwhile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "drop.zip")
	os.WriteFile(src, goodZip(t, 8), 0o644)
	dst := filepath.Join(dir, "out")
	err := Unpack(src, dst, UnpackOptions{OnFile: func(e Entry, _ [32]byte) {
		if e.Name == "run.sh" { // the last file: someone else fills dst
			os.Mkdir(dst, 0o755)
			os.WriteFile(filepath.Join(dst, "theirs"), []byte("x"), 0o644)
		}
	}})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("Unpack: %v, want ErrNotEmpty", err)
	}
	if diff := cmp.Diff(map[string]string{"theirs": "-rw-r--r-- x"}, tree(t, dst)); diff != "" {
		t.Errorf("destination (-want +got):\n%s", diff)
	}
	if l := leftovers(t, dir, "drop.zip", "out"); l != nil {
		t.Errorf("left behind: %q", l)
	}
}

// TestUnpackOverlapThroughSymlink: a destination reached through a symlink
// into the source directory is still refused.
func TestUnpackOverlapThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "root")
	writeGoodDir(t, src)
	os.Symlink(src, filepath.Join(dir, "alias"))
	err := Unpack(src, filepath.Join(dir, "alias", "out"), UnpackOptions{})
	if err == nil || !strings.Contains(err.Error(), "source and destination overlap") {
		t.Fatalf("Unpack: %v, want overlap refused", err)
	}
}
