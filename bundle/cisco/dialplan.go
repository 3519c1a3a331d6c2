package cisco

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Dialplan is a parsed dial template (dialplan.xml, the file that
// dial_template names): <DIALTEMPLATE> holding <TEMPLATE MATCH=… /> rules.
type Dialplan struct {
	Templates []DialTemplate `json:"templates"`
}

// DialTemplate is one TEMPLATE rule. Attribute names match in any case.
type DialTemplate struct {
	Match   string `json:"match"`
	Timeout string `json:"timeout,omitempty"`
	User    string `json:"user,omitempty"`
	Rewrite string `json:"rewrite,omitempty"`
	Tone    string `json:"tone,omitempty"`
	Line    int    `json:"line"`
}

// ParseDialplan parses a dial template.
func ParseDialplan(b []byte) (*Dialplan, []Problem) {
	var ps ProblemList
	dp := &Dialplan{}
	if !checkText(b, &ps) {
		return dp, ps
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	depth, root := 0, ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := d.InputPos()
		if err != nil {
			ps.Add(xmlErrLine(err, line), "%s", xmlErrMsg(err))
			return dp, ps
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > MaxXMLDepth {
				ps.Add(line, "elements nested deeper than %d", MaxXMLDepth)
				return dp, ps
			}
			if depth == 1 {
				root = t.Name.Local
				if !strings.EqualFold(root, "DIALTEMPLATE") {
					ps.Add(line, "root element <%s>, want <DIALTEMPLATE>", root)
				}
				continue
			}
			if !strings.EqualFold(t.Name.Local, "TEMPLATE") {
				ps.Add(line, "unexpected element <%s>", t.Name.Local)
				continue
			}
			if len(dp.Templates) >= MaxEntries {
				ps.Add(line, "more than %d templates", MaxEntries)
				return dp, ps
			}
			tp := DialTemplate{Line: line}
			for _, a := range t.Attr {
				switch strings.ToUpper(a.Name.Local) {
				case "MATCH":
					tp.Match = a.Value
				case "TIMEOUT":
					tp.Timeout = a.Value
				case "USER":
					tp.User = a.Value
				case "REWRITE":
					tp.Rewrite = a.Value
				case "TONE":
					tp.Tone = a.Value
				}
			}
			if tp.Match == "" {
				ps.Add(line, "TEMPLATE without MATCH")
			}
			dp.Templates = append(dp.Templates, tp)
		case xml.EndElement:
			depth--
		}
	}
	if root == "" {
		ps.Add(0, "no <DIALTEMPLATE> element")
	}
	return dp, ps
}
