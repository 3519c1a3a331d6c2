package cisco

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// XMLConfig is a parsed XMLDefault.cnf.xml or SEP<MAC>.cnf.xml.
type XMLConfig struct {
	Root    string        `json:"root"`    // name of the root element: Default, device …
	Loads   []XMLLoad     `json:"loads"`   // every loadInformation element
	Entries []ConfigEntry `json:"entries"` // every element holding text, by slash path below the root
}

// XMLLoad is one loadInformation element: loadInformationNNN (NNN a model
// id) in XMLDefault.cnf.xml, plain loadInformation in SEP<MAC>.cnf.xml.
type XMLLoad struct {
	Element   string `json:"element"`
	ModelID   int    `json:"model_id,omitempty"`   // NNN of loadInformationNNN, 0 for plain loadInformation
	Model     string `json:"model,omitempty"`      // the phone model of the id: "7940"
	ModelAttr string `json:"model_attr,omitempty"` // the model="IP Phone 7940" attribute as written
	Value     string `json:"value"`                // the load name, white space trimmed
	Line      int    `json:"line"`
}

var reAttrModel = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|[^0-9])([3-9][0-9]{3})(G-GE|G)?(?:[^0-9]|$)`) })

// AttrModel returns the phone model a loadInformationNNN model attribute
// names ("IP Phone 7940", "Cisco 7960G" → "7940", "7960"), or "" when it
// names none phoneload knows. Phones go by NNN, never by the attribute: it
// is a label CUCM writes for people.
func AttrModel(attr string) string {
	m := reAttrModel().FindStringSubmatch(attr)
	if m == nil {
		return ""
	}
	if m[2] == "G-GE" {
		if _, ok := ModelByName(m[1] + "G-GE"); ok {
			return m[1] + "G-GE"
		}
	}
	if _, ok := ModelByName(m[1]); ok {
		return m[1]
	}
	return ""
}

// MaxXMLDepth bounds element nesting in configuration XML.
const MaxXMLDepth = 64

// ParseXMLConfig parses the SCCP/UAL XML configuration files. It reads the
// whole tree with encoding/xml (no entity expansion, no external fetches),
// keeping line numbers; plain per-phone files (no attributes, entities or
// markup other than elements) take a hand scanner that gives the same
// result (parsePlainXML).
func ParseXMLConfig(b []byte) (*XMLConfig, []Problem) {
	var ps ProblemList
	c := &XMLConfig{}
	if !checkText(b, &ps) {
		return c, ps
	}
	if fc, fps, ok := parsePlainXML(b); ok {
		return fc, fps
	}
	return parseXMLDecoder(b)
}

// parseXMLDecoder is ParseXMLConfig's general path, by encoding/xml, for b
// that checkText accepted.
func parseXMLDecoder(b []byte) (*XMLConfig, []Problem) {
	var ps ProblemList
	c := &XMLConfig{}
	type open struct {
		name  string
		text  strings.Builder
		child bool
		cut   bool // text over MaxLineLength, reported once
		line  int
		load  *XMLLoad
	}
	var stack []*open
	d := xml.NewDecoder(bytes.NewReader(b))
	line := func() int { l, _ := d.InputPos(); return l }
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			ps.Add(xmlErrLine(err, line()), "%s", xmlErrMsg(err))
			return c, ps
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxXMLDepth {
				ps.Add(line(), "elements nested deeper than %d", MaxXMLDepth)
				return c, ps
			}
			if len(stack) == 0 && c.Root != "" {
				ps.Add(line(), "second root element <%s>", t.Name.Local)
				return c, ps
			}
			if len(stack) > 0 {
				stack[len(stack)-1].child = true
			} else {
				c.Root = t.Name.Local
			}
			o := &open{name: t.Name.Local, line: line()}
			if strings.HasPrefix(t.Name.Local, "loadInformation") && len(c.Loads) < MaxEntries {
				model := ""
				for _, a := range t.Attr {
					if a.Name.Local == "model" {
						model = a.Value
					}
				}
				o.load = newXMLLoad(t.Name.Local, model, o.line, &ps)
			}
			stack = append(stack, o)
		case xml.CharData:
			if len(stack) > 0 {
				o := stack[len(stack)-1]
				if o.text.Len()+len(t) <= MaxLineLength {
					o.text.Write(t)
				} else if !o.cut {
					o.cut = true
					o.text.Write(t[:MaxLineLength-o.text.Len()])
					ps.Add(o.line, "<%s>: text longer than %d bytes, cut", o.name, MaxLineLength)
				}
			}
		case xml.EndElement:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			v := strings.TrimSpace(o.text.String())
			if o.load != nil {
				o.load.Value = v
				if v != o.text.String() && v != "" {
					ps.Add(o.line, "<%s>: white space around the load name %q", o.name, v)
				}
				c.Loads = append(c.Loads, *o.load)
			}
			if !o.child && len(stack) > 0 {
				if len(c.Entries) >= MaxEntries {
					ps.Add(o.line, "more than %d entries", MaxEntries)
					return c, ps
				}
				names := make([]string, 0, len(stack))
				for _, p := range stack[1:] {
					names = append(names, p.name)
				}
				names = append(names, o.name)
				c.Entries = append(c.Entries, ConfigEntry{Name: strings.Join(names, "/"), Value: v, Line: o.line})
			}
		}
	}
	if c.Root == "" {
		ps.Add(0, "no root element")
	}
	return c, ps
}

// newXMLLoad starts the XMLLoad of a loadInformation element named name
// (with its model attribute as written, "" when none) opened on line,
// reporting a model id suffix that is wrong.
func newXMLLoad(name, modelAttr string, line int, ps *ProblemList) *XMLLoad {
	id := strings.TrimPrefix(name, "loadInformation")
	l := XMLLoad{Element: name, Line: line, ModelAttr: modelAttr}
	if id != "" {
		n, err := strconv.Atoi(id)
		if err != nil || n <= 0 || !allDigits(id) {
			ps.Add(line, "<%s>: the suffix is not a model id", name)
		} else {
			l.ModelID = n
			l.Model = ModelIDs[n]
			if l.Model == "" {
				ps.Add(line, "<%s>: unknown model id %d", name, n)
			} else if m := AttrModel(l.ModelAttr); m != "" && m != l.Model {
				ps.Add(line, "<%s>: model id %d is the %s but the model attribute says %q", name, n, l.Model, l.ModelAttr)
			}
		}
	}
	return &l
}

// xmlErrLine takes the line from an encoding/xml syntax error.
func xmlErrLine(err error, fallback int) int {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Line
	}
	return fallback
}

// xmlErrMsg strips encoding/xml's "XML syntax error on line N: " prefix,
// since the line is in the Problem.
func xmlErrMsg(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return "XML: " + se.Msg
	}
	return "XML: " + err.Error()
}
