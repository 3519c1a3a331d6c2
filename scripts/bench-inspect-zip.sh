#!/usr/bin/env bash
# inspect of a real-size small drop: a generated 9 MB 79x1 zip (five signed
# images of 1.8 MB, the size of Cisco's cmterm-79x1 zips), `phoneload
# inspect --json` and `phoneload inspect` against `sha256sum` of the zip,
# interleaved (each round runs the three back to back, so machine noise hits
# all of them), wall time to the microsecond (bash's EPOCHREALTIME: runs
# take tens of milliseconds, below /usr/bin/time's resolution). Issue 16's
# goal: inspect within 1.3x sha256sum.
#
# At this size a run is mostly process start (the runtime, package
# initialisation, first touches of memory); docs/benchmarks.md, "inspect of
# a small zip", says where the time goes.
#
# Usage: scripts/bench-inspect-zip.sh [ROUNDS]   (default 40)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
go build -o "$work/mkdrop" ./internal/fixture/mkdrop
"$work/mkdrop" -size 1800K sip79x1 "$work/cmterm-79x1.zip"
zip=$work/cmterm-79x1.zip
cat "$zip" >/dev/null # warm the page cache

# timed LABEL CMD...: one run, its wall time in microseconds appended to
# $work/LABEL.
timed() {
	local t0=${EPOCHREALTIME/./} t1
	"${@:2}" >/dev/null
	t1=${EPOCHREALTIME/./}
	echo $((t1 - t0)) >>"$work/$1"
}
for ((r = 0; r < rounds; r++)); do
	timed sha256sum sha256sum "$zip"
	timed json "$work/phoneload" inspect --json "$zip"
	timed text "$work/phoneload" inspect "$zip"
done
median() { sort -n "$work/$1" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
least() { sort -n "$work/$1" | head -1; }
base=$(median sha256sum)
printf '%s, %s cores, load %s, %d rounds, zip %d bytes\n' "$(date -u +%FT%TZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds" "$(stat -c %s "$zip")"
printf '%-26s %12s %10s %8s\n' tool 'median (ms)' 'min (ms)' ratio
status=0
for l in sha256sum json text; do
	m=$(median $l)
	name=$l
	[[ $l == json ]] && name='phoneload inspect --json'
	[[ $l == text ]] && name='phoneload inspect'
	printf '%-26s %12.1f %10.1f %8.2f\n' "$name" "$(echo "$m/1000" | bc -l)" "$(echo "$(least $l)/1000" | bc -l)" "$(echo "$m/$base" | bc -l)"
	if [[ $l != sha256sum ]] && ! awk "BEGIN{exit !($m <= 1.3 * $base)}"; then
		echo "bench-inspect-zip: $name slower than 1.3x sha256sum" >&2
		status=1
	fi
done
exit $status
