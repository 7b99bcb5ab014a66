#!/bin/sh
# scripts/bench-transparent.sh BUILD - what transparent mode costs a
# client that ignores proxies, in one run: N TLS handshakes with a local
# origin (Python's ssl, one fresh TCP connection each, closed after the
# handshake), unconfined and direct; inside sb-exec through the proxy as a
# client that honours HTTPS_PROXY does it (CONNECT, 200, then TLS); and
# inside sb-exec as a client that knows nothing of proxies (connect to the
# pinned address: the supervisor connects it to the proxy, which names
# the destination by the SNI). Median of BENCH_REPEAT runs, interleaved.
# Run as root, the measured processes are uid 65534 without capabilities.
# Not part of make check: timings are not assertions.
set -eu
B=$(cd "${1:-build}" && pwd)
top=$(cd "${0%/*}/.." && pwd)
N=${BENCH_HANDSHAKES:-300}
R=${BENCH_REPEAT:-5}
. "${0%/*}/benchlib.sh"
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=bench.test \
	-addext "subjectAltName=DNS:bench.test" >/dev/null 2>&1
chmod 644 "$T/key.pem" "$T/cert.pem"
python3 "$top/tests/origin.py" "$P" "$T/www" "$T/cert.pem" "$T/key.pem" 2>/dev/null &
echo $! >"$T/srv.pid"
for _ in $(seq 50); do curl -sk "https://127.0.0.1:$P/" >/dev/null 2>&1 && break; sleep 0.1; done
printf '127.0.0.1 bench.test\n' >"$T/hosts"
chmod 644 "$T/hosts"
# hs.py HOW: N handshakes, prints the median in microseconds.
cat >"$T/hs.py" <<PY
import socket, ssl, sys, time
how, n = sys.argv[1], int(sys.argv[2])
c = ssl.create_default_context(cafile="$T/cert.pem")
ts = []
for _ in range(n):
    t0 = time.perf_counter()
    if how == "connect":
        s = socket.create_connection(("127.0.0.1", 3128))
        s.sendall(b"CONNECT bench.test:$P HTTP/1.1\r\nHost: bench.test:$P\r\n\r\n")
        h = b""
        while not h.endswith(b"\r\n\r\n"):
            h += s.recv(1)
    else:
        s = socket.create_connection(("127.0.0.1", $P))
    t = c.wrap_socket(s, server_hostname="bench.test")
    ts.append(time.perf_counter() - t0)
    t.close()
ts.sort()
print(int(ts[len(ts) // 2] * 1e6))
PY
chmod 644 "$T/hs.py"
X="$B/sb exec --hosts $T/hosts --allow bench.test:$P --ro $T --"
for _ in $(seq "$R"); do
	$AS /usr/bin/python3 "$T/hs.py" direct "$N" >>"$T/plain"
	$AS $X /usr/bin/python3 "$T/hs.py" connect "$N" 2>/dev/null >>"$T/conn"
	$AS $X /usr/bin/python3 "$T/hs.py" transparent "$N" 2>/dev/null >>"$T/trans"
done
a=$(med plain) b=$(med conn) c=$(med trans)
ratio() { echo "scale=2; $1 / $a" | bc | sed 's/^\./0./'; }
echo "  TLS handshake (fresh TCP connection each), median of $R x $N:"
printf '    unconfined, direct               %8s us\n' "$a"
printf '    sb, explicit proxy (CONNECT)     %8s us   (x%s)\n' "$b" "$(ratio "$b")"
printf '    sb, transparent (by the SNI)     %8s us   (x%s)\n' "$c" "$(ratio "$c")"
[ "$(grep -c . "$T/trans")" -eq "$R" ] && [ "$(grep -c . "$T/conn")" -eq "$R" ] ||
	{ echo "bench-transparent: a sandboxed run failed"; exit 1; }
