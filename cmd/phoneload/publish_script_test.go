package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"aead.dev/minisign"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/publish"
	"github.com/phoneload/phoneload/internal/tftp"
	"github.com/phoneload/phoneload/sign"
)

// TestPublishScripts runs testdata/publish: publish, rollback, serve and
// probe, with the commands below to build signed bundles and talk TFTP.
func TestPublishScripts(t *testing.T) {
	p := scriptParams(t, "testdata/publish")
	p.Cmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"mkbundle": cmdMkbundle,
		"readaddr": cmdReadaddr,
		"tftpget":  cmdTftpget,
		"histid":   cmdHistid,
	}
	testscript.Run(t, p)
}

// release returns a small 7940/7960 SIP release; ver like "8-12-00".
func release(ver string) map[string][]byte {
	img := func(name string, n int) []byte {
		b := make([]byte, n)
		s := sha256.Sum256([]byte(name))
		for i := range b {
			b[i] = s[i%32] ^ byte(i>>5)
		}
		return b
	}
	load := "P0S3-" + ver
	return map[string][]byte{
		"P003-" + ver + ".sbn":    img("P003-"+ver, 3000),
		load + ".sb2":             img(load, 70000),
		load + ".loads":           []byte("P003-" + ver + ".sbn\n" + load + ".sb2\nLA_VERSION=PAS3" + strings.ReplaceAll(ver, "-", "") + "\n"),
		"SIPDefault.cnf":          []byte("image_version: " + load + "\ndial_template: dialplan\n"),
		"SIP001122334455.cnf":     []byte("line1_name: 100\n"),
		"XMLDefault.cnf.xml":      []byte("<Default>\n<loadInformation8 model=\"IP Phone 7940\">" + load + "</loadInformation8>\n</Default>\n"),
		"dialplan.xml":            []byte("<DIALTEMPLATE>\n<TEMPLATE MATCH=\"1...\" Timeout=\"0\"/>\n</DIALTEMPLATE>\n"),
		"RINGLIST.DAT":            []byte("Chirp\tChirp1.raw\n"),
		"Chirp1.raw":              img("chirp"+ver, 4000),
		"OS79XX.TXT":              []byte(load + "\n"),
		"SEP001122334466.cnf.xml": []byte("<device><loadInformation>" + load + "</loadInformation></device>\n"),
	}
}

// mkbundle [-tamper] [-unsigned] [-otherkey] [-firmware] VERSION DIR: writes
// a signed bundle directory (-firmware: the images and .loads only). The
// signing key is $WORK/key, its public half key.pub.
func cmdMkbundle(ts *testscript.TestScript, neg bool, args []string) {
	flags := map[string]bool{}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		flags[args[0]] = true
		args = args[1:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: mkbundle [-tamper] [-unsigned] [-otherkey] [-firmware] VERSION DIR")
	}
	key := testKey(ts, "key")
	if flags["-otherkey"] {
		key = testKey(ts, "otherkey")
	}
	files := release(args[0])
	if flags["-firmware"] {
		for name := range files {
			if !strings.HasSuffix(name, ".sbn") && !strings.HasSuffix(name, ".sb2") && !strings.HasSuffix(name, ".loads") {
				delete(files, name)
			}
		}
	}
	ts.Check(writeSignedBundle(ts.MkAbs(args[1]), files, key, flags["-tamper"], flags["-unsigned"]))
}

// writeSignedBundle packs files into a signed bundle directory with the
// real bundle.Pack (SHA256SUMS, bundle.json, SHA256SUMS.minisig); tamper
// changes a file after signing, unsigned drops the signature.
func writeSignedBundle(dir string, files map[string][]byte, key minisign.PrivateKey, tamper, unsigned bool) error {
	src := dir + ".src"
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return err
		}
	}
	_, err := bundle.Pack(src, dir, bundle.PackOptions{
		Time:    time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		Tool:    "phoneload test",
		Signers: []sign.Signer{sign.MinisignSigner{Key: key}},
	})
	if err != nil {
		return err
	}
	if tamper {
		if err := os.WriteFile(filepath.Join(dir, "SIPDefault.cnf"), []byte("image_version: P0S3-evil\n"), 0o644); err != nil {
			return err
		}
	}
	if unsigned {
		return os.Remove(filepath.Join(dir, "SHA256SUMS.minisig"))
	}
	return nil
}

func testKey(ts *testscript.TestScript, name string) minisign.PrivateKey {
	p := ts.MkAbs(name)
	if b, err := os.ReadFile(p); err == nil {
		var k minisign.PrivateKey
		ts.Check(k.UnmarshalText(b))
		return k
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	ts.Check(err)
	b, _ := priv.MarshalText()
	ts.Check(os.WriteFile(p, b, 0o600))
	pb, _ := pub.MarshalText()
	ts.Check(os.WriteFile(p+".pub", append(pb, '\n'), 0o644))
	return priv
}

// histid ROOT INDEX VAR: sets $VAR to the id of the INDEXth publish (0 the
// oldest) of ROOT's history, as phoneload history lists them.
func cmdHistid(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: histid ROOT INDEX VAR")
	}
	log, err := publish.Log(ts.MkAbs(args[0]), "")
	ts.Check(err)
	i, err := strconv.Atoi(args[1])
	ts.Check(err)
	if i < 0 || i >= len(log) {
		ts.Fatalf("history of %s has %d publishes", args[0], len(log))
	}
	ts.Setenv(args[2], log[i].ID)
}

// readaddr FILE VAR: waits for FILE (written by serve --addr-file) and sets
// $VAR to the address in it.
func cmdReadaddr(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: readaddr FILE VAR")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && len(b) > 0 {
			ts.Setenv(args[1], strings.TrimSpace(string(b)))
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not appear", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tftpget ADDR NAME OUT: downloads NAME over TFTP into OUT.
func cmdTftpget(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: tftpget ADDR NAME OUT")
	}
	c, err := tftp.NewClient(args[0], tftp.ClientOptions{Timeout: time.Second})
	ts.Check(err)
	var buf bytes.Buffer
	_, err = c.Fetch(args[1], &buf, 1<<30)
	if neg {
		if err == nil {
			ts.Fatalf("tftpget %s: succeeded", args[1])
		}
		ts.Logf("%v", err)
		return
	}
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), buf.Bytes(), 0o644))
}
