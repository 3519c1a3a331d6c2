#!/usr/bin/env bash
# Times `phoneload check` on a TFTP root of 50,000 per-phone files plus a
# 7940/7960 SIP firmware drop (2 MiB images), with and without a fleet of
# those 50,000 phones, next to what standard tools take merely to read and
# hash the same files (sha256sum via find/xargs). Target: under 5 s.
# Usage: scripts/bench-check.sh [PHONES]   (default 50000)
set -euo pipefail
n=${1:-50000}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
go run ./internal/fixture/mkdrop -size 2M sip7940 "$work/root"
# Per-phone files, as the Go benchmark writes them: SIP<MAC>.cnf for even
# phones, SEP<MAC>.cnf.xml (naming the load) for odd ones.
awk -v n="$n" -v dir="$work/root" -v fleet="$work/fleet.csv" 'BEGIN {
	print "mac,model,running-load" > fleet
	for (i = 0; i < n; i++) {
		mac = sprintf("000D28%06X", i)
		if (i % 2 == 0) {
			f = dir "/SIP" mac ".cnf"
			printf "# phone %d\nline1_name: %d\nline1_authname: \"%d\"\nline1_password: \"lab-%d\"\nline1_displayname: \"Phone %d\"\n", i, 1000+i, 1000+i, i, i > f
		} else {
			f = dir "/SEP" mac ".cnf.xml"
			printf "<device>\n<deviceProtocol>SIP</deviceProtocol>\n<loadInformation>P0S3-8-12-00</loadInformation>\n<userLocale>English_United_States</userLocale>\n<description>Phone %d</description>\n</device>\n", i > f
		}
		close(f)
		print mac "," (i % 3 == 0 ? "7960" : "7940") ",P0S3-07-4-00" > fleet
	}
}'
echo "root: $(find "$work/root" -type f | wc -l) files, $(du -sh "$work/root" | cut -f1)"

t() { # label, command…
	local s e
	s=$(date +%s.%N)
	"${@:2}" >/dev/null
	e=$(date +%s.%N)
	printf '%-44s %6.2f s\n' "$1" "$(echo "$e - $s" | bc)"
}
# Warm the page cache once so every contender reads from memory.
find "$work/root" -type f -print0 | xargs -0 cat >/dev/null
for run in 1 2 3; do
	echo "run $run"
	t "find | xargs sha256sum (read + hash only)" sh -c "find '$work/root' -type f -print0 | xargs -0 sha256sum"
	t "phoneload check" "$work/phoneload" check "$work/root"
	t "phoneload check --fleet (50,000 phones)" "$work/phoneload" check --fleet "$work/fleet.csv" "$work/root"
	t "phoneload check --json --fleet" "$work/phoneload" check --json --fleet "$work/fleet.csv" "$work/root"
done
