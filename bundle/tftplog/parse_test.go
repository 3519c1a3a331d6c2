package tftplog

import (
	"strings"
	"testing"
)

// Lines as real servers write them (captured from tftpd-hpa 5.2 and
// dnsmasq 2.90 on Debian; atftpd's from its source's format strings), and
// as syslog daemons and journalctl prefix them.
func TestParseLines(t *testing.T) {
	for _, tc := range []struct {
		line   string
		format string
		client string
		file   string
		status Status
	}{
		{`<29>Dec  4 17:24:33 in.tftpd[11192]: RRQ from 127.0.0.1 filename a.txt`, FormatTFTPDHPA, "127.0.0.1", "a.txt", Requested},
		{`Dec  4 17:24:33 pbx in.tftpd[11192]: RRQ from 10.1.2.3 filename /SEP000D28A1B2C3.cnf.xml`, FormatTFTPDHPA, "10.1.2.3", "SEP000D28A1B2C3.cnf.xml", Requested},
		{`2026-12-04T17:24:33.123456+00:00 pbx in.tftpd[11192]: RRQ from ::ffff:10.1.2.3 filename OS79XX.TXT remapped to 7940/OS79XX.TXT`, FormatTFTPDHPA, "::ffff:10.1.2.3", "OS79XX.TXT", Requested},
		{`Dec  4 17:24:22 dnsmasq-tftp[10925]: sent /srv/tftp/a.txt to 127.0.0.1`, FormatDnsmasq, "127.0.0.1", "srv/tftp/a.txt", Sent},
		{`Dec  4 17:24:22 dnsmasq-tftp[10925]: file /srv/tftp/nope.txt not found for 10.0.0.9`, FormatDnsmasq, "10.0.0.9", "srv/tftp/nope.txt", NotFound},
		{`Dec  4 17:24:22 dnsmasq-tftp[10925]: failed sending /srv/tftp/P0S3-8-12-00.sb2 to 10.0.0.9`, FormatDnsmasq, "10.0.0.9", "srv/tftp/P0S3-8-12-00.sb2", Incomplete},
		{`Dec 04 17:24:21 pbx atftpd[2395.1234]: Serving SEP000D28A1B2C3.cnf.xml to 10.1.1.5:49153`, FormatAtftpd, "10.1.1.5", "SEP000D28A1B2C3.cnf.xml", Requested},
		{`2026-12-04T17:34:31.433881Z 127.0.0.1:38783 read P0S3-8-12-00.sb2 not-found 0ms: File not found`, FormatPhoneload, "127.0.0.1", "P0S3-8-12-00.sb2", NotFound},
		{`2026-12-04T17:34:31Z 127.0.0.1:38783 read P0S3-8-12-00.loads ok 458/458 bytes 0ms`, FormatPhoneload, "127.0.0.1", "P0S3-8-12-00.loads", Sent},
		{`2026-12-04T17:34:31Z 127.0.0.1:38783 read P0S3-8-12-00.sb2 error 5120/32768 bytes 4000ms: timeout`, FormatPhoneload, "127.0.0.1", "P0S3-8-12-00.sb2", Incomplete},
		{`{"time":"2026-12-04T17:34:31.43Z","remote":"127.0.0.1:37944","op":"read","file":"CTLSEP000D28A1B2C3.tlv","status":"not-found","bytes":0,"size":-1,"duration_ms":0,"error":"File not found"}`, FormatPhoneloadJSO, "127.0.0.1", "CTLSEP000D28A1B2C3.tlv", NotFound},
		{`12/04/2026 17:24:21 Read request for file <SIPDefault.cnf>. Mode octet [10.2.0.7:1024]`, FormatGeneric, "10.2.0.7", "SIPDefault.cnf", Requested},
		{`Dec 4 pumpkin: 10.2.0.7 gk000d28a1b2c3 not found`, FormatGeneric, "10.2.0.7", "gk000d28a1b2c3", NotFound},
	} {
		evs, err := Parse(strings.NewReader(tc.line+"\n"), "x.log")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 {
			t.Errorf("%s: %d events %+v", tc.line, len(evs), evs)
			continue
		}
		e := evs[0]
		if e.Format != tc.format || e.Client != tc.client || e.File != tc.file || e.Status != tc.status || e.Line != 1 {
			t.Errorf("%s:\n got %s %s %s %s", tc.line, e.Format, e.Client, e.File, e.Status)
		}
	}
}

func TestParseNAKAndRoot(t *testing.T) {
	log := `Dec  4 17:24:33 in.tftpd[11194]: RRQ from 127.0.0.1 filename nope
Dec  4 17:24:33 in.tftpd[11194]: sending NAK (1, File not found) to 127.0.0.1
Dec  4 17:24:34 in.tftpd[11195]: RRQ from 127.0.0.1 filename SIPDefault.cnf
Dec  4 17:24:34 in.tftpd[11195]: sending NAK (2, Access violation) to 127.0.0.1
Dec  4 17:24:21 dnsmasq-tftp[10925]: TFTP root is /srv/tftp  
Dec  4 17:24:22 dnsmasq-tftp[10925]: sent /srv/tftp/XMLDefault.cnf.xml to 10.0.0.2
Dec  4 17:24:22 dnsmasq-tftp[10925]: cannot access /srv/tftp/SIPDefault.cnf: Permission denied
Dec 04 17:24:21 pbx atftpd[2395.1234]: Serving P0S3-8-12-00.loads to 10.1.1.5:49153
Dec 04 17:24:21 pbx atftpd[2395.1234]: File /srv/tftp/P0S3-8-12-00.loads not found
`
	evs, err := Parse(strings.NewReader(log), "x.log")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Client+" "+e.File+" "+string(e.Status))
	}
	want := []string{
		"127.0.0.1 nope not-found",
		"127.0.0.1 SIPDefault.cnf denied",
		"10.0.0.2 XMLDefault.cnf.xml sent",
		"10.0.0.2 SIPDefault.cnf denied",
		"10.1.1.5 P0S3-8-12-00.loads not-found",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	cs := Analyze(evs, Options{})
	if len(cs) != 3 || cs[0].Stopped.Kind != "denied" || cs[1].Stopped.Kind != "denied" || cs[2].Stopped.Kind != "missing" {
		t.Errorf("%+v", cs)
	}
}

func TestAnalyzeLoopAndCTL(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3; i++ {
		b.WriteString("2026-12-04T17:34:31Z 10.0.0.5:1 read SIPDefault.cnf ok 10/10 bytes 0ms\n")
		b.WriteString("2026-12-04T17:34:31Z 10.0.0.5:1 read P0S3-8-12-00.loads ok 10/10 bytes 0ms\n")
		b.WriteString("2026-12-04T17:34:31Z 10.0.0.5:1 read P003-8-12-00.sbn ok 10/10 bytes 0ms\n")
	}
	b.WriteString("2026-12-04T17:34:31Z 10.0.0.6:1 read CTLSEP000D28A1B2C4.tlv not-found 0ms: File not found\n")
	b.WriteString("2026-12-04T17:34:31Z 10.0.0.7:1 read SEP000D28A1B2C5.cnf.xml ok 10/10 bytes 0ms\n")
	evs, err := Parse(strings.NewReader(b.String()), "x.log")
	if err != nil {
		t.Fatal(err)
	}
	cs := Analyze(evs, Options{})
	if len(cs) != 3 {
		t.Fatalf("%+v", cs)
	}
	kinds := func(c Client) string {
		var k []string
		for _, p := range c.Problems {
			k = append(k, p.Kind)
		}
		return strings.Join(k, ",")
	}
	if kinds(cs[0]) != "loop" {
		t.Errorf("loop: %+v", cs[0].Problems)
	}
	if cs[1].Stopped.Kind != "ctl-hunt" || cs[1].MAC != "000D28A1B2C4" {
		t.Errorf("ctl: %+v", cs[1])
	}
	if cs[2].Stopped.Kind != "no-image" {
		t.Errorf("no-image: %+v", cs[2])
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<29>Dec  4 17:24:33 in.tftpd[11192]: RRQ from 127.0.0.1 filename a.txt\n",
		"Dec  4 17:24:33 in.tftpd[11194]: sending NAK (1, File not found) to 127.0.0.1\n",
		"dnsmasq-tftp[1]: TFTP root is /srv\ndnsmasq-tftp[1]: sent /srv/a to 1.2.3.4\n",
		"atftpd[1.2]: Serving x.cnf to 1.2.3.4:5\natftpd[1.2]: File /x/x.cnf not found\n",
		`{"time":"2026-12-04T17:34:31.43Z","remote":"127.0.0.1:3","op":"read","file":"a","status":"ok","bytes":1,"size":1}` + "\n",
		"2026-12-04T17:34:31Z 1.2.3.4:5 read a.cnf ok 1/1 bytes 0ms\n",
		"10.0.0.1 SEP000000000000.cnf.xml\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := Parse(strings.NewReader(string(b)), "fuzz.log")
		if err != nil {
			return
		}
		lines := strings.Count(string(b), "\n") + 1
		for _, e := range evs {
			if e.Client == "" || e.File == "" || e.Line < 1 || e.Line > lines {
				t.Fatalf("bad event %+v", e)
			}
		}
		cs := Analyze(evs, Options{})
		n := 0
		for _, c := range cs {
			n += len(c.Requests)
			if len(c.Requests) == 0 || c.Stopped.Kind == "" {
				t.Fatalf("client %+v", c)
			}
		}
		if n != len(evs) {
			t.Fatalf("%d requests for %d events", n, len(evs))
		}
	})
}

func TestAnalyzeNoImageWhy(t *testing.T) {
	log := "2026-12-04T17:34:31Z 10.0.0.5:1 read SEP000D28A1B2C3.cnf.xml not-found 0ms: File not found\n" +
		"2026-12-04T17:34:31Z 10.0.0.5:1 read XMLDefault.cnf.xml ok 10/10 bytes 0ms\n"
	evs, err := Parse(strings.NewReader(log), "x.log")
	if err != nil {
		t.Fatal(err)
	}
	for xml, want := range map[string]string{
		`<Default><loadInformation8 model="IP Phone 7940">P00308010200</loadInformation8></Default>`: "XMLDefault.cnf.xml names P00308010200",
		`<Default><directoryURL>x</directoryURL></Default>`:                                          "no configuration it read (XMLDefault.cnf.xml) names one",
	} {
		cs := Analyze(evs, Options{Read: func(name string) []byte {
			if name == "XMLDefault.cnf.xml" {
				return []byte(xml)
			}
			return nil
		}})
		if len(cs) != 1 || cs[0].Stopped.Kind != "no-image" || !strings.Contains(cs[0].Stopped.Message, want) || cs[0].Problems[0] != cs[0].Stopped {
			t.Errorf("%+v, want %q", cs, want)
		}
	}
}
