package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/sign"
)

// TestPackUnlockAfterCheck: PackOptions.Unlock runs only once the output
// is free and the check passed; its signers sign; its error stops Pack
// with nothing written.
func TestPackUnlockAfterCheck(t *testing.T) {
	k := newTestKeys(t, 3)
	src := filepath.Join(t.TempDir(), "src")
	writeTree(t, src, nil)
	tmp := t.TempDir()
	calls := 0
	o := packOpts(k)
	o.Signers = nil
	o.Unlock = func() ([]sign.Signer, error) { calls++; return k.signers(), nil }

	refuse := o
	refuse.Check = func(string) (*CheckResult, error) {
		return &CheckResult{Checker: "test", Findings: []check.Finding{{Rule: "r", Severity: check.SeverityError, Message: "bad"}}}, nil
	}
	var re *RefusedError
	if _, err := Pack(src, filepath.Join(tmp, "refused.zip"), refuse); !errors.As(err, &re) || calls != 0 {
		t.Fatalf("refused drop: err %v, %d unlock(s); want a refusal and none", err, calls)
	}
	taken := filepath.Join(tmp, "taken")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Pack(src, taken, o); err == nil || calls != 0 {
		t.Fatalf("existing output: err %v, %d unlock(s)", err, calls)
	}

	out := filepath.Join(tmp, "ok.zip")
	if _, err := Pack(src, out, o); err != nil || calls != 1 {
		t.Fatalf("err %v, %d unlock(s); want 1", err, calls)
	}
	if res, err := Verify(out, VerifyOptions{Trust: k.trust(), Threshold: 2}); err != nil || !res.Valid {
		t.Fatalf("the unlocked signers did not sign: %v", err)
	}

	fail := o
	fail.Unlock = func() ([]sign.Signer, error) { return nil, errors.New("wrong passphrase") }
	failed := filepath.Join(tmp, "failed.zip")
	if _, err := Pack(src, failed, fail); err == nil || err.Error() != "wrong passphrase" {
		t.Fatalf("err %v, want the unlock error", err)
	}
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("a failed unlock left %s", failed)
	}
}
