package cisco

import (
	_ "embed"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Model is one row of the model table (models.tsv): a phone that boots
// from TFTP, by the CUCM model id its loadInformationNNN and loadNNN.txt
// carry.
type Model struct {
	ID        int      `json:"id"`
	Name      string   `json:"model"`
	Boot      string   `json:"boot"`  // 7940, 79x1, 7912, 7905, ata, xml, none
	Loads     string   `json:"loads"` // the load family it runs (LoadFamily)
	Protocols []string `json:"protocols"`
	Sure      string   `json:"sure"` // cisco, real, src, inferred (docs/models.md)
}

//go:embed models.tsv
var modelsTSV string

// models is the table, in file order; modelByID and modelByName index it.
var models, modelByID, modelByName = mustParseModels(modelsTSV)

// ModelIDs maps the ids of loadInformationNNN elements to phone models.
var ModelIDs = func() map[int]string {
	m := make(map[int]string, len(models))
	for _, r := range models {
		m[r.ID] = r.Name
	}
	return m
}()

// ParseModels reads a model table in the format of models.tsv: '#'
// comment lines, a header line starting "id", then one model a line, TAB
// separated. Errors name the line.
func ParseModels(s string) ([]Model, error) {
	var out []Model
	seen := map[int]int{}
	header := false
	for i, line := range strings.Split(s, "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if !header {
			if len(f) != 6 || f[0] != "id" {
				return nil, fmt.Errorf("line %d: want the header id, model, boot, loads, protocols, sure", n)
			}
			header = true
			continue
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("line %d: %d fields, want 6", n, len(f))
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("line %d: model id %q is not a positive number", n, f[0])
		}
		if p, ok := seen[id]; ok {
			return nil, fmt.Errorf("line %d: model id %d already on line %d", n, id, p)
		}
		seen[id] = n
		switch f[2] {
		case "7940", "79x1", "7912", "7905", "ata", "xml", "none":
		default:
			return nil, fmt.Errorf("line %d: boot %q is not one of 7940, 79x1, 7912, 7905, ata, xml, none", n, f[2])
		}
		switch f[5] {
		case "cisco", "real", "src", "inferred":
		default:
			return nil, fmt.Errorf("line %d: sure %q is not one of cisco, real, src, inferred", n, f[5])
		}
		if f[1] == "" || f[3] == "" {
			return nil, fmt.Errorf("line %d: empty model or load family", n)
		}
		out = append(out, Model{ID: id, Name: f[1], Boot: f[2], Loads: f[3], Protocols: strings.Split(f[4], ","), Sure: f[5]})
	}
	if !header {
		return nil, fmt.Errorf("no header line")
	}
	return out, nil
}

func mustParseModels(s string) ([]Model, map[int]Model, map[string]Model) {
	ms, err := ParseModels(s)
	if err != nil {
		panic("cisco: models.tsv: " + err.Error())
	}
	byID := make(map[int]Model, len(ms))
	byName := make(map[string]Model, len(ms))
	for _, m := range ms {
		byID[m.ID] = m
		if _, ok := byName[m.Name]; !ok {
			byName[m.Name] = m
		}
	}
	return ms, byID, byName
}

// Models returns the model table, in the order of models.tsv.
func Models() []Model { return append([]Model(nil), models...) }

// ModelByID returns the model of a CUCM model id.
func ModelByID(id int) (Model, bool) { m, ok := modelByID[id]; return m, ok }

// ModelByName returns the model phoneload calls name ("7961", "7941G-GE",
// "ata186"); with several ids for one name, the first in the table.
func ModelByName(name string) (Model, bool) { m, ok := modelByName[name]; return m, ok }

// IDsOfLoadFamily returns the model ids whose phones run loads of family,
// in table order.
func IDsOfLoadFamily(family string) []int {
	var ids []int
	for _, m := range models {
		if m.Loads == family {
			ids = append(ids, m.ID)
		}
	}
	return ids
}

var (
	reFamP0    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^P0[0-9A-Z]([0-9])`) })
	reFam79x1  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?i:SIP|SCCP|term)([0-9]{2})\.`) })
	reFamPart  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:jar|cnu|cvm|dsp|apps)([0-9]{2})(?:sip|sccp)?\.`) })
	reFamCPG   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CP(79[0-9]{2})G-`) })
	reFamCP    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^CP(79[0-9]{2})[0-9]`) })
	reFamNamed = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i:sip|sccp)(69xx|6901|6911|6945|894x|78xx|88xx|8845_65|8831|8821|9971|9951|8961)[._]`)
	})
)

// termFamily maps the NN of term<NN>.default.loads to the load family
// the model 79<NN> runs (7906 runs the 11 loads, 7961 the 41 loads …).
var termFamily = map[string]string{"06": "11", "61": "41", "62": "42", "65": "45", "71": "70"}

// LoadFamily returns the load family a load or image name belongs to, the
// key models.tsv's loads column uses: "P0x3" (7940/7960), "P0x4" (7910),
// "11", "41", "42", "45", "70", "75", "31" (79x1 by the two digits; term06
// is 11, term61 is 41 …), "CP7912", "CP7905", "CP7902", "7921", "7925",
// "7926", "69xx", "6901", "6911", "6945", "894x", "78xx", "88xx", "8845_65", "8831",
// "9971", "9951", "8961", "ata18x", "ata187", or "" when the name says
// nothing phoneload knows.
func LoadFamily(name string) string {
	if f := loadFamily(name); knownFamilies[f] {
		return f
	}
	return ""
}

// knownFamilies are the load families of the model table.
var knownFamilies = func() map[string]bool {
	m := map[string]bool{}
	for _, r := range models {
		m[r.Loads] = true
	}
	return m
}()

func loadFamily(name string) string {
	name, _ = StripImageExt(BaseName(name))
	if m := reFamP0().FindStringSubmatch(name); m != nil {
		return "P0x" + m[1]
	}
	if m := reFam79x1().FindStringSubmatch(name); m != nil {
		if f, ok := termFamily[m[1]]; ok && strings.HasPrefix(strings.ToLower(name), "term") {
			return f
		}
		return m[1]
	}
	if m := reFamPart().FindStringSubmatch(name); m != nil {
		return m[1]
	}
	if m := reFamCPG().FindStringSubmatch(name); m != nil {
		return m[1]
	}
	if m := reFamCP().FindStringSubmatch(name); m != nil {
		return "CP" + m[1]
	}
	if m := reFamNamed().FindStringSubmatch(name); m != nil {
		return strings.ToLower(m[1])
	}
	switch {
	case strings.HasPrefix(name, "ATA187"):
		return "ata187"
	case strings.HasPrefix(name, "ATA") && len(name) > 3 && isDigit(name[3]):
		return "ata18x"
	}
	return ""
}

// Is792x reports whether a load name is a 7921/7925/7926 load, whose
// manifest Cisco ships (and the phone asks for) as <name>.LOADS.
func Is792x(name string) bool {
	switch LoadFamily(name) {
	case "7921", "7925", "7926":
		return true
	}
	return false
}
