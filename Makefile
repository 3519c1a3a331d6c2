# phoneload — see README.md. Every target works on a fresh clone.
GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/phoneload/phoneload/cmd/phoneload/cmd.Version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: all build test demo fuzz bench lint docs clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/phoneload ./cmd/cfgfmt

# The one test command: README, CI and developers run exactly this.
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

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
	$(GO) run ./cmd/phoneload/internal/gendocs docs/cli
	$(GO) run ./cmd/phoneload/internal/genrules docs/rules.md

clean:
	rm -rf $(BIN)
