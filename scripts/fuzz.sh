#!/usr/bin/env bash
# Runs every Fuzz* target in the module for a short time each.
# Usage: scripts/fuzz.sh [DURATION]   (default 10s)
set -euo pipefail
dur=${1:-10s}
cd "$(dirname "$0")/.."
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for fn in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "fuzz: $pkg $fn ($dur)"
		if ! go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$dur" "$pkg" >/tmp/fuzz-$fn.log 2>&1; then
			cat /tmp/fuzz-$fn.log
			status=1
		fi
	done
done
exit $status
