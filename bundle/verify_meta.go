package bundle

import (
	"errors"
	"fmt"
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
