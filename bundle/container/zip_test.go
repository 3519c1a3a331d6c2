package container

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/zip"
)

// TestZip64Directory: a zip with more than 65535 entries has a zip64 end
// record; its central directory and local headers are still found.
func TestZip64Directory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 70,000-entry zip")
	}
	const n = 70000
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := range n {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%05d", i), Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(w, i)
	}
	zw.Close()
	count := 0
	err := walkZip("many.zip", bytes.NewReader(b.Bytes()), int64(b.Len()), Limits{MaxFiles: n}.Archive(), func(e Entry, r io.Reader) error {
		count++
		_, err := io.Copy(io.Discard, r)
		return err
	}, 1)
	if err != nil || count != n {
		t.Fatalf("walked %d of %d files: %v", count, n, err)
	}
}

// TestZipCommentWithSignature: an end-record signature inside the zip
// comment is not taken for the end record, nor for trailing garbage.
func TestZipCommentWithSignature(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("OS79XX.TXT")
	io.WriteString(w, "P0S3-8-12-00\n")
	zw.SetComment("drop PK\x05\x06 comment")
	zw.Close()
	n := 0
	err := walkZip("c.zip", bytes.NewReader(b.Bytes()), int64(b.Len()), Limits{MaxFiles: n}.Archive(), func(e Entry, r io.Reader) error { n++; return nil }, 1)
	if err != nil || n != 1 {
		t.Fatalf("walked %d files: %v", n, err)
	}
}
