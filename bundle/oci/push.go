package oci

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
)

// PushOptions control Push.
type PushOptions struct {
	Options
	// Verify is how the bundle is verified (bundle.Verify: signatures,
	// content, policy) before anything is sent; Push refuses to run
	// without it unless SkipVerify is set. A failure is a
	// *bundle.VerifyError.
	Verify     *bundle.VerifyOptions
	SkipVerify bool
	Limits     container.Limits
	Progress   func(n int64) // bytes of the bundle read so far; called from several goroutines
	Workers    int           // files uploaded in parallel; 0 means 4
}

// PushResult is what `phoneload push --json` prints (docs/distribution.md).
type PushResult struct {
	Ref       string `json:"ref"`
	Digest    string `json:"digest"` // of the OCI manifest
	Name      string `json:"name"`
	Sequence  uint64 `json:"sequence"`
	Files     int    `json:"files"`      // files of the bundle, its own files included
	Blobs     int    `json:"blobs"`      // distinct blobs
	Uploaded  int    `json:"uploaded"`   // blobs sent
	UpBytes   int64  `json:"up_bytes"`   // their bytes
	Present   int    `json:"present"`    // blobs the target already had
	SentBytes int64  `json:"sent_bytes"` // on the wire (HTTP bodies), or written to a layout
	RecvBytes int64  `json:"received_bytes"`
}

// ErrNoVerify is returned by Push and Pull without a verification.
var ErrNoVerify = errors.New("oci: no signature verification configured")

// Push stores the bundle at src (a directory or zip) under ref. The bundle
// is verified first; then every file becomes one blob whose digest is the
// SHA-256 that SHA256SUMS lists (blobs already in the target are not sent
// again), and an OCI manifest of artifact type ArtifactType lists them,
// with the name, sequence, expiry and models of bundle.json as
// annotations. The tag is moved last.
func Push(ctx context.Context, src string, ref Ref, opts PushOptions) (*PushResult, error) {
	opts.Limits = opts.Limits.Bundle() // zero fields: container.DefaultBundleLimits
	if opts.Verify == nil && !opts.SkipVerify {
		return nil, ErrNoVerify
	}
	if ref.Tag == "" {
		return nil, fmt.Errorf("oci: push to %s: a tag is needed", ref)
	}
	if opts.Verify != nil {
		if res, err := bundle.Verify(src, *opts.Verify); err != nil {
			return nil, &bundle.VerifyError{Result: res, Err: err}
		}
	}
	if opts.Stats == nil {
		opts.Stats = new(Stats)
	}
	// Pass 1: the bundle's own files, which say what every blob is.
	meta := map[string][]byte{}
	err := container.Walk(src, opts.Limits, func(e container.Entry, r io.Reader) error {
		if !bundle.IsBundleMeta(e.Name) {
			return nil
		}
		if e.Size > bundle.MaxSumsSize {
			return fmt.Errorf("oci: %s: %s is %d bytes, too large", src, e.Name, e.Size)
		}
		data, err := io.ReadAll(r)
		meta[e.Name] = data
		return err
	})
	if err != nil {
		return nil, err
	}
	sumsData, ok := meta[bundle.SumsName]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s", bundle.ErrSignature, src, bundle.SumsName)
	}
	sums, err := bundle.ParseSums(sumsData)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", bundle.ErrContent, src, err)
	}
	want := make(map[string]string, len(sums))
	for _, s := range sums {
		want[s.Name] = hex.EncodeToString(s.SHA256[:])
	}
	m, err := bundle.ParseManifest(meta[bundle.ManifestName])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", bundle.ErrContent, src, err)
	}

	st, err := open(ctx, ref, opts.Options, true)
	if err != nil {
		return nil, err
	}
	res := &PushResult{Ref: ref.String(), Name: m.Name, Sequence: m.Sequence}
	var (
		mu     sync.Mutex // layers, seen, res: files are pushed in parallel
		layers []ocispec.Descriptor
		seen   = map[digest.Digest]bool{}
	)
	push := func(name string, size int64, dg digest.Digest, r io.Reader) error {
		desc := ocispec.Descriptor{MediaType: mediaTypeFor(name), Digest: dg, Size: size, Annotations: map[string]string{AnnotationTitle: name}}
		mu.Lock()
		layers = append(layers, desc)
		res.Files++
		first := !seen[dg]
		if first {
			seen[dg] = true
			res.Blobs++
		}
		mu.Unlock()
		h := sha256.New()
		tee := io.TeeReader(r, h)
		if opts.Progress != nil {
			tee = io.TeeReader(tee, progress(opts.Progress))
		}
		if first {
			blob := ocispec.Descriptor{MediaType: desc.MediaType, Digest: dg, Size: size}
			ok, err := st.Exists(ctx, blob)
			if err != nil {
				return wrapRemote(err, name)
			}
			if !ok {
				err = st.Push(ctx, blob, tee)
				if err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
					return wrapRemote(err, name)
				}
			}
			mu.Lock()
			if ok {
				res.Present++
			} else {
				res.Uploaded++
				res.UpBytes += size
			}
			mu.Unlock()
		}
		// What was not sent is still read: the bundle must be what
		// SHA256SUMS says, blob by blob.
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return err
		}
		if got := digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil)); got != dg {
			return fmt.Errorf("%w: modified: %s (sha256 %s, SHA256SUMS says %s)", bundle.ErrContent, name, got.Encoded(), dg.Encoded())
		}
		return nil
	}
	// The bundle's own files first, so that a reader finds them at once.
	var metaNames []string
	for name := range meta {
		metaNames = append(metaNames, name)
	}
	sort.Slice(metaNames, func(i, j int) bool {
		return metaRank(metaNames[i]) < metaRank(metaNames[j]) || metaRank(metaNames[i]) == metaRank(metaNames[j]) && metaNames[i] < metaNames[j]
	})
	for _, name := range metaNames {
		data := meta[name]
		if err := push(name, int64(len(data)), digest.FromBytes(data), bytes.NewReader(data)); err != nil {
			return res, err
		}
	}
	// Pass 2: every other file, streamed, Workers at a time.
	var listed atomic.Int64
	workers := opts.Workers
	if workers <= 0 {
		workers = 4
	}
	err = container.WalkParallel(src, opts.Limits, workers, func(e container.Entry, r io.Reader) error {
		if bundle.IsBundleMeta(e.Name) {
			return nil
		}
		hexSum, ok := want[e.Name]
		if !ok {
			return fmt.Errorf("%w: extra: %s (not in SHA256SUMS)", bundle.ErrContent, e.Name)
		}
		listed.Add(1)
		return push(e.Name, e.Size, digest.NewDigestFromEncoded(digest.SHA256, hexSum), r)
	})
	if err != nil {
		return res, err
	}
	if n := int(listed.Load()); n+1 != len(want) { // bundle.json was pushed with the meta files
		return res, fmt.Errorf("%w: %s: %d file(s) listed in SHA256SUMS are missing", bundle.ErrContent, src, len(want)-n-1)
	}
	// The manifest is the same whatever order the files were pushed in.
	nmeta := len(metaNames)
	sort.Slice(layers[nmeta:], func(i, j int) bool {
		return layers[nmeta+i].Annotations[AnnotationTitle] < layers[nmeta+j].Annotations[AnnotationTitle]
	})

	// The empty config, then the manifest, then the tag.
	cfg := ocispec.DescriptorEmptyJSON
	if ok, err := st.Exists(ctx, cfg); err != nil {
		return res, wrapRemote(err, "config")
	} else if !ok {
		if err := st.Push(ctx, cfg, bytes.NewReader(cfg.Data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			return res, wrapRemote(err, "config")
		}
	}
	cfg.Data = nil
	man := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: ArtifactType,
		Config:       cfg,
		Layers:       layers,
		Annotations:  annotations(m, sumsData),
	}
	body, err := json.Marshal(man)
	if err != nil {
		return res, err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: ArtifactType, Digest: digest.FromBytes(body), Size: int64(len(body))}
	if ok, err := st.Exists(ctx, desc); err != nil {
		return res, wrapRemote(err, "manifest")
	} else if !ok {
		if err := st.Push(ctx, desc, bytes.NewReader(body)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			return res, wrapRemote(err, "manifest")
		}
	}
	if err := st.Tag(ctx, desc, ref.Tag); err != nil {
		return res, wrapRemote(err, "tag "+ref.Tag)
	}
	res.Digest = desc.Digest.String()
	res.SentBytes, res.RecvBytes = opts.Stats.Sent.Load(), opts.Stats.Received.Load()
	return res, nil
}

func metaRank(name string) int {
	switch {
	case name == bundle.SumsName:
		return 0
	case name == bundle.ManifestName:
		return 2
	}
	return 1
}

// annotations carry what a registry UI shows; nothing trusts them: pull
// decides from the signed bundle.json.
func annotations(m *bundle.Manifest, sums []byte) map[string]string {
	a := map[string]string{
		AnnotationName:     m.Name,
		AnnotationSequence: strconv.FormatUint(m.Sequence, 10),
		AnnotationCreated:  m.Created.UTC().Format(time.RFC3339),
		AnnotationSums:     digest.FromBytes(sums).String(),
	}
	if m.Expires != nil {
		a[AnnotationExpires] = m.Expires.UTC().Format(time.RFC3339)
	}
	if len(m.Target.Models) > 0 {
		a[AnnotationModels] = strings.Join(m.Target.Models, ",")
	}
	return a
}

type progress func(int64)

func (p progress) Write(b []byte) (int, error) { p(int64(len(b))); return len(b), nil }
