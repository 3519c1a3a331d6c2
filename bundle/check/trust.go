package check

import (
	"crypto/md5"
	"encoding/hex"
	"io"
	"maps"
	"slices"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"

	"github.com/phoneload/phoneload/sign"
)

// verifyTrusted re-reads every signed file of the drop and verifies its
// signature with the --trust keys; the drop model keeps hashes, not bytes,
// so this is a second streaming pass over the signed files only.
func (c *checker) verifyTrusted() {
	// Open verifies in its own pass when it was given the keys.
	signed := map[string]bool{}
	for _, f := range c.d.Files {
		switch {
		case f.Header() == nil:
		case f.Verified:
		case f.VerifyErr() != "":
			c.add("signature-untrusted", f.Name, 0, c.phonesReading(f.Name), "%s: the signature does not verify with any --trust key", f.Name)
		default:
			signed[f.Name] = true
		}
	}
	if len(signed) == 0 {
		return
	}
	err := c.d.ReadFiles(slices.Collect(maps.Keys(signed)), func(e container.Entry, r io.Reader) error {
		if _, err := sign.VerifyReader(r, c.opts.Trust...); err != nil {
			// Name what failed, not why: the reason helps nobody but a forger.
			c.add("signature-untrusted", e.Name, 0, c.phonesReading(e.Name), "%s: the signature does not verify with any --trust key", e.Name)
		}
		return nil
	})
	if err != nil {
		c.assume("signatures could not be re-read (%v): signature-untrusted is incomplete", err)
	}
}

// md5Want is a part whose MD5 a 792x manifest gives.
type md5Want struct {
	loads, part, md5 string
	line             int
	phones           []string
}

// checkPartDigests re-reads the 792x parts whose manifest gives an MD5
// (the drop model keeps SHA-256 only): a second streaming pass over those
// files alone.
func (c *checker) checkPartDigests() {
	if len(c.md5Want) == 0 || c.d.Path == "" || c.d.Path == "mem" {
		return
	}
	want := map[string][]md5Want{}
	for _, w := range c.md5Want {
		want[w.part] = append(want[w.part], w)
	}
	err := c.d.ReadFiles(slices.Collect(maps.Keys(want)), func(e container.Entry, r io.Reader) error {
		ws := want[e.Name]
		h := md5.New() // the manifest's own digest: integrity against its list, not security
		if _, err := io.Copy(h, r); err != nil {
			return err
		}
		got := hex.EncodeToString(h.Sum(nil))
		for _, w := range ws {
			if got != w.md5 {
				c.add("loads-part-digest", w.loads, w.line, w.phones, "%s lists %s with MD5 %s; the file's MD5 is %s", cisco.BaseName(w.loads), w.part, w.md5, got)
			}
		}
		return nil
	})
	if err != nil {
		c.assume("792x parts could not be re-read (%v): their MD5 was not checked (loads-part-digest)", err)
	}
}
