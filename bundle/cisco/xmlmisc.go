package cisco

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// CheckXML reads b as XML the way a phone's parser must: one root element,
// well formed, nested at most MaxXMLDepth deep. It returns the root
// element's name and the problems (line-numbered). An empty file is a
// problem: the phone gets nothing it can use.
func CheckXML(b []byte) (string, []Problem) {
	var ps ProblemList
	if len(bytes.TrimSpace(b)) == 0 {
		ps.Add(0, "empty file: no XML")
		return "", ps
	}
	if !checkText(b, &ps) {
		return "", ps
	}
	root := ""
	depth := 0
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ps.Add(xmlErrLine(err, line()), "%s", xmlErrMsg(err))
			return root, ps
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && root != "" {
				ps.Add(line(), "XML: second root element <%s>", t.Name.Local)
				return root, ps
			}
			if depth == 0 {
				root = t.Name.Local
			}
			depth++
			if depth > MaxXMLDepth {
				ps.Add(line(), "elements nested deeper than %d", MaxXMLDepth)
				return root, ps
			}
		case xml.EndElement:
			depth--
		}
	}
	if root == "" {
		ps.Add(0, "XML: no root element")
	}
	return root, ps
}

// ParseRinglistXML parses ringlist.xml / distinctiveringlist.xml
// (<CiscoIPPhoneRingList><Ring><DisplayName/><FileName/></Ring>…), the ring
// list of SCCP phones and SIP 79x1 and later, into the same Ringlist as
// RINGLIST.DAT. A file that is not well-formed XML lists no rings: the
// phone then offers none of them.
func ParseRinglistXML(b []byte) (*Ringlist, []Problem) {
	r := &Ringlist{}
	root, ps := CheckXML(b)
	if len(ps) > 0 {
		return r, ps
	}
	var pl ProblemList
	pl = append(pl, ps...)
	if root != "CiscoIPPhoneRingList" {
		pl.Add(0, "root element <%s>, want <CiscoIPPhoneRingList>", root)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	var cur *Ring
	var field string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break // CheckXML accepted the file: only io.EOF ends it
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Ring":
				l, _ := d.InputPos()
				cur = &Ring{Line: l}
			case "DisplayName", "FileName":
				field = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if field != "" && text.Len() < MaxLineLength {
				text.Write(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "DisplayName":
				if cur != nil {
					cur.Display = strings.TrimSpace(text.String())
				}
				field = ""
			case "FileName":
				if cur != nil {
					cur.File = strings.TrimSpace(text.String())
				}
				field = ""
			case "Ring":
				if cur != nil && len(r.Entries) < MaxEntries {
					r.Entries = append(r.Entries, *cur)
				}
				cur = nil
			}
		}
	}
	return r, pl // an empty list is valid: the phone offers no custom rings
}

// LoadPointer is a parsed loadNNN.txt, the file Cisco ships in each
// firmware zip for CUCM's installer: one line "NNN  <load>  <n>  // <model>"
// saying which load is the default for model id NNN. Phones never fetch
// it; it says what the drop is for, and check holds it against the model
// table.
type LoadPointer struct {
	ModelID int    `json:"model_id"`
	Load    string `json:"load"`
	Comment string `json:"comment,omitempty"` // "IP Phone 7941 SIP"
	Line    int    `json:"line"`
}

// ParseLoadPointer parses a loadNNN.txt.
func ParseLoadPointer(b []byte) (*LoadPointer, []Problem) {
	var ps ProblemList
	p := &LoadPointer{}
	if !checkText(b, &ps) {
		return p, ps
	}
	found := false
	eachLine(b, &ps, func(t textLine) bool {
		s := strings.TrimSpace(t.text)
		if s == "" {
			return true
		}
		if found {
			ps.Add(t.n, "more than one line")
			return false
		}
		found = true
		p.Line = t.n
		body, comment, _ := strings.Cut(s, "//")
		p.Comment = strings.TrimSpace(comment)
		f := strings.Fields(body)
		if len(f) < 2 {
			ps.Add(t.n, "want a model id and a load name")
			return false
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || id <= 0 || !allDigits(f[0]) {
			ps.Add(t.n, "model id %q is not a number", f[0])
			return false
		}
		p.ModelID, p.Load = id, f[1]
		return true
	})
	if !found {
		ps.Add(0, "empty: no model id and load")
	}
	return p, ps
}
