package probe_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/phoneload/phoneload/bundle/probe"
	"github.com/phoneload/phoneload/internal/fixture"
)

// fileServer stands in for a TFTP client (internal/tftp.Client in the CLI):
// it answers from a directory, "File not found" for anything missing.
type fileServer string

type notFound struct{}

func (notFound) Error() string  { return "File not found" }
func (notFound) NotFound() bool { return true }

func (d fileServer) Fetch(name string, w io.Writer, max int64) (int64, error) {
	b, err := os.ReadFile(filepath.Join(string(d), name))
	if err != nil {
		return 0, notFound{}
	}
	n, err := w.Write(b)
	return int64(n), err
}

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src, root := filepath.Join(dir, "bundle"), filepath.Join(dir, "tftp")
	fixture.WriteExampleBundle(src, map[string]string{
		"P0S3-8-12-00.sb2": "image bytes",
		"SIPDefault.cnf":   "image_version: P0S3-8-12-00\n",
	})
	// The server has the defaults but not the image's manifest.
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(root, "SIPDefault.cnf"), []byte("image_version: P0S3-8-12-00\n"), 0o644)

	res, err := probe.Run(src, fileServer(root), probe.Options{Model: "7960", All: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Files {
		fmt.Println(f.Status, f.Name)
	}
	// A 7960 on SIP 5.3 (probe's default phone for a SIP bundle) reads
	// OS79XX.TXT and SIPDefault.cnf, finds neither the manifest nor the
	// image it names, keeps its own image and reads its ring list; --all
	// then finds the image the server lacks.
	fmt.Println(res.Outcome.Code)
	// Output:
	// absent OS79XX.TXT
	// ok SIPDefault.cnf
	// absent P0S3-8-12-00.loads
	// absent P0S3-8-12-00.sbn
	// absent RINGLIST.DAT
	// missing P0S3-8-12-00.sb2
	// image-not-found
}
