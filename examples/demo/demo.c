/* examples/demo/demo.c - the demo program of the example image: one
 * outbound connection, the way a confined program makes it, and one line
 * for each thing it got back. Static (musl-gcc -static), no library
 * beyond libc: it runs in a FROM scratch image.
 *
 *   demo https://HOST[:PORT]/   CONNECT HOST:PORT through $HTTPS_PROXY
 *                               (set by sb exec), then a TLS ClientHello
 *                               naming HOST: prints the proxy's status
 *                               line and the server's ServerHello (TLS
 *                               version and cipher). No certificate is
 *                               checked and no byte of data is sent: it
 *                               shows the path, not a TLS client.
 *   demo http://HOST[:PORT]/PATH  GET through $HTTP_PROXY (absolute form),
 *                               or directly without one: the status line
 *                               and the body's size.
 *   demo tcp://HOST:PORT [MSG]  a direct TCP connect (a database, say:
 *                               `direct` in the policy), MSG sent with a
 *                               newline, the first line back printed.
 *
 * Exit 0 when the connection did what was asked, 1 when it was refused
 * (a 403 from the proxy, EACCES from the sandbox) or failed, 2 on usage. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define TIMEOUT_S 10

static const char *prog = "demo";

static int fail(const char *what, const char *obj, int err)
{
	if (err)
		fprintf(stderr, "%s: %s %s: %s\n", prog, what, obj, strerror(err));
	else
		fprintf(stderr, "%s: %s %s\n", prog, what, obj);
	return 1;
}

/* "HOST:PORT", "[V6]:PORT" or "HOST" (port dflt) into host and port. */
static int split_hostport(const char *s, size_t n, char *host, size_t hn,
			  char *port, size_t pn, const char *dflt)
{
	const char *colon = NULL, *h = s;
	size_t hl;

	if (n && s[0] == '[') {
		const char *e = memchr(s, ']', n);

		if (!e)
			return -1;
		h = s + 1;
		hl = (size_t)(e - h);
		if (e + 1 < s + n) {
			if (e[1] != ':')
				return -1;
			colon = e + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hl = colon ? (size_t)(colon - s) : n;
	}
	if (!hl || hl >= hn)
		return -1;
	memcpy(host, h, hl);
	host[hl] = 0;
	if (colon) {
		size_t pl = (size_t)(s + n - colon - 1);

		if (!pl || pl >= pn)
			return -1;
		memcpy(port, colon + 1, pl);
		port[pl] = 0;
	} else {
		snprintf(port, pn, "%s", dflt);
	}
	return 0;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { TIMEOUT_S, 0 };
	int fd = -1, err = 0, r;

	r = getaddrinfo(host, port, &hints, &res);
	if (r) {
		fprintf(stderr, "%s: resolve %s: %s\n", prog, host,
			gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		char obj[300];

		snprintf(obj, sizeof(obj), "%s port %s", host, port);
		fail("connect", obj, err);
	}
	return fd;
}

static int put(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Exactly n bytes, or -1. */
static int get(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One line (without CR LF) into line; -1 at EOF before a newline. */
static int get_line(int fd, char *line, size_t n)
{
	size_t len = 0;
	char ch;

	for (;;) {
		if (get(fd, &ch, 1) < 0)
			return -1;
		if (ch == '\n')
			break;
		if (ch != '\r' && len + 1 < n)
			line[len++] = ch;
	}
	line[len] = 0;
	return 0;
}

/* The proxy from $NAME (upper case, then lower): "http://HOST:PORT[/]". */
static int proxy_of(const char *name, char *host, size_t hn, char *port,
		    size_t pn)
{
	char lower[32];
	const char *v, *e;
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(lower); i++)
		lower[i] = (char)(name[i] | 0x20);
	lower[i] = 0;
	v = getenv(name);
	if (!v || !*v)
		v = getenv(lower);
	if (!v || !*v)
		return 0;
	if (!strncmp(v, "http://", 7))
		v += 7;
	e = v + strcspn(v, "/");
	if (split_hostport(v, (size_t)(e - v), host, hn, port, pn, "80") < 0) {
		fprintf(stderr, "%s: cannot read %s=%s\n", prog, name,
			getenv(name) ? getenv(name) : getenv(lower));
		return -1;
	}
	return 1;
}

static size_t put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
	return 2;
}

/* A TLS 1.3/1.2 ClientHello naming host, record header included. */
static size_t client_hello(unsigned char *m, size_t cap, const char *host)
{
	static const unsigned short suites[] = { 0x1301, 0x1302, 0x1303,
		0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8 };
	static const unsigned short sigalgs[] = { 0x0403, 0x0804, 0x0401,
		0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
	size_t hl = strlen(host), n = 0, hs, ext, i;
	unsigned char rnd[96];

	if (hl > 253 || cap < 512 + hl)
		return 0;
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return 0;
	m[n++] = 0x16;			/* handshake record, TLS 1.0 header */
	n += put16(m + n, 0x0301);
	n += 2;				/* record length, below */
	hs = n;
	m[n++] = 0x01;			/* ClientHello */
	n += 3;				/* handshake length, below */
	n += put16(m + n, 0x0303);
	memcpy(m + n, rnd, 32);
	n += 32;
	m[n++] = 32;			/* legacy session id */
	memcpy(m + n, rnd + 32, 32);
	n += 32;
	n += put16(m + n, (unsigned)(2 * (sizeof(suites) / sizeof(suites[0]))));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		n += put16(m + n, suites[i]);
	m[n++] = 1;			/* compression: null */
	m[n++] = 0;
	ext = n;
	n += 2;
	n += put16(m + n, 0x0000);	/* server_name */
	n += put16(m + n, (unsigned)(hl + 5));
	n += put16(m + n, (unsigned)(hl + 3));
	m[n++] = 0;
	n += put16(m + n, (unsigned)hl);
	memcpy(m + n, host, hl);
	n += hl;
	n += put16(m + n, 0x000a);	/* supported_groups: x25519, P-256 */
	n += put16(m + n, 6);
	n += put16(m + n, 4);
	n += put16(m + n, 0x001d);
	n += put16(m + n, 0x0017);
	n += put16(m + n, 0x000b);	/* ec_point_formats: uncompressed */
	n += put16(m + n, 2);
	m[n++] = 1;
	m[n++] = 0;
	n += put16(m + n, 0x000d);	/* signature_algorithms */
	n += put16(m + n, (unsigned)(2 + 2 * (sizeof(sigalgs) / sizeof(sigalgs[0]))));
	n += put16(m + n, (unsigned)(2 * (sizeof(sigalgs) / sizeof(sigalgs[0]))));
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		n += put16(m + n, sigalgs[i]);
	n += put16(m + n, 0x002b);	/* supported_versions: 1.3, 1.2 */
	n += put16(m + n, 5);
	m[n++] = 4;
	n += put16(m + n, 0x0304);
	n += put16(m + n, 0x0303);
	n += put16(m + n, 0x0033);	/* key_share: an x25519 share */
	n += put16(m + n, 38);
	n += put16(m + n, 36);
	n += put16(m + n, 0x001d);
	n += put16(m + n, 32);
	memcpy(m + n, rnd + 64, 32);
	n += 32;
	put16(m + ext, (unsigned)(n - ext - 2));
	m[hs + 1] = (unsigned char)((n - hs - 4) >> 16);
	put16(m + hs + 2, (unsigned)(n - hs - 4));
	put16(m + 3, (unsigned)(n - 5));
	return n;
}

static const char *suite_name(unsigned s)
{
	switch (s) {
	case 0x1301: return "TLS_AES_128_GCM_SHA256";
	case 0x1302: return "TLS_AES_256_GCM_SHA384";
	case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256";
	case 0xc02b: return "ECDHE_ECDSA_AES_128_GCM_SHA256";
	case 0xc02f: return "ECDHE_RSA_AES_128_GCM_SHA256";
	case 0xc02c: return "ECDHE_ECDSA_AES_256_GCM_SHA384";
	case 0xc030: return "ECDHE_RSA_AES_256_GCM_SHA384";
	case 0xcca9: return "ECDHE_ECDSA_CHACHA20_POLY1305";
	case 0xcca8: return "ECDHE_RSA_CHACHA20_POLY1305";
	}
	return "?";
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Read the server's first record and say what it is. */
static int server_hello(int fd, const char *host)
{
	static const unsigned char hrr[32] = { 0xcf, 0x21, 0xad, 0x74, 0xe5,
		0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
		0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07,
		0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c };
	unsigned char h[5], m[1 << 14], *p, *end;
	unsigned len, version, suite;

	if (get(fd, h, 5) < 0)
		return fail("no TLS answer from", host, 0);
	len = get16(h + 3);
	if (len > sizeof(m) || get(fd, m, len) < 0)
		return fail("a truncated TLS record from", host, 0);
	if (h[0] == 0x15 && len >= 2) {
		printf("tls: %s sent alert %u (level %u)\n", host, m[1], m[0]);
		return 1;
	}
	/* handshake type 2, its length, version, random, session id */
	if (h[0] != 0x16 || len < 4 + 2 + 32 + 1 || m[0] != 2)
		return fail("not a ServerHello from", host, 0);
	p = m + 4;
	end = m + len;
	version = get16(p);
	if (!memcmp(p + 2, hrr, 32)) {
		printf("tls: %s answered HelloRetryRequest\n", host);
		return 0;
	}
	p += 2 + 32;
	p += 1 + *p;
	if (p + 3 > end)
		return fail("a short ServerHello from", host, 0);
	suite = get16(p);
	p += 3;
	if (p + 2 <= end) {		/* extensions: supported_versions */
		const unsigned char *e = p + 2 + get16(p);

		for (p += 2; p + 4 <= e && e <= end; p += 4 + get16(p + 2))
			if (get16(p) == 0x002b && get16(p + 2) == 2 && p + 6 <= e)
				version = get16(p + 4);
	}
	printf("tls: %s answered ServerHello: TLS 1.%u, %s (0x%04x)\n", host,
	       version >= 0x0301 ? (version & 0xff) - 1 : 0, suite_name(suite),
	       suite);
	return 0;
}

static int do_https(const char *hp, size_t n)
{
	char host[256], port[8], ph[256], pp[8], line[512], req[600];
	unsigned char hello[1024];
	size_t hl;
	int fd, r, code = 0;

	if (split_hostport(hp, n, host, sizeof(host), port, sizeof(port),
			   "443") < 0)
		return fail("bad URL", hp, 0) + 1;
	r = proxy_of("HTTPS_PROXY", ph, sizeof(ph), pp, sizeof(pp));
	if (r < 0)
		return 1;
	if (r == 0)
		return fail("no HTTPS_PROXY set: run me under", "sb exec", 0);
	fd = dial(ph, pp);
	if (fd < 0)
		return 1;
	snprintf(req, sizeof(req), "CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n",
		 host, port, host, port);
	if (put(fd, req, strlen(req)) < 0 || get_line(fd, line, sizeof(line)) < 0)
		return fail("no answer from the proxy at", ph, errno);
	printf("proxy: CONNECT %s:%s: %s\n", host, port, line);
	sscanf(line, "HTTP/%*u.%*u %d", &code);
	do {				/* the rest of the head */
		if (get_line(fd, req, sizeof(req)) < 0)
			return fail("a truncated head from", ph, 0);
	} while (req[0]);
	if (code != 200)
		return 1;
	hl = client_hello(hello, sizeof(hello), host);
	if (!hl || put(fd, hello, hl) < 0)
		return fail("cannot send a ClientHello to", host, errno);
	r = server_hello(fd, host);
	close(fd);
	return r;
}

static int do_http(const char *url, const char *hp)
{
	char host[256], port[8], ph[256], pp[8], line[512], req[1400];
	const char *path = hp + strcspn(hp, "/");
	size_t body = 0;
	ssize_t got;
	int fd, r, code = 0;

	if (split_hostport(hp, (size_t)(path - hp), host, sizeof(host), port,
			   sizeof(port), "80") < 0 || strlen(url) > 1000)
		return fail("bad URL", url, 0) + 1;
	r = proxy_of("HTTP_PROXY", ph, sizeof(ph), pp, sizeof(pp));
	if (r < 0)
		return 1;
	fd = r ? dial(ph, pp) : dial(host, port);
	if (fd < 0)
		return 1;
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %.*s\r\n"
		 "User-Agent: sb-demo\r\nConnection: close\r\n\r\n",
		 r ? url : (*path ? path : "/"), (int)(path - hp), hp);
	if (put(fd, req, strlen(req)) < 0 || get_line(fd, line, sizeof(line)) < 0)
		return fail("no answer from", r ? ph : host, errno);
	printf("http: GET %s%s: %s\n", url, r ? " (through the proxy)" : "", line);
	sscanf(line, "HTTP/%*u.%*u %d", &code);
	do {
		if (get_line(fd, req, sizeof(req)) < 0)
			break;
	} while (req[0]);
	while ((got = read(fd, req, sizeof(req))) > 0)
		body += (size_t)got;
	printf("http: %zu bytes of body\n", body);
	close(fd);
	return code >= 200 && code < 400 ? 0 : 1;
}

static int do_tcp(const char *hp, const char *msg)
{
	char host[256], port[8], line[512];
	int fd;

	if (split_hostport(hp, strcspn(hp, "/"), host, sizeof(host), port,
			   sizeof(port), "") < 0 || !port[0])
		return fail("bad address (want tcp://HOST:PORT)", hp, 0) + 1;
	fd = dial(host, port);
	if (fd < 0)
		return 1;
	printf("tcp: connected to %s port %s\n", host, port);
	if (msg) {		/* one write: MSG and its newline */
		char out[1024];
		int n = snprintf(out, sizeof(out), "%s\n", msg);

		if (n < 0 || (size_t)n >= sizeof(out))
			return fail("message too long for", host, 0);
		if (put(fd, out, (size_t)n) < 0)
			return fail("cannot send to", host, errno);
	}
	if (get_line(fd, line, sizeof(line)) < 0)
		return fail("no line back from", host, errno);
	printf("tcp: %s answered: %s\n", host, line);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *u = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || argc > 3 || !strcmp(u, "--help")) {
		fprintf(argc < 2 || argc > 3 ? stderr : stdout,
			"usage: demo https://HOST[:PORT]/ | http://HOST[:PORT]/PATH"
			" | tcp://HOST:PORT [MSG]\n");
		return argc < 2 || argc > 3 ? 2 : 0;
	}
	if (!strncmp(u, "https://", 8) && argc == 2)
		return do_https(u + 8, strcspn(u + 8, "/"));
	if (!strncmp(u, "http://", 7) && argc == 2)
		return do_http(u, u + 7);
	if (!strncmp(u, "tcp://", 6))
		return do_tcp(u + 6, argc == 3 ? argv[2] : NULL);
	fprintf(stderr, "demo: unknown URL %s (https://, http://, tcp://)\n", u);
	return 2;
}
