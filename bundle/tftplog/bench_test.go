package tftplog

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkParseSyslog reads 100,000 tftpd-hpa -vvv lines (50,000
// requests from 500 phones).
func BenchmarkParseSyslog(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 50000; i++ {
		fmt.Fprintf(&buf, "Dec  4 17:24:33 pbx in.tftpd[%d]: RRQ from 10.0.%d.%d filename SEP000D28A1%04X.cnf.xml\n", 1000+i, i%500/250, i%250, i%500)
		fmt.Fprintf(&buf, "Dec  4 17:24:33 pbx in.tftpd[%d]: sending NAK (1, File not found) to 10.0.%d.%d\n", 1000+i, i%500/250, i%250)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		evs, err := Parse(bytes.NewReader(buf.Bytes()), "syslog")
		if err != nil || len(evs) != 50000 {
			b.Fatal(err, len(evs))
		}
		Analyze(evs, Options{})
	}
}
