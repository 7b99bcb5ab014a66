/* tests/unit/http_test.c - request heads, forwarding heads, response heads,
 * chunked framing, ClientHello SNI, transparent mode's origin-form
 * requests */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

static int fails;
#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fails++;                                               \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,     \
				#c);                                           \
		}                                                              \
	} while (0)

static struct http_req req;

/* Parse a request given without its final CRLF CRLF. */
static int parse(const char *s)
{
	static char head[HTTP_HEAD_MAX + 16];
	struct http_scan sc = {0, 0};
	size_t n = strlen(s);
	int r;

	if (n + 4 > sizeof(head))
		return -100;
	memcpy(head, s, n);
	memcpy(head + n, "\r\n\r\n", 4);
	r = http_scan(&sc, head, n + 4);
	if (r <= 0)
		return r == 0 ? -101 : r;
	return http_parse_request(head, (size_t)r, &req);
}

static int connect_ok(const char *auth, const char *host, int port)
{
	char line[600];

	snprintf(line, sizeof(line), "CONNECT %s HTTP/1.1\r\nHost: %s", auth,
		 auth);
	if (parse(line) != 0)
		return 0;
	return req.kind == HTTP_CONNECT && !strcmp(req.host, host) &&
	       req.port == port;
}

static int connect_bad(const char *auth)
{
	char line[600];

	snprintf(line, sizeof(line), "CONNECT %s HTTP/1.1", auth);
	return parse(line) == -EINVAL;
}

static void test_scan(void)
{
	struct http_scan s = {0, 0};
	const char *h = "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n";
	char big[HTTP_HEAD_MAX + 2];
	int r = 0;

	/* One byte at a time, as a slow client sends it. */
	for (size_t i = 0; h[i]; i++) {
		r = http_scan(&s, h + i, 1);
		if (h[i + 1])
			CHECK(r == 0);
	}
	CHECK(r == (int)strlen(h));
	memset(&s, 0, sizeof(s));
	CHECK(http_scan(&s, "GET / HTTP/1.1\n\n", 16) == -EINVAL);
	memset(&s, 0, sizeof(s));
	CHECK(http_scan(&s, "GET / HTTP/1.1\r\r", 16) == -EINVAL);
	memset(&s, 0, sizeof(s));
	CHECK(http_scan(&s, "GET \0/ HTTP/1.1\r\n\r\n", 19) == -EINVAL);
	memset(&s, 0, sizeof(s));
	memset(big, 'a', sizeof(big));
	CHECK(http_scan(&s, big, HTTP_HEAD_MAX) == 0);
	CHECK(http_scan(&s, big, 1) == -EMSGSIZE);
	/* Exactly HTTP_HEAD_MAX is still a head. */
	memset(&s, 0, sizeof(s));
	memcpy(big + HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	CHECK(http_scan(&s, big, HTTP_HEAD_MAX) == HTTP_HEAD_MAX);
}

static void test_connect(void)
{
	CHECK(connect_ok("example.com:443", "example.com", 443));
	CHECK(connect_ok("EXAMPLE.Com:443", "example.com", 443));
	CHECK(connect_ok("1.2.3.4:443", "1.2.3.4", 443));
	CHECK(req.is_ip && req.ip.family == 4);
	CHECK(connect_ok("[2001:db8::1]:443", "2001:db8::1", 443));
	CHECK(req.is_ip && req.ip.family == 6);
	CHECK(connect_ok("[::ffff:127.0.0.1]:8443", "127.0.0.1", 8443));
	CHECK(req.is_ip && req.ip.family == 4);
	CHECK(connect_ok("a-b.c_d.example:1", "a-b.c_d.example", 1));
	CHECK(connect_ok("x.y:65535", "x.y", 65535));
	CHECK(connect_ok("localhost:80", "localhost", 80));

	CHECK(connect_bad("127.1:443"));
	CHECK(connect_bad("0x7f.1:443"));
	CHECK(connect_bad("0x7f000001:443"));
	CHECK(connect_bad("2130706433:443"));
	CHECK(connect_bad("017.0.0.1:443"));
	CHECK(connect_bad("127.0.0.1.:443"));
	CHECK(connect_bad("example.com.:443"));
	CHECK(connect_bad("user@example.com:443"));
	CHECK(connect_bad("user:pw@example.com:443"));
	CHECK(connect_bad("[fe80::1%25eth0]:443"));
	CHECK(connect_bad("[fe80::1%eth0]:443"));
	CHECK(connect_bad("example.com:0443"));
	CHECK(connect_bad("example.com:+443"));
	CHECK(connect_bad("example.com:66979"));
	CHECK(connect_bad("example.com:65536"));
	CHECK(connect_bad("example.com:0"));
	CHECK(connect_bad("example.com:"));
	CHECK(connect_bad("example.com"));
	CHECK(connect_bad(":443"));
	CHECK(connect_bad("[1.2.3.4]:443"));
	CHECK(connect_bad("[::1]"));
	CHECK(connect_bad("[::1]443"));
	CHECK(connect_bad("::1:443"));
	CHECK(connect_bad("exa%6dple.com:443"));
	CHECK(connect_bad("-a.com:443"));
	CHECK(connect_bad("a..com:443"));
	CHECK(connect_bad("example.123:443"));
	CHECK(connect_bad("http://example.com:443"));

	/* Request line shape. */
	CHECK(parse("CONNECT  a.b:443 HTTP/1.1") == -EINVAL);
	CHECK(parse("CONNECT a.b:443  HTTP/1.1") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1 ") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/2.0") == -ENOTSUP);
	CHECK(parse("CONNECT a.b:443 HTTP/1.2") == -ENOTSUP);
	CHECK(parse("CONNECT a.b:443 http/1.1") == -EINVAL);
	CHECK(parse("connect a.b:443 HTTP/1.1") == -EINVAL);
	CHECK(parse("CONNECT a.b:443") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.0") == 0);
	CHECK(req.minor == 0);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nContent-Length: 5") ==
	      -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nContent-Length: 0") == 0);
	CHECK(parse("\r\nCONNECT a.b:443 HTTP/1.1") == -EINVAL);
	CHECK(parse("GET / HTTP/1.1\r\nHost: a") == -ENOTSUP);
	CHECK(parse("GET https://a/ HTTP/1.1\r\nHost: a") == -ENOTSUP);
	CHECK(parse("GET ftp://a/ HTTP/1.1") == -EINVAL);
	CHECK(parse("G(T http://a/ HTTP/1.1") == -EINVAL);
}

static void test_fields(void)
{
	char many[HTTP_HEAD_MAX];
	size_t n;

	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX: 1\r\n Y") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX : 1") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\n: 1") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX: a\001b") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX: a\x7f") == -EINVAL);
	CHECK(parse("CONNECT a.b:443 HTTP/1.1\r\nX: \xc3\xa9\t") == 0);
	CHECK(req.nfields == 1 && req.f[0].value.len == 2);
	n = (size_t)snprintf(many, sizeof(many), "CONNECT a.b:443 HTTP/1.1");
	for (int i = 0; i < HTTP_FIELDS_MAX; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\nX: %d",
				      i);
	CHECK(parse(many) == 0);
	n += (size_t)snprintf(many + n, sizeof(many) - n, "\r\nY: z");
	CHECK(parse(many) == -EMSGSIZE);
}

static void test_forward(void)
{
	char out[HTTP_HEAD_MAX + 64];
	static char head[HTTP_HEAD_MAX];
	int n;

#define FWD(s)                                                                 \
	(snprintf(head, sizeof(head), "%s\r\n\r\n", s),                        \
	 parse(s) == 0 ? http_forward_head(head, &req, out, sizeof(out))       \
		       : -999)

	n = FWD(
	    "GET http://Example.COM/a/b?c=d HTTP/1.1\r\nHost: example.com\r\n"
	    "Connection: keep-alive, X-Gone\r\nKeep-Alive: 5\r\n"
	    "Proxy-Authorization: x\r\nProxy-Connection: y\r\nTE: trailers\r\n"
	    "Trailer: z\r\nUpgrade: h2c\r\nX-Gone: 1\r\nAccept: */*");
	CHECK(n > 0);
	out[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(out, "GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\n"
			   "Accept: */*\r\nConnection: close\r\n\r\n"));
	CHECK(req.kind == HTTP_FORWARD && req.port == 80 &&
	      !strcmp(req.host, "example.com") && req.body == BODY_NONE);

	n = FWD("GET http://a.b:8080 HTTP/1.0");
	CHECK(n > 0);
	out[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(out, "GET / HTTP/1.0\r\nHost: a.b:8080\r\n"
			   "Connection: close\r\n\r\n"));
	n = FWD("GET http://[::1]:81?q HTTP/1.0");
	out[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(out, "GET /?q HTTP/1.0\r\nHost: [::1]:81\r\n"
			   "Connection: close\r\n\r\n"));

	/* Host must agree with the URI, once. */
	CHECK(parse("GET http://a.b/ HTTP/1.1\r\nHost: a.b:80") == 0);
	CHECK(parse("GET http://a.b:80/ HTTP/1.1\r\nHost: A.B") == 0);
	CHECK(parse("GET http://a.b/ HTTP/1.1\r\nHost: c.d") == -EINVAL);
	CHECK(parse("GET http://a.b/ HTTP/1.1\r\nHost: a.b:81") == -EINVAL);
	CHECK(parse("GET http://a.b/ HTTP/1.1\r\nHost: a.b\r\nHost: a.b") ==
	      -EINVAL);
	CHECK(parse("GET http://a.b/ HTTP/1.1\r\nHost: ") == -EINVAL);
	CHECK(parse("GET http://a.b/ HTTP/1.1") == -EINVAL);
	CHECK(parse("GET http://u@a.b/ HTTP/1.1\r\nHost: a.b") == -EINVAL);
	CHECK(parse("GET http://127.1/ HTTP/1.1\r\nHost: 127.1") == -EINVAL);
	CHECK(parse("GET http://a.b/#f HTTP/1.1\r\nHost: a.b") == -EINVAL);
	CHECK(parse("GET http://a.b:/ HTTP/1.1\r\nHost: a.b") == -EINVAL);

	/* Framing. */
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: 12") == 0);
	CHECK(req.body == BODY_LENGTH && req.length == 12);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Transfer-Encoding: Chunked") == 0);
	CHECK(req.body == BODY_CHUNKED);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: 1\r\nContent-Length: 1") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: 1, 1") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: -1") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: 1234567890123456789") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Content-Length: 3\r\nTransfer-Encoding: chunked") ==
	      -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Transfer-Encoding: gzip, chunked") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.0\r\n"
		    "Transfer-Encoding: chunked") == -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Connection: content-length\r\nContent-Length: 3") ==
	      -EINVAL);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Connection: close,,") == 0);
	CHECK(parse("POST http://a.b/ HTTP/1.1\r\nHost: a.b\r\n"
		    "Connection: a b") == -EINVAL);
}

static void test_response(void)
{
	struct http_resp r;
	char out[HTTP_HEAD_MAX + 64];
	const char *h =
	    "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-A\r\n"
	    "X-A: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	const char *c = "HTTP/1.1 100 Continue\r\n\r\n";
	int n;

	CHECK(http_parse_response(h, strlen(h), &r) == 0 && r.status == 200);
	n = http_response_head(h, &r, out, sizeof(out));
	CHECK(n > 0);
	out[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(
	    out, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"));
	CHECK(http_parse_response(c, strlen(c), &r) == 0 && r.status == 100);
	n = http_response_head(c, &r, out, sizeof(out));
	CHECK(n == (int)strlen(c) && !memcmp(out, c, strlen(c)));
	CHECK(http_parse_response("HTTP/1.1 204\r\n\r\n", 16, &r) == 0);
	CHECK(http_parse_response("HTTP/1.1 20 OK\r\n\r\n", 18, &r) == -EINVAL);
	CHECK(http_parse_response("HTTP/1.1 200 OK\n\r\n", 18, &r) == -EINVAL);
	CHECK(http_parse_response("ICY 200 OK\r\n\r\n", 14, &r) == -EINVAL);
	CHECK(http_response_head(h, &r, out, 10) == -EMSGSIZE || 1);
	CHECK(http_parse_response(h, strlen(h), &r) == 0);
	CHECK(http_response_head(h, &r, out, 10) == -EMSGSIZE);
}

static int chunk_all(const char *s, size_t *used)
{
	struct http_chunked c;
	int r;

	memset(&c, 0, sizeof(c));
	r = http_chunked_feed(&c, (const uint8_t *)s, strlen(s));
	*used = r < 0 ? 0 : (size_t)r;
	return r < 0 ? r : http_chunked_done(&c);
}

static void test_chunked(void)
{
	const char *b =
	    "5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n"
	    "0\r\nX-T: 1\r\n\r\nNEXT";
	struct http_chunked c;
	size_t used;
	int done = 0;

	CHECK(chunk_all(b, &used) == 1 && used == strlen(b) - 4);
	/* Byte by byte gives the same. */
	memset(&c, 0, sizeof(c));
	used = 0;
	for (size_t i = 0; b[i] && !done; i++) {
		int r = http_chunked_feed(&c, (const uint8_t *)b + i, 1);

		CHECK(r == 1);
		used++;
		done = http_chunked_done(&c);
	}
	CHECK(done && used == strlen(b) - 4);
	CHECK(chunk_all("0\r\n\r\n", &used) == 1 && used == 5);
	CHECK(chunk_all("5\r\nhel", &used) == 0 && used == 6);
	CHECK(chunk_all("g\r\n", &used) == -EINVAL);
	CHECK(chunk_all("\r\n", &used) == -EINVAL);
	CHECK(chunk_all("5\nhello", &used) == -EINVAL);
	CHECK(chunk_all("5\r\nhelloX\r\n", &used) == -EINVAL);
	CHECK(chunk_all("1000000000000000\r\n", &used) == -EINVAL);
	CHECK(chunk_all("-1\r\n", &used) == -EINVAL);
	CHECK(chunk_all("0\r\n\r\r", &used) == -EINVAL);
	/* Data may be skipped without being looked at. */
	memset(&c, 0, sizeof(c));
	CHECK(http_chunked_feed(&c, (const uint8_t *)"ff\r\n", 4) == 4);
	CHECK(http_chunked_data(&c) == 255);
	http_chunked_skip(&c, 255);
	CHECK(http_chunked_data(&c) == 0);
	CHECK(http_chunked_feed(&c, (const uint8_t *)"\r\n0\r\n\r\n", 7) == 7);
	CHECK(http_chunked_done(&c));
}

/* A ClientHello with the given SNI (NULL: none), split into records of
 * at most rec bytes. */
static size_t hello(uint8_t *out, const char *sni, size_t rec)
{
	uint8_t ext[400], msg[700];
	size_t e = 0, m = 0, o = 0, sl = sni ? strlen(sni) : 0;

	/* supported_versions: TLS 1.3 */
	memcpy(ext + e, "\x00\x2b\x00\x03\x02\x03\x04", 7);
	e += 7;
	if (sni) {
		ext[e++] = 0;
		ext[e++] = 0; /* server_name */
		ext[e++] = (uint8_t)((sl + 5) >> 8);
		ext[e++] = (uint8_t)(sl + 5);
		ext[e++] = (uint8_t)((sl + 3) >> 8);
		ext[e++] = (uint8_t)(sl + 3);
		ext[e++] = 0; /* host_name */
		ext[e++] = (uint8_t)(sl >> 8);
		ext[e++] = (uint8_t)sl;
		memcpy(ext + e, sni, sl);
		e += sl;
	}
	msg[m++] = 1; /* ClientHello */
	msg[m++] = 0;
	m += 2; /* length, below */
	msg[m++] = 3;
	msg[m++] = 3;
	memset(msg + m, 7, 32); /* random */
	m += 32;
	msg[m++] = 0;					/* session id */
	memcpy(msg + m, "\x00\x02\x13\x01\x01\x00", 6); /* suite, null */
	m += 6;
	msg[m++] = (uint8_t)(e >> 8);
	msg[m++] = (uint8_t)e;
	memcpy(msg + m, ext, e);
	m += e;
	msg[2] = (uint8_t)((m - 4) >> 8);
	msg[3] = (uint8_t)(m - 4);
	for (size_t i = 0; i < m; i += rec) {
		size_t k = m - i < rec ? m - i : rec;

		out[o++] = 0x16;
		out[o++] = 3;
		out[o++] = 1;
		out[o++] = (uint8_t)(k >> 8);
		out[o++] = (uint8_t)k;
		memcpy(out + o, msg + i, k);
		o += k;
	}
	return o;
}

static void test_tls(void)
{
	static uint8_t tmp[TLS_HELLO_MAX];
	uint8_t h[2048];
	char sni[SB_HOST_MAX + 1];
	size_t n, need;

	n = hello(h, "Example.COM", 4096);
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == TLS_SNI);
	CHECK(!strcmp(sni, "example.com"));
	/* Every prefix needs more, and says how much at least. */
	for (size_t k = 0; k < n; k++) {
		int r = tls_client_hello(h, k, tmp, sizeof(tmp), sni, &need);

		CHECK(r == TLS_NEED_MORE && need > k && need <= n);
	}
	/* Split across many small records. */
	n = hello(h, "a.example", 7);
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == TLS_SNI);
	CHECK(!strcmp(sni, "a.example"));
	n = hello(h, NULL, 4096);
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) ==
	      TLS_NO_SNI);
	CHECK(tls_client_hello((const uint8_t *)"GET /", 5, tmp, sizeof(tmp),
			       sni, &need) == TLS_NOT_HANDSHAKE);
	CHECK(tls_client_hello((const uint8_t *)"SSH-2.0", 7, tmp, sizeof(tmp),
			       sni, &need) == TLS_NOT_HANDSHAKE);
	/* Not a ClientHello, bad record version, bad name. */
	n = hello(h, "a.example", 4096);
	h[5] = 2;
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == -EINVAL);
	h[5] = 1;
	/* Not a real record header: another protocol whose first byte
	 * happens to be 0x16 (version not 3.0-3.4, length 0 or past
	 * 2^14 + 256) is not looked at. */
	h[1] = 2;
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) ==
	      TLS_NOT_HANDSHAKE);
	h[1] = 3;
	h[2] = 5;
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) ==
	      TLS_NOT_HANDSHAKE);
	CHECK(tls_client_hello((const uint8_t *)"\x16\x03\x01\x00\x00", 5,
			       tmp, sizeof(tmp), sni, &need) ==
	      TLS_NOT_HANDSHAKE);
	CHECK(tls_client_hello((const uint8_t *)"\x16\x03\x01\x41\x01", 5,
			       tmp, sizeof(tmp), sni, &need) ==
	      TLS_NOT_HANDSHAKE);
	CHECK(tls_client_hello((const uint8_t *)"\x16\x00", 2, tmp,
			       sizeof(tmp), sni, &need) == TLS_NOT_HANDSHAKE);
	CHECK(tls_client_hello((const uint8_t *)"\x16", 1, tmp, sizeof(tmp),
			       sni, &need) == TLS_NEED_MORE && need == 5);
	CHECK(tls_client_hello((const uint8_t *)"\x16\x03\x03", 3, tmp,
			       sizeof(tmp), sni, &need) == TLS_NEED_MORE);
	/* A real header, then a record that is not a handshake: refused. */
	n = hello(h, "a.example", 7);
	h[12] = 0x17;
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == -EINVAL);
	n = hello(h, "bad..name", 4096);
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == -EINVAL);
	n = hello(h, "trailing.dot.", 4096);
	CHECK(tls_client_hello(h, n, tmp, sizeof(tmp), sni, &need) == -EINVAL);
	/* Record longer than 2^14 (but plausible as a header). */
	memcpy(h, "\x16\x03\x01\x40\x01", 5);
	CHECK(tls_client_hello(h, 5, tmp, sizeof(tmp), sni, &need) == -EINVAL);
	/* A message longer than TLS_HELLO_MAX. */
	memcpy(h, "\x16\x03\x01\x00\x04\x01\x01\x00\x00", 9);
	CHECK(tls_client_hello(h, 9, tmp, sizeof(tmp), sni, &need) ==
	      -EMSGSIZE);
}

/* Transparent mode: an origin-form request sent to an address on port. */
static int origin(const char *s, uint16_t port)
{
	static char head[HTTP_HEAD_MAX + 16];
	size_t n = strlen(s);

	memcpy(head, s, n);
	memcpy(head + n, "\r\n\r\n", 4);
	return http_parse_origin(head, n + 4, port, &req);
}

static void test_origin(void)
{
	CHECK(origin("GET /x HTTP/1.1\r\nHost: a.test", 80) == 0);
	CHECK(!strcmp(req.host, "a.test") && req.port == 80 &&
	      req.kind == HTTP_FORWARD && !req.is_ip);
	CHECK(origin("GET / HTTP/1.1\r\nhost: A.Test:8080", 8080) == 0);
	CHECK(!strcmp(req.host, "a.test") && req.port == 8080);
	CHECK(origin("OPTIONS * HTTP/1.1\r\nHost: a.test", 80) == 0);
	CHECK(origin("GET / HTTP/1.0\r\nHost: a.test", 80) == 0);
	CHECK(origin("GET / HTTP/1.1\r\nHost: 10.0.0.1", 80) == 0 &&
	      req.is_ip);
	/* The port the client connected to, or none. */
	CHECK(origin("GET / HTTP/1.1\r\nHost: a.test:81", 80) == -EINVAL);
	/* Exactly one Host, strict. */
	CHECK(origin("GET / HTTP/1.1", 80) == -EINVAL);
	CHECK(origin("GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test", 80) ==
	      -EINVAL);
	CHECK(origin("GET / HTTP/1.1\r\nHost: a.test@b.test", 80) == -EINVAL);
	CHECK(origin("GET / HTTP/1.1\r\nHost: a.test/x", 80) == -EINVAL);
	CHECK(origin("GET / HTTP/1.1\r\nHost: ", 80) == -EINVAL);
	/* Not origin-form: a proxy request, a CONNECT. */
	CHECK(origin("GET http://a.test/ HTTP/1.1\r\nHost: a.test", 80) ==
	      -EINVAL);
	CHECK(origin("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443", 443) ==
	      -EINVAL);
	CHECK(origin("GET / HTTP/2.0\r\nHost: a.test", 80) < 0);
	/* A head cut short. */
	CHECK(http_parse_origin("GET / HTTP/1.1\r\nHost: a.test\r\n", 30, 80,
				&req) == -EINVAL);
}

int main(void)
{
	test_scan();
	test_connect();
	test_fields();
	test_forward();
	test_response();
	test_chunked();
	test_tls();
	test_origin();
	if (fails)
		fprintf(stderr, "%d failed\n", fails);
	return fails != 0;
}
