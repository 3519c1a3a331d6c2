package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// VerifyMeta checks a bundle from its own small files alone, before any
// other file is fetched (pull from a registry): meta holds SHA256SUMS, its
// signatures and bundle.json, by name. Signatures over SHA256SUMS are
// checked first, then bundle.json against its listed SHA-256, then expiry
// and sequence. It returns the parsed SHA256SUMS; the result's Files is
// its length and no file content is judged. Errors wrap ErrSignature,
// ErrContent or ErrPolicy as VerifyBundle's do.
func VerifyMeta(meta map[string][]byte, opts VerifyOptions) (*VerifyResult, []Sum, error) {
	if opts.Trust == nil || opts.Trust.Empty() {
		return nil, nil, errors.New("bundle: no trusted keys to verify with")
	}
	if opts.Threshold <= 0 {
		opts.Threshold = 1
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	res := &VerifyResult{Threshold: opts.Threshold, Trusted: opts.Trust.IDs(), Signatures: []SignatureResult{}, Problems: []FileProblem{}, Unlisted: []string{}, Policy: []string{}}
	if n := opts.Trust.Distinct(); opts.Threshold > n {
		return nil, nil, fmt.Errorf("bundle: threshold %d is more than the %d distinct trusted key(s)", opts.Threshold, n)
	}
	special := map[string][]byte{}
	for name, data := range meta {
		if isBundleFile(name) || name == ManifestName {
			special[name] = data
		}
	}
	sumsData, ok := special[SumsName]
	if !ok {
		return res, nil, fmt.Errorf("%w: no %s", ErrSignature, SumsName)
	}
	if err := checkSignatures(res, special, sumsData, opts); err != nil {
		return res, nil, err
	}
	sums, err := ParseSums(sumsData)
	if err != nil {
		return res, nil, fmt.Errorf("%w: %s", ErrContent, strings.TrimPrefix(err.Error(), "bundle: "))
	}
	res.Files = len(sums)
	// As with a live root: bundle.json is judged here, a missing or
	// modified one reported as a content problem.
	checkPolicy(res, &verifyTree{special: special}, sums, VerifyOptions{Root: "-", Now: opts.Now, MinSequence: opts.MinSequence})
	switch {
	case len(res.Problems) > 0:
		return res, sums, fmt.Errorf("%w: %s", ErrContent, res.Problems[0])
	case len(res.Policy) > 0:
		return res, sums, fmt.Errorf("%w: %s", ErrPolicy, strings.Join(res.Policy, "; "))
	}
	return res, sums, nil
}

// VerifyDirMeta checks a bundle directory from its own small files alone
// (SHA256SUMS, its signatures, bundle.json), as VerifyMeta does, for a
// caller that reads every other file once itself and must then check each
// against the returned SHA256SUMS (publish hashes while staging, and reports
// a mismatch with CheckContent). It returns the exact bytes of SHA256SUMS
// the signatures were verified over, and their parsed lines. Errors wrap
// ErrSignature, ErrContent or ErrPolicy as Verify's do.
func VerifyDirMeta(dir string, opts VerifyOptions) (*VerifyResult, []byte, []Sum, error) {
	meta, err := readDirMeta(dir, nil)
	if err != nil {
		return &VerifyResult{Path: dir, Signatures: []SignatureResult{}, Problems: []FileProblem{}, Unlisted: []string{}, Policy: []string{}}, nil, nil, err
	}
	if _, ok := meta[SumsName]; !ok && opts.Trust != nil && !opts.Trust.Empty() {
		res := &VerifyResult{Path: dir, Signatures: []SignatureResult{}, Problems: []FileProblem{}, Unlisted: []string{}, Policy: []string{}}
		return res, nil, nil, fmt.Errorf("%w: %s has no %s", ErrSignature, dir, SumsName)
	}
	res, sums, err := VerifyMeta(meta, opts)
	if res != nil {
		res.Path = dir
		manifestProblem(res, meta, sums)
	}
	if err != nil {
		return res, nil, nil, err
	}
	return res, meta[SumsName], sums, nil
}

// ContentFile is one file a caller read and hashed itself, for
// CheckContent.
type ContentFile struct {
	Size   int64
	SHA256 [32]byte
}

// CheckContent judges files, read and hashed by the caller, against the
// SHA256SUMS lines VerifyDirMeta verified (bundle.json, checked there, is
// not expected in files), as Verify judges a bundle directory: it fills
// res.Problems (modified, missing, extra, renamed) and res.Bytes, and
// returns an error wrapping ErrContent when anything does not match, after
// which res is no longer Valid.
func CheckContent(res *VerifyResult, sums []Sum, files map[string]ContentFile) error {
	res.Problems = res.Problems[:0]
	listed := make(map[string]bool, len(sums))
	var missing []Sum
	res.Bytes = 0
	for _, f := range files {
		res.Bytes += f.Size
	}
	for _, s := range sums {
		listed[s.Name] = true
		if s.Name == ManifestName {
			continue
		}
		f, ok := files[s.Name]
		switch {
		case !ok:
			missing = append(missing, s)
		case f.SHA256 != s.SHA256:
			res.Problems = append(res.Problems, FileProblem{Kind: Modified, File: s.Name, Detail: fmt.Sprintf("%d bytes, sha256 %s, want %s", f.Size, hex.EncodeToString(f.SHA256[:]), hex.EncodeToString(s.SHA256[:]))})
		}
	}
	bySum := map[[32]byte][]string{}
	for _, m := range missing {
		bySum[m.SHA256] = append(bySum[m.SHA256], m.Name)
	}
	var extras []string
	for name := range files {
		if !listed[name] {
			extras = append(extras, name)
		}
	}
	sort.Strings(extras)
	renamedFrom := map[string]bool{}
	for _, name := range extras {
		if cands := bySum[files[name].SHA256]; len(cands) > 0 {
			res.Problems = append(res.Problems, FileProblem{Kind: Renamed, File: name, From: cands[0]})
			renamedFrom[cands[0]] = true
			bySum[files[name].SHA256] = cands[1:]
			continue
		}
		res.Problems = append(res.Problems, FileProblem{Kind: Extra, File: name})
	}
	for _, m := range missing {
		if !renamedFrom[m.Name] {
			res.Problems = append(res.Problems, FileProblem{Kind: Missing, File: m.Name})
		}
	}
	if len(res.Problems) == 0 {
		return nil
	}
	sort.Slice(res.Problems, func(i, j int) bool { return res.Problems[i].File < res.Problems[j].File })
	res.Valid = false
	return fmt.Errorf("%w: %d problem(s)", ErrContent, len(res.Problems))
}

// manifestProblem words a problem with bundle.json as Verify words one
// with any file of a bundle directory or zip, of which it is content.
func manifestProblem(res *VerifyResult, meta map[string][]byte, sums []Sum) {
	for i, p := range res.Problems {
		if p.File != ManifestName {
			continue
		}
		res.Problems[i].Detail = ""
		for _, s := range sums {
			if data, ok := meta[ManifestName]; ok && s.Name == ManifestName {
				got := sha256.Sum256(data)
				res.Problems[i].Detail = fmt.Sprintf("%d bytes, sha256 %s, want %s", len(data), hex.EncodeToString(got[:]), hex.EncodeToString(s.SHA256[:]))
			}
		}
	}
}
