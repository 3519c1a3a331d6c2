package publish_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/fixture"
)

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src, root := filepath.Join(dir, "bundle"), filepath.Join(dir, "tftp")
	os.Mkdir(root, 0o755)
	fixture.WriteExampleBundle(src, map[string]string{
		"P0S3-8-12-00.sb2": "image bytes",
		"SIPDefault.cnf":   "image_version: P0S3-8-12-00\n",
	})

	res, err := publish.Run(src, root, publish.Options{
		// A real caller checks the bundle's signature here.
		SkipVerify: true, // the CLI passes the --pub keys as Verify
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range res.Steps {
		fmt.Println(s.Action, s.Group, s.Name)
	}
	if _, err := publish.Rollback(root, publish.RollbackOptions{}); err != nil {
		fmt.Println(err)
	}
	_, err = os.Stat(filepath.Join(root, "SIPDefault.cnf"))
	fmt.Println("after rollback:", err != nil)
	// Output:
	// create image P0S3-8-12-00.sb2
	// create defaults SIPDefault.cnf
	// after rollback: true
}
