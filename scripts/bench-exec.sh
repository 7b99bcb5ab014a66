#!/bin/sh
# scripts/bench-exec.sh BUILD - sb-exec's start-up overhead: the same
# command (a static /bin/true-like binary) bare, under sb-exec, and under
# tini and bwrap when installed, in one run. Prints median and p10-p90 in
# microseconds, and the overhead over bare fork+exec+wait.
set -eu
B=$(cd "${1:-build}" && pwd)
N=${BENCH_RUNS:-300}
tb="$B/helpers/t-bench"
cmd=/bin/true
base=$("$tb" "$N" "$cmd")
bm=${base%% *}
row() {
	name=$1; shift
	r=$("$tb" "$N" "$@") || { echo "  $name: failed"; return 0; }
	set -- $r
	printf '  %-34s median %6d us  (p10 %d, p90 %d)  +%d us  x%s\n' "$name" "$1" "$2" "$3" \
		$(($1 - bm)) "$(echo "scale=2; $1 / $bm" | bc)"
}
echo "sb-exec start-up ($N runs each, command: $cmd)"
printf '  %-34s median %6d us  (p10 %s, p90 %s)\n' "bare fork+exec+wait" $base
# --log /dev/null: the events (a root run warns once per start) go nowhere.
row "sb --list (the static binary alone)" "$B/sb" --list
# The default policy lets nothing leave: no helpers (one process).
row "sb exec (default: no helpers)" "$B/sb" exec -- "$cmd"
# A destination allowed: proxy and supervisor. A port of its own, so that
# a proxy on 3128 does not stop the row.
A="--proxy 127.0.0.1:${BENCH_PROXY_PORT:-23129} --allow 127.0.0.1:9"
row "sb exec (full stack)" "$B/sb" exec $A --log /dev/null -- "$cmd"
row "sb exec --no-proxy" "$B/sb" exec $A --no-proxy --log /dev/null -- "$cmd"
row "sb exec --user 65534 (full stack)" "$B/sb" exec $A --user 65534 --log /dev/null -- "$cmd"
command -v tini-static >/dev/null && row "tini-static" tini-static -s -- "$cmd"
command -v tini >/dev/null && row "tini" tini -s -- "$cmd"
command -v bwrap >/dev/null && row "bwrap --ro-bind / /" bwrap --ro-bind / / "$cmd"
exit 0
