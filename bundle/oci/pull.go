package oci

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/sign"
)

// PullOptions control Pull and Fetch.
type PullOptions struct {
	Options
	// Verify is how the bundle is verified, as by `phoneload verify`
	// (trusted keys, threshold, minimum sequence). Trust is required.
	Verify bundle.VerifyOptions
	// Reuse lists directories (a live TFTP root, an earlier pull) whose
	// files, under the name SHA256SUMS lists and with its SHA-256, are
	// copied instead of fetched.
	Reuse []string
	// Check, if set, runs once the signatures and bundle.json are
	// verified and before any other blob is fetched; its error ends the
	// pull (sync refuses a rollback here).
	Check func(m *bundle.Manifest, sums []byte) error
	// Workers fetch blobs in parallel; 0 means 4.
	Workers  int
	Progress func(n int64) // bytes fetched or copied so far; called from several goroutines
}

// PullResult is what `phoneload pull --json` prints (docs/distribution.md).
type PullResult struct {
	Ref          string               `json:"ref"`
	Digest       string               `json:"digest"` // of the OCI manifest
	Out          string               `json:"out,omitempty"`
	Name         string               `json:"name"`
	Sequence     uint64               `json:"sequence"`
	Files        int                  `json:"files"`         // files listed in SHA256SUMS
	Fetched      int                  `json:"fetched"`       // blobs fetched
	FetchedBytes int64                `json:"fetched_bytes"` // their bytes
	Reused       int                  `json:"reused"`        // files copied from a --reuse directory or from another file of the bundle
	ReusedBytes  int64                `json:"reused_bytes"`
	SentBytes    int64                `json:"sent_bytes"` // on the wire (HTTP bodies), or read from a layout
	RecvBytes    int64                `json:"received_bytes"`
	Verify       *bundle.VerifyResult `json:"verify"` // the verification of what was pulled
}

// IsZipOut reports whether Pull writes out as a zip (name ends in .zip).
func IsZipOut(out string) bool { return strings.EqualFold(filepath.Ext(out), ".zip") }

// Pull fetches the bundle at ref into out, a directory that must not exist
// (or be empty) or a file ending in .zip. Nothing is written to out unless
// everything verified: the signatures over SHA256SUMS and bundle.json
// first, then every blob against SHA256SUMS, then the whole staged bundle
// as `phoneload verify` checks it. Errors wrap bundle.ErrSignature,
// ErrContent or ErrPolicy when verification failed.
func Pull(ctx context.Context, ref Ref, out string, opts PullOptions) (*PullResult, error) {
	if err := checkOut(out); err != nil {
		return nil, err
	}
	parent := filepath.Dir(out)
	stage, res, err := Fetch(ctx, ref, parent, opts)
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(stage)
	res.Out = out
	if IsZipOut(out) {
		var created time.Time
		if res.Verify != nil && res.Verify.Bundle != nil {
			created = res.Verify.Bundle.Created
		}
		return res, writeZip(stage, out, created)
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("oci: %w", err)
	}
	if err := os.Rename(stage, out); err != nil {
		return res, fmt.Errorf("oci: %w", err)
	}
	return res, atomicfile.SyncDir(parent)
}

// checkOut refuses an output that exists (an empty directory aside).
func checkOut(out string) error {
	fi, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("oci: %w", err)
	}
	if fi.IsDir() && !IsZipOut(out) {
		if ents, err := os.ReadDir(out); err == nil && len(ents) == 0 {
			return nil
		}
	}
	return fmt.Errorf("oci: %s: %w", out, fs.ErrExist)
}

// Fetch pulls and verifies the bundle at ref into a new directory under
// parent and returns it; the caller removes it. On error nothing is left.
func Fetch(ctx context.Context, ref Ref, parent string, opts PullOptions) (stage string, res *PullResult, err error) {
	if opts.Verify.Trust == nil || opts.Verify.Trust.Empty() {
		return "", nil, ErrNoVerify
	}
	if opts.Stats == nil {
		opts.Stats = new(Stats)
	}
	res = &PullResult{Ref: ref.String()}
	defer func() {
		res.SentBytes, res.RecvBytes = opts.Stats.Sent.Load(), opts.Stats.Received.Load()
	}()
	st, err := open(ctx, ref, opts.Options, false)
	if err != nil {
		return "", res, err
	}
	desc, man, err := fetchManifest(ctx, st, ref)
	if err != nil {
		return "", res, err
	}
	res.Digest = desc.Digest.String()
	files, err := artifactFiles(man, opts.Verify.Limits)
	if err != nil {
		return "", res, err
	}

	// 1. The bundle's own files, verified before anything else is fetched.
	meta := map[string][]byte{}
	for _, f := range files {
		if !bundle.IsBundleMeta(f.name) {
			continue
		}
		data, err := fetchSmall(ctx, st, f)
		if err != nil {
			return "", res, err
		}
		meta[f.name] = data
	}
	vres, sums, err := bundle.VerifyMeta(meta, opts.Verify)
	res.Verify = vres
	if vres != nil && vres.Bundle != nil {
		res.Name, res.Sequence = vres.Bundle.Name, vres.Bundle.Sequence
	}
	if err != nil {
		return "", res, err
	}
	res.Files = len(sums)
	if opts.Check != nil {
		if err := opts.Check(vres.Bundle, meta[bundle.SumsName]); err != nil {
			return "", res, err
		}
	}

	// 2. The artifact must list exactly what the signed SHA256SUMS lists.
	byName := map[string]blobFile{}
	for _, f := range files {
		byName[f.name] = f
	}
	var problems []string
	var todo []blobFile
	listed := map[string]bool{}
	for _, s := range sums {
		listed[s.Name] = true
		if s.Name == bundle.ManifestName {
			continue // fetched and verified with the signatures
		}
		f, ok := byName[s.Name]
		want := digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(s.SHA256[:]))
		switch {
		case !ok:
			problems = append(problems, "missing: "+s.Name+" (not in the artifact)")
		case f.desc.Digest != want:
			problems = append(problems, fmt.Sprintf("modified: %s (artifact lists %s, SHA256SUMS says %s)", s.Name, f.desc.Digest, want))
		default:
			todo = append(todo, f)
		}
	}
	for _, f := range files {
		if !listed[f.name] && !bundle.IsBundleMeta(f.name) {
			problems = append(problems, "extra: "+f.name+" (not in SHA256SUMS)")
		}
	}
	if len(problems) > 0 {
		return "", res, contentError(problems)
	}

	// 3. Every other blob, into a staging directory, digest checked.
	stage, err = os.MkdirTemp(parent, ".phoneload-pull-")
	if err != nil {
		return "", res, fmt.Errorf("oci: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(stage)
			stage = ""
		}
	}()
	for name, data := range meta {
		if err := os.WriteFile(filepath.Join(stage, name), data, 0o644); err != nil {
			return stage, res, fmt.Errorf("oci: %w", err)
		}
	}
	if err := fetchAll(ctx, st, stage, todo, res, opts); err != nil {
		return stage, res, err
	}

	// 4. The staged bundle, exactly as `phoneload verify` checks it.
	full, err := bundle.Verify(stage, opts.Verify)
	if full != nil {
		full.Path = ref.String()
		res.Verify = full
	}
	if err != nil {
		return stage, res, &bundle.VerifyError{Result: full, Err: err}
	}
	if err := os.Chmod(stage, 0o755); err != nil {
		return stage, res, fmt.Errorf("oci: %w", err)
	}
	return stage, res, nil
}

// blobFile is one layer of the artifact: a file of the bundle.
type blobFile struct {
	name string
	desc ocispec.Descriptor
}

func fetchManifest(ctx context.Context, st store, ref Ref) (ocispec.Descriptor, *ocispec.Manifest, error) {
	desc, err := st.Resolve(ctx, ref.Reference())
	if err != nil {
		return desc, nil, wrapRemote(err, ref.String())
	}
	if ref.Digest != "" && desc.Digest.String() != ref.Digest {
		return desc, nil, fmt.Errorf("oci: %s resolved to %s", ref, desc.Digest)
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return desc, nil, fmt.Errorf("oci: %s is a %s, not a phoneload bundle (%s)", ref, desc.MediaType, ArtifactType)
	}
	if desc.Size > MaxManifestSize || desc.Size < 0 {
		return desc, nil, fmt.Errorf("oci: %s: manifest of %d bytes, larger than %d", ref, desc.Size, MaxManifestSize)
	}
	rc, err := st.Fetch(ctx, desc)
	if err != nil {
		return desc, nil, wrapRemote(err, ref.String())
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, desc.Size+1))
	if err != nil {
		return desc, nil, wrapRemote(err, ref.String())
	}
	if int64(len(body)) != desc.Size || digest.FromBytes(body) != desc.Digest {
		return desc, nil, fmt.Errorf("%w: %s: manifest does not match its digest %s", bundle.ErrContent, ref, desc.Digest)
	}
	m, err := parseManifest(body)
	if err != nil {
		return desc, nil, fmt.Errorf("oci: %s: %w", ref, err)
	}
	return desc, m, nil
}

// parseManifest decodes an OCI manifest of a phoneload bundle.
func parseManifest(body []byte) (*ocispec.Manifest, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("manifest: %v", err)
	}
	if m.MediaType != "" && m.MediaType != ocispec.MediaTypeImageManifest {
		return nil, fmt.Errorf("manifest media type %q, want %s", m.MediaType, ocispec.MediaTypeImageManifest)
	}
	if m.ArtifactType != ArtifactType {
		return nil, fmt.Errorf("artifact type %q, not a phoneload bundle (%s)", m.ArtifactType, ArtifactType)
	}
	return &m, nil
}

// artifactFiles checks the layers: each a file with a safe, unique name.
func artifactFiles(m *ocispec.Manifest, lim container.Limits) ([]blobFile, error) {
	lim = lim.Bundle()
	if len(m.Layers) > lim.MaxFiles+2*bundle.MaxSignatures+2 {
		return nil, fmt.Errorf("oci: artifact has %d layers, more than %d files", len(m.Layers), lim.MaxFiles)
	}
	seen := map[string]bool{}
	var total int64
	metas := 0
	out := make([]blobFile, 0, len(m.Layers))
	for i, l := range m.Layers {
		name := l.Annotations[AnnotationTitle]
		if err := bundle.CheckName(name); err != nil {
			return nil, fmt.Errorf("%w: layer %d: %v", bundle.ErrContent, i, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: layer %d: %s twice", bundle.ErrContent, i, name)
		}
		seen[name] = true
		if l.Digest.Validate() != nil || l.Digest.Algorithm() != digest.SHA256 {
			return nil, fmt.Errorf("%w: %s: digest %q is not sha256", bundle.ErrContent, name, l.Digest)
		}
		if l.Size < 0 || l.Size > lim.MaxFileSize {
			return nil, fmt.Errorf("%w: %s: %d bytes, over the limit", bundle.ErrContent, name, l.Size)
		}
		if total += l.Size; total > lim.MaxTotalSize {
			return nil, fmt.Errorf("%w: artifact larger than %d bytes", bundle.ErrContent, lim.MaxTotalSize)
		}
		if bundle.IsBundleMeta(name) {
			if metas++; metas > 2*bundle.MaxSignatures+2 {
				return nil, fmt.Errorf("%w: more than %d signature files", bundle.ErrContent, 2*bundle.MaxSignatures)
			}
			if max := metaLimit(name); l.Size > max {
				return nil, fmt.Errorf("%w: %s: %d bytes, larger than %d", bundle.ErrContent, name, l.Size, max)
			}
		}
		out = append(out, blobFile{name: name, desc: ocispec.Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size}})
	}
	return out, nil
}

// metaLimit bounds a bundle's own file, as verify reads it.
func metaLimit(name string) int64 {
	switch name {
	case bundle.SumsName:
		return bundle.MaxSumsSize
	case bundle.ManifestName:
		return bundle.MaxManifestSize
	}
	return sign.MaxKeyFileSize
}

// fetchSmall fetches a small blob into memory, checking its digest.
func fetchSmall(ctx context.Context, st store, f blobFile) ([]byte, error) {
	rc, err := st.Fetch(ctx, f.desc)
	if err != nil {
		return nil, blobError(err, f)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, f.desc.Size+1))
	if err != nil {
		return nil, blobError(err, f)
	}
	if int64(len(data)) != f.desc.Size || digest.FromBytes(data) != f.desc.Digest {
		return nil, fmt.Errorf("%w: modified: %s (received %d bytes, sha256 %s; want %s)", bundle.ErrContent, f.name, len(data), digest.FromBytes(data).Encoded(), f.desc.Digest.Encoded())
	}
	return data, nil
}

// fetchAll writes every file of todo under stage: copied from a reuse
// directory or an identical file already fetched, else fetched.
func fetchAll(ctx context.Context, st store, stage string, todo []blobFile, res *PullResult, opts PullOptions) error {
	// Files with the same content are fetched once.
	groups := map[digest.Digest][]blobFile{}
	var order []digest.Digest
	for _, f := range todo {
		if groups[f.desc.Digest] == nil {
			order = append(order, f.desc.Digest)
		}
		groups[f.desc.Digest] = append(groups[f.desc.Digest], f)
	}
	sort.Slice(order, func(i, j int) bool { return groups[order[i]][0].name < groups[order[j]][0].name })
	workers := opts.Workers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan digest.Digest)
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for dg := range next {
				if err := fetchGroup(ctx, st, stage, groups[dg], res, &mu, opts); err != nil {
					fail(err)
				}
			}
		}()
	}
feed:
	for _, dg := range order {
		select {
		case next <- dg:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

func fetchGroup(ctx context.Context, st store, stage string, group []blobFile, res *PullResult, mu *sync.Mutex, opts PullOptions) error {
	count := func(fetched bool, n int64) {
		mu.Lock()
		defer mu.Unlock()
		if fetched {
			res.Fetched++
			res.FetchedBytes += n
		} else {
			res.Reused++
			res.ReusedBytes += n
		}
	}
	first := group[0]
	dst := filepath.Join(stage, filepath.FromSlash(first.name))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("oci: %w", err)
	}
	reused := false
	for _, dir := range opts.Reuse {
		for _, f := range group {
			ok, err := copyIfSame(filepath.Join(dir, filepath.FromSlash(f.name)), dst, f.desc, opts.Progress)
			if err != nil {
				return err
			}
			if ok {
				reused = true
				break
			}
		}
		if reused {
			break
		}
	}
	if reused {
		count(false, first.desc.Size)
	} else {
		if err := fetchFile(ctx, st, first, dst, opts.Progress); err != nil {
			return err
		}
		count(true, first.desc.Size)
	}
	for _, f := range group[1:] {
		p := filepath.Join(stage, filepath.FromSlash(f.name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("oci: %w", err)
		}
		ok, err := copyIfSame(dst, p, f.desc, nil)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("oci: %s changed while pulling", dst)
		}
		count(false, f.desc.Size)
	}
	return nil
}

// fetchFile fetches one blob into dst, checking its size and digest.
func fetchFile(ctx context.Context, st store, f blobFile, dst string, prog func(int64)) error {
	rc, err := st.Fetch(ctx, f.desc)
	if err != nil {
		return blobError(err, f)
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("oci: %w", err)
	}
	h := sha256.New()
	var w io.Writer = io.MultiWriter(out, h)
	if prog != nil {
		w = io.MultiWriter(w, progress(prog))
	}
	n, err := io.Copy(w, io.LimitReader(rc, f.desc.Size+1))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return blobError(err, f)
	}
	got := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil))
	if n != f.desc.Size || got != f.desc.Digest {
		return fmt.Errorf("%w: modified: %s (received %d bytes, sha256 %s; SHA256SUMS says %d bytes, %s)", bundle.ErrContent, f.name, n, got.Encoded(), f.desc.Size, f.desc.Digest.Encoded())
	}
	return nil
}

// copyIfSame copies src to dst when src is a regular file (not a link) of
// the wanted size and digest, checking the digest on the bytes copied.
// It reports false, and leaves no dst, when src is absent or differs.
func copyIfSame(src, dst string, want ocispec.Descriptor, prog func(int64)) (bool, error) {
	fi, err := os.Lstat(src)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != want.Size {
		return false, nil
	}
	in, err := os.Open(src)
	if err != nil {
		return false, nil
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false, fmt.Errorf("oci: %w", err)
	}
	h := sha256.New()
	var w io.Writer = io.MultiWriter(out, h)
	if prog != nil {
		w = io.MultiWriter(w, progress(prog))
	}
	n, err := io.Copy(w, io.LimitReader(in, want.Size+1))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n == want.Size && digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil)) == want.Digest {
		return true, nil
	}
	os.Remove(dst)
	if err != nil {
		return false, fmt.Errorf("oci: %w", err)
	}
	return false, nil
}

// blobError names the file whose blob could not be fetched.
func blobError(err error, f blobFile) error {
	switch {
	case errors.Is(err, errdef.ErrNotFound):
		return fmt.Errorf("%w: missing: %s (blob %s is not in the registry)", bundle.ErrContent, f.name, f.desc.Digest)
	case strings.Contains(err.Error(), "mismatch Content-Length"), strings.Contains(err.Error(), "mismatch digest"):
		return fmt.Errorf("%w: modified: %s (%v)", bundle.ErrContent, f.name, err)
	}
	return wrapRemote(err, "fetch "+f.name)
}

// wrapRemote classes a registry's error: refused credentials, or the
// operation that failed.
func wrapRemote(err error, what string) error {
	var er *errcode.ErrorResponse
	if errors.As(err, &er) && (er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%w: %s: %s %s: HTTP %d", ErrAuth, what, er.Method, er.URL.Redacted(), er.StatusCode)
	}
	if errors.Is(err, auth.ErrBasicCredentialNotFound) {
		return fmt.Errorf("%w: %s: the registry asks for a login and no credentials are stored for it", ErrAuth, what)
	}
	if errors.Is(err, errdef.ErrNotFound) {
		return fmt.Errorf("oci: %s: not found", what)
	}
	if errors.Is(err, bundle.ErrContent) || errors.Is(err, ErrAuth) {
		return err
	}
	return fmt.Errorf("oci: %s: %w", what, err)
}

func contentError(problems []string) error {
	msg := strings.Join(problems, "; ")
	if len(problems) > 3 {
		msg = strings.Join(problems[:3], "; ") + fmt.Sprintf("; and %d more", len(problems)-3)
	}
	return fmt.Errorf("%w: %s", bundle.ErrContent, msg)
}

// writeZip writes the staged bundle as a zip at out (temp file, rename).
func writeZip(stage, out string, mod time.Time) error {
	if mod.IsZero() {
		mod = time.Unix(0, 0)
	}
	var names []string
	err := filepath.WalkDir(stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(stage, p)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return fmt.Errorf("oci: %w", err)
	}
	sort.Strings(names)
	return atomicfile.Write(out, 0o644, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, name := range names {
			hdr := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod.UTC()}
			hdr.SetMode(0o644)
			fw, err := zw.CreateHeader(hdr)
			if err != nil {
				return err
			}
			f, err := os.Open(filepath.Join(stage, filepath.FromSlash(name)))
			if err != nil {
				return err
			}
			_, err = io.Copy(fw, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return zw.Close()
	})
}
