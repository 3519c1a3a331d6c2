package sign

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzParseHeader: no input panics ParseHeader or ReadHeader, both agree,
// and an accepted header re-encodes stably: MarshalBinary's bytes parse to
// the same fields and encode again to the same bytes; a header already in
// the canonical layout re-encodes to exactly its input.
func FuzzParseHeader(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(hdr(-1, rSigner, rSigInfo, rSig, rName))
	f.Add(hdr(-1, u8(tagPadding), rSigInfo, rSig, rec(tagTimestamp, u8(1, 2, 3, 4))))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		rh, rb, rerr := ReadHeader(bytes.NewReader(b))
		if (err == nil) != (rerr == nil) {
			t.Fatalf("ParseHeader: %v, ReadHeader: %v", err, rerr)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(h, rh); diff != "" || !bytes.Equal(rb, b[:h.Length]) {
			t.Fatalf("ReadHeader differs (-Parse +Read):\n%s", diff)
		}
		if h.Length > len(b) || h.SignatureOffset < 10 || h.SignatureEnd > h.Length {
			t.Fatalf("offsets out of range: %+v", h)
		}
		enc, err := h.MarshalBinary()
		if err != nil {
			// Canonical records may need more room than the input's
			// length (records it lacked); let the length follow them.
			h2 := *h
			h2.Length = 0
			if enc, err = h2.MarshalBinary(); err != nil {
				t.Fatalf("accepted header does not encode: %v", err)
			}
		}
		again, err := ParseHeader(enc)
		if err != nil {
			t.Fatalf("re-encoded header does not parse: %v\n% x", err, enc)
		}
		ignore := cmpopts.IgnoreFields(Header{}, "Length", "SignatureOffset", "SignatureEnd")
		if diff := cmp.Diff(h, again, ignore, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("re-encoded header differs (-first +second):\n%s", diff)
		}
		enc2, err := again.MarshalBinary()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable: %v\n% x\n% x", err, enc, enc2)
		}
		if isCanonical(b[:h.Length], h) && !bytes.Equal(enc, b[:h.Length]) {
			t.Fatalf("canonical header re-encodes differently:\n% x\n% x", b[:h.Length], enc)
		}
	})
}

// isCanonical reports whether b is exactly MarshalBinary's layout: all
// records present in order, padding only at the end. It checks by
// rebuilding the record sequence, independently of MarshalBinary.
func isCanonical(b []byte, h *Header) bool {
	kid, _ := keySizeIndex(h.KeySize)
	hid, _ := hashID(h.Hash)
	want := append(rec(tagVersion, u8(byte(h.Version>>8), byte(h.Version))), rec(tagLength, b[8:10])...)
	want = append(want, rec(tagSignerInfo, rec(tagSigner, cstr(h.Signer)), rec(tagSerial, h.Serial), rec(tagIssuer, cstr(h.Issuer)))...)
	want = append(want, rec(tagSigInfo, rec(tagHash, u8(hid)), rec(tagAlgInfo, rec(tagAlgorithm, u8(byte(h.Algorithm))), rec(tagKeySize, u8(kid))))...)
	want = append(want, rec(tagSignature, h.Signature)...)
	want = append(want, rec(tagFileName, cstr(h.FileName))...)
	if h.Timestamp != 0 {
		want = append(want, rec(tagTimestamp, u8(byte(h.Timestamp>>24), byte(h.Timestamp>>16), byte(h.Timestamp>>8), byte(h.Timestamp)))...)
	}
	if !bytes.HasPrefix(b, want) {
		return false
	}
	return len(bytes.Trim(b[len(want):], "\x0d")) == 0
}
