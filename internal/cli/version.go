package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"
)

// VersionSchema names the version of `version --json`
// (docs/version.schema.json).
const VersionSchema = "phoneload.version/v1"

// BuildInfo describes a binary: what `phoneload version` and
// `cfgfmt --version` print. Every field comes from the binary itself
// (runtime/debug.ReadBuildInfo), except Version, which a release build sets
// with -ldflags -X.
type BuildInfo struct {
	Schema string `json:"schema"`
	// Program is the binary's name: phoneload or cfgfmt.
	Program string `json:"program"`
	// Version is the release version: the -ldflags value when set (make
	// build sets git describe), else the module version, else "devel".
	Version string `json:"version"`
	// Module is the main module's version as the Go toolchain recorded it:
	// a tag (go install …@v1.2.3), a pseudo-version, or "(devel)".
	Module string `json:"module"`
	// Commit, CommitTime and Modified come from the VCS stamp (vcs.revision,
	// vcs.time, vcs.modified); empty / null when built without one.
	Commit     string `json:"commit"`
	CommitTime string `json:"commit_time"`
	Modified   *bool  `json:"modified"`
	Go         string `json:"go"`
	Platform   string `json:"platform"`
}

// ReadBuildInfo gathers prog's BuildInfo; ldVersion is the -ldflags
// version ("" when not set).
func ReadBuildInfo(prog, ldVersion string) BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	return buildInfoFrom(prog, ldVersion, bi, ok)
}

func buildInfoFrom(prog, ldVersion string, bi *debug.BuildInfo, ok bool) BuildInfo {
	b := BuildInfo{Schema: VersionSchema, Program: prog, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok && bi != nil {
		b.Module = bi.Main.Version
		if bi.GoVersion != "" {
			b.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
				if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
					b.CommitTime = t.UTC().Format(time.RFC3339)
				}
			case "vcs.modified":
				m := s.Value == "true"
				b.Modified = &m
			}
		}
	}
	b.Version = shortVersion(ldVersion, b)
	return b
}

// shortVersion is the one-word version: the -ldflags value, the module
// version, or "devel" followed by what the VCS stamp says (devel+0123abcd4567,
// -dirty when modified) so that two development builds can be told apart.
func shortVersion(ld string, b BuildInfo) string {
	switch {
	case ld != "":
		return ld
	case b.Module != "" && b.Module != "(devel)":
		return b.Module
	}
	v := "devel"
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		v += "+" + c
		if b.Modified != nil && *b.Modified {
			v += "-dirty"
		}
	}
	return v
}

// WriteVersion prints b for people: the version line, then one line per
// detail; unknown details say so rather than being left out.
func WriteVersion(w io.Writer, b BuildInfo) {
	fmt.Fprintf(w, "%s %s\n", b.Program, b.Version)
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown (built without VCS information)"
		}
		return s
	}
	mod := b.Module
	if mod == "" {
		mod = "unknown (no build information)"
	}
	fmt.Fprintf(w, "module:    %s\n", mod)
	fmt.Fprintf(w, "commit:    %s\n", orUnknown(b.Commit))
	fmt.Fprintf(w, "date:      %s\n", orUnknown(b.CommitTime))
	dirty := "unknown"
	if b.Modified != nil {
		dirty = "no"
		if *b.Modified {
			dirty = "yes (uncommitted changes)"
		}
	}
	fmt.Fprintf(w, "modified:  %s\n", dirty)
	fmt.Fprintf(w, "go:        %s\n", b.Go)
	fmt.Fprintf(w, "platform:  %s\n", b.Platform)
}
