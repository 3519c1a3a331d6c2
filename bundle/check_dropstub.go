package bundle

// TEMPORARY: a stand-in for the Drop model that branch `parsers` implements
// (tasks/CONTRACTS.md, "Drop model"), with exactly the contracted names, so
// that the check rules compile and their unit tests run before that branch
// is merged. The merge of `parsers` deletes this file.

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/phoneload/phoneload/sign"
)

type Kind string

const (
	KindImageBin      Kind = "image-bin"
	KindImageSBN      Kind = "image-sbn"
	KindImageSB2      Kind = "image-sb2"
	KindLoads         Kind = "loads"
	KindOS79XX        Kind = "os79xx"
	KindSIPConfig     Kind = "sip-config"
	KindMGCPConfig    Kind = "mgcp-config"
	KindXMLConfig     Kind = "xml-config"
	KindRinglist      Kind = "ringlist"
	KindRing          Kind = "ring"
	KindDialplan      Kind = "dialplan"
	KindProfileText   Kind = "profile-text"
	KindProfileBinary Kind = "profile-binary"
	KindImageSBIN     Kind = "image-sbin"
	KindImageZUP      Kind = "image-zup"
	KindTrustList     Kind = "trust-list"
	KindSigned        Kind = "signed"
	KindUnknown       Kind = "unknown"
)

type Protocol string

type Version struct{ Parts []int }

func (v Version) Compare(w Version) int {
	for i := 0; i < len(v.Parts) || i < len(w.Parts); i++ {
		a, b := 0, 0
		if i < len(v.Parts) {
			a = v.Parts[i]
		}
		if i < len(w.Parts) {
			b = w.Parts[i]
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

func (v Version) String() string { return "" }

type LoadName struct {
	Name     string
	Family   string
	Protocol Protocol
	Platform string
	Model    string
	Version  Version
	Signed   bool
}

type Drop struct {
	Path      string
	Container string
	Files     []*File
}

func (d *Drop) File(name string) *File {
	for _, f := range d.Files {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func (d *Drop) FileFold(name string) []*File {
	var out []*File
	for _, f := range d.Files {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

type File struct {
	Name          string
	Size          int64
	Mode          fs.FileMode
	SHA256        string
	Kind          Kind
	Load          *LoadName
	Header        *sign.Header
	HeaderErr     string
	PayloadSHA256 string
	LoaderID      string
	Data          []byte
	Loads         *Loads
	SIP           *SIPConfig
	XML           *XMLConfig
	OS79XX        *OS79XX
	Ringlist      *Ringlist
	Profile       *Profile
	Problems      []Problem
}

type Problem struct {
	Line   int
	Offset int64
	Msg    string
}

type Loads struct {
	Parts     []LoadsPart
	LAVersion string
	CRLF      bool
}

type LoadsPart struct {
	Name          string
	Line          int
	TrailingSpace bool
}

type SIPConfig struct{ Entries []ConfigEntry }

func (c *SIPConfig) Get(name string) (ConfigEntry, bool) {
	var e ConfigEntry
	ok := false
	for _, x := range c.Entries {
		if strings.EqualFold(x.Name, name) {
			e, ok = x, true
		}
	}
	return e, ok
}

type ConfigEntry struct {
	Name, Value string
	Line        int
	Quoted      bool
}

type XMLConfig struct{ Loads []XMLLoad }

type XMLLoad struct {
	Element string
	ModelID int
	Model   string
	Value   string
	Line    int
}

type OS79XX struct {
	Name          string
	Lines         int
	TrailingSpace bool
	CRLF          bool
	Extension     string
}

type Ringlist struct{ Entries []Ring }

type Ring struct {
	Display, File string
	Line          int
}

type Profile struct {
	Binary   bool
	Params   []ConfigEntry
	Upgrades []UpgradeCode
}

type UpgradeCode struct {
	Name                                    string
	Fields                                  int
	Policy                                  int
	Hardware, SoftwareType, SoftwareVersion uint32
	TFTP                                    string
	Port                                    int
	ImageID                                 uint32
	File                                    string
	Line                                    int
}

type OpenOptions struct{}

func Open(path string, opts OpenOptions) (*Drop, error) {
	return nil, errors.New("bundle: Open arrives with branch parsers")
}
