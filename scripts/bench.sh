#!/bin/sh
# scripts/bench.sh BUILD - every benchmark, side by side with peers,
# reported as ratios. Not part of make check: timings are not assertions.
set -u
top=$(cd "${0%/*}/.." && pwd)
for b in "$top"/scripts/bench-*.sh; do
	[ -x "$b" ] || continue
	echo "== ${b##*/}"
	"$b" "${1:-build}" || echo "  (${b##*/} failed)"
done
