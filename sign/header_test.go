package sign

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// rec is one TLV record for hand-built headers.
func rec(tag byte, v ...[]byte) []byte {
	body := bytes.Join(v, nil)
	return append([]byte{tag, byte(len(body) >> 8), byte(len(body))}, body...)
}

func u8(b ...byte) []byte  { return b }
func cstr(s string) []byte { return append([]byte(s), 0) }

// hdr assembles version, length (computed unless length >= 0) and records.
func hdr(length int, records ...[]byte) []byte {
	body := bytes.Join(records, nil)
	n := 10 + len(body)
	if length >= 0 {
		n = length
	}
	out := append(rec(tagVersion, u8(1, 1)), rec(tagLength, u8(byte(n>>8), byte(n)))...)
	return append(out, body...)
}

// Standard records of a 64-byte-key header, for the error table.
var (
	rSigner  = rec(tagSignerInfo, rec(tagSigner, cstr("CN=s")), rec(tagSerial, u8(1, 2)), rec(tagIssuer, cstr("CN=ca")))
	rSigInfo = rec(tagSigInfo, rec(tagHash, u8(2)), rec(tagAlgInfo, rec(tagAlgorithm, u8(0)), rec(tagKeySize, u8(0))))
	rSig     = rec(tagSignature, bytes.Repeat([]byte{0xAA}, 64))
	rName    = rec(tagFileName, cstr("a.sbn"))
)

// TestParseHeaderFields signs with every option and checks that every
// field parses back, and that re-encoding gives the same bytes.
func TestParseHeaderFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		bits int
		file string
		opts SignOptions
		want Header
	}{
		{"defaults", 2048, "P0S3-8-12-00.sb2", SignOptions{}, Header{
			Version: 0x0101, Length: 0x194, Signer: DefaultSigner, Serial: DefaultSerial, Issuer: DefaultIssuer,
			Hash: crypto.SHA1, KeySize: 256, FileName: "P0S3-8-12-00.sb2", SignatureOffset: 0x7a, SignatureEnd: 0x17d,
		}},
		{"everything set", 1024, "x", SignOptions{
			Hash: crypto.SHA512, Signer: "CN=lab", Issuer: "CN=lab CA;O=Example", Serial: []byte{7},
			Version: 0x0102, Timestamp: 1700000000,
		}, Header{
			Version: 0x0102, Length: 0xd4, Signer: "CN=lab", Serial: []byte{7}, Issuer: "CN=lab CA;O=Example",
			Hash: crypto.SHA512, KeySize: 128, FileName: "x", Timestamp: 1700000000,
			SignatureOffset: 0x44, SignatureEnd: 0xc7,
		}},
		{"sha256 long name", 2048, "jar41sip.9-4-2TH1-1.sbn", SignOptions{Hash: crypto.SHA256}, Header{
			Version: 0x0101, Length: 0x198, Signer: DefaultSigner, Serial: DefaultSerial, Issuer: DefaultIssuer,
			Hash: crypto.SHA256, KeySize: 256, FileName: "jar41sip.9-4-2TH1-1.sbn", SignatureOffset: 0x7a, SignatureEnd: 0x17d,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := testKey(t, tc.bits)
			out, err := SignImage([]byte("body"), tc.file, key, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			h, err := ParseHeader(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Signature) != tc.want.KeySize {
				t.Errorf("signature of %d bytes", len(h.Signature))
			}
			if diff := cmp.Diff(tc.want, *h, cmpopts.IgnoreFields(Header{}, "Signature")); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			enc, err := h.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, out[:h.Length]) {
				t.Errorf("re-encoded header differs:\n got % x\nwant % x", enc, out[:h.Length])
			}
			h2, buf, err := ReadHeader(iotest.OneByteReader(bytes.NewReader(out)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(h, h2); diff != "" || !bytes.Equal(buf, out[:h.Length]) {
				t.Errorf("ReadHeader (-Parse +Read):\n%s", diff)
			}
		})
	}
}

// TestParseHeaderErrors names what is wrong, and where, for every field.
func TestParseHeaderErrors(t *testing.T) {
	good := hdr(-1, rSigner, rSigInfo, rSig, rName)
	if _, err := ParseHeader(good); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	sigInfo := func(hash, alg, key []byte) []byte {
		return rec(tagSigInfo, rec(tagHash, hash), rec(tagAlgInfo, rec(tagAlgorithm, alg), rec(tagKeySize, key)))
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, ErrNotSigned.Error()},
		{"text", []byte("P003-8-12-00.sbn\nP0S3-8-12-00.sb2\n"), ErrNotSigned.Error()},
		{"nine bytes", good[:9], ErrNotSigned.Error()},
		{"version length 3", append([]byte{1, 0, 3}, good[3:]...), ErrNotSigned.Error()},
		{"length too short", hdr(9), "sign: header: length 0x9 too short at 0x8"},
		{"length past end", hdr(0x200, rSigner), "sign: header: length 0x200 past end of data at 0x23"},
		{"unknown tag 0", hdr(-1, rec(0)), "sign: header: unknown tag 0 at 0xa"},
		{"unknown tag 16", hdr(-1, rSigner, rec(16)), "sign: header: unknown tag 16 at 0x23"},
		{"repeated version", hdr(-1, rec(tagVersion, u8(1, 1))), "sign: header: repeated tag 1 at 0xa"},
		{"repeated signature", hdr(-1, rSigInfo, rSig, rSig), "sign: header: repeated tag 12 at 0x5f"},
		{"repeated signer info", hdr(-1, rSigner, rSigner), "sign: header: repeated tag 3 at 0x23"},
		{"signer at top level", hdr(-1, rec(tagSigner, cstr("x"))), "sign: header: tag 4 out of place at 0xa"},
		{"hash in signer info", hdr(-1, rec(tagSignerInfo, rec(tagHash, u8(1)))), "sign: header: tag 8 out of place at 0xd"},
		{"container in itself", hdr(-1, rec(tagSigInfo, rec(tagSigInfo))), "sign: header: repeated tag 7 at 0xd"},
		{"tag without length", hdr(-1, rSigInfo, u8(tagFileName, 0)), "sign: header: record at 0x1c truncated"},
		{"length past header", hdr(-1, rSigInfo, u8(tagFileName, 0, 9, 'a')), "sign: header: length 0x9 of tag 14 past end of header at 0x1c"},
		{"length past container", hdr(-1, rec(tagSignerInfo, u8(tagSigner, 0, 5, 'a', 0))), "sign: header: length 0x5 of tag 4 past end of tag 3 at 0xd"},
		{"hash of length 2", hdr(-1, sigInfo(u8(1, 1), u8(0), u8(0))), "sign: header: hash record of length 2 at 0xd"},
		{"unknown hash", hdr(-1, sigInfo(u8(4), u8(0), u8(0))), "sign: header: unknown hash 4 at 0xd"},
		{"algorithm of length 0", hdr(-1, sigInfo(u8(1), nil, u8(0))), "sign: header: algorithm record of length 0 at 0x14"},
		{"key size index 4", hdr(-1, sigInfo(u8(1), u8(0), u8(4))), "sign: header: bad key size record at 0x18"},
		{"key size of length 2", hdr(-1, sigInfo(u8(1), u8(0), u8(0, 0))), "sign: header: bad key size record at 0x18"},
		{"timestamp of length 3", hdr(-1, rec(tagTimestamp, u8(1, 2, 3))), "sign: header: timestamp record of length 3 at 0xa"},
		{"signer without NUL", hdr(-1, rec(tagSignerInfo, rec(tagSigner, []byte("CN=s")))), "sign: header: signer name at 0xd not NUL-terminated"},
		{"empty issuer", hdr(-1, rec(tagSignerInfo, rec(tagIssuer))), "sign: header: issuer name at 0xd not NUL-terminated"},
		{"NUL in file name", hdr(-1, rec(tagFileName, []byte("a\x00b\x00"))), "sign: header: NUL inside file name at 0xe"},
		{"no hash", hdr(-1, rec(tagSigInfo, rec(tagAlgInfo, rec(tagAlgorithm, u8(0)), rec(tagKeySize, u8(0)))), rSig), "sign: header: no hash record"},
		{"no algorithm", hdr(-1, rec(tagSigInfo, rec(tagHash, u8(1)), rec(tagAlgInfo, rec(tagKeySize, u8(0)))), rSig), "sign: header: no algorithm record"},
		{"no key size", hdr(-1, rec(tagSigInfo, rec(tagHash, u8(1)), rec(tagAlgInfo, rec(tagAlgorithm, u8(0)))), rSig), "sign: header: no key size record"},
		{"no signature", hdr(-1, rSigner, rSigInfo, rName), "sign: header: no signature record"},
		{"short signature", hdr(-1, rSigInfo, rec(tagSignature, make([]byte, 63))), "sign: header: signature of 0x3f bytes at 0x1c, key size says 0x40"},
		{"padding inside a record", hdr(-1, rSigInfo, rSig, u8(tagPadding, tagPadding, tagFileName, 0, 2, 'a')), "sign: header: length 0x2 of tag 14 past end of header at 0x61"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHeader(tc.b)
			if err == nil {
				t.Fatalf("accepted: %+v", h)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got %s\nwant %s", got, tc.want)
			}
			// ReadHeader agrees whenever the declared length is readable.
			if _, _, rerr := ReadHeader(bytes.NewReader(tc.b)); rerr == nil {
				t.Errorf("ReadHeader accepted")
			}
		})
	}
}

// TestParseHeaderPadding: padding may sit between records, and re-encoding
// moves it to the end without changing the length.
func TestParseHeaderPadding(t *testing.T) {
	b := hdr(-1, u8(tagPadding), rSigner, rSigInfo, u8(tagPadding, tagPadding), rSig, rName, u8(tagPadding))
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	if h.FileName != "a.sbn" || h.Signer != "CN=s" || h.Issuer != "CN=ca" || h.Hash != crypto.SHA256 || h.KeySize != 64 {
		t.Errorf("header %+v", h)
	}
	enc, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := hdr(-1, rSigner, rSigInfo, rSig, rName, u8(tagPadding, tagPadding, tagPadding, tagPadding))
	if !bytes.Equal(enc, want) {
		t.Errorf("re-encoded\n got % x\nwant % x", enc, want)
	}
}

func TestMarshalBinaryErrors(t *testing.T) {
	base := Header{Version: 0x0101, Hash: crypto.SHA1, KeySize: 64, Signature: make([]byte, 64)}
	for _, tc := range []struct {
		name string
		edit func(h *Header)
		want string
	}{
		{"md5", func(h *Header) { h.Hash = crypto.MD5 }, "sign: header: unsupported hash MD5"},
		{"key size", func(h *Header) { h.KeySize = 192 }, "unsupported key size of 192 bytes"},
		{"signature length", func(h *Header) { h.Signature = h.Signature[:10] }, "signature of 10 bytes for a key size of 64"},
		{"NUL in signer", func(h *Header) { h.Signer = "a\x00" }, "NUL inside signer name"},
		{"algorithm", func(h *Header) { h.Algorithm = 256 }, "algorithm 256 out of range"},
		{"length too small", func(h *Header) { h.Length = 20 }, "records need 0x"},
		{"huge serial", func(h *Header) { h.Serial = make([]byte, 0x10000) }, "tag 5 value of 65536 bytes does not fit 16 bits"},
		{"huge signer info", func(h *Header) { h.Signer, h.Issuer = strings.Repeat("a", 0x8000), strings.Repeat("b", 0x8000) }, "tag 3 container of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := base
			tc.edit(&h)
			_, err := h.MarshalBinary()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MarshalBinary = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestReadHeaderErrors(t *testing.T) {
	good := hdr(-1, rSigner, rSigInfo, rSig, rName)
	for _, tc := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"empty", bytes.NewReader(nil), ErrNotSigned.Error()},
		{"short", bytes.NewReader(good[:5]), ErrNotSigned.Error()},
		{"not signed", strings.NewReader("#txt\nUseTftp:1\n"), ErrNotSigned.Error()},
		{"truncated", bytes.NewReader(good[:50]), "sign: header: length 0x" + hexLen(good) + " past end of file at 0x32"},
		{"read error", io.MultiReader(bytes.NewReader(good[:20]), iotest.ErrReader(errors.New("disk on fire"))), "disk on fire"},
		{"read error at once", iotest.ErrReader(errors.New("disk on fire")), "disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadHeader(tc.r)
			if err == nil || err.Error() != tc.want {
				t.Errorf("ReadHeader = %v, want %s", err, tc.want)
			}
		})
	}
}

func hexLen(b []byte) string {
	n := binary.BigEndian.Uint16(b[8:10])
	const digits = "0123456789abcdef"
	s := ""
	for ; n > 0; n >>= 4 {
		s = string(digits[n&15]) + s
	}
	return s
}

func TestCheckName(t *testing.T) {
	h := &Header{FileName: "P0S3-8-12-00.sb2"}
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"P0S3-8-12-00.sb2", true},
		{"/tftpboot/P0S3-8-12-00.sb2", true},
		{`C:\tftp\P0S3-8-12-00.sb2`, true},
		{"P0S3-08-12-00.sb2", false}, // same version, different file
		{"p0s3-8-12-00.sb2", false},  // TFTP is case-sensitive
		{"P0S3-8-12-00.sb2 ", false},
		{"P0S3-8-12-00.sb2/x", false},
	} {
		err := h.CheckName(tc.name)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNameMismatch)) {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	err := h.CheckName("dir/renamed.sb2")
	if want := `sign: file name does not match the signed name: renamed.sb2 is signed as "P0S3-8-12-00.sb2"`; err == nil || err.Error() != want {
		t.Errorf("message %v", err)
	}
}
