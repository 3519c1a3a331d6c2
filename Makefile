# phoneload — see README.md. Every target works on a fresh clone.
GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/phoneload/phoneload/cmd/phoneload/cmd.Version=$(VERSION) -X main.Version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: all build test race vulncheck demo fuzz bench lint docs clean release-tools release-check release-snapshot

all: build

# Static, as the release builds are (scripts/release-check.sh): no dynamic
# loader at start, about 3 ms of every run (docs/benchmarks.md, inspect of
# a small zip).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/phoneload ./cmd/cfgfmt

# The one test command: README, CI and developers run exactly this.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The race detector over the packages that run concurrently: verify's
# parallel hashing, publish and its journal, serve/probe, compile's workers,
# the directory walk that reads ahead (container) and what parses behind it (drop).
RACE_PKGS = ./bundle ./bundle/container ./bundle/drop ./bundle/publish ./bundle/probe ./internal/tftp ./internal/cfgfmtcli
race:
	$(GO) test -race -count=1 $(RACE_PKGS)

# govulncheck needs its vulnerability database: exit 3 (a finding) fails,
# a database that cannot be reached is reported and skipped.
vulncheck:
	@rc=0; $(GO) run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./... || rc=$$?; \
	if [ $$rc -eq 3 ]; then exit 1; elif [ $$rc -ne 0 ]; then echo "vulncheck: govulncheck could not run (exit $$rc: no vulnerability database here?); skipped"; fi

demo: build
	./scripts/demo.sh

# A short run of every fuzz target (FUZZTIME each).
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

docs:
	$(GO) run ./cmd/phoneload/internal/gendocs -man docs/man docs/cli
	$(GO) run ./cmd/phoneload/internal/genrules docs/rules.md

# Release packaging (.goreleaser.yaml). GoReleaser and crane come from
# tools/go.mod, so the main module's go.mod stays free of them.
release-tools:
	$(GO) build -modfile=tools/go.mod -o build/tools/ github.com/goreleaser/goreleaser/v2 github.com/google/go-containerregistry/cmd/crane

# Validate .goreleaser.yaml.
release-check: release-tools
	build/tools/goreleaser check

# Archives, .deb/.rpm, the container image (pushed to a loopback registry),
# signed SHA256SUMS, then scripts/release-check.sh over all of it.
# RELEASE_TARGETS=ci builds one target per OS (what CI runs).
release-snapshot: release-tools
	./scripts/release-snapshot.sh

clean:
	rm -rf $(BIN) build dist
