package drop

import (
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// Per-file state is what bounds Open's memory on a TFTP root of many
// per-phone files (issue 16): compact keeps of such files only what the
// rules read, in as few bytes as it can.

// internMax bounds the interner: the strings worth sharing (setting names,
// element paths, load names, locales) come with the first files, and a
// root of a million phones must not grow a million-entry table of the
// values that are each phone's own (numbers, passwords).
const internMax = 1 << 14

// interner hands out one copy of each string it has seen, up to internMax
// distinct strings; past that it hands out copies of their own.
type interner map[string]string

func (in *interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := (*in)[s]; ok {
		return v
	}
	c := strings.Clone(s) // never keep alive the line s was cut from
	if *in == nil {
		*in = make(interner)
	}
	if len(*in) < internMax {
		(*in)[c] = c
	}
	return c
}

// compact drops what no rule reads again from a parsed file: the bytes of
// per-phone configuration files (the parsed entries say all the rules
// ask), the lines the entries were cut from, and the spare capacity of the
// entry slices. Settings repeated across files share one string.
func (o *opener) compact(f *File) {
	switch f.Kind {
	case cisco.KindSIPConfig, cisco.KindMGCPConfig, cisco.KindXMLConfig:
		f.Edit().Data = nil
		if o.summary && isPerPhone(f) {
			o.summarize(f)
			return
		}
	}
	if f.SIP() != nil {
		f.SIP().Entries = o.entries(f.SIP().Entries)
	}
	if x := f.XML(); x != nil {
		x.Root = o.strs.get(x.Root)
		x.Entries = o.entries(x.Entries)
		if cap(x.Loads) > len(x.Loads) {
			x.Loads = append([]cisco.XMLLoad(nil), x.Loads...)
		}
		for i := range x.Loads {
			l := &x.Loads[i]
			l.Element = o.strs.get(l.Element)
			l.Model = o.strs.get(l.Model)
			l.ModelAttr = o.strs.get(l.ModelAttr)
			l.Value = o.strs.get(l.Value)
		}
	}
}

func (o *opener) entries(es []cisco.ConfigEntry) []cisco.ConfigEntry {
	if len(es) == 0 {
		return es
	}
	if cap(es) > len(es) {
		es = append([]cisco.ConfigEntry(nil), es...)
	}
	for i := range es {
		es[i].Name = o.strs.get(es[i].Name)
		es[i].Value = o.strs.get(es[i].Value)
	}
	return es
}
