#!/usr/bin/env bash
# Download speed of `phoneload serve` against tftpd-hpa, side by side, with
# curl as the client: one 34 MB file (past the 16-bit block limit) with
# 512-byte blocks (as a phone's loader) and with blksize 1428.
# Needs root (in.tftpd --secure chroots). Usage: scripts/bench-tftp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/phoneload" ./cmd/phoneload
mkdir -m 755 "$tmp/root"
head -c 34000000 /dev/urandom >"$tmp/root/big.sbn"
chmod 644 "$tmp/root/big.sbn"
want=$(sha256sum <"$tmp/root/big.sbn")

"$tmp/phoneload" serve --listen 127.0.0.1:0 --addr-file "$tmp/addr" "$tmp/root" 2>/dev/null &
port=$(( (RANDOM % 20000) + 30000 ))
/usr/sbin/in.tftpd --foreground --address "127.0.0.1:$port" --secure --user root "$tmp/root" &
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
sleep 0.3

run() { # name addr curl-options…
	local name=$1 addr=$2
	shift 2
	local t0 t1
	t0=$(date +%s.%N)
	curl -sS "$@" -o "$tmp/out" "tftp://$addr/big.sbn"
	t1=$(date +%s.%N)
	[ "$(sha256sum <"$tmp/out")" = "$want" ] || { echo "$name: corrupt download"; exit 1; }
	printf '%-16s %-22s %6.2f s  %6.1f MB/s\n' "$name" "${*:-blksize 512}" "$(echo "$t1 - $t0" | bc)" "$(echo "34 / ($t1 - $t0)" | bc -l)"
}
for opts in "--tftp-no-options" "--tftp-blksize 1428"; do
	# shellcheck disable=SC2086
	run "phoneload serve" "$(cat "$tmp/addr")" $opts
	# shellcheck disable=SC2086
	run "tftpd-hpa" "127.0.0.1:$port" $opts
done
