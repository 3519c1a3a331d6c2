package drop

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
)

// PhoneConfig is what Open keeps of a per-phone configuration file
// (SIP<MAC>.cnf, MGC<MAC>.cnf, SEP<MAC>.cnf.xml) read from a directory,
// a zip or a plain tar (OpenOptions.KeepSettings):
// not its settings, which a root of a million phones cannot hold (issue
// 16), but what the rules and the phones table ask of them, worked out
// while the file was parsed. Files alike (the same load, dial template,
// lines and setting count: per-phone files are written from templates)
// share one PhoneConfig: read it, never write into it.
// Drop.Config parses the file again when every setting is wanted.
type PhoneConfig struct {
	// Settings counts the file's entries (SIP: settings; XML: elements
	// holding text).
	Settings int
	// Keys holds the last image_version and dial_template entries of a
	// SIP or MGCP file (what SIPConfig.Get returns for them).
	Keys []cisco.ConfigEntry
	// Duplicates are the settings given twice with different values
	// (SIP, MGCP), as SettingDuplicates finds them.
	Duplicates []Duplicate
	// XML is set for SEP<MAC>.cnf.xml; then Root is the root element,
	// Loads every loadInformation element and DialTemplates the
	// dialTemplate elements (entries whose base name is dialTemplate).
	XML           bool
	Root          string
	Loads         []cisco.XMLLoad
	DialTemplates []cisco.ConfigEntry
}

// phoneKeys are the SIP settings PhoneConfig.Keys keeps.
var phoneKeys = []string{"image_version", "dial_template"}

// Get returns the image_version or dial_template entry as SIPConfig.Get
// would; other names are not kept and are never found.
func (p *PhoneConfig) Get(name string) (cisco.ConfigEntry, bool) {
	if p == nil {
		return cisco.ConfigEntry{}, false
	}
	for _, e := range p.Keys {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return cisco.ConfigEntry{}, false
}

// Duplicate is a setting a SIP or MGCP configuration gives again with
// another value: the phone takes the last.
type Duplicate struct {
	Name      string // as written on Line
	Line      int
	FirstLine int    // the previous entry of that name (case ignored)
	First     string // its value; "" when Secret
	Value     string // "" when Secret
	Secret    bool   // a password or key (IsSecretName): values not kept
}

// SettingDuplicates lists the entries that set a name (case ignored)
// already set to another value, each against the entry before it.
func SettingDuplicates(entries []cisco.ConfigEntry) []Duplicate {
	var out []Duplicate
	var prev map[string]cisco.ConfigEntry
	for _, e := range entries {
		if prev == nil {
			prev = make(map[string]cisco.ConfigEntry, len(entries))
		}
		k := strings.ToLower(e.Name)
		if p, ok := prev[k]; ok && p.Value != e.Value {
			d := Duplicate{Name: e.Name, Line: e.Line, FirstLine: p.Line, First: p.Value, Value: e.Value}
			if IsSecretName(e.Name) {
				d.Secret, d.First, d.Value = true, "", ""
			}
			out = append(out, d)
		}
		prev[k] = e
	}
	return out
}

// ImageVersion returns the image_version entry of a SIP or MGCP
// configuration, parsed or summarised.
func (f *File) ImageVersion() (cisco.ConfigEntry, bool) {
	if f.SIP() != nil {
		return f.SIP().Get("image_version")
	}
	return f.Phone.sipGet("image_version")
}

// DialTemplate returns the dial_template entry of a SIP or MGCP
// configuration, parsed or summarised.
func (f *File) DialTemplate() (cisco.ConfigEntry, bool) {
	if f.SIP() != nil {
		return f.SIP().Get("dial_template")
	}
	return f.Phone.sipGet("dial_template")
}

func (p *PhoneConfig) sipGet(name string) (cisco.ConfigEntry, bool) {
	if p == nil || p.XML {
		return cisco.ConfigEntry{}, false
	}
	return p.Get(name)
}

// IsSIP reports whether f is a parsed SIP or MGCP configuration (whole or
// summarised).
func (f *File) IsSIP() bool { return f.SIP() != nil || f.Phone != nil && !f.Phone.XML }

// IsXML reports whether f is a parsed XML configuration (whole or
// summarised).
func (f *File) IsXML() bool { return f.XML() != nil || f.Phone != nil && f.Phone.XML }

// XMLLoads returns the loadInformation elements of an XML configuration,
// parsed or summarised.
func (f *File) XMLLoads() []cisco.XMLLoad {
	if f.XML() != nil {
		return f.XML().Loads
	}
	if f.Phone != nil {
		return f.Phone.Loads
	}
	return nil
}

// XMLDialTemplates returns the dialTemplate entries of an XML
// configuration (base name dialTemplate), parsed or summarised.
func (f *File) XMLDialTemplates() []cisco.ConfigEntry {
	if f.XML() != nil {
		return xmlDialTemplates(f.XML().Entries)
	}
	if f.Phone != nil {
		return f.Phone.DialTemplates
	}
	return nil
}

func xmlDialTemplates(es []cisco.ConfigEntry) []cisco.ConfigEntry {
	var out []cisco.ConfigEntry
	for _, e := range es {
		if e.Name != "" && cisco.BaseName(e.Name) == "dialTemplate" {
			out = append(out, e)
		}
	}
	return out
}

// Duplicates returns the settings of a SIP or MGCP configuration given
// twice with different values (SettingDuplicates).
func (f *File) Duplicates() []Duplicate {
	if f.SIP() != nil {
		return SettingDuplicates(f.SIP().Entries)
	}
	if f.Phone != nil {
		return f.Phone.Duplicates
	}
	return nil
}

// isPerPhone reports whether a configuration file is one phone's own
// (not SIPDefault.cnf, MGCDefault.cnf, XMLDefault.cnf.xml).
func isPerPhone(f *File) bool {
	switch f.Kind {
	case cisco.KindSIPConfig, cisco.KindMGCPConfig, cisco.KindXMLConfig:
	default:
		return false
	}
	switch strings.ToLower(path.Base(f.Name)) {
	case "sipdefault.cnf", "mgcdefault.cnf", "xmldefault.cnf.xml":
		return false
	}
	return true
}

// summarize replaces the parsed settings of a per-phone file by its
// PhoneConfig, shared with files alike.
func (o *opener) summarize(f *File) {
	p := &PhoneConfig{}
	switch {
	case f.SIP() != nil:
		p.Settings = len(f.SIP().Entries)
		for _, k := range phoneKeys {
			if e, ok := f.SIP().Get(k); ok {
				p.Keys = append(p.Keys, e)
			}
		}
		p.Duplicates = SettingDuplicates(f.SIP().Entries)
	case f.XML() != nil:
		p.Settings = len(f.XML().Entries)
		p.XML = true
		p.Root = f.XML().Root
		p.Loads = f.XML().Loads
		p.DialTemplates = xmlDialTemplates(f.XML().Entries)
	default:
		return
	}
	f.Edit().SIP, f.Edit().XML = nil, nil
	key := p.key()
	if s, ok := o.phones[key]; ok {
		f.Phone = s
		return
	}
	// First of its kind: re-home its strings (never pin the file's text).
	for i := range p.Keys {
		p.Keys[i].Name, p.Keys[i].Value = o.strs.get(p.Keys[i].Name), o.strs.get(p.Keys[i].Value)
	}
	for i := range p.Duplicates {
		d := &p.Duplicates[i]
		d.Name, d.First, d.Value = o.strs.get(d.Name), strings.Clone(d.First), strings.Clone(d.Value)
	}
	p.Root = o.strs.get(p.Root)
	if p.Loads != nil {
		p.Loads = append([]cisco.XMLLoad(nil), p.Loads...)
	}
	for i := range p.Loads {
		l := &p.Loads[i]
		l.Element, l.Model, l.ModelAttr, l.Value = o.strs.get(l.Element), o.strs.get(l.Model), o.strs.get(l.ModelAttr), o.strs.get(l.Value)
	}
	for i := range p.DialTemplates {
		p.DialTemplates[i].Name, p.DialTemplates[i].Value = o.strs.get(p.DialTemplates[i].Name), o.strs.get(p.DialTemplates[i].Value)
	}
	if o.phones == nil {
		o.phones = map[string]*PhoneConfig{}
	}
	if len(o.phones) < internMax && len(p.Duplicates) == 0 {
		o.phones[key] = p
	}
	f.Phone = p
	o.text += p.bytes()
}

// bytes is about what p holds, for MaxTextTotal.
func (p *PhoneConfig) bytes() int64 {
	n := 96 + 48*len(p.Keys) + 80*len(p.Loads) + 48*len(p.DialTemplates)
	for _, d := range p.Duplicates {
		n += 96 + len(d.First) + len(d.Value)
	}
	return int64(n)
}

// key is a PhoneConfig's content, to share it between files alike.
func (p *PhoneConfig) key() string {
	var b []byte
	str := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	num := func(n int) {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
	}
	entry := func(e cisco.ConfigEntry) {
		str(e.Name)
		str(e.Value)
		num(e.Line)
		if e.Quoted {
			b = append(b, 'q')
		}
	}
	num(p.Settings)
	if p.XML {
		b = append(b, 'X')
	}
	str(p.Root)
	b = append(b, 'k')
	for _, e := range p.Keys {
		entry(e)
	}
	b = append(b, 'd')
	for _, d := range p.Duplicates {
		str(d.Name)
		num(d.Line)
		num(d.FirstLine)
		str(d.First)
		str(d.Value)
	}
	b = append(b, 'l')
	for _, l := range p.Loads {
		str(l.Element)
		num(l.ModelID)
		str(l.Model)
		str(l.ModelAttr)
		str(l.Value)
		num(l.Line)
	}
	b = append(b, 't')
	for _, e := range p.DialTemplates {
		entry(e)
	}
	return string(b)
}

// Config returns the parsed settings of a SIP, MGCP or XML configuration
// file: those Open kept, or, for a per-phone file Open summarised
// (File.Phone), parsed again from the directory, zip or tar file, after
// checking that the file still holds the bytes Open read.
func (d *Drop) Config(f *File) (*cisco.SIPConfig, *cisco.XMLConfig, error) {
	if f.Phone == nil {
		return f.SIP(), f.XML(), nil
	}
	var b []byte
	var err error
	if d.reopen != nil {
		b, err = d.readAgain(f)
	} else {
		b, err = d.readFile(f)
	}
	if err != nil {
		return nil, nil, err
	}
	if int64(len(b)) != f.Size || sha256.Sum256(b) != f.SHA256 {
		return nil, nil, fmt.Errorf("bundle: %s: changed since it was read", f.Name)
	}
	switch f.Kind {
	case cisco.KindSIPConfig, cisco.KindMGCPConfig:
		c, _ := cisco.ParseSIPConfig(b)
		return c, nil, nil
	case cisco.KindXMLConfig:
		c, _ := cisco.ParseXMLConfig(b)
		return nil, c, nil
	}
	return nil, nil, errors.New("bundle: " + f.Name + ": not a configuration file")
}

// readFile reads f again from the directory d is.
func (d *Drop) readFile(f *File) ([]byte, error) {
	// Read no more than the size Open saw: Config's hash check refuses
	// whatever else the path may lead to now.
	r, err := os.Open(filepath.Join(d.Path, filepath.FromSlash(f.Name)))
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, f.Size+1))
	r.Close()
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", f.Name, err)
	}
	return b, nil
}

// reopener reads the files of a zip or plain tar again (Config), through
// a container.Reopener made on first use.
type reopener struct {
	path string
	once sync.Once
	re   *container.Reopener
	err  error
}

// filesAt sorts a drop's files and their Entry.At together.
type filesAt struct {
	files []*File
	at    []int64
}

func (s filesAt) Len() int           { return len(s.files) }
func (s filesAt) Less(i, j int) bool { return s.files[i].Name < s.files[j].Name }
func (s filesAt) Swap(i, j int) {
	s.files[i], s.files[j] = s.files[j], s.files[i]
	s.at[i], s.at[j] = s.at[j], s.at[i]
}

// readAgain reads f again from the zip or tar file d was opened from, at
// the place Walk found it.
func (d *Drop) readAgain(f *File) ([]byte, error) {
	i := sort.Search(len(d.Files), func(i int) bool { return d.Files[i].Name >= f.Name })
	if i >= len(d.Files) || d.Files[i] != f || i >= len(d.at) || d.at[i] == 0 {
		return nil, fmt.Errorf("bundle: %s: not a file of %s to read again", f.Name, d.Path)
	}
	ro := d.reopen
	ro.once.Do(func() { ro.re, ro.err = container.NewReopener(ro.path) })
	if ro.err != nil {
		return nil, ro.err
	}
	r, closeFn, err := ro.re.Open(d.at[i], f.Size)
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: changed since it was read: %w", f.Name, err)
	}
	b := make([]byte, f.Size)
	_, err = io.ReadFull(r, b)
	if err == nil {
		err = drain(r)
	}
	if cerr := closeFn(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: %s: changed since it was read: %w", f.Name, err)
	}
	return b, nil
}

// ReadFiles calls fn for each file of names (files of d; others are
// skipped) again, in name order: from a directory by name, without
// walking the rest of the tree (a root of a million files, of which check
// wants a few images again; container.ReadListed); from an archive by
// walking it with the limits Open read it with. A file that changed since
// Open read it is an error, as in Walk (container.ErrChanged), and ends
// the reading.
func (d *Drop) ReadFiles(names []string, fn container.WalkFunc) error {
	want := map[string]int64{}
	for _, n := range names {
		if f := d.File(n); f != nil {
			want[n] = f.Size
		}
	}
	if len(want) == 0 {
		return nil
	}
	if d.Container != container.ContainerDir {
		return container.Walk(d.Path, d.lim, func(e container.Entry, r io.Reader) error {
			if _, ok := want[e.Name]; !ok {
				return nil
			}
			return fn(e, r)
		})
	}
	files := make([]container.Entry, 0, len(want))
	for _, n := range slices.Sorted(maps.Keys(want)) {
		files = append(files, container.Entry{Name: n, Size: want[n]})
	}
	return container.ReadListed(d.Path, files, fn)
}
