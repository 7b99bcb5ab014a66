#!/usr/bin/python3
# tests/fakedns.py PORT PORTFILE LOGFILE - a hostile DNS server for
# tests/pin.test. Listens on 127.0.0.1, UDP and TCP, on PORT (0: a free port
# for both), writes the port to PORTFILE once listening, and logs each query
# as "udp|tcp NAME TYPE" to LOGFILE. Python 3 standard library only.
#
# The first label of the query name, up to a '-', chooses the behaviour, so
# every test can use fresh names (change-1.test, change-2.test, ...):
#   a         A 1.2.3.4, AAAA 2606:4700::1
#   change    A 1.2.3.N, N counting every query: proves sb-pin asks once
#   nx        NXDOMAIN              fail      SERVFAIL
#   refused   REFUSED               nodata    NOERROR, no record
#   silent    no answer at all (timeout)
#   tc        UDP: truncated (TC=1), nothing else; TCP: A 5.6.7.8
#   badid     the answer, with the wrong id
#   badq      the answer, echoing another question name
#   badtype   the answer, echoing another question type
#   loop      the answer's owner is a compression pointer to itself
#   fwd       the answer's owner is a compression pointer forward
#   counts    ANCOUNT says 50, one record follows
#   rdlen     an A record whose RDLENGTH runs past the end
#   cname     NAME CNAME c1.cdn.test CNAME c2.cdn.test A 9.9.9.9, plus an
#             A record for evil.test (6.6.6.6) that must be ignored
#   cnameloop NAME CNAME x.loop.test CNAME NAME
#   internal  A 10.0.0.1 and 127.0.0.1, AAAA ::1
#   mixed     A 10.0.0.1 and 1.2.3.5
#   linklocal A 169.254.169.254, AAAA fe80::1 (a name never names these)
#   metamix   A 169.254.169.254 and 1.2.3.5, AAAA ff02::1
#   many      20 A records 1.0.0.1 ... 1.0.0.20
#   slow      drops the first query of each name and type (a retry works)
#   spoof     a wrong-id answer first, then the right one
#   flaky     SERVFAIL to the first two queries of each name and type, then
#             A 1.2.3.8: a second lookup would succeed
#   other     NXDOMAIN
import os
import socket
import struct
import sys
import threading

A, AAAA, CNAME = 1, 28, 5
MODES = {"a", "change", "nx", "fail", "refused", "nodata", "silent", "tc",
         "badid", "badq", "badtype", "loop", "fwd", "counts", "rdlen",
         "cname", "cnameloop", "internal", "mixed", "many", "slow", "spoof",
         "flaky", "linklocal", "metamix"}
lock = threading.Lock()
state = {"count": 0, "seen": {}}


def qparse(msg):
    """(id, flags, name, qtype, question bytes) of a query, or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", msg[:6])
    if qd != 1:
        return None
    i, labels = 12, []
    while i < len(msg) and msg[i]:
        n = msg[i]
        if n > 63:
            return None
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    if i + 5 > len(msg):
        return None
    qtype = struct.unpack(">H", msg[i + 1:i + 3])[0]
    return qid, flags, ".".join(labels), qtype, msg[12:i + 5]


def wname(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata):
    return owner + struct.pack(">HHIH", rtype, 1, 60, len(rdata)) + rdata


def a(ip):
    return socket.inet_aton(ip)


def aaaa(ip):
    return socket.inet_pton(socket.AF_INET6, ip)


def message(qid, rcode, question, answers, tc=False, ancount=None):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    n = len(answers) if ancount is None else ancount
    return struct.pack(">HHHHHH", qid, flags, 1, n, 0, 0) + question + \
        b"".join(answers)


def answer(msg, proto):
    """The replies (a list of messages) to one query."""
    q = qparse(msg)
    if not q:
        return []
    qid, _, name, qtype, question = q
    lname = name.lower()
    mode = lname.split(".")[0].split("-")[0]
    with lock:
        state["count"] += 1
        count = state["count"]
        seen = state["seen"].get((lname, qtype), 0)
        state["seen"][(lname, qtype)] = seen + 1
        with open(LOG, "a") as f:
            f.write("%s %s %s\n" % (proto, lname,
                                    {A: "A", AAAA: "AAAA"}.get(qtype, qtype)))
    P = b"\xc0\x0c"   # the question's name
    ok = lambda ans: [message(qid, 0, question, ans)]

    def addrs(v4, v6=()):
        if qtype == A:
            return ok([rr(P, A, a(ip)) for ip in v4])
        if qtype == AAAA:
            return ok([rr(P, AAAA, aaaa(ip)) for ip in v6])
        return ok([])

    if mode == "a":
        return addrs(["1.2.3.4"], ["2606:4700::1"])
    if mode == "change":
        return addrs(["1.2.3.%d" % (count % 250 + 1)])
    if mode == "nx" or mode not in MODES:
        return [message(qid, 3, question, [])]
    if mode == "fail":
        return [message(qid, 2, question, [])]
    if mode == "refused":
        return [message(qid, 5, question, [])]
    if mode == "nodata":
        return ok([])
    if mode == "silent":
        return []
    if mode == "tc":
        if proto == "udp":
            return [message(qid, 0, question, [], tc=True)]
        return addrs(["5.6.7.8"])
    if mode == "badid":
        return [message((qid + 1) & 0xffff, 0, question,
                        [rr(P, A, a("1.2.3.4"))])]
    if mode == "badq":
        other = wname("other.test") + question[-4:]
        return [message(qid, 0, other, [rr(b"\xc0\x0c", A, a("1.2.3.4"))])]
    if mode == "badtype":
        other = question[:-4] + struct.pack(">HH", 16, 1)
        return [message(qid, 0, other, [rr(P, A, a("1.2.3.4"))])]
    if mode == "loop":
        at = 12 + len(question)
        return ok([rr(struct.pack(">H", 0xc000 | at), A, a("1.2.3.4"))])
    if mode == "fwd":
        at = 12 + len(question) + 2 + 10 + 4
        return ok([rr(struct.pack(">H", 0xc000 | at), A, a("1.2.3.4")),
                   rr(P, A, a("1.2.3.4"))])
    if mode == "counts":
        return [message(qid, 0, question, [rr(P, A, a("1.2.3.4"))],
                        ancount=50)]
    if mode == "rdlen":
        return ok([P + struct.pack(">HHIH", A, 1, 60, 200) + a("1.2.3.4")])
    if mode == "cname":
        recs = [rr(P, CNAME, wname("c1.cdn.test")),
                rr(wname("evil.test"), A, a("6.6.6.6")),
                rr(wname("c1.cdn.test"), CNAME, wname("c2.cdn.test"))]
        if qtype == A:
            recs.append(rr(wname("c2.cdn.test"), A, a("9.9.9.9")))
        return ok(recs)
    if mode == "cnameloop":
        return ok([rr(P, CNAME, wname("x.loop.test")),
                   rr(wname("x.loop.test"), CNAME, wname(lname))])
    if mode == "internal":
        return addrs(["10.0.0.1", "127.0.0.1"], ["::1"])
    if mode == "mixed":
        return addrs(["10.0.0.1", "1.2.3.5"])
    if mode == "linklocal":
        return addrs(["169.254.169.254"], ["fe80::1"])
    if mode == "metamix":
        return addrs(["169.254.169.254", "1.2.3.5"], ["ff02::1"])
    if mode == "many":
        return addrs(["1.0.0.%d" % i for i in range(1, 21)])
    if mode == "slow":
        return [] if seen == 0 else addrs(["1.2.3.6"])
    if mode == "flaky":
        if seen < 2:
            return [message(qid, 2, question, [])]
        return addrs(["1.2.3.8"])
    if mode == "spoof":
        good = addrs(["1.2.3.7"])
        bad = [message((qid + 7) & 0xffff, 0, question,
                       [rr(P, A, a("6.6.6.6"))])]
        return bad + good
    return []


def serve_udp(u):
    while True:
        msg, peer = u.recvfrom(4096)
        for r in answer(msg, "udp"):
            u.sendto(r, peer)


def recv_all(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def serve_tcp_conn(c):
    with c:
        c.settimeout(5)
        try:
            h = recv_all(c, 2)
            if not h:
                return
            msg = recv_all(c, struct.unpack(">H", h)[0])
            if msg is None:
                return
            for r in answer(msg, "tcp"):
                c.sendall(struct.pack(">H", len(r)) + r)
        except OSError:
            pass


def serve_tcp(t):
    while True:
        c, _ = t.accept()
        threading.Thread(target=serve_tcp_conn, args=(c,), daemon=True).start()


def listen(port):
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", port))
        p = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(("127.0.0.1", p))
        except OSError:
            u.close()
            t.close()
            if port:
                raise
            continue
        t.listen(64)
        return u, t, p
    raise SystemExit("fakedns: no free port")


if __name__ == "__main__":
    port, portfile, LOG = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    u, t, p = listen(port)
    threading.Thread(target=serve_tcp, args=(t,), daemon=True).start()
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % p)
    os.rename(portfile + ".tmp", portfile)
    serve_udp(u)
