package cisco

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDialplan(t *testing.T) {
	in := `<DIALTEMPLATE>
  <TEMPLATE MATCH="911" Timeout="0" User="Phone"/>
  <TEMPLATE match="9.......">
  </TEMPLATE>
  <TEMPLATE Timeout="3"/>
  <RULE/>
</DIALTEMPLATE>`
	got, ps := ParseDialplan([]byte(in))
	want := &Dialplan{Templates: []DialTemplate{
		{Match: "911", Timeout: "0", User: "Phone", Line: 2},
		{Match: "9.......", Line: 3},
		{Timeout: "3", Line: 5},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseDialplan (-want +got):\n%s", diff)
	}
	wantPs := []Problem{{Line: 5, Msg: "TEMPLATE without MATCH"}, {Line: 6, Msg: "unexpected element <RULE>"}}
	if diff := cmp.Diff(wantPs, ps); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	_, ps = ParseDialplan([]byte("<other/>"))
	if diff := cmp.Diff([]Problem{{Line: 1, Msg: "root element <other>, want <DIALTEMPLATE>"}}, ps); diff != "" {
		t.Errorf("wrong root (-want +got):\n%s", diff)
	}
}

func FuzzParseDialplan(f *testing.F) {
	fuzzParser(f, []string{`<DIALTEMPLATE><TEMPLATE MATCH="911" Timeout="0"/></DIALTEMPLATE>`},
		func(b []byte) []Problem { _, ps := ParseDialplan(b); return ps })
}
