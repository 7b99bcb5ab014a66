/* lib/http.h - what sb-proxy reads from hostile peers: HTTP/1.x request
 * heads (CONNECT authority-form, absolute-form http://), response heads,
 * chunked body framing, and the SNI of a TLS ClientHello.
 *
 * Pure: every function touches only the memory it is given, every loop is
 * bounded by its input, nothing allocates. Offsets into a head are kept as
 * uint16_t, so a head is at most HTTP_HEAD_MAX bytes.
 *
 *	struct http_scan s = {0};
 *	n = http_scan(&s, bytes, len);   > 0: the head is n bytes long
 *	http_parse_request(head, n, &req);
 *	http_forward_head(head, &req, out, cap);   origin form, no hop-by-hop
 */
#ifndef SB_HTTP_H
#define SB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

#define HTTP_HEAD_MAX 8192      /* a request head, CRLF CRLF included (431) */
#define HTTP_FIELDS_MAX 100     /* header fields in one head (431) */
#define HTTP_CONN_NAMES 16      /* names a Connection field may list */

/* Finding the end of a head, a few bytes at a time. Every line must end in
 * CR LF: a bare CR or LF, or a NUL, is malformed at once, so a broken
 * client is answered without waiting for its deadline. */
struct http_scan {
	uint32_t len;           /* bytes seen so far */
	uint8_t state;
};

/* Feed the next n bytes. Returns the head's length (CRLF CRLF included,
 * counted from the first byte ever fed) once it ends within these bytes,
 * 0 when more are needed, -EINVAL for a malformed line ending, -EMSGSIZE
 * once HTTP_HEAD_MAX bytes have passed without an end. */
int http_scan(struct http_scan *s, const char *p, size_t n);

struct http_span {
	uint16_t off, len;
};

struct http_field {
	struct http_span name, value;   /* value without surrounding blanks */
};

enum http_kind { HTTP_CONNECT = 1, HTTP_FORWARD = 2 };

/* Bodies a forwarded request may carry. */
enum http_body { BODY_NONE, BODY_LENGTH, BODY_CHUNKED };

struct http_req {
	uint8_t kind;                 /* HTTP_CONNECT or HTTP_FORWARD */
	uint8_t minor;                /* HTTP/1.minor: 0 or 1 */
	uint8_t is_ip;                /* host is an IP literal, in ip */
	uint8_t body;                 /* enum http_body */
	uint8_t has_host;             /* a Host field was sent */
	uint16_t port;
	uint64_t length;              /* Content-Length, for BODY_LENGTH */
	struct sb_ip ip;              /* folded: ::ffff:a.b.c.d is IPv4 */
	char host[SB_HOST_MAX + 1];   /* lowercase name, or the literal's
					 text without brackets */
	struct http_span method;
	struct http_span path;        /* origin form: "/..." (FORWARD) */
	int nfields;
	struct http_field f[HTTP_FIELDS_MAX];
	uint8_t drop[HTTP_FIELDS_MAX];  /* hop-by-hop: not forwarded */
	const char *why;              /* what was wrong, for the log */
};

/* Parse a whole request head (as measured by http_scan). 0; -EINVAL for a
 * malformed head (400: r->why says why); -EMSGSIZE for too many fields
 * (431); -ENOTSUP for a well-formed request the proxy does not serve
 * (origin-form, another scheme, another version: 400 too). Host names are
 * strict: canonical dotted quads or bracketed IPv6 only, so "127.1",
 * "0x7f.1", "2130706433", userinfo, "%" zones, ports like "0443", "+443",
 * "66979" are all -EINVAL. */
int http_parse_request(const char *head, size_t len, struct http_req *r);

/* Transparent mode: the request of a client that does not know it talks
 * to a proxy, connected to an address on port: origin-form ("/..." or
 * "*"), and exactly one Host field, strict as above, naming port or none.
 * r->host and r->port say it (kind HTTP_FORWARD); the fields are parsed
 * but not marked for forwarding (the head passes unchanged). 0, -EINVAL
 * or -ENOTSUP (another HTTP version); r->why says why. */
int http_parse_origin(const char *head, size_t len, uint16_t port,
		      struct http_req *r);

/* The head to send upstream for a FORWARD request: "METHOD PATH
 * HTTP/1.x", the fields but the hop-by-hop ones (Connection and those it
 * names, Keep-Alive, Proxy-*, TE, Trailer, Upgrade), Host when the client
 * sent none, and "Connection: close". Its length, or -EMSGSIZE. */
int http_forward_head(const char *head, const struct http_req *r, char *out,
		      size_t cap);

struct http_resp {
	uint16_t len;                 /* the head's length */
	uint16_t status;
	uint8_t minor;
	int nfields;
	struct http_field f[HTTP_FIELDS_MAX];
	uint8_t drop[HTTP_FIELDS_MAX];
	const char *why;
};

/* A response head from upstream: 0, -EINVAL or -EMSGSIZE (502 either
 * way). */
int http_parse_response(const char *head, size_t len, struct http_resp *r);
/* The response head for the client: hop-by-hop fields removed (framing
 * fields kept: the body passes unchanged) and "Connection: close". Its
 * length, or -EMSGSIZE. An interim (1xx but 101) head passes unchanged. */
int http_response_head(const char *head, const struct http_resp *r,
		       char *out, size_t cap);

/* Chunked framing (RFC 9112 section 7.1), followed through a body that
 * passes unchanged, so the proxy knows where the one request ends. */
struct http_chunked {
	uint64_t left;          /* data bytes left in this chunk */
	uint16_t line;          /* bytes in the current size or trailer line */
	uint8_t state;
	uint8_t digits;
};

/* Feed body bytes. Returns how many belong to the body: n, or fewer when
 * the body ended inside them (then http_chunked_done()); -EINVAL when the
 * framing is malformed. n must be at most INT32_MAX. */
int http_chunked_feed(struct http_chunked *c, const uint8_t *p, size_t n);
/* Chunk data bytes that may pass without being looked at (0 when the
 * framing must be read), and the step over m of them (m <= that). */
uint64_t http_chunked_data(const struct http_chunked *c);
void http_chunked_skip(struct http_chunked *c, uint64_t m);
int http_chunked_done(const struct http_chunked *c);

/* TLS: the first bytes a tunnel's client sent. */
#define TLS_HELLO_MAX 16384     /* a ClientHello message, reassembled */
#define TLS_PEEK_MAX (TLS_HELLO_MAX + 5 * 8)   /* records carrying it */
/* The longest first record taken for TLS: 2^14 + 256 (TLSCompressed).
 * A first record header outside 16 03 00..04 LEN(1..this) is not TLS. */
#define TLS_RECORD_PLAUSIBLE (16384 + 256)

enum {
	TLS_NOT_HANDSHAKE = 1,  /* not a TLS handshake record: not checked */
	TLS_NEED_MORE,          /* *need: bytes needed in all */
	TLS_SNI,                /* a ClientHello naming sni (lowercase) */
	TLS_NO_SNI,             /* a ClientHello without server_name */
};

/* Look at p[0..n) for a ClientHello, reassembled from consecutive
 * handshake records into tmp (at least TLS_HELLO_MAX bytes). sni holds at
 * least SB_HOST_MAX + 1 bytes. TLS_NOT_HANDSHAKE unless p starts with a
 * real record header (see TLS_RECORD_PLAUSIBLE); after one, -EINVAL for a
 * malformed record or ClientHello (a handshake record that is not a
 * ClientHello, a bad server_name); -EMSGSIZE when it would not fit in
 * TLS_HELLO_MAX or TLS_PEEK_MAX. */
int tls_client_hello(const uint8_t *p, size_t n, uint8_t *tmp, size_t tmpcap,
		     char *sni, size_t *need);

#endif
