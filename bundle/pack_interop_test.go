package bundle

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/testtool"
	"github.com/phoneload/phoneload/sign"
)

func runIn(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A packed zip, unzipped with unzip, passes sha256sum -c, minisign -Vm and
// ssh-keygen -Y verify (ed25519 and RSA keys made by ssh-keygen).
func TestBundleInterop(t *testing.T) {
	unzip := testtool.Need(t, "unzip")
	sha := testtool.Need(t, "sha256sum")
	mini := testtool.Need(t, "minisign")
	keygen := testtool.Need(t, "ssh-keygen")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeTree(t, src, nil)

	k := newTestKeys(t, 1)
	os.WriteFile(filepath.Join(dir, "release.pub"), sign.MarshalMinisignPublicKey(k.mpub), 0o644)
	signers := []sign.Signer{sign.MinisignSigner{Key: k.mpriv}}
	allowed := ""
	for _, typ := range []string{"ed25519", "rsa"} {
		kp := filepath.Join(dir, "id_"+typ)
		args := []string{"-q", "-t", typ, "-N", "", "-C", typ + "@example", "-f", kp}
		if typ == "rsa" {
			args = append(args, "-b", "2048")
		}
		runIn(t, dir, keygen, args...)
		s, err := sign.LoadSSHSigner(kp, nil)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, sign.SSHSigner{Signer: s})
		pub, _ := os.ReadFile(kp + ".pub")
		allowed += typ + "@example namespaces=\"phoneload\" " + string(pub)
	}
	os.WriteFile(filepath.Join(dir, "allowed"), []byte(allowed), 0o644)
	zp := filepath.Join(dir, "b.zip")
	if _, err := Pack(src, zp, PackOptions{Time: time.Unix(1700000000, 0), Signers: signers}); err != nil {
		t.Fatal(err)
	}
	un := filepath.Join(dir, "un")
	runIn(t, dir, unzip, "-q", zp, "-d", un)
	runIn(t, un, sha, "-c", "--strict", SumsName)
	out := runIn(t, un, mini, "-Vm", SumsName, "-p", filepath.Join(dir, "release.pub"))
	if !strings.Contains(out, "timestamp:1700000000") {
		t.Errorf("minisign trusted comment: %s", out)
	}
	for i, typ := range []string{"ed25519", "rsa"} {
		sig := SignatureName(sign.KindSSH, i+1)
		c := exec.Command(keygen, "-Y", "verify", "-f", filepath.Join(dir, "allowed"), "-I", typ+"@example", "-n", sign.Namespace, "-s", sig)
		c.Dir = un
		f, _ := os.Open(filepath.Join(un, SumsName))
		c.Stdin = f
		if b, err := c.CombinedOutput(); err != nil {
			t.Errorf("ssh-keygen -Y verify %s (%s): %v\n%s", sig, typ, err, b)
		}
		f.Close()
	}
}
