#!/usr/bin/env bash
# Streaming benchmark of `phoneload inspect` against sha256sum over the same
# bytes, side by side in one run: peak RSS and wall time of each, from
# /usr/bin/time -v. Targets (docs/benchmarks.md, ## inspect): peak RSS under
# 100 MB, wall time at most 1.3x sha256sum's.
#
# Usage: scripts/bench-inspect.sh [SIZE_MB] [ROUNDS]   (default 200 MB, 3 rounds)
# The drop is a generated 7940 SIP drop (internal/fixture) whose three images
# make up SIZE_MB; the page cache is warmed first, rounds alternate the two
# tools, and the best round of each is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
rounds=${2:-3}
command -v /usr/bin/time >/dev/null || { echo "bench-inspect: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
go build -o "$work/mkdrop" ./internal/fixture/mkdrop
"$work/mkdrop" -size $((mb * 1024 * 1024 / 3)) sip7940 "$work/drop"
bytes=$(cat "$work"/drop/* | wc -c)
cat "$work"/drop/* >/dev/null # warm the page cache for both tools

# measure NAME CMD...: runs CMD under /usr/bin/time -v, prints "secs kib".
measure() {
	/usr/bin/time -v -o "$work/time" "$@" >/dev/null
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
		/Maximum resident set size/ { m = $2 }
		END { printf "%.3f %d\n", s, m }' "$work/time"
}

best_sha=; best_ins=; rss_sha=0; rss_ins=0
for ((r = 1; r <= rounds; r++)); do
	read -r s m < <(measure sha256sum "$work"/drop/*)
	[[ -z $best_sha ]] || awk "BEGIN{exit !($s < $best_sha)}" && best_sha=$s
	((m > rss_sha)) && rss_sha=$m
	read -r s m < <(measure "$work/phoneload" inspect --json "$work/drop")
	[[ -z $best_ins ]] || awk "BEGIN{exit !($s < $best_ins)}" && best_ins=$s
	((m > rss_ins)) && rss_ins=$m
done

ratio=$(awk "BEGIN{ if ($best_sha > 0) printf \"%.2f\", $best_ins / $best_sha; else print \"n/a\" }")
printf 'drop: %d bytes in %s files (%s MB requested), %d rounds, %s cores\n' "$bytes" "$(ls "$work/drop" | wc -l)" "$mb" "$rounds" "$(nproc)"
printf '%-28s %10s %14s\n' tool 'wall (s)' 'peak RSS (MB)'
printf '%-28s %10s %14.1f\n' 'sha256sum' "$best_sha" "$(awk "BEGIN{print $rss_sha/1024}")"
printf '%-28s %10s %14.1f\n' 'phoneload inspect --json' "$best_ins" "$(awk "BEGIN{print $rss_ins/1024}")"
printf 'ratio inspect/sha256sum: %s (target <= 1.30); peak RSS target < 100 MB\n' "$ratio"
status=0
awk "BEGIN{exit !($best_ins <= 1.3 * $best_sha)}" || { echo "bench-inspect: slower than 1.3x sha256sum" >&2; status=1; }
((rss_ins < 100 * 1024)) || { echo "bench-inspect: peak RSS over 100 MB" >&2; status=1; }
exit $status
