package cisco

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestModelFamilies: one case per family of the table. Each model id
// resolves to the model, the boot family and the load family its loads
// carry, and a real load of that family maps back to the model's id.
func TestModelFamilies(t *testing.T) {
	tests := []struct {
		family string
		id     int
		model  string
		boot   string
		load   string // a real load (or part) name of the family
	}{
		{"7940/7960", 8, "7940", "7940", "P0S3-8-12-00"},
		{"7940/7960 SCCP", 7, "7960", "7940", "P00308010200"},
		{"7910", 6, "7910", "7940", "P00405000700"},
		{"7906/7911", 369, "7906", "79x1", "SIP11.9-4-2SR1-1S"},
		{"7911 term default", 307, "7911", "79x1", "term11.default.loads"},
		{"7906 term default", 369, "7906", "79x1", "term06.default.loads"},
		{"7941/7961", 30018, "7961", "79x1", "SIP41.8-5-4S"},
		{"7961G-GE runs the 41 loads", 308, "7961G-GE", "79x1", "SCCP41.9-4-2SR1-1S"},
		{"7941G-GE runs the 41 loads", 309, "7941G-GE", "79x1", "jar41sip.8-5-4TH1-6.sbn"},
		{"7942/7962", 404, "7962", "79x1", "SIP42.8-5-4S"},
		{"7942", 434, "7942", "79x1", "term42.default.loads"},
		{"7945/7965", 435, "7945", "79x1", "SCCP45.9-4-2SR1-1S"},
		{"7965 term default", 436, "7965", "79x1", "term65.default.loads"},
		{"7970/7971", 30006, "7970", "79x1", "SIP70.8-0-3S"},
		{"7975", 437, "7975", "79x1", "SCCP75.9-4-2SR3-1S"},
		{"7931", 348, "7931", "79x1", "SCCP31.9-2-1S"},
		{"7912", 30007, "7912", "7912", "CP7912080004SCCP080108A.sbin"},
		{"7905", 20000, "7905", "7905", "CP7905080003SCCP070409A.zup"},
		{"7902", 30008, "7902", "xml", "CP7902080002SCCP060817A"},
		{"7921 (792x)", 365, "7921", "xml", "CP7921G-1.4.6.3.LOADS"},
		{"7925 (792x)", 484, "7925", "xml", "CP7925G-1.4.7.3"},
		{"7926 (792x)", 577, "7926", "xml", "CP7926G-1.4.5.3"},
		{"6921 (69xx)", 495, "6921", "xml", "SIP69xx.9-4-1-3SR2"},
		{"6941 (69xx)", 496, "6941", "xml", "SCCP69xx.9-4-1-3SR2"},
		{"6961 (69xx)", 497, "6961", "xml", "SIP69xx.9-4-1-3SR2.loads"},
		{"6945", 564, "6945", "xml", "SCCP6945.9-3-1-3"},
		{"8941/8945", 586, "8941", "xml", "SCCP894x.9-2-2-0"},
		{"7821 (78xx)", 621, "7821", "xml", "sip78xx.11-0-1-11"},
		{"7861 (78xx)", 623, "7861", "xml", "sip78xx.12-1-1-12.loads"},
		{"8841 (88xx)", 683, "8841", "xml", "sip88xx.12-8-1-0001-455.loads"},
		{"8811 (88xx)", 36217, "8811", "xml", "sip88xx.11-2-3MSR1-1"},
		{"8845 (8845_65)", 36224, "8845", "xml", "sip8845_65.12-5-1SR2-2"},
		{"8865 (8845_65)", 36225, "8865", "xml", "sip8845_65.12-5-1SR2-2.loads"},
		{"8821", 36216, "8821", "xml", "sip8821.11-0-5SR1-1"},
		{"7811 (78xx)", 36213, "7811", "xml", "sip78xx.12-5-1SR2-2"},
		{"8831", 659, "8831", "xml", "sip8831.10-3-1-16"},
		{"9971 (89xx/99xx)", 493, "9971", "xml", "sip9971.9-4-2SR1-2"},
		{"9951 (89xx/99xx)", 537, "9951", "xml", "sip9951.9-2-2SR1-9"},
		{"8961 (89xx/99xx)", 540, "8961", "xml", "sip8961.9-4-2SR1-2"},
		{"ATA 186", 12, "ata186", "ata", "ATA030204SCCP090202A.zup"},
		{"ATA 187", 550, "ata187", "xml", "ATA187.9-2-3-1"},
	}
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			m, ok := ModelByID(tt.id)
			if !ok {
				t.Fatalf("model id %d unknown", tt.id)
			}
			if m.Name != tt.model || m.Boot != tt.boot {
				t.Errorf("id %d = %s boot %s, want %s boot %s", tt.id, m.Name, m.Boot, tt.model, tt.boot)
			}
			if ModelIDs[tt.id] != tt.model {
				t.Errorf("ModelIDs[%d] = %q", tt.id, ModelIDs[tt.id])
			}
			fam := LoadFamily(tt.load)
			if fam != m.Loads {
				t.Errorf("LoadFamily(%q) = %q, want %q (the family of the %s)", tt.load, fam, m.Loads, m.Name)
			}
			found := false
			for _, id := range IDsOfLoadFamily(fam) {
				found = found || id == tt.id
			}
			if !found {
				t.Errorf("IDsOfLoadFamily(%q) = %v lacks %d", fam, IDsOfLoadFamily(fam), tt.id)
			}
		})
	}
}

// TestModelMismatches: loads of another family are told apart (a 7961
// given a 42 load; a 7940 given a 79x1 load; a 6921 given a 78xx load).
func TestModelMismatches(t *testing.T) {
	for _, tt := range []struct {
		id   int
		load string
	}{{30018, "SIP42.8-5-4S"}, {8, "SIP41.8-5-4S"}, {495, "sip78xx.11-0-1-11"}, {307, "SIP45.9-4-2SR1-1S"}, {30007, "CP7905080003SCCP070409A"}} {
		m, _ := ModelByID(tt.id)
		if f := LoadFamily(tt.load); f == m.Loads || f == "" {
			t.Errorf("%s (%d) and %q: family %q, want a known other family than %q", m.Name, tt.id, tt.load, f, m.Loads)
		}
	}
	if f := LoadFamily("README.md"); f != "" {
		t.Errorf("LoadFamily(README.md) = %q", f)
	}
}

// TestModelTableIDs: the ids real roots carry are known, every model has
// a source class, and no real id is "unknown".
func TestModelTableIDs(t *testing.T) {
	for _, id := range []int{6, 7, 8, 115, 307, 308, 309, 369, 404, 434, 435, 436, 437, 495, 496, 497, 30006, 30007, 30018, 20000, 365, 484, 621, 30016} {
		if _, ok := ModelByID(id); !ok {
			t.Errorf("model id %d is real (seen in real roots or Cisco's lists) but unknown", id)
		}
	}
	if _, ok := ModelByID(1234); ok {
		t.Error("model id 1234 known")
	}
	if m, _ := ModelByName("ip-communicator"); m.ID != 30016 || m.Boot != "none" {
		t.Errorf("IP Communicator: %+v", m)
	}
}

func TestParseModelsErrors(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "no header"},
		{"id\tmodel\n", "line 1: want the header"},
		{"id\tmodel\tboot\tloads\tprotocols\tsure\n7\t7960\t7940\tP0x3\tsip\tcisco\n7\t7960\t7940\tP0x3\tsip\tcisco\n", "line 3: model id 7 already on line 2"},
		{"id\tmodel\tboot\tloads\tprotocols\tsure\nx\t7960\t7940\tP0x3\tsip\tcisco\n", "line 2: model id \"x\""},
		{"id\tmodel\tboot\tloads\tprotocols\tsure\n7\t7960\twalk\tP0x3\tsip\tcisco\n", "line 2: boot \"walk\""},
		{"id\tmodel\tboot\tloads\tprotocols\tsure\n7\t7960\t7940\tP0x3\tsip\tmaybe\n", "line 2: sure \"maybe\""},
	} {
		_, err := ParseModels(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseModels(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func FuzzParseModels(f *testing.F) {
	f.Add(modelsTSV)
	f.Add("id\tmodel\tboot\tloads\tprotocols\tsure\n7\t7960\t7940\tP0x3\tsip\tcisco\n")
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseModels(s)
		if err == nil {
			seen := map[int]bool{}
			for _, m := range ms {
				if seen[m.ID] || m.ID <= 0 {
					t.Fatalf("accepted id %d twice or not positive", m.ID)
				}
				seen[m.ID] = true
			}
		}
	})
}

func FuzzLoadFamily(f *testing.F) {
	for _, s := range []string{"term00.000000000", "P0S3-8-12-00", "term61.default.loads", "SIP69xx.9-4-1-3SR2", "CP7921G-1.4.6.3.LOADS", "ATA187.9-2-3-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fam := LoadFamily(s); fam != "" && len(IDsOfLoadFamily(fam)) == 0 {
			t.Fatalf("LoadFamily(%q) = %q, a family no model runs", s, fam)
		}
	})
}

// TestDocsListEveryModel: docs/models.md shows every row of the table.
func TestDocsListEveryModel(t *testing.T) {
	b, err := os.ReadFile("../../docs/models.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range Models() {
		if !strings.Contains(string(b), fmt.Sprintf("| %d | %s |", m.ID, m.Name)) {
			t.Errorf("docs/models.md does not list %d %s", m.ID, m.Name)
		}
	}
}
