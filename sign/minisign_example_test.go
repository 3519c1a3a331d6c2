package sign_test

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"aead.dev/minisign"
	"golang.org/x/crypto/ssh"

	"github.com/phoneload/phoneload/sign"
)

// Sign SHA256SUMS with a minisign key and verify it against the trusted key.
func ExampleTrust_VerifyMinisign() {
	pub, priv, _ := sign.GenerateMinisignKey(nil)
	sums := []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.txt\n")
	sig, _ := sign.MinisignSigner{Key: priv}.Sign(sums, time.Unix(1700000000, 0))

	trust := &sign.Trust{Minisign: []minisign.PublicKey{pub}}
	v, err := trust.VerifyMinisign(sig, sums)
	fmt.Println(v.Kind, v.KeyID == sign.KeyID(pub.ID()), err)
	_, err = trust.VerifyMinisign(sig, append(sums, 'x'))
	fmt.Println(err)
	// Output:
	// minisign true <nil>
	// sign: minisign signature does not verify
}

// Sign with an SSH key in ssh-keygen -Y sign's format and verify it against
// an allowed signers line.
func ExampleSignSSH() {
	key, _ := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(make([]byte, 32)))
	sums := []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.txt\n")
	armored, _ := sign.SignSSH(key, sign.Namespace, sums)

	line := "release@example namespaces=\"phoneload\" " + string(ssh.MarshalAuthorizedKey(key.PublicKey()))
	trust := &sign.Trust{}
	if err := trust.AddAllowedSigners("allowed_signers", []byte(line)); err != nil {
		fmt.Println(err)
		return
	}
	v, err := trust.VerifySSH(armored, sums, time.Now())
	fmt.Println(v.Kind, v.Principal, err)
	// Output:
	// ssh release@example <nil>
}
