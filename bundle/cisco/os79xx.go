package cisco

import (
	"bytes"
	"path"
	"strings"
)

// OS79XX is a parsed OS79XX.TXT: one line naming the image, without
// extension and with nothing else (pre-7.x 7940/7960 images read it first).
type OS79XX struct {
	Name          string `json:"name"`                     // the image name, white space trimmed
	Lines         int    `json:"lines"`                    // lines with any content
	TrailingSpace bool   `json:"trailing_space,omitempty"` // white space around the name (it breaks the file)
	CRLF          bool   `json:"crlf,omitempty"`
	Extension     string `json:"extension,omitempty"` // ".bin" etc. when the name carries one (it must not)
	BOM           bool   `json:"bom,omitempty"`       // starts with a UTF-8 byte-order mark (left out of Name)
}

// ParseOS79XX parses OS79XX.TXT. Deviations from "one line, the name,
// nothing else" are reported as problems; the fields keep what was found.
func ParseOS79XX(b []byte) (*OS79XX, []Problem) {
	var ps ProblemList
	o := &OS79XX{}
	if !checkText(b, &ps) {
		return o, ps
	}
	noteBOM(b, &ps)
	// checkText reported the mark; Name is the name after it, so that the
	// rest of the checks judge what was meant.
	if rest, ok := bytes.CutPrefix(b, UTF8BOM); ok {
		o.BOM, b = true, rest
	}
	eachLine(b, &ps, func(t textLine) bool {
		s := strings.TrimSpace(t.text)
		if s == "" {
			return true
		}
		o.Lines++
		if o.Lines > 1 {
			if o.Lines == 2 {
				ps.Add(t.n, "more than one line: the file must hold only the image name")
			}
			return true
		}
		o.Name, o.CRLF = s, t.crlf
		if s != t.text {
			o.TrailingSpace = true
			ps.Add(t.n, "white space around %q: the file must hold only the image name", s)
		}
		if ext := path.Ext(s); ext != "" {
			if _, ok := imageExts[strings.ToLower(ext)]; ok {
				o.Extension = ext
				ps.Add(t.n, "%q carries the extension %s: give the image name without it", s, ext)
			}
		}
		return true
	})
	if o.Lines == 0 {
		ps.Add(0, "empty: the file must hold the image name")
	}
	return o, ps
}
