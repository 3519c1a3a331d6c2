package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/quote"

	"github.com/phoneload/phoneload/sign"
)

// Verification failures, by class; Verify's error wraps one of them.
// The CLI maps them to exit codes 3, 4 and 5.
var (
	ErrSignature = errors.New("bundle: signature check failed")
	ErrContent   = errors.New("bundle: content does not match SHA256SUMS")
	ErrPolicy    = errors.New("bundle: refused by policy")
)

// VerifyError is a bundle that failed verification before anything else
// read it (publish, probe). Err wraps ErrSignature, ErrContent or ErrPolicy
// (or says why the bundle could not be read); Result, when not nil, is the
// report so far, naming the files at fault.
type VerifyError struct {
	Result *VerifyResult
	Err    error
}

func (e *VerifyError) Error() string { return e.Err.Error() }
func (e *VerifyError) Unwrap() error { return e.Err }

// VerifyOptions configure Verify.
type VerifyOptions struct {
	Trust       *sign.Trust // keys accepted; required
	Threshold   int         // distinct trusted signers needed; 0 means 1
	MinSequence uint64      // refuse bundles with a lower sequence
	Now         time.Time   // for expiry and allowed-signer validity; zero means now
	// Root is a live TFTP root the bundle was published into. When set,
	// the signatures and bundle.json come from the bundle and every other
	// listed file is checked in Root; files of Root not in SHA256SUMS are
	// reported as Unlisted (information, not an error), and the publish
	// journal (.phoneload/) and copies of the bundle's own files are ignored.
	Root     string
	Limits   container.Limits // zero fields mean container.DefaultBundleLimits
	Workers  int              // parallel hashing of directory files; 0 means 2 per CPU
	Progress func(n int64)
}

// VerifyResult is everything verify found; `phoneload verify --json` prints
// it (schema in docs/bundle-format.md).
type VerifyResult struct {
	Path       string            `json:"path"`
	Valid      bool              `json:"valid"`
	Bundle     *Manifest         `json:"bundle"` // nil unless bundle.json verified
	Signatures []SignatureResult `json:"signatures"`
	Signers    int               `json:"signers"` // distinct trusted keys with a good signature
	Threshold  int               `json:"threshold"`
	Trusted    []string          `json:"trusted"` // IDs of the trusted keys
	Files      int               `json:"files"`   // files listed in SHA256SUMS
	Bytes      int64             `json:"bytes"`   // bytes hashed
	Problems   []FileProblem     `json:"problems"`
	Root       string            `json:"root,omitempty"`
	Unlisted   []string          `json:"unlisted"` // with Root: files of the root beyond the bundle
	Policy     []string          `json:"policy"`   // policy refusals (expired, sequence)
}

// SignatureResult is the verdict on one signature file.
type SignatureResult struct {
	File      string `json:"file"`
	Kind      string `json:"kind"` // "minisign" or "ssh"
	KeyID     string `json:"key_id,omitempty"`
	Principal string `json:"principal,omitempty"`
	Status    string `json:"status"` // "good", "untrusted", "bad", "malformed"
	Error     string `json:"error,omitempty"`
}

// FileProblem kinds.
const (
	Modified = "modified" // content or size differs from SHA256SUMS
	Missing  = "missing"  // listed, not present
	Extra    = "extra"    // present, not listed
	Renamed  = "renamed"  // a listed file found under another name
)

// FileProblem is one file that does not match SHA256SUMS.
type FileProblem struct {
	Kind   string `json:"kind"`
	File   string `json:"file"`
	From   string `json:"from,omitempty"` // Renamed: the name SHA256SUMS lists
	Detail string `json:"detail,omitempty"`
}

func (p FileProblem) String() string {
	s := p.Kind + ": " + p.File
	if p.From != "" {
		s = p.Kind + ": " + p.From + " -> " + p.File
	}
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// treeFile is one file of the tree being verified.
type treeFile struct {
	name string
	size int64
	sum  [32]byte
	err  error // unreadable, not a regular file, over the limit
}

// verifyTree is the content being verified: a bundle directory, an archive, or a
// live TFTP root.
type verifyTree struct {
	special map[string][]byte // SHA256SUMS, signatures and bundle.json at the root
	// hash returns the named files that exist, hashed, and the bytes read.
	// Directories open and hash them in parallel; archives were hashed
	// while walked.
	hash func(names []string) (map[string]*treeFile, int64)
	// list returns the name of every file of the tree (bundle files,
	// and in a live root the journal, excluded).
	list func() ([]string, error)
	// dir is set for a directory (a bundle directory or, live, a TFTP
	// root): its files are hashed by name and compared as they are read,
	// and its listing is streamed (checkContentDir), so that verify holds
	// no per-file state beyond SHA256SUMS itself.
	dir  string
	live bool
}

// Verify checks the bundle at path (a bundle directory or zip, and
// with opts.Root the live TFTP root it was published into): signatures over SHA256SUMS first,
// then the size and SHA-256 of every file, then expiry and sequence. The
// result is filled as far as verification got; the error wraps
// ErrSignature, ErrContent or ErrPolicy, or is an I/O or usage error.
// Content is never judged from an unverified SHA256SUMS.
func Verify(path string, opts VerifyOptions) (*VerifyResult, error) {
	if opts.Trust == nil || opts.Trust.Empty() {
		return nil, errors.New("bundle: no trusted keys to verify with")
	}
	if opts.Threshold <= 0 {
		opts.Threshold = 1
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Limits = opts.Limits.Bundle()
	res := &VerifyResult{Path: path, Threshold: opts.Threshold, Trusted: opts.Trust.IDs(), Signatures: []SignatureResult{}, Problems: []FileProblem{}, Unlisted: []string{}, Policy: []string{}}
	if n := opts.Trust.Distinct(); opts.Threshold > n {
		return nil, fmt.Errorf("bundle: threshold %d is more than the %d distinct trusted key(s)", opts.Threshold, n)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("bundle: %w", err)
	}
	var t *verifyTree
	if fi.IsDir() {
		t, err = dirTree(path, false, opts)
	} else if t, err = walkTree(path, opts); err != nil {
		return res, archiveError(res, err)
	}
	if err != nil {
		return res, err
	}
	content := t
	if opts.Root != "" {
		res.Root = opts.Root
		if content, err = dirTree(opts.Root, true, opts); err != nil {
			return res, err
		}
	}

	// 1. Signatures over the exact bytes of SHA256SUMS.
	sumsData, ok := t.special[SumsName]
	if !ok {
		return res, fmt.Errorf("%w: %s has no %s", ErrSignature, path, SumsName)
	}
	if err := checkSignatures(res, t.special, sumsData, opts); err != nil {
		return res, err
	}

	// 2. Content, from the verified list only. A directory is judged
	// against SHA256SUMS in place (the text and an offset per line);
	// an archive was hashed while walked, into a map by name.
	if content.dir != "" {
		// The signatures were checked over these bytes; nothing writes
		// them again, so the names can point into them.
		x, err := indexSums(unsafe.String(unsafe.SliceData(sumsData), len(sumsData)))
		if err != nil {
			return res, fmt.Errorf("%w: %s", ErrContent, strings.TrimPrefix(err.Error(), "bundle: "))
		}
		res.Files = len(x.lines)
		if err := checkContentDir(res, content, x, opts); err != nil {
			return res, err
		}
		var manifest []Sum
		if off, ok := x.find(ManifestName); ok {
			manifest = []Sum{x.at(off)}
		}
		return finish(res, t, manifest, opts)
	}
	sums, err := ParseSums(sumsData)
	if err != nil {
		return res, fmt.Errorf("%w: %s", ErrContent, strings.TrimPrefix(err.Error(), "bundle: "))
	}
	res.Files = len(sums)
	if opts.Root != "" {
		// bundle.json is checked in the bundle; publish does not copy it.
		var rest []Sum
		for _, s := range sums {
			if s.Name != ManifestName {
				rest = append(rest, s)
			}
		}
		err = checkContent(res, content, rest, opts)
	} else {
		err = checkContent(res, content, sums, opts)
	}
	if err != nil {
		return res, err
	}
	return finish(res, t, sums, opts)
}

// finish checks the policy and says whether the bundle is valid.
func finish(res *VerifyResult, t *verifyTree, sums []Sum, opts VerifyOptions) (*VerifyResult, error) {
	// 3. Policy, from a verified bundle.json.
	checkPolicy(res, t, sums, opts)

	sort.Slice(res.Problems, func(i, j int) bool { return res.Problems[i].File < res.Problems[j].File })
	switch {
	case len(res.Problems) > 0:
		return res, fmt.Errorf("%w: %d problem(s)", ErrContent, len(res.Problems))
	case len(res.Policy) > 0:
		return res, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(res.Policy, "; "))
	}
	res.Valid = true
	return res, nil
}

// archiveError classes an archive Walk refused because of one entry as a
// content problem naming it (exit 4): an entry whose data does not match
// its CRC, size or compression (a flipped byte in a firmware image), or an
// entry that no bundle has (unsafe name, link, special file, duplicate or
// case-colliding name). The archive cannot be read past it, so nothing
// else is judged. A file that is not an archive, an unsupported
// compression method or an encrypted entry stay ordinary errors (exit 1).
func archiveError(res *VerifyResult, err error) error {
	var ee *container.EntryError
	if !errors.As(err, &ee) || ee.Entry == "" {
		return err
	}
	kind := ""
	switch {
	case errors.Is(ee.Err, container.ErrChecksum), errors.Is(ee.Err, container.ErrTruncated), errors.Is(ee.Err, container.ErrFormat):
		kind = Modified
	case errors.Is(ee.Err, container.ErrUnsafePath), errors.Is(ee.Err, container.ErrLink), errors.Is(ee.Err, container.ErrSpecial),
		errors.Is(ee.Err, container.ErrDuplicate), errors.Is(ee.Err, container.ErrCaseCollision):
		kind = Extra
	default:
		return err
	}
	detail := strings.TrimPrefix(ee.Err.Error(), "bundle: ")
	if ee.Detail != "" {
		detail += ": " + ee.Detail
	}
	res.Problems = append(res.Problems, FileProblem{Kind: kind, File: quote.Name(ee.Entry), Detail: detail})
	return fmt.Errorf("%w: %s", ErrContent, strings.TrimPrefix(err.Error(), "bundle: "))
}

func checkSignatures(res *VerifyResult, special map[string][]byte, sums []byte, opts VerifyOptions) error {
	good := map[string]bool{}
	var untrusted []string
	for _, name := range sortedKeys(special) {
		kind, ok := signatureKind(name)
		if !ok {
			continue
		}
		var v sign.Verified
		var err error
		if kind == sign.KindMinisign {
			v, err = opts.Trust.VerifyMinisign(special[name], sums)
		} else {
			v, err = opts.Trust.VerifySSH(special[name], sums, opts.Now)
		}
		sr := SignatureResult{File: name, Kind: kind, KeyID: v.KeyID, Principal: v.Principal, Status: "good"}
		var ute *sign.UntrustedKeyError
		switch {
		case err == nil:
			// Counted by public key: two key IDs for one key, or one
			// Ed25519 key as minisign and SSH, are one signer.
			good[v.Key] = true
		case errors.As(err, &ute):
			sr.Status = "untrusted"
			untrusted = append(untrusted, v.KeyID)
		case v.KeyID == "":
			sr.Status, sr.Error = "malformed", err.Error()
		default:
			sr.Status, sr.Error = "bad", err.Error()
		}
		res.Signatures = append(res.Signatures, sr)
	}
	res.Signers = len(good)
	if len(res.Signatures) == 0 {
		return fmt.Errorf("%w: no signature (%s.minisig or %s.sig)", ErrSignature, SumsName, SumsName)
	}
	if res.Signers >= opts.Threshold {
		return nil
	}
	msg := fmt.Sprintf("%s: %d good signature(s) from trusted keys, %d required", SumsName, res.Signers, opts.Threshold)
	for _, s := range res.Signatures {
		switch s.Status {
		case "bad", "malformed":
			msg += fmt.Sprintf("; %s: %s", s.File, s.Error)
		case "untrusted":
			msg += fmt.Sprintf("; %s: signed by untrusted key %s", s.File, s.KeyID)
		}
	}
	if len(untrusted) > 0 {
		msg += "; trusted keys: " + strings.Join(res.Trusted, ", ")
	}
	return fmt.Errorf("%w: %s", ErrSignature, msg)
}

func checkContent(res *VerifyResult, t *verifyTree, sums []Sum, opts VerifyOptions) error {
	names := make([]string, len(sums))
	listed := make(map[string]bool, len(sums))
	for i, s := range sums {
		names[i] = s.Name
		listed[s.Name] = true
	}
	got, n := t.hash(names)
	res.Bytes = n
	all, err := t.list()
	if err != nil {
		return err
	}
	var missing []Sum
	for _, s := range sums {
		f, ok := got[s.Name]
		switch {
		case !ok:
			missing = append(missing, s)
		case f.err != nil:
			res.Problems = append(res.Problems, FileProblem{Kind: Modified, File: s.Name, Detail: f.err.Error()})
		case f.sum != s.SHA256:
			res.Problems = append(res.Problems, FileProblem{Kind: Modified, File: s.Name, Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.size, hex.EncodeToString(f.sum[:]), hex.EncodeToString(s.SHA256[:]))})
		}
	}
	var extras []string
	for _, name := range all {
		if !listed[name] {
			extras = append(extras, name)
		}
	}
	judgeMissing(res, t, missing, extras, opts)
	return nil
}

// checkContentDir is checkContent for a directory: every listed file is
// opened by name, hashed and compared by a pool of workers, while the
// directory is listed beside them and each name looked up in x; only
// problems, missing files and extra names are kept.
func checkContentDir(res *VerifyResult, t *verifyTree, x *sumsIndex, opts VerifyOptions) error {
	lines := x.lines
	if t.live {
		// bundle.json is checked in the bundle; publish does not copy it.
		if off, ok := x.find(ManifestName); ok {
			lines = make([]uint32, 0, len(x.lines)-1)
			for _, l := range x.lines {
				if l != off {
					lines = append(lines, l)
				}
			}
		}
	}
	var (
		extras  []string
		listErr error
		listed  = make(chan struct{})
	)
	go func() {
		defer close(listed)
		listErr = walkDirNames(t.dir, t.live, opts.Limits, func(name string) {
			if _, ok := x.find(name); !ok || t.live && name == ManifestName {
				extras = append(extras, name)
			}
		})
	}()
	var (
		mu      sync.Mutex
		missing []uint32
	)
	n := hashDirEach(t.dir, len(lines), func(i int) string { return x.name(lines[i]) }, opts, func(i int, f *treeFile) {
		s := x.at(lines[i])
		var p *FileProblem
		switch {
		case f == nil:
		case f.err != nil:
			p = &FileProblem{Kind: Modified, File: s.Name, Detail: f.err.Error()}
		case f.sum != s.SHA256:
			p = &FileProblem{Kind: Modified, File: s.Name, Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.size, hex.EncodeToString(f.sum[:]), hex.EncodeToString(s.SHA256[:]))}
		default:
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if p != nil {
			res.Problems = append(res.Problems, *p)
		} else {
			missing = append(missing, lines[i])
		}
	})
	res.Bytes = n
	<-listed
	if listErr != nil {
		return listErr
	}
	// In SHA256SUMS order, as checkContent finds them.
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	ms := make([]Sum, len(missing))
	for i, off := range missing {
		ms[i] = x.at(off)
	}
	judgeMissing(res, t, ms, extras, opts)
	return nil
}

// judgeMissing reports files listed and absent, and files present and not
// listed (extras, in any order): an extra whose content is that of a
// missing file is that file renamed.
func judgeMissing(res *VerifyResult, t *verifyTree, missing []Sum, extras []string, opts VerifyOptions) {
	sort.Strings(extras)
	// Extras are hashed only when something is missing, to recognise a
	// rename without reading every foreign file of a TFTP root.
	var n int64
	var hashedExtras map[string]*treeFile
	if len(missing) > 0 && len(extras) > 0 {
		hashedExtras, n = t.hash(extras)
		res.Bytes += n
	}
	bySum := map[[32]byte][]string{}
	for _, m := range missing {
		bySum[m.SHA256] = append(bySum[m.SHA256], m.Name)
	}
	renamedFrom := map[string]bool{}
	for _, name := range extras {
		if f := hashedExtras[name]; f != nil && f.err == nil {
			if cands := bySum[f.sum]; len(cands) > 0 {
				res.Problems = append(res.Problems, FileProblem{Kind: Renamed, File: name, From: cands[0]})
				renamedFrom[cands[0]] = true
				bySum[f.sum] = cands[1:]
				continue
			}
		}
		if opts.Root != "" {
			res.Unlisted = append(res.Unlisted, name)
		} else {
			res.Problems = append(res.Problems, FileProblem{Kind: Extra, File: name})
		}
	}
	for _, m := range missing {
		if !renamedFrom[m.Name] {
			res.Problems = append(res.Problems, FileProblem{Kind: Missing, File: m.Name})
		}
	}
}

func checkPolicy(res *VerifyResult, t *verifyTree, sums []Sum, opts VerifyOptions) {
	var want *[32]byte
	for i := range sums {
		if sums[i].Name == ManifestName {
			want = &sums[i].SHA256
		}
	}
	if want == nil {
		res.Policy = append(res.Policy, ManifestName+" is not listed in "+SumsName)
		return
	}
	data, ok := t.special[ManifestName]
	if !ok || sha256.Sum256(data) != *want {
		// A content problem; an unverified manifest sets no policy. With a
		// root, bundle.json was not part of the content check: report it.
		if opts.Root != "" {
			kind := Modified
			if !ok {
				kind = Missing
			}
			res.Problems = append(res.Problems, FileProblem{Kind: kind, File: ManifestName, Detail: "in the bundle"})
		}
		return
	}
	m, err := ParseManifest(data)
	if err != nil {
		res.Policy = append(res.Policy, err.Error())
		return
	}
	res.Bundle = m
	if m.Expires != nil && !opts.Now.Before(*m.Expires) {
		res.Policy = append(res.Policy, "expired on "+m.Expires.UTC().Format(time.RFC3339))
	}
	if m.Sequence < opts.MinSequence {
		res.Policy = append(res.Policy, fmt.Sprintf("sequence %d is below the minimum %d", m.Sequence, opts.MinSequence))
	}
}

// readSpecial reads a small file (SHA256SUMS, a signature, bundle.json)
// with a size limit.
func readSpecial(r io.Reader, name string, size int64) ([]byte, error) {
	max := int64(MaxSumsSize)
	if name == ManifestName {
		max = MaxManifestSize
	} else if name != SumsName {
		max = sign.MaxKeyFileSize
	}
	// Sized from the start when the size is known: SHA256SUMS of a
	// million files is 90 MB, and growing a buffer to it peaks at twice that.
	var b bytes.Buffer
	if size > 0 {
		b.Grow(int(min(size, max)) + 1)
	}
	_, err := b.ReadFrom(io.LimitReader(r, max+1))
	data := b.Bytes()
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", name, max)
	}
	return data, nil
}

// IsSpecial reports the names reserved for a bundle's own files at its
// root, bundle.json aside (see looksLikeSignature).
func IsSpecial(name string) bool {
	return looksLikeSignature(name) || name == SumsName
}

// isBundleFile reports the files of a bundle that SHA256SUMS does not list:
// SHA256SUMS and its signatures, under the exact names pack writes.
func isBundleFile(name string) bool {
	_, sig := signatureKind(name)
	return sig || name == SumsName
}

// walkTree reads an archive in one pass through Walk, hashing every file;
// the small bundle files are kept in memory.
func walkTree(path string, opts VerifyOptions) (*verifyTree, error) {
	t := &verifyTree{special: map[string][]byte{}}
	files := map[string]*treeFile{}
	buf := make([]byte, 256<<10)
	err := container.Walk(path, opts.Limits, func(e container.Entry, r io.Reader) error {
		if isBundleFile(e.Name) || e.Name == ManifestName {
			data, err := readSpecial(r, e.Name, e.Size)
			if err != nil {
				return err
			}
			t.special[e.Name] = data
			if e.Name == ManifestName {
				files[e.Name] = &treeFile{name: e.Name, size: e.Size, sum: sha256.Sum256(data)}
			}
			return nil
		}
		f := &treeFile{name: e.Name, size: e.Size}
		h := sha256.New()
		if _, err := io.CopyBuffer(io.MultiWriter(h, progressWriter(opts.Progress)), r, buf); err != nil {
			return err
		}
		h.Sum(f.sum[:0])
		files[e.Name] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.hash = func(names []string) (map[string]*treeFile, int64) {
		out := make(map[string]*treeFile, len(names))
		var n int64
		for _, name := range names {
			if f := files[name]; f != nil {
				out[name] = f
				n += f.size
			}
		}
		return out, n
	}
	t.list = func() ([]string, error) {
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		return names, nil
	}
	return t, nil
}

// dirTree reads a directory's bundle files (live: a TFTP root, which has
// none that count) and starts listing it in the
// background; files are opened by name and hashed in parallel once the
// signatures are known to be good, while the listing (needed only to find
// extra files) goes on.
func dirTree(root string, live bool, opts VerifyOptions) (*verifyTree, error) {
	t := &verifyTree{special: map[string][]byte{}}
	if !live {
		var err error
		if t.special, err = readDirMeta(root); err != nil {
			return nil, err
		}
	}
	t.dir, t.live = root, live
	t.list = func() ([]string, error) { return listDir(root, live, opts.Limits) }
	t.hash = func(names []string) (map[string]*treeFile, int64) { return hashDir(root, names, opts) }
	return t, nil
}

// readDirMeta reads the small files of a bundle directory: SHA256SUMS,
// bundle.json and every signature file, by name; missing ones are left out.
func readDirMeta(root string) (map[string][]byte, error) {
	special := map[string][]byte{}
	names := []string{SumsName, ManifestName}
	// Signature files are found by their names, every one that
	// signatureKind accepts, gaps or not.
	for n := 1; n <= MaxSignatures; n++ {
		names = append(names, SignatureName(sign.KindMinisign, n), SignatureName(sign.KindSSH, n))
	}
	for _, name := range names {
		data, err := readFileLimited(filepath.Join(root, name), name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		special[name] = data
	}
	return special, nil
}

// listDir lists every file under root except the bundle's own files (and in
// a live root, the publish journal and any copies of the bundle files).
func listDir(root string, live bool, lim container.Limits) ([]string, error) {
	var names []string
	err := walkDirNames(root, live, lim, func(name string) { names = append(names, name) })
	return names, err
}

// walkDirNames calls fn with the name of every file under root that
// listDir lists, as the directory is read.
func walkDirNames(root string, live bool, lim container.Limits, fn func(name string)) error {
	count := 0
	max := lim.Dir().MaxFiles
	// Each directory is read in batches, not whole and sorted as
	// filepath.WalkDir reads it: a flat root of a million files would
	// otherwise hold a DirEntry for each (issue 16). The order does not
	// matter: extra names are sorted once found.
	var walk func(dir, prefix string) error
	walk = func(dir, prefix string) error {
		f, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer f.Close()
		for {
			ents, err := f.ReadDir(1024)
			for _, d := range ents {
				name := prefix + d.Name()
				if d.IsDir() {
					if live && name == drop.StateDir {
						continue
					}
					if err := walk(filepath.Join(dir, d.Name()), name+"/"); err != nil {
						return err
					}
					continue
				}
				if live && (IsSpecial(name) || name == ManifestName) {
					continue // copies of a bundle's files in a live root
				}
				if !live && isBundleFile(name) {
					continue
				}
				if count >= max {
					return fmt.Errorf("bundle: %s: more than %d files", root, max)
				}
				count++
				fn(name)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	return walk(root, "")
}

// readFileLimited reads one of a bundle directory's own files. It must be
// a regular file: a symlink is not followed, and a FIFO does not block.
func readFileLimited(p, name string) ([]byte, error) {
	f, size, regular, err := openRaw(p)
	if isNotRegularErr(err) {
		return nil, fmt.Errorf("bundle: %s: not a regular file", p)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !regular {
		return nil, fmt.Errorf("bundle: %s: not a regular file", p)
	}
	return readSpecial(f, name, size)
}

// hashDir opens and hashes the named files with a pool of workers. Files
// that do not exist are left out of the result.
func hashDir(root string, names []string, opts VerifyOptions) (map[string]*treeFile, int64) {
	out := make(map[string]*treeFile, len(names))
	var mu sync.Mutex
	n := hashDirEach(root, len(names), func(i int) string { return names[i] }, opts, func(_ int, f *treeFile) {
		if f != nil {
			mu.Lock()
			out[f.name] = f
			mu.Unlock()
		}
	})
	return out, n
}

// hashDirEach opens and hashes the files name(0) … name(n-1) with a pool
// of workers and calls got, from the workers, with each one's index and
// result (nil: it does not exist). It returns the bytes read.
func hashDirEach(root string, n int, name func(i int) string, opts VerifyOptions, got func(i int, f *treeFile)) int64 {
	dir, err := openTreeDir(root)
	if err != nil {
		for i := 0; i < n; i++ {
			got(i, &treeFile{name: name(i), err: errors.New("unreadable")})
		}
		return 0
	}
	defer dir.Close()
	workers := opts.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	var (
		next  atomic.Int64
		total atomic.Int64
		wg    sync.WaitGroup
	)
	// Workers pull the next file as they free up, so one large image
	// occupies one worker while the others go through the small files.
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			h := sha256.New()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f, read := hashFile(dir, name(i), h, buf, opts)
				got(i, f)
				total.Add(read)
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

// hashFile hashes one file; nil means it does not exist.
func hashFile(dir treeDir, name string, h hash.Hash, buf []byte, opts VerifyOptions) (*treeFile, int64) {
	f := &treeFile{name: name}
	fd, size, regular, err := dir.open(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, 0
	case isNotRegularErr(err):
		f.err = errors.New("not a regular file")
		return f, 0
	case err != nil:
		f.err = errors.New("unreadable")
		return f, 0
	}
	defer fd.Close()
	if !regular {
		f.err = errors.New("not a regular file")
		return f, 0
	}
	if size > opts.Limits.Dir().MaxFileSize {
		f.err = fmt.Errorf("%d bytes, over the limit", size)
		return f, 0
	}
	h.Reset()
	var w io.Writer = h
	if opts.Progress != nil {
		w = io.MultiWriter(h, progressWriter(opts.Progress))
	}
	n, err := io.CopyBuffer(w, struct{ io.Reader }{fd}, buf)
	if err != nil {
		f.err = errors.New("read error")
		return f, n
	}
	f.size = n
	h.Sum(f.sum[:0])
	return f, n
}

// IsBundleMeta reports whether name is one of the files that describe a
// bundle rather than belong in a TFTP root (SHA256SUMS, its signatures,
// bundle.json); publish never copies them.
func IsBundleMeta(name string) bool { return IsSpecial(name) || name == ManifestName }

// IsOwnFile reports the files of a bundle that SHA256SUMS does not list:
// SHA256SUMS and its signatures, under the exact names pack writes. Any
// other file, bundle.json included, is content SHA256SUMS must list.
func IsOwnFile(name string) bool { return isBundleFile(name) }
