package publish

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// copyTree copies the directory src to dst (which must not exist), modes
// included: a crash image of a root and its state directory.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Mkdir(out, fi.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, b, fi.Mode().Perm()); err != nil {
			return err
		}
		return os.Chmod(out, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tearLastRecord cuts the last record of a version 2 journal in half, as a
// crash during its append leaves it.
func tearLastRecord(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.TrimSuffix(b, []byte("\n"))
	i := bytes.LastIndexByte(body, '\n')
	if i < 0 || !bytes.HasPrefix(b, []byte(`{"version":2`)) {
		t.Fatalf("%s: not a version 2 journal with a record after its header:\n%.200s", p, b)
	}
	last := body[i+1:]
	if err := os.WriteFile(p, b[:i+1+len(last)/2], 0o600); err != nil {
		t.Fatal(err)
	}
}

// asVersion1 rewrites a journal in the form phoneload wrote before issue
// 16: one object, rewritten whole at every state.
func asVersion1(t *testing.T, dir string) {
	t.Helper()
	j, err := readJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	j.Version = journalV1
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "journal.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestJournalInterruptedAtEachState takes a crash image of the root and its
// state directory right after each state reached the append-only journal
// (whole), with that state's record torn in half (a crash during the
// append), and with the journal rewritten in the old version 1 form, and
// checks what recovery then does: a torn record counts as never written,
// so recovery acts on the state before it, as it did when version 1's
// rename had not happened.
func TestJournalInterruptedAtEachState(t *testing.T) {
	dir := t.TempDir()
	oldR, newR := testRelease("8-11-00", 4<<10), testRelease("8-12-00", 4<<10)
	oldB := writeBundle(t, filepath.Join(dir, "old"), oldR)
	newB := writeBundle(t, filepath.Join(dir, "new"), newR)
	live := filepath.Join(dir, "live")
	root := filepath.Join(live, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	publishOK(t, oldB, root, noVerify)
	snaps := map[string]string{}
	hook := func(step string) error {
		if st, ok := strings.CutPrefix(step, "journal-"); ok {
			snaps[st] = filepath.Join(dir, "snap-"+st)
			copyTree(t, live, snaps[st])
		}
		return nil
	}
	if _, err := Run(newB, root, Options{SkipVerify: true, hook: hook}); err != nil {
		t.Fatal(err)
	}
	if _, err := Rollback(root, RollbackOptions{hook: hook}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		state, form string
		action      string
		want        release
	}{
		{statePreparing, "whole", "discarded", oldR},
		{statePrepared, "whole", "discarded", oldR},
		{statePrepared, "torn", "discarded", oldR},
		{stateCommitting, "whole", "undone", oldR},
		{stateCommitting, "torn", "discarded", oldR},
		{stateCommitted, "whole", "completed", newR},
		{stateCommitted, "torn", "undone", oldR},
		{stateRollingBak, "whole", "undone", oldR},
		{stateRollingBak, "torn", "completed", newR}, // the rollback had not started: filed back
		{statePrepared, "v1", "discarded", oldR},
		{stateCommitting, "v1", "undone", oldR},
		{stateCommitted, "v1", "completed", newR},
		{stateRollingBak, "v1", "undone", oldR},
	}
	for _, tc := range tests {
		t.Run(tc.state+"/"+tc.form, func(t *testing.T) {
			src := snaps[tc.state]
			if src == "" {
				t.Fatalf("no crash image at %s", tc.state)
			}
			img := filepath.Join(t.TempDir(), "img")
			copyTree(t, src, img)
			root := filepath.Join(img, "root")
			sd := sdOf(t, root)
			switch tc.form {
			case "torn":
				tearLastRecord(t, filepath.Join(txnDir(sd), "journal.json"))
			case "v1":
				asVersion1(t, txnDir(sd))
			}
			got, err := recoverTxn(root, sd, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.action {
				t.Errorf("recovery %s, want %s", got, tc.action)
			}
			if d := sameRelease(tc.want, readRootFiles(t, root)); d != "" {
				t.Errorf("root after recovery:\n%s", d)
			}
			if _, err := os.Stat(txnDir(sd)); err == nil {
				t.Error("transaction left behind after recovery")
			}
			// The root is usable: the new release publishes over it.
			publishOK(t, newB, root, noVerify)
			if d := sameRelease(newR, readRootFiles(t, root)); d != "" {
				t.Errorf("publish after recovery:\n%s", d)
			}
		})
	}
}

// TestJournalAppendOverTorn: the record written after a torn one replaces
// it, so the journal stays readable, and the plan written with "prepared"
// is read back whole.
func TestJournalAppendOverTorn(t *testing.T) {
	dir := t.TempDir()
	ops := []journalOp{
		{Name: "P0S3-8-12-00.sb2", Op: opCreate, Group: "image", Stage: "00001", SHA256: strings.Repeat("a", 64), Size: 3},
		{Name: "cfg/SIP000D28000001.cnf", Op: opReplace, Group: "per-phone", Stage: "00002", SHA256: strings.Repeat("b", 64), OldSHA: strings.Repeat("c", 64), Mode: 0o640, Dirs: nil},
	}
	tx := &txn{dir: dir, j: &journal{Version: journalV2, ID: "id1", Prev: RootState{ID: "id0", Files: map[string]string{"x": "y"}}}}
	if err := tx.save(statePreparing); err != nil {
		t.Fatal(err)
	}
	tx.j.Ops, tx.j.Next = ops, RootState{ID: "id1", Sequence: 7, Files: map[string]string{"P0S3-8-12-00.sb2": strings.Repeat("a", 64)}}
	if err := tx.save(statePrepared); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "journal.json")
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"state":"commi`)
	f.Close()
	j, err := readJournal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != statePrepared || !reflect.DeepEqual(j.Ops, ops) || j.Next.Sequence != 7 || j.Prev.ID != "id0" {
		t.Fatalf("read back %+v", j)
	}
	tx2 := &txn{dir: dir, j: j}
	if err := tx2.save(stateCommitting); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if bytes.Contains(b, []byte("commi`")) || bytes.Count(b, []byte("\n")) != 4 || !bytes.HasSuffix(b, []byte("{\"state\":\"committing\"}\n")) {
		t.Fatalf("journal after the append over a torn record:\n%s", b)
	}
	j, err = readJournal(dir)
	if err != nil || j.State != stateCommitting || len(j.Ops) != 2 || j.Ops[1].Mode != 0o640 {
		t.Fatalf("read back %+v, %v", j, err)
	}
}

// TestJournalRefusals: journals recovery must not guess about are refused
// naming the file: an unknown version, states out of order, a plan with
// another state than "prepared", damage before the last line.
func TestJournalRefusals(t *testing.T) {
	hdr := `{"version":2,"id":"x","prev":{"files":{}}}` + "\n"
	plan := `{"state":"prepared","ops":[{"name":"a","op":"create","group":"support","stage":"00001","size":1}],"next":{"files":{"a":"b"}}}` + "\n"
	for name, tc := range map[string]struct{ data, want string }{
		"version 3":       {`{"version":3,"id":"x"}` + "\n", "journal version 3 not supported"},
		"version 0":       {`{"id":"x"}`, "journal version 0 not supported"},
		"skipped state":   {hdr + `{"state":"preparing"}` + "\n" + `{"state":"committing"}` + "\n", `state "committing" cannot follow "preparing"`},
		"no preparing":    {hdr + plan, `state "prepared" cannot follow ""`},
		"after rollback":  {hdr + `{"state":"preparing"}` + "\n" + plan + `{"state":"rolling-back"}` + "\n" + `{"state":"committing"}` + "\n", "cannot follow"},
		"plan elsewhere":  {hdr + `{"state":"preparing","ops":[],"next":{"files":{}}}` + "\n", "the plan belongs with state"},
		"no plan":         {hdr + `{"state":"preparing"}` + "\n" + `{"state":"prepared"}` + "\n", "the plan belongs with state"},
		"damaged middle":  {hdr + `{"state":"preparing"}` + "\n" + `{"state":"prep` + "\n" + `{"state":"prepared"}` + "\n", "line 3"},
		"unknown field":   {hdr + `{"state":"preparing","extra":1}` + "\n" + `{"state":"prepared"}` + "\n", "line 2"},
		"header only":     {hdr, "no state"},
		"torn header":     {`{"version":2,"id":"x"`, "unexpected EOF"},
		"bad name":        {hdr + `{"state":"preparing"}` + "\n" + strings.Replace(plan, `"name":"a"`, `"name":"../a"`, 1), "unsafe file name"},
		"unknown version": {`{"version":"2"}`, "cannot unmarshal"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "journal.json"), []byte(tc.data), 0o600)
			_, err := readJournal(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "journal.json") && !strings.Contains(err.Error(), dir) {
				t.Fatalf("got %v, want an error naming the journal with %q", err, tc.want)
			}
		})
	}
}
