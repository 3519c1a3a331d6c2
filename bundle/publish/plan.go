package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/phoneload/phoneload/bundle"
	"github.com/phoneload/phoneload/bundle/check"
	"github.com/phoneload/phoneload/bundle/cisco"
	"github.com/phoneload/phoneload/bundle/container"
)

type bundleFile struct {
	Name   string
	Size   int64
	SHA256 string
	Group  Group
	Stage  string // file name under txn/new, "" in a dry run
	Data   []byte // content of small configuration files
}

// readBundle reads every file of the bundle once, hashing it and handing it
// to stage (nil in a dry run), and checks the hashes against SHA256SUMS.
// With canary, every per-phone configuration is kept in memory too (a
// canary edits its phones' files); otherwise only the shared defaults and
// .loads are.
func readBundle(src string, lim container.Limits, signed *signedSums, stage func(string, io.Reader) (string, error), progress func(int64), canary bool) (map[string]*bundleFile, []byte, error) {
	files := map[string]*bundleFile{}
	var sums []byte
	dirSigned := signed != nil && signed.data != nil
	meta := map[string][]byte{} // an archive's, to verify again
	// Files are read, hashed and staged by several goroutines: a staged
	// file's creation (the kernel's work in txn/new) overlaps the reading
	// of the next. mu guards files, sums, meta and progress.
	var mu sync.Mutex
	if progress != nil {
		p := progress
		progress = func(n int64) {
			mu.Lock()
			p(n)
			mu.Unlock()
		}
	}
	err := container.WalkParallel(src, lim, walkWorkers(), func(e container.Entry, r io.Reader) error {
		// With signed sums, a name that only looks like a signature file
		// is content, and refused unless listed, as bundle.Verify does.
		if bundle.IsBundleMeta(e.Name) && (!dirSigned || bundle.IsOwnFile(e.Name) || e.Name == bundle.ManifestName) {
			if dirSigned {
				// Read and verified by bundle.VerifyDirMeta (or
				// VerifyZipMeta); a zip's SHA256SUMS is read again here
				// and compared below.
				if signed.archive && e.Name == bundle.SumsName {
					b, err := io.ReadAll(io.LimitReader(r, bundle.MaxSumsSize+1))
					mu.Lock()
					sums = b
					mu.Unlock()
					return err
				}
				return nil
			}
			if e.Name == bundle.SumsName || (signed != nil && (bundle.IsOwnFile(e.Name) || e.Name == bundle.ManifestName)) {
				if e.Size > bundle.MaxSumsSize {
					return fmt.Errorf("bundle: %s: %s: larger than %d bytes", src, e.Name, bundle.MaxSumsSize)
				}
				b, err := io.ReadAll(io.LimitReader(r, bundle.MaxSumsSize+1))
				mu.Lock()
				if e.Name == bundle.SumsName {
					sums = b
				}
				meta[e.Name] = b
				mu.Unlock()
				return err
			}
			return nil
		}
		if err := checkSafeName(e.Name); err != nil {
			return fmt.Errorf("bundle: %s: %w", src, err)
		}
		f := &bundleFile{Name: e.Name, Size: e.Size, Group: Classify(e.Name)}
		h := sha256.New()
		var buf bytes.Buffer
		if progress != nil {
			r = &progressReader{r: r, fn: progress}
		}
		tee := io.TeeReader(r, h)
		keep := (f.Group == GroupPerPhone && canary || f.Group == GroupDefaults || f.Group == GroupLoads) && e.Size <= cisco.MaxConfigSize
		if keep {
			tee = io.TeeReader(tee, &buf)
		}
		if stage != nil {
			st, err := stage(e.Name, tee)
			if err != nil {
				return err
			}
			f.Stage = st
		} else if _, err := io.Copy(io.Discard, tee); err != nil {
			return err
		}
		f.SHA256 = hex.EncodeToString(h.Sum(nil))
		if keep {
			f.Data = buf.Bytes()
		}
		mu.Lock()
		files[e.Name] = f
		mu.Unlock()
		return nil
	})
	if err != nil {
		if dirSigned && signed.archive {
			// A corrupt entry (CRC, size) or one no bundle has is a
			// content problem naming it, as verify reports it.
			if cerr := bundle.ArchiveError(signed.res, err); errors.Is(cerr, bundle.ErrContent) {
				return nil, nil, &bundle.VerifyError{Result: signed.res, Err: cerr}
			}
		}
		return nil, nil, err
	}
	if dirSigned && signed.archive && !bytes.Equal(sums, signed.data) {
		// The zip changed since its signatures were verified (replaced
		// by another bundle): its SHA256SUMS is not the one signed.
		return nil, nil, &bundle.VerifyError{Result: signed.res, Err: fmt.Errorf("%w: %s: %s changed while it was read: it is not the one whose signatures were verified", bundle.ErrSignature, src, bundle.SumsName)}
	}
	if signed != nil && !dirSigned && sums != nil {
		// An archive verified whole before: the signatures are checked
		// again over the SHA256SUMS read now, so that an archive replaced
		// since is not judged by a list nobody signed.
		if res, _, err := bundle.VerifyMeta(meta, *signed.opts); err != nil {
			return nil, nil, &bundle.VerifyError{Result: res, Err: err}
		}
	}
	if dirSigned {
		// Judged against the SHA256SUMS whose signatures were verified,
		// not the file as it is now, as bundle.Verify judges it.
		got := make(map[string]bundle.ContentFile, len(files))
		for name, f := range files {
			cf := bundle.ContentFile{Size: f.Size}
			hex.Decode(cf.SHA256[:], []byte(f.SHA256))
			got[name] = cf
		}
		if err := bundle.CheckContent(signed.res, signed.sums, got); err != nil {
			return nil, nil, &bundle.VerifyError{Result: signed.res, Err: err}
		}
		signed.res.Valid = true
		return files, signed.data, nil
	}
	if sums == nil {
		return nil, nil, fmt.Errorf("bundle: %s: not a bundle: no SHA256SUMS", src)
	}
	parsed, err := bundle.ParseSums(sums)
	if err != nil {
		return nil, nil, fmt.Errorf("bundle: %s: %w", src, err)
	}
	listed := make(map[string]string, len(parsed))
	for _, s := range parsed {
		listed[s.Name] = hex.EncodeToString(s.SHA256[:])
	}
	// Hashing while staging closes the gap between verifying the bundle and
	// reading it: what is published is exactly what was signed.
	for name, sum := range listed {
		f := files[name]
		if f == nil {
			if bundle.IsBundleMeta(name) {
				continue
			}
			return nil, nil, fmt.Errorf("%w: %s: %s: listed in SHA256SUMS but missing", ErrBundleContent, src, name)
		}
		if f.SHA256 != sum {
			return nil, nil, fmt.Errorf("%w: %s: %s: does not match SHA256SUMS", ErrBundleContent, src, name)
		}
	}
	for name := range files {
		if _, ok := listed[name]; !ok {
			return nil, nil, fmt.Errorf("%w: %s: %s: not listed in SHA256SUMS", ErrBundleContent, src, name)
		}
	}
	return files, sums, nil
}

// walkWorkers is how many goroutines read and stage the bundle's files.
func walkWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// signedSums is the SHA256SUMS of a bundle directory whose signatures
// bundle.VerifyDirMeta verified: the exact bytes, their lines, and the
// report that the content check completes; or, for an archive, how to
// verify its SHA256SUMS again.
type signedSums struct {
	res  *bundle.VerifyResult
	data []byte
	sums []bundle.Sum
	// archive: the bundle is a zip whose SHA256SUMS bundle.VerifyZipMeta
	// read and verified; the one the walk reads must be the same bytes.
	archive bool
	// opts, for an archive (data nil) that bundle.Verify verified whole:
	// its SHA256SUMS is verified again as staging reads it.
	opts *bundle.VerifyOptions
}

type progressReader struct {
	r  io.Reader
	fn func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.fn(int64(n))
	}
	return n, err
}

func normalizeMACs(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		m, ok := check.NormalizeMAC(s)
		if !ok {
			return nil, fmt.Errorf("bundle: canary: %q is not a MAC address", s)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, nil
}

// planner turns the bundle and the root's current state into operations.
type planner struct {
	root      string
	cur       *RootState
	force     bool
	canary    []string
	stage     func(string, io.Reader) (string, error) // nil in a dry run
	steps     []Step
	conflicts []Step
	warnings  []string
	next      RootState
	// scanned directories (slash-separated, "." the root itself) and the
	// names under them that exist, in lower case (scanRoot).
	scanned map[string]bool
	present map[string]bool
}

// scanRoot lists, once, each directory of the root that holds a file of
// the bundle or of the last publish, so that rootFile need not open a
// name that is not there (into an empty root, every one of 50,000). A
// name is known absent only when no entry of its directory equals it
// ignoring ASCII case; a directory holding any other name than ASCII is
// not trusted to tell (a file system folding case or normalizing Unicode
// could open that name under another spelling): its names are opened, as
// before.
func (p *planner) scanRoot(files map[string]*bundleFile) error {
	dirs := map[string]bool{}
	for name := range files {
		dirs[path.Dir(name)] = true
	}
	for name := range p.cur.Files {
		dirs[path.Dir(name)] = true
	}
	p.scanned = map[string]bool{}
	p.present = map[string]bool{}
	for d := range dirs {
		names, err := readDirNames(filepath.Join(p.root, filepath.FromSlash(d)))
		if errors.Is(err, fs.ErrNotExist) {
			p.scanned[d] = true // nothing under it exists
			continue
		}
		if err != nil {
			return err
		}
		ascii := true
		for _, n := range names {
			if !isASCII(n) {
				ascii = false
				break
			}
		}
		if !ascii {
			continue
		}
		p.scanned[d] = true
		for _, n := range names {
			p.present[strings.ToLower(path.Join(d, n))] = true
		}
	}
	return nil
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// rootFile returns the SHA-256 of root/name, "" when it does not exist.
func (p *planner) rootFile(name string) (string, error) {
	if p.scanned[path.Dir(name)] && !p.present[strings.ToLower(name)] {
		return "", nil // listed by scanRoot: not there
	}
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("bundle: %s: %s is not a regular file", p.root, name)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (p *planner) readRoot(name string) ([]byte, bool, error) {
	f, err := os.Open(filepath.Join(p.root, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, cisco.MaxConfigSize+1))
	if err != nil {
		return nil, false, err
	}
	if len(b) > cisco.MaxConfigSize {
		return nil, false, fmt.Errorf("bundle: %s: %s: larger than %d bytes", p.root, name, cisco.MaxConfigSize)
	}
	return b, true, nil
}

// add plans putting f at its name; shared is set for canary images, which
// must never replace a file other phones read.
func (p *planner) add(f *bundleFile, shared bool) (*journalOp, error) {
	old, err := p.rootFile(f.Name)
	if err != nil {
		return nil, err
	}
	st := Step{Name: f.Name, Group: f.Group.String(), Size: f.Size, SHA256: f.SHA256, OldSHA: old}
	p.next.Files[f.Name] = f.SHA256
	switch {
	case old == f.SHA256:
		st.Action = "unchanged"
		p.steps = append(p.steps, st)
		return nil, nil
	case old == "":
		st.Action = opCreate
	default:
		st.Action = opReplace
		if f.Group == GroupImage || f.Group == GroupLoads {
			// Renaming keeps each file whole, but parts of one load
			// replaced under the same names go in one at a time: a phone
			// fetching them meanwhile can mix old and new parts.
			p.warnings = append(p.warnings, fmt.Sprintf("%s: replaced under the same name; a phone upgrading during the publish may fetch a mix of old and new parts (releases normally carry new names)", f.Name))
		}
		owned, isOwned := p.cur.Files[f.Name]
		switch {
		case shared:
			st.Reason = "exists with other content; a canary must not change a file every phone reads"
		case !isOwned && !p.force:
			st.Reason = "not published by phoneload"
		case isOwned && owned != old && !p.force:
			st.Reason = "changed since the last publish"
		}
		if st.Reason != "" {
			p.conflicts = append(p.conflicts, st)
		}
	}
	p.steps = append(p.steps, st)
	return &journalOp{Name: f.Name, Op: st.Action, Group: st.Group, Stage: f.Stage, SHA256: f.SHA256, OldSHA: old, Size: f.Size}, nil
}

// derived stages content publish computes (canary per-phone files).
func (p *planner) derived(name string, data []byte) (*bundleFile, error) {
	sum := sha256.Sum256(data)
	f := &bundleFile{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Group: Classify(name), Data: data}
	if p.stage != nil {
		st, err := p.stage(name, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		f.Stage = st
	}
	return f, nil
}

func (p *planner) plan(files map[string]*bundleFile, sums []byte, src string) ([]journalOp, error) {
	if err := p.scanRoot(files); err != nil {
		return nil, err
	}
	sumsHash := sha256.Sum256(sums)
	p.next = RootState{Bundle: src, Sums: hex.EncodeToString(sumsHash[:]), Canary: p.canary, Files: map[string]string{}}
	var list []*bundleFile
	for _, f := range files {
		list = append(list, f)
	}
	var chosen []*bundleFile
	shared := map[string]bool{}
	if len(p.canary) == 0 {
		chosen = list
	} else {
		for name, sum := range p.cur.Files {
			p.next.Files[name] = sum
		}
		var err error
		chosen, err = p.canaryFiles(files, shared)
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(chosen, func(i, j int) bool {
		if chosen[i].Group != chosen[j].Group {
			return chosen[i].Group < chosen[j].Group
		}
		return chosen[i].Name < chosen[j].Name
	})
	var ops []journalOp
	for _, f := range chosen {
		op, err := p.add(f, shared[f.Name])
		if err != nil {
			return nil, err
		}
		if op != nil {
			ops = append(ops, *op)
		}
	}
	if len(p.canary) > 0 {
		return ops, nil
	}
	// Files the previous publish owned that the new bundle lacks go last,
	// once nothing names them any more.
	var gone []string
	for name := range p.cur.Files {
		if files[name] == nil {
			gone = append(gone, name)
		}
	}
	// Removal runs the publish order backwards: whatever names a file
	// (defaults, per-phone configs, .loads) goes before the file it names,
	// so a .loads never lists a part that is already gone, and undoing it
	// brings images back before the .loads that list them.
	sort.Slice(gone, func(i, j int) bool {
		gi, gj := Classify(gone[i]), Classify(gone[j])
		if gi != gj {
			return gi > gj
		}
		return gone[i] < gone[j]
	})
	for _, name := range gone {
		old, err := p.rootFile(name)
		if err != nil {
			return nil, err
		}
		st := Step{Name: name, Group: "remove", OldSHA: old}
		switch {
		case old == "":
			continue
		case old != p.cur.Files[name] && !p.force:
			st.Action, st.Reason = "keep", "changed since the last publish; left in place"
		default:
			st.Action = opRemove
			ops = append(ops, journalOp{Name: name, Op: opRemove, Group: "remove", OldSHA: old})
		}
		p.steps = append(p.steps, st)
	}
	return ops, nil
}

// canaryFiles picks what a canary publish writes: every image and .loads
// (new names, invisible to phones until a configuration names them) and the
// per-phone files of the canary phones, carrying the new image names.
func (p *planner) canaryFiles(files map[string]*bundleFile, shared map[string]bool) ([]*bundleFile, error) {
	var out []*bundleFile
	isCanary := map[string]bool{}
	for _, m := range p.canary {
		isCanary[m] = true
	}
	perPhone := map[string][]*bundleFile{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := files[name]
		switch f.Group {
		case GroupImage, GroupLoads:
			out = append(out, f)
			shared[f.Name] = true
			continue
		case GroupPerPhone:
			if mac, _ := PhoneMAC(name); isCanary[mac] {
				perPhone[mac] = append(perPhone[mac], f)
				continue
			}
			p.steps = append(p.steps, Step{Name: name, Group: f.Group.String(), Action: "skip", Size: f.Size, SHA256: f.SHA256, Reason: "canary: another phone's file"})
		default:
			p.steps = append(p.steps, Step{Name: name, Group: f.Group.String(), Action: "skip", Size: f.Size, SHA256: f.SHA256, Reason: "canary: shared file left as it is"})
		}
	}
	var newSIP string
	if d := files["SIPDefault.cnf"]; d != nil {
		newSIP, _ = cisco.SIPImageVersion(d.Data)
	}
	loadMap, err := p.xmlLoadMap(files)
	if err != nil {
		return nil, err
	}
	offered := bundleLoads(files)
	mapLoad := func(old string) (string, bool) {
		if nv, ok := loadMap[old]; ok {
			return nv, true
		}
		return matchLoad(offered, old)
	}
	for _, mac := range p.canary {
		own := map[string]*bundleFile{}
		for _, f := range perPhone[mac] {
			own[path.Base(f.Name)] = f
		}
		sipName, sepName := "SIP"+mac+".cnf", "SEP"+mac+".cnf.xml"
		carried := len(perPhone[mac]) > 0
		if own[sepName] == nil {
			cur, ok, err := p.readRoot(sepName)
			if err != nil {
				return nil, err
			}
			if ok && len(cisco.LoadElements(cur)) > 0 {
				var bad []string
				data, _ := cisco.ReplaceXMLLoads(cur, func(old string) (string, bool) {
					nv, ok := mapLoad(old)
					if !ok {
						bad = append(bad, old)
					}
					return nv, ok
				})
				if len(bad) > 0 {
					return nil, fmt.Errorf("bundle: canary %s: %s names load %s, which neither the bundle's XMLDefault.cnf.xml nor one load of the bundle for the same phones replaces", mac, sepName, bad[0])
				}
				f, err := p.derived(sepName, data)
				if err != nil {
					return nil, err
				}
				out = append(out, f)
				carried = true
			}
		}
		if newSIP == "" && files["SIPDefault.cnf"] == nil && own[sipName] == nil {
			// A firmware-only bundle: the phone's SIP file in the root
			// gets its image_version moved to the bundle's load in place.
			data, err := p.firmwareOnlySIP(sipName, carried, mapLoad)
			if err != nil {
				return nil, err
			}
			if data != nil {
				f, err := p.derived(sipName, data)
				if err != nil {
					return nil, err
				}
				out = append(out, f)
				carried = true
			}
		}
		if newSIP != "" {
			var data []byte
			if f := own[sipName]; f != nil {
				if _, ok := cisco.SIPImageVersion(f.Data); !ok {
					data = cisco.SetSIPImageVersion(f.Data, newSIP)
				}
			} else if cur, ok, err := p.readRoot(sipName); err != nil {
				return nil, err
			} else if ok {
				data = cisco.SetSIPImageVersion(cur, newSIP)
			} else if !carried {
				// A phone with no per-phone file at all gets the new
				// defaults as its own file: per-phone settings win.
				data = files["SIPDefault.cnf"].Data
			}
			if data != nil {
				f, err := p.derived(sipName, data)
				if err != nil {
					return nil, err
				}
				delete(own, sipName)
				out = append(out, f)
				carried = true
			}
		}
		for _, f := range own {
			out = append(out, f)
		}
		if !carried {
			return nil, fmt.Errorf("bundle: canary %s: no per-phone file can carry the new image (the bundle has no SIPDefault.cnf image_version and no per-phone file for this phone, and the root has neither SEP%s.cnf.xml nor a SIP configuration naming a load of the bundle's)", mac, mac)
		}
	}
	return out, nil
}

// xmlLoadMap maps each load the root's XMLDefault.cnf.xml names to the load
// the bundle's XMLDefault.cnf.xml names for the same model id.
func (p *planner) xmlLoadMap(files map[string]*bundleFile) (map[string]string, error) {
	m := map[string]string{}
	nf := files["XMLDefault.cnf.xml"]
	if nf == nil {
		return m, nil
	}
	newByModel := map[string]string{}
	for _, l := range cisco.LoadElements(nf.Data) {
		newByModel[l.ModelID] = l.Value
		m[l.Value] = l.Value // already new: keep
	}
	cur, ok, err := p.readRoot("XMLDefault.cnf.xml")
	if err != nil || !ok {
		return m, err
	}
	for _, l := range cisco.LoadElements(cur) {
		nv, ok := newByModel[l.ModelID]
		if !ok {
			continue
		}
		if prev, dup := m[l.Value]; dup && prev != nv && prev != l.Value {
			return nil, fmt.Errorf("bundle: canary: load %s maps to both %s and %s", l.Value, prev, nv)
		}
		m[l.Value] = nv
	}
	return m, nil
}

// firmwareOnlySIP returns the new content of a canary phone's SIP<MAC>.cnf
// when the bundle carries firmware but no SIP configuration: the root's own
// SIP<MAC>.cnf with its image_version moved to the bundle's load for the
// same phones; without one (and nothing else carried the phone), a
// SIP<MAC>.cnf naming the load the root's SIPDefault.cnf maps to, so that
// per-phone settings win over the unchanged defaults. nil: nothing to do.
func (p *planner) firmwareOnlySIP(sipName string, carried bool, mapLoad func(string) (string, bool)) ([]byte, error) {
	cur, ok, err := p.readRoot(sipName)
	if err != nil {
		return nil, err
	}
	def, defOK, err := p.readRoot("SIPDefault.cnf")
	if err != nil {
		return nil, err
	}
	old := ""
	if ok {
		old, _ = cisco.SIPImageVersion(cur)
	}
	if old == "" && defOK {
		old, _ = cisco.SIPImageVersion(def)
	}
	if old == "" {
		return nil, nil
	}
	nv, found := mapLoad(old)
	if !found || nv == old {
		return nil, nil
	}
	switch {
	case ok:
		return cisco.SetSIPImageVersion(cur, nv), nil
	case !carried:
		return []byte("image_version: " + nv + "\n"), nil
	}
	return nil, nil
}

// bundleLoads lists the loads a bundle offers, as configurations name them:
// the .loads manifests and the images that are no loader and no 79x1 part,
// without extension, one entry per name.
func bundleLoads(files map[string]*bundleFile) []cisco.LoadName {
	seen := map[string]bool{}
	var out []cisco.LoadName
	for name, f := range files {
		if f.Group != GroupImage && f.Group != GroupLoads {
			continue
		}
		ln, ok := cisco.ParseLoadName(path.Base(name))
		if !ok || ln.Loader || ln.Part != "" {
			continue
		}
		stem := strings.TrimSuffix(ln.Name, ln.Ext)
		if seen[stem] {
			continue
		}
		seen[stem] = true
		ln.Name, ln.Ext = stem, ""
		out = append(out, ln)
	}
	return out
}

// matchLoad finds the one load of offered that replaces old: the same
// protocol and platform (the same phones), another name. Two candidates
// are ambiguous and match nothing.
func matchLoad(offered []cisco.LoadName, old string) (string, bool) {
	ol, ok := cisco.ParseLoadName(old)
	if !ok {
		return "", false
	}
	match := ""
	for _, l := range offered {
		if l.Protocol != ol.Protocol || l.Platform != ol.Platform || l.Name == old {
			continue
		}
		if match != "" && match != l.Name {
			return "", false
		}
		match = l.Name
	}
	return match, match != ""
}
