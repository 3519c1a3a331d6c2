#!/usr/bin/env bash
# Compares `phoneload unpack --json` (extract, fsync, SHA-256 of every file)
# with unzip + sha256sum on the same zip, side by side in one run.
# Usage: scripts/bench-unpack.sh [MiB]   (default 200; needs zip, unzip)
set -euo pipefail
mib=${1:-200}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
mkdir "$work/drop"
# Firmware-like content: incompressible, a few large files and small ones.
n=$((mib / 20))
for i in $(seq 1 "$n"); do head -c 20M /dev/urandom >"$work/drop/P003-8-12-$i.bin"; done
for i in $(seq 1 50); do echo "image_version: P0S3-8-12-00 ; $i" >"$work/drop/SEP00000000$i.cnf"; done
(cd "$work/drop" && zip -q -r ../drop.zip .)
ls -l "$work/drop.zip" | awk '{printf "zip: %d MiB\n", $5/1048576}'
sync
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
a=$(t "$work/phoneload" unpack --json "$work/drop.zip" "$work/out1")
b=$(t bash -c "unzip -q '$work/drop.zip' -d '$work/out2' && sync -f '$work/out2' && sha256sum '$work'/out2/* >/dev/null")
printf 'phoneload unpack --json : %6.2f s\nunzip + sync + sha256sum: %6.2f s\nratio                   : %6.2f\n' "$a" "$b" "$(echo "$a / $b" | bc -l)"
