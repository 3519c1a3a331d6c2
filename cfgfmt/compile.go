package cfgfmt

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Options control Compile. The zero value compiles for every protocol,
// keeps sensitive values, and encrypts only when the profile carries a
// non-zero EncryptKey.
type Options struct {
	// Protocols keeps only descriptors whose context has one of these bits
	// (-h323 -sip -mgcp -sccp); 0 keeps all.
	Protocols Protocol
	// OmitSensitive leaves out descriptors with format bit 0x4000 (-g).
	OmitSensitive bool
	// Key, when set, RC4-encrypts the whole output (-e).
	Key []byte
	// IgnoreProfileKey stores the profile's EncryptKey as data without
	// encrypting the file with it (-E).
	IgnoreProfileKey bool
	// ForceSplit moves the 0x8000 records to the extension file even when
	// the profile is not over SplitThreshold (-split).
	ForceSplit bool
	// ExtensionName is the name written into the base file's 0x4000 record
	// when the profile is split. Cisco's tool writes <output>.ex with the
	// output path exactly as given on its command line, and so does ours.
	ExtensionName string
	// ReadInclude reads an include: file. The path is resolved against the
	// directory of the including file. Nil means includes are refused.
	ReadInclude func(path string) ([]byte, error)
}

// Record is one tag-length-value record of a binary profile.
type Record struct {
	Tag   int    `json:"tag"`
	Name  string `json:"name,omitempty"` // descriptor or pseudo-parameter name; "" when unknown
	Kind  Kind   `json:"-"`
	Size  int    `json:"-"` // the descriptor's size
	Value []byte `json:"value"`
	// Extended is set for records of format bit 0x8000.
	Extended bool `json:"extended,omitempty"`
}

// Result is a compiled profile.
type Result struct {
	// Profile is the binary profile as written to <output>, encrypted when
	// Encrypted is set.
	Profile []byte
	// Extension is <output>.ex, or nil when the profile was not split.
	Extension []byte
	// Records are the records in file order (base, then extension).
	Records []Record
	// Encrypted reports whether RC4 was applied (-e or EncryptKey).
	Encrypted bool
	// Diagnostics holds every warning, note and error, in input order.
	Diagnostics []Diagnostic
}

// entry is one attribute kept from the text, keyed by tag.
type entry struct {
	rec  Record
	file string
	line int
	text string // value as written
	// sensitive: the descriptor that last set the tag has bit 0x4000;
	// -g leaves the record out when the file is written.
	sensitive bool
}

type compiler struct {
	name    string // the main profile, for messages about the whole file
	t       *Table
	opt     Options
	entries []entry
	byTag   map[int]int // tag → index in entries, built once entries outgrow a scan
	diags   []Diagnostic
	nerr    int
	read    int // bytes of text read so far, includes counted
}

// Compile turns a text profile (starting with #txt) into a binary profile
// using tag table t. name is the profile's file name, used in messages and
// to resolve includes. Compile never prints: every warning and error is in
// Result.Diagnostics, and when there is any error it also returns them as
// Errors and Result holds no output bytes.
func Compile(t *Table, name string, src []byte, opt Options) (*Result, error) {
	if t == nil {
		return &Result{}, errors.New("cfgfmt: Compile needs a tag table")
	}
	// One allocation for all entries: a profile has at most a value a line.
	lines := bytes.Count(src, []byte{'\n'}) + 1
	c := &compiler{name: name, t: t, opt: opt, entries: make([]entry, 0, min(lines, 4096))}
	if !bytes.HasPrefix(src, []byte("#txt")) {
		c.errorf(name, 1, "not a text profile", "the first line must be #txt")
	} else {
		c.file(name, src, 0)
	}
	res := &Result{}
	if c.nerr == 0 {
		c.build(res)
	}
	res.Diagnostics = c.diags
	if c.nerr > 0 {
		res.Profile, res.Extension = nil, nil
		var errs Errors
		for _, d := range c.diags {
			if d.Severity == SeverityError && !d.Recovered {
				errs = append(errs, d)
			}
		}
		return res, errs
	}
	return res, nil
}

func (c *compiler) add(sev Severity, file string, line int, msg, detail string) {
	c.diags = append(c.diags, Diagnostic{File: file, Line: line, Severity: sev, Message: msg, Detail: detail})
	if sev == SeverityError {
		c.nerr++
	}
}

func (c *compiler) errorf(file string, line int, msg, detail string, args ...any) {
	c.add(SeverityError, file, line, msg, fmt.Sprintf(detail, args...))
}

func (c *compiler) file(name string, src []byte, depth int) {
	if len(src) > MaxProfileSize {
		c.errorf(name, 0, "profile too large", "%d bytes, the limit is %d", len(src), MaxProfileSize)
		return
	}
	if c.read += len(src); c.read > MaxTotalSize {
		c.errorf(name, 0, "profile too large", "more than %d bytes with its includes", MaxTotalSize)
		return
	}
	// One copy; lines and values are substrings of it.
	for n, raw := range lines(string(src)) {
		c.line(name, n, raw, depth)
	}
}

// isControl reports control characters other than tab, which a text
// profile cannot carry faithfully (the device's parser and our decoder
// both work line by line).
func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }

// splitLine separates name and value as the original's tokenizer does
// [issue 11]: leading colons, spaces and tabs are skipped, the name ends at
// the next of them, the run of them after it is skipped, and the value is
// the rest of the line: only CR/LF end it, so trailing blanks are part of
// it ("GkOrProxy:abc  " keeps its two spaces).
func splitLine(s string) (name, value string) {
	s = strings.TrimLeft(s, ": \t")
	i := strings.IndexAny(s, ": \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], ": \t")
}

func (c *compiler) line(file string, n int, s string, depth int) {
	if t := strings.TrimLeft(s, " \t"); t == "" || t[0] == '#' {
		return
	}
	name, value := splitLine(s)
	if name == "" {
		return // only colons and blanks
	}
	if i := strings.IndexFunc(value, isControl); i >= 0 {
		c.errorf(file, n, "invalid character in value", "%s: byte %#02x at column %d", name, value[i], len(s)-len(value)+i+1)
		return
	}
	var buf [64]byte
	lower := appendLower(buf[:0], name) // no allocation: map lookups take string(lower) as is
	if string(lower) == "include" {
		c.include(file, n, value, depth)
		return
	}
	var (
		rec       Record
		b         []byte
		notes     []note
		verr      *valueError
		sensitive bool
	)
	tag, isPseudo := pseudo[string(lower)]
	var d *Descriptor
	if isPseudo {
		rec = Record{Tag: tag, Name: pseudoName[tag]}
	} else {
		// -g does not hide a name: the original looks names up by protocol
		// only and leaves sensitive records out when it writes the file, so
		// a sensitive alias still replaces what an earlier alias set [issue 11].
		if d = c.t.last(c.t.byName[string(lower)], c.opt.Protocols, false); d == nil {
			c.add(SeverityWarning, file, n, fmt.Sprintf(msgUnknown, n), c.unknownDetail(name, string(lower)))
			return
		}
		rec = Record{Tag: d.Tag, Name: d.Name, Kind: d.Format.Kind(), Size: d.Size, Extended: d.Format&FormatExtended != 0}
		sensitive = d.Format&FormatSensitive != 0
	}
	// Pseudo-parameters take an empty value to their own parser, as the
	// original does ("tftpurl2:" is a record holding a NUL, "upgradecode:"
	// a bad argument).
	if value == "" && !isPseudo {
		c.add(SeverityWarning, file, n, fmt.Sprintf(msgEmpty, n), name)
		return
	}
	if isPseudo {
		b, notes, verr = encodePseudo(tag, value)
	} else {
		b, notes, verr = encodeValue(d, value)
	}
	for _, nt := range notes {
		c.diags = append(c.diags, Diagnostic{File: file, Line: n, Severity: nt.sev, Message: nt.msg, Detail: nt.detail, Recovered: nt.recovered})
	}
	if verr != nil {
		c.errorf(file, n, verr.msg, "%s", verr.detail)
		return
	}
	if b == nil {
		return // a recovered error: the original leaves the line out
	}
	if len(b) > MaxValueSize {
		c.errorf(file, n, msgTooLong, "%s: %d bytes, a record holds at most %d", rec.Name, len(b), MaxValueSize)
		return
	}
	rec.Value = b
	c.set(entry{rec: rec, file: file, line: n, text: value, sensitive: sensitive})
}

// unknownDetail says why a name was not found: not in the table at all,
// or filtered out by a protocol flag or -g.
func (c *compiler) unknownDetail(name, lower string) string {
	if !c.t.hasName(lower) {
		if s := c.t.suggest(lower, c.opt.Protocols, c.opt.OmitSensitive); s != "" {
			return fmt.Sprintf("%q is not in %s; did you mean %s?", name, c.t.Name, s)
		}
		return fmt.Sprintf("%q is not in %s", name, c.t.Name)
	}
	return fmt.Sprintf("%s is not used by the selected protocol", name)
}

func (c *compiler) include(file string, n int, target string, depth int) {
	if f := strings.Fields(target); len(f) > 0 {
		target = f[0] // the original takes the first word
	}
	if target == "" {
		c.add(SeverityWarning, file, n, "include without a file name", "write include:<file>; the line is skipped, as Cisco's cfgfmt skips it")
		return
	}
	if depth+1 > MaxIncludeDepth {
		// The original reports this and goes on without the include.
		c.diags = append(c.diags, Diagnostic{File: file, Line: n, Severity: SeverityError, Recovered: true, Message: msgTooDeep,
			Detail: fmt.Sprintf("%s would be level %d, at most %d; it is left out and the run succeeds, as Cisco's cfgfmt does", target, depth+1, MaxIncludeDepth)})
		return
	}
	if c.read > MaxTotalSize {
		return // already reported: do not read further
	}
	if c.opt.ReadInclude == nil {
		c.errorf(file, n, "cannot open include file", "%s: includes are not available here", target)
		return
	}
	path := target
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(file), path)
	}
	data, err := c.opt.ReadInclude(path)
	if err != nil {
		c.errorf(file, n, "cannot open include file", "%v", err)
		return
	}
	c.file(path, data, depth+1)
}

// set keeps the last value of a tag at the position where the tag first
// appeared [inferred: "a name given twice keeps its last value"].
func (c *compiler) set(e entry) {
	if i, ok := c.find(e.rec.Tag); ok {
		old := c.entries[i]
		c.add(SeverityWarning, e.file, e.line, "attribute given twice", fmt.Sprintf("%s here replaces %s:%d", e.rec.Name, old.file, old.line))
		c.entries[i] = e
		return
	}
	if c.byTag != nil {
		c.byTag[e.rec.Tag] = len(c.entries)
	}
	c.entries = append(c.entries, e)
}

// find returns the index of tag's entry. Typical profiles have a few dozen
// entries, where a scan beats a map; big ones switch to a map.
func (c *compiler) find(tag int) (int, bool) {
	if c.byTag == nil && len(c.entries) > 128 {
		c.byTag = make(map[int]int, 2*len(c.entries))
		for i, e := range c.entries {
			c.byTag[e.rec.Tag] = i
		}
	}
	if c.byTag != nil {
		i, ok := c.byTag[tag]
		return i, ok
	}
	for i := range c.entries {
		if c.entries[i].rec.Tag == tag {
			return i, true
		}
	}
	return 0, false
}

// build orders the records, splits, checksums and encrypts.
func (c *compiler) build(res *Result) {
	// Order [inferred]: tags 0xFF and above in input order, then the rest by
	// ascending tag. -g leaves sensitive records out here, after every alias
	// has had its say [issue 11].
	recs := make([]Record, 0, len(c.entries)+1)
	for _, e := range c.entries {
		if e.rec.Tag >= 0xFF && !(e.sensitive && c.opt.OmitSensitive) {
			recs = append(recs, e.rec)
		}
	}
	nHigh := len(recs)
	for _, e := range c.entries {
		if e.rec.Tag < 0xFF && !(e.sensitive && c.opt.OmitSensitive) {
			recs = append(recs, e.rec)
		}
	}
	low := recs[nHigh:]
	sort.Slice(low, func(i, j int) bool { return low[i].Tag < low[j].Tag }) // tags are unique here

	key, ok := c.encryptionKey()
	if !ok {
		return
	}
	// The split rule of the original [issue 11]: 8 + payload + 4 per
	// attribute kept from the text (those -g leaves out included) reaching
	// SplitThreshold+1 (2001), or -split. Either way both files are written,
	// even when no record has bit 0x8000 and <output>.ex holds none.
	payload := 0
	for _, r := range recs {
		payload += recordSize(r)
	}
	estimate := 8 + payload + 4*len(c.entries)
	base, ext := recs, []Record(nil)
	if c.opt.ForceSplit || estimate > SplitThreshold {
		if c.opt.ExtensionName == "" {
			c.errorf(c.name, 0, "cannot split profile", "no name for the extension file")
			return
		}
		why := "-split"
		if !c.opt.ForceSplit {
			why = fmt.Sprintf("8 + %d payload bytes + 4 × %d attributes = %d, over %d", payload, len(c.entries), estimate, SplitThreshold)
		}
		c.add(SeverityNote, c.name, 0, "splitting output binary file into 2 files", why)
		base = make([]Record, 0, len(recs)+1)
		ext = []Record{}
		for _, r := range recs {
			if r.Extended {
				ext = append(ext, r)
			} else {
				base = append(base, r)
			}
		}
		base = append(base, Record{Tag: tagExtension, Name: "extension", Value: append([]byte(c.opt.ExtensionName), 0)})
	}
	out, err := encodeFile(base)
	if err != nil {
		c.errorf(c.name, 0, "profile too large", "%v", err)
		return
	}
	var outExt []byte
	if ext != nil {
		if outExt, err = encodeFile(ext); err != nil {
			c.errorf(c.name, 0, "profile too large", "extension: %v", err)
			return
		}
	}
	if key != nil {
		rc4XOR(key, out)
		if outExt != nil {
			rc4XOR(key, outExt)
		}
		res.Encrypted = true
	}
	res.Profile, res.Extension = out, outExt
	res.Records = append(base, ext...)
}

// encryptionKey applies the EncryptKey rule: -e wins; otherwise a non-zero
// EncryptKey in the profile encrypts the file with that key ("cfgfmt will
// automatically encrypt the binary file when this parameter is non-zero"
// [Cisco]) unless -E. Either way the user hears about it: a device that has
// no key yet cannot read an encrypted file.
func (c *compiler) encryptionKey() ([]byte, bool) {
	var ek *entry
	for i := range c.entries {
		if strings.EqualFold(c.entries[i].rec.Name, "EncryptKey") {
			ek = &c.entries[i]
		}
	}
	// The stored value keeps trailing blanks (a string field); the key is
	// read without them, so "EncryptKey:0 " (a Notepad habit) is still no key.
	var keyText string
	if ek != nil {
		keyText = strings.TrimRight(ek.text, " \t")
	}
	nonZero := ek != nil && strings.Trim(strings.TrimPrefix(strings.ToLower(keyText), "0x"), "0") != ""
	switch {
	case c.opt.Key != nil:
		if nonZero {
			c.add(SeverityNote, ek.file, ek.line, "file encrypted with the -e key", "the profile's EncryptKey is stored as data; the device must already hold the -e key to read this file")
		}
		return c.opt.Key, true
	case !nonZero:
		return nil, true
	case c.opt.IgnoreProfileKey:
		c.add(SeverityNote, ek.file, ek.line, "EncryptKey stored, file not encrypted (-E)", "the device will use the new key for the next profile it downloads")
		return nil, true
	}
	key, err := ParseKey(keyText)
	if err != nil {
		c.errorf(ek.file, ek.line, "bad EncryptKey", "%v; use -E to store it without encrypting", err)
		return nil, false
	}
	if len(keyText) > 8 {
		c.add(SeverityWarning, ek.file, ek.line, "EncryptKey longer than 8 hex characters", "the device keeps at most 8")
	}
	c.add(SeverityNote, ek.file, ek.line, "file encrypted with the profile's EncryptKey", "a device that does not hold this key yet (a factory-fresh one) cannot read it; use -E to leave the file unencrypted")
	return key, true
}

const headerSize = 4 + 3 + 4 // "#ata", FF FE 04, checksum, length

func varintSize(v int) int {
	if v < 0x80 {
		return 1
	}
	return 2
}

func appendVarint(b []byte, v int) []byte {
	if v < 0x80 {
		return append(b, byte(v))
	}
	return append(b, byte(0x80|v>>8), byte(v))
}

func recordSize(r Record) int {
	return varintSize(r.Tag) + varintSize(len(r.Value)) + len(r.Value)
}

// encodeFile lays out "#ata", the header record and the payload.
func encodeFile(recs []Record) ([]byte, error) {
	n := 0
	for _, r := range recs {
		n += recordSize(r)
	}
	if n > MaxPayload {
		return nil, fmt.Errorf("payload of %d bytes, the length field holds at most %d", n, MaxPayload)
	}
	out := make([]byte, headerSize, headerSize+n)
	copy(out, "#ata\xff\xfe\x04")
	for _, r := range recs {
		out = appendVarint(out, r.Tag)
		out = appendVarint(out, len(r.Value))
		out = append(out, r.Value...)
	}
	var sum uint16
	for _, b := range out[headerSize:] {
		sum += uint16(b)
	}
	out[7], out[8] = byte(sum>>8), byte(sum)
	out[9], out[10] = byte(n>>8), byte(n)
	return out, nil
}

// appendLower appends s in ASCII lower case (table names are ASCII).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}
