package publish

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLogAndRollbackTo(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	if log, err := Log(root, ""); err != nil || len(log) != 0 {
		t.Fatalf("Log of a fresh root: %v, %v", log, err)
	}
	var rels []release
	for _, ver := range []string{"8-10-00", "8-11-00", "8-12-00"} {
		r := testRelease(ver, 1000)
		rels = append(rels, r)
		publishOK(t, writeBundle(t, filepath.Join(dir, ver), r), root, noVerify)
	}
	log, err := Log(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 3 || !log[2].Current || log[0].Current || log[1].Current {
		t.Fatalf("log: %+v", log)
	}
	if log[0].Time.IsZero() || !log[0].Time.Before(log[2].Time) || log[0].Changes == 0 || filepath.Base(log[2].Bundle) != "8-12-00" {
		t.Errorf("log entries: %+v", log)
	}

	// The plan names each publish to undo, newest first, and changes nothing.
	plan, err := PlanRollback(root, log[0].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 2 || plan[0].ID != log[2].ID || plan[1].ID != log[1].ID || plan[1].State != log[0].ID || !plan[0].DryRun || len(plan[0].Steps) == 0 {
		t.Fatalf("plan: %+v", plan)
	}
	if d := sameRelease(rels[2], readRootFiles(t, root)); d != "" {
		t.Fatalf("a planned rollback changed the root:\n%s", d)
	}
	if one, err := PlanRollback(root, "", ""); err != nil || len(one) != 1 || one[0].ID != log[2].ID {
		t.Errorf("plan one back: %+v, %v", one, err)
	}

	if _, err := RollbackTo(root, "20000101T000000Z", RollbackOptions{}); !errors.Is(err, ErrNothingToRollBack) {
		t.Errorf("rollback to an unknown id: %v", err)
	}
	done, err := RollbackTo(root, log[0].ID, RollbackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 2 {
		t.Errorf("rolled back %d publishes, want 2", len(done))
	}
	if d := sameRelease(rels[0], readRootFiles(t, root)); d != "" {
		t.Fatalf("rolled back to the first publish:\n%s", d)
	}
	if again, err := RollbackTo(root, log[0].ID, RollbackOptions{}); err != nil || len(again) != 0 {
		t.Errorf("rollback to the current publish: %v, %v", again, err)
	}
	if log, _ := Log(root, ""); len(log) != 1 || !log[0].Current {
		t.Errorf("log after the rollback: %+v", log)
	}
}

// TestRollbackToInterrupted: a RollbackTo killed between two publishes
// leaves the root at the one in between, and running it again finishes.
func TestRollbackToInterrupted(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	var rels []release
	for _, ver := range []string{"8-10-00", "8-11-00", "8-12-00"} {
		r := testRelease(ver, 1000)
		rels = append(rels, r)
		publishOK(t, writeBundle(t, filepath.Join(dir, ver), r), root, noVerify)
	}
	log, _ := Log(root, "")
	n := 0
	fail := errors.New("killed")
	_, err := RollbackTo(root, log[0].ID, RollbackOptions{hook: func(step string) error {
		if step == "rollback-start" {
			if n++; n == 2 {
				return fail
			}
		}
		return nil
	}})
	if !errors.Is(err, fail) {
		t.Fatalf("interrupted RollbackTo: %v", err)
	}
	if _, err := RollbackTo(root, log[0].ID, RollbackOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := sameRelease(rels[0], readRootFiles(t, root)); d != "" {
		t.Fatalf("finished RollbackTo:\n%s", d)
	}
}
