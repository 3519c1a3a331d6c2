#!/usr/bin/env bash
# Generates a TFTP root for the scale benchmarks: a 7940/7960 SIP firmware
# drop (2 MiB images, via internal/fixture/mkdrop) plus N per-phone files,
# SIP<MAC>.cnf for even phones and SEP<MAC>.cnf.xml (naming the load) for
# odd ones, as scripts/bench-check.sh writes them. Fast: one awk process.
# Usage: scripts/bench-tree.sh N DIR   (DIR must not exist)
set -euo pipefail
n=${1:?usage: bench-tree.sh N DIR}
dir=${2:?usage: bench-tree.sh N DIR}
# DIR as given, relative to where the script was called from, not to the
# repository it changes into (a relative DIR once landed in the work tree).
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
cd "$(dirname "$0")/.."
[ -e "$dir" ] && { echo "bench-tree.sh: $dir exists" >&2; exit 2; }
go run ./internal/fixture/mkdrop -size 2M sip7940 "$dir" >/dev/null
awk -v n="$n" -v dir="$dir" 'BEGIN {
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
	}
}'
