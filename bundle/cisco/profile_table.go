package cisco

import (
	"bytes"
	"fmt"

	"github.com/phoneload/phoneload/cfgfmt"
)

// DecodeProfile reads a binary (#ata) profile with the device's tag table
// (ptag.dat), through cfgfmt.Decode: parameters get their names and their
// values the text form cfgfmt would compile back to the same bytes. Records
// the table does not know keep the "tag:0x…" name and raw value of
// ParseProfileBinary. With a nil table, or bytes cfgfmt refuses, it is
// ParseProfileBinary (which reports where the bytes go wrong).
func DecodeProfile(t *cfgfmt.Table, b []byte) (*Profile, []Problem) {
	if t == nil || len(b) > MaxTextSize {
		return ParseProfileBinary(b)
	}
	dp, err := cfgfmt.Decode(t, b, cfgfmt.DecodeOptions{})
	if err != nil {
		return ParseProfileBinary(b)
	}
	p := &Profile{Binary: true, Checksum: uint16(dp.Checksum), Extension: dp.Extension}
	var ps ProblemList
	for i, r := range dp.Records {
		if i >= MaxEntries {
			ps.Add(0, "more than %d records", MaxEntries)
			break
		}
		e := ConfigEntry{Name: fmt.Sprintf("tag:0x%04x", r.Tag), Value: profileValue(r.Value)}
		switch r.Tag {
		case tagUpgradeCode, tagUpgradeLang:
			// Decoded from the bytes, like ParseProfileBinary, so that both
			// paths give the same Upgrades.
			if err := p.addUpgrade(r.Tag, r.Value, &e); err != nil {
				ps.Add(0, "%v", err)
			}
		case tagExtension:
			e.Name, e.Value = "extension", cString(r.Value)
		default:
			// One record rendered alone gives "#txt\nName:Value\n", or a
			// "# tag" comment when the table cannot name or format it.
			one := (&cfgfmt.Profile{Records: []cfgfmt.Record{r}}).Text(false)
			line := bytes.TrimSuffix(bytes.TrimPrefix(one, []byte("#txt\n")), []byte("\n"))
			if name, value, ok := bytes.Cut(line, []byte(":")); ok && !bytes.HasPrefix(line, []byte("#")) {
				e.Name, e.Value = string(name), string(value)
			}
		}
		p.Params = append(p.Params, e)
	}
	return p, ps
}
