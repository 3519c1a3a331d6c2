package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

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

// maxPassphraseFile bounds what is read from --passphrase-file.
const maxPassphraseFile = 64 << 10

// PassphraseEnv is the environment variable passphrases are read from when
// --passphrase-file is not given (as cosign reads COSIGN_PASSWORD).
const PassphraseEnv = "PHONELOAD_PASSPHRASE"

// passphraseHelp is the one paragraph every command that unlocks or
// creates a key carries in its --help.
const passphraseHelp = `Passphrases, first found wins: --passphrase-file FILE (its first line; "-"
reads the first line of stdin), then the environment variable
PHONELOAD_PASSPHRASE, then a prompt on the terminal (no echo). Never from
the command line, where ps and shell history would show it. A passphrase
from a file, stdin or the environment is read once and unlocks every key
given; the terminal asks for each. Without any of them and no terminal, the
command fails and says which to give.`

// passphrases is where a command's passphrases come from, in this order:
// --passphrase-file (FILE, or "-" for stdin), $PHONELOAD_PASSPHRASE, the
// terminal. A file, stdin or the environment gives one passphrase, read
// once and used for every key; the terminal asks for each key.
type passphrases struct {
	cmd    *cobra.Command
	file   string
	cached []byte
}

func newPassphrases(cmd *cobra.Command, file string) *passphrases {
	return &passphrases{cmd: cmd, file: file}
}

// get returns a passphrase for the key prompt names. confirm asks twice on
// a terminal (a new key).
func (p *passphrases) get(prompt string, confirm bool) ([]byte, error) {
	if p.cached != nil {
		return p.cached, nil
	}
	var (
		pass []byte
		err  error
	)
	switch {
	case p.file == "-":
		pass, err = firstLine("stdin", p.cmd.InOrStdin())
	case p.file != "":
		// Bounded: the file may be a pipe (--passphrase-file <(pass x)),
		// or by mistake a device that never ends.
		f, oerr := os.Open(p.file)
		if oerr != nil {
			return nil, fmt.Errorf("passphrase: %w", oerr)
		}
		pass, err = firstLine(p.file, f)
		f.Close()
	default:
		if v, ok := os.LookupEnv(PassphraseEnv); ok {
			if v == "" {
				return nil, cli.Hint(fmt.Errorf("passphrase: $%s is set but empty", PassphraseEnv), "unset it to be asked on the terminal, or give --passphrase-file FILE")
			}
			pass = []byte(v)
			break
		}
		return readTerminal(p.cmd, prompt, confirm)
	}
	if err != nil {
		return nil, err
	}
	p.cached = pass
	return pass, nil
}

// firstLine reads the first line of r (at most maxPassphraseFile bytes),
// without its line ending.
func firstLine(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("passphrase: %s: %w", name, err)
	}
	line, _, found := bytes.Cut(data, []byte("\n"))
	if !found && len(data) > maxPassphraseFile {
		return nil, fmt.Errorf("passphrase: %s: first line longer than %d bytes", name, maxPassphraseFile)
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return nil, fmt.Errorf("passphrase: %s: first line is empty", name)
	}
	return line, nil
}

// readTerminal asks on the terminal without echo (twice when confirm is
// set). It never reads stdin that is not a terminal: a passphrase must not
// leak into a pipe by accident (--passphrase-file - says so on purpose).
func readTerminal(cmd *cobra.Command, prompt string, confirm bool) ([]byte, error) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		return nil, cli.Hint(errors.New("passphrase: none given and no terminal to ask on"),
			"give --passphrase-file FILE, --passphrase-file - (first line of stdin) or set %s", PassphraseEnv)
	}
	ask := func(p string) ([]byte, error) {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s: ", p)
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return b, err
	}
	p, err := ask(prompt)
	if err != nil {
		return nil, fmt.Errorf("passphrase: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("passphrase: empty")
	}
	if confirm {
		again, err := ask("again")
		if err != nil {
			return nil, fmt.Errorf("passphrase: %w", err)
		}
		if !bytes.Equal(p, again) {
			return nil, errors.New("passphrase: the two entries differ")
		}
	}
	return p, nil
}

// unlocking shows a spinner on stderr (a terminal only) while a key's
// passphrase is turned into its key: scrypt takes seconds.
func unlocking(cmd *cobra.Command, path string, get func() ([]byte, error)) (func() ([]byte, error), func()) {
	var sp *cli.Spinner
	return func() ([]byte, error) {
			p, err := get()
			if err == nil {
				sp = cli.NewSpinner(cmd.ErrOrStderr(), "unlocking "+path)
			}
			return p, err
		}, func() {
			sp.Stop()
		}
}

// readMinisignKey reads a minisign secret key file, refusing one others can
// read, without decrypting it: pack does this before its check, and
// unlockMinisignKey (asking for the passphrase only if the key is
// encrypted) after it.
func readMinisignKey(path string) ([]byte, error) {
	data, err := sign.ReadSecretKeyFile(path)
	if err != nil {
		var pk *sign.PublicKeyError
		if errors.As(err, &pk) && pk.Kind == sign.KindMinisign {
			return nil, cli.Hint(fmt.Errorf("%s is a public key; --key takes the secret key", path), "use %s.key; the .pub is for verify --pub", strings.TrimSuffix(path, ".pub"))
		}
		if errors.As(err, &pk) {
			return nil, cli.Hint(fmt.Errorf("%s is an SSH public key; --key takes a minisign secret key", path), "--ssh-key %s signs with the matching key held by ssh-agent", path)
		}
		if errors.Is(err, sign.ErrKeyPermissions) {
			return nil, cli.Hint(err, "chmod 600 %s", path)
		}
		return nil, err
	}
	return data, nil
}

// unlockMinisignKey decrypts a key readMinisignKey read: the slow half.
func unlockMinisignKey(cmd *cobra.Command, path string, data []byte, pass *passphrases) (sign.Signer, error) {
	get, stop := unlocking(cmd, path, func() ([]byte, error) { return pass.get("passphrase for "+path, false) })
	key, err := sign.ParseMinisignSecretKey(data, get)
	stop()
	if err != nil {
		if errors.Is(err, sign.ErrDecrypt) {
			return nil, fmt.Errorf("%s: %w", path, sign.ErrDecrypt)
		}
		if bytes.Contains(data, []byte("PRIVATE KEY-----")) {
			return nil, cli.Hint(fmt.Errorf("%s: %w", path, err), "this looks like an SSH key: use --ssh-key %s", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sign.MinisignSigner{Key: key}, nil
}

func loadSSHKey(cmd *cobra.Command, path string, pass *passphrases) (sign.Signer, error) {
	get, stop := unlocking(cmd, path, func() ([]byte, error) { return pass.get("passphrase for "+path, false) })
	s, err := sign.LoadSSHSigner(path, get)
	stop()
	if err != nil {
		var pk *sign.PublicKeyError
		switch {
		case errors.Is(err, sign.ErrKeyPermissions):
			return nil, cli.Hint(err, "chmod 600 %s", path)
		case errors.As(err, &pk):
			return nil, cli.Hint(fmt.Errorf("%s is a minisign public key; --ssh-key takes an SSH key", path), "minisign secret keys go to --key: --key %s.key", strings.TrimSuffix(path, ".pub"))
		case errors.Is(err, sign.ErrMinisignKey):
			return nil, cli.Hint(err, "minisign secret keys go to --key: --key %s", path)
		}
		return nil, err
	}
	return sign.SSHSigner{Signer: s}, nil
}
