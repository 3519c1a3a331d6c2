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
	"slices"
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
	// files are an archive's files (bundle files excluded, bundle.json
	// included), hashed while walked, sorted by name; with judged, only
	// those SHA256SUMS does not list.
	files []treeFile
	// judged is set for a zip judged against its SHA256SUMS while walked.
	judged *archiveJudge
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
	// SHA256SUMS is read outside the Go heap and released on return:
	// every name that goes into res is copied (problem).
	var big bigBufs
	defer big.free()
	var t *verifyTree
	if fi.IsDir() {
		t, err = dirTree(path, false, opts, big.make)
	} else if t, err = walkTree(path, opts, zipSumsIndex(path, opts, big.make)); err != nil {
		return res, archiveError(res, err)
	}
	if err != nil {
		return res, err
	}
	content := t
	if opts.Root != "" {
		res.Root = opts.Root
		if content, err = dirTree(opts.Root, true, opts, nil); err != nil {
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
	// A zip whose SHA256SUMS was read through its directory first was
	// judged against it while walked (zipSumsIndex); the signatures
	// were just checked over the same bytes (walkTree compared them).
	if j := t.judged; j != nil {
		res.Files = len(j.x.lines)
		res.Bytes = j.bytes
		res.Problems = append(res.Problems, j.problems...)
		var missing []Sum
		for i, off := range j.x.lines {
			if !j.seen[i] {
				missing = append(missing, j.x.at(off))
			}
		}
		extras := make([]string, len(t.files))
		for i := range t.files {
			extras[i] = t.files[i].name
		}
		judgeMissing(res, t, missing, extras, opts)
		var manifest []Sum
		if off, ok := j.x.find(ManifestName); ok {
			manifest = []Sum{j.x.at(off)}
		}
		return finish(res, t, manifest, opts)
	}
	// Any other archive (and no live root: that is content.dir) was
	// hashed while walked, into a slice sorted by name, judged against
	// the same index.
	x, err := indexSums(unsafe.String(unsafe.SliceData(sumsData), len(sumsData)))
	if err != nil {
		return res, fmt.Errorf("%w: %s", ErrContent, strings.TrimPrefix(err.Error(), "bundle: "))
	}
	res.Files = len(x.lines)
	checkContentArchive(res, t, x, opts)
	var manifest []Sum
	if off, ok := x.find(ManifestName); ok {
		manifest = []Sum{x.at(off)}
	}
	return finish(res, t, manifest, opts)
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

// checkContentArchive judges the files of an archive, hashed while it was
// walked (t.files, by name), against SHA256SUMS (x): a problem for each
// file that differs, then missing and extra files. It keeps no per-file
// state beyond the two it is given.
func checkContentArchive(res *VerifyResult, t *verifyTree, x *sumsIndex, opts VerifyOptions) {
	var missing []Sum
	for _, off := range x.lines {
		s := x.at(off)
		f := t.file(s.Name)
		switch {
		case f == nil:
			missing = append(missing, s)
			continue
		case f.err != nil:
			res.Problems = append(res.Problems, FileProblem{Kind: Modified, File: strings.Clone(s.Name), Detail: f.err.Error()})
		case f.sum != s.SHA256:
			res.Problems = append(res.Problems, FileProblem{Kind: Modified, File: strings.Clone(s.Name), Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.size, hex.EncodeToString(f.sum[:]), hex.EncodeToString(s.SHA256[:]))})
		}
		res.Bytes += f.size
	}
	var extras []string
	for i := range t.files {
		if _, ok := x.find(t.files[i].name); !ok {
			extras = append(extras, t.files[i].name)
		}
	}
	judgeMissing(res, t, missing, extras, opts)
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
			p = &FileProblem{Kind: Modified, File: strings.Clone(s.Name), Detail: f.err.Error()}
		case f.sum != s.SHA256:
			p = &FileProblem{Kind: Modified, File: strings.Clone(s.Name), Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.size, hex.EncodeToString(f.sum[:]), hex.EncodeToString(s.SHA256[:]))}
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
				res.Problems = append(res.Problems, FileProblem{Kind: Renamed, File: name, From: strings.Clone(cands[0])})
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
			res.Problems = append(res.Problems, FileProblem{Kind: Missing, File: strings.Clone(m.Name)})
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
func readSpecial(r io.Reader, name string, size int64, alloc func(int) []byte) ([]byte, error) {
	limit := int64(MaxSumsSize)
	if name == ManifestName {
		limit = MaxManifestSize
	} else if name != SumsName {
		limit = sign.MaxKeyFileSize
	}
	// Sized from the start when the size is known, one byte over so that
	// reading to EOF does not grow it: SHA256SUMS of a million files is
	// 90 MB, and growing a buffer to it peaks at twice that. SHA256SUMS
	// goes into a buffer from alloc when it is not nil (outside the Go
	// heap); should the file have grown since its size was read, the
	// buffer grows onto the heap.
	n := int(min(max(size, 0), limit)) + 1
	var b []byte
	if alloc != nil && name == SumsName && size > 0 {
		b = alloc(n)[:0]
	} else {
		b = make([]byte, 0, n)
	}
	b, err := readAllTo(b, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("bundle: %s: larger than %d bytes", name, limit)
	}
	return b, nil
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

// archiveJudge is what walkTree keeps of a zip judged against its
// SHA256SUMS as it is walked: a flag per line, the problems and the
// bytes read; files not listed go to verifyTree.files.
type archiveJudge struct {
	sums     []byte     // SHA256SUMS as read through the zip's directory
	x        *sumsIndex // over sums
	seen     []bool     // by line, in x.lines order
	problems []FileProblem
	bytes    int64
}

// zipSumsIndex reads the SHA256SUMS of the zip at path through its
// central directory (VerifyZipMeta's reader) and indexes it, so that
// walkTree can judge each file as it is hashed instead of keeping every
// hash: nil for anything else (a tar, a zip without a readable
// SHA256SUMS), which is then judged after the walk.
func zipSumsIndex(path string, opts VerifyOptions, alloc func(int) []byte) *archiveJudge {
	meta, err := readZipMeta(path, opts.Limits.MaxFiles, alloc)
	if err != nil {
		return nil
	}
	sums, ok := meta[SumsName]
	if !ok {
		return nil
	}
	x, err := indexSums(unsafe.String(unsafe.SliceData(sums), len(sums)))
	if err != nil {
		return nil
	}
	return &archiveJudge{sums: sums, x: x, seen: make([]bool, len(x.lines))}
}

// judge compares a file as walked with its line of SHA256SUMS, and
// reports whether the file is listed.
func (j *archiveJudge) judge(f *treeFile) bool {
	off, ok := j.x.find(f.name)
	if !ok {
		return false
	}
	i, _ := slices.BinarySearch(j.x.lines, off)
	j.seen[i] = true
	j.bytes += f.size
	if s := j.x.at(off); f.sum != s.SHA256 {
		j.problems = append(j.problems, FileProblem{Kind: Modified, File: strings.Clone(s.Name), Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.size, hex.EncodeToString(f.sum[:]), hex.EncodeToString(s.SHA256[:]))})
	}
	return true
}

// walkTree reads an archive in one pass through Walk, hashing every file
// into t.files, or with j judging it at once; the small bundle files are
// kept in memory.
func walkTree(path string, opts VerifyOptions, j *archiveJudge) (*verifyTree, error) {
	t := &verifyTree{special: map[string][]byte{}, judged: j}
	buf := make([]byte, 256<<10)
	h := sha256.New()
	err := container.Walk(path, opts.Limits, func(e container.Entry, r io.Reader) error {
		if j != nil && e.Name == SumsName {
			// The bytes j judges by are this entry's: compared, not kept
			// twice.
			if err := sameBytes(r, j.sums, buf); err != nil {
				return err
			}
			t.special[SumsName] = j.sums
			return nil
		}
		if isBundleFile(e.Name) || e.Name == ManifestName {
			data, err := readSpecial(r, e.Name, e.Size, nil)
			if err != nil {
				return err
			}
			t.special[e.Name] = data
			if e.Name == ManifestName {
				f := treeFile{name: e.Name, size: e.Size, sum: sha256.Sum256(data)}
				if j == nil || !j.judge(&f) {
					t.files = append(t.files, f)
				}
			}
			return nil
		}
		f := treeFile{name: e.Name, size: e.Size}
		h.Reset()
		if _, err := io.CopyBuffer(io.MultiWriter(h, progressWriter(opts.Progress)), r, buf); err != nil {
			return err
		}
		h.Sum(f.sum[:0])
		if j == nil || !j.judge(&f) {
			t.files = append(t.files, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if j != nil && t.special[SumsName] == nil {
		return nil, fmt.Errorf("bundle: %s: %s read through the directory but not walked", path, SumsName)
	}
	// Walk gives a zip's or a tar file's entries in name order, a tar
	// stream's in archive order.
	if !slices.IsSortedFunc(t.files, cmpTreeFile) {
		slices.SortFunc(t.files, cmpTreeFile)
	}
	t.files = slices.Clip(t.files)
	t.hash = func(names []string) (map[string]*treeFile, int64) {
		out := make(map[string]*treeFile, len(names))
		var n int64
		for _, name := range names {
			if f := t.file(name); f != nil {
				out[name] = f
				n += f.size
			}
		}
		return out, n
	}
	return t, nil
}

// sameBytes reads r to its end and reports whether it held exactly want.
func sameBytes(r io.Reader, want, buf []byte) error {
	for {
		n, err := r.Read(buf)
		if n > len(want) || !bytes.Equal(buf[:n], want[:n]) {
			return fmt.Errorf("bundle: %s differs from the copy read through the zip's directory", SumsName)
		}
		want = want[n:]
		if errors.Is(err, io.EOF) {
			if len(want) != 0 {
				return fmt.Errorf("bundle: %s is shorter than the copy read through the zip's directory", SumsName)
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func cmpTreeFile(a, b treeFile) int { return strings.Compare(a.name, b.name) }

// file returns the archive file of that name, or nil.
func (t *verifyTree) file(name string) *treeFile {
	i, ok := slices.BinarySearchFunc(t.files, name, func(f treeFile, name string) int { return strings.Compare(f.name, name) })
	if !ok {
		return nil
	}
	return &t.files[i]
}

// dirTree reads a directory's bundle files (live: a TFTP root, which has
// none that count) and starts listing it in the
// background; files are opened by name and hashed in parallel once the
// signatures are known to be good, while the listing (needed only to find
// extra files) goes on.
func dirTree(root string, live bool, opts VerifyOptions, alloc func(int) []byte) (*verifyTree, error) {
	t := &verifyTree{special: map[string][]byte{}}
	if !live {
		var err error
		if t.special, err = readDirMeta(root, alloc); err != nil {
			return nil, err
		}
	}
	t.dir, t.live = root, live
	t.hash = func(names []string) (map[string]*treeFile, int64) { return hashDir(root, names, opts) }
	return t, nil
}

// readDirMeta reads the small files of a bundle directory: SHA256SUMS,
// bundle.json and every signature file, by name; missing ones are left out.
// SHA256SUMS is read into a buffer from alloc when it is not nil.
func readDirMeta(root string, alloc func(int) []byte) (map[string][]byte, error) {
	special := map[string][]byte{}
	names := []string{SumsName, ManifestName}
	// Signature files are found by their names, every one that
	// signatureKind accepts, gaps or not.
	for n := 1; n <= MaxSignatures; n++ {
		names = append(names, SignatureName(sign.KindMinisign, n), SignatureName(sign.KindSSH, n))
	}
	for _, name := range names {
		data, err := readFileLimited(filepath.Join(root, name), name, alloc)
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

// walkDirNames calls fn with the name of every file under root (bundle
// files, and in a live root the journal, excluded), as the directory is
// read.
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
func readFileLimited(p, name string, alloc func(int) []byte) ([]byte, error) {
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
	return readSpecial(f, name, size, alloc)
}

// bigBufs hands out buffers outside the Go heap (offHeap) and releases
// them all at once.
type bigBufs struct{ frees []func() }

func (b *bigBufs) make(n int) []byte {
	buf, free := offHeap(n)
	b.frees = append(b.frees, free)
	return buf
}

func (b *bigBufs) free() {
	for _, f := range b.frees {
		f()
	}
	b.frees = nil
}

// offHeapMin is the smallest buffer offHeap maps; tests lower it.
var offHeapMin = 1 << 20

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
