#!/usr/bin/env bash
# Peak RSS (and wall time) of check, inspect and pack, old build against
# new, in one run on the same generated roots (scripts/bench-tree.sh: a SIP
# 7940 drop plus N per-phone files). Issue 16: per-file state.
# Usage: scripts/bench-mem.sh [OLD_REF] [N...]   (default: main 50000 200000)
# TREES=DIR reuses DIR/tN (made by bench-tree.sh) instead of writing them.
# PACK_MAX=N packs (to a zip) only roots of at most N files (default 50000).
set -euo pipefail
old=${1:-main}
shift || true
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(50000 200000); fi
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/old"
git archive "$old" | tar -x -C "$work/old"
(cd "$work/old" && CGO_ENABLED=0 go build -trimpath -o "$work/phoneload-old" ./cmd/phoneload)
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload-new" ./cmd/phoneload
"$work/phoneload-new" key generate -o "$work/k" --unencrypted >/dev/null
pack_max=${PACK_MAX:-50000}

run() { # label bin args…
	local label=$1 bin=$2
	shift 2
	set +e
	/usr/bin/time -v -o "$work/time" "$work/phoneload-$bin" "$@" >/dev/null 2>"$work/err"
	local rc=$?
	set -e
	local rss wall
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
	printf '| %s | %s | %s MiB | %s | %s |\n' "$label" "$bin" "$rss" "$wall" "$rc"
}

echo "old: $old ($(git rev-parse --short "$old")), new: working tree ($(git rev-parse --short HEAD))"
echo "| run | build | peak RSS | wall | exit |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
	tree=${TREES:+$TREES/t$n}
	if [ -z "$tree" ] || [ ! -d "$tree" ]; then
		tree="$work/t$n"
		scripts/bench-tree.sh "$n" "$tree" >/dev/null
	fi
	for b in old new; do
		run "check $n" "$b" check "$tree"
		run "inspect $n" "$b" inspect "$tree"
		if [ "$n" -le "$pack_max" ]; then
			rm -f "$work/b.zip"
			run "pack (zip) $n" "$b" pack --key "$work/k.key" -o "$work/b.zip" "$tree"
		fi
	done
done
