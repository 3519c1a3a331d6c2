package drop

import (
	"crypto"
	"encoding/hex"
	"path"
	"strconv"
	"strings"

	"github.com/phoneload/phoneload/bundle/cisco"
)

// InspectSchema names the version of the `phoneload inspect --json` output
// (docs/inspect.md). It changes only when a field changes meaning or goes.
const InspectSchema = "phoneload.inspect/v1"

// Inspection is one drop as `phoneload inspect --json` prints it: a stable,
// documented view of the Drop model (docs/inspect.md).
type Inspection struct {
	Path      string        `json:"path"`
	Container string        `json:"container"`
	Size      int64         `json:"size"`
	Files     []InspectFile `json:"files"`
	Phones    []PhoneLoad   `json:"phones"`
	// Problems counts the problems of every file together.
	Problems int `json:"problems"`
	// Unverified counts signed files that did not verify (only with --trust).
	Unverified int `json:"unverified,omitempty"`
}

// InspectFile is one file of an Inspection.
type InspectFile struct {
	Name          string          `json:"name"`
	Size          int64           `json:"size"`
	Kind          cisco.Kind      `json:"kind"`
	SHA256        string          `json:"sha256"`
	Load          *cisco.LoadName `json:"load,omitempty"`
	Header        *InspectHeader  `json:"header,omitempty"`
	HeaderError   string          `json:"header_error,omitempty"`
	PayloadSHA256 string          `json:"payload_sha256,omitempty"`
	// PayloadMatchesBin, for an .sbn with its .bin beside it, says whether
	// the signed payload is that .bin byte for byte.
	PayloadMatchesBin *bool  `json:"payload_matches_bin,omitempty"`
	LoaderID          string `json:"loader_id,omitempty"`
	// Verified is present only when keys were given with --trust.
	Verified    *bool  `json:"verified,omitempty"`
	VerifyError string `json:"verify_error,omitempty"`

	Loads    *InspectLoads    `json:"loads,omitempty"`
	OS79XX   *cisco.OS79XX    `json:"os79xx,omitempty"`
	SIP      *cisco.SIPConfig `json:"sip,omitempty"`
	XML      *cisco.XMLConfig `json:"xml,omitempty"`
	Ringlist *cisco.Ringlist  `json:"ringlist,omitempty"`
	Dialplan *cisco.Dialplan  `json:"dialplan,omitempty"`
	Profile  *cisco.Profile   `json:"profile,omitempty"`
	Problems []cisco.Problem  `json:"problems,omitempty"`
	// Phone is set by InspectBrief instead of SIP and XML for a per-phone
	// file Open summarised: what the text view prints of it, without
	// parsing it again. Not part of the JSON.
	Phone *PhoneConfig `json:"-"`
}

// InspectHeader is the Cisco signed header of a file.
type InspectHeader struct {
	Version       string `json:"version"` // "1.1"
	Length        int    `json:"length"`  // header length = payload offset
	Signer        string `json:"signer"`
	Serial        string `json:"serial"` // hex
	Issuer        string `json:"issuer"`
	Hash          string `json:"hash"` // "sha1", "sha256", "sha512"
	Algorithm     int    `json:"algorithm"`
	KeyBits       int    `json:"key_bits"`
	FileName      string `json:"file_name"`
	FileNameMatch bool   `json:"file_name_matches"` // the header names this very file
	Timestamp     uint32 `json:"timestamp,omitempty"`
}

// InspectLoads is a .loads body with each part looked up in the drop.
type InspectLoads struct {
	Parts     []InspectPart `json:"parts"`
	LAVersion string        `json:"la_version,omitempty"`
	CRLF      bool          `json:"crlf"`
	Missing   int           `json:"missing"`
}

// InspectPart is one part of a .loads.
type InspectPart struct {
	cisco.LoadsPart
	Present bool `json:"present"`
}

var hashNames = map[crypto.Hash]string{crypto.SHA1: "sha1", crypto.SHA256: "sha256", crypto.SHA512: "sha512"}

// Inspect returns the documented view of d. verified says whether the drop
// was opened with trusted keys (so that Verified is meaningful).
// It fails only when a per-phone file summarised by Open cannot be read
// again (Drop.Config).
func Inspect(d *Drop, verified bool) (*Inspection, error) {
	return inspect(d, verified, false)
}

// InspectBrief is Inspect without the settings of the per-phone files
// Open summarised (InspectFile.Phone instead of SIP and XML): inspect's
// text view, which prints only their count and image_version.
func InspectBrief(d *Drop, verified bool) (*Inspection, error) {
	return inspect(d, verified, true)
}

func inspect(d *Drop, verified, brief bool) (*Inspection, error) {
	in := InspectHead(d, verified)
	if ph := d.Phones(); ph != nil {
		in.Phones = ph
	}
	in.Files = make([]InspectFile, 0, len(d.Files))
	err := inspectFiles(d, verified, brief, func(v InspectFile) error {
		in.Files = append(in.Files, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// InspectHead returns the Inspection of d without its files and phones
// (Files and Phones are empty): with InspectFiles and Drop.EachPhone, a
// drop of a million files is printed one row at a time instead of held
// whole twice (issue 16).
func InspectHead(d *Drop, verified bool) *Inspection {
	in := &Inspection{Path: d.Path, Container: d.Container, Size: d.Size, Files: []InspectFile{}, Phones: []PhoneLoad{}}
	for _, f := range d.Files {
		in.Problems += len(f.Problems())
		if verified && f.Header() != nil && !f.Verified {
			in.Unverified++
		}
	}
	return in
}

// InspectFiles calls fn with the row of each file of d, in order, and
// stops at the first error fn returns.
func InspectFiles(d *Drop, verified bool, fn func(InspectFile) error) error {
	return inspectFiles(d, verified, false, fn)
}

// InspectFilesBrief is InspectFiles with the rows of InspectBrief: the
// per-phone files Open summarised are not parsed again (inspect's text
// view, which reads the rows more than once).
func InspectFilesBrief(d *Drop, verified bool, fn func(InspectFile) error) error {
	return inspectFiles(d, verified, true, fn)
}

func inspectFiles(d *Drop, verified, brief bool, fn func(InspectFile) error) error {
	var secrets map[string]bool // only compiled profiles need them
	for _, f := range d.Files {
		if f.Profile() != nil && f.Profile().Binary {
			var err error
			if secrets, err = secretValues(d); err != nil {
				return err
			}
			break
		}
	}
	for _, f := range d.Files {
		v := InspectFile{
			Name: f.Name, Size: f.Size, Kind: f.Kind, SHA256: f.SHA256.String(), Load: f.Load(),
			HeaderError: f.HeaderErr(), PayloadSHA256: sumOrEmpty(f.PayloadSHA256()), LoaderID: f.LoaderID(),
			OS79XX: f.OS79XX(), SIP: f.SIP(), XML: f.XML(), Ringlist: f.Ringlist(), Dialplan: f.Dialplan(), Profile: f.Profile(),
			Problems: f.Problems(),
		}
		var sip *cisco.SIPConfig
		var xml *cisco.XMLConfig
		if brief && f.Phone != nil {
			v.Phone = f.Phone
		} else {
			var err error
			if sip, xml, err = d.Config(f); err != nil {
				return err
			}
		}
		if sip != nil {
			v.SIP = &cisco.SIPConfig{Entries: redact(sip.Entries)}
		}
		if xml != nil {
			x := *xml
			x.Entries = redact(x.Entries)
			v.XML = &x
		}
		if f.Profile() != nil {
			p := *f.Profile()
			p.Params = redact(p.Params)
			if p.Binary {
				p.Params = redactUnnamed(p.Params, secrets)
			}
			v.Profile = &p
		}
		if h := f.Header(); h != nil {
			v.Header = &InspectHeader{
				Version: fmtHeaderVersion(h.Version), Length: h.Length, Signer: h.Signer, Serial: hex.EncodeToString(h.Serial),
				Issuer: h.Issuer, Hash: hashNames[h.Hash], Algorithm: h.Algorithm, KeyBits: h.KeySize * 8,
				FileName: h.FileName, FileNameMatch: h.FileName == path.Base(f.Name), Timestamp: h.Timestamp,
			}
			if verified {
				ok := f.Verified
				v.Verified, v.VerifyError = &ok, f.VerifyErr()
			}
		}
		if f.Kind == cisco.KindImageSBN && f.Load() != nil && !f.PayloadSHA256().IsZero() {
			if bin := d.File(path.Join(path.Dir(f.Name), f.Load().Name+".bin")); bin != nil {
				same := bin.SHA256 == f.PayloadSHA256()
				v.PayloadMatchesBin = &same
			}
		}
		if f.Loads() != nil {
			l := &InspectLoads{Parts: []InspectPart{}, LAVersion: f.Loads().LAVersion, CRLF: f.Loads().CRLF}
			for _, p := range f.Loads().Parts {
				// Phones ask for parts by name at the TFTP root.
				present := d.File(p.Name) != nil
				if !present {
					l.Missing++
				}
				l.Parts = append(l.Parts, InspectPart{LoadsPart: p, Present: present})
			}
			v.Loads = l
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// secretWords mark settings whose values Inspect does not print:
// passwords and keys end up in logs and tickets.
var secretWords = []string{"password", "passwd", "pwd", "secret", "encryptkey", "privatekey"}

// Redacted replaces the value of secret settings in Inspect's output.
const Redacted = "(redacted)"

// redact returns entries with the values of secret settings replaced.
func redact(entries []cisco.ConfigEntry) []cisco.ConfigEntry {
	out := make([]cisco.ConfigEntry, len(entries))
	for i, e := range entries {
		out[i] = e
		if e.Value != "" && IsSecretName(e.Name) {
			out[i].Value = Redacted
		}
	}
	return out
}

// secretValues are the values of the drop's secret settings, read from
// the files that name them (text profiles, SIP and XML configuration).
func secretValues(d *Drop) (map[string]bool, error) {
	m := map[string]bool{}
	add := func(es []cisco.ConfigEntry) {
		for _, e := range es {
			if e.Value != "" && IsSecretName(e.Name) {
				m[e.Value] = true
			}
		}
	}
	for _, f := range d.Files {
		sip, xml, err := d.Config(f)
		if err != nil {
			return nil, err
		}
		switch {
		case sip != nil:
			add(sip.Entries)
		case xml != nil:
			add(xml.Entries)
		case f.Profile() != nil:
			add(f.Profile().Params)
		}
	}
	return m, nil
}

// redactUnnamed hides, in a compiled profile read without a tag table
// (records named "tag:0x0021"), the values that are secret somewhere in
// the drop: a gk<mac> beside its gk<mac>.txt would otherwise print the
// password the .txt's PWD line has redacted. A compiled profile whose
// source is not in the drop needs --table for its secrets to be known.
func redactUnnamed(entries []cisco.ConfigEntry, secrets map[string]bool) []cisco.ConfigEntry {
	for i, e := range entries {
		if strings.HasPrefix(e.Name, "tag:") && secrets[e.Value] {
			entries[i].Value = Redacted
		}
	}
	return entries
}

// IsSecretName reports whether a setting's value must not be printed.
func IsSecretName(name string) bool {
	lower := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// fmtHeaderVersion prints 0x0101 as "1.1".
func fmtHeaderVersion(v uint16) string {
	return strconv.Itoa(int(v>>8)) + "." + strconv.Itoa(int(v&0xff))
}

// sumOrEmpty is s in hex, or "" when s is unset.
func sumOrEmpty(s Sum) string {
	if s.IsZero() {
		return ""
	}
	return s.String()
}
