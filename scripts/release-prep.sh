#!/usr/bin/env bash
# GoReleaser's before hook (.goreleaser.yaml): write what the archives and
# packages carry besides the binaries into build/release/:
#   completions/  phoneload.bash, _phoneload (zsh), phoneload.fish
#   man/          docs/man/*.1 gzipped (`make docs` writes docs/man/), if any
# Runs from the repository root with the host's Go.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/release
rm -rf "$out/completions" "$out/man"
mkdir -p "$out/completions" "$out/man"

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/phoneload" ./cmd/phoneload
"$bin/phoneload" completion bash >"$out/completions/phoneload.bash"
"$bin/phoneload" completion zsh >"$out/completions/_phoneload"
"$bin/phoneload" completion fish >"$out/completions/phoneload.fish"

shopt -s nullglob
pages=(docs/man/*.1)
for page in "${pages[@]}"; do
	# -n: no name or time in the header, so the packages are reproducible.
	gzip -9n <"$page" >"$out/man/$(basename "$page").gz"
done
echo "release-prep: 3 completions, ${#pages[@]} man page(s) in $out"
