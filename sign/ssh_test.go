package sign

import (
	"encoding/base64"

	"aead.dev/minisign"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/phoneload/phoneload/internal/testtool"
)

func newSSHSigners(t *testing.T) map[string]ssh.Signer {
	t.Helper()
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ssh.Signer{}
	for name, k := range map[string]any{"ed25519": edk, "rsa": rk} {
		s, err := ssh.NewSignerFromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s
	}
	return out
}

func TestSSHSignVerify(t *testing.T) {
	msg := []byte("0123  a\n")
	for name, s := range newSSHSigners(t) {
		t.Run(name, func(t *testing.T) {
			sig, err := SignSSH(s, Namespace, msg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParseSSHSignature(sig)
			if err != nil {
				t.Fatal(err)
			}
			if name == "rsa" && p.Signature.Format != ssh.KeyAlgoRSASHA512 {
				t.Errorf("rsa format = %s, want rsa-sha2-512", p.Signature.Format)
			}
			if err := p.Verify(Namespace, msg); err != nil {
				t.Errorf("verify: %v", err)
			}
			if err := p.Verify("git", msg); err == nil {
				t.Errorf("verified in another namespace")
			}
			if err := p.Verify(Namespace, append(msg, 'x')); err == nil {
				t.Errorf("verified other bytes")
			}
			var tr Trust
			if _, err := tr.VerifySSH(sig, msg, time.Now()); err == nil {
				t.Errorf("empty trust accepted")
			}
			tr.SSH = []AllowedSigner{{Principals: []string{"rel@x"}, Key: s.PublicKey()}}
			v, err := tr.VerifySSH(sig, msg, time.Now())
			if err != nil || v.Principal != "rel@x" {
				t.Errorf("trusted: %+v, %v", v, err)
			}
			// Every truncation of the armored signature is refused.
			for i := 0; i < len(sig)-len("-----\n"); i++ {
				if p, err := ParseSSHSignature(sig[:i]); err == nil && p.Verify(Namespace, msg) == nil {
					t.Fatalf("truncation to %d verified", i)
				}
			}
		})
	}
}

func TestParseAllowedSigners(t *testing.T) {
	s := newSSHSigners(t)["ed25519"]
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
	file := "# comment\n\n" +
		"a@x,b@x " + key + " laptop\n" +
		`"c@x" namespaces="git,phone*",valid-after="20200101",valid-before=20300101Z ` + key + "\n"
	got, err := ParseAllowedSigners("allowed", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || strings.Join(got[0].Principals, ",") != "a@x,b@x" || got[1].Line != 4 {
		t.Fatalf("got %+v", got)
	}
	if !got[1].Allows(Namespace, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("namespace pattern phone* should allow phoneload")
	}
	if got[1].Allows(Namespace, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("valid-before ignored")
	}
	for _, bad := range []string{"onlyprincipal", "p ssh-ed25519 AAAA", `"p ` + key, "p cert-authority " + key, "p frob=1 " + key} {
		if _, err := ParseAllowedSigners("allowed", []byte(bad+"\n")); err == nil || !strings.HasPrefix(err.Error(), "sign: allowed:1: ") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

// ssh-keygen -Y verify accepts our signatures and we accept ssh-keygen -Y
// sign's, for ed25519 and RSA keys (RSA signed with SHA-512).
func TestSSHInterop(t *testing.T) {
	keygen := testtool.Need(t, "ssh-keygen")
	dir := t.TempDir()
	msgPath := filepath.Join(dir, "SHA256SUMS")
	msg := []byte("e3b0  x\n")
	os.WriteFile(msgPath, msg, 0o644)
	for _, typ := range []string{"ed25519", "rsa"} {
		t.Run(typ, func(t *testing.T) {
			kp := filepath.Join(dir, "id_"+typ)
			args := []string{"-q", "-t", typ, "-N", "", "-C", "rel@example", "-f", kp}
			if typ == "rsa" {
				args = append(args, "-b", "2048")
			}
			run(t, dir, nil, keygen, args...)
			pubData, _ := os.ReadFile(kp + ".pub")
			allowed := filepath.Join(dir, "allowed_"+typ)
			os.WriteFile(allowed, []byte("rel@example namespaces=\"phoneload\" "+string(pubData)), 0o644)

			// Ours → ssh-keygen -Y verify.
			signer, err := LoadSSHSigner(kp, nil)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := SSHSigner{Signer: signer}.Sign(msg, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sigPath := msgPath + "." + typ + ".sig"
			os.WriteFile(sigPath, sig, 0o644)
			run(t, dir, msg, keygen, "-Y", "verify", "-f", allowed, "-I", "rel@example", "-n", Namespace, "-s", sigPath)

			// ssh-keygen -Y sign → ours.
			os.Remove(msgPath + ".sig")
			run(t, dir, nil, keygen, "-Y", "sign", "-f", kp, "-n", Namespace, msgPath)
			theirs, _ := os.ReadFile(msgPath + ".sig")
			var tr Trust
			ad, _ := os.ReadFile(allowed)
			if err := tr.AddAllowedSigners("allowed", ad); err != nil {
				t.Fatal(err)
			}
			v, err := tr.VerifySSH(theirs, msg, time.Now())
			if err != nil {
				t.Fatalf("ssh-keygen's signature: %v", err)
			}
			if v.Principal != "rel@example" {
				t.Errorf("principal = %q", v.Principal)
			}
			p, _ := ParseSSHSignature(theirs)
			if typ == "rsa" && p.Signature.Format != ssh.KeyAlgoRSASHA512 {
				t.Errorf("ssh-keygen rsa format %s", p.Signature.Format)
			}
			// Our armor is byte-identical in layout to ssh-keygen's.
			if len(strings.Split(string(theirs), "\n")[1]) != len(strings.Split(string(sig), "\n")[1]) {
				t.Errorf("armor line width differs")
			}
			// A signature in another namespace is refused.
			os.Remove(msgPath + ".sig")
			run(t, dir, nil, keygen, "-Y", "sign", "-f", kp, "-n", "git", msgPath)
			other, _ := os.ReadFile(msgPath + ".sig")
			if _, err := tr.VerifySSH(other, msg, time.Now()); err == nil {
				t.Errorf("git namespace accepted")
			}
		})
	}
}

func TestLoadSSHSignerEncrypted(t *testing.T) {
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	blk, err := ssh.MarshalPrivateKeyWithPassphrase(edk, "c", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id")
	os.WriteFile(p, pem.EncodeToMemory(blk), 0o600)
	if _, err := LoadSSHSigner(p, func() ([]byte, error) { return []byte("bad"), nil }); !errors.Is(err, ErrDecrypt) {
		t.Errorf("wrong passphrase: %v", err)
	}
	if _, err := LoadSSHSigner(p, func() ([]byte, error) { return []byte("pw"), nil }); err != nil {
		t.Errorf("right passphrase: %v", err)
	}
	os.Chmod(p, 0o640)
	if _, err := LoadSSHSigner(p, nil); !errors.Is(err, ErrKeyPermissions) {
		t.Errorf("loose permissions: %v", err)
	}
}

func FuzzParseSSHSignature(f *testing.F) {
	s, _ := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(make([]byte, 32)))
	sig, _ := SignSSH(s, Namespace, []byte("x"))
	f.Add(sig)
	f.Add([]byte(armorBegin + "\n" + armorEnd))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSSHSignature(b)
		if err == nil {
			_ = p.Verify(Namespace, []byte("x"))
		}
	})
}

func FuzzParseMinisign(f *testing.F) {
	_, priv, _ := GenerateMinisignKey(nil)
	f.Add(SignMinisign(priv, []byte("x"), "t"))
	sk, _ := MarshalMinisignSecretKey(priv, nil, testCost)
	f.Add(sk)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseMinisignSignature(b)
		_, _ = ParseMinisignPublicKey(b)
		_, _ = ParseMinisignSecretKey(b, nil)
		_, _ = ParseAllowedSigners("f", b)
	})
}

// A .pub given as the key signs through ssh-agent, as ssh-keygen -Y sign
// does; RSA keys still sign with rsa-sha2-512 there.
func TestLoadSSHSignerAgent(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets: %v", err)
	}
	defer l.Close()
	keyring := agent.NewKeyring()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go agent.ServeAgent(keyring, c)
		}
	}()
	t.Setenv("SSH_AUTH_SOCK", sock)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, k := range map[string]any{"ed25519": edk, "rsa": rk} {
		s, _ := ssh.NewSignerFromKey(k)
		pubPath := filepath.Join(dir, name+".pub")
		os.WriteFile(pubPath, ssh.MarshalAuthorizedKey(s.PublicKey()), 0o644)
		if _, err := LoadSSHSigner(pubPath, nil); err == nil || !strings.Contains(err.Error(), "ssh-agent has no key") {
			t.Errorf("%s not in agent: err = %v", name, err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: k}); err != nil {
			t.Fatal(err)
		}
		as, err := LoadSSHSigner(pubPath, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sig, err := SSHSigner{Signer: as}.Sign([]byte("m"), time.Time{})
		if err != nil {
			t.Fatalf("%s: sign through agent: %v", name, err)
		}
		p, err := ParseSSHSignature(sig)
		if err != nil || p.Verify(Namespace, []byte("m")) != nil {
			t.Fatalf("%s: agent signature does not verify: %v", name, err)
		}
		if name == "rsa" && p.Signature.Format != ssh.KeyAlgoRSASHA512 {
			t.Errorf("agent rsa format %s", p.Signature.Format)
		}
	}
	t.Setenv("SSH_AUTH_SOCK", "")
	if _, err := LoadSSHSigner(filepath.Join(dir, "rsa.pub"), nil); err == nil || !strings.Contains(err.Error(), "SSH_AUTH_SOCK") {
		t.Errorf("no agent: err = %v", err)
	}
}

// Namespace patterns follow OpenSSH's match_pattern_list: a negated
// pattern that matches refuses, whatever else matches (ssh-keygen -Y verify
// refuses namespaces="*,!phoneload" for a phoneload signature).
func TestAllowedSignerNamespaces(t *testing.T) {
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(newSSHSigners(t)["ed25519"].PublicKey())))
	for _, tc := range []struct {
		opt  string
		want bool
	}{
		{``, true},
		{`namespaces="phoneload"`, true},
		{`namespaces="git,phone*"`, true},
		{`namespaces="*"`, true},
		{`namespaces="*,!phoneload"`, false},
		{`namespaces="!phoneload,*"`, false},
		{`namespaces="phoneload,!phone*"`, false},
		{`namespaces="!git"`, false}, // nothing positive matches
		{`namespaces="!git,*"`, true},
		{`namespaces="git, phoneload"`, false}, // ssh-keygen does not trim spaces
		{`namespaces=""`, false},
	} {
		line := "rel@x " + tc.opt + " " + key + "\n"
		a, err := ParseAllowedSigners("allowed", []byte(line))
		if err != nil {
			t.Fatalf("%s: %v", tc.opt, err)
		}
		if got := a[0].Allows(Namespace, time.Now()); got != tc.want {
			t.Errorf("%s: Allows(phoneload) = %v, want %v", tc.opt, got, tc.want)
		}
	}
}

// A minisign key ID is chosen by the key's maker and is not covered by the
// signature, and one Ed25519 key can be both a minisign and an SSH key: a
// threshold must count public keys, not IDs.
func TestTrustCountsKeysNotIDs(t *testing.T) {
	pub, priv, err := GenerateMinisignKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("0123  a\n")
	sig := SignMinisign(priv, msg, "tc")

	// The same key under another ID, and the signature relabelled to it.
	raw, _ := base64.StdEncoding.DecodeString(pub.String())
	raw[2] ^= 0xff
	var alias minisign.PublicKey
	if err := alias.UnmarshalText([]byte(base64.StdEncoding.EncodeToString(raw))); err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(sig), "\n", 3)
	sraw, _ := base64.StdEncoding.DecodeString(lines[1])
	sraw[2] ^= 0xff
	sig2 := []byte(lines[0] + "\n" + base64.StdEncoding.EncodeToString(sraw) + "\n" + lines[2])

	// The same Ed25519 key as an SSH key.
	skText, _ := priv.MarshalText()
	skRaw, err := decodeSecretKey(skText)
	if err != nil {
		t.Fatal(err)
	}
	sshSigner, err := ssh.NewSignerFromKey(ed25519.PrivateKey(skRaw[62 : 62+64]))
	if err != nil {
		t.Fatal(err)
	}
	sshSig, err := SignSSH(sshSigner, Namespace, msg)
	if err != nil {
		t.Fatal(err)
	}

	tr := &Trust{Minisign: []minisign.PublicKey{pub, alias}, SSH: []AllowedSigner{{Principals: []string{"x"}, Key: sshSigner.PublicKey()}}}
	if n := len(tr.IDs()); n != 3 {
		t.Fatalf("IDs = %d, want 3", n)
	}
	if n := tr.Distinct(); n != 1 {
		t.Errorf("Distinct = %d, want 1", n)
	}
	v1, err1 := tr.VerifyMinisign(sig, msg)
	v2, err2 := tr.VerifyMinisign(sig2, msg)
	v3, err3 := tr.VerifySSH(sshSig, msg, time.Now())
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("verify: %v, %v, %v", err1, err2, err3)
	}
	if v1.KeyID == v2.KeyID || v1.Key == "" || v1.Key != v2.Key || v1.Key != v3.Key {
		t.Errorf("keys: %q %q %q (ids %s %s)", v1.Key, v2.Key, v3.Key, v1.KeyID, v2.KeyID)
	}

	// Two trusted keys with one ID: each is tried.
	_, other, _ := GenerateMinisignKey(nil)
	otherSig := SignMinisign(other, msg, "tc")
	otherPub := other.Public().(minisign.PublicKey)
	oraw, _ := base64.StdEncoding.DecodeString(otherPub.String())
	copy(oraw[2:10], raw[2:10]) // other key, alias's ID
	var clash minisign.PublicKey
	if err := clash.UnmarshalText([]byte(base64.StdEncoding.EncodeToString(oraw))); err != nil {
		t.Fatal(err)
	}
	tr = &Trust{Minisign: []minisign.PublicKey{clash, alias}}
	if _, err := tr.VerifyMinisign(sig2, msg); err != nil {
		t.Errorf("second key with the same ID not tried: %v", err)
	}
	if _, err := tr.VerifyMinisign(otherSig, msg); err == nil {
		t.Errorf("signature by an untrusted key verified")
	}
}

// A trusted key refused by its allowed signers line says which line and
// which restriction.
func TestVerifySSHRefusalNamed(t *testing.T) {
	s := newSSHSigners(t)["ed25519"]
	key := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
	msg := []byte("0123  a\n")
	sig, err := SignSSH(s, Namespace, msg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for opt, want := range map[string]string{
		`namespaces="git,file"`:        `allowed signers line 2: namespaces="git,file" does not admit "phoneload"`,
		`valid-after="20300101Z"`:      "allowed signers line 2: valid only after 2030-01-01T00:00:00Z",
		`valid-before="202001011200Z"`: "allowed signers line 2: valid only before 2020-01-01T12:00:00Z",
	} {
		var tr Trust
		if err := tr.AddAllowedSigners("allowed", []byte("# keys\nrel@x "+opt+" "+key+"\n")); err != nil {
			t.Fatal(err)
		}
		_, err := tr.VerifySSH(sig, msg, now)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", opt, err, want)
		}
	}
}
