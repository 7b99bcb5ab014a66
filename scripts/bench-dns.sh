#!/bin/sh
# scripts/bench-dns.sh BUILD - what "dns on" costs a lookup, in one run: N
# lookups of one name (A), each as glibc makes it (a fresh UDP socket,
# IP_RECVERR, connect, send, poll, recvfrom with an address, close;
# t-dnsbench), unconfined against a local resolver on 127.0.0.1 (the same
# answer code, lib/dnsd.c, in t-dnsbench serve) and inside sb-exec, where
# sb's supervisor answers it from the pinned table (the socket is a
# stand-in: socket, setsockopt, connect and recvfrom are notified, send is
# not). Median of BENCH_REPEAT runs, interleaved. Run as root, the
# measured processes are uid 65534 without capabilities.
# Not part of make check: timings are not assertions.
set -eu
B=$(cd "${1:-build}" && pwd)
H="$B/helpers"
N=${BENCH_LOOKUPS:-2000}
R=${BENCH_REPEAT:-5}
[ -x "$H/t-dnsbench" ] || { echo "bench-dns: $H/t-dnsbench missing (make $H/t-dnsbench)"; exit 1; }
. "${0%/*}/benchlib.sh"
"$H/t-dnsbench" serve "$T/port" &
echo $! >"$T/srv.pid"
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
P=$(cat "$T/port")
printf '11.22.33.44 bench.test\n' >"$T/hosts"
chmod 644 "$T/hosts"
X="$B/sb exec --hosts $T/hosts --allow bench.test:443 --ro $H --"
for _ in $(seq "$R"); do
	$AS "$H/t-dnsbench" lookup 127.0.0.1 "$P" "$N" | awk '{ print $2 }' >>"$T/plain"
	$AS $X "$H/t-dnsbench" lookup 127.0.0.1 "$P" "$N" 2>/dev/null | awk '{ print $2 }' >>"$T/sb"
	$AS $X "$H/t-dnsbench" lookup 10.96.0.10 53 "$N" 2>/dev/null | awk '{ print $2 }' >>"$T/sb53"
done
a=$(med plain) b=$(med sb) c=$(med sb53)
echo "  DNS lookup (fresh UDP socket each), median of $R x $N:"
printf '    unconfined, local resolver      %8s us\n' "$a"
printf '    sb, answered from the pins      %8s us   (x%s)\n' "$b" "$(echo "scale=2; $b / $a" | bc | sed 's/^\./0./')"
printf '    sb, to a cluster DNS :53        %8s us   (x%s)\n' "$c" "$(echo "scale=2; $c / $a" | bc | sed 's/^\./0./')"
[ "$(grep -c . "$T/sb")" -eq "$R" ] || { echo "bench-dns: a sandboxed run failed"; exit 1; }
