#!/usr/bin/env bash
# Issue 16 scale benchmark: phoneload against the by-hand tools, interleaved
# in the same run (each round runs every contender back to back, so machine
# noise hits both), ROUNDS rounds, medians, peak RSS, load average, and the
# machine's physical limits measured in the same run.
#   pack ZIP:  zip -X -r (level 6) + sha256sum + minisign -S + sync
#   pack DIR:  cp -r + sha256sum of every file + minisign -S + sync
#   publish:   cp -r + sync of the bundle directory (into an empty root)
#   inspect:   sha256sum over the same drop (9 MB 79x1 zip, 200 MB 7940 dir)
# Usage: scripts/bench-speed.sh [ROUNDS] [N...]   (default 3 rounds, 10000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
sizes=${*:-10000 50000}
work=$(mktemp -d "${BENCH_TMP:-/tmp}/bench-speed.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
go build -o "$work/mkdrop" ./internal/fixture/mkdrop
pl=$work/phoneload
"$pl" key generate -o "$work/k" --unencrypted >/dev/null
export SOURCE_DATE_EPOCH=1700000000

# run LABEL CMD...: one timed run; appends "wall rss_kib" to $work/LABEL.
run() {
	/usr/bin/time -o "$work/time" -f '%e %M' "${@:2}" >/dev/null 2>&1 || echo "($1 failed)" >&2
	tail -1 "$work/time" >>"$work/$1"
}
# report LABEL [BASE]: median wall and RSS of LABEL, ratio to BASE's median.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
report() {
	local w r b
	w=$(cut -d' ' -f1 "$work/$1" | median)
	r=$(cut -d' ' -f2 "$work/$1" | median)
	if [ -n "${2:-}" ]; then
		b=$(cut -d' ' -f1 "$work/$2" | median)
		printf '%-34s median %7.2f s  RSS %6.1f MiB  ratio %.2f  (runs: %s)\n' "$1" "$w" "$(echo "$r/1024" | bc -l)" "$(echo "$w/$b" | bc -l)" "$(cut -d' ' -f1 "$work/$1" | tr '\n' ' ')"
	else
		printf '%-34s median %7.2f s  RSS %6.1f MiB             (runs: %s)\n' "$1" "$w" "$(echo "$r/1024" | bc -l)" "$(cut -d' ' -f1 "$work/$1" | tr '\n' ' ')"
	fi
}

echo "== $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== physical limits (this run)"
head -c 512M /dev/urandom >"$work/rand"
sync
run lim-sha1 sha256sum "$work/rand"
run lim-sha2 sh -c "head -c 256M '$work/rand' | sha256sum & tail -c 256M '$work/rand' | sha256sum & wait"
run lim-write dd if="$work/rand" of="$work/rand2" bs=1M conv=fdatasync
run lim-read dd if="$work/rand" of=/dev/null bs=1M
for l in lim-sha1 lim-sha2 lim-write lim-read; do
	w=$(cut -d' ' -f1 "$work/$l")
	printf '%-34s %7.2f s  %6.0f MiB/s\n' "$l" "$w" "$(echo "512/$w" | bc -l)"
done
rm -f "$work/rand" "$work/rand2"

for n in $sizes; do
	t=$work/t$n
	scripts/bench-tree.sh "$n" "$t"
	"$pl" pack --key "$work/k.key" -o "$work/pb$n" "$t" >/dev/null # the bundle publish reads
	find "$t" "$work/pb$n" -type f -print0 | xargs -0 cat >/dev/null
	sync
	echo "== $n per-phone files + 7940 SIP drop ($(du -sh "$t" | cut -f1)), $rounds rounds"
	for r in $(seq "$rounds"); do
		rm -rf "$work/hand" "$work/hand.zip"* "$work/b.zip"* "$work/b" "$work/c" "$work/root" "$work/.phoneload-root"
		sync
		run "zip-hand-$n" sh -c "(cd '$t' && zip -q -X -r '$work/hand.zip' .) && sha256sum '$work/hand.zip' >/dev/null && minisign -S -s '$work/k.key' -m '$work/hand.zip' </dev/null >/dev/null && sync"
		run "zip-pack-$n" "$pl" pack --key "$work/k.key" -o "$work/b.zip" "$t"
		run "dir-hand-$n" sh -c "cp -r '$t' '$work/hand' && (cd '$work/hand' && find . -type f -print0 | xargs -0 sha256sum >SHA256SUMS) && minisign -S -s '$work/k.key' -m '$work/hand/SHA256SUMS' </dev/null >/dev/null && sync"
		run "dir-pack-$n" "$pl" pack --key "$work/k.key" -o "$work/b" "$t"
		sync
		run "publish-hand-$n" sh -c "cp -r '$work/pb$n' '$work/c' && sync"
		mkdir "$work/root"
		sync
		run "publish-$n" "$pl" publish --pub "$work/k.pub" "$work/pb$n" "$work/root"
		echo "round $r of $rounds, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	done
	report "zip-hand-$n"
	report "zip-pack-$n" "zip-hand-$n"
	report "dir-hand-$n"
	report "dir-pack-$n" "dir-hand-$n"
	report "publish-hand-$n"
	report "publish-$n" "publish-hand-$n"
	rm -rf "$t" "$work/pb$n" "$work/hand" "$work/hand.zip"* "$work/b.zip"* "$work/b" "$work/c" "$work/root" "$work/.phoneload-root"
done

echo "== inspect, $((rounds * 3)) rounds"
"$work/mkdrop" -size 1800K sip79x1 "$work/d79.zip" >/dev/null
"$work/mkdrop" -size $((200 * 1024 * 1024 / 3)) sip7940 "$work/d200" >/dev/null
cat "$work/d79.zip" "$work"/d200/* >/dev/null
for r in $(seq $((rounds * 3))); do
	run sha-79x1 sha256sum "$work/d79.zip"
	run inspect-79x1 "$pl" inspect --json "$work/d79.zip"
	run sha-200M sh -c "sha256sum '$work'/d200/*"
	run inspect-200M "$pl" inspect --json "$work/d200"
done
report sha-79x1
report inspect-79x1 sha-79x1
report sha-200M
report inspect-200M sha-200M
echo "== done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
