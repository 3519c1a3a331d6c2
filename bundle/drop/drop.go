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
	// Phones says what a phone of each model would load from this drop,
	// one row per configuration entry that names an image.
	Phones []PhoneLoad
}

// File is one file of a drop.
type File struct {
	Name string
	Size int64
	Mode fs.FileMode
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
	WAV bool
	// (The bools sit beside Mode so that File stays in a smaller size
	// class: a root of a million per-phone files keeps a million of them.)

	SHA256    string // hex
	Kind      cisco.Kind
	Load      *cisco.LoadName // the name parsed as a load name, or nil
	Header    *sign.Header    // Cisco signed header, or nil
	HeaderErr string          // why a file that starts like a header did not parse
	// PayloadSHA256 is the hash of the bytes after the signed header: for an
	// .sbn it equals the SHA256 of the .bin beside it.
	PayloadSHA256 string
	// LoaderID is the 8-character id at payload offset 0x120 of loader
	// images (.bin, .sbn), which .loads files name as LA_VERSION.
	LoaderID  string
	VerifyErr string // why the signed header did not verify (see Verified)
	// Data is the whole content of text kinds (and binary profiles) up to
	// MaxTextSize; nil for images, and nil for per-phone configuration
	// files (SIP, MGCP and XML .cnf), whose parsed form (SIP, XML) is kept
	// instead: a root holds thousands of them, and no rule reads their
	// bytes again.
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
}

// MaxTextTotal caps the bytes of the text files one drop reads to parse
// (kept in File.Data or, for per-phone configurations, dropped once parsed), so
// that a root of many large "configuration" files cannot exhaust memory;
// text files past it are hashed and listed but not parsed.
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
	chunkSize     = 256 << 10
	poolChunks    = 24
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
	// the same error; its kind stays empty until then.
	kind, _ := container.DetectContainer(path)
	d := &Drop{Path: path, Container: kind}
	o := newOpener(opts)
	err := container.Walk(path, lim, func(e container.Entry, r io.Reader) error {
		if InStateDir(e.Name) {
			return nil
		}
		f, err := o.read(e, r)
		if err != nil {
			return err
		}
		d.Files = append(d.Files, f)
		d.Size += e.Size
		return nil
	})
	o.wg.Wait()
	if err != nil {
		return nil, err
	}
	if opts.Served != nil {
		d.serve(opts.Served)
	}
	sort.Slice(d.Files, func(i, j int) bool { return d.Files[i].Name < d.Files[j].Name })
	d.markRings()
	d.Phones = d.phoneLoads()
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
	if _, err := io.ReadFull(r, b[:n]); err != nil {
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
	if ln, ok := cisco.ParseLoadName(e.Name); ok {
		f.Load = &ln
	}
	head, err := o.readChunk(r, e.Size)
	if err != nil {
		return nil, readErr(e, err)
	}
	f.Kind = cisco.Identify(e.Name, head[:min(len(head), cisco.IdentifyHeadSize)])
	f.WAV = len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WAVE"
	payload := f.inspectHead(head)
	var ps cisco.ProblemList
	ps = append(ps, f.Problems...)

	keep := textKinds[f.Kind]
	switch {
	case keep && e.Size > cisco.MaxTextSize:
		ps.Add(0, "%d bytes, over the %d bytes kept for parsing; content not read", e.Size, cisco.MaxTextSize)
		keep = false
	case keep && o.text+e.Size > MaxTextTotal:
		ps.Add(0, "not parsed: the drop's text files exceed %d bytes together", MaxTextTotal)
		keep = false
	}
	if keep {
		o.text += e.Size
		// Small text: keep it whole, hash it here, parse it.
		f.Data = make([]byte, 0, e.Size)
		f.Data = append(f.Data, head...)
		o.pool <- head[:cap(head)]
		for int64(len(f.Data)) < e.Size {
			c, err := o.readChunk(r, e.Size-int64(len(f.Data)))
			if err != nil {
				return nil, readErr(e, err)
			}
			f.Data = append(f.Data, c...)
			o.pool <- c[:cap(c)]
		}
		if err := drain(r); err != nil {
			return nil, readErr(e, err)
		}
		f.SHA256 = hexSum(sha256.Sum256(f.Data))
		if payload >= 0 {
			f.PayloadSHA256 = hexSum(sha256.Sum256(f.Data[payload:]))
			o.verifyBytes(f, f.Data, f.Data[payload:])
		}
		f.Problems = append(ps, f.parse(payload, o.table)...)
		o.compact(f)
		return f, nil
	}
	f.Problems = ps
	if e.Size <= inlineHashMax {
		// A small file: hashing it here costs less than a hand-off.
		f.SHA256 = hexSum(sha256.Sum256(head))
		if payload >= 0 {
			f.PayloadSHA256 = hexSum(sha256.Sum256(head[payload:]))
			o.verifyBytes(f, head, head[payload:])
		}
		o.pool <- head[:cap(head)]
		if err := drain(r); err != nil {
			return nil, readErr(e, err)
		}
		f.checkRingSize()
		return f, nil
	}
	// Large file: stream the chunks to hashing goroutines.
	jobs := []*hashJob{o.hasher(sha256.New(), func(sum []byte) { f.SHA256 = hex.EncodeToString(sum) })}
	if payload >= 0 {
		jobs = append(jobs, o.hasher(sha256.New(), func(sum []byte) { f.PayloadSHA256 = hex.EncodeToString(sum) }))
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
	f.checkRingSize()
	return f, nil
}

// inspectHead parses the signed header and loader id from the first chunk
// and returns the payload offset, or -1 for an unsigned file.
func (f *File) inspectHead(head []byte) int {
	payload := -1
	var ps cisco.ProblemList
	if cisco.HasSignedMagic(head) {
		h, err := sign.ParseHeader(head)
		if err != nil {
			f.HeaderErr = strings.TrimPrefix(strings.TrimPrefix(err.Error(), "sign: "), "header: ")
			ps.AddAt(0, "signed header: %s", f.HeaderErr)
		} else {
			f.Header = h
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
			f.LoaderID = string(head[at : at+8])
		}
	}
	f.Problems = ps
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
		if f.HeaderErr != "" || f.NewHeader {
			return nil // the body's start is unknown; the header problem says why
		}
		f.Loads, ps = cisco.ParseLoads(f.Data[max(payload, 0):])
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
		f.SIP, ps = cisco.ParseSIPConfig(f.Data)
	case cisco.KindXMLConfig:
		f.XML, ps = cisco.ParseXMLConfig(f.Data)
	case cisco.KindOS79XX:
		f.OS79XX, ps = cisco.ParseOS79XX(f.Data)
	case cisco.KindRinglist:
		f.Ringlist, ps = cisco.ParseRinglist(f.Data)
	case cisco.KindDialplan:
		f.Dialplan, ps = cisco.ParseDialplan(f.Data)
	case cisco.KindProfileText:
		f.Profile, ps = cisco.ParseProfileText(f.Data)
	case cisco.KindProfileBinary:
		f.Profile, ps = cisco.DecodeProfile(table, f.Data)
	case cisco.KindRinglistXML:
		f.Ringlist, ps = cisco.ParseRinglistXML(f.Data)
	case cisco.KindTones, cisco.KindSyncInfo, cisco.KindImageList, cisco.KindPhoneXML, cisco.KindManifestXML:
		_, ps = cisco.CheckXML(f.Data)
	case cisco.KindLoadPointer:
		f.LoadPointer, ps = cisco.ParseLoadPointer(f.Data)
	}
	return ps
}

func (f *File) checkRingSize() {
	switch {
	case f.Kind != cisco.KindRing:
	case f.WAV:
		f.Problems = append(f.Problems, cisco.Problem{Msg: "a WAV file (RIFF header): phones want headerless 8 kHz µ-law"})
	default:
		f.Problems = append(f.Problems, cisco.CheckRing(f.Size)...)
	}
}

// markRings makes files named by RINGLIST.DAT ring files, whatever their
// extension, and checks their length.
func (d *Drop) markRings() {
	for _, rl := range d.Files {
		if rl.Ringlist == nil {
			continue
		}
		for _, r := range rl.Ringlist.Entries {
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
	if len(o.trust) == 0 || f.Header == nil {
		return nil
	}
	dg, err := f.Header.NewDigest(head[:f.Header.Length])
	if err != nil {
		f.VerifyErr = strings.TrimPrefix(err.Error(), "sign: ")
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
	if err := f.Header.VerifyDigest(sum, o.trust...); err != nil {
		f.VerifyErr = strings.TrimPrefix(err.Error(), "sign: ")
		return
	}
	f.Verified = true
}

func hexSum(s [sha256.Size]byte) string { return hex.EncodeToString(s[:]) }

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
