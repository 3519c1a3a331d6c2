#!/usr/bin/env bash
# Boot storm and stalled clients: `phoneload serve` against tftpd-hpa,
# side by side in one run, over loopback.
#
#   storm:  PHONES phones (500), each from its own 127.1.x.y address,
#           fetching SIPDefault.cnf and a 700 KB image with 512-byte blocks
#           (no options, as a phone's loader), all at once; a phone times
#           out after PHONE_TIMEOUT (2s) per packet, 5 tries, and asks again
#           up to 5 times per file after a 1 s pause.
#   hostile: 50 phones while 400 requests from one address, 1,000 from as
#           many addresses (spoofed requests look like that) and 200 more a
#           second are never acknowledged.
#
# Prints served, p50, p99, max (time for a phone to get both files), wall
# time and the server's peak memory (phoneload: its peak RSS, VmHWM;
# tftpd-hpa: the peak, sampled every 50 ms or as often as the machine
# allows, of its processes' private memory plus its file-backed pages once). Needs root (in.tftpd --secure chroots).
# Usage: scripts/bench-storm.sh [PHONES]
set -euo pipefail
cd "$(dirname "$0")/.."
phones=${1:-500}
phone_timeout=${PHONE_TIMEOUT:-2s}
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
CGO_ENABLED=0 go build -trimpath -o "$tmp/phoneload" ./cmd/phoneload
go build -o "$tmp/storm" ./internal/tftp/tftpload/storm
mkdir -m 755 "$tmp/root"
echo "image_version: P0S3-8-12-00" >"$tmp/root/SIPDefault.cnf"
head -c 700000 /dev/urandom >"$tmp/root/P0S3-8-12-00.sb2"
chmod 644 "$tmp/root/"*
files=(SIPDefault.cnf P0S3-8-12-00.sb2)

# mem_tree PID PATTERN: memory in KB of the server PID and every process
# whose command line holds PATTERN (tftpd-hpa forks a child per request,
# which forks again): the sum of their private memory (RssAnon) plus the
# file-backed pages (binary, libc) once. Summing whole RSS would count the
# shared pages once per child.
mem_tree() {
	local files=("/proc/$1/status") p
	for p in $(pgrep -f -- "$2"); do [ "$p" = "$1" ] || files+=("/proc/$p/status"); done
	awk -v first="/proc/$1/status" '
		/^RssAnon:/ { s += $2 }
		/^RssFile:/ && FILENAME == first { s += $2 }
		END { print s + 0 }' "${files[@]}" 2>/dev/null
}

# run NAME START-FUNCTION STORM-ARGS…
run() {
	local name=$1 start=$2
	shift 2
	"$start"
	local srv=$spid peak
	: >"$tmp/samples"
	(
		while kill -0 "$srv" 2>/dev/null; do
			mem_tree "$srv" "$spattern" >>"$tmp/samples"
			sleep 0.05
		done
	) &
	local sampler=$!
	local out
	out=$("$tmp/storm" -server "$saddr" -timeout "$phone_timeout" "$@" "${files[@]}")
	if [[ $name == phoneload* ]]; then
		# One process: its own high-water mark beats sampling.
		peak=$(awk '/VmHWM/ {print $2}' "/proc/$srv/status")
	fi
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	if [[ $name != phoneload* ]]; then
		peak=$(sort -n "$tmp/samples" | tail -1)
	fi
	printf '%-16s %s  memory %d MB\n' "$name" "$out" $(((peak + 512) / 1024))
}

start_phoneload() {
	rm -f "$tmp/addr"
	"$tmp/phoneload" serve --listen 127.0.0.1:0 --addr-file "$tmp/addr" "$tmp/root" 2>/dev/null &
	spid=$!
	spattern="serve --listen 127.0.0.1:0 --addr-file $tmp/addr"
	pids+=("$spid")
	for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.05; done
	saddr=$(cat "$tmp/addr")
}

start_hpa() {
	local port=$(((RANDOM % 20000) + 30000))
	/usr/sbin/in.tftpd --foreground --address "127.0.0.1:$port" --secure --user root "$tmp/root" &
	spid=$!
	pids+=("$spid")
	saddr=127.0.0.1:$port
	spattern="in.tftpd --foreground --address $saddr"
	sleep 0.3
}

echo "boot storm: $phones phones, config + 700 KB image each"
run "phoneload serve" start_phoneload -phones "$phones"
run "tftpd-hpa" start_hpa -phones "$phones"
echo "hostile: 50 phones; 400 stalled requests from one address, 1000 from as many, 200/s more"
run "phoneload serve" start_phoneload -phones 50 -stall-one 400 -stall-many 1000 -stall-rate 200
run "tftpd-hpa" start_hpa -phones 50 -stall-one 400 -stall-many 1000 -stall-rate 200
