package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
	"github.com/phoneload/phoneload/internal/fixture"
)

// TestCIDoc keeps docs/ci.md honest: its workflow files are well-formed
// YAML wired the way it says (the report check writes is the one uploaded),
// and every phoneload command in them runs: check for real against a
// generated root in tftp/, the others with --help (which parses their
// flags, so a renamed flag fails here).
func TestCIDoc(t *testing.T) {
	doc, err := os.ReadFile("../../docs/ci.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) != 2 {
		t.Fatalf("docs/ci.md has %d yaml blocks, want 2 (GitHub Actions, GitLab CI)", len(blocks))
	}
	var gh struct {
		Permissions map[string]string
		Jobs        map[string]struct {
			Steps []struct {
				Uses, Run, If string
				With          map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(blocks[0][1], &gh); err != nil {
		t.Fatalf("GitHub workflow: %v", err)
	}
	var gl map[string]struct {
		Script    []string
		Artifacts struct {
			When    string
			Reports map[string]string
		}
	}
	if err := yaml.Unmarshal(blocks[1][1], &gl); err != nil {
		t.Fatalf("GitLab CI: %v", err)
	}
	var commands []string
	sarif, uploaded := "", ""
	for _, job := range gh.Jobs {
		for _, s := range job.Steps {
			if strings.HasPrefix(s.Run, "phoneload ") {
				commands = append(commands, s.Run)
				if strings.Contains(s.Run, "--format sarif") {
					sarif = flagValue(s.Run, "--output")
				}
			}
			if strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@") {
				uploaded = s.With["sarif_file"]
				if s.If == "" {
					t.Error("upload-sarif runs only when check passed: it needs an if")
				}
			}
		}
	}
	if sarif == "" || sarif != uploaded || gh.Permissions["security-events"] != "write" {
		t.Errorf("GitHub: check writes %q, upload-sarif sends %q, security-events %q", sarif, uploaded, gh.Permissions["security-events"])
	}
	junit, reported := "", ""
	for _, job := range gl {
		for _, line := range job.Script {
			if strings.HasPrefix(line, "phoneload ") {
				commands = append(commands, line)
				if strings.Contains(line, "--format junit") {
					junit = flagValue(line, "--output")
				}
			}
		}
		if r := job.Artifacts.Reports["junit"]; r != "" {
			reported = r
			if job.Artifacts.When != "always" {
				t.Error("GitLab: the junit report must be kept when check fails (when: always)")
			}
		}
	}
	if junit == "" || junit != reported {
		t.Errorf("GitLab: check writes %q, the junit report is %q", junit, reported)
	}

	dir := t.TempDir()
	if err := fixture.WriteDir(filepath.Join(dir, "tftp"), fixture.SIP7940, fixture.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var checks int
	for _, line := range commands {
		args := strings.Fields(strings.TrimPrefix(line, "phoneload "))
		run := args
		if args[0] != "check" {
			run = append(append([]string{}, args...), "--help")
		}
		var stdout, stderr bytes.Buffer
		if code := cmd.Run(run, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Errorf("%s: exit %d\n%s", line, code, stderr.String())
			continue
		}
		if args[0] != "check" {
			continue
		}
		checks++
		out, err := os.ReadFile(flagValue(line, "--output"))
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		if strings.Contains(line, "sarif") && !json.Valid(out) || strings.Contains(line, "junit") && !bytes.HasPrefix(out, []byte("<?xml")) {
			t.Errorf("%s wrote:\n%s", line, out)
		}
	}
	if checks != 2 || len(commands) != 4 {
		t.Errorf("ran %d checks of %d commands: %q", checks, len(commands), commands)
	}
}

// flagValue returns the value after flag in a command line.
func flagValue(line, flag string) string {
	f := strings.Fields(line)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == flag {
			return f[i+1]
		}
	}
	return ""
}
