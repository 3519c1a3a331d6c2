#!/usr/bin/env bash
# Download speed of `phoneload serve` against tftpd-hpa, side by side in one
# run, with curl as the client: one 34 MB file (past the 16-bit block
# limit) with 512-byte blocks (no options, as a phone's loader) and with
# blksize 1468 (the most a 1500-byte Ethernet MTU carries). ROUNDS rounds
# (default 5), the servers taking turns; prints every run, the median and
# the best (on a shared machine the best run is the least disturbed one).
# Needs root (in.tftpd --secure chroots). Usage: scripts/bench-tftp.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$tmp/phoneload" ./cmd/phoneload
mkdir -m 755 "$tmp/root"
head -c 34000000 /dev/urandom >"$tmp/root/big.sbn"
chmod 644 "$tmp/root/big.sbn"
want=$(sha256sum <"$tmp/root/big.sbn")

"$tmp/phoneload" serve --listen 127.0.0.1:0 --addr-file "$tmp/addr" "$tmp/root" 2>/dev/null &
port=$(( (RANDOM % 20000) + 30000 ))
/usr/sbin/in.tftpd --foreground --address "127.0.0.1:$port" --secure --user root "$tmp/root" &
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
sleep 0.3

# run NAME ADDR LABEL CURL-OPTIONS…: one download, its seconds to $tmp/times.
run() {
	local name=$1 addr=$2 label=$3
	shift 3
	local t0 t1
	t0=$(date +%s.%N)
	curl -sS "$@" -o "$tmp/out" "tftp://$addr/big.sbn"
	t1=$(date +%s.%N)
	[ "$(sha256sum <"$tmp/out")" = "$want" ] || { echo "$name: corrupt download"; exit 1; }
	echo "$t1 - $t0" | bc >>"$tmp/times.$name.$label"
	printf '%-16s %-12s %6.2f s  %6.1f MB/s\n' "$name" "$label" "$(echo "$t1 - $t0" | bc)" "$(echo "34 / ($t1 - $t0)" | bc -l)"
}
for r in $(seq "$rounds"); do
	for bs in 512 1468; do
		opts=(--tftp-blksize "$bs")
		[ "$bs" = 512 ] && opts=(--tftp-no-options)
		if ((r % 2)); then
			run phoneload "$(cat "$tmp/addr")" "blksize-$bs" "${opts[@]}"
			run tftpd-hpa "127.0.0.1:$port" "blksize-$bs" "${opts[@]}"
		else
			run tftpd-hpa "127.0.0.1:$port" "blksize-$bs" "${opts[@]}"
			run phoneload "$(cat "$tmp/addr")" "blksize-$bs" "${opts[@]}"
		fi
	done
done
echo "median and best of $rounds:"
for bs in 512 1468; do
	for name in phoneload tftpd-hpa; do
		f="$tmp/times.$name.blksize-$bs"
		m=$(sort -n "$f" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
		b=$(sort -n "$f" | head -1)
		printf '%-16s blksize %-5s median %6.2f s %6.1f MB/s   best %6.2f s %6.1f MB/s\n' "$name" "$bs" "$m" "$(echo "34 / $m" | bc -l)" "$b" "$(echo "34 / $b" | bc -l)"
	done
done
