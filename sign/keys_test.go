package sign

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneload/phoneload/internal/testtool"
)

// testCost keeps scrypt cheap in tests; the format is the same.
var testCost = KeyCost{Ops: 1 << 15, Mem: 1 << 24}

func TestMinisignSecretKeyRoundTrip(t *testing.T) {
	pub, priv, err := GenerateMinisignKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range [][]byte{nil, []byte("correct horse")} {
		data, err := MarshalMinisignSecretKey(priv, pass, testCost)
		if err != nil {
			t.Fatal(err)
		}
		if got := IsEncryptedMinisignKey(data); got != (pass != nil) {
			t.Errorf("IsEncrypted = %v for pass %q", got, pass)
		}
		called := false
		got, err := ParseMinisignSecretKey(data, func() ([]byte, error) { called = true; return pass, nil })
		if err != nil {
			t.Fatalf("pass %q: %v", pass, err)
		}
		if called != (pass != nil) {
			t.Errorf("passphrase asked = %v for pass %q", called, pass)
		}
		if !got.Equal(priv) {
			t.Errorf("pass %q: key changed in round trip", pass)
		}
		msg := []byte("hello\n")
		sig := SignMinisign(got, msg, "timestamp:1")
		s, err := ParseMinisignSignature(sig)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Verify(pub, msg); err != nil {
			t.Errorf("verify: %v", err)
		}
	}
}

func TestMinisignSecretKeyFailures(t *testing.T) {
	_, priv, _ := GenerateMinisignKey(nil)
	data, err := MarshalMinisignSecretKey(priv, []byte("right"), testCost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseMinisignSecretKey(data, func() ([]byte, error) { return []byte("wrong"), nil }); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong passphrase: err = %v, want ErrDecrypt", err)
	}
	if _, err := ParseMinisignSecretKey(data, nil); !errors.Is(err, ErrEncrypted) {
		t.Errorf("no passphrase: err = %v, want ErrEncrypted", err)
	}
	// Every byte flip of the key body is refused (opaque or malformed).
	lines := strings.SplitN(string(data), "\n", 2)
	for i := range lines[1] {
		b := []byte(lines[1])
		if b[i] == '\n' {
			continue
		}
		b[i] ^= 0x01
		bad := lines[0] + "\n" + string(b)
		k, err := ParseMinisignSecretKey([]byte(bad), func() ([]byte, error) { return []byte("right"), nil })
		// A flip in opslimit/memlimit may round to the same scrypt
		// parameters; then the same key comes out. Never a different one.
		if err == nil && !k.Equal(priv) {
			t.Fatalf("flip at %d gave a different key", i)
		}
	}
	// Cost parameters past the limits are refused before scrypt runs.
	raw, _ := decodeSecretKey(data)
	raw[53] = 0xff
	if _, err := ParseMinisignSecretKey([]byte(encodeRaw(raw)), func() ([]byte, error) { return []byte("right"), nil }); !errors.Is(err, ErrDecrypt) {
		t.Errorf("huge memlimit: err = %v", err)
	}
}

func encodeRaw(raw []byte) string {
	return "untrusted comment: x\n" + strings.TrimSpace(string(mustB64(raw))) + "\n"
}

func TestReadSecretKeyFilePermissions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.key")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSecretKeyFile(p); !errors.Is(err, ErrKeyPermissions) {
		t.Errorf("0644: err = %v, want ErrKeyPermissions", err)
	}
	os.Chmod(p, 0o600)
	if _, err := ReadSecretKeyFile(p); err != nil {
		t.Errorf("0600: %v", err)
	}
	// A world-readable public key where the secret key belongs is named
	// as a public key: the advice is another file, not chmod.
	pub, _, _ := GenerateMinisignKey(nil)
	sshPub := []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJher80xu/6sYIGPh0z+SGvpSdb67QssYxPFFKr9fjNi rel@example\n")
	for kind, data := range map[string][]byte{
		KindMinisign: MarshalMinisignPublicKey(pub),
		KindSSH:      sshPub,
	} {
		os.WriteFile(p, data, 0o644)
		os.Chmod(p, 0o644)
		var pk *PublicKeyError
		if _, err := ReadSecretKeyFile(p); !errors.As(err, &pk) || pk.Kind != kind {
			t.Errorf("%s public key: err = %v", kind, err)
		}
	}
	// (The loop above leaves either key in p: map order is random.)
	os.WriteFile(p, sshPub, 0o644)
	if _, err := LoadSSHSigner(p, nil); err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK") && !strings.Contains(err.Error(), "ssh-agent") {
		t.Errorf("ssh .pub for --ssh-key: %v", err)
	}
	os.WriteFile(p, MarshalMinisignPublicKey(pub), 0o644)
	var pk *PublicKeyError
	if _, err := LoadSSHSigner(p, nil); !errors.As(err, &pk) || pk.Kind != KindMinisign {
		t.Errorf("minisign .pub for an ssh key: %v", err)
	}
	if _, err := ReadSecretKeyFile(os.DevNull); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("%s: %v", os.DevNull, err)
	}
}

func TestScryptParamsMatchMinisign(t *testing.T) {
	n, r, p := scryptParams(SensitiveCost.Ops, SensitiveCost.Mem)
	if n != 1<<20 || r != 8 || p != 1 {
		t.Errorf("sensitive = %d,%d,%d, want 2^20,8,1", n, r, p)
	}
	n, r, p = scryptParams(testCost.Ops, testCost.Mem)
	if n != 1024 || r != 8 || p != 1 {
		t.Errorf("test cost = %d,%d,%d", n, r, p)
	}
}

// minisign -Vm accepts our signatures, and we accept minisign -S's, with a
// key we generated (unencrypted, so minisign asks for no password) and with
// one minisign generated.
func TestMinisignInterop(t *testing.T) {
	mini := testtool.Need(t, "minisign")
	dir := t.TempDir()
	msg := filepath.Join(dir, "SHA256SUMS")
	os.WriteFile(msg, []byte("abc  x\n"), 0o644)

	pub, priv, _ := GenerateMinisignKey(nil)
	sk, _ := MarshalMinisignSecretKey(priv, nil, testCost)
	os.WriteFile(filepath.Join(dir, "ours.key"), sk, 0o600)
	os.WriteFile(filepath.Join(dir, "ours.pub"), MarshalMinisignPublicKey(pub), 0o644)
	sig, _ := MinisignSigner{Key: priv}.Sign([]byte("abc  x\n"), time.Unix(1700000000, 0))
	os.WriteFile(msg+".minisig", sig, 0o644)
	run(t, dir, nil, mini, "-Vm", msg, "-p", filepath.Join(dir, "ours.pub"))

	// minisign signs with our secret key file.
	os.Remove(msg + ".minisig")
	run(t, dir, nil, mini, "-S", "-s", filepath.Join(dir, "ours.key"), "-m", msg)
	var tr Trust
	tr.Minisign = append(tr.Minisign, pub)
	data, _ := os.ReadFile(msg + ".minisig")
	if _, err := tr.VerifyMinisign(data, []byte("abc  x\n")); err != nil {
		t.Errorf("minisign -S with our key: %v", err)
	}

	// minisign decrypts and signs with our encrypted secret key.
	esk, _ := MarshalMinisignSecretKey(priv, []byte("s3cret"), testCost)
	os.WriteFile(filepath.Join(dir, "enc.key"), esk, 0o600)
	os.Remove(msg + ".minisig")
	run(t, dir, []byte("s3cret\n"), mini, "-S", "-s", filepath.Join(dir, "enc.key"), "-m", msg)
	data, _ = os.ReadFile(msg + ".minisig")
	if _, err := tr.VerifyMinisign(data, []byte("abc  x\n")); err != nil {
		t.Errorf("minisign -S with our encrypted key: %v", err)
	}
	os.Remove(msg + ".minisig")
	c := exec.Command(mini, "-S", "-s", filepath.Join(dir, "enc.key"), "-m", msg)
	c.Stdin = strings.NewReader("wrong\n")
	if out, err := c.CombinedOutput(); err == nil {
		t.Errorf("minisign accepted a wrong password for our key: %s", out)
	}

	// A key minisign made, encrypted with a password given on stdin.
	run(t, dir, []byte("pw\npw\n"), mini, "-G", "-p", filepath.Join(dir, "m.pub"), "-s", filepath.Join(dir, "m.key"))
	os.Remove(msg + ".minisig")
	run(t, dir, []byte("pw\n"), mini, "-S", "-s", filepath.Join(dir, "m.key"), "-m", msg)
	mpub, _ := os.ReadFile(filepath.Join(dir, "m.pub"))
	var tr2 Trust
	if err := tr2.AddPublicKey("m.pub", mpub); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(msg + ".minisig")
	if _, err := tr2.VerifyMinisign(data, []byte("abc  x\n")); err != nil {
		t.Errorf("minisign -S: %v", err)
	}
	if _, err := tr2.VerifyMinisign(data, []byte("abc  y\n")); err == nil {
		t.Errorf("minisign signature verified over other bytes")
	}
	var ute *UntrustedKeyError
	if _, err := tr.VerifyMinisign(data, []byte("abc  x\n")); !errors.As(err, &ute) {
		t.Errorf("other key: err = %v, want UntrustedKeyError", err)
	}
	// And we can read minisign's encrypted secret key (sensitive cost; slow).
	if testing.Short() {
		return
	}
	mk, _ := os.ReadFile(filepath.Join(dir, "m.key"))
	k, err := ParseMinisignSecretKey(mk, func() ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatalf("minisign's key: %v", err)
	}
	if KeyID(k.ID()) != KeyID(tr2.Minisign[0].ID()) {
		t.Errorf("key id mismatch")
	}
}

func run(t *testing.T, dir string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Stdin = bytes.NewReader(stdin)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func mustB64(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }
