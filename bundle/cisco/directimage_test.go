package cisco

import "testing"

func TestDirectImageFile(t *testing.T) {
	for _, tc := range []struct {
		load   string
		signed bool
		want   string
	}{
		{"P0S3-8-12-00", true, "P0S3-8-12-00.sbn"},
		{"P0S3-8-12-00", false, "P0S3-8-12-00.bin"},
		{"P00308010200", true, "P00308010200.sbn"},
		{"P00308010200", false, "P00308010200.bin"},
		{"P0S30203", true, "P0S30203.bin"}, // 8.3 names predate signing
		{"P0S30203", false, "P0S30203.bin"},
	} {
		if got := DirectImageFile(tc.load, tc.signed); got != tc.want {
			t.Errorf("DirectImageFile(%q, %v) = %q, want %q", tc.load, tc.signed, got, tc.want)
		}
	}
}
