package oci

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	ocilayout "oras.land/oras-go/v2/content/oci"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
)

// Options say how to reach a registry. The zero value is TLS against the
// system's certificate authorities, with the credentials docker and podman
// would use.
type Options struct {
	// PlainHTTP talks HTTP instead of HTTPS; refused for any registry but
	// the loopback (localhost, 127.0.0.0/8, ::1).
	PlainHTTP bool
	// CAFile adds the PEM certificates in this file to the system's
	// authorities (a registry with a private or self-signed certificate).
	CAFile string
	// RegistryConfig is a docker config.json to take credentials from
	// instead of the default ones ($DOCKER_CONFIG/config.json or
	// ~/.docker/config.json, then podman's auth.json).
	RegistryConfig string
	// Transport, if set, carries the HTTP requests (tests).
	Transport http.RoundTripper
	// Stats, if set, counts the bytes on the wire (registry) or read and
	// written (layout).
	Stats *Stats
}

// Stats counts the bytes a push or pull moved: request bodies sent and
// response bodies received over HTTP, or bytes written to and read from a
// layout directory.
type Stats struct {
	Sent     atomic.Int64
	Received atomic.Int64
}

// ErrPlainHTTP is returned for --plain-http to a registry that is not on
// the loopback.
var ErrPlainHTTP = errors.New("oci: plain HTTP is allowed only to a loopback registry (localhost, 127.0.0.1, ::1); use TLS")

// ErrAuth wraps a registry's refusal of the credentials (401, 403).
var ErrAuth = errors.New("oci: the registry refused the credentials")

// store is what push and pull need of a registry repository or a layout.
type store interface {
	content.Storage
	Resolve(ctx context.Context, reference string) (ocispec.Descriptor, error)
	Tag(ctx context.Context, desc ocispec.Descriptor, reference string) error
}

// open returns the store for r; forWrite creates a layout directory.
func open(ctx context.Context, r Ref, opts Options, forWrite bool) (store, error) {
	if r.IsLayout() {
		if forWrite {
			// A new directory, an empty one, or a layout: never litter
			// some other directory with blobs.
			if ents, err := os.ReadDir(r.Dir); err == nil && len(ents) > 0 {
				if _, err := os.Stat(filepath.Join(r.Dir, ocispec.ImageLayoutFile)); err != nil {
					return nil, fmt.Errorf("oci: %s: not empty and not an OCI image layout (no %s)", r.Dir, ocispec.ImageLayoutFile)
				}
			}
		} else {
			fi, err := os.Stat(r.Dir)
			if err != nil {
				return nil, fmt.Errorf("oci: layout %w", err)
			}
			if !fi.IsDir() {
				return nil, fmt.Errorf("oci: %s: not a directory", r.Dir)
			}
			if _, err := os.Stat(filepath.Join(r.Dir, ocispec.ImageLayoutFile)); err != nil {
				return nil, fmt.Errorf("oci: %s: not an OCI image layout (no %s)", r.Dir, ocispec.ImageLayoutFile)
			}
		}
		s, err := ocilayout.NewWithContext(ctx, r.Dir)
		if err != nil {
			return nil, fmt.Errorf("oci: layout %s: %w", r.Dir, err)
		}
		return &countingStore{ocilayoutStore: s, stats: opts.Stats}, nil
	}
	if opts.PlainHTTP && !r.IsLoopback() {
		return nil, ErrPlainHTTP
	}
	repo, err := remote.NewRepository(r.Registry + "/" + r.Repository)
	if err != nil {
		return nil, fmt.Errorf("oci: %w", err)
	}
	repo.PlainHTTP = opts.PlainHTTP
	tr := opts.Transport
	if tr == nil {
		t, err := transport(opts.CAFile)
		if err != nil {
			return nil, err
		}
		tr = t
	}
	if opts.Stats != nil {
		tr = &countingTransport{next: tr, stats: opts.Stats}
	}
	creds, err := credentialStore(opts.RegistryConfig)
	if err != nil {
		return nil, err
	}
	repo.Client = &auth.Client{
		Client:     &http.Client{Transport: tr},
		Header:     http.Header{"User-Agent": {"phoneload"}},
		Credential: credentials.Credential(creds),
		Cache:      auth.NewCache(),
	}
	repo.SkipReferrersGC = true
	return repo, nil
}

// transport is HTTPS with the system's authorities plus caFile.
func transport(caFile string) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	t.ResponseHeaderTimeout = time.Minute
	if caFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("oci: --ca-file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oci: --ca-file %s: no PEM certificate in it", caFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	return t, nil
}

// credentialStore is docker's config (with its credential helpers:
// credsStore, credHelpers) and then podman's auth.json.
func credentialStore(configFile string) (credentials.Store, error) {
	if configFile != "" {
		s, err := credentials.NewStore(configFile, credentials.StoreOptions{})
		if err != nil {
			return nil, fmt.Errorf("oci: --registry-config: %w", err)
		}
		return s, nil
	}
	docker, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, fmt.Errorf("oci: docker config: %w", err)
	}
	var fallbacks []credentials.Store
	for _, p := range podmanAuthFiles() {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if s, err := credentials.NewStore(p, credentials.StoreOptions{}); err == nil {
			fallbacks = append(fallbacks, s)
		}
	}
	return credentials.NewStoreWithFallbacks(docker, fallbacks...), nil
}

// podmanAuthFiles are where podman (containers-auth.json(5)) keeps
// credentials: $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,
// ~/.config/containers/auth.json.
func podmanAuthFiles() []string {
	var out []string
	if p := os.Getenv("REGISTRY_AUTH_FILE"); p != "" {
		out = append(out, p)
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		out = append(out, filepath.Join(d, "containers", "auth.json"))
	}
	if d, err := os.UserConfigDir(); err == nil {
		out = append(out, filepath.Join(d, "containers", "auth.json"))
	}
	return out
}

// countingTransport counts request and response body bytes.
type countingTransport struct {
	next  http.RoundTripper
	stats *Stats
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = &countingReader{ReadCloser: req.Body, n: &c.stats.Sent}
	}
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingReader{ReadCloser: resp.Body, n: &c.stats.Received}
	return resp, nil
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}

// countingStore counts the blob bytes a layout reads and writes.
type countingStore struct {
	*ocilayoutStore
	stats *Stats
}

type ocilayoutStore = ocilayout.Store

func (s *countingStore) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := s.ocilayoutStore.Fetch(ctx, d)
	if err != nil || s.stats == nil {
		return rc, err
	}
	return &countingReader{ReadCloser: rc, n: &s.stats.Received}, nil
}

func (s *countingStore) Push(ctx context.Context, d ocispec.Descriptor, r io.Reader) error {
	if s.stats != nil {
		r = &countingReader{ReadCloser: io.NopCloser(r), n: &s.stats.Sent}
	}
	return s.ocilayoutStore.Push(ctx, d, r)
}
