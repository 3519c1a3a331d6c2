package check

import (
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// mustBeSigned are the kinds Cisco always ships with a signed header.
var mustBeSigned = map[cisco.Kind]bool{cisco.KindImageSBN: true, cisco.KindImageSB2: true, cisco.KindLoads: true, cisco.KindTrustList: true}

// checkSigned: rule 4 and the header/payload halves of rule 5.
func (c *checker) checkSigned() {
	for _, f := range c.d.Files {
		switch {
		case f.HeaderErr() != "" && f.Kind == cisco.KindSigned && strings.HasSuffix(strings.ToLower(f.Name), ".sgn"):
			// 69xx/78xx/88xx/89xx images and signed configurations carry
			// header versions phoneload's parser does not know: say so,
			// never "bad signature".
			c.add("not-judged", f.Name, 0, nil, "%s: a signed header phoneload does not parse (%s): listed, not judged", f.Name, f.HeaderErr())
			continue
		case f.HeaderErr() != "":
			c.add("signed-header-bad", f.Name, 0, c.phonesReading(f.Name), "%s: signed header: %s", f.Name, f.HeaderErr())
			continue
		case f.Header() == nil && f.Kind == cisco.KindTrustList:
			continue // trust-list-bad: a placeholder is no image
		case f.Header() == nil && mustBeSigned[f.Kind] && !f.NewHeader:
			c.add("signed-header-bad", f.Name, 0, c.phonesReading(f.Name), "%s has no signed header", f.Name)
			continue
		case f.Header() == nil:
			continue
		}
		if hn := f.Header().FileName; hn != "" && hn != cisco.BaseName(f.Name) {
			c.add("signed-name-mismatch", f.Name, 0, c.phonesReading(f.Name), "%s was signed as %q: renamed images fail authentication", f.Name, hn)
		}
		if strings.HasSuffix(f.Name, ".sbn") && !f.PayloadSHA256().IsZero() {
			bin := c.file(strings.TrimSuffix(f.Name, ".sbn") + ".bin")
			if bin != nil && bin.SHA256 != f.PayloadSHA256() {
				c.add("sbn-payload-mismatch", f.Name, 0, c.phonesReading(f.Name), "the payload of %s (sha256 %.12s…) is not %s (sha256 %.12s…)", f.Name, f.PayloadSHA256(), bin.Name, bin.SHA256)
			}
		}
	}
}

// checkSignatures verifies signed files with the --trust keys.
func (c *checker) checkSignatures() {
	if len(c.opts.Trust) == 0 {
		for _, f := range c.d.Files {
			if f.Header() != nil {
				c.assume("no --trust: signatures were not verified (signature-untrusted)")
				break
			}
		}
		return
	}
	c.verifyTrusted()
}
