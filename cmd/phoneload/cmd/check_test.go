package cmd

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneload/phoneload/cfgfmt"
	"github.com/phoneload/phoneload/internal/conformance"
	"github.com/phoneload/phoneload/internal/fixture"
	"github.com/phoneload/phoneload/sign"
)

// brokenRoot is a generated drop broken by one small mutation, the way real
// TFTP roots go wrong, and what check must say about it.
type brokenRoot struct {
	name   string
	family fixture.Family
	break_ func(t *testing.T, dir string)
	flags  []string // extra flags; "FLEET" lines become a --fleet file
	fleet  string
	rule   string // must fire…
	file   string // …on this file ("" = the root)
	exit   int
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func replace(old, new string, names ...string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, n := range names {
			must(t, fixture.Replace(dir, n, old, new))
		}
	}
}

func remove(names ...string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, n := range names {
			must(t, fixture.Remove(dir, n))
		}
	}
}

func write(name, content string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
}

func steps(fs ...func(t *testing.T, dir string)) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		for _, f := range fs {
			f(t, dir)
		}
	}
}

// testTable is a tiny tag table of our own (never Cisco's): enough of the
// 7912 profile's names for cfgfmt to compile it; the rest are skipped
// with a warning, as cfgfmt does.
const testTable = "# test table\n0x14,0x0020,UseTftp,1\n0x15,0x0002,TftpURL,4\n0x16,0x0004,CfgInterval,4\n"

var brokenRoots = []brokenRoot{
	{name: "os79xx trailing space", family: fixture.SIP7940, break_: replace("P003-8-12-00\n", "P003-8-12-00 \n", "OS79XX.TXT"),
		rule: "os79xx-syntax", file: "OS79XX.TXT", exit: 1},
	{name: "os79xx 8.3 form for SIP 8.12", family: fixture.SIP7940, break_: replace("P003-8-12-00", "P0S30812", "OS79XX.TXT"),
		rule: "os79xx-form", file: "OS79XX.TXT", exit: 1},
	{name: "os79xx names a missing image", family: fixture.SCCP7940, break_: replace("P00308010200", "P00308010300", "OS79XX.TXT"),
		rule: "os79xx-image-missing", file: "OS79XX.TXT", exit: 1},
	{name: "os79xx saved by Notepad as UTF-8", family: fixture.SIP7940, break_: replace("P003-8-12-00\n", "\xef\xbb\xbfP003-8-12-00\n", "OS79XX.TXT"),
		rule: "os79xx-syntax", file: "OS79XX.TXT", exit: 1},
	{name: "os79xx crlf is only a warning", family: fixture.SIP7940, break_: replace("P003-8-12-00\n", "P003-8-12-00\r\n", "OS79XX.TXT"),
		rule: "os79xx-crlf", file: "OS79XX.TXT", exit: 0},
	{name: "image_version names a missing image", family: fixture.SIP7940, break_: replace("image_version: P0S3-8-12-00", "image_version: P0S3-8-11-00", "SIPDefault.cnf"),
		rule: "image-missing", file: "SIPDefault.cnf", exit: 1},
	{name: "image_version with extension", family: fixture.SIP7940, break_: replace("image_version: P0S3-8-12-00", "image_version: P0S3-8-12-00.loads", "SIPDefault.cnf"),
		rule: "image-extension", file: "SIPDefault.cnf", exit: 1},
	{name: "loadInformation for the wrong model", family: fixture.SIP7940,
		break_: replace(`<loadInformation8 model="IP Phone 7940">P0S3-8-12-00</loadInformation8>`, `<loadInformation307 model="IP Phone 7911">P0S3-8-12-00</loadInformation307>`, "XMLDefault.cnf.xml"),
		rule:   "image-model-mismatch", file: "XMLDefault.cnf.xml", exit: 1},
	{name: "loadInformation8 labelled as a 7960", family: fixture.SIP7940,
		break_: replace(`<loadInformation8 model="IP Phone 7940">`, `<loadInformation8 model="IP Phone 7960">`, "XMLDefault.cnf.xml"),
		rule:   "model-attr-mismatch", file: "XMLDefault.cnf.xml", exit: 0},
	{name: "loads part missing", family: fixture.SIP7940, break_: remove("P0S3-8-12-00.sb2"),
		rule: "loads-part-missing", file: "P0S3-8-12-00.loads", exit: 1},
	{name: "no load specified", family: fixture.SCCP7940, break_: remove("OS79XX.TXT", "XMLDefault.cnf.xml"),
		rule: "no-load-specified", file: "", exit: 0},
	{name: "renamed signed image", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.Resign(dir, "P0S3-8-12-00.sb2", "P0S3-8-11-00.sb2", nil, sign.SignOptions{}))
	}, rule: "signed-name-mismatch", file: "P0S3-8-12-00.sb2", exit: 1},
	{name: "truncated signed header", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.Edit(dir, "P0S3-8-12-00.sb2", func(b []byte) []byte { return b[:200] }))
	}, rule: "signed-header-bad", file: "P0S3-8-12-00.sb2", exit: 1},
	{name: "unsigned 79x1 part", family: fixture.SIP79x1, break_: func(t *testing.T, dir string) {
		must(t, fixture.Unsign(dir, "dsp41.9-4-2TH1-1.sbn"))
	}, rule: "signed-header-bad", file: "dsp41.9-4-2TH1-1.sbn", exit: 1},
	{name: "sbn payload differs from bin", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.FlipPayloadByte(dir, "P003-8-12-00.sbn", 1000))
		must(t, fixture.Resign(dir, "P003-8-12-00.sbn", "P003-8-12-00.sbn", nil, sign.SignOptions{}))
	}, rule: "sbn-payload-mismatch", file: "P003-8-12-00.sbn", exit: 1},
	{name: "LA_VERSION differs from the loader", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.Replace(dir, "P0S3-8-12-00.loads", "LA_VERSION=PAS30830", "LA_VERSION=PAS30820"))
		must(t, fixture.Resign(dir, "P0S3-8-12-00.loads", "P0S3-8-12-00.loads", nil, sign.SignOptions{}))
	}, rule: "loads-la-version", file: "P0S3-8-12-00.loads", exit: 1},
	{name: "signature fails with --trust", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.FlipPayloadByte(dir, "P0S3-8-12-00.sb2", 10))
	}, flags: []string{"--trust", "TRUST"}, rule: "signature-untrusted", file: "P0S3-8-12-00.sb2", exit: 1},
	{name: "per-device name in lower case", family: fixture.SIP7940, break_: write("sip000D28A1B2C3.cnf", "line1_name: 100\n"),
		rule: "device-name", file: "sip000D28A1B2C3.cnf", exit: 1},
	{name: "7912 profile name in upper case", family: fixture.SIP7912, break_: func(t *testing.T, dir string) {
		must(t, fixture.Rename(dir, "gk000d28a1b2c3.txt", "gk000D28A1B2C3.txt"))
	}, rule: "device-name", file: "gk000D28A1B2C3.txt", exit: 1},
	{name: "case collision", family: fixture.SIP7940, break_: write("sipdefault.cnf", "image_version: P0S3-8-12-00\n"),
		rule: "case-collision", file: "sipdefault.cnf", exit: 0},
	{name: "byte-identical case alias", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		b, err := os.ReadFile(filepath.Join(dir, "RINGLIST.DAT"))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, "ringlist.dat"), b, 0o644))
	}, rule: "case-alias", file: "ringlist.dat", exit: 0},
	{name: "Jar41sip vs jar41sip", family: fixture.SIP79x1, break_: func(t *testing.T, dir string) {
		must(t, fixture.Rename(dir, "jar41sip.9-4-2TH1-1.sbn", "Jar41sip.9-4-2TH1-1.sbn"))
	}, rule: "reference-case", file: "SIP41.9-4-2SR1S.loads", exit: 1},
	{name: "SIP config in an SCCP root", family: fixture.SCCP7940, break_: write("SIPDefault.cnf", "image_version: P00308010200\n"),
		rule: "protocol-stray-config", file: "SIPDefault.cnf", exit: 0},
	{name: "SIP and SCCP configs disagree", family: fixture.SIP7940,
		break_: replace(`<loadInformation8 model="IP Phone 7940">P0S3-8-12-00`, `<loadInformation8 model="IP Phone 7940">P0S3-07-4-00`, "XMLDefault.cnf.xml"),
		rule:   "protocol-load-conflict", file: "XMLDefault.cnf.xml", exit: 1},
	{name: "signed phones offered an unsigned image", family: fixture.SIP7940,
		break_: steps(replace("image_version: P0S3-8-12-00", "image_version: P0S30203", "SIPDefault.cnf"), write("P0S30203.bin", "old image")),
		fleet:  "mac,model,running-load\n000D28A1B2C3,7940,P0S3-07-4-00\n",
		rule:   "upgrade-downgrade", file: "SIPDefault.cnf", exit: 1},
	{name: "SIP 4.2 phones offered 8.12", family: fixture.SIP7940, fleet: "000D28A1B2C3,7960,P0S3-04-2-00\n",
		rule: "upgrade-sip-path", file: "SIPDefault.cnf", exit: 1},
	{name: "SCCP 4 phones offered SIP", family: fixture.SIP7940, fleet: "000D28A1B2C3,7940,P00304020300\n",
		rule: "upgrade-sccp-to-sip", file: "OS79XX.TXT", exit: 1},
	{name: "SIP 2.1 phones offered a long SCCP name", family: fixture.SCCP7940, fleet: "000D28A1B2C3,7940,P0S30201\n",
		rule: "upgrade-sip21-name", file: "OS79XX.TXT", exit: 1},
	{name: "SIP 4.4 phones offered SCCP 8.1", family: fixture.SCCP7940, fleet: "000D28A1B2C3,7940,P0S3-04-4-00\n",
		rule: "upgrade-sip-to-sccp", file: "OS79XX.TXT", exit: 1},
	{name: "SIP 2.x phones and a full SIPDefault.cnf", family: fixture.SIP7940, fleet: "000D28A1B2C3,7940,P0S30203\n",
		rule: "upgrade-w210", file: "SIPDefault.cnf", exit: 1},
	{name: "SIP 4.4 phones and a loader without its bin", family: fixture.SIP7940, break_: remove("P003-8-12-00.bin"), fleet: "000D28A1B2C3,7940,P0S3-04-4-00\n",
		rule: "loader-bin-missing", file: "P003-8-12-00.sbn", exit: 1},
	{name: "a parameter set twice", family: fixture.SIP7940, break_: replace("proxy1_port: 5060", "proxy1_port: 5060\nproxy1_port: 5061", "SIPDefault.cnf"),
		rule: "config-duplicate-key", file: "SIPDefault.cnf", exit: 0},
	{name: "which phones a root upgrades", family: fixture.SIP7940, fleet: "000D28A1B2C3,7940,P0S3-07-4-00\n000D28A1B2C4,7940,P0S3-8-12-00\n",
		rule: "fleet-upgrade-scope", file: "SIPDefault.cnf", exit: 0},
	{name: "a 7912 in the fleet of a 7940 root", family: fixture.SIP7940, fleet: "000D28A1B2C3,7940,P0S3-8-12-00\n000D28A1B2C4,7912,CP7912080001SIP060412A\n",
		rule: "fleet-no-image", file: "", exit: 0},
	{name: "ring file missing", family: fixture.SIP7940, break_: remove("Chirp1.raw"),
		rule: "ring-missing", file: "RINGLIST.DAT", exit: 1},
	{name: "ringlist.xml names a missing ring", family: fixture.SIP79x1, break_: steps(write("Chirp1.raw", string(make([]byte, 4000))),
		write("ringlist.xml", "<CiscoIPPhoneRingList>\n<Ring><DisplayName>Chirp</DisplayName><FileName>Chirp1.raw</FileName></Ring>\n<Ring><DisplayName>Analog</DisplayName><FileName>Analog1.raw</FileName></Ring>\n</CiscoIPPhoneRingList>\n")),
		rule: "ring-missing", file: "ringlist.xml", exit: 1},
	{name: "rings of a root without any ring file", family: fixture.SIP7940, break_: remove("Chirp1.raw", "Analog1.raw"),
		rule: "image-not-in-root", file: "RINGLIST.DAT", exit: 0},
	{name: "tones file that is not XML", family: fixture.SIP79x1, break_: write("g3-tones.xml", "<tones><tone name=dial/></tones>\n"),
		rule: "xml-invalid", file: "g3-tones.xml", exit: 0},
	{name: "CTL placeholder", family: fixture.SIP79x1, break_: write("CTLSEP000D28A1B2C3.tlv", " "),
		rule: "trust-list-bad", file: "CTLSEP000D28A1B2C3.tlv", exit: 0},
	{name: "newer signed header", family: fixture.SIP79x1, break_: write("sip78xx.12-1-1-12.loads", "\xcd\x34\x12\xab\x50\x01\x00\x00 newer header"),
		rule: "not-judged", file: "sip78xx.12-1-1-12.loads", exit: 0},
	{name: "template in the root", family: fixture.SIP7912, break_: write("7912_TEMPL.txt", "#txt\nproxy1_address:10.0.0.1\n"),
		rule: "source-file", file: "7912_TEMPL.txt", exit: 0},
	{name: "loadNNN.txt of another family", family: fixture.SIP79x1, break_: write("load30018.txt", "30018       SIP42.9-4-2SR1S     11             // IP Phone 7961 SIP\r\n"),
		rule: "load-pointer-mismatch", file: "load30018.txt", exit: 0},
	{name: "792x part whose MD5 differs from its .LOADS", family: fixture.SIP79x1, break_: steps(write("APPS-1.4.6.3.SBN", "0123456789"),
		write("CP7921G-1.4.6.3.LOADS", "#? HW_REV 0-4.*\nAPPS-1.4.6.3.SBN                      10 E247E40D9CF20472C6C397E6E427A517\n")),
		rule: "loads-part-digest", file: "CP7921G-1.4.6.3.LOADS", exit: 1},
	{name: "configuration-only 79x1 root", family: fixture.SIP79x1, break_: func(t *testing.T, dir string) {
		ents, err := os.ReadDir(dir)
		must(t, err)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".sbn") {
				must(t, fixture.Remove(dir, e.Name()))
			}
		}
	}, rule: "image-not-in-root", file: "SIP41.9-4-2SR1S.loads", exit: 0},
	{name: "ring list line without a TAB", family: fixture.SIP7940, break_: write("RINGLIST.DAT", "Analog Synth 1\tAnalog1.raw\n\tChirp1.raw\n"),
		rule: "ringlist-entry", file: "RINGLIST.DAT", exit: 0},
	{name: "ring file too short", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.Edit(dir, "Chirp1.raw", func(b []byte) []byte { return b[:100] }))
	}, rule: "ring-format", file: "Chirp1.raw", exit: 0},
	{name: "ring file is a WAV", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.Edit(dir, "Chirp1.raw", func(b []byte) []byte {
			return append([]byte("RIFF\x24\x1f\x00\x00WAVEfmt \x10\x00\x00\x00"), b[:len(b)-20]...)
		}))
	}, rule: "ring-format", file: "Chirp1.raw", exit: 0},
	{name: "dial plan missing", family: fixture.SIP7940, break_: remove("dialplan.xml"),
		rule: "dial-template-missing", file: "SIPDefault.cnf", exit: 0},
	{name: "dial_template with .xml", family: fixture.SIP7940, break_: replace("dial_template: dialplan", "dial_template: dialplan.xml", "SIPDefault.cnf"),
		rule: "dial-template-missing", file: "SIPDefault.cnf", exit: 0},
	{name: "upgradecode with 7 fields", family: fixture.SIP7912, break_: replace(",69,", ",", "gkdefault.txt"),
		rule: "upgradecode-fields", file: "gkdefault.txt", exit: 1},
	{name: "upgradecode hardware of a 7905", family: fixture.SIP7912, break_: replace("3,0x601,", "3,0x501,", "gkdefault.txt"),
		rule: "upgradecode-hardware", file: "gkdefault.txt", exit: 1},
	{name: "upgradecode image missing", family: fixture.SIP7912, break_: steps(remove("CP7912080001SIP060412A.sbin"), write("CP7912080000SIP060111A.sbin", "another image")),
		rule: "upgradecode-image-missing", file: "gkdefault.txt", exit: 1},
	{name: "7912 upgradecode naming a .loads", family: fixture.SIP7912, break_: replace("CP7912080001SIP060412A.sbin", "SIP11.9-4-2SR1-1S.loads", "gkdefault.txt"),
		rule: "image-type-7905-7912", file: "gkdefault.txt", exit: 1},
	{name: "7912 given a zup", family: fixture.SIP7912,
		break_: steps(replace("060412A.sbin", "060412A.zup", "gkdefault.txt"), write("CP7912080001SIP060412A.zup", "unsigned image")),
		rule:   "upgradecode-zup-7912", file: "gkdefault.txt", exit: 1},
	{name: "upgradecode image id", family: fixture.SIP7912, break_: replace("0x060412a,", "0x060412b,", "gkdefault.txt"),
		rule: "upgradecode-image-id", file: "gkdefault.txt", exit: 1},
	{name: "text profile shipped without its compiled profile", family: fixture.SIP7912, break_: remove("gkdefault.cfg"),
		rule: "profile-not-compiled", file: "gkdefault.txt", exit: 1},
	{name: "per-device text profile not compiled", family: fixture.SIP7912, break_: remove("gk000d28a1b2c3"),
		rule: "profile-device-fallback", file: "gk000d28a1b2c3.txt", exit: 0},
	{name: "text profile copied under the compiled name", family: fixture.SIP7912, break_: func(t *testing.T, dir string) {
		must(t, fixture.Remove(dir, "gk000d28a1b2c3"))
		must(t, fixture.Rename(dir, "gk000d28a1b2c3.txt", "gk000d28a1b2c3"))
	}, rule: "profile-not-compiled", file: "gk000d28a1b2c3", exit: 1},
	{name: "compiled upgradecode behind its source", family: fixture.SIP7912, break_: steps(
		replace("0x060412a,CP7912080001SIP060412A.sbin", "0x060413a,CP7912080001SIP060413A.sbin", "gkdefault.txt"),
		write("CP7912080001SIP060413A.sbin", "new image")),
		rule: "profile-stale", file: "gkdefault.cfg", exit: 0},
	{name: "split profile without its .ex", family: fixture.SIP7912, break_: func(t *testing.T, dir string) {
		// A table whose TftpURL is an extended-profile member (0x8000):
		// cfgfmt -split moves it to gkdefault.cfg.ex, which is not copied.
		tab, err := cfgfmt.ParseTable("ptag.dat", []byte("0x14,0x0020,UseTftp,1\n0x15,0x8002,TftpURL,4\n"))
		must(t, err)
		src, err := os.ReadFile(filepath.Join(dir, "gkdefault.txt"))
		must(t, err)
		res, err := cfgfmt.Compile(tab, "gkdefault.txt", src, cfgfmt.Options{ForceSplit: true, ExtensionName: "gkdefault.cfg.ex"})
		must(t, err)
		if res.Extension == nil {
			t.Fatal("not split")
		}
		must(t, os.WriteFile(filepath.Join(dir, "gkdefault.cfg"), res.Profile, 0o644))
	}, rule: "profile-extension-missing", file: "gkdefault.cfg", exit: 0},
	{name: "stale compiled profile", family: fixture.SIP7912, break_: func(t *testing.T, dir string) {
		compileProfile(t, dir, "gkdefault.txt", "gkdefault.cfg")
		must(t, fixture.Replace(dir, "gkdefault.txt", "UseTftp:1", "UseTftp:0"))
	}, flags: []string{"--table", "TABLE"}, rule: "profile-stale", file: "gkdefault.cfg", exit: 0},
	{name: "file too large for plain TFTP", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, os.Truncate(filepath.Join(dir, "P0S3-8-12-00.sb2"), 65535*512))
	}, rule: "tftp-size", file: "P0S3-8-12-00.sb2", exit: 0},
	{name: "file not world-readable", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, os.Chmod(filepath.Join(dir, "SIPDefault.cnf"), 0o600))
	}, rule: "tftp-permission", file: "SIPDefault.cnf", exit: 1},
	{name: "zip unpacked into a folder of the root", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, os.MkdirAll(filepath.Join(dir, "cmterm-7940-7960-sip.8-12-00"), 0o755))
		for _, n := range []string{"P0S3-8-12-00.loads", "P0S3-8-12-00.sb2"} {
			must(t, os.Rename(filepath.Join(dir, n), filepath.Join(dir, "cmterm-7940-7960-sip.8-12-00", n)))
		}
	}, rule: "not-at-root", file: "cmterm-7940-7960-sip.8-12-00/P0S3-8-12-00.loads", exit: 1},
	{name: "an older drop kept in a folder of the root", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, fixture.WriteDir(filepath.Join(dir, "old"), fixture.SCCP7940, fixture.Options{ImageSize: 4096}))
	}, rule: "folder-not-read", file: "old/OS79XX.TXT", exit: 0},
	{name: "name with a space", family: fixture.SIP7940, break_: write("Chirp 2.raw", strings.Repeat("\xff", 1000)),
		rule: "tftp-name", file: "Chirp 2.raw", exit: 0},
	{name: "SIPDefault.cnf line without a colon", family: fixture.SIP7940, break_: replace("proxy_register: 1", "proxy_register 1", "SIPDefault.cnf"),
		rule: "parse-problem", file: "SIPDefault.cnf", exit: 0},
	{name: "unknown file", family: fixture.SIP7940, break_: write("notes.doc", "x"),
		rule: "unknown-file", file: "notes.doc", exit: 0},
	{name: "macOS metadata", family: fixture.SIP7940, break_: func(t *testing.T, dir string) {
		must(t, os.MkdirAll(filepath.Join(dir, "__MACOSX"), 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "__MACOSX", "._P0S3-8-12-00.sb2"), []byte("\x00\x05\x16\x07Mac OS X"), 0o644))
	}, rule: "desktop-metadata", file: "__MACOSX/._P0S3-8-12-00.sb2", exit: 0},
}

// compileProfile compiles dir/src to dir/dst with testTable.
func compileProfile(t *testing.T, dir, src, dst string) {
	t.Helper()
	tab, err := cfgfmt.ParseTable("ptag.dat", []byte(testTable))
	must(t, err)
	b, err := os.ReadFile(filepath.Join(dir, src))
	must(t, err)
	res, err := cfgfmt.Compile(tab, src, b, cfgfmt.Options{})
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, dst), res.Profile, 0o644))
}

// checkJSONRun runs `phoneload check --json` with args and decodes the report.
func checkJSONRun(t *testing.T, args ...string) (checkJSON, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(append([]string{"check", "--json"}, args...), strings.NewReader(""), &out, &errb)
	var rep checkJSON
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("check %v: exit %d, bad JSON: %v\nstderr: %s", args, code, err, errb.String())
	}
	return rep, code, errb.String()
}

func summary(rep checkJSON) string {
	var s []string
	for _, f := range rep.Findings {
		s = append(s, fmt.Sprintf("  %s %s:%d %s", f.Rule, f.File, f.Line, f.Message))
	}
	return strings.Join(s, "\n")
}

// TestCleanRoots: every family as generated passes with no findings at all.
func TestCleanRoots(t *testing.T) {
	for _, fam := range fixture.Families() {
		t.Run(string(fam), func(t *testing.T) {
			dir := t.TempDir()
			must(t, fixture.WriteDir(dir, fam, fixture.Options{ImageSize: 4096}))
			rep, code, stderr := checkJSONRun(t, dir)
			if code != 0 || len(rep.Findings) != 0 {
				t.Errorf("exit %d, findings on a clean %s root:\n%s\n%s", code, fam, summary(rep), stderr)
			}
			if fam == fixture.SIP7912 {
				// Its compiled profiles are what its sources compile to
				// with the table they were made with.
				table := filepath.Join(t.TempDir(), "ptag.dat")
				must(t, os.WriteFile(table, fixture.ProfileTable(), 0o644))
				rep, code, stderr := checkJSONRun(t, "--table", table, dir)
				if code != 0 || len(rep.Findings) != 0 {
					t.Errorf("--table: exit %d, findings on a clean %s root:\n%s\n%s", code, fam, summary(rep), stderr)
				}
			}
			zip := filepath.Join(t.TempDir(), "drop.zip")
			must(t, fixture.WriteZip(zip, fam, fixture.Options{ImageSize: 4096}))
			rep, code, stderr = checkJSONRun(t, zip)
			if code != 0 || len(rep.Findings) != 0 {
				t.Errorf("zip: exit %d, findings on a clean %s drop:\n%s\n%s", code, fam, summary(rep), stderr)
			}
		})
	}
}

// TestBrokenRoots: one mutation per rule; the rule fires on the file, and
// the exit code follows the severities.
func TestBrokenRoots(t *testing.T) {
	for _, tc := range brokenRoots {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "root")
			must(t, fixture.WriteDir(dir, tc.family, fixture.Options{ImageSize: 4096}))
			if tc.break_ != nil {
				tc.break_(t, dir)
			}
			var args []string
			for _, f := range tc.flags {
				switch f {
				case "TRUST":
					pem, err := fixture.LabPublicKeyPEM()
					must(t, err)
					f = filepath.Join(t.TempDir(), "lab.pem")
					must(t, os.WriteFile(f, pem, 0o644))
				case "TABLE":
					f = filepath.Join(t.TempDir(), "ptag.dat")
					must(t, os.WriteFile(f, []byte(testTable), 0o644))
				}
				args = append(args, f)
			}
			if tc.fleet != "" {
				f := filepath.Join(t.TempDir(), "fleet.csv")
				must(t, os.WriteFile(f, []byte(tc.fleet), 0o644))
				args = append(args, "--fleet", f)
			}
			rep, code, stderr := checkJSONRun(t, append(args, dir)...)
			found := false
			for _, f := range rep.Findings {
				found = found || f.Rule == tc.rule && f.File == tc.file
			}
			if !found {
				t.Errorf("no %s finding on %q; got:\n%s", tc.rule, tc.file, summary(rep))
			}
			// A problem has one rule: the header and upgradecode problems
			// Open also notes on the file are not repeated as parse-problem.
			for _, f := range rep.Findings {
				if (tc.rule == "signed-header-bad" || tc.rule == "upgradecode-fields" || tc.rule == "model-attr-mismatch") && f.Rule == "parse-problem" {
					t.Errorf("%s repeated as parse-problem: %s", tc.rule, f.Message)
				}
				if tc.rule == "upgradecode-fields" && f.Rule == "no-load-specified" {
					t.Errorf("a malformed upgradecode also reported as no-load-specified")
				}
			}
			if code != tc.exit {
				t.Errorf("exit %d, want %d; findings:\n%s\nstderr: %s", code, tc.exit, summary(rep), stderr)
			}
			// The same root, with that rule ignored, no longer reports it.
			ignoring := append(append(args, "--ignore", tc.rule), dir)
			rep, _, _ = checkJSONRun(t, ignoring...)
			for _, f := range rep.Findings {
				if f.Rule == tc.rule {
					t.Errorf("--ignore %s still reports %s", tc.rule, f.Message)
				}
			}
		})
	}
}

// TestEveryRuleHasABrokenRoot: a rule without a generated root that fires
// it is not shown to work on real files.
func TestEveryRuleHasABrokenRoot(t *testing.T) {
	have := map[string]bool{}
	for _, tc := range brokenRoots {
		have[tc.rule] = true
	}
	var rules []string
	rep := checkRules(t)
	for _, r := range rep {
		if !have[r] {
			rules = append(rules, r)
		}
	}
	if len(rules) > 0 {
		t.Errorf("rules without a broken root: %v", rules)
	}
}

func checkRules(t *testing.T) []string {
	var out bytes.Buffer
	if code := Run([]string{"check", "--list-rules", "--json"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("--list-rules: exit %d: %s", code, out.String())
	}
	var rules []struct {
		ID string `json:"id"`
	}
	must(t, json.Unmarshal(out.Bytes(), &rules))
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return ids
}

// TestProfileStaleRealTable: with a real 7905/7912 tag table (conformance
// data, never copied here), a profile compiled from its source passes and
// an edited source makes the compiled profile stale.
func TestProfileStaleRealTable(t *testing.T) {
	table := filepath.Join(conformance.Dir(t), "ptag", "gk-ptag.dat")
	tb, err := os.ReadFile(table)
	must(t, err)
	tab, err := cfgfmt.ParseTable("gk-ptag.dat", tb)
	must(t, err)
	root := filepath.Join(t.TempDir(), "root")
	must(t, fixture.WriteDir(root, fixture.SIP7912, fixture.Options{ImageSize: 4096}))
	// The fixture's compiled profiles come from its own table: recompile
	// every one with the real table.
	for _, n := range []string{"gkdefault", "gk000d28a1b2c3", "gk000d28a1b2c4"} {
		src, err := os.ReadFile(filepath.Join(root, n+".txt"))
		must(t, err)
		res, err := cfgfmt.Compile(tab, n+".txt", src, cfgfmt.Options{})
		must(t, err)
		out := n
		if n == "gkdefault" {
			out += ".cfg"
		}
		must(t, os.WriteFile(filepath.Join(root, out), res.Profile, 0o644))
	}
	rep, code, stderr := checkJSONRun(t, "--table", table, root)
	if code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit %d, findings on freshly compiled profiles:\n%s\n%s", code, summary(rep), stderr)
	}
	must(t, fixture.Replace(root, "gk000d28a1b2c3.txt", "DisplayName:Front Desk", "DisplayName:Reception"))
	rep, code, _ = checkJSONRun(t, "--table", table, root)
	if code != 0 || len(rep.Findings) != 1 || rep.Findings[0].Rule != "profile-stale" || rep.Findings[0].File != "gk000d28a1b2c3" {
		t.Errorf("exit %d, want one profile-stale on gk000d28a1b2c3:\n%s", code, summary(rep))
	}
	// Without --table the rule is not judged, and the report says so.
	rep, _, _ = checkJSONRun(t, root)
	if len(rep.Findings) != 0 || !strings.Contains(strings.Join(rep.Assumptions, "\n"), "no --table") {
		t.Errorf("without --table: findings %s, assumptions %q", summary(rep), rep.Assumptions)
	}
}

// TestDropZippedWithItsFolder: a drop zipped with a top-level folder is one
// mistake. check says so once, with the fix; the references that fail only
// because of it (OS79XX.TXT, image_version, the .loads parts, the rings …)
// are counted in that finding, not reported one by one.
func TestDropZippedWithItsFolder(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "root")
	must(t, fixture.WriteDir(src, fixture.SIP7940, fixture.Options{ImageSize: 4096}))
	zpath := filepath.Join(dir, "drop.zip")
	zf, err := os.Create(zpath)
	must(t, err)
	zw := zip.NewWriter(zf)
	entries, err := os.ReadDir(src)
	must(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		must(t, err)
		w, err := zw.Create("cmterm-7940-7960-sip.8-12-00/" + e.Name())
		must(t, err)
		_, err = w.Write(b)
		must(t, err)
	}
	must(t, zw.Close())
	must(t, zf.Close())
	rep, code, _ := checkJSONRun(t, zpath)
	if code != 1 || len(rep.Findings) != 1 || rep.Findings[0].Rule != "not-at-root" || rep.Findings[0].File != "cmterm-7940-7960-sip.8-12-00" {
		t.Fatalf("exit %d, want exit 1 and one not-at-root finding:\n%s", code, summary(rep))
	}
	f := rep.Findings[0]
	for _, want := range []string{"zipped with its folder", "9 references fail"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("message lacks %q: %s", want, f.Message)
		}
	}
	if !strings.Contains(f.Fix, "cd cmterm-7940-7960-sip.8-12-00 && zip -r ../drop.zip .") {
		t.Errorf("fix: %s", f.Fix)
	}
	// Ignoring not-at-root shows the failures again: nothing may go
	// unreported (the two rings of RINGLIST.DAT are one ring-missing).
	rep, code, _ = checkJSONRun(t, "--ignore", "not-at-root", zpath)
	if code != 1 || len(rep.Findings) < 8 {
		t.Errorf("--ignore not-at-root: exit %d, %d findings:\n%s", code, len(rep.Findings), summary(rep))
	}
}
