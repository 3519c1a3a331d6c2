package bundle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"

	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/sign"
)

// CheckResult is what PackOptions.Check returns for a source tree.
type CheckResult struct {
	Checker  string // recorded in bundle.json, e.g. "phoneload check devel"
	Target   Target
	Findings []check.Finding
}

// CheckFunc checks the tree at src before it is packed.
type CheckFunc func(src string) (*CheckResult, error)

// PackOptions configure Pack.
type PackOptions struct {
	Name     string    // bundle name; default the base name of src
	Time     time.Time // bundle time; zip entries get it too. Zero means now
	Tool     string    // tool name and version recorded in bundle.json
	Sequence uint64    // rollback counter checked by verify --min-sequence
	Expires  time.Time // zero: never
	Signers  []sign.Signer
	// Unlock, when set, returns more signers. Pack calls it only once the
	// output is known to be free and the check has passed, so that a
	// refused drop never costs a passphrase or a key derivation.
	Unlock   func() ([]sign.Signer, error)
	Allow    []string         // rules whose errors are accepted and recorded
	Check    CheckFunc        // nil records checker "none"
	Limits   container.Limits // zero value means DefaultLimits
	Progress func(n int64)
}

// RefusedError is returned when the check found errors not waived by Allow.
type RefusedError struct{ Findings []check.Finding }

func (e *RefusedError) Error() string {
	rules := map[string]bool{}
	for _, f := range e.Findings {
		rules[f.Rule] = true
	}
	var r []string
	for k := range rules {
		r = append(r, k)
	}
	sort.Strings(r)
	return fmt.Sprintf("bundle: check found %d error(s) (%s); refusing to pack", len(e.Findings), strings.Join(r, ", "))
}

// packRec is what the zip form keeps of each source file between writing
// its data to the spool and writing the zip: no name (the names are in the
// SHA256SUMS being built, in the same order; no hash, which is there too).
// The spooler writes it, packRecLen bytes, to the index file beside the
// output, in file order, and the zip is written reading them back in the
// same order: nothing per file stays in memory (issue 16).
type packRec struct {
	size    int64
	csize   int64 // bytes in the spool: deflated or stored data
	crc     uint32
	deflate bool
}

// packRecLen is the size of an encoded packRec.
const packRecLen = 8 + 8 + 4 + 1

func (r packRec) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(r.size))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.csize))
	b = binary.LittleEndian.AppendUint32(b, r.crc)
	if r.deflate {
		return append(b, 1)
	}
	return append(b, 0)
}

// readPackRec reads the next packRec that append encoded.
func readPackRec(r io.Reader) (packRec, error) {
	var b [packRecLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return packRec{}, err
	}
	return packRec{
		size:    int64(binary.LittleEndian.Uint64(b[0:])),
		csize:   int64(binary.LittleEndian.Uint64(b[8:])),
		crc:     binary.LittleEndian.Uint32(b[16:]),
		deflate: b[20] == 1,
	}, nil
}

// Pack checks the tree at src (a directory or anything Walk reads), then
// writes a signed bundle to out: a zip if out ends in ".zip", otherwise a new
// directory. Nothing is left at out on failure. The same tree, options and
// keys always give the same bytes.
func Pack(src, out string, opts PackOptions) (*Manifest, error) {
	lim := opts.Limits
	if len(opts.Signers) == 0 && opts.Unlock == nil {
		return nil, errors.New("bundle: no signing key")
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	opts.Time = opts.Time.UTC().Truncate(time.Second)
	if err := checkOutput(src, out); err != nil {
		return nil, err
	}

	m := &Manifest{Format: FormatVersion, Name: opts.Name, Created: opts.Time, Tool: opts.Tool, Sequence: opts.Sequence}
	if m.Name == "" {
		m.Name = strings.TrimSuffix(filepath.Base(filepath.Clean(src)), ".zip")
	}
	if !opts.Expires.IsZero() {
		e := opts.Expires.UTC()
		if !e.After(opts.Time) {
			return nil, fmt.Errorf("bundle: expiry %s is not after the bundle time %s", e.Format(time.RFC3339), opts.Time.Format(time.RFC3339))
		}
		m.Expires = &e
	}
	// The check runs first, alone: run beside the data pass it would save
	// wall time on an idle machine but add the two passes' memory (at
	// 100,000 files about 90 MB more peak RSS), and no key is unlocked
	// before it passed.
	if err := runCheck(src, opts, &m.Check, &m.Target); err != nil {
		return nil, err
	}
	// The check's model of the drop is garbage now. Collected before the
	// data pass, the heap's next target starts from what pack keeps (a
	// few buffers) rather than from the check's peak, so the data pass
	// reuses the check's memory instead of adding to it (issue 16).
	runtime.GC()
	if opts.Unlock != nil {
		more, err := opts.Unlock()
		if err != nil {
			return nil, err
		}
		opts.Signers = append(append([]sign.Signer(nil), opts.Signers...), more...)
		if len(opts.Signers) == 0 {
			return nil, errors.New("bundle: no signing key")
		}
	}

	var err error
	if strings.HasSuffix(strings.ToLower(out), ".zip") {
		err = writeZipBundle(src, out, lim, m, opts)
	} else {
		err = writeDirBundle(src, out, lim, m, opts)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// packable reports whether a source entry goes into the bundle, and refuses
// names a bundle cannot hold.
func packable(e container.Entry) (bool, error) {
	if drop.InStateDir(e.Name) {
		return false, nil
	}
	if err := CheckName(e.Name); err != nil {
		return false, err
	}
	if reservedName(e.Name) {
		return false, fmt.Errorf("bundle: %s: source already has a bundle file at its root; pack the original drop", e.Name)
	}
	return true, nil
}

// copyHash copies size bytes from r to w (nil: nowhere) through buf, feeding
// every byte to the hashes too; it refuses a file whose size changed since
// Walk listed it.
func copyHash(name string, w io.Writer, r io.Reader, size int64, buf []byte, hs ...io.Writer) error {
	var n int64
	for {
		k, err := r.Read(buf)
		if k > 0 {
			n += int64(k)
			for _, h := range hs {
				h.Write(buf[:k])
			}
			if w != nil {
				if _, werr := w.Write(buf[:k]); werr != nil {
					return werr
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n != size {
		return fmt.Errorf("bundle: %s: changed size while packing", name)
	}
	return nil
}

func progressWriter(fn func(int64)) io.Writer {
	if fn == nil {
		return io.Discard
	}
	return progressFunc(fn)
}

type progressFunc func(int64)

func (p progressFunc) Write(b []byte) (int, error) { p(int64(len(b))); return len(b), nil }

func checkOutput(src, out string) error {
	if out == "" {
		return errors.New("bundle: no output path")
	}
	as, err1 := filepath.Abs(src)
	ao, err2 := filepath.Abs(out)
	if err1 == nil && err2 == nil && (ao == as || strings.HasPrefix(ao, as+string(filepath.Separator))) {
		return fmt.Errorf("bundle: output %s is inside the source %s", out, src)
	}
	if !strings.HasSuffix(strings.ToLower(out), ".zip") {
		if _, err := os.Lstat(out); err == nil {
			return fmt.Errorf("bundle: %s already exists; a bundle directory is never overwritten", out)
		}
	}
	return nil
}

// runCheck runs opts.Check and fills in what bundle.json records of it.
func runCheck(src string, opts PackOptions, ci *CheckInfo, target *Target) error {
	*ci = CheckInfo{Checker: "none", Waived: []Waiver{}}
	if opts.Check == nil {
		return nil
	}
	res, err := opts.Check(src)
	if err != nil {
		return err
	}
	ci.Checker = res.Checker
	*target = res.Target
	allowed := map[string]bool{}
	for _, a := range opts.Allow {
		allowed[a] = true
	}
	waived := map[string][]check.Finding{}
	var refused []check.Finding
	for _, f := range res.Findings {
		switch f.Severity {
		case check.SeverityError:
			ci.Errors++
			if allowed[f.Rule] {
				waived[f.Rule] = append(waived[f.Rule], f)
			} else {
				refused = append(refused, f)
			}
		case check.SeverityWarning:
			ci.Warnings++
		default:
			ci.Infos++
		}
	}
	if len(refused) > 0 {
		return &RefusedError{Findings: refused}
	}
	for _, rule := range sortedKeys(waived) {
		f := waived[rule]
		w := Waiver{Rule: rule, Count: len(f), Findings: f}
		if len(f) > MaxWaivedFindings {
			w.Findings = f[:MaxWaivedFindings]
		}
		ci.Waived = append(ci.Waived, w)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// generated returns bundle.json and the signatures, by name; SHA256SUMS
// itself stays in the file sums wrote (sums.reader()), bundle.json's line
// included once this has run. m.Files and m.Size must be final. Each
// signer reads SHA256SUMS from that file (sign.ReaderSigner), so it is
// never held in memory; a signer that cannot gets it in memory.
func generated(m *Manifest, sums *sumsBuilder, opts PackOptions) (map[string][]byte, error) {
	mj, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := sums.finish(mj); err != nil {
		return nil, err
	}
	gen := map[string][]byte{ManifestName: mj}
	var mem []byte
	signSums := func(s sign.Signer) ([]byte, error) {
		if rs, ok := s.(sign.ReaderSigner); ok {
			return rs.SignReader(sums.reader(), opts.Time)
		}
		if mem == nil {
			if mem, err = sums.bytes(); err != nil {
				return nil, err
			}
		}
		return s.Sign(mem, opts.Time)
	}
	count := map[string]int{}
	seen := map[string]bool{}
	for _, s := range opts.Signers {
		id := s.Kind() + ":" + s.KeyID()
		if seen[id] {
			return nil, fmt.Errorf("bundle: key %s given twice", s.KeyID())
		}
		seen[id] = true
		sig, err := signSums(s)
		if err != nil {
			return nil, err
		}
		count[s.Kind()]++
		if count[s.Kind()] > MaxSignatures {
			return nil, fmt.Errorf("bundle: more than %d %s signers", MaxSignatures, s.Kind())
		}
		gen[SignatureName(s.Kind(), count[s.Kind()])] = sig
	}
	return gen, nil
}

// SignatureName is the file of the n-th (from 1) signature of a kind:
// SHA256SUMS.minisig and SHA256SUMS.sig for the first, then
// SHA256SUMS.2.minisig, SHA256SUMS.2.sig, ….
func SignatureName(kind string, n int) string {
	ext := ".sig"
	if kind == sign.KindMinisign {
		ext = ".minisig"
	}
	if n <= 1 {
		return SumsName + ext
	}
	return fmt.Sprintf("%s.%d%s", SumsName, n, ext)
}

// MaxSignatures bounds the signatures of each kind a bundle has
// (SHA256SUMS.minisig … SHA256SUMS.<MaxSignatures>.minisig, and the same for
// .sig): pack refuses more signers, and verify reads no more.
const MaxSignatures = 16

// signatureKind reports whether name is a signature file at the bundle root,
// exactly as SignatureName writes it, and of which kind. Other names that
// look like signatures (SHA256SUMS.old.sig, SHA256SUMS.02.sig) are not
// signatures: verify reports them as extra files.
func signatureKind(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, SumsName)
	if !ok {
		return "", false
	}
	kind := sign.KindSSH
	if r, ok := strings.CutSuffix(rest, ".minisig"); ok {
		kind, rest = sign.KindMinisign, r
	} else if r, ok := strings.CutSuffix(rest, ".sig"); ok {
		rest = r
	} else {
		return "", false
	}
	if rest == "" {
		return kind, true
	}
	for n := 2; n <= MaxSignatures; n++ {
		if rest == "."+strconv.Itoa(n) {
			return kind, true
		}
	}
	return "", false
}

// looksLikeSignature is the wider set of names reserved at a bundle's root
// (SHA256SUMS.*.sig, SHA256SUMS.*.minisig): pack refuses them in a source,
// publish never copies them, verify --root ignores them in a live root.
func looksLikeSignature(name string) bool {
	return strings.HasPrefix(name, SumsName+".") && !strings.Contains(name, "/") &&
		(strings.HasSuffix(name, ".minisig") || strings.HasSuffix(name, ".sig"))
}

func reservedName(name string) bool {
	return looksLikeSignature(name) || name == SumsName || name == ManifestName
}

// writeZipBundle writes the zip form with one read of src. The first pass
// hashes every file (SHA-256 for SHA256SUMS, CRC-32 for the local headers,
// which come before the data and hold no data descriptor) and writes its
// data, deflated on every CPU or stored, to a spool file beside out, in
// name order. SHA256SUMS, bundle.json and the signatures sit among the
// entries in name order and depend on every file, so the zip itself is
// written second, from the spool, with the generated files among the
// entries. The zip is synced once, then renamed; the spool is removed.
func writeZipBundle(src, out string, lim container.Limits, m *Manifest, opts PackOptions) (err error) {
	dir, base := tempBeside(out)
	var spool, index *os.File
	for _, f := range []struct {
		f    **os.File
		kind string
	}{{&spool, "spool"}, {&index, "index"}} {
		t, err := os.CreateTemp(dir, "."+base+"."+f.kind+"-*")
		if err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		defer func() {
			t.Close()
			os.Remove(t.Name())
		}()
		*f.f = t
	}
	sums, err := newSumsBuilder(dir, base)
	if err != nil {
		return err
	}
	defer sums.remove()
	sp := newSpooler(spool, index)
	pw := progressWriter(opts.Progress)
	h, c := sha256.New(), crc32.NewIEEE()
	head := make([]byte, spoolChunk)
	var one [1]byte
	err = container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if ok, err := packable(e); !ok {
			return err
		}
		h.Reset()
		c.Reset()
		rec := packRec{size: e.Size}
		var sum [32]byte
		n, err := io.ReadFull(r, head[:min(int64(len(head)), e.Size)])
		if err != nil {
			return packReadErr(e.Name, err)
		}
		if e.Size > 0 && e.Size <= MaxDeflateSize && isText(head[:min(n, 8<<10)]) {
			// A text file is compressed whole: read the rest of it.
			data := make([]byte, e.Size)
			copy(data, head[:n])
			if _, err := io.ReadFull(r, data[n:]); err != nil {
				return packReadErr(e.Name, err)
			}
			if k, _ := io.ReadFull(r, one[:]); k != 0 {
				return fmt.Errorf("bundle: %s: changed size while packing", e.Name)
			}
			h.Write(data)
			c.Write(data)
			pw.Write(data)
			h.Sum(sum[:0])
			rec.crc = c.Sum32()
			sp.add(&spoolItem{data: data, deflate: true, last: true, rec: rec})
		} else {
			// Anything else is stored, copied in chunks.
			chunk := sp.chunk()[:n]
			copy(chunk, head[:n])
			left := e.Size - int64(n)
			for {
				h.Write(chunk)
				c.Write(chunk)
				pw.Write(chunk)
				if left == 0 {
					if k, _ := io.ReadFull(r, one[:]); k != 0 {
						return fmt.Errorf("bundle: %s: changed size while packing", e.Name)
					}
					h.Sum(sum[:0])
					rec.crc = c.Sum32()
					sp.add(&spoolItem{data: chunk, chunk: true, last: true, rec: rec})
					break
				}
				sp.add(&spoolItem{data: chunk, chunk: true})
				next := sp.chunk()
				k, err := io.ReadFull(r, next[:min(int64(len(next)), left)])
				if err != nil {
					return packReadErr(e.Name, err)
				}
				chunk, left = next[:k], left-int64(k)
			}
		}
		m.Files++
		m.Size += e.Size
		return sums.add(e.Name, sum)
	})
	nrecs, serr := sp.close()
	if err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("bundle: spool: %w", serr)
	}
	if m.Files == 0 {
		return fmt.Errorf("bundle: %s: no files to pack", src)
	}
	if nrecs != m.Files {
		return fmt.Errorf("bundle: spool holds %d entries, want %d", nrecs, m.Files)
	}
	gen, err := generated(m, sums, opts)
	if err != nil {
		return err
	}
	// SHA256SUMS among the generated entries: in memory if it is small
	// enough to be deflated (as every generated text is), else stored,
	// streamed from the file sums wrote, its CRC-32 computed first.
	var sumsData []byte
	var sumsCRC uint32
	if sums.len() <= MaxDeflateSize {
		if sumsData, err = sums.bytes(); err != nil {
			return err
		}
		sumsCRC = crc32.ChecksumIEEE(sumsData)
	} else {
		c := crc32.NewIEEE()
		if _, err := io.Copy(c, sums.reader()); err != nil {
			return fmt.Errorf("bundle: %s: %w", SumsName, err)
		}
		sumsCRC = c.Sum32()
	}
	data := bufio.NewReaderSize(io.NewSectionReader(spool, 0, 1<<62), 1<<20)
	recIn := bufio.NewReaderSize(io.NewSectionReader(index, 0, sp.indexSize), 64<<10)
	names := append(sortedKeys(gen), SumsName)
	sort.Strings(names)
	// The entries in zip order: the i-th line of SHA256SUMS names the i-th
	// entry of the spool; the generated files go where they sort.
	entries := func(fn func(name string, gen bool) error) error {
		names := names
		emitGenerated := func(before string) error {
			for len(names) > 0 && (before == "" || names[0] < before) {
				if err := fn(names[0], true); err != nil {
					return err
				}
				names = names[1:]
			}
			return nil
		}
		err := sums.names(func(name string) error {
			if err := emitGenerated(name); err != nil {
				return err
			}
			return fn(name, false)
		})
		if err != nil {
			return err
		}
		return emitGenerated("")
	}
	return atomicfile.Write(out, 0o644, func(w io.Writer) error {
		z := newZipWriter(w, opts.Time, 0)
		z.spillEnts(index, sp.indexSize)
		i := 0
		err := entries(func(name string, generated bool) error {
			switch {
			case !generated:
				if i >= nrecs {
					return fmt.Errorf("bundle: spool holds %d entries, SHA256SUMS names more", nrecs)
				}
				i++
				rec, err := readPackRec(recIn)
				if err != nil {
					return fmt.Errorf("bundle: spool index: %w", err)
				}
				return z.addRaw(name, rec, data)
			case name != SumsName:
				data := gen[name]
				return z.addBytes(name, data, crc32.ChecksumIEEE(data))
			case sumsData != nil:
				return z.addBytes(name, sumsData, sumsCRC)
			default:
				return z.addStored(name, sums.reader(), sums.len(), sumsCRC)
			}
		})
		if err != nil {
			return err
		}
		return z.close(func(fn func(string) error) error {
			return entries(func(name string, _ bool) error { return fn(name) })
		})
	})
}

// packReadErr names the file whose read failed; a file shorter than Walk
// said has changed while packing.
func packReadErr(name string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("bundle: %s: changed size while packing", name)
	}
	return err
}

// writeDirBundle writes the directory form in one pass over src: each file is read
// once, hashed and written to a temporary directory beside out. Nothing is
// fsynced per file. When every file, bundle.json and SHA256SUMS are written,
// one atomicfile.Batch sync (syncfs on Linux) makes them durable; only then
// are the signatures written (and fsynced), and the whole tree renamed to
// out. A crash at any point leaves either no out at all (a .out.tmp-*
// directory, never read as a bundle) or a complete, durable bundle: see
// "Durability" in docs/bundle-format.md.
func writeDirBundle(src, out string, lim container.Limits, m *Manifest, opts PackOptions) (err error) {
	out = filepath.Clean(out)
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	batch := atomicfile.NewBatch(tmp)
	dirs := map[string]bool{}
	buf := make([]byte, 256<<10)
	h := sha256.New()
	pw := progressWriter(opts.Progress)
	var sum [32]byte
	tree := newOutTree(tmp)
	defer tree.close()
	create := func(name string, r io.Reader, size int64, sync bool) error {
		p := filepath.Join(tmp, filepath.FromSlash(name))
		if d := filepath.Dir(p); d != tmp && !dirs[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			for x := d; x != tmp && !dirs[x]; x = filepath.Dir(x) {
				dirs[x] = true
				batch.AddDir(filepath.Dir(x))
			}
		}
		h.Reset()
		err := tree.create(name, opts.Time, sync, func(w io.Writer) error {
			return copyHash(name, w, r, size, buf, h, pw)
		})
		if err != nil {
			return err
		}
		h.Sum(sum[:0])
		batch.AddFile(p)
		return nil
	}
	sums, err := newSumsBuilder(tempBeside(out))
	if err != nil {
		return err
	}
	defer sums.remove()
	err = container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if ok, err := packable(e); !ok {
			return err
		}
		if err := create(e.Name, r, e.Size, false); err != nil {
			return err
		}
		m.Files++
		m.Size += e.Size
		return sums.add(e.Name, sum)
	})
	if err != nil {
		return err
	}
	if m.Files == 0 {
		return fmt.Errorf("bundle: %s: no files to pack", src)
	}
	gen, err := generated(m, sums, opts)
	if err != nil {
		return err
	}
	if err := create(ManifestName, bytes.NewReader(gen[ManifestName]), int64(len(gen[ManifestName])), false); err != nil {
		return err
	}
	if err := create(SumsName, sums.reader(), sums.len(), false); err != nil {
		return err
	}
	// Directories get their modes and times once nothing more is added to
	// them, deepest first (the root, which receives the signatures, last).
	sub := sortedKeys(dirs)
	for i := len(sub) - 1; i >= 0; i-- {
		if err := os.Chmod(sub[i], modeFor(true)); err != nil {
			return err
		}
		if err := os.Chtimes(sub[i], opts.Time, opts.Time); err != nil {
			return err
		}
	}
	batch.AddDir(tmp)
	if err := batch.Sync(); err != nil {
		return fmt.Errorf("bundle: sync %s: %w", tmp, err)
	}
	// The signatures last, each fsynced: a tree with a signature has all
	// its signed content on disk.
	for _, name := range sortedKeys(gen) {
		if name == ManifestName {
			continue
		}
		if err := create(name, bytes.NewReader(gen[name]), int64(len(gen[name])), true); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, modeFor(true)); err != nil {
		return err
	}
	if err := os.Chtimes(tmp, opts.Time, opts.Time); err != nil {
		return err
	}
	if err := atomicfile.SyncDir(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(out))
}

// modeFor gives the fixed modes of a bundle directory, whatever the umask.
func modeFor(dir bool) os.FileMode {
	if dir {
		return 0o755
	}
	return 0o644
}
