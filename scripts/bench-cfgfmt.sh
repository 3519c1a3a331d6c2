#!/usr/bin/env bash
# Compares the two ways to build a fleet of 7912 profiles:
#   1. one `phoneload compile` over all N profiles (parallel, one process);
#   2. N runs of the single-file `cfgfmt` binary, one process a profile, the
#      way provisioning systems call Cisco's cfgfmt today.
# Both write atomically (temporary file + rename); the single-file binary
# also fsyncs each output, the batch makes all outputs durable with one
# syncfs. The outputs of both are compared byte for byte.
#
# Usage: scripts/bench-cfgfmt.sh [N] [RUNS]   (defaults 10000 profiles, 5 batch runs)
#        BENCH_TMP=/dev/shm scripts/bench-cfgfmt.sh   (work on tmpfs: no disk in the way)
# Results go to stdout; paste them into docs/benchmarks.md (## cfgfmt).
set -euo pipefail
n=${1:-10000}
runs=${2:-5}
cd "$(dirname "$0")/.."
work=$(mktemp -d -p "${BENCH_TMP:-${TMPDIR:-/tmp}}")
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -trimpath -o "$work/bin/" ./cmd/phoneload ./cmd/cfgfmt
go run ./internal/cfgfmtcli/fleetgen "$work/fleet" "$n"
cd "$work/fleet"
files=(gk*.txt)

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

echo "cfgfmt fleet benchmark: $n generated 7912 profiles (~60 parameters each)"
echo "machine: $(nproc) cores, $(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files on: $(stat -f -c %T "$work") ($work)"
echo

# 1. Batch, several runs, each into a fresh directory. Wall time, and CPU
# time (user + system), which a busy shared machine disturbs less.
times=()
cpus=()
TIMEFORMAT='%R %U %S'
for r in $(seq 1 "$runs"); do
	mkdir -p "$work/batch$r"
	t=$({ time "$work/bin/phoneload" compile --table ptag.dat -o "$work/batch$r" "${files[@]}" 2>/dev/null; } 2>&1)
	read -r real user sys <<<"$t"
	times+=("$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 }')")
	cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')")
done
mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
mapfile -t csorted < <(printf '%s\n' "${cpus[@]}" | sort -n)
best=${sorted[0]}
median=${sorted[$((runs / 2))]}
echo "phoneload compile (batch):   wall ${times[*]} ms; best ${best} ms, median ${median} ms"
echo "                             cpu  ${cpus[*]} ms (user+sys); median ${csorted[$((runs / 2))]} ms"

# 2. One process a profile.
mkdir -p "$work/single"
t0=$(now)
for f in "${files[@]}"; do
	"$work/bin/cfgfmt" -tptag.dat "$f" "$work/single/${f%.txt}"
done
t1=$(now)
single=$(ms "$t0" "$t1")
echo "cfgfmt, one run a profile:   ${single} ms"

# Same bytes either way.
diff -r "$work/batch1" "$work/single" >/dev/null && echo "outputs identical: yes" || { echo "outputs identical: NO"; exit 1; }
echo "ratio (single runs / batch median): $(awk -v a="$single" -v b="$median" 'BEGIN { printf "%.1fx", a / (b ? b : 1) }')"
echo "ratio (single runs / batch best):   $(awk -v a="$single" -v b="$best" 'BEGIN { printf "%.1fx", a / (b ? b : 1) }')"

# 3. The library alone (no file system): the Go benchmark.
cd - >/dev/null
go test -run '^$' -bench 'CompileFleet' -benchtime 5x ./internal/cfgfmtcli | grep -E '^Benchmark'
