#!/usr/bin/env bash
# Times `phoneload publish` of an N-file bundle into an empty root next to
# `cp -r` + `sync` of the same bundle in the same run, with peak RSS, then
# the phases of one publish (TestPublishPhases: staging, prepare with its
# one sync, the mixed-state window from the first to the last rename into
# the root, finish).
# Usage: scripts/bench-publish.sh [N]   (default 50000)
# With OLD=path/to/an/older/phoneload binary, that binary publishes the same
# bundle too, in the same runs (before/after comparisons). With ZIP=1 the
# bundle is also packed as a zip, and each binary publishes that too, in
# the same runs, against the same `cp -r` + `sync` of the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50000}
work=$(mktemp -d "${BENCH_TMP:-/tmp}/bench-publish.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
pl=$work/phoneload
"$pl" key generate -o "$work/k" --unencrypted >/dev/null
export SOURCE_DATE_EPOCH=1700000000
scripts/bench-tree.sh "$n" "$work/t"
"$pl" pack --key "$work/k.key" -o "$work/b" "$work/t" >/dev/null
[ -n "${ZIP:-}" ] && "$pl" pack --key "$work/k.key" -o "$work/b.zip" "$work/t" >/dev/null
find "$work/b" -type f -print0 | xargs -0 cat >/dev/null
row() { # label, command… : prints label, wall time, peak RSS, user and system CPU
	local w m u s
	/usr/bin/time -o "$work/time" -f '%e %M %U %S' "${@:2}" >/dev/null 2>&1 || echo "($1 failed)"
	read -r w m u s < <(tail -1 "$work/time")
	printf '%-46s %8.2f s %8.1f MiB  user %6.2f s  sys %6.2f s\n' "$1" "$w" "$(echo "$m / 1024" | bc -l)" "$u" "$s"
}
for run in 1 2 3; do
	rm -rf "$work/r" "$work/.phoneload-r" "$work/c"
	mkdir "$work/r"
	sync
	row "cp -r + sync" sh -c "cp -r '$work/b' '$work/c' && sync"
	sync
	row "phoneload publish" "$pl" publish --pub "$work/k.pub" "$work/b" "$work/r"
	if [ -n "${OLD:-}" ]; then
		rm -rf "$work/r" "$work/.phoneload-r"
		mkdir "$work/r"
		sync
		row "phoneload publish ($OLD)" "$OLD" publish --pub "$work/k.pub" "$work/b" "$work/r"
	fi
	if [ -n "${ZIP:-}" ]; then
		for bin in "$pl" ${OLD:-}; do
			rm -rf "$work/r" "$work/.phoneload-r"
			mkdir "$work/r"
			sync
			label="phoneload publish zip"
			[ "$bin" = "$pl" ] || label="$label ($bin)"
			row "$label" "$bin" publish --pub "$work/k.pub" "$work/b.zip" "$work/r"
		done
	fi
	uptime
done
PHONELOAD_BENCH_BUNDLE=$work/b TMPDIR=$work go test -count=1 -run TestPublishPhases -v ./bundle/publish | grep 'bench_test'
