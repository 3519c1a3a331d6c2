package cmd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/phoneload/phoneload/bundle/drop"
)

// inspectStream writes the `inspect --json` document (inspectJSON) drop by
// drop and file by file, byte for byte as cli.WriteJSON writes the whole
// document (TestInspectStreamSameBytes): two-space indent, no HTML
// escaping, a final newline.
type inspectStream struct {
	w     *bufio.Writer
	drops int
	err   error
}

func (s *inspectStream) write(parts ...string) {
	for _, p := range parts {
		if s.err == nil {
			_, s.err = s.w.WriteString(p)
		}
	}
}

// encode returns v as cli.WriteJSON would indent it at the given depth
// (two spaces a level), without the final newline.
func encode(v any, depth int) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent(strings.Repeat("  ", depth), "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func (s *inspectStream) begin() {
	schema, _ := encode(drop.InspectSchema, 1)
	s.write("{\n  \"schema\": ", schema, ",\n  \"drops\": [")
}

// filesMark is how the head of a drop, encoded with no files, shows them.
const filesMark = "\"files\": []"

// drop writes one drop: head (an Inspection with no files or phones)
// around the rows that files and phones call row with.
func (s *inspectStream) drop(head *drop.Inspection, files func(row func(drop.InspectFile) error) error, phones func(row func(*drop.PhoneLoad) error) error) error {
	// The phones too are written row by row (a row per phone's own file).
	h := *head
	h.Phones = []drop.PhoneLoad{}
	enc, err := encode(&h, 2)
	if err != nil {
		return err
	}
	at := strings.Index(enc, filesMark)
	ph := strings.Index(enc, phonesMark)
	if at < 0 || ph < at {
		return fmt.Errorf("inspect: %s or %s not in the encoded drop", filesMark, phonesMark)
	}
	if s.drops > 0 {
		s.write(",")
	}
	s.drops++
	s.write("\n    ", enc[:at+len(filesMark)-1])
	n := 0
	err = files(func(f drop.InspectFile) error {
		row, err := encode(f, 4)
		if err != nil {
			return err
		}
		if n > 0 {
			s.write(",")
		}
		n++
		s.write("\n        ", row)
		return s.err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		s.write("\n      ")
	}
	s.write(enc[at+len(filesMark)-1 : ph+len(phonesMark)-1])
	n = 0
	err = phones(func(p *drop.PhoneLoad) error {
		row, err := encode(p, 4)
		if err != nil {
			return err
		}
		if n > 0 {
			s.write(",")
		}
		n++
		s.write("\n        ", row)
		return s.err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		s.write("\n      ")
	}
	s.write(enc[ph+len(phonesMark)-1:])
	return s.err
}

// phonesMark is how the head shows its phones, written apart.
const phonesMark = "\"phones\": []"

// end closes the drops and writes the errors.
func (s *inspectStream) end(errs []inspectError) error {
	if s.drops > 0 {
		s.write("\n  ")
	}
	e, err := encode(errs, 1)
	if err != nil {
		return err
	}
	s.write("],\n  \"errors\": ", e, "\n}\n")
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}
