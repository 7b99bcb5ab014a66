#!/bin/sh
# scripts/bench-notify.sh BUILD - what the seccomp supervisor costs, in one
# run: socket()+close() and connect()+close() on loopback, confined (the
# launcher tests use: Landlock, deny filters, notify filter, supervisor)
# against unconfined and against Landlock + deny filters alone; and the
# throughput of an established connection (no data-path call is notified:
# target within 2 %), plus a direct connection through sb's relay. Each
# figure is the median of BENCH_REPEAT runs of t-nbench, itself the median
# of 15 rounds; ratios against unconfined. Run as root, the measured
# processes drop to uid 65534 without capabilities, as in a pod.
# BENCH_CPU=N pins everything to CPU N: on a VM, a wake-up across CPUs
# costs tens of microseconds and drowns what the supervisor itself adds.
# Not part of make check: timings are not assertions.
set -eu
B=$(cd "${1:-build}" && pwd)
H="$B/helpers"
N=${BENCH_CONNECTS:-6000}
MB=${BENCH_MB:-3000}
for h in t-notify t-nserve t-nbench; do
	[ -x "$H/$h" ] || { echo "bench-notify: $H/$h missing (make $H/$h)"; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/sbbench.XXXXXX")
chmod 755 "$T"
trap 'for f in "$T"/*.pid; do kill "$(cat "$f")" 2>/dev/null; done; rm -rf "$T"' EXIT
P=$("$H/t-nserve" -P "$T/srv.pid" 127.0.0.1)
K=$("$H/t-nserve" -P "$T/sink.pid" --sink 127.0.0.1)
printf 'proxy 127.0.0.1:%s\n' "$P" >"$T/pol"
chmod 644 "$T"/*
printf 'proxy 127.0.0.1:%s\n' "$K" >"$T/sinkpol"
printf 'proxy 127.0.0.1:%s\ndirect 127.0.0.1:%s\n' "$P" "$K" >"$T/direct"
R=${BENCH_REPEAT:-5}
AS=""
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
[ -n "${BENCH_CPU:-}" ] && AS="taskset -c $BENCH_CPU $AS"
L="$H/t-notify --log /dev/null"
# med CMD...: the median of R runs
med() {
	i=0
	while [ $i -lt "$R" ]; do
		$AS "$@" || exit 1
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

ratio() { echo "scale=2; $1 / $2" | bc; }
us() { echo "scale=1; $1 / 1000" | bc; }

echo "seccomp supervisor (kernel $(uname -r); $N connects, ${MB} MB streamed, median of $R${BENCH_CPU:+, CPU $BENCH_CPU}${AS:+, uid 65534})"
s0=$(med "$H/t-nbench" socket "$N")
s1=$(med $L --policy "$T/pol" --mode none -- "$H/t-nbench" socket "$N")
s2=$(med $L --policy "$T/pol" -- "$H/t-nbench" socket "$N")
printf '  %-40s %8s us\n' "socket()+close() unconfined" "$(us "$s0")"
printf '  %-40s %8s us  x%s\n' "  Landlock + deny filters" "$(us "$s1")" "$(ratio "$s1" "$s0")"
printf '  %-40s %8s us  x%s  (+%s us)\n' "  + supervisor (ADDFD hand-out)" "$(us "$s2")" \
	"$(ratio "$s2" "$s0")" "$(us $((s2 - s1)))"
c0=$(med "$H/t-nbench" connect 127.0.0.1 "$P" "$N")
c1=$(med $L --policy "$T/pol" --mode none -- "$H/t-nbench" connect 127.0.0.1 "$P" "$N")
c2=$(med $L --policy "$T/pol" -- "$H/t-nbench" connect 127.0.0.1 "$P" "$N")
printf '  %-40s %8s us\n' "socket+connect+close unconfined" "$(us "$c0")"
printf '  %-40s %8s us  x%s\n' "  Landlock + deny filters" "$(us "$c1")" "$(ratio "$c1" "$c0")"
printf '  %-40s %8s us  x%s  (+%s us, of which connect +%s us)\n' \
	"  + supervisor" "$(us "$c2")" "$(ratio "$c2" "$c0")" \
	"$(us $((c2 - c1)))" "$(us $((c2 - c1 - (s2 - s1))))"
t0=$(med "$H/t-nbench" stream 127.0.0.1 "$K" "$MB")
t2=$(med $L --policy "$T/sinkpol" -- "$H/t-nbench" stream 127.0.0.1 "$K" "$MB")
t3=$(med $L --policy "$T/direct" -- "$H/t-nbench" stream 127.0.0.1 "$K" "$MB")
printf '  %-40s %8s MB/s\n' "stream, established, unconfined" "$t0"
printf '  %-40s %8s MB/s  x%s\n' "  confined (proxy path: kernel only)" "$t2" "$(ratio "$t2" "$t0")"
printf '  %-40s %8s MB/s  x%s\n' "  direct, through sb's splice relay" "$t3" "$(ratio "$t3" "$t0")"
