package container_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"sort"
	"testing"

	"github.com/phoneload/phoneload/bundle/container"

	"github.com/google/go-cmp/cmp"

	"github.com/phoneload/phoneload/internal/fixture"
)

// TestWalkFixtureDrops walks every generated drop family as Cisco ships it
// (zip), as a TFTP root (dir), as a tar and as a third-party tar-in-zip:
// the same files with the same contents in each, and the names the fixture
// generator says it writes.
func TestWalkFixtureDrops(t *testing.T) {
	for _, fam := range fixture.Families() {
		t.Run(string(fam), func(t *testing.T) {
			dir := t.TempDir()
			o := fixture.Options{ImageSize: 64 << 10}
			paths := map[string]func(string, fixture.Family, fixture.Options) error{
				"root":       fixture.WriteDir,
				"drop.zip":   fixture.WriteZip,
				"drop.tar":   fixture.WriteTar,
				"repack.zip": fixture.WriteTarInZip,
			}
			wantNames, err := fixture.Files(fam)
			if err != nil {
				t.Fatal(err)
			}
			var first map[string]string
			for name, write := range paths {
				p := filepath.Join(dir, name)
				if err := write(p, fam, o); err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				var order []string
				err := container.Walk(p, container.DefaultLimits, func(e container.Entry, r io.Reader) error {
					h := sha256.New()
					if _, err := io.Copy(h, r); err != nil {
						return err
					}
					got[e.Name] = hex.EncodeToString(h.Sum(nil))
					order = append(order, e.Name)
					return nil
				})
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if !sort.StringsAreSorted(order) {
					t.Errorf("%s: not in name order: %q", name, order)
				}
				if diff := cmp.Diff(wantNames, order); diff != "" {
					t.Errorf("%s: names (-fixture.Files +walked):\n%s", name, diff)
				}
				if first == nil {
					first = got
				} else if diff := cmp.Diff(first, got); diff != "" {
					t.Errorf("%s: contents differ from the other containers (-first +this):\n%s", name, diff)
				}
			}
		})
	}
}
