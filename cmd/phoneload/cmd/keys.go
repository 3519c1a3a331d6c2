package cmd

// Keys: the passphrases that unlock secret keys, loading the keys pack
// signs with, and the trusted public keys verify, publish, inspect, push,
// pull and sync check signatures with. Every command reads keys through
// this file.

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/sign"
)

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

// loadTrustFile reads the trusted keys of a --trust file (inspect, check).
func loadTrustFile(name string) ([]crypto.PublicKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--trust: %w", err)
	}
	keys, err := sign.ParseTrustPEM(b)
	if err != nil {
		return nil, fmt.Errorf("--trust %s: %w", name, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("--trust %s: no key in the file", name)
	}
	return keys, nil
}

// loadTrust reads the keys given with --pub and --allowed-signers. Errors
// are usage errors (exit 2). publish uses it too.
func loadTrust(pubs, allowed []string) (*sign.Trust, error) {
	trust := &sign.Trust{}
	for _, p := range pubs {
		data, err := readSmall(p)
		if err != nil {
			return nil, cli.Exit(cli.ExitUsage, err)
		}
		if err := trust.AddPublicKey(p, data); err != nil {
			return nil, cli.Exit(cli.ExitUsage, err)
		}
	}
	for _, p := range allowed {
		data, err := readSmall(p)
		if err != nil {
			return nil, cli.Exit(cli.ExitUsage, err)
		}
		if err := trust.AddAllowedSigners(p, data); err != nil {
			return nil, cli.Exit(cli.ExitUsage, err)
		}
	}
	return trust, nil
}

func readSmall(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, sign.MaxAllowedSignersSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > sign.MaxAllowedSignersSize {
		return nil, fmt.Errorf("%s: too large for a key file", p)
	}
	return data, nil
}
