package cmd

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phoneload/phoneload/internal/atomicfile"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/sign"
)

// keyCost is the scrypt cost of new secret keys: minisign's own.
var keyCost = sign.SensitiveCost

// keyGenerateFlags are the flags of key generate.
type keyGenerateFlags struct {
	out, passFile string
	unencrypted   bool
}

// NewCmdKey returns `phoneload key` and its subcommands.
func NewCmdKey() *cobra.Command {
	c := &cobra.Command{
		Use:   "key",
		Short: "Create the minisign keys that sign bundles",
		Long: `key manages the minisign keys pack signs bundles with. SSH keys (ssh-keygen,
ssh-agent) work too and need nothing from here.`,
		Example: `  phoneload key generate -o release
  phoneload pack --key release.key -o bundle.zip drop/
  phoneload verify --pub release.pub bundle.zip`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cli.Usage("key needs a subcommand: generate")
		},
	}
	c.AddCommand(newCmdKeyGenerate())
	return c
}

func newCmdKeyGenerate() *cobra.Command {
	var f keyGenerateFlags
	c := &cobra.Command{
		Use:   "generate -o NAME [--passphrase-file FILE | --unencrypted]",
		Short: "Create a minisign key pair: NAME.key (secret) and NAME.pub",
		Long: `generate writes a new minisign key pair: NAME.key, the secret key, created
with mode 0600 and never overwritten, and NAME.pub, the public key sites verify
with. Both are in minisign's own format: minisign -S -s NAME.key signs with it
and minisign -V -p NAME.pub verifies.

The secret key is encrypted with a passphrase (scrypt, as minisign does: about
1 GiB of memory and a few seconds each time it is used). --unencrypted writes
the key in the clear, for keys kept in a secrets store that already protects
them.

` + passphraseHelp,
		Example: `  phoneload key generate -o release
  phoneload key generate -o ci --passphrase-file /run/secrets/bundle-pass
  pass show release | phoneload key generate -o release --passphrase-file -
  phoneload key generate -o lab --unencrypted`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runKeyGenerate(cmd, &f, args)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "write `NAME`.key and NAME.pub")
	fl.StringVar(&f.passFile, "passphrase-file", "", "read the passphrase from the first line of `FILE` (- for stdin) instead of $PHONELOAD_PASSPHRASE or the terminal")
	fl.BoolVar(&f.unencrypted, "unencrypted", false, "write the secret key without a passphrase")
	return c
}

func runKeyGenerate(cmd *cobra.Command, f *keyGenerateFlags, args []string) error {
	if f.out == "" {
		return cli.Usage("key generate needs -o NAME")
	}
	if f.unencrypted && f.passFile != "" {
		return cli.Usage("--unencrypted and --passphrase-file exclude each other")
	}
	name := strings.TrimSuffix(strings.TrimSuffix(f.out, ".key"), ".pub")
	keyPath, pubPath := name+".key", name+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return cli.Hint(fmt.Errorf("key: %s already exists; keys are never overwritten", p), "choose another -o NAME, or remove the old key yourself")
		}
	}
	var pass []byte
	if !f.unencrypted {
		var err error
		if pass, err = newPassphrases(cmd, f.passFile).get("new passphrase for "+keyPath, true); err != nil {
			return err
		}
	}
	pub, priv, err := sign.GenerateMinisignKey(nil)
	if err != nil {
		return err
	}
	var sp *cli.Spinner
	if pass != nil {
		sp = cli.NewSpinner(cmd.ErrOrStderr(), "encrypting "+keyPath)
	}
	sk, err := sign.MarshalMinisignSecretKey(priv, pass, keyCost)
	sp.Stop()
	if err != nil {
		return err
	}
	if err := atomicfile.CreateExclusive(keyPath, sk, 0o600); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	if err := atomicfile.CreateExclusive(pubPath, sign.MarshalMinisignPublicKey(pub), 0o644); err != nil {
		os.Remove(keyPath)
		return fmt.Errorf("key: %w", err)
	}
	state := "encrypted"
	if f.unencrypted {
		state = "unencrypted"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "minisign key %s\nsecret key: %s (%s, mode 0600)\npublic key: %s\n", sign.KeyID(pub.ID()), keyPath, state, pubPath)
	return nil
}
