#!/usr/bin/env bash
# Walks the whole pipeline on a generated sample drop. Run with `make demo`
# (after `make build`, which puts phoneload and cfgfmt in bin/).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== cfgfmt: compile a generated fleet of 7912 profiles, decode one back"
go run ./internal/cfgfmtcli/fleetgen "$work/profiles" 100
mkdir "$work/tftp"
bin/phoneload compile --table "$work/profiles/ptag.dat" -o "$work/tftp" "$work/profiles"/gk*.txt
one=$(cd "$work/tftp" && ls | head -1)
bin/cfgfmt -t"$work/profiles/ptag.dat" "$work/tftp/$one" "$work/$one.txt"
echo "-- $one decoded (first lines):"
head -8 "$work/$one.txt"
