package check

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// MaxFleetPhones caps the phones a fleet file may list, against runaway
// input; it is far above any single TFTP root.
const MaxFleetPhones = 1_000_000

// maxFleetErrors stops reporting after this many bad lines: a file that bad
// is not a fleet file.
const maxFleetErrors = 50

// Phone is one line of a fleet file: a phone that will boot from the root.
type Phone struct {
	MAC   string // 12 upper-case hex digits, as in SEP<MAC> file names
	Model string // normalised model: "7940", "7912", "ata186", …
	Load  string // the load it runs today, without extension, e.g. "P0S3-07-4-00"
	Line  int    // line of the fleet file, for messages
}

// knownModels are the model names a fleet file may use, after normalisation.
var knownModels = map[string]bool{
	"7902": true, "7905": true, "7910": true, "7911": true, "7912": true, "7906": true,
	"7914": true, "7920": true, "7935": true, "7936": true, "7940": true, "7941": true,
	"7942": true, "7945": true, "7960": true, "7961": true, "7962": true, "7965": true,
	"7970": true, "7971": true, "7975": true, "ata186": true, "ata188": true,
}

// NormalizeModel turns the spellings found in inventories ("CP-7940G",
// "IP Phone 7960", "7912G", "ATA 186") into the short model name; it reports
// false for a model phoneload does not know.
func NormalizeModel(s string) (string, bool) {
	m := strings.ToLower(strings.TrimSpace(s))
	m = strings.TrimPrefix(m, "cisco ")
	m = strings.TrimPrefix(m, "ip phone ")
	m = strings.TrimPrefix(m, "cp-")
	m = strings.ReplaceAll(m, " ", "")
	m = strings.TrimSuffix(m, "g")
	if strings.HasPrefix(m, "ata") {
		m = strings.TrimSuffix(m, "-i1")
	}
	return m, knownModels[m]
}

// NormalizeMAC accepts a MAC address as 12 hex digits, with ':', '-' or '.'
// separators, or as a SEP/SIP file stem, and returns 12 upper-case digits.
func NormalizeMAC(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 15 && (strings.EqualFold(s[:3], "SEP") || strings.EqualFold(s[:3], "SIP")) {
		s = s[3:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == '-' || c == '.':
		case '0' <= c && c <= '9', 'A' <= c && c <= 'F':
			b.WriteByte(c)
		case 'a' <= c && c <= 'f':
			b.WriteByte(c - 'a' + 'A')
		default:
			return "", false
		}
	}
	if b.Len() != 12 {
		return "", false
	}
	return b.String(), true
}

// ParseFleet reads a fleet file: CSV lines `mac,model,running-load`, an
// optional header line starting with "mac", blank lines and `#` comments
// allowed. name is used in messages. Every bad line is reported, each as
// "name:line: …"; a MAC listed twice is an error.
func ParseFleet(r io.Reader, name string) ([]Phone, error) {
	// Excel's "CSV UTF-8" starts with a byte-order mark: not part of the
	// first field.
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(cisco.UTF8BOM)); err == nil && bytes.Equal(b, cisco.UTF8BOM) {
		br.Discard(len(cisco.UTF8BOM))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	cr.ReuseRecord = true
	var (
		phones []Phone
		errs   []error
		seen   = map[string]int{}
		first  = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("bundle: %s:%d: %v", name, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("bundle: %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if strings.EqualFold(strings.TrimSpace(rec[0]), "mac") {
				continue
			}
		}
		if len(errs) >= maxFleetErrors {
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		ph, why := parseFleetRecord(rec)
		if why == "" {
			if prev, dup := seen[ph.MAC]; dup {
				why = fmt.Sprintf("MAC %s already listed on line %d", ph.MAC, prev)
			}
		}
		if why != "" {
			errs = append(errs, fmt.Errorf("bundle: %s:%d: %s", name, line, why))
			continue
		}
		seen[ph.MAC] = line
		if len(phones) == MaxFleetPhones {
			return nil, fmt.Errorf("bundle: %s:%d: more than %d phones", name, line, MaxFleetPhones)
		}
		ph.Line = line
		phones = append(phones, ph)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return phones, nil
}

// parseFleetRecord reads one mac,model,running-load record; the string says
// what is wrong with it, "" when nothing is.
func parseFleetRecord(rec []string) (Phone, string) {
	if len(rec) != 3 {
		hint := ""
		if len(rec) == 1 && strings.Count(rec[0], ";") == 2 {
			hint = "; fields are separated by commas, not semicolons"
		}
		return Phone{}, fmt.Sprintf("%d fields, want 3 (mac,model,running-load)%s", len(rec), hint)
	}
	mac, ok := NormalizeMAC(rec[0])
	if !ok {
		return Phone{}, fmt.Sprintf("bad MAC address %q: want 12 hex digits", rec[0])
	}
	model, ok := NormalizeModel(rec[1])
	if !ok {
		return Phone{}, fmt.Sprintf("unknown model %q", rec[1])
	}
	// The phone shows its load without extension; people paste file
	// names. Stripped exactly as check strips configuration values.
	load, _ := cisco.StripImageExt(strings.TrimSpace(rec[2]))
	if load == "" {
		return Phone{}, "empty running load"
	}
	return Phone{MAC: mac, Model: model, Load: load}, ""
}

// KnownModels lists the model names a fleet file may use (after
// NormalizeModel), sorted: for shell completion and messages.
func KnownModels() []string {
	out := make([]string, 0, len(knownModels))
	for m := range knownModels {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}
