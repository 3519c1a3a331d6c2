package oci

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/container"
)

// FuzzArtifactManifest: a manifest from a hostile registry either is
// refused or yields files with safe, unique names, sha256 digests and
// sizes within the limits.
func FuzzArtifactManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.phoneload.bundle.v1","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.phoneload.file.v1","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"annotations":{"org.opencontainers.image.title":"SIPDefault.cnf"}}]}`))
	f.Add([]byte(`{"artifactType":"application/vnd.phoneload.bundle.v1","layers":[{"digest":"sha256:x","annotations":{"org.opencontainers.image.title":"../x"}}]}`))
	lim := container.Limits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxFiles: 100}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseManifest(body)
		if err != nil {
			return
		}
		files, err := artifactFiles(m, lim)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		var total int64
		for _, f := range files {
			if bundle.CheckName(f.name) != nil || seen[f.name] || strings.Contains(f.name, "\\") {
				t.Fatalf("unsafe or repeated name %q", f.name)
			}
			seen[f.name] = true
			if f.desc.Digest.Validate() != nil || f.desc.Size < 0 || f.desc.Size > lim.MaxFileSize {
				t.Fatalf("%s: bad descriptor %+v", f.name, f.desc)
			}
			total += f.desc.Size
		}
		if total > lim.MaxTotalSize {
			t.Fatalf("total %d over the limit", total)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatal(err)
		}
	})
}
