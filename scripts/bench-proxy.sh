#!/bin/sh
# scripts/bench-proxy.sh BUILD_DIR - sb-proxy beside direct loopback and
# tinyproxy, in one run: tunnel throughput, CONNECT handshake latency,
# handshakes per second, RSS idle and with 1000 open tunnels. Prints the
# ratios the issue sets as targets (throughput >= 90 % of direct; latency
# <= 1/4 of tinyproxy's; idle RSS <= 256 KiB; <= 1 KiB per tunnel).
# Environment: BENCH_BYTES (per throughput run, default 2 GiB), BENCH_RUNS
# (3), BENCH_LAT (handshakes timed, 2000), BENCH_SECS (rate test, 3),
# BENCH_CONC (rate clients, 4), BENCH_WIDE (rate clients, the 64 in
# flight row, 64), BENCH_HOLD (open tunnels, 1000).
set -eu
B=$(cd "${1:-build}" && pwd)
SB="$B/sb"
BYTES=${BENCH_BYTES:-2147483648}
RUNS=${BENCH_RUNS:-3}
LAT=${BENCH_LAT:-2000}
SECS=${BENCH_SECS:-3}
CONC=${BENCH_CONC:-4}
WIDE=${BENCH_WIDE:-64}
HOLD=${BENCH_HOLD:-1000}
[ -x "$SB" ] || { echo "bench-proxy: no $SB (run make)" >&2; exit 1; }
W=$(mktemp -d /tmp/sbbench.XXXXXX)
chmod 755 "$W"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT INT TERM

# ---- the load tool: an epoll sink/echo origin and the clients ----
cat >"$W/pxbench.c" <<'EOF'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (void *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("listen");
		exit(1);
	}
	return fd;
}

/* Connect to port, through the proxy on pport unless it is 0. */
static int dial(int port, int pport)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char req[128], resp[512];
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, n, got = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(pport ? pport : port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (void *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	if (!pport)
		return fd;
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%d HTTP/1.1\r\n"
		     "Host: 127.0.0.1:%d\r\n\r\n", port, port);
	if (write(fd, req, n) != n)
		goto bad;
	while (got < (int)sizeof(resp) - 1) {
		n = read(fd, resp + got, sizeof(resp) - 1 - got);
		if (n <= 0)
			goto bad;
		got += n;
		resp[got] = 0;
		if (strstr(resp, "\r\n\r\n"))
			break;
	}
	if (strncmp(resp, "HTTP/1.1 200", 12) && strncmp(resp, "HTTP/1.0 200", 12))
		goto bad;
	return fd;
bad:
	close(fd);
	return -1;
}

/* serve SINK ECHO: discard on one port, echo on the other. */
static int serve(int sp, int ep)
{
	static char buf[1 << 20];
	struct epoll_event ev, evs[256];
	int e = epoll_create1(0), ls = listen_on(sp), le = listen_on(ep);

	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)ls | 1ULL << 32;
	epoll_ctl(e, EPOLL_CTL_ADD, ls, &ev);
	ev.data.u64 = (uint64_t)le | 2ULL << 32;
	epoll_ctl(e, EPOLL_CTL_ADD, le, &ev);
	for (;;) {
		int n = epoll_wait(e, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int fd = (int)(uint32_t)evs[i].data.u64;
			int kind = (int)(evs[i].data.u64 >> 32);

			if (kind == 1 || kind == 2) {
				int c;

				while ((c = accept4(fd, NULL, NULL, 0)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.u64 = (uint64_t)c | (uint64_t)(kind + 2) << 32;
					epoll_ctl(e, EPOLL_CTL_ADD, c, &ev);
				}
				continue;
			}
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0) {
				close(fd);
				continue;
			}
			if (kind == 4) {
				for (ssize_t w = 0; w < r;) {
					ssize_t k = write(fd, buf + w, r - w);

					if (k <= 0)
						break;
					w += k;
				}
			}
		}
	}
}

/* thru PORT PPORT BYTES: send BYTES, wait for the sink to close. */
static int thru(int port, int pport, long long bytes)
{
	static char buf[1 << 20];
	long long sent = 0;
	double t0;
	int fd = dial(port, pport);

	if (fd < 0)
		return 1;
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	while (sent < bytes) {
		ssize_t w = write(fd, buf, bytes - sent < (long long)sizeof(buf) ?
				  (size_t)(bytes - sent) : sizeof(buf));

		if (w <= 0)
			return 1;
		sent += w;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	printf("%.3f\n", bytes * 8 / (now() - t0) / 1e9);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* lat PORT PPORT N: connect .. 200 (direct: connect), median and p99 us */
static int lat(int port, int pport, int n)
{
	double *t = calloc(n, sizeof(*t));

	for (int i = 0; i < n; i++) {
		double t0 = now();
		int fd = dial(port, pport);

		if (fd < 0)
			return 1;
		t[i] = (now() - t0) * 1e6;
		close(fd);
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%.1f %.1f\n", t[n / 2], t[n * 99 / 100]);
	return 0;
}

/* rate PORT PPORT SECS CONC: handshakes a second, CONC clients */
static int rate(int port, int pport, double secs, int conc)
{
	int p[2];
	long total = 0, k;

	if (pipe(p) < 0)
		return 1;
	for (int c = 0; c < conc; c++) {
		if (fork() == 0) {
			double end = now() + secs;
			long n = 0;

			while (now() < end) {
				int fd = dial(port, pport);

				if (fd >= 0) {
					close(fd);
					n++;
				}
			}
			if (write(p[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	while (read(p[0], &k, sizeof(k)) == sizeof(k))
		total += k;
	while (wait(NULL) > 0)
		;
	printf("%.0f\n", total / secs);
	return 0;
}

/* hold PORT PPORT N: N tunnels, each echoing a byte, then wait. */
static int hold(int port, int pport, int n)
{
	int *fd = calloc(n, sizeof(*fd));
	char c;

	for (int i = 0; i < n; i++) {
		fd[i] = dial(port, pport);
		if (fd[i] < 0 || write(fd[i], "x", 1) != 1 || read(fd[i], &c, 1) != 1) {
			printf("failed at %d\n", i);
			fflush(stdout);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && !strcmp(argv[1], "ports")) {
		for (int i = 0; i < atoi(argv[2]); i++) {
			struct sockaddr_in a = { .sin_family = AF_INET };
			socklen_t l = sizeof(a);
			int fd = socket(AF_INET, SOCK_STREAM, 0);

			a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			bind(fd, (void *)&a, sizeof(a));
			getsockname(fd, (void *)&a, &l);
			printf("%d ", ntohs(a.sin_port));
		}
		printf("\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]), atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "thru"))
		return thru(atoi(argv[2]), atoi(argv[3]), atoll(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "lat"))
		return lat(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "rate"))
		return rate(atoi(argv[2]), atoi(argv[3]), atof(argv[4]), atoi(argv[5]));
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: pxbench ports|serve|thru|lat|rate|hold ...\n");
	return 2;
}
EOF
cc -O2 -o "$W/pxbench" "$W/pxbench.c"
T="$W/pxbench"

waitport() {
	i=0
	while ! $T lat "$1" 0 1 >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "bench-proxy: port $1 never opened" >&2; exit 1; }
		sleep 0.05
	done
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

set -- $($T ports 5)
SINK=$1 ECHO=$2 SBP=$3 TPP=$4 SBU=$5
$T serve "$SINK" "$ECHO" & PIDS="$PIDS $!"
waitport "$SINK"
waitport "$ECHO"

"$SB" proxy --listen "127.0.0.1:$SBP" --allow "127.0.0.1:$SINK" \
	--allow "127.0.0.1:$ECHO" --max-conns 4096 --log "$W/sb.log" &
SBPID=$!
PIDS="$PIDS $SBPID"
sleep 0.2
SB_IDLE=$(rss $SBPID)
waitport "$SBP"

TINY=""
if command -v tinyproxy >/dev/null 2>&1; then
	{
		echo "Port $TPP"
		echo "Listen 127.0.0.1"
		echo "Timeout 600"
		echo "MaxClients 4096"
		echo "Allow 127.0.0.1"
		echo "ConnectPort $SINK"
		echo "ConnectPort $ECHO"
		echo "LogLevel Critical"
		echo "DisableViaHeader Yes"
		if [ "$(id -u)" = 0 ]; then echo "User nobody"; echo "Group nogroup"; fi
	} >"$W/tinyproxy.conf"
	tinyproxy -d -c "$W/tinyproxy.conf" >"$W/tiny.out" 2>&1 &
	TPID=$!
	PIDS="$PIDS $TPID"
	sleep 0.3
	if kill -0 $TPID 2>/dev/null; then
		TINY_IDLE=$(rss $TPID)
		waitport "$TPP"
		TINY=1
	else
		echo "bench-proxy: tinyproxy did not start:" >&2
		cat "$W/tiny.out" >&2
	fi
fi

best() {  # best of RUNS throughput runs, Gbit/s
	b=0
	for i in $(seq "$RUNS"); do
		v=$($T thru "$SINK" "$1" "$BYTES")
		b=$(echo "$v $b" | awk '{ print ($1 > $2) ? $1 : $2 }')
	done
	echo "$b"
}
held_rss() {  # RSS of $1 (KiB) with HOLD tunnels open through port $2
	$T hold "$ECHO" "$2" "$HOLD" >"$W/hold.out" &
	h=$!
	i=0
	while ! grep -q 'ready\|failed' "$W/hold.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 400 ] || break
		sleep 0.05
	done
	if grep -q ready "$W/hold.out"; then rss "$1"; else echo 0; fi
	kill $h 2>/dev/null || true
	wait $h 2>/dev/null || true
	sleep 0.5
}

echo "bench-proxy: $(nproc) CPUs, $(uname -r); $((BYTES >> 20)) MiB a throughput run, best of $RUNS"
D_THRU=$(best 0)
S_THRU=$(best "$SBP")
D_LAT=$($T lat "$ECHO" 0 "$LAT")
S_LAT=$($T lat "$ECHO" "$SBP" "$LAT")
D_RATE=$($T rate "$ECHO" 0 "$SECS" "$CONC")
S_RATE=$($T rate "$ECHO" "$SBP" "$SECS" "$CONC")
D_WIDE=$($T rate "$ECHO" 0 "$SECS" "$WIDE")
S_WIDE=$($T rate "$ECHO" "$SBP" "$SECS" "$WIDE")
S_HELD=$(held_rss $SBPID "$SBP")
if [ -n "$TINY" ]; then
	T_THRU=$(best "$TPP")
	T_LAT=$($T lat "$ECHO" "$TPP" "$LAT")
	T_RATE=$($T rate "$ECHO" "$TPP" "$SECS" "$CONC")
	T_WIDE=$($T rate "$ECHO" "$TPP" "$SECS" "$WIDE")
	T_HELD=$(held_rss $TPID "$TPP")
	# sb chained to tinyproxy (policy "upstream"): what sb adds to a
	# connection that an upstream proxy serves anyway.
	"$SB" proxy --listen "127.0.0.1:$SBU" --upstream "http://127.0.0.1:$TPP" \
		--allow "127.0.0.1:$ECHO" --max-conns 4096 --log "$W/sbu.log" &
	PIDS="$PIDS $!"
	waitport "$SBU"
	U_LAT=$($T lat "$ECHO" "$SBU" "$LAT")
	U_RATE=$($T rate "$ECHO" "$SBU" "$SECS" "$CONC")
else
	T_THRU=- T_LAT="- -" T_RATE=- T_WIDE=- T_HELD=- TINY_IDLE=-
fi

printf '\n%-34s %14s %14s %14s\n' "" direct sb-proxy tinyproxy
printf '%-34s %14s %14s %14s\n' "tunnel throughput (Gbit/s)" "$D_THRU" "$S_THRU" "$T_THRU"
printf '%-34s %14s %14s %14s\n' "handshake latency median (us)" "${D_LAT% *}" "${S_LAT% *}" "${T_LAT% *}"
printf '%-34s %14s %14s %14s\n' "handshake latency p99 (us)" "${D_LAT#* }" "${S_LAT#* }" "${T_LAT#* }"
printf '%-34s %14s %14s %14s\n' "handshakes/s ($CONC clients)" "$D_RATE" "$S_RATE" "$T_RATE"
printf '%-34s %14s %14s %14s\n' "handshakes/s ($WIDE in flight)" "$D_WIDE" "$S_WIDE" "$T_WIDE"
printf '%-34s %14s %14s %14s\n' "RSS idle (KiB)" - "$SB_IDLE" "$TINY_IDLE"
printf '%-34s %14s %14s %14s\n' "RSS with $HOLD tunnels (KiB)" - "$S_HELD" "$T_HELD"
if [ -n "$TINY" ]; then
	printf '%-34s %14s %14s %14s\n' "via upstream: latency median (us)" - "${U_LAT% *}" "(sb-proxy -> tinyproxy)"
	printf '%-34s %14s %14s %14s\n' "via upstream: latency p99 (us)" - "${U_LAT#* }" ""
	printf '%-34s %14s %14s %14s\n' "via upstream: handshakes/s" - "$U_RATE" ""
	awk -v u="${U_LAT% *}" -v t="${T_LAT% *}" 'BEGIN {
		printf "sb adds to an upstream'"'"'s connection: %.1f us (median)\n", u - t }'
fi
echo
awk -v d="$D_THRU" -v s="$S_THRU" -v sl="${S_LAT% *}" -v tl="${T_LAT% *}" \
    -v si="$SB_IDLE" -v sh="$S_HELD" -v n="$HOLD" -v sr="$S_RATE" -v tr="$T_RATE" \
    -v dl="${D_LAT% *}" -v sw="$S_WIDE" -v tw="$T_WIDE" -v w="$WIDE" \
    -v dw="$D_WIDE" 'BEGIN {
	r = s / d * 100
	printf "throughput sb-proxy/direct     %6.1f %%   (target >= 90 %%)  %s\n", r, r >= 90 ? "met" : "MISSED"
	printf "handshake sb-proxy/direct      %6.2f     (target <= 2.5)   %s\n", sl / dl, sl / dl <= 2.5 ? "met" : "MISSED"
	if (tl != "-") {
		q = sl / tl
		printf "latency sb-proxy/tinyproxy     %6.3f     (target <= 0.25)  %s\n", q, q <= 0.25 ? "met" : "MISSED"
		printf "handshakes/s sb-proxy/tinyproxy %5.1f x\n", sr / tr
		printf "handshakes/s, %d in flight, sb/tinyproxy %4.1f x (target >= 2)  %s\n", w, sw / tw, sw / tw >= 2 ? "met" : "MISSED"
		# No proxy beats the connections it relays: the client, the
		# server and the proxy share the cores of this machine.
		printf "  ceiling on this machine (direct/tinyproxy)  %4.1f x\n", dw / tw
	}
	printf "RSS idle                       %6d KiB (target <= 256)   %s\n", si, si <= 256 ? "met" : "MISSED"
	if (sh > 0) {
		pt = (sh - si) * 1024 / n
		printf "user memory per tunnel         %6d B   (target <= 1024)  %s\n", pt, pt <= 1024 ? "met" : "MISSED"
	}
}'
