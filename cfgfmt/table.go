package cfgfmt

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits on untrusted input. Every size read from a table, a text profile or
// a binary profile is checked against one of these before anything is
// allocated from it.
const (
	// MinInputSize is the smallest input cfgfmt reads, text or binary:
	// below it, "bad input size N" [issue 11].
	MinInputSize = 5
	// MaxTableSize is the largest tag table ParseTable accepts, in bytes.
	// Cisco's tables are under 10 KiB.
	MaxTableSize = 1 << 20
	// MaxTableEntries is the largest number of descriptors in a table.
	MaxTableEntries = 4096
	// MaxProfileSize is the largest text profile (each file of an include
	// tree) and the largest binary profile, in bytes.
	MaxProfileSize = 1 << 20
	// MaxTotalSize is the most text Compile reads for one profile, includes
	// counted, so that a profile including the same file many times cannot
	// make it read without end.
	MaxTotalSize = 8 << 20
	// MaxIncludeDepth is how deeply include: may nest (the main profile is
	// depth 0). Deeper nesting is "error: include nested too deep".
	MaxIncludeDepth = 3
	// MaxValueSize is the largest value a record can hold: the record length
	// is a varint of at most 15 bits.
	MaxValueSize = 0x7FFF
	// MaxTag is the largest tag a varint can carry.
	MaxTag = 0x7FFF
	// MaxPayload is the largest payload: the header's length field is 16 bits.
	MaxPayload = 0xFFFF
	// SplitThreshold is the size above which the profile is split
	// ("larger than 2000 bytes" [Cisco]), measured as the original does:
	// 8 + payload + 4 per attribute (docs/cfgfmt.md, "Split").
	SplitThreshold = 2000
)

// Format is a descriptor's tagFmtBit: how its value is encoded.
type Format uint16

// Format bits, from the header of Cisco's own tables.
const (
	FormatIP        Format = 0x0002 // IPv4 address, 4 bytes
	FormatInt       Format = 0x0004 // 32-bit integer, decimal input
	FormatDigits    Format = 0x0008 // digits (alone: a digit string)
	FormatString    Format = 0x0010 // string
	FormatBool      Format = 0x0020 // boolean, 1 byte
	FormatShorts    Format = 0x0040 // array of 16-bit values, padded to size
	FormatExtIP     Format = 0x0080 // a.b.c.d.port, 6 bytes
	FormatTone      Format = 0x0100 // obsolete tone-frequency form (I/Q pairs, see tone.go)
	FormatHex       Format = 0x0200 // unsigned 32-bit, hex input
	FormatSensitive Format = 0x4000 // left out with -g
	FormatExtended  Format = 0x8000 // moved to <output>.ex when split
)

// Kind is the value type a Format selects. Formats combine bits (0x0050 is
// shorts with the string bit, 0x020C hex with the integer bits), so the kind
// is chosen by precedence, most specific bit first.
type Kind int

// Value kinds, in the order of precedence Format.Kind applies.
const (
	KindUnknown Kind = iota
	KindTone
	KindShorts
	KindExtIP
	KindHex
	KindIP
	KindBool
	KindInt
	KindDigits
	KindString
)

var kindNames = [...]string{"unknown", "tone", "shorts", "extip", "hex", "ip", "bool", "int", "digits", "string"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Kind returns the value type of f.
func (f Format) Kind() Kind {
	switch {
	case f&FormatTone != 0:
		return KindTone
	case f&FormatShorts != 0:
		return KindShorts
	case f&FormatExtIP != 0:
		return KindExtIP
	case f&FormatHex != 0:
		return KindHex
	case f&FormatIP != 0:
		return KindIP
	case f&FormatBool != 0:
		return KindBool
	case f&FormatInt != 0:
		return KindInt
	case f&FormatDigits != 0:
		return KindDigits
	case f&FormatString != 0:
		return KindString
	}
	return KindUnknown
}

// Protocol is a set of protocol contexts (the table's fifth column and the
// -h323/-sip/-mgcp/-sccp flags).
type Protocol uint8

// Protocol bits [Cisco, ATA ptag.dat header].
const (
	H323 Protocol = 0x1
	SIP  Protocol = 0x2
	MGCP Protocol = 0x4
	SCCP Protocol = 0x8
	// AllProtocols is the context of a line without a context column.
	AllProtocols Protocol = 0xF
)

// Descriptor is one line of a tag table.
type Descriptor struct {
	Tag     int
	Format  Format
	Name    string
	Size    int
	Context Protocol
	Line    int // line in the table file, for messages
}

// Table is a parsed tag table. Descriptors keep the file order, which
// decides names on decoding (the last matching line wins).
type Table struct {
	Name        string // file name, for messages
	Descriptors []Descriptor
	byName      map[string][]int // lower-case name → indexes, file order
	byTag       map[int][]int    // tag → indexes, file order
}

// ParseTable parses a tag table: one descriptor a line,
// tag,tagFmtBit,nameStr,size[,context]. tag is decimal or 0x hex; tagFmtBit
// and context are hex (0x optional); size is decimal. '#' starts a comment
// anywhere on a line; blank lines, CRLF and lone CRs are fine. A line that is not a
// valid descriptor is an error naming the file and line, never skipped.
func ParseTable(name string, data []byte) (*Table, error) {
	if len(data) > MaxTableSize {
		return nil, fmt.Errorf("cfgfmt: %s: table is %d bytes, larger than the limit of %d", name, len(data), MaxTableSize)
	}
	t := &Table{Name: name, byName: map[string][]int{}, byTag: map[int][]int{}}
	for lineNo, line := range lines(string(data)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		s := strings.TrimSpace(line)
		if s == "" {
			continue
		}
		d, err := parseDescriptor(s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, lineNo, err)
		}
		if len(t.Descriptors) >= MaxTableEntries {
			return nil, fmt.Errorf("%s:%d: more than %d descriptors", name, lineNo, MaxTableEntries)
		}
		d.Line = lineNo
		i := len(t.Descriptors)
		t.Descriptors = append(t.Descriptors, d)
		key := strings.ToLower(d.Name)
		t.byName[key] = append(t.byName[key], i)
		t.byTag[d.Tag] = append(t.byTag[d.Tag], i)
	}
	if len(t.Descriptors) == 0 {
		return nil, fmt.Errorf("%s: no descriptors in tag table", name)
	}
	return t, nil
}

func parseDescriptor(s string) (Descriptor, error) {
	f := strings.Split(s, ",")
	if len(f) != 4 && len(f) != 5 {
		return Descriptor{}, fmt.Errorf("malformed descriptor %q: want tag,tagFmtBit,nameStr,size[,context]", s)
	}
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	var d Descriptor
	tag, err := parseNumber(f[0], 10)
	if err != nil || tag < 0 || tag > MaxTag {
		return d, fmt.Errorf("bad tag %q: want 0 to %d, decimal or 0x hex", f[0], MaxTag)
	}
	switch tag {
	case 0x7FFE, tagExtension:
		return d, fmt.Errorf("tag %#x is reserved by the file format", tag)
	}
	format, err := parseNumber(f[1], 16)
	if err != nil || format < 0 || format > 0xFFFF {
		return d, fmt.Errorf("bad tagFmtBit %q: want a 16-bit hex number", f[1])
	}
	if Format(format).Kind() == KindUnknown {
		return d, fmt.Errorf("tagFmtBit %q names no value type", f[1])
	}
	if f[2] == "" || strings.ContainsAny(f[2], " \t:") {
		return d, fmt.Errorf("bad nameStr %q", f[2])
	}
	size, err := strconv.Atoi(f[3])
	if err != nil || size < 0 || size > MaxValueSize {
		return d, fmt.Errorf("bad size %q: want 0 to %d", f[3], MaxValueSize)
	}
	ctx := int64(AllProtocols)
	if len(f) == 5 {
		ctx, err = parseNumber(f[4], 16)
		if err != nil || ctx < 0 || ctx > 0xFF {
			return d, fmt.Errorf("bad context %q: want a hex bit set", f[4])
		}
	}
	return Descriptor{Tag: int(tag), Format: Format(format), Name: f[2], Size: size, Context: Protocol(ctx)}, nil
}

// parseNumber reads s as 0x hex, or in base when there is no prefix.
func parseNumber(s string, base int) (int64, error) {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		return strconv.ParseInt(s[2:], 16, 64)
	}
	return strconv.ParseInt(s, base, 64)
}

// passes reports whether d survives the protocol filter and -g.
func (d *Descriptor) passes(proto Protocol, omitSensitive bool) bool {
	if proto != 0 && d.Context&proto == 0 {
		return false
	}
	return !(omitSensitive && d.Format&FormatSensitive != 0)
}

// Lookup returns the descriptor for a profile name (case-insensitive) that
// passes the protocol filter (0 = all) and -g, or nil. When several lines
// carry the name, the last one that passes wins, as on decoding.
func (t *Table) Lookup(name string, proto Protocol, omitSensitive bool) *Descriptor {
	return t.last(t.byName[strings.ToLower(name)], proto, omitSensitive)
}

// lookupLower is Lookup for a name already in lower case.
func (t *Table) lookupLower(lower string, proto Protocol, omitSensitive bool) *Descriptor {
	return t.last(t.byName[lower], proto, omitSensitive)
}

// ForTag returns the descriptor that names tag on decoding: the last line
// with that tag that passes the protocol filter [inferred], or nil.
func (t *Table) ForTag(tag int, proto Protocol) *Descriptor {
	return t.last(t.byTag[tag], proto, false)
}

// forRecord names a record on decoding: the last line with its tag that
// passes the protocol filter and whose type renders the bytes as text that
// compiles back to them (DialToneFreq's 18-byte tone form under tag 36,
// where DialTone's 22-byte list would not), else ForTag's choice.
func (t *Table) forRecord(tag int, proto Protocol, value []byte) *Descriptor {
	idx := t.byTag[tag]
	for i := len(idx) - 1; i >= 0; i-- {
		d := &t.Descriptors[idx[i]]
		if d.passes(proto, false) {
			if _, ok := formatValue(d.Format.Kind(), d.Size, value); ok {
				return d
			}
		}
	}
	return t.ForTag(tag, proto)
}

func (t *Table) last(idx []int, proto Protocol, omitSensitive bool) *Descriptor {
	for i := len(idx) - 1; i >= 0; i-- {
		d := &t.Descriptors[idx[i]]
		if d.passes(proto, omitSensitive) {
			return d
		}
	}
	return nil
}

// hasName reports whether any line carries name, filtered or not.
func (t *Table) hasName(lower string) bool { return len(t.byName[lower]) > 0 }

// suggest finds a table name the user probably meant: the same name without
// a line number (sipXconfig writes UID0 where the 7912 table has UID), or a
// name that ends the other (SipOutBoundProxy for OutBoundProxy).
func (t *Table) suggest(lower string, proto Protocol, omitSensitive bool) string {
	if trimmed := strings.TrimRight(lower, "0123456789"); trimmed != lower && trimmed != "" {
		if d := t.lookupLower(trimmed, proto, omitSensitive); d != nil {
			return d.Name
		}
	}
	for i := range t.Descriptors {
		d := &t.Descriptors[i]
		n := strings.ToLower(d.Name)
		if len(n) >= 6 && len(lower) >= 6 && (strings.HasSuffix(lower, n) || strings.HasSuffix(n, lower)) && d.passes(proto, omitSensitive) {
			return d.Name
		}
	}
	return ""
}
