package probe

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/publish"
)

// fuzzServer answers every configuration and list a phone reads with the
// same hostile bytes, and "File not found" for everything else.
type fuzzServer struct {
	data  []byte
	asked int
}

func (f *fuzzServer) Fetch(name string, w io.Writer, max int64) (int64, error) {
	f.asked++
	switch {
	case strings.HasSuffix(name, ".cnf"), strings.HasSuffix(name, ".xml"),
		strings.HasSuffix(name, ".loads"), name == "RINGLIST.DAT", name == "OS79XX.TXT":
		if int64(len(f.data)) > max {
			return 0, publish.ErrBundleContent
		}
		n, err := w.Write(f.data)
		return int64(n), err
	}
	return 0, notFound{}
}

// FuzzProbe: whatever a hostile server sends as configurations, .loads and
// RINGLIST.DAT, Probe never panics, asks for each name once, and follows at
// most MaxProbeListed names out of each list.
func FuzzProbe(f *testing.F) {
	r := testRelease("8-12-00", 500)
	b := writeBundle(f, filepath.Join(f.TempDir(), "b"), r)
	for _, name := range []string{"SIPDefault.cnf", "XMLDefault.cnf.xml", "P0S3-8-12-00.loads", "RINGLIST.DAT"} {
		f.Add(r[name])
	}
	f.Add([]byte("image_version: \"x\nimage_version: ../../a\r\ndial_template: \x00\n"))
	f.Add([]byte("<loadInformation8>a\nb</loadInformation8><loadInformation>c</loadInformation>"))
	f.Add([]byte("A\tB\nC\t\n\tD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, model := range []string{"7960", "7941", "7912"} {
			srv := &fuzzServer{data: data}
			res, err := Run(b, srv, Options{MAC: "001122334455", Model: model})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, pf := range res.Files {
				if seen[pf.Name] {
					t.Fatalf("%s asked for twice", pf.Name)
				}
				seen[pf.Name] = true
			}
			if srv.asked != len(res.Files) || srv.asked > 20+3*MaxListed {
				t.Fatalf("model %s: %d requests for %d results", model, srv.asked, len(res.Files))
			}
		}
	})
}
