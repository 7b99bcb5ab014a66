# tests/reuse.py HP PP - inside the sandbox: a transparent connection
# from local port X, then connections to the proxy itself, closed at
# once, until the kernel hands out X again; on that one an origin-form
# request. The proxy must take it for the explicit client it is (400: not
# a proxy request), not for the transparent one that used the port
# before (whose record it claimed). Prints the status line's code, or
# "no reuse" if the port did not come back in time.
import socket, sys, time
hp, pp = int(sys.argv[1]), int(sys.argv[2])
req = b"GET / HTTP/1.1\r\nHost: origin.test\r\n\r\n"

def status(s):
    s.settimeout(10)
    b = b""
    while b"\r\n" not in b:
        x = s.recv(4096)
        if not x:
            break
        b += x
    return b.split(b" ")[1].decode() if b" " in b else "closed"

s = socket.create_connection(("127.0.0.1", hp))
s.sendall(req)
print("transparent", status(s))
x = s.getsockname()[1]
s.close()
t0 = time.time()
while time.time() - t0 < 20:
    c = socket.create_connection(("127.0.0.1", pp))
    if c.getsockname()[1] == x:
        c.sendall(req)
        print("reused", status(c))
        break
    c.close()
else:
    print("no reuse")
