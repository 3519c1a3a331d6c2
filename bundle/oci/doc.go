// Package oci carries signed bundles through OCI registries and OCI
// image-layout directories: Push stores a bundle as an artifact with one
// blob per file (the blob digest is the SHA-256 that SHA256SUMS lists), Pull
// fetches one back, verifying the signatures over SHA256SUMS and
// bundle.json before any other blob is fetched and every blob's digest
// before anything is written, and Sync is one round of a site agent.
// docs/distribution.md describes the artifact format.
package oci

import "strings"

// Media types and annotations of the artifact (docs/distribution.md).
const (
	ArtifactType      = "application/vnd.phoneload.bundle.v1"
	MediaTypeFile     = "application/vnd.phoneload.file.v1"
	MediaTypeSums     = "application/vnd.phoneload.sha256sums.v1"
	MediaTypeManifest = "application/vnd.phoneload.bundle-manifest.v1+json"
	MediaTypeMinisign = "application/vnd.phoneload.signature.minisign.v1"
	MediaTypeSSHSig   = "application/vnd.phoneload.signature.ssh.v1"

	AnnotationTitle    = "org.opencontainers.image.title"
	AnnotationCreated  = "org.opencontainers.image.created"
	AnnotationName     = "io.phoneload.bundle.name"
	AnnotationSequence = "io.phoneload.bundle.sequence"
	AnnotationExpires  = "io.phoneload.bundle.expires"
	AnnotationModels   = "io.phoneload.bundle.models"
	AnnotationSums     = "io.phoneload.bundle.sha256sums"
)

// MaxManifestSize bounds the OCI manifest read from a registry.
const MaxManifestSize = 4 << 20

// mediaTypeFor is the media type of a bundle file's blob.
func mediaTypeFor(name string) string {
	switch {
	case name == "SHA256SUMS":
		return MediaTypeSums
	case name == "bundle.json":
		return MediaTypeManifest
	case !strings.HasPrefix(name, "SHA256SUMS.") || strings.Contains(name, "/"):
		return MediaTypeFile
	case strings.HasSuffix(name, ".minisig"):
		return MediaTypeMinisign
	case strings.HasSuffix(name, ".sig"):
		return MediaTypeSSHSig
	}
	return MediaTypeFile
}
