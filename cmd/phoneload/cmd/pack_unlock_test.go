package cmd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/sign"
)

// countingReader counts the reads of the passphrase source.
type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// TestPackChecksBeforeUnlock: pack runs the drop check before it unlocks a
// key, so a refused drop never reads the passphrase (here from stdin,
// --passphrase-file -); the same command on a good drop does read it,
// which shows the count can fail.
func TestPackChecksBeforeUnlock(t *testing.T) {
	t.Setenv(PassphraseEnv, "")
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good"), filepath.Join(dir, "bad")
	must(t, fixture.WriteDir(good, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, fixture.WriteDir(bad, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	must(t, os.Remove(filepath.Join(bad, "P003-8-12-00.sbn")))
	_, priv, err := sign.GenerateMinisignKey(nil)
	must(t, err)
	sk, err := sign.MarshalMinisignSecretKey(priv, []byte("pass"), sign.KeyCost{Ops: 1 << 15, Mem: 1 << 24})
	must(t, err)
	key := filepath.Join(dir, "k.key")
	must(t, os.WriteFile(key, sk, 0o600))

	for _, tc := range []struct {
		src       string
		code      int
		readsPass bool
		stderr    string
	}{
		{bad, 1, false, "refusing to pack"},
		{good, 0, true, ""},
	} {
		in := &countingReader{r: strings.NewReader("pass\n")}
		var out, errb bytes.Buffer
		code := Run([]string{"pack", "--key", key, "--passphrase-file", "-", "-o", filepath.Join(dir, filepath.Base(tc.src)+".zip"), tc.src}, in, &out, &errb)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s", tc.src, code, tc.code, errb.String())
		}
		if (in.reads > 0) != tc.readsPass {
			t.Errorf("%s: %d read(s) of the passphrase; want any: %v", tc.src, in.reads, tc.readsPass)
		}
		if !strings.Contains(errb.String(), tc.stderr) {
			t.Errorf("%s: stderr %q lacks %q", tc.src, errb.String(), tc.stderr)
		}
	}
}
