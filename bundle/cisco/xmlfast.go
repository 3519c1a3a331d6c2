package cisco

import (
	"bytes"
	"unicode/utf8"
)

// parsePlainXML is ParseXMLConfig's fast path for the plain shape nearly
// every per-phone SEP<MAC>.cnf.xml has: elements without attributes, text
// without entities, nothing else. A root holds tens of thousands of them
// and encoding/xml, general as it is, costs more than reading them.
//
// It returns ok only when it understood all of b and its result is the one
// of parseXMLDecoder, byte for byte (FuzzPlainXML checks that); anything
// else it hands back, ok false, for encoding/xml to parse: an XML
// declaration other than the plain UTF-8 one at the very start, attributes,
// white space inside tags, namespaces (a colon in a name), non-ASCII names,
// comments, CDATA, DOCTYPE, processing instructions, character or entity
// references, carriage returns, characters XML forbids, invalid UTF-8,
// "]]>" in text, text outside the root element, mismatched or unclosed
// elements, a second root, no root, and every limit (depth, entries, text
// length) that the general path reports.
func parsePlainXML(b []byte) (*XMLConfig, []Problem, bool) {
	var ps ProblemList
	c := &XMLConfig{}
	type open struct {
		name  []byte // in b
		text  []byte // in b while one piece, else a copy
		owned bool   // text is a copy
		child bool
		line  int
		plen  int // len(path) before this element
		load  *XMLLoad
	}
	var stackBuf [16]open
	stack := stackBuf[:0]
	var pathBuf [256]byte
	path := pathBuf[:0] // names below the root, slash-joined, of the open elements
	i := 0
	for _, decl := range plainXMLDecls {
		if bytes.HasPrefix(b, decl) {
			i = len(decl)
			break
		}
	}
	line := 1 + bytes.Count(b[:i], newline)
	rootDone := false
	for i < len(b) {
		if b[i] != '<' {
			// Text up to the next tag.
			j := i
			for j < len(b) && b[j] != '<' {
				ch := b[j]
				switch {
				case ch == '\n':
					line++
				case ch == '\t':
				case ch >= 0x20 && ch < utf8.RuneSelf:
					if ch == '&' || ch == ']' && bytes.HasPrefix(b[j:], cdataEnd) {
						return nil, nil, false
					}
				case ch >= utf8.RuneSelf:
					r, size := utf8.DecodeRune(b[j:])
					if r == utf8.RuneError && size == 1 || !plainXMLChar(r) {
						return nil, nil, false
					}
					j += size - 1
				default: // \r, other control bytes
					return nil, nil, false
				}
				j++
			}
			t := b[i:j]
			i = j
			if len(stack) == 0 {
				if !allXMLSpace(t) {
					return nil, nil, false
				}
				continue
			}
			o := &stack[len(stack)-1]
			if len(o.text)+len(t) > MaxLineLength {
				return nil, nil, false
			}
			switch {
			case len(o.text) == 0 && !o.owned:
				o.text = t
			case !o.owned:
				o.text = append(append(make([]byte, 0, len(o.text)+len(t)), o.text...), t...)
				o.owned = true
			default:
				o.text = append(o.text, t...)
			}
			continue
		}
		// A tag: <name>, <name/> or </name>, nothing else.
		i++
		end := i < len(b) && b[i] == '/'
		if end {
			i++
		}
		n := plainXMLName(b[i:])
		if n == 0 {
			return nil, nil, false
		}
		name := b[i : i+n]
		i += n
		empty := false
		switch {
		case i < len(b) && b[i] == '>':
			i++
		case !end && i+1 < len(b) && b[i] == '/' && b[i+1] == '>':
			i += 2
			empty = true
		default:
			return nil, nil, false
		}
		if !end {
			if rootDone || len(stack) >= MaxXMLDepth {
				return nil, nil, false
			}
			o := open{name: name, line: line, plen: len(path)}
			if len(stack) > 0 {
				stack[len(stack)-1].child = true
				if len(stack) > 1 {
					path = append(path, '/')
				}
				path = append(path, name...)
			} else {
				c.Root = plainXMLString(name)
			}
			if bytes.HasPrefix(name, loadInformation) {
				if len(c.Loads) >= MaxEntries {
					return nil, nil, false
				}
				o.load = newXMLLoad(plainXMLString(name), "", line, &ps)
			}
			stack = append(stack, o)
			if !empty {
				continue
			}
		} else if len(stack) == 0 || !bytes.Equal(stack[len(stack)-1].name, name) {
			return nil, nil, false
		}
		// Close the top element.
		o := &stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		v := bytes.TrimSpace(o.text)
		if o.load != nil {
			o.load.Value = string(v)
			if len(v) != len(o.text) && len(v) != 0 {
				ps.Add(o.line, "<%s>: white space around the load name %q", o.load.Element, o.load.Value)
			}
			c.Loads = append(c.Loads, *o.load)
		}
		if !o.child && len(stack) > 0 {
			if len(c.Entries) >= MaxEntries {
				return nil, nil, false
			}
			if c.Entries == nil {
				c.Entries = make([]ConfigEntry, 0, bytes.Count(b[i:], closeTag)+1)
			}
			e := ConfigEntry{Name: plainXMLString(path), Line: o.line}
			if o.load != nil {
				e.Value = o.load.Value
			} else {
				e.Value = string(v)
			}
			c.Entries = append(c.Entries, e)
		}
		path = path[:o.plen]
		if len(stack) == 0 {
			rootDone = true
		}
	}
	if !rootDone || len(stack) > 0 {
		return nil, nil, false
	}
	return c, ps, true
}

var (
	// plainXMLDecls are the XML declarations the fast path takes, at the
	// start of the file only: encoding/xml accepts them and reads nothing
	// from them.
	plainXMLDecls = [][]byte{
		[]byte(`<?xml version="1.0" encoding="UTF-8"?>`),
		[]byte(`<?xml version="1.0" encoding="utf-8"?>`),
		[]byte(`<?xml version="1.0"?>`),
	}
	newline         = []byte{'\n'}
	cdataEnd        = []byte("]]>")
	closeTag        = []byte("</")
	loadInformation = []byte("loadInformation")
)

// plainXMLString is string(b), without a copy for the names every
// per-phone file repeats.
func plainXMLString(b []byte) string {
	switch string(b) {
	case "device":
		return "device"
	case "Default":
		return "Default"
	case "deviceProtocol":
		return "deviceProtocol"
	case "loadInformation":
		return "loadInformation"
	case "userLocale":
		return "userLocale"
	case "description":
		return "description"
	case "sshUserId":
		return "sshUserId"
	case "sshPassword":
		return "sshPassword"
	case "versionStamp":
		return "versionStamp"
	}
	return string(b)
}

// plainXMLName returns the length of the ASCII XML name at the start of b,
// 0 when there is none or it goes on with a byte the fast path does not
// take in a name (a colon, non-ASCII).
func plainXMLName(b []byte) int {
	n := 0
	for n < len(b) {
		ch := b[n]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', ch == '_':
		case n > 0 && ('0' <= ch && ch <= '9' || ch == '-' || ch == '.'):
		case ch == ':' || ch >= utf8.RuneSelf || n == 0:
			return 0
		default:
			return n
		}
		n++
	}
	return n
}

// plainXMLChar reports a non-ASCII rune that XML allows in text.
func plainXMLChar(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// allXMLSpace reports text of only spaces, tabs and newlines.
func allXMLSpace(b []byte) bool {
	for _, ch := range b {
		if ch != ' ' && ch != '\t' && ch != '\n' {
			return false
		}
	}
	return true
}
