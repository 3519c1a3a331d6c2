package bundle_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"

	"github.com/phoneload/phoneload/bundle"
)

// writeExampleBundle writes a tiny bundle: two files and their SHA256SUMS.
func writeExampleBundle(dir string, files map[string]string) {
	os.MkdirAll(dir, 0o755)
	sums := ""
	for _, name := range []string{"P0S3-8-12-00.sb2", "SIPDefault.cnf"} {
		os.WriteFile(filepath.Join(dir, name), []byte(files[name]), 0o644)
		sums += fmt.Sprintf("%x  %s\n", sha256.Sum256([]byte(files[name])), name)
	}
	os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums), 0o644)
}

func ExamplePublish() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src, root := filepath.Join(dir, "bundle"), filepath.Join(dir, "tftp")
	os.Mkdir(root, 0o755)
	writeExampleBundle(src, map[string]string{
		"P0S3-8-12-00.sb2": "image bytes",
		"SIPDefault.cnf":   "image_version: P0S3-8-12-00\n",
	})

	res, err := bundle.Publish(src, root, bundle.PublishOptions{
		// A real caller checks the bundle's signature here.
		Verify: func(string) error { return nil },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Steps {
		fmt.Println(s.Action, s.Group, s.Name)
	}
	if _, err := bundle.Rollback(root, bundle.RollbackOptions{}); err != nil {
		fmt.Println(err)
	}
	_, err = os.Stat(filepath.Join(root, "SIPDefault.cnf"))
	fmt.Println("after rollback:", err != nil)
	// Output:
	// create image P0S3-8-12-00.sb2
	// create defaults SIPDefault.cnf
	// after rollback: true
}
