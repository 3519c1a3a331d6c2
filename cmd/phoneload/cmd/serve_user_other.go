//go:build !linux

package cmd

import "errors"

const canDropPrivileges = false

func dropPrivileges(string) error { return errors.New("--user works on Linux only") }
