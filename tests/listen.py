#!/usr/bin/python3
# tests/listen.py KIND ADDR LOG [IP] - a listener outside the sandbox that
# records what reaches it: one line "conn" per accepted connection, then
# whatever bytes arrived. KIND: tcp (ADDR = port, or "0" to pick one; the
# port is printed), abstract (ADDR = name). Runs until killed.
import os, socket, sys, threading

kind, addr, log = sys.argv[1], sys.argv[2], sys.argv[3]
if kind == "tcp":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.setsockopt(socket.IPPROTO_TCP, 23, 16)  # TCP_FASTOPEN server side
    except OSError:
        pass
    s.bind((sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1", int(addr)))
    print(s.getsockname()[1], flush=True)
elif kind == "tcp6any":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", int(addr)))
    print(s.getsockname()[1], flush=True)
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + addr)
    print(addr, flush=True)
s.listen(512)

def serve(c):
    with open(log, "a") as f:
        f.write("conn\n")
    c.settimeout(2)
    try:
        data = c.recv(65536)
        if data:
            with open(log, "a") as f:
                f.write("data %d\n" % len(data))
            c.sendall(data)
    except OSError:
        pass
    c.close()

while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
