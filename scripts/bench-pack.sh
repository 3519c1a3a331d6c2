#!/usr/bin/env bash
# Times `phoneload pack` (directory and zip) and `check` on roots of N
# per-phone files plus a SIP firmware drop (scripts/bench-tree.sh), next to
# the by-hand pipelines in the same run, with peak RSS from /usr/bin/time,
# and the machine's physical limits measured in the same run:
#   by hand, directory: cp -r + sha256sum of every file + minisign -S + sync
#   by hand, zip:       zip -X -r + sha256sum + minisign -S + sync
#   check:              find | xargs sha256sum
# Usage: scripts/bench-pack.sh [N...]   (default 1000 10000 50000 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1000 10000 50000 200000}
work=$(mktemp -d "${BENCH_TMP:-/tmp}/bench-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
pl=$work/phoneload
"$pl" key generate -o "$work/k" --unencrypted >/dev/null
export SOURCE_DATE_EPOCH=1700000000

row() { # label, command… : prints label, wall time, peak RSS
	local o
	/usr/bin/time -o "$work/time" -f '%e %M' "${@:2}" >/dev/null 2>&1 || echo "($1 failed)"
	o=$(tail -1 "$work/time")
	printf '%-46s %8.2f s %8.1f MiB\n' "$1" "${o% *}" "$(echo "${o#* } / 1024" | bc -l)"
}

echo "== physical limits (this run)"
head -c 512M /dev/urandom >"$work/rand"
sync
row "sha256sum 512 MiB (1 core)" sha256sum "$work/rand"
row "2 x sha256sum 256 MiB (2 cores)" sh -c "head -c 256M '$work/rand' | sha256sum & tail -c 256M '$work/rand' | sha256sum & wait"
row "disk write 512 MiB + sync" sh -c "cp '$work/rand' '$work/rand2' && sync"
row "read 512 MiB (page cache)" cat "$work/rand"
rm -f "$work/rand" "$work/rand2"

for n in $sizes; do
	t=$work/t$n
	scripts/bench-tree.sh "$n" "$t"
	find "$t" -type f -print0 | xargs -0 cat >/dev/null # warm the cache for every contender
	sync
	echo "== $n per-phone files ($(du -sh "$t" | cut -f1))"
	row "find | xargs sha256sum" sh -c "find '$t' -type f -print0 | xargs -0 sha256sum >'$work/sums'"
	row "phoneload check" sh -c "'$pl' check '$t' || [ \$? -le 2 ]"
	row "by hand: cp -r + sha256sum + minisign + sync" sh -c "cp -r '$t' '$work/hand' && (cd '$work/hand' && find . -type f -print0 | xargs -0 sha256sum >SHA256SUMS) && minisign -S -s '$work/k.key' -m '$work/hand/SHA256SUMS' </dev/null && sync"
	row "phoneload pack DIR" "$pl" pack --key "$work/k.key" -o "$work/b$n" "$t"
	row "by hand: zip -X -r + sums + minisign + sync" sh -c "(cd '$t' && zip -q -X -r '$work/hand.zip' . ) && sha256sum '$work/hand.zip' >/dev/null && minisign -S -s '$work/k.key' -m '$work/hand.zip' </dev/null && sync"
	row "phoneload pack ZIP" "$pl" pack --key "$work/k.key" -o "$work/b$n.zip" "$t"
	row "sha256sum -c (bundle)" sh -c "cd '$work/b$n' && sha256sum --quiet -c SHA256SUMS"
	row "phoneload verify DIR" "$pl" verify --pub "$work/k.pub" "$work/b$n"
	row "phoneload inspect" "$pl" inspect "$t"
	rm -rf "$t" "$work/hand" "$work/hand.zip" "$work/b$n" "$work/b$n.zip" "$work/b$n.zip.minisig"
done
