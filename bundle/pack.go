package bundle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
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

type packFile struct {
	name   string
	size   int64
	sum    [32]byte
	crc    uint32
	text   bool
	reader io.Reader // only during the write pass
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
	if err := runCheck(src, opts, m); err != nil {
		return nil, err
	}
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

	// Pass 1: hash every file.
	var files []*packFile
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if drop.InStateDir(e.Name) {
			return nil
		}
		if err := CheckName(e.Name); err != nil {
			return err
		}
		if reservedName(e.Name) {
			return fmt.Errorf("bundle: %s: source already has a bundle file at its root; pack the original drop", e.Name)
		}
		f := &packFile{name: e.Name, size: e.Size}
		h, c := sha256.New(), crc32.NewIEEE()
		head := make([]byte, 8<<10)
		n, err := io.ReadFull(r, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return err
		}
		f.text = isText(head[:n])
		h.Write(head[:n])
		c.Write(head[:n])
		k, err := io.Copy(io.MultiWriter(h, c, progressWriter(opts.Progress)), r)
		if err != nil {
			return err
		}
		if int64(n)+k != e.Size {
			return fmt.Errorf("bundle: %s: changed size while packing", e.Name)
		}
		h.Sum(f.sum[:0])
		f.crc = c.Sum32()
		files = append(files, f)
		m.Files++
		m.Size += e.Size
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("bundle: %s: no files to pack", src)
	}

	gen, err := generated(m, files, opts)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(strings.ToLower(out), ".zip") {
		err = writeZip(src, out, lim, files, gen, opts)
	} else {
		err = writeDir(src, out, lim, files, gen, opts)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
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

func runCheck(src string, opts PackOptions, m *Manifest) error {
	m.Check = CheckInfo{Checker: "none", Waived: []Waiver{}}
	if opts.Check == nil {
		return nil
	}
	res, err := opts.Check(src)
	if err != nil {
		return err
	}
	m.Check.Checker = res.Checker
	m.Target = res.Target
	allowed := map[string]bool{}
	for _, a := range opts.Allow {
		allowed[a] = true
	}
	waived := map[string][]check.Finding{}
	var refused []check.Finding
	for _, f := range res.Findings {
		switch f.Severity {
		case check.SeverityError:
			m.Check.Errors++
			if allowed[f.Rule] {
				waived[f.Rule] = append(waived[f.Rule], f)
			} else {
				refused = append(refused, f)
			}
		case check.SeverityWarning:
			m.Check.Warnings++
		default:
			m.Check.Infos++
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
		m.Check.Waived = append(m.Check.Waived, w)
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

// generated returns bundle.json, SHA256SUMS and the signatures, by name.
func generated(m *Manifest, files []*packFile, opts PackOptions) (map[string][]byte, error) {
	mj, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	sums := []Sum{{Name: ManifestName, SHA256: sha256.Sum256(mj)}}
	for _, f := range files {
		sums = append(sums, Sum{Name: f.name, SHA256: f.sum})
	}
	sb, err := MarshalSums(sums)
	if err != nil {
		return nil, err
	}
	gen := map[string][]byte{ManifestName: mj, SumsName: sb}
	count := map[string]int{}
	seen := map[string]bool{}
	for _, s := range opts.Signers {
		id := s.Kind() + ":" + s.KeyID()
		if seen[id] {
			return nil, fmt.Errorf("bundle: key %s given twice", s.KeyID())
		}
		seen[id] = true
		sig, err := s.Sign(sb, opts.Time)
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

// eachOutput walks src a second time and calls fn for every file of the
// bundle in name order, generated files included, checking that no source
// file changed since it was hashed.
func eachOutput(src string, lim container.Limits, files []*packFile, gen map[string][]byte, opts PackOptions, fn func(f *packFile) error) error {
	byName := map[string]*packFile{}
	for _, f := range files {
		byName[f.name] = f
	}
	names := sortedKeys(gen)
	emitGenerated := func(before string) error {
		for len(names) > 0 && (before == "" || names[0] < before) {
			data := gen[names[0]]
			f := &packFile{name: names[0], size: int64(len(data)), crc: crc32.ChecksumIEEE(data), text: isText(data), reader: bytes.NewReader(data)}
			if err := fn(f); err != nil {
				return err
			}
			names = names[1:]
		}
		return nil
	}
	seen := 0
	err := container.Walk(src, lim, func(e container.Entry, r io.Reader) error {
		if drop.InStateDir(e.Name) {
			return nil
		}
		f := byName[e.Name]
		if f == nil || f.size != e.Size {
			return fmt.Errorf("bundle: %s: changed while packing", e.Name)
		}
		seen++
		if err := emitGenerated(e.Name); err != nil {
			return err
		}
		h := sha256.New()
		f.reader = io.TeeReader(r, io.MultiWriter(h, progressWriter(opts.Progress)))
		err := fn(f)
		f.reader = nil
		if err != nil {
			return err
		}
		var got [32]byte
		if h.Sum(got[:0]); got != f.sum {
			return fmt.Errorf("bundle: %s: changed while packing", e.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if seen != len(files) {
		return fmt.Errorf("bundle: %s: files disappeared while packing", src)
	}
	return emitGenerated("")
}

func writeZip(src, out string, lim container.Limits, files []*packFile, gen map[string][]byte, opts PackOptions) error {
	return atomicfile.Write(out, 0o644, func(w io.Writer) error {
		z := newZipWriter(w, opts.Time)
		err := eachOutput(src, lim, files, gen, opts, func(f *packFile) error {
			return z.add(f.name, f.size, f.crc, f.text, f.reader)
		})
		if err != nil {
			return err
		}
		return z.close()
	})
}

func writeDir(src, out string, lim container.Limits, files []*packFile, gen map[string][]byte, opts PackOptions) (err error) {
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
	dirs := map[string]bool{}
	err = eachOutput(src, lim, files, gen, opts, func(f *packFile) error {
		p := filepath.Join(tmp, filepath.FromSlash(f.name))
		if d := filepath.Dir(p); !dirs[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			for x := d; x != tmp && !dirs[x]; x = filepath.Dir(x) {
				dirs[x] = true
			}
		}
		// The whole tree is renamed into place at the end, so each file
		// is written once in the temporary directory and fsynced; the
		// directories are synced once each below.
		w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, f.reader); err != nil {
			w.Close()
			return err
		}
		if err := w.Sync(); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	})
	if err != nil {
		return err
	}
	// Fixed times everywhere, deepest first, so that a copy (rsync -t, tar)
	// of the directory is reproducible too.
	var paths []string
	filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	for i := len(paths) - 1; i >= 0; i-- {
		if err := os.Chmod(paths[i], modeFor(dirs[paths[i]] || paths[i] == tmp)); err != nil {
			return err
		}
		if err := os.Chtimes(paths[i], opts.Time, opts.Time); err != nil {
			return err
		}
	}
	for d := range dirs {
		if err := atomicfile.SyncDir(d); err != nil {
			return err
		}
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
