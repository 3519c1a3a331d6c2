package cisco

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRinglist(t *testing.T) {
	in := "Analog Synth 1\tAnalog1.raw\r\nChirp\tChirp1.raw\r\n\r\nOld Style   Old.raw\r\nnofile\r\n"
	got, ps := ParseRinglist([]byte(in))
	want := &Ringlist{Entries: []Ring{
		{Display: "Analog Synth 1", File: "Analog1.raw", Line: 1},
		{Display: "Chirp", File: "Chirp1.raw", Line: 2},
		{Display: "Old Style", File: "Old.raw", Line: 4},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseRinglist (-want +got):\n%s", diff)
	}
	wantPs := []Problem{
		{Line: 4, Msg: "no TAB between display name and file name"},
		{Line: 5, Msg: "no file name: want display name, TAB, file name"},
	}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if ps := CheckRing(4000); ps != nil {
		t.Errorf("CheckRing(4000) = %v", ps)
	}
	for _, n := range []int64{0, 239, 16081} {
		if ps := CheckRing(n); len(ps) != 1 {
			t.Errorf("CheckRing(%d) = %v, want one problem", n, ps)
		}
	}
}

func FuzzParseRinglist(f *testing.F) {
	fuzzParser(f, []string{"Chirp\tChirp1.raw\r\nOld  Old.raw\n"}, func(b []byte) []Problem { _, ps := ParseRinglist(b); return ps })
}
