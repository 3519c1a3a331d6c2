#!/usr/bin/env bash
# Compares `phoneload verify` with `sha256sum -c SHA256SUMS` on the same
# bundle, side by side, in one run:
#   1. a TFTP root of 50,000 per-phone config files plus 100 MB of firmware;
#   2. a single 1 GiB file.
# Each tool runs once to warm the page cache, then RUNS times (default 3)
# under /usr/bin/time -v; the best wall time and the peak RSS are kept.
# Prints the ratio phoneload/sha256sum (target: <= 0.75, peak RSS < 200 MB).
#
# Usage: scripts/bench-verify.sh [RUNS [small|big|all]]
#   (needs ~1.3 GiB free in $TMPDIR)
set -euo pipefail
runs=${1:-3}
which=${2:-all}
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-verify.XXXXXX")
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$work/phoneload" ./cmd/phoneload
pl="$work/phoneload"
export SOURCE_DATE_EPOCH=1700000000
(cd "$work" && "$pl" key generate -o bench --unencrypted >/dev/null)

# measure LABEL DIR CMD…: best wall seconds and max RSS (KB) over $runs runs.
measure() {
	local label=$1 dir=$2; shift 2
	(cd "$dir" && "$@" >/dev/null 2>&1) || { echo "$label failed" >&2; (cd "$dir" && "$@" | tail -5) >&2; exit 1; }
	local best="" rss=0 i out wall kb
	for ((i = 0; i < runs; i++)); do
		(cd "$dir" && /usr/bin/time -v -o "$work/time.out" "$@" >/dev/null 2>&1)
		out=$(cat "$work/time.out")
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(j=1;j<=n;j++) s=s*60+a[j]; print s}' <<<"$out")
		kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' <<<"$out")
		if [[ -z $best ]] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$wall; fi
		((kb > rss)) && rss=$kb
	done
	printf '%-28s wall %6.2f s   peak RSS %7.1f MB\n' "$label" "$best" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" >&2
	echo "$best $rss"
}

compare() {
	local name=$1 bundle=$2
	echo "== $name" >&2
	read -r s_wall s_rss < <(measure "sha256sum -c SHA256SUMS" "$bundle" sha256sum -c --quiet SHA256SUMS)
	read -r p_wall p_rss < <(measure "phoneload verify" "$bundle" "$pl" verify --pub "$work/bench.pub" .)
	awk -v p="$p_wall" -v s="$s_wall" -v r="$p_rss" -v n="$name" 'BEGIN{
		printf "%s: ratio phoneload/sha256sum = %.2f (target <= 0.75), phoneload peak RSS %.1f MB (target < 200)\n", n, p/s, r/1024 }'
}

# 1. 50,000 small configs + 100 MB firmware.
if [[ $which != big ]]; then
src="$work/root"
mkdir -p "$src"
python3 - "$src" <<'PY'
import os, sys, random
root = sys.argv[1]
rnd = random.Random(1)
for i in range(50000):
    mac = "%012X" % (0x001122000000 + i)
    body = ("<device>\n<deviceProtocol>SIP</deviceProtocol>\n<loadInformation>SIP41.9-4-2SR3-1S</loadInformation>\n"
            "<line><featureLabel>%d</featureLabel><name>%d</name><authName>%d</authName></line>\n" % (1000 + i, 1000 + i, 1000 + i))
    body += "<!-- %s -->\n" % ("x" * rnd.randint(200, 1800))
    body += "</device>\n"
    with open(os.path.join(root, "SEP%s.cnf.xml" % mac), "w") as f:
        f.write(body)
for i in range(4):
    with open(os.path.join(root, "firmware-%d.bin" % i), "wb") as f:
        f.write(os.urandom(25 * 1024 * 1024))
PY
"$pl" pack --key "$work/bench.key" -o "$work/b1" "$src" >/dev/null 2>"$work/pack1.err" ||
	"$pl" pack --key "$work/bench.key" $(grep -o '\[[a-z0-9-]*\]$' "$work/pack1.err" | tr -d '[]' | sort -u | sed 's/^/--allow /') -o "$work/b1" "$src" >/dev/null
rm -rf "$src"
compare "50,000 configs + 100 MB firmware" "$work/b1"
rm -rf "$work/b1"
fi

# 2. One 1 GiB file.
if [[ $which != small ]]; then
mkdir -p "$work/big"
head -c 1073741824 /dev/urandom >"$work/big/firmware.bin"
"$pl" pack --key "$work/bench.key" -o "$work/b2" "$work/big" >/dev/null 2>"$work/pack2.err" ||
	"$pl" pack --key "$work/bench.key" $(grep -o '\[[a-z0-9-]*\]$' "$work/pack2.err" | tr -d '[]' | sort -u | sed 's/^/--allow /') -o "$work/b2" "$work/big" >/dev/null
rm -rf "$work/big"
compare "single 1 GiB file" "$work/b2"
fi

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3), $(sha256sum --version | head -1)"
