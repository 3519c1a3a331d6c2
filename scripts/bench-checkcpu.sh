#!/usr/bin/env bash
# Compares `phoneload check` with reading and hashing the same tree by hand
# (find -print0 | xargs -0 sha256sum), the issue-16 goal "check within 1.5x
# of sha256sum". Runs the two back to back ROUNDS times per tree (page cache
# warm: one untimed pass of each first) and prints, per tree, the medians of
# wall time and CPU (user+sys) of each and the ratios check/sha256sum.
# Usage: scripts/bench-checkcpu.sh PHONELOAD ROUNDS DIR...
#   e.g. scripts/bench-checkcpu.sh ./phoneload 5 /work/trees/t100000
set -euo pipefail
bin=${1:?usage: bench-checkcpu.sh PHONELOAD ROUNDS DIR...}
rounds=${2:?usage: bench-checkcpu.sh PHONELOAD ROUNDS DIR...}
shift 2
[ $# -gt 0 ] || { echo "usage: bench-checkcpu.sh PHONELOAD ROUNDS DIR..." >&2; exit 2; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# timeit CMD... appends "wall cpu" (seconds) to $tmp.
timeit() {
	/usr/bin/time -o "$tmp.t" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
	awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$tmp.t" >>"$tmp"
	rm -f "$tmp.t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'; }

printf '%-28s %9s %9s %9s %9s %7s %7s\n' tree sha-wall sha-cpu chk-wall chk-cpu r-wall r-cpu
for dir in "$@"; do
	bash -c 'find "$1" -type f -print0 | xargs -0 sha256sum' _ "$dir" >/dev/null
	"$bin" check "$dir" >/dev/null 2>&1 || true
	: >"$tmp"
	for _ in $(seq "$rounds"); do
		timeit bash -c 'find "$1" -type f -print0 | xargs -0 sha256sum' _ "$dir"
		timeit "$bin" check "$dir"
	done
	sw=$(awk 'NR % 2 == 1 { print $1 }' "$tmp" | median)
	sc=$(awk 'NR % 2 == 1 { print $2 }' "$tmp" | median)
	cw=$(awk 'NR % 2 == 0 { print $1 }' "$tmp" | median)
	cc=$(awk 'NR % 2 == 0 { print $2 }' "$tmp" | median)
	awk -v d="$dir" -v sw="$sw" -v sc="$sc" -v cw="$cw" -v cc="$cc" 'BEGIN {
		printf "%-28s %9.2f %9.2f %9.2f %9.2f %7.2f %7.2f\n", d, sw, sc, cw, cc, cw / sw, cc / sc
	}'
done
