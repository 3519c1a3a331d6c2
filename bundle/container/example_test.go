package container_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/phoneload/phoneload/bundle/container"
)

// Hash every file of a drop, whatever the container.
func ExampleWalk() {
	dir, _ := os.MkdirTemp("", "drop")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "OS79XX.TXT"), []byte("P0S3-8-12-00\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "P0S3-8-12-00.loads"), []byte("P0S3-8-12-00.sb2\n"), 0o644)

	err := container.Walk(dir, container.DefaultLimits, func(e container.Entry, r io.Reader) error {
		h := sha256.New()
		if _, err := io.Copy(h, r); err != nil {
			return err // a corrupt or lying entry fails here, named
		}
		fmt.Printf("%s %d %x\n", e.Name, e.Size, h.Sum(nil)[:8])
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// OS79XX.TXT 13 84adf3e119e5396c
	// P0S3-8-12-00.loads 17 b833745733b36a92
}

// A container with a link in it is refused, with the entry named.
func ExampleWalk_refused() {
	dir, _ := os.MkdirTemp("", "drop")
	defer os.RemoveAll(dir)
	os.Symlink("/etc/passwd", filepath.Join(dir, "SIPDefault.cnf"))

	err := container.Walk(dir, container.DefaultLimits, func(container.Entry, io.Reader) error { return nil })
	fmt.Println(errors.Is(err, container.ErrLink))
	var ee *container.EntryError
	if errors.As(err, &ee) {
		fmt.Println(ee.Entry)
	}
	// Output:
	// true
	// SIPDefault.cnf
}

// Extract a drop all or nothing.
func ExampleUnpack() {
	tmp, _ := os.MkdirTemp("", "unpack")
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "drop")
	os.Mkdir(src, 0o755)
	os.WriteFile(filepath.Join(src, "OS79XX.TXT"), []byte("P0S3-8-12-00\n"), 0o644)

	dst := filepath.Join(tmp, "out")
	if err := container.Unpack(src, dst, container.UnpackOptions{}); err != nil {
		fmt.Println(err)
	}
	b, _ := os.ReadFile(filepath.Join(dst, "OS79XX.TXT"))
	fmt.Print(string(b))

	// A second unpack into the now non-empty directory needs Force.
	err := container.Unpack(src, dst, container.UnpackOptions{})
	fmt.Println(errors.Is(err, container.ErrNotEmpty))
	// Output:
	// P0S3-8-12-00
	// true
}

// The kind of a container is told by its content, not its name.
func ExampleDetectContainer() {
	dir, _ := os.MkdirTemp("", "drop")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "drop.bin") // a zip, whatever the name says
	os.WriteFile(p, []byte("PK\x05\x06"+string(make([]byte, 18))), 0o644)

	kind, err := container.DetectContainer(p)
	fmt.Println(kind, err)
	kind, err = container.DetectContainer(dir)
	fmt.Println(kind, err)
	// Output:
	// zip <nil>
	// dir <nil>
}
