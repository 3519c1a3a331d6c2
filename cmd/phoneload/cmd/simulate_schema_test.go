package cmd

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/bundle/boot"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/internal/tftp"
)

func loadSchemaFile(t *testing.T, name string) *schema {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", name))
	must(t, err)
	var s schema
	must(t, json.Unmarshal(b, &s))
	return &s
}

// validateOutput runs phoneload with args, and validates its stdout
// against the schema; it returns the exit code.
func validateOutput(t *testing.T, s *schema, args ...string) int {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(""), &out, &errb)
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: exit %d, not JSON: %v\n%s", args, code, err, errb.String())
	}
	for _, e := range s.validate("$", v) {
		t.Errorf("%v: %s", args, e)
	}
	return code
}

// TestSimulateJSONSchema validates real simulate --json documents (a
// phone that runs, one that stops, a fleet) against
// docs/simulate.schema.json, whose outcome codes are boot.Codes().
func TestSimulateJSONSchema(t *testing.T) {
	s := loadSchemaFile(t, "simulate.schema.json")
	var codes []string
	for _, e := range s.Properties["summary"].Items.Properties["code"].Enum {
		codes = append(codes, e.(string))
	}
	var want []string
	for _, c := range boot.Codes() {
		want = append(want, string(c))
	}
	if strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Errorf("schema codes %v, boot.Codes() %v", codes, want)
	}
	dir := filepath.Join(t.TempDir(), "root")
	must(t, fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	if c := validateOutput(t, s, "simulate", "--json", "--running", "P0S3-07-4-00", dir); c != 0 {
		t.Errorf("exit %d", c)
	}
	fleet := filepath.Join(t.TempDir(), "fleet.csv")
	must(t, os.WriteFile(fleet, []byte("000D28A1B2C3,7960,P0S3-07-4-00\n000D28A1B2C4,7940,P0S3-04-2-00\n000D28A1B2C5,7912,CP7912080000SIP050608A\n"), 0o644))
	if c := validateOutput(t, s, "simulate", "--json", "--fleet", fleet, dir); c != 1 {
		t.Errorf("fleet: exit %d", c)
	}
	must(t, fixture.Remove(dir, "P0S3-8-12-00.sb2"))
	if c := validateOutput(t, s, "simulate", "--json", "--model", "7940", "--flash", "empty", "--protocol", "sip", dir); c != 1 {
		t.Errorf("missing part: exit %d", c)
	}
	// The validator catches a bad document.
	var bad any
	dec := json.NewDecoder(strings.NewReader(`{"schema":"x","source":"s","phones":[{"phone":{},"family":"8800","steps":null,"outcome":{"code":"fine"}}],"summary":[],"failed":0}`))
	dec.UseNumber()
	must(t, dec.Decode(&bad))
	if errs := s.validate("$", bad); len(errs) < 6 {
		t.Errorf("validator let a bad document through: %q", errs)
	}
}

// TestLogJSONSchema validates log --json documents read from phoneload
// serve's own log (text and JSON) against docs/log.schema.json.
func TestLogJSONSchema(t *testing.T) {
	s := loadSchemaFile(t, "log.schema.json")
	dir := filepath.Join(t.TempDir(), "root")
	must(t, fixture.WriteDir(dir, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, fixture.Remove(dir, "P0S3-8-12-00.sb2"))
	src, err := tftp.OpenSource(dir)
	must(t, err)
	defer src.Close()
	var text, js bytes.Buffer
	textLog, jsLog := &eventLog{w: &text}, &eventLog{w: &js, json: true}
	srv := tftp.NewServer(src, tftp.Options{Log: func(e tftp.Event) {
		textLog.event(e)
		jsLog.event(e)
	}})
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	must(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(conn) }()
	bs, err := boot.Dial(conn.LocalAddr().String(), boot.DialOptions{})
	must(t, err)
	if _, err := boot.Simulate(bs, boot.Phone{MAC: "000D28A1B2C3", Model: "7960", Running: "P0S3-07-4-00"}); err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()
	<-done
	logs := t.TempDir()
	must(t, os.WriteFile(filepath.Join(logs, "serve.log"), text.Bytes(), 0o644))
	must(t, os.WriteFile(filepath.Join(logs, "serve.json"), js.Bytes(), 0o644))
	fleet := filepath.Join(logs, "fleet.csv")
	must(t, os.WriteFile(fleet, []byte("000D28A1B2C3,7960,P0S3-07-4-00\n"), 0o644))
	for _, args := range [][]string{
		{"log", "--json", filepath.Join(logs, "serve.log")},
		{"log", "--json", "--root", dir, "--fleet", fleet, filepath.Join(logs, "serve.json"), filepath.Join(logs, "serve.log")},
	} {
		if c := validateOutput(t, s, args...); c != 1 {
			t.Errorf("%v: exit %d", args, c)
		}
	}
}

// TestPlanJSONSchema validates plan --json documents (complete, and with
// a drop missing) against docs/plan.schema.json.
func TestPlanJSONSchema(t *testing.T) {
	s := loadSchemaFile(t, "plan.schema.json")
	tmp := t.TempDir()
	drops := filepath.Join(tmp, "drops")
	o := fixture.Options{ImageSize: 4096}
	must(t, fixture.WriteLoad(filepath.Join(drops, "sip-4.4"), "P0S3-04-4-00", o))
	must(t, fixture.WriteLoad(filepath.Join(drops, "sccp-5.0"), "P00305000300", o))
	must(t, fixture.WriteDir(filepath.Join(drops, "sip-8.12"), fixture.SIP7940, o))
	fleet := filepath.Join(tmp, "fleet.csv")
	must(t, os.WriteFile(fleet, []byte("000D28A1B2C3,7940,P0030301\n000D28A1B2C4,7960,P0S3-08-5-00\n"), 0o644))
	if c := validateOutput(t, s, "plan", "--json", "--fleet", fleet, "--to", "sip-8.12", "--drops", drops, "-o", filepath.Join(tmp, "out")); c != 0 {
		t.Errorf("exit %d", c)
	}
	must(t, os.WriteFile(fleet, []byte("000D28A1B2C3,7940,P0S3-04-2-00\n000D28A1B2C5,7941,SCCP41.8-3-1S\n"), 0o644))
	if c := validateOutput(t, s, "plan", "--json", "--fleet", fleet, "--to", "sip-8.12", "--drops", drops); c != 1 {
		t.Errorf("blocked: exit %d", c)
	}
}
