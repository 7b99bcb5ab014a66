#!/bin/sh
# scripts/bench-notify.sh BUILD - what the seccomp supervisor costs, in one
# run: socket()+close() and socket()+connect()+close() on loopback, confined
# as the tests confine (t-notify: Landlock, deny filters, notify filter,
# supervisor) against unconfined and against Landlock + deny filters alone;
# and the throughput of an established connection (no data-path call is
# notified: target within 2 %), plus a direct connection: sb's own
# socket, installed in place of the target's (ADDFD SETFD), so the kernel
# alone carries it. Each figure is the median of BENCH_REPEAT runs, the
# configurations interleaved run by run (a shared machine drifts); each run
# is itself the median of 15 rounds (t-nbench). Run as root, the measured
# processes drop to uid 65534 without capabilities, as in a pod.
# BENCH_CPU=N pins everything to CPU N: on a VM a wake-up across CPUs costs
# tens of microseconds and drowns what the supervisor itself adds.
# Not part of make check: timings are not assertions.
set -eu
B=$(cd "${1:-build}" && pwd)
H="$B/helpers"
N=${BENCH_CONNECTS:-6000}
MB=${BENCH_MB:-2000}
R=${BENCH_REPEAT:-7}
for h in t-notify t-nserve t-nbench; do
	[ -x "$H/$h" ] || { echo "bench-notify: $H/$h missing (make $H/$h)"; exit 1; }
done
. "${0%/*}/benchlib.sh"
[ -n "${BENCH_CPU:-}" ] && AS="taskset -c $BENCH_CPU $AS"
SRV=${BENCH_CPU:+taskset -c $BENCH_CPU}
P=$($SRV "$H/t-nserve" -P "$T/srv.pid" 127.0.0.1)
K=$($SRV "$H/t-nserve" -P "$T/sink.pid" --sink 127.0.0.1)
printf 'proxy 127.0.0.1:%s\n' "$P" >"$T/pol"
printf 'proxy 127.0.0.1:%s\n' "$K" >"$T/sinkpol"
printf 'proxy 127.0.0.1:%s\ndirect 127.0.0.1:%s\n' "$P" "$K" >"$T/direct"
chmod 644 "$T/pol" "$T/sinkpol" "$T/direct"
L="$H/t-notify --log /dev/null"
NB="$H/t-nbench"

# run NAME CMD...: one more figure for NAME
run() {
	name=$1; shift
	$AS "$@" >>"$T/$name" || { echo "bench-notify: $name failed"; exit 1; }
}
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
us() { echo "scale=1; $1 / 1000" | bc | sed 's/^\./0./;s/^-\./-0./'; }

i=0
while [ $i -lt "$R" ]; do
	run s0 "$NB" socket "$N"
	run s1 $L --policy "$T/pol" --mode none -- "$NB" socket "$N"
	run s2 $L --policy "$T/pol" -- "$NB" socket "$N"
	run c0 "$NB" connect 127.0.0.1 "$P" "$N"
	run c1 $L --policy "$T/pol" --mode none -- "$NB" connect 127.0.0.1 "$P" "$N"
	run c2 $L --policy "$T/pol" -- "$NB" connect 127.0.0.1 "$P" "$N"
	run t0 "$NB" stream 127.0.0.1 "$K" "$MB"
	run t2 $L --policy "$T/sinkpol" -- "$NB" stream 127.0.0.1 "$K" "$MB"
	run t3 $L --policy "$T/direct" -- "$NB" stream 127.0.0.1 "$K" "$MB"
	i=$((i + 1))
done
s0=$(med s0) s1=$(med s1) s2=$(med s2)
c0=$(med c0) c1=$(med c1) c2=$(med c2)
t0=$(med t0) t2=$(med t2) t3=$(med t3)

echo "seccomp supervisor (kernel $(uname -r); median of $R interleaved runs${BENCH_CPU:+, all on CPU $BENCH_CPU}${AS:+, uid 65534})"
printf '  %-38s %8s us\n' "socket()+close(), unconfined" "$(us "$s0")"
printf '  %-38s %8s us  x%s\n' "  Landlock + deny filters" "$(us "$s1")" "$(ratio "$s1" "$s0")"
printf '  %-38s %8s us  x%s  (+%s us: the hand-out)\n' "  + supervisor" "$(us "$s2")" \
	"$(ratio "$s2" "$s0")" "$(us $((s2 - s1)))"
printf '  %-38s %8s us\n' "socket()+connect()+close(), unconfined" "$(us "$c0")"
printf '  %-38s %8s us  x%s\n' "  Landlock + deny filters" "$(us "$c1")" "$(ratio "$c1" "$c0")"
printf '  %-38s %8s us  x%s  (+%s us; the connect: +%s us)\n' "  + supervisor" \
	"$(us "$c2")" "$(ratio "$c2" "$c0")" "$(us $((c2 - c1)))" \
	"$(us $((c2 - c1 - (s2 - s1))))"
printf '  %-38s %8s MB/s\n' "established stream, unconfined" "$t0"
printf '  %-38s %8s MB/s  x%s\n' "  confined (proxy path: kernel only)" "$t2" "$(ratio "$t2" "$t0")"
printf '  %-38s %8s MB/s  x%s\n' "  direct (sb's socket in place)" "$t3" "$(ratio "$t3" "$t0")"
