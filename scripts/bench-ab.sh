#!/usr/bin/env bash
# A/B benchmark of two commits, interleaved so that machine noise hits both:
#   scripts/bench-ab.sh OLD NEW [ROUNDS] [BENCH-REGEXP]
# Checks both commits out in temporary worktrees, runs the package
# benchmarks of ./bundle/... ROUNDS times (default 6) alternating, and
# compares them with benchstat (go run golang.org/x/perf/cmd/benchstat).
set -euo pipefail
old=$1 new=$2 rounds=${3:-6}
bench=${4:-'^(BenchmarkOpen|BenchmarkWalk|BenchmarkCheck50k|BenchmarkVerifyDir|BenchmarkProbe|BenchmarkPublish)$'}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1; git worktree remove --force "$work/new" >/dev/null 2>&1; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/old" "$old"
git worktree add -q --detach "$work/new" "$new"
for i in $(seq "$rounds"); do
	for v in old new; do
		(cd "$work/$v" && go test -run '^$' -bench "$bench" -benchmem -count 1 ./bundle/... | grep '^Benchmark') >>"$work/$v.txt"
	done
	echo "bench-ab: round $i of $rounds done" >&2
done
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20250813145418-2e0f0a7c5ab8 "$work/old.txt" "$work/new.txt"
