package check

import (
	"io"

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
		case f.Header == nil:
		case f.Verified:
		case f.VerifyErr != "":
			c.add("signature-untrusted", f.Name, 0, c.phonesReading(f.Name), "%s: the signature does not verify with any --trust key", f.Name)
		default:
			signed[f.Name] = true
		}
	}
	if len(signed) == 0 {
		return
	}
	err := container.Walk(c.d.Path, container.Limits{}, func(e container.Entry, r io.Reader) error {
		if !signed[e.Name] {
			return nil
		}
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
