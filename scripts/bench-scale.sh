#!/usr/bin/env bash
# Issue 16's curve: time and peak RSS (/usr/bin/time -v) of check, inspect,
# pack (to a directory and to a zip) and verify (of both) on roots of N
# per-phone files
# (scripts/bench-tree.sh), next to the by-hand tool in the same run, plus
# the physical limits of the machine measured first. With OLD=REF the
# build of REF runs too (only for N <= OLD_MAX, default 200000).
# Usage: scripts/bench-scale.sh N...   (e.g. 1000 10000 50000 200000 1000000)
# TREES=DIR reuses DIR/tN; WORK=DIR (default a temp dir on the same disk
# as TREES, or /tmp) holds the bundles, removed at the end. OUT=FILE also
# writes each row as tab-separated values (n, run, wall, RSS, load) and
# prints one table per command after the rows: the new build against its
# by-hand tool, ratio of wall times (scripts/bench-tables.awk).
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bench-scale.sh N..." >&2; exit 2; }
cd "$(dirname "$0")/.."
work=$(mktemp -d "${WORK:-${TREES:-/tmp}}/bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/pl-new" ./cmd/phoneload
bins=(new)
if [ -n "${OLD:-}" ]; then
	mkdir "$work/old"
	git archive "$OLD" | tar -x -C "$work/old"
	(cd "$work/old" && CGO_ENABLED=0 go build -trimpath -o "$work/pl-old" ./cmd/phoneload)
	bins=(old new)
fi
old_max=${OLD_MAX:-200000}
"$work/pl-new" key generate -o "$work/k" --unencrypted >/dev/null

# Physical limits, this run: SHA-256 on one and on both cores (coreutils),
# 512 MiB written + sync, 512 MiB read back from the page cache.
head -c 256M /dev/urandom >"$work/blob"
cat "$work/blob" >/dev/null
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
one=$(t sha256sum "$work/blob")
both=$(t bash -c "sha256sum '$work/blob' >/dev/null & sha256sum '$work/blob' >/dev/null & wait")
wr=$(t bash -c "head -c 512M /dev/zero >'$work/w' && sync")
rd=$(t bash -c "cat '$work/w' >/dev/null")
rm -f "$work/blob" "$work/w"
echo "limits: sha256sum 256 MiB one core ${one} s; 2x256 MiB on two cores ${both} s; write 512 MiB + sync ${wr} s; read 512 MiB (cache) ${rd} s; load $(cut -d' ' -f1-3 /proc/loadavg)"

run() { # label cmd… ; prints "wall s, RSS MiB"
	local label=$1
	shift
	/usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>"$work/err" || true
	local rss wall
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time")
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; printf "%.2f", s}' "$work/time")
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	printf '| %s | %s s | %s MiB | %s |\n' "$label" "$wall" "$rss" "$load"
	if [ -n "${OUT:-}" ]; then printf '%s\t%s\t%s\t%s\t%s\n' "$n" "${label#"$n "}" "$wall" "$rss" "$load" >>"$OUT"; fi
}
if [ -n "${OUT:-}" ]; then : >"$OUT"; fi

echo "| run | wall | peak RSS | load |"
echo "|---|---|---|---|"
for n in "$@"; do
	tree=${TREES:+$TREES/t$n}
	if [ -z "$tree" ] || [ ! -d "$tree" ]; then
		tree="$work/t$n"
		scripts/bench-tree.sh "$n" "$tree" >/dev/null
	fi
	find "$tree" -type f -print0 | xargs -0 cat >/dev/null # page cache
	run "$n find + xargs sha256sum" bash -c "find '$tree' -type f -print0 | xargs -0 sha256sum"
	rm -rf "$work/cp"
	run "$n cp -r + sha256sum + minisign + sync" bash -c "cp -r '$tree' '$work/cp' && cd '$work/cp' && find . -type f -printf '%P\0' | sort -z | xargs -0 sha256sum >SHA256SUMS && minisign -S -s '$work/k.key' -m SHA256SUMS </dev/null >/dev/null 2>&1; sync"
	rm -rf "$work/cp"
	rm -f "$work/by-hand.zip"
	run "$n zip -X -r + sha256sum + minisign" bash -c "cd '$tree' && find . -type f -printf '%P\0' | sort -z | xargs -0 sha256sum >'$work/SUMS' && minisign -S -s '$work/k.key' -m '$work/SUMS' </dev/null >/dev/null 2>&1 && zip -X -r -q '$work/by-hand.zip' . && cd '$work' && zip -X -q by-hand.zip SUMS SUMS.minisig"
	rm -f "$work/by-hand.zip" "$work/SUMS" "$work/SUMS.minisig"
	for b in "${bins[@]}"; do
		if [ "$b" = old ] && [ "$n" -gt "$old_max" ]; then continue; fi
		pl="$work/pl-$b"
		run "$n check ($b)" "$pl" check "$tree"
		run "$n inspect ($b)" "$pl" inspect "$tree"
		run "$n inspect --json ($b)" "$pl" inspect --json "$tree"
		rm -rf "$work/b"
		run "$n pack ($b)" "$pl" pack --key "$work/k.key" -o "$work/b" "$tree"
		run "$n verify ($b)" "$pl" verify --pub "$work/k.pub" "$work/b"
		rm -f "$work/b.zip"
		run "$n pack --zip ($b)" "$pl" pack --key "$work/k.key" -o "$work/b.zip" "$tree"
		run "$n verify --zip ($b)" "$pl" verify --pub "$work/k.pub" "$work/b.zip"
		if [ "$b" = new ]; then
			rm -rf "$work/unz"
			run "$n unzip + sha256sum -c" bash -c "unzip -q '$work/b.zip' -d '$work/unz' && cd '$work/unz' && sha256sum -c --quiet SHA256SUMS"
			rm -rf "$work/unz"
		fi
		rm -f "$work/b.zip"
	done
	run "$n sha256sum -c" bash -c "cd '$work/b' && sha256sum -c --quiet SHA256SUMS"
	rm -rf "$work/b"
done
if [ -n "${OUT:-}" ]; then awk -f scripts/bench-tables.awk "$OUT"; fi
