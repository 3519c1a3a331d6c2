package drop

import (
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/sign"
)

// Drop is a firmware drop or TFTP root read by Open: every file with its
// hash, kind, load name, signed header and parsed content.
type Drop struct {
	Path      string
	Container string  // ContainerDir, ContainerZip, ContainerTar, ContainerTarGz, ContainerTarInZip
	Files     []*File // sorted by Name
	Size      int64   // all files together
	// at is, for a zip or plain tar whose per-phone files Open
	// summarised, each file's container.Entry.At (parallel to Files), and
	// reopen what reads them again (Config); nil otherwise.
	at     []int64
	reopen *reopener
	lim    container.Limits // what Open read with, for ReadFiles
	// (What a phone of each model would load from the drop, one row per
	// configuration entry naming an image, is made when asked for:
	// Phones, EachPhone. A root of a million per-phone files has a row
	// each, which check and pack never read.)
}

// File is one file of a drop. A root of a million per-phone files keeps a
// million of them (issue 16): File holds what every file has, in 80 bytes
// (a size class of its own: mind the field order, no padding); what few
// files have (a signed header, parsed content, problems) is in More, nil
// for the rest, read through the accessors of the same names.
type File struct {
	Name string
	Size int64
	// SHA256 is the file's hash (hex with String, and in JSON).
	SHA256 Sum
	Mode   fs.FileMode
	// Verified is true when OpenOptions.Trust was given and the signed
	// header's signature verifies with one of the keys; VerifyErr says
	// otherwise (without saying more than that it failed).
	Verified bool
	// NewHeader is set when the file starts with the signed header of
	// newer phones (78xx/88xx images and manifests, magic CD 34 12 AB),
	// which phoneload does not parse: such files are listed, not judged.
	NewHeader bool
	// WAV is set when the file starts like a WAV (RIFF/WAVE) file: as a
	// ring it is not the headerless µ-law phones play. Rings are not kept
	// in Data, so Open notes it from the first bytes.
	WAV  bool
	Kind cisco.Kind
	// Phone replaces SIP and XML for the per-phone configuration files of
	// a directory, zip or plain tar (SIP<MAC>.cnf, SEP<MAC>.cnf.xml …):
	// what the rules ask of them, not every setting (Drop.Config reads the
	// file again and parses those).
	Phone *PhoneConfig
	// More holds the fields few files have; nil when none is set. Read
	// them with the accessors (f.Header() …), set them with Edit.
	More *FileMore
}

// FileMore is the part of a File that few files have.
type FileMore struct {
	Load      *cisco.LoadName // the name parsed as a load name, or nil
	Header    *sign.Header    // Cisco signed header, or nil
	HeaderErr string          // why a file that starts like a header did not parse
	// PayloadSHA256 is the hash of the bytes after the signed header: for an
	// .sbn it equals the SHA256 of the .bin beside it. Zero for files
	// without a signed header.
	PayloadSHA256 Sum
	// LoaderID is the 8-character id at payload offset 0x120 of loader
	// images (.bin, .sbn), which .loads files name as LA_VERSION.
	LoaderID  string
	VerifyErr string // why the signed header did not verify (see Verified)
	// Data is the whole content of text kinds (and binary profiles) up to
	// MaxTextSize; nil for images, and nil for per-phone configuration
	// files (SIP, MGCP and XML .cnf), whose parsed form (SIP, XML, Phone)
	// is kept instead: a root holds thousands of them, and no rule reads
	// their bytes again.
	Data []byte

	Loads    *cisco.Loads     // KindLoads: the body after the header
	SIP      *cisco.SIPConfig // KindSIPConfig and KindMGCPConfig
	XML      *cisco.XMLConfig
	OS79XX   *cisco.OS79XX
	Ringlist *cisco.Ringlist
	Dialplan *cisco.Dialplan
	Profile  *cisco.Profile // KindProfileText and KindProfileBinary
	// LoadPointer is a parsed loadNNN.txt (KindLoadPointer).
	LoadPointer *cisco.LoadPointer

	Problems []cisco.Problem // what is wrong inside the file; it is still listed
}

// Edit returns f.More, made when nil, to set a field of it.
func (f *File) Edit() *FileMore {
	if f.More == nil {
		f.More = &FileMore{}
	}
	return f.More
}

// Load is the file's name parsed as a load name, or nil.
func (f *File) Load() *cisco.LoadName {
	if f.More == nil {
		return nil
	}
	return f.More.Load
}

// Header is the file's Cisco signed header, or nil.
func (f *File) Header() *sign.Header {
	if f.More == nil {
		return nil
	}
	return f.More.Header
}

// HeaderErr says why a file that starts like a signed header did not parse.
func (f *File) HeaderErr() string {
	if f.More == nil {
		return ""
	}
	return f.More.HeaderErr
}

// PayloadSHA256 is the hash of the bytes after the signed header (zero
// without one).
func (f *File) PayloadSHA256() Sum {
	if f.More == nil {
		return Sum{}
	}
	return f.More.PayloadSHA256
}

// LoaderID is the 8-character id of a loader image, or "".
func (f *File) LoaderID() string {
	if f.More == nil {
		return ""
	}
	return f.More.LoaderID
}

// VerifyErr says why the signed header did not verify.
func (f *File) VerifyErr() string {
	if f.More == nil {
		return ""
	}
	return f.More.VerifyErr
}

// Data is the content of a text file Open kept (FileMore.Data).
func (f *File) Data() []byte {
	if f.More == nil {
		return nil
	}
	return f.More.Data
}

// Loads is the parsed body of a .loads file.
func (f *File) Loads() *cisco.Loads {
	if f.More == nil {
		return nil
	}
	return f.More.Loads
}

// SIP is the parsed SIP or MGCP configuration, unless summarised (Phone).
func (f *File) SIP() *cisco.SIPConfig {
	if f.More == nil {
		return nil
	}
	return f.More.SIP
}

// XML is the parsed XML configuration, unless summarised (Phone).
func (f *File) XML() *cisco.XMLConfig {
	if f.More == nil {
		return nil
	}
	return f.More.XML
}

// OS79XX is the parsed OS79XX.TXT.
func (f *File) OS79XX() *cisco.OS79XX {
	if f.More == nil {
		return nil
	}
	return f.More.OS79XX
}

// Ringlist is the parsed RINGLIST.DAT (or ringlist XML).
func (f *File) Ringlist() *cisco.Ringlist {
	if f.More == nil {
		return nil
	}
	return f.More.Ringlist
}

// Dialplan is the parsed dial plan.
func (f *File) Dialplan() *cisco.Dialplan {
	if f.More == nil {
		return nil
	}
	return f.More.Dialplan
}

// Profile is the parsed ATA/7905/7912 profile, text or compiled.
func (f *File) Profile() *cisco.Profile {
	if f.More == nil {
		return nil
	}
	return f.More.Profile
}

// LoadPointer is a parsed loadNNN.txt.
func (f *File) LoadPointer() *cisco.LoadPointer {
	if f.More == nil {
		return nil
	}
	return f.More.LoadPointer
}

// Problems are what is wrong inside the file; it is still listed.
func (f *File) Problems() []cisco.Problem {
	if f.More == nil {
		return nil
	}
	return f.More.Problems
}

// Sum is a SHA-256 hash. It prints, and is written in JSON, as lower-case
// hex.
type Sum [sha256.Size]byte

// String returns s in lower-case hex.
func (s Sum) String() string { return hex.EncodeToString(s[:]) }

// IsZero reports whether s is unset.
func (s Sum) IsZero() bool { return s == Sum{} }

// MarshalText writes s as hex.
func (s Sum) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads 64 hex digits.
func (s *Sum) UnmarshalText(b []byte) error {
	p, err := ParseSum(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// ParseSum reads a SHA-256 hash written as 64 hex digits.
func ParseSum(h string) (Sum, error) {
	var s Sum
	if len(h) != 2*len(s) {
		return s, fmt.Errorf("sha256 %q: want %d hex digits", h, 2*len(s))
	}
	if _, err := hex.Decode(s[:], []byte(h)); err != nil {
		return s, fmt.Errorf("sha256 %q: %w", h, err)
	}
	return s, nil
}

// OpenOptions tune Open. The zero value is ready to use.
type OpenOptions struct {
	Limits container.Limits // zero: DefaultLimits
	// Progress, when set, is called with the number of bytes read so far
	// each time a chunk has been read, from one goroutine.
	Progress func(done int64)
	// Trust, when set, verifies every Cisco signed header in the same
	// pass (File.Verified, File.VerifyErr): *rsa.PublicKey,
	// *rsa.PrivateKey or *x509.Certificate, as sign.ParseTrustPEM returns.
	Trust []crypto.PublicKey
	// ProfileTable, when set, names the parameters of binary (#ata)
	// profiles: the tag table (ptag.dat) of the device they are for.
	ProfileTable *cfgfmt.Table
	// Served, when set, maps the root's file paths to the names phones
	// use to reach them through the TFTP server (tftpmap.Map.Served for
	// tftpd-hpa's --map-file): the drop is then the root as phones see
	// it, files renamed, and files no request reaches left out.
	Served func(paths []string) map[string]string
	// KeepSettings keeps the settings of every per-phone configuration
	// file (File.SIP, File.XML) instead of the summary Open otherwise
	// keeps of them (File.Phone) when it can read them again: for a path
	// that will be gone by then, such as stdin spooled to a temporary
	// file. Open keeps them anyway for a Served view and for the files of
	// a tar stream (tar.gz, a tar inside a zip), which cannot be read
	// again one by one.
	KeepSettings bool
}

// MaxTextTotal caps the bytes a drop keeps of its text files (File.Data
// and parsed forms), so that a root of many large "configuration" files
// cannot exhaust memory; text files past it are hashed and listed but not
// parsed. A per-phone configuration file summarised by Open (File.Phone)
// counts the bytes its summary holds, not its size: a root of a million
// phones is judged whole (issue 16).
const MaxTextTotal = 64 << 20

// LoaderIDOffset is where loader images keep their 8-character id, counted
// from the start of the payload.
const LoaderIDOffset = 0x120

// Streaming: files are read in chunks of chunkSize; at most poolChunks
// chunks are in flight, which bounds Open's memory whatever the drop holds.
// Files that fit in one chunk are hashed on the reading goroutine; larger
// ones are hashed by goroutines of their own, so that hashing runs on every
// core while the next file is read (and, for signed files, the whole-file
// and payload hashes run side by side).
const (
	chunkSize     = 128 << 10
	poolChunks    = 8
	inlineHashMax = 64 << 10 // files up to this size are hashed on the reading goroutine
)

// textKinds are kept in File.Data and parsed.
var textKinds = map[cisco.Kind]bool{
	cisco.KindLoads: true, cisco.KindOS79XX: true, cisco.KindSIPConfig: true, cisco.KindMGCPConfig: true,
	cisco.KindXMLConfig: true, cisco.KindRinglist: true, cisco.KindDialplan: true,
	cisco.KindProfileText: true, cisco.KindProfileBinary: true,
	cisco.KindRinglistXML: true, cisco.KindTones: true, cisco.KindSyncInfo: true, cisco.KindImageList: true,
	cisco.KindPhoneXML: true, cisco.KindManifestXML: true, cisco.KindLoadPointer: true,
}

// signedKinds must carry a Cisco signed header. (.sbin images of the
// 7905/7912 are signed in a format of their own, not this header.)
var signedKinds = map[cisco.Kind]bool{
	cisco.KindImageSBN: true, cisco.KindImageSB2: true, cisco.KindLoads: true, cisco.KindTrustList: true,
}

// Open reads the drop at path (a directory, zip, tar or tar inside a zip)
// in one streaming pass over Walk. Problems inside files are recorded on the
// files; errors are for containers that cannot or must not be read. The
// publish journal of a live TFTP root (StateDir) is not part of the drop.
func Open(path string, opts OpenOptions) (*Drop, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	lim := opts.Limits
	// A container that cannot be told apart is refused by Walk below, with
	// the same error; its kind stays empty until then. (A zip of more
	// entries than DetectContainer admits is told apart with lim: Walk
	// reads it.)
	kind, _ := container.DetectContainerLimits(path, lim)
	d := &Drop{Path: path, Container: kind, lim: lim}
	o := newOpener(opts)
	// Per-phone files are summarised when Config can read them again:
	// from the directory by name, from a zip or plain tar file at their
	// Entry.At (Reopener).
	summary := opts.Served == nil && !opts.KeepSettings
	archive := summary && kind != container.ContainerDir
	o.summary = summary && kind == container.ContainerDir
	err := container.WalkAhead(path, lim, func(e container.Entry, r io.Reader) error {
		if InStateDir(e.Name) {
			return nil
		}
		if archive {
			o.summary = e.At != 0
		}
		f, err := o.read(e, r)
		if err != nil {
			return err
		}
		d.Files = append(d.Files, f)
		d.Size += e.Size
		if archive {
			d.at = append(d.at, e.At)
		}
		return nil
	})
	o.wg.Wait()
	if err != nil {
		return nil, err
	}
	if opts.Served != nil {
		d.serve(opts.Served)
	}
	if archive {
		d.reopen = &reopener{path: path}
		sort.Sort(filesAt{d.Files, d.at})
	} else {
		sort.Slice(d.Files, func(i, j int) bool { return d.Files[i].Name < d.Files[j].Name })
	}
	d.markRings()
	return d, nil
}

// opener holds the state of one Open.
type opener struct {
	pool     chan []byte
	wg       sync.WaitGroup
	progress func(int64)
	done     int64
	trust    []crypto.PublicKey
	text     int64 // bytes kept in File.Data so far
	table    *cfgfmt.Table
	strs     interner
	// summary: per-phone configuration files keep a PhoneConfig, not
	// their settings (a directory, zip or plain tar, whose files
	// Drop.Config can read again); set for each file of an archive.
	summary bool
	scratch FileMore                // the More of the file being read (read runs on one goroutine)
	phones  map[string]*PhoneConfig // PhoneConfigs alike, shared
}

func newOpener(opts OpenOptions) *opener {
	o := &opener{pool: make(chan []byte, poolChunks), progress: opts.Progress, trust: opts.Trust, table: opts.ProfileTable}
	for range poolChunks {
		o.pool <- nil // allocated on first use
	}
	return o
}

func (o *opener) getChunk() []byte {
	b := <-o.pool
	if b == nil {
		b = make([]byte, chunkSize)
	}
	return b
}

// readChunk fills a pooled chunk from r: n bytes, the last chunk possibly short.
func (o *opener) readChunk(r io.Reader, left int64) ([]byte, error) {
	b := o.getChunk()
	n := int64(len(b))
	if left < n {
		n = left
	}
	// When the rest of the file fits with a byte to spare, ask for one
	// byte more: a directory's reader then learns the file's end from the
	// short read, and drain after it costs no read of its own (a system
	// call per file of the root).
	var err error
	if n < int64(len(b)) {
		_, err = io.ReadAtLeast(r, b[:n+1], int(n))
	} else {
		_, err = io.ReadFull(r, b[:n])
	}
	if err != nil {
		o.pool <- b
		return nil, err
	}
	o.done += n
	if o.progress != nil {
		o.progress(o.done)
	}
	return b[:n], nil
}

// read consumes one file of the drop.
func (o *opener) read(e container.Entry, r io.Reader) (*File, error) {
	f := &File{Name: e.Name, Size: e.Size, Mode: e.Mode}
	// Fields few files have are gathered in a scratch FileMore, copied
	// out by keep only when one is set.
	o.scratch = FileMore{}
	f.More = &o.scratch
	if ln, ok := cisco.ParseLoadName(e.Name); ok {
		f.Edit().Load = &ln
	}
	head, err := o.readChunk(r, e.Size)
	if err != nil {
		return nil, readErr(e, err)
	}
	f.Kind = cisco.Identify(e.Name, head[:min(len(head), cisco.IdentifyHeadSize)])
	f.WAV = len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE"
	payload := f.inspectHead(head)
	var ps cisco.ProblemList
	ps = append(ps, f.Problems()...)

	keep := textKinds[f.Kind]
	summarised := keep && o.summary && isPerPhone(f)
	switch {
	case keep && e.Size > cisco.MaxTextSize:
		ps.Add(0, "%d bytes, over the %d bytes kept for parsing; content not read", e.Size, cisco.MaxTextSize)
		keep = false
	case keep && !summarised && o.text+e.Size > MaxTextTotal, summarised && o.text > MaxTextTotal:
		ps.Add(0, "not parsed: the drop's text files exceed %d bytes together", MaxTextTotal)
		keep = false
	}
	if keep {
		if !summarised {
			o.text += e.Size // else summarize counts what it keeps
		}
		// Small text: keep it whole, hash it here, parse it.
		f.Edit().Data = make([]byte, 0, e.Size)
		f.Edit().Data = append(f.Data(), head...)
		o.pool <- head[:cap(head)]
		for int64(len(f.Data())) < e.Size {
			c, err := o.readChunk(r, e.Size-int64(len(f.Data())))
			if err != nil {
				return nil, readErr(e, err)
			}
			f.Edit().Data = append(f.Data(), c...)
			o.pool <- c[:cap(c)]
		}
		if err := drain(r); err != nil {
			return nil, readErr(e, err)
		}
		f.SHA256 = sha256.Sum256(f.Data())
		if payload >= 0 {
			f.Edit().PayloadSHA256 = sha256.Sum256(f.Data()[payload:])
			o.verifyBytes(f, f.Data(), f.Data()[payload:])
		}
		f.Edit().Problems = append(ps, f.parse(payload, o.table)...)
		o.compact(f)
		f.More = keepMore(f.More)
		return f, nil
	}
	f.Edit().Problems = ps
	if e.Size <= inlineHashMax {
		// A small file: hashing it here costs less than a hand-off.
		f.SHA256 = sha256.Sum256(head)
		if payload >= 0 {
			f.Edit().PayloadSHA256 = sha256.Sum256(head[payload:])
			o.verifyBytes(f, head, head[payload:])
		}
		o.pool <- head[:cap(head)]
		if err := drain(r); err != nil {
			return nil, readErr(e, err)
		}
		f.checkRingSize()
		f.More = keepMore(f.More)
		return f, nil
	}
	// Large file: stream the chunks to hashing goroutines, which set the
	// hashes (and VerifyErr) after read returns: More is final before.
	f.checkRingSize()
	f.More = keepMore(f.More)
	if payload >= 0 {
		f.Edit() // the hashers write PayloadSHA256 into it
	}
	jobs := []*hashJob{o.hasher(sha256.New(), func(sum []byte) { copy(f.SHA256[:], sum) })}
	if payload >= 0 {
		jobs = append(jobs, o.hasher(sha256.New(), func(sum []byte) { copy(f.More.PayloadSHA256[:], sum) }))
		if dg := o.newDigest(f, head); dg != nil {
			jobs = append(jobs, o.hasher(dg, func(sum []byte) { o.verifySum(f, sum) }))
		}
	}
	send := func(c []byte, skip int) {
		refs := &chunkRef{b: c, pool: o.pool}
		refs.n.Store(int32(len(jobs)))
		for i, j := range jobs {
			// Job 0 hashes the whole file, the others the payload.
			from := skip
			if i == 0 {
				from = 0
			}
			j.ch <- piece{ref: refs, from: from}
		}
	}
	closeAll := func() {
		for _, j := range jobs {
			close(j.ch)
		}
	}
	send(head, max(payload, 0))
	for left := e.Size - int64(len(head)); left > 0; {
		c, err := o.readChunk(r, left)
		if err != nil {
			closeAll()
			return nil, readErr(e, err)
		}
		left -= int64(len(c))
		send(c, 0)
	}
	closeAll()
	if err := drain(r); err != nil {
		return nil, readErr(e, err)
	}
	return f, nil
}

// keepMore returns a copy of m on the heap, or nil when no field is set.
func keepMore(m *FileMore) *FileMore {
	if m == nil || m.Header == nil && m.Load == nil && m.HeaderErr == "" && m.PayloadSHA256.IsZero() && m.LoaderID == "" &&
		m.VerifyErr == "" && m.Data == nil && m.Loads == nil && m.SIP == nil && m.XML == nil && m.OS79XX == nil &&
		m.Ringlist == nil && m.Dialplan == nil && m.Profile == nil && m.LoadPointer == nil && len(m.Problems) == 0 {
		return nil
	}
	c := *m
	return &c
}

// inspectHead parses the signed header and loader id from the first chunk
// and returns the payload offset, or -1 for an unsigned file.
func (f *File) inspectHead(head []byte) int {
	payload := -1
	var ps cisco.ProblemList
	if cisco.HasSignedMagic(head) {
		h, err := sign.ParseHeader(head)
		if err != nil {
			f.Edit().HeaderErr = strings.TrimPrefix(strings.TrimPrefix(err.Error(), "sign: "), "header: ")
			ps.AddAt(0, "signed header: %s", f.HeaderErr())
		} else {
			f.Edit().Header = h
			payload = h.Length
		}
	} else if cisco.HasNewSignedMagic(head) {
		f.NewHeader = true
	} else if signedKinds[f.Kind] {
		ps.AddAt(0, "no Cisco signed header")
	}
	if f.Kind == cisco.KindImageBin || f.Kind == cisco.KindImageSBN {
		at := max(payload, 0) + LoaderIDOffset
		if at+8 <= len(head) && isLoaderID(head[at:at+8]) {
			f.Edit().LoaderID = string(head[at : at+8])
		}
	}
	f.Edit().Problems = ps
	return payload
}

// isLoaderID accepts 8 ASCII letters and digits (PAS30830): strict, so
// that arbitrary image bytes are seldom mistaken for an id.
func isLoaderID(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9') && !('a' <= c|0x20 && c|0x20 <= 'z') {
			return false
		}
	}
	return true
}

// parse runs the parser of f's kind over f.Data.
func (f *File) parse(payload int, table *cfgfmt.Table) []cisco.Problem {
	var ps []cisco.Problem
	switch f.Kind {
	case cisco.KindLoads:
		if f.HeaderErr() != "" || f.NewHeader {
			return nil // the body's start is unknown; the header problem says why
		}
		f.Edit().Loads, ps = cisco.ParseLoads(f.Data()[max(payload, 0):])
		if payload > 0 {
			// Line numbers count from the body; say so once.
			for i := range ps {
				if ps[i].Line > 0 {
					ps[i].Msg = fmt.Sprintf("body line %d: %s", ps[i].Line, ps[i].Msg)
					ps[i].Line = 0
				}
			}
		}
	case cisco.KindSIPConfig, cisco.KindMGCPConfig:
		f.Edit().SIP, ps = cisco.ParseSIPConfig(f.Data())
	case cisco.KindXMLConfig:
		f.Edit().XML, ps = cisco.ParseXMLConfig(f.Data())
	case cisco.KindOS79XX:
		f.Edit().OS79XX, ps = cisco.ParseOS79XX(f.Data())
	case cisco.KindRinglist:
		f.Edit().Ringlist, ps = cisco.ParseRinglist(f.Data())
	case cisco.KindDialplan:
		f.Edit().Dialplan, ps = cisco.ParseDialplan(f.Data())
	case cisco.KindProfileText:
		f.Edit().Profile, ps = cisco.ParseProfileText(f.Data())
	case cisco.KindProfileBinary:
		f.Edit().Profile, ps = cisco.DecodeProfile(table, f.Data())
	case cisco.KindRinglistXML:
		f.Edit().Ringlist, ps = cisco.ParseRinglistXML(f.Data())
	case cisco.KindTones, cisco.KindSyncInfo, cisco.KindImageList, cisco.KindPhoneXML, cisco.KindManifestXML:
		_, ps = cisco.CheckXML(f.Data())
	case cisco.KindLoadPointer:
		f.Edit().LoadPointer, ps = cisco.ParseLoadPointer(f.Data())
	}
	return ps
}

func (f *File) checkRingSize() {
	switch {
	case f.Kind != cisco.KindRing:
	case f.WAV:
		f.Edit().Problems = append(f.Problems(), cisco.Problem{Msg: "a WAV file (RIFF header): phones want headerless 8 kHz µ-law"})
	default:
		if ps := cisco.CheckRing(f.Size); len(ps) > 0 {
			f.Edit().Problems = append(f.Problems(), ps...)
		}
	}
}

// markRings makes files named by RINGLIST.DAT ring files, whatever their
// extension, and checks their length.
func (d *Drop) markRings() {
	for _, rl := range d.Files {
		if rl.Ringlist() == nil {
			continue
		}
		for _, r := range rl.Ringlist().Entries {
			if f := d.File(r.File); f != nil && f.Kind == cisco.KindUnknown {
				f.Kind = cisco.KindRing
				f.checkRingSize()
			}
		}
	}
}

// File returns the file called name (exact, case-sensitive, as TFTP
// servers match), or nil.
func (d *Drop) File(name string) *File {
	i := sort.Search(len(d.Files), func(i int) bool { return d.Files[i].Name >= name })
	if i < len(d.Files) && d.Files[i].Name == name {
		return d.Files[i]
	}
	return nil
}

// FileFold returns the files whose names match name case-insensitively.
func (d *Drop) FileFold(name string) []*File {
	var out []*File
	for _, f := range d.Files {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// chunkRef is a pooled chunk shared by the hashers of one file; the last
// one to finish returns it to the pool.
type chunkRef struct {
	b    []byte
	n    atomic.Int32
	pool chan []byte
}

func (c *chunkRef) release() {
	if c.n.Add(-1) == 0 {
		c.pool <- c.b[:cap(c.b)]
	}
}

type piece struct {
	ref  *chunkRef
	from int // bytes of the chunk to skip (the signed header, for the payload hash)
}

type hashJob struct{ ch chan piece }

// hasher starts a goroutine that writes the pieces sent to it into h and
// calls done with the sum when the channel is closed.
func (o *opener) hasher(h hash.Hash, done func(sum []byte)) *hashJob {
	j := &hashJob{ch: make(chan piece, poolChunks)}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		for p := range j.ch {
			h.Write(p.ref.b[p.from:])
			p.ref.release()
		}
		done(h.Sum(nil))
	}()
	return j
}

// newDigest returns the hash the signature of f covers, fed with the
// header minus its signature record, or nil when nothing is to be verified.
func (o *opener) newDigest(f *File, head []byte) hash.Hash {
	if len(o.trust) == 0 || f.Header() == nil {
		return nil
	}
	dg, err := f.Header().NewDigest(head[:f.Header().Length])
	if err != nil {
		f.Edit().VerifyErr = strings.TrimPrefix(err.Error(), "sign: ")
		return nil
	}
	return dg
}

// verifyBytes verifies a signed file held in memory: head holds the header,
// payload the rest.
func (o *opener) verifyBytes(f *File, head, payload []byte) {
	if dg := o.newDigest(f, head); dg != nil {
		dg.Write(payload)
		o.verifySum(f, dg.Sum(nil))
	}
}

func (o *opener) verifySum(f *File, sum []byte) {
	if err := f.Header().VerifyDigest(sum, o.trust...); err != nil {
		f.Edit().VerifyErr = strings.TrimPrefix(err.Error(), "sign: ")
		return
	}
	f.Verified = true
}

// drain checks that r holds nothing past the declared size (Walk's readers
// report a file that grew or is corrupt only when read to the end).
func drain(r io.Reader) error {
	var one [1]byte
	n, err := r.Read(one[:])
	if n > 0 {
		return errors.New("longer than its declared size")
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

func readErr(e container.Entry, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("bundle: %s: shorter than its declared size %d", e.Name, e.Size)
	}
	if strings.HasPrefix(err.Error(), "bundle: ") {
		return err
	}
	return fmt.Errorf("bundle: %s: %w", e.Name, err)
}

// StateDir is where publish kept its journal before it moved beside the
// root (publish.StateDir: .phoneload-NAME next to ROOT, so that no TFTP
// server serves it); publish migrates it from there. Reading a root, it is
// still skipped, for roots not yet migrated. It held, as the state
// directory now holds:
//
//	lock            held (flock) by the publish or rollback in progress
//	state.json      what the last publish left: every file it owns and its hash
//	txn/            the transaction in progress: journal.json, new/ (staged
//	                files), old/ (the previous content of replaced files)
//	history/<id>/   finished publishes, newest last, for rollback
//
// Every step of a transaction is made durable (file fsync, directory fsync)
// before the next one starts, so a process killed at any instant leaves a
// journal from which the next publish or rollback finishes or undoes the
// transaction. docs/publish.md describes the format.
const StateDir = ".phoneload"

// InStateDir reports whether name lies in the publish journal (StateDir) of
// a live TFTP root: it is phoneload's, not the root's, so pack, inspect and
// check pass it over and verify --root ignores it.
func InStateDir(name string) bool {
	return name == StateDir || strings.HasPrefix(name, StateDir+"/")
}

// serve renames the files to the names phones use through the server
// (OpenOptions.Served) and leaves out the files no request reaches.
func (d *Drop) serve(served func([]string) map[string]string) {
	paths := make([]string, len(d.Files))
	byPath := make(map[string]*File, len(d.Files))
	for i, f := range d.Files {
		paths[i] = f.Name
		byPath[f.Name] = f
	}
	view := served(paths)
	kept := make([]*File, 0, len(view))
	for name, p := range view {
		if f := byPath[p]; f != nil {
			f.Name = name
			kept = append(kept, f)
		}
	}
	d.Files = kept
}
