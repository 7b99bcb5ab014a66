#!/usr/bin/python3
# tests/dnsq.py HOW HOST PORT NAME [TYPE] - one DNS query sent the way HOW
# says, for tests/dns.test (Python 3 standard library only). Prints
# "rcode=N tc=T an=ADDR,... ar=N from=IP:PORT" for the first answer, or
# "timeout", or the errno name the kernel gave.
#   sendto     an unconnected UDP socket, sendto() and recvfrom()
#   connected  connect(), send(), recvfrom()
#   recvmsg    connect(), sendmsg() without a name, recvmsg()
#   pktinfo    sendmsg() to HOST:PORT with an IP_PKTINFO control message
#              naming another interface (the escape a real UDP socket has)
#   msgname    connect() to 127.0.0.9:53, then sendmsg() naming HOST:PORT
#   tcp        TCP, RFC 7766 framing
#   edns       sendto() with an OPT record (EDNS0, payload 4096)
#   opcode     sendto() with opcode 2 (STATUS)
#   class      sendto() with class CH
#   response   sendto() of a message with QR set (no answer expected)
#   garbage    sendto() of bytes that are no DNS message
import errno
import os
import socket
import struct
import sys

how, host, port, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
qtype = int(sys.argv[5]) if len(sys.argv) > 5 else 1
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
qid = int.from_bytes(os.urandom(2), "big")


def query(flags=0x0100, qclass=1, opt=False):
    q = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if opt else 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, qclass)
    if opt:
        q += b"\0" + struct.pack(">HHIH", 41, 4096, 0, 0)
    return q


def show(msg, peer):
    if len(msg) < 12:
        print("short")
        return
    rid, fl, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    i = 12
    for _ in range(qd):
        while msg[i]:
            i += 1 + msg[i]
        i += 5
    addrs = []
    for _ in range(an):
        if msg[i] & 0xc0 == 0xc0:
            i += 2
        else:
            while msg[i]:
                i += 1 + msg[i]
            i += 1
        t, c, ttl, rl = struct.unpack(">HHIH", msg[i:i + 10])
        i += 10
        d = msg[i:i + rl]
        i += rl
        if t == 1:
            addrs.append(socket.inet_ntop(socket.AF_INET, d))
        elif t == 28:
            addrs.append(socket.inet_ntop(socket.AF_INET6, d))
    src = "%s:%d" % (peer[0], peer[1]) if isinstance(peer, tuple) else repr(peer)
    print("rcode=%d tc=%d an=%s ar=%d id=%s from=%s" % (
        fl & 0xf, (fl >> 9) & 1, ",".join(addrs) or "-", ar,
        "ok" if rid == qid else "bad", src))


def main():
    dst = (host, port)
    try:
        if how == "tcp":
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(3)
            s.connect(dst)
            q = query()
            s.sendall(struct.pack(">H", len(q)) + q)
            h = s.recv(2)
            if len(h) < 2:
                print("closed")
                return
            n = struct.unpack(">H", h)[0]
            m = b""
            while len(m) < n:
                k = s.recv(n - len(m))
                if not k:
                    print("closed")
                    return
                m += k
            show(m, dst)
            return
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
        if how == "sendto":
            s.sendto(query(), dst)
        elif how == "connected":
            s.connect(dst)
            s.send(query())
        elif how == "recvmsg":
            s.connect(dst)
            s.sendmsg([query()])
            m, anc, fl, peer = s.recvmsg(4096)
            show(m, peer)
            return
        elif how == "pktinfo":
            idx = socket.if_nametoindex(sys.argv[6] if len(sys.argv) > 6
                                        else "eth0")
            cm = struct.pack("=I4s4s", idx, b"\0" * 4, b"\0" * 4)
            s.sendmsg([query()], [(socket.IPPROTO_IP, 8,  # IP_PKTINFO
                                   cm)], 0, dst)
        elif how == "msgname":
            s.connect(("127.0.0.9", 53))
            s.sendmsg([query()], [], 0, dst)
        elif how == "edns":
            s.sendto(query(opt=True), dst)
        elif how == "opcode":
            s.sendto(query(flags=0x1000), dst)
        elif how == "class":
            s.sendto(query(qclass=3), dst)
        elif how == "response":
            s.sendto(query(flags=0x8180), dst)
        elif how == "garbage":
            s.sendto(b"\xff" * 40, dst)
        else:
            sys.exit("dnsq: unknown HOW " + how)
        m, peer = s.recvfrom(4096)
        show(m, peer)
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))


main()
