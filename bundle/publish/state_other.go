//go:build !unix

package publish

import "io/fs"

const (
	oNoFollow  = 0
	oDirectory = 0
)

func checkOwner(string, fs.FileInfo) error { return nil }

func sameDevice(a, b fs.FileInfo) bool { return true }

func linkCount(fs.FileInfo) uint64 { return 1 }
