package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/cmd/phoneload/cmd"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/testtool"
)

// run runs phoneload in-process and returns its exit code and output.
func runPL(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cmd.Run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func mustPL(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := runPL(t, args...)
	if code != 0 {
		t.Fatalf("phoneload %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out + errs
}

// TestOCIRegistryCLI: push, pull, publish and sync through the CLI against
// a real registry (docker-registry with TLS and htpasswd), credentials
// from a docker config.json as `docker login` leaves it.
func TestOCIRegistryCLI(t *testing.T) {
	reg := testtool.StartRegistry(t)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.User, reg.Password))
	t.Setenv("REGISTRY_AUTH_FILE", p("none.json"))
	if err := fixture.Main([]string{"sip7940", p("drop")}); err != nil {
		t.Fatal(err)
	}
	mustPL(t, "key", "generate", "--unencrypted", "-o", p("rel"))
	mustPL(t, "pack", "--key", p("rel.key"), "--sequence", "1", "-o", p("r1.zip"), p("drop"))
	f, err := os.OpenFile(p("drop/SIPDefault.cnf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("# release 2\n")
	f.Close()
	mustPL(t, "pack", "--key", p("rel.key"), "--sequence", "2", "-o", p("r2.zip"), p("drop"))
	tag := "oci://" + reg.Addr + "/phones/lab:stable"
	tls := []string{"--pub", p("rel.pub"), "--ca-file", reg.CAFile}
	with := func(args ...string) []string {
		return append(append([]string{args[0]}, tls...), args[1:]...)
	}

	// TLS by default: the self-signed certificate is refused without --ca-file.
	code, _, errs := runPL(t, "push", "--pub", p("rel.pub"), p("r1.zip"), tag)
	if code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("push without --ca-file: exit %d\n%s", code, errs)
	}
	out := mustPL(t, with("push", p("r1.zip"), tag)...)
	if !strings.Contains(out, tag+"@sha256:") {
		t.Errorf("push: %s", out)
	}
	mustPL(t, with("pull", tag, p("pulled.zip"))...)
	mustPL(t, "verify", "--pub", p("rel.pub"), p("pulled.zip"))

	// Wrong password: exit 1, a hint about logging in, nothing written.
	good := os.Getenv("DOCKER_CONFIG")
	t.Setenv("DOCKER_CONFIG", reg.DockerConfig(t, reg.User, "wrong"))
	code, _, errs = runPL(t, with("pull", tag, p("bad"))...)
	if code != 1 || !strings.Contains(errs, "refused the credentials") || !strings.Contains(errs, "hint: nothing was written; log in") {
		t.Errorf("pull with a wrong password: exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(p("bad")); err == nil {
		t.Error("a refused pull wrote its output")
	}
	// --registry-config names the right file explicitly.
	mustPL(t, with("pull", "--registry-config", filepath.Join(good, "config.json"), tag, p("pulled2"))...)
	t.Setenv("DOCKER_CONFIG", good)

	// publish straight from the registry.
	os.MkdirAll(p("tftp"), 0o755)
	mustPL(t, with("publish", tag, p("tftp"))...)
	mustPL(t, "verify", "--pub", p("rel.pub"), "--root", p("tftp"), p("r1.zip"))

	// Two sites converge on release 2, then refuse the tag moved back.
	sites := []string{p("site-a/tftp"), p("site-b/tftp")}
	for _, s := range sites {
		os.MkdirAll(s, 0o755)
		mustPL(t, with("sync", "--once", tag, s)...)
	}
	out = mustPL(t, with("push", p("r2.zip"), tag)...)
	if !strings.Contains(out, "4 blobs uploaded") {
		t.Errorf("push of release 2: %s", out)
	}
	for _, s := range sites {
		out := mustPL(t, with("sync", "--once", tag, s)...)
		if !strings.Contains(out, "published drop sequence 2") || !strings.Contains(out, "1 blob fetched") {
			t.Errorf("sync to release 2: %s", out)
		}
		mustPL(t, "verify", "--pub", p("rel.pub"), "--root", s, p("r2.zip"))
	}
	mustPL(t, with("push", p("r1.zip"), tag)...)
	for _, s := range sites {
		code, _, errs := runPL(t, with("sync", "--once", tag, s)...)
		if code != 5 || !strings.Contains(errs, "rollback refused") {
			t.Errorf("sync to a rolled-back tag: exit %d\n%s", code, errs)
		}
		mustPL(t, "verify", "--pub", p("rel.pub"), "--root", s, p("r2.zip"))
	}
}
