package main

import (
	"os"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/phoneload/phoneload/internal/badcontainer"
)

// mkcorpus NAME… writes containers of internal/badcontainer into the
// script's working directory by file name: the bad-container corpus
// (`mkcorpus dotdot.zip crc.zip`, or `mkcorpus all`) and the good ones
// (good.zip, good.tar, good.tgz, good-tar-in-zip.zip).
func init() {
	scriptCmds["mkcorpus"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: mkcorpus NAME... | all")
		}
		cases := map[string][]byte{}
		for _, c := range badcontainer.Cases() {
			cases[c.File] = c.Data
		}
		good := map[string][]byte{}
		for _, c := range badcontainer.Good() {
			good[c.File] = c.Data
		}
		for _, name := range args {
			if name == "all" {
				for f, data := range cases {
					ts.Check(os.WriteFile(ts.MkAbs(f), data, 0o644))
				}
				continue
			}
			data, ok := cases[name]
			if !ok {
				data, ok = good[name]
			}
			if !ok {
				ts.Fatalf("mkcorpus: no container %q", name)
			}
			ts.Check(os.WriteFile(ts.MkAbs(name), data, 0o644))
		}
	}
}
