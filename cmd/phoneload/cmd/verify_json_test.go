package cmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/sign"
)

// TestVerifyJSONEveryFailure: whatever stops verify, --json writes one
// document with the same keys as a success, "valid": false, an error, and
// an exit_code equal to the process's exit code.
func TestVerifyJSONEveryFailure(t *testing.T) {
	dir := t.TempDir()
	notKey := filepath.Join(dir, "not.pub")
	must(t, os.WriteFile(notKey, []byte("hello\n"), 0o644))
	pub, _, err := sign.GenerateMinisignKey(nil)
	must(t, err)
	goodKey := filepath.Join(dir, "good.pub")
	must(t, os.WriteFile(goodKey, sign.MarshalMinisignPublicKey(pub), 0o644))
	cases := map[string][]string{
		"missing key file": {"--pub", filepath.Join(dir, "nosuch.pub"), "b.zip"},
		"not a key":        {"--pub", notKey, "b.zip"},
		"key is a dir":     {"--pub", dir, "b.zip"},
		"no key":           {"b.zip"},
		"missing bundle":   {"--pub", goodKey, filepath.Join(dir, "nosuch.zip")},
		"missing allowed":  {"--allowed-signers", filepath.Join(dir, "nosuch"), "b.zip"},
		"not a bundle":     {"--pub", goodKey, notKey},
		"bad root":         {"--pub", goodKey, "--root", notKey, "b.zip"},
		"no argument":      {"--pub", notKey},
		"two arguments":    {"--pub", notKey, "a", "b"},
		"bad threshold":    {"--pub", notKey, "--threshold", "0", "b.zip"},
		"unknown flag":     {"--pub", notKey, "--nope", "b.zip"},
		"bad flag value":   {"--threshold", "x", "b.zip"},
	}
	var keys []string
	for name, args := range cases {
		var out, errb bytes.Buffer
		code := Run(append([]string{"verify", "--json"}, args...), strings.NewReader(""), &out, &errb)
		var doc map[string]any
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Errorf("%s: exit %d, stdout not one JSON document: %v\n%s", name, code, err, out.String())
			continue
		}
		var k []string
		for key := range doc {
			k = append(k, key)
		}
		slices.Sort(k)
		if keys == nil {
			keys = k
		} else if !slices.Equal(k, keys) {
			t.Errorf("%s: keys %v, others %v", name, k, keys)
		}
		if code == 0 || doc["valid"] != false || doc["error"] == "" || doc["exit_code"] != float64(code) {
			t.Errorf("%s: exit %d, document %v", name, code, doc)
		}
		if doc["schema"] != VerifySchema {
			t.Errorf("%s: schema %v", name, doc["schema"])
		}
		if !strings.HasPrefix(errb.String(), "phoneload: error: ") {
			t.Errorf("%s: stderr %q", name, errb.String())
		}
	}
	for _, k := range []string{"bundle", "signatures", "problems", "policy", "trusted", "unlisted", "path", "threshold"} {
		if !slices.Contains(keys, k) {
			t.Errorf("failure documents lack %q", k)
		}
	}
}
