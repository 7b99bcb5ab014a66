#!/usr/bin/python3
# tests/origin.py PORT DIR [CERT KEY] - a local origin: serves DIR over
# HTTP (or HTTPS with CERT and KEY) on 127.0.0.1:PORT. Stdlib only.
import http.server, ssl, sys, functools

port, root = int(sys.argv[1]), sys.argv[2]
H = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
H.log_message = lambda *a: None
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
