package cmd

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/drop"
	"github.com/phoneload/phoneload/internal/cli"
	"github.com/phoneload/phoneload/internal/quote"
)

// The text view as main printed it before it was streamed (issue 16):
// the whole Inspection held, the tables through text/tabwriter. Kept as
// the reference the streamed view must match byte for byte
// (TestInspectTextSameBytes).

// writeInspection prints one drop for people: a header line, the file
// table, the problems, and what each phone would load. At Normal
// verbosity, more than cli.GroupAbove per-device files of a kind (or
// unknown files) fold into one line, and so do the phones whose own files
// name the same load.
func writeInspectionOld(w io.Writer, in *drop.Inspection, long bool, verb cli.Verbosity) error {
	container := in.Container
	if container == "" {
		container = "file"
	}
	fmt.Fprintf(w, "%s  (%s, %d files, %s)\n\n", quote.Name(in.Path), container, len(in.Files), cli.HumanBytes(in.Size))
	folded := foldFilesOld(in, verb)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tFILE\tSIZE\tLOAD\tSHA-256\tSIGNED\tNOTES")
	for _, f := range in.Files {
		if folded.has[f.Name] {
			continue
		}
		sum := f.SHA256
		if !long && len(sum) > 12 {
			sum = sum[:12]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Kind, quote.Name(f.Name), cli.HumanBytes(f.Size), loadSummary(f.Load), sum, headerSummary(f), strings.Join(fileNotes(f), ", "))
		if f.Loads != nil {
			for i, p := range f.Loads.Parts {
				branch := "├─"
				if i == len(f.Loads.Parts)-1 {
					branch = "└─"
				}
				state := "present"
				if !p.Present {
					state = "MISSING"
				}
				fmt.Fprintf(tw, "\t  %s %s\t\t\t\t\t%s\n", branch, quote.Name(p.Name), state)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, g := range folded.groups {
		fmt.Fprintf(w, "%s  %s, %s (--verbose lists each)\n", g.title, cli.Names(g.names, "file", verb.Limit()), cli.HumanBytes(g.size))
	}
	if long {
		writeSettingsOld(w, in)
	}
	if in.Problems > 0 {
		fmt.Fprintf(w, "\nProblems (%d):\n", in.Problems)
		for _, f := range in.Files {
			for _, p := range f.Problems {
				switch {
				case p.Line > 0:
					fmt.Fprintf(w, "  %s:%d: %s\n", quote.Name(f.Name), p.Line, p.Msg)
				default:
					fmt.Fprintf(w, "  %s: %s\n", quote.Name(f.Name), p.Msg)
				}
			}
		}
	}
	fmt.Fprintln(w, "\nWhat phones would load:")
	if len(in.Phones) == 0 {
		fmt.Fprintln(w, "  nothing: no SIPDefault.cnf, XMLDefault.cnf.xml, OS79XX.TXT or profile names an image")
		return nil
	}
	phones, own := foldPhonesOld(in.Phones, verb)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  MODELS\tFROM\tLOAD\tVERSION\tFETCHES")
	for i, p := range phones {
		models := strings.Join(p.Models, ",")
		if models == "" {
			models = "?"
		}
		from := quote.Name(p.Source)
		if p.Line > 0 {
			from = fmt.Sprintf("%s:%d", quote.Name(p.Source), p.Line)
		}
		switch {
		case own[i] != nil:
			models += fmt.Sprintf(" (%s)", cli.Count(len(own[i]), "phone"))
			from = "own files"
		case p.MAC != "":
			models += " (" + p.MAC + ")"
		}
		if p.Setting != "" && p.Setting != p.Source {
			from += " " + p.Setting
		}
		fetch := fmt.Sprintf("%d files, all present", len(p.Files))
		if len(p.Files) == 1 {
			fetch = quote.Name(p.Files[0].Name)
		}
		if len(p.Missing) > 0 {
			fetch = "MISSING " + quoteAll(p.Missing)
		}
		version := p.Version
		if p.Protocol != "" {
			version = strings.TrimSpace(string(p.Protocol) + " " + version)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", models, from, quote.Name(p.Load), quote.Name(version), fetch)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, macs := range own {
		if macs != nil {
			fmt.Fprintf(w, "  own files naming %s: %s (--verbose lists each)\n", quote.Name(phones[i].Load), cli.Names(macs, "phone", verb.Limit()))
		}
	}
	// Phones ask for names at the top of the root: a configuration file in
	// a folder (a drop zipped with its folder) is read by no phone at all.
	var nested []string
	for _, p := range in.Phones {
		if i := strings.IndexByte(p.Source, '/'); i >= 0 && !slices.Contains(nested, p.Source[:i+1]) {
			nested = append(nested, p.Source[:i+1])
		}
	}
	for _, dir := range nested {
		fmt.Fprintf(w, "  note: no phone reads the files in %s: phones ask for names at the top of the root (phoneload check: not-at-root)\n", quote.Name(dir))
	}
	return nil
}

// fileFolds are the files the table leaves out, in groups of one line each.
type fileFoldsOld struct {
	has    map[string]bool
	groups []fileFoldOld
}

type fileFoldOld struct {
	title string   // "sip-config (per-device)"
	names []string // quoted for printing
	raw   []string
	size  int64
}

// foldFiles groups, unless Verbose, the per-device configuration files of
// each kind and the unknown files, when there are more than
// cli.GroupAbove of them. A file with problems or a .loads is never folded.
func foldFilesOld(in *drop.Inspection, verb cli.Verbosity) fileFoldsOld {
	ff := fileFoldsOld{has: map[string]bool{}}
	perDevice := map[string]bool{}
	for _, p := range in.Phones {
		if p.MAC != "" {
			perDevice[p.Source] = true
		}
	}
	var order []string
	byTitle := map[string]*fileFoldOld{}
	for _, f := range in.Files {
		var title string
		switch {
		case len(f.Problems) > 0 || f.Loads != nil:
			continue
		case perDevice[f.Name]:
			title = f.Kind.String() + " (per-device)"
		case f.Kind == cisco.KindUnknown:
			title = f.Kind.String()
		default:
			continue
		}
		g := byTitle[title]
		if g == nil {
			g = &fileFoldOld{title: title}
			byTitle[title] = g
			order = append(order, title)
		}
		g.names = append(g.names, quote.Name(f.Name))
		g.raw = append(g.raw, f.Name)
		g.size += f.Size
	}
	for _, t := range order {
		g := byTitle[t]
		if !verb.Folds(len(g.names)) {
			continue
		}
		for _, name := range g.raw {
			ff.has[name] = true
		}
		ff.groups = append(ff.groups, *g)
	}
	return ff
}

// foldPhones returns the rows of the phones table: unless Verbose, the
// entries of phones' own files (SIP<MAC>.cnf …) that agree on models,
// setting, load and what is fetched become one row when there are more
// than cli.GroupAbove; own[i] lists the MACs folded into row i.
func foldPhonesOld(all []drop.PhoneLoad, verb cli.Verbosity) (rows []drop.PhoneLoad, own [][]string) {
	key := func(p drop.PhoneLoad) string {
		var fetch []string
		for _, f := range p.Files {
			fetch = append(fetch, f.Name)
		}
		return strings.Join([]string{strings.Join(p.Models, ","), p.Setting, p.Load, p.Version, string(p.Protocol), strings.Join(fetch, "/"), strings.Join(p.Missing, "/")}, "|")
	}
	macs := map[string][]string{}
	for _, p := range all {
		if p.MAC != "" {
			macs[key(p)] = append(macs[key(p)], p.MAC)
		}
	}
	done := map[string]bool{}
	for _, p := range all {
		k := key(p)
		if p.MAC == "" || !verb.Folds(len(macs[k])) {
			rows, own = append(rows, p), append(own, nil)
			continue
		}
		if done[k] {
			continue
		}
		done[k] = true
		rows, own = append(rows, p), append(own, macs[k])
	}
	return rows, own
}

// writeSettings lists, for --long, every setting of each configuration file.
func writeSettingsOld(w io.Writer, in *drop.Inspection) {
	for _, f := range in.Files {
		entries := longEntries(f)
		if len(entries) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s:\n", quote.Name(f.Name))
		for _, e := range entries {
			at := ""
			if e.Line > 0 {
				at = fmt.Sprintf("%d: ", e.Line)
			}
			fmt.Fprintf(w, "  %s%s = %q\n", at, e.Name, e.Value)
		}
	}
}
