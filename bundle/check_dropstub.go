package bundle

// TEMPORARY: a stand-in for the rest of the Drop model that branch `parsers`
// implements (tasks/CONTRACTS.md, "Drop model"): Drop, File and Open, with
// exactly the contracted names, so that check compiles and its unit tests run
// before that part is merged. The merge that brings Open deletes this file.

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/phoneload/phoneload/sign"
)

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

type OpenOptions struct{}

func Open(path string, opts OpenOptions) (*Drop, error) {
	return nil, errors.New("bundle: Open arrives with branch parsers")
}
