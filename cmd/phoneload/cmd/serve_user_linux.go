package cmd

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

const canDropPrivileges = true

// dropPrivileges switches the whole process (every thread: Go's syscall
// package does that on Linux) to user name, its primary group and its
// supplementary groups, groups first. It fails, and serve with it, when it
// cannot: a server that was asked to drop root and did not must not run.
func dropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("--user %s: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("--user %s: uid %q gid %q are not numbers", name, u.Uid, u.Gid)
	}
	var groups []int
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.Atoi(id); err == nil {
				groups = append(groups, g)
			}
		}
	}
	if os.Geteuid() != 0 {
		if os.Geteuid() == uid {
			return nil // already that user
		}
		return fmt.Errorf("--user %s: dropping privileges needs root (running as uid %d)", name, os.Geteuid())
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("--user %s: setgroups: %w", name, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("--user %s: setgid %d: %w", name, gid, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("--user %s: setuid %d: %w", name, uid, err)
	}
	if uid != 0 && syscall.Setuid(0) == nil {
		return fmt.Errorf("--user %s: root could be regained after setuid %d", name, uid)
	}
	return nil
}
