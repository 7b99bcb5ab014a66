/* lib/http.c - strict parsing of what the proxy's peers send: request and
 * response heads (RFC 9112), chunked framing, TLS ClientHello (RFC 8446
 * section 4.1.2, RFC 6066 section 3). Everything here is hostile input:
 * lengths are checked before use, loops are bounded by the input, and an
 * unexpected byte is an error, never a guess. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "http.h"

/* ---- finding the end of a head ---- */

enum { S_LINE, S_CR, S_BOL, S_BOL_CR, S_DONE };

int http_scan(struct http_scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (s->state == S_DONE)
			return (int)s->len;
		if (s->len >= HTTP_HEAD_MAX)
			return -EMSGSIZE;
		s->len++;
		if (c == 0)
			return -EINVAL;
		switch (s->state) {
		case S_LINE:
			if (c == '\r')
				s->state = S_CR;
			else if (c == '\n')
				return -EINVAL;
			break;
		case S_CR:
			if (c != '\n')
				return -EINVAL;
			s->state = S_BOL;
			break;
		case S_BOL:
			if (c == '\r')
				s->state = S_BOL_CR;
			else if (c == '\n')
				return -EINVAL;
			else
				s->state = S_LINE;
			break;
		default: /* S_BOL_CR */
			if (c != '\n')
				return -EINVAL;
			s->state = S_DONE;
			return (int)s->len;
		}
	}
	return s->state == S_DONE ? (int)s->len : 0;
}

/* ---- characters (RFC 9110 section 5.6.2) ---- */

static int is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A field value byte: HTAB, SP, VCHAR, obs-text. */
static int is_vbyte(unsigned char c)
{
	return c == '\t' || (c >= ' ' && c != 0x7f);
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

static int ieq(const char *a, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (n != k)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lit[i])
			return 0;
	return 1;
}

static int iprefix(const char *a, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && ieq(a, k, lit);
}

static const char *at(const char *head, struct http_span s)
{
	return head + s.off;
}

/* ---- authority: host[:port] ---- */

/* Does the last label look like a number (decimal, or 0x hex)? Then the
 * whole host must be a canonical dotted quad: "127.1", "0x7f.1" and
 * "2130706433" are what inet_aton would accept, and we refuse them. */
static int numeric_last_label(const char *s, size_t n)
{
	const char *dot = memrchr(s, '.', n);
	size_t i = dot ? (size_t)(dot - s) + 1 : 0;
	size_t k = n - i;

	if (k == 0)
		return 0;
	if (k >= 2 && s[i] == '0' && lower((unsigned char)s[i + 1]) == 'x') {
		for (size_t j = i + 2; j < n; j++)
			if (!strchr("0123456789abcdefABCDEF", s[j]) || !s[j])
				return 0;
		return 1;
	}
	for (size_t j = i; j < n; j++)
		if (s[j] < '0' || s[j] > '9')
			return 0;
	return 1;
}

struct authority {
	uint8_t is_ip;
	uint16_t port; /* 0: none given */
	struct sb_ip ip;
	char host[SB_HOST_MAX + 1];
};

static int authority_parse(const char *s, size_t n, struct authority *a,
			   const char **why)
{
	const char *colon, *hs = s;
	size_t hl;

	memset(a, 0, sizeof(*a));
	*why = "bad host";
	if (n == 0 || memchr(s, '@', n)) {
		if (n)
			*why = "userinfo in authority";
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);

		if (!end)
			return -EINVAL;
		hs = s + 1;
		hl = (size_t)(end - hs);
		/* Only IPv6 in brackets: no zone ("%"), no IPvFuture. */
		if (hl == 0 || !memchr(hs, ':', hl) || memchr(hs, '%', hl) ||
		    ip_parse(hs, hl, &a->ip) < 0 || a->ip.family != 6) {
			*why = "bad IPv6 literal";
			return -EINVAL;
		}
		colon = end + 1 < s + n ? end + 1 : NULL;
		if (colon && *colon != ':')
			return -EINVAL;
		a->is_ip = 1;
	} else {
		colon = memchr(s, ':', n);
		hl = colon ? (size_t)(colon - s) : n;
		if (colon && memchr(colon + 1, ':', n - hl - 1)) {
			*why = "IPv6 literal without brackets";
			return -EINVAL;
		}
		if (hl == 0)
			return -EINVAL;
		if (numeric_last_label(s, hl)) {
			if (ip_parse(s, hl, &a->ip) < 0 || a->ip.family != 4) {
				*why = "not a canonical IPv4 address";
				return -EINVAL;
			}
			a->is_ip = 1;
		} else if (host_parse(s, hl, a->host) < 0) {
			return -EINVAL;
		}
	}
	if (colon) {
		size_t pl = (size_t)(s + n - colon - 1);

		if (port_parse(colon + 1, pl, &a->port) < 0) {
			*why = "bad port";
			return -EINVAL;
		}
	}
	if (a->is_ip) {
		ip_fold(&a->ip);
		ip_format(&a->ip, a->host, sizeof(a->host));
	}
	*why = NULL;
	return 0;
}

static int authority_same(const struct authority *x, uint16_t xdef,
			  const struct authority *y, uint16_t ydef)
{
	uint16_t xp = x->port ? x->port : xdef, yp = y->port ? y->port : ydef;

	if (xp != yp || x->is_ip != y->is_ip)
		return 0;
	if (x->is_ip)
		return ip_equal(&x->ip, &y->ip);
	return !strcmp(x->host, y->host);
}

/* ---- lines and fields ---- */

/* The line starting at off: its length without CRLF, or -1. */
static int line_len(const char *head, size_t len, size_t off)
{
	for (size_t i = off; i + 1 < len; i++) {
		if (head[i] == '\r')
			return head[i + 1] == '\n' ? (int)(i - off) : -1;
		if (head[i] == '\n' || head[i] == 0)
			return -1;
	}
	return -1;
}

/* Parse the fields from off to the empty line ending the head. */
static int fields_parse(const char *head, size_t len, size_t off,
			struct http_field *f, int *nf, const char **why)
{
	*nf = 0;
	for (;;) {
		int ll = line_len(head, len, off);
		size_t i, end, vs, ve;

		if (ll < 0) {
			*why = "bad line ending";
			return -EINVAL;
		}
		if (ll == 0) {
			if (off + 2 == len)
				return 0;
			*why = "data after the end of the head";
			return -EINVAL;
		}
		end = off + (size_t)ll;
		if (head[off] == ' ' || head[off] == '\t') {
			*why = "obsolete line folding";
			return -EINVAL;
		}
		for (i = off; i < end && is_tchar((unsigned char)head[i]); i++)
			;
		if (i == off || i == end || head[i] != ':') {
			*why = "bad header field name";
			return -EINVAL;
		}
		if (*nf >= HTTP_FIELDS_MAX) {
			*why = "too many header fields";
			return -EMSGSIZE;
		}
		vs = i + 1;
		while (vs < end && (head[vs] == ' ' || head[vs] == '\t'))
			vs++;
		ve = end;
		while (ve > vs && (head[ve - 1] == ' ' || head[ve - 1] == '\t'))
			ve--;
		for (size_t k = vs; k < ve; k++) {
			if (!is_vbyte((unsigned char)head[k])) {
				*why = "control character in header field";
				return -EINVAL;
			}
		}
		f[*nf].name.off = (uint16_t)off;
		f[*nf].name.len = (uint16_t)(i - off);
		f[*nf].value.off = (uint16_t)vs;
		f[*nf].value.len = (uint16_t)(ve - vs);
		(*nf)++;
		off = end + 2;
	}
}

/* Split a Connection value into tokens: names[k] spans into head. */
static int conn_tokens(const char *head, struct http_span v,
		       struct http_span *names, int *nn, const char **why)
{
	const char *s = at(head, v);
	size_t i = 0;

	while (i < v.len) {
		size_t st;

		while (i < v.len &&
		       (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
			i++;
		if (i == v.len)
			break;
		st = i;
		while (i < v.len && is_tchar((unsigned char)s[i]))
			i++;
		if (i == st) {
			*why = "bad Connection field";
			return -EINVAL;
		}
		if (*nn >= HTTP_CONN_NAMES) {
			*why = "Connection names too many fields";
			return -EINVAL;
		}
		names[*nn].off = (uint16_t)(v.off + st);
		names[*nn].len = (uint16_t)(i - st);
		(*nn)++;
		while (i < v.len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i < v.len && s[i] != ',') {
			*why = "bad Connection field";
			return -EINVAL;
		}
	}
	return 0;
}

static int hop_by_hop(const char *n, size_t l)
{
	return ieq(n, l, "connection") || ieq(n, l, "keep-alive") ||
	       iprefix(n, l, "proxy-") || ieq(n, l, "te") ||
	       ieq(n, l, "trailer") || ieq(n, l, "upgrade");
}

static int framing(const char *n, size_t l)
{
	return ieq(n, l, "content-length") || ieq(n, l, "transfer-encoding") ||
	       ieq(n, l, "host");
}

/* Mark the hop-by-hop fields, and those the Connection fields name. A
 * Connection field naming a framing field would let a peer change where
 * a body ends between us and the next hop: refused. */
static int mark_drop(const char *head, const struct http_field *f, int nf,
		     uint8_t *drop, int keep_upgrade, const char **why)
{
	struct http_span names[HTTP_CONN_NAMES];
	int nn = 0, r;

	for (int i = 0; i < nf; i++) {
		const char *n = at(head, f[i].name);

		if (ieq(n, f[i].name.len, "connection")) {
			r = conn_tokens(head, f[i].value, names, &nn, why);
			if (r < 0)
				return r;
		}
	}
	for (int k = 0; k < nn; k++) {
		if (framing(at(head, names[k]), names[k].len)) {
			*why = "Connection names a framing field";
			return -EINVAL;
		}
	}
	for (int i = 0; i < nf; i++) {
		const char *n = at(head, f[i].name);
		size_t l = f[i].name.len;

		drop[i] = (uint8_t)hop_by_hop(n, l);
		if (keep_upgrade && ieq(n, l, "upgrade"))
			drop[i] = 0;
		for (int k = 0; k < nn && !drop[i]; k++)
			if (names[k].len == l &&
			    !strncasecmp(at(head, names[k]), n, l))
				drop[i] = 1;
	}
	return 0;
}

static int version_parse(const char *s, size_t n, uint8_t *minor)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) || s[6] != '.' || s[5] < '0' ||
	    s[5] > '9' || s[7] < '0' || s[7] > '9')
		return -EINVAL;
	if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
		return -ENOTSUP;
	*minor = (uint8_t)(s[7] - '0');
	return 0;
}

static int length_parse(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	}
	return 0;
}

/* Framing and Host of a request, once its fields are known. */
static int req_fields(const char *head, struct http_req *r,
		      const struct authority *uri)
{
	int ncl = 0, nte = 0;

	for (int i = 0; i < r->nfields; i++) {
		const char *n = at(head, r->f[i].name),
			   *v = at(head, r->f[i].value);
		size_t l = r->f[i].name.len, vl = r->f[i].value.len;

		if (ieq(n, l, "content-length")) {
			if (ncl++ || length_parse(v, vl, &r->length) < 0) {
				r->why = "bad Content-Length";
				return -EINVAL;
			}
		} else if (ieq(n, l, "transfer-encoding")) {
			if (nte++ || !ieq(v, vl, "chunked")) {
				r->why = "unsupported Transfer-Encoding";
				return -EINVAL;
			}
		} else if (ieq(n, l, "host") && r->kind == HTTP_FORWARD) {
			struct authority h;
			const char *why;

			if (r->has_host++ ||
			    authority_parse(v, vl, &h, &why) < 0 ||
			    !authority_same(&h, 80, uri, 80)) {
				r->why = "Host does not match the request URI";
				return -EINVAL;
			}
		}
	}
	if (ncl && nte) {
		r->why = "both Content-Length and Transfer-Encoding";
		return -EINVAL;
	}
	if (nte && r->minor == 0) {
		r->why = "Transfer-Encoding in HTTP/1.0";
		return -EINVAL;
	}
	if (r->kind == HTTP_CONNECT && (nte || r->length)) {
		r->why = "CONNECT with a body";
		return -EINVAL;
	}
	if (r->kind == HTTP_FORWARD && !r->has_host && r->minor == 1) {
		r->why = "HTTP/1.1 request without Host";
		return -EINVAL;
	}
	r->body = nte ? BODY_CHUNKED : r->length ? BODY_LENGTH : BODY_NONE;
	return 0;
}

/* The request line's method, target (*t, *tl) and version. */
static int line_split(const char *head, size_t len, struct http_req *r,
		      const char **tp, size_t *tlp, int *ll)
{
	const char *sp1, *sp2, *t;
	size_t tl;
	int e;

	*ll = line_len(head, len, 0);
	if (*ll <= 0) {
		r->why = "bad request line";
		return -EINVAL;
	}
	sp1 = memchr(head, ' ', (size_t)*ll);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(head + *ll - sp1 - 1)) : 0;
	if (!sp1 || !sp2 || sp1 == head || sp1 - head > 20 || sp2 == sp1 + 1 ||
	    memchr(sp2 + 1, ' ', (size_t)(head + *ll - sp2 - 1))) {
		r->why = "bad request line";
		return -EINVAL;
	}
	for (const char *c = head; c < sp1; c++) {
		if (!is_tchar((unsigned char)*c)) {
			r->why = "bad method";
			return -EINVAL;
		}
	}
	t = sp1 + 1;
	tl = (size_t)(sp2 - t);
	for (size_t i = 0; i < tl; i++) {
		if ((unsigned char)t[i] <= ' ' || (unsigned char)t[i] >= 0x7f ||
		    t[i] == '#') {
			r->why = "bad request target";
			return -EINVAL;
		}
	}
	e = version_parse(sp2 + 1, (size_t)(head + *ll - sp2 - 1), &r->minor);
	if (e < 0) {
		r->why = e == -ENOTSUP ? "unsupported HTTP version"
				       : "bad HTTP version";
		return e;
	}
	r->method.off = 0;
	r->method.len = (uint16_t)(sp1 - head);
	*tp = t;
	*tlp = tl;
	return 0;
}

static int request_line(const char *head, size_t len, struct http_req *r,
			struct authority *a, int *ll)
{
	const char *t, *why;
	size_t tl;
	int e;

	e = line_split(head, len, r, &t, &tl, ll);
	if (e < 0)
		return e;
	if (r->method.len == 7 && !memcmp(head, "CONNECT", 7)) {
		r->kind = HTTP_CONNECT;
		e = authority_parse(t, tl, a, &why);
		if (e == 0 && !a->port) {
			why = "CONNECT without a port";
			e = -EINVAL;
		}
		r->why = why;
		return e;
	}
	if (!iprefix(t, tl, "http://")) {
		r->why = iprefix(t, tl, "https://")
			     ? "https:// needs CONNECT"
			     : "not a proxy request (absolute-form http:// "
			       "or CONNECT)";
		return t[0] == '/' || t[0] == '*' || iprefix(t, tl, "https://")
			   ? -ENOTSUP
			   : -EINVAL;
	}
	r->kind = HTTP_FORWARD;
	{
		const char *u = t + 7;
		size_t ul = tl - 7, al = 0;

		while (al < ul && u[al] != '/' && u[al] != '?')
			al++;
		e = authority_parse(u, al, a, &why);
		if (e < 0) {
			r->why = why;
			return e;
		}
		if (!a->port)
			a->port = 80;
		r->path.off = (uint16_t)(u + al - head);
		r->path.len = (uint16_t)(ul - al);
	}
	return 0;
}

/* r emptied; 0 when head is a whole head (ends in CRLF CRLF, not too
 * long), else -EINVAL and r->why. */
static int head_begin(const char *head, size_t len, struct http_req *r)
{
	memset(r, 0, offsetof(struct http_req, f));
	r->nfields = 0;
	if (len < 4 || len > HTTP_HEAD_MAX ||
	    memcmp(head + len - 4, "\r\n\r\n", 4)) {
		r->why = "incomplete head";
		return -EINVAL;
	}
	return 0;
}

int http_parse_request(const char *head, size_t len, struct http_req *r)
{
	struct authority a;
	int ll, e;

	if (head_begin(head, len, r) < 0)
		return -EINVAL;
	e = request_line(head, len, r, &a, &ll);
	if (e < 0)
		return e;
	r->port = a.port;
	r->is_ip = a.is_ip;
	r->ip = a.ip;
	memcpy(r->host, a.host, sizeof(r->host));
	e = fields_parse(head, len, (size_t)ll + 2, r->f, &r->nfields, &r->why);
	if (e < 0)
		return e;
	e = mark_drop(head, r->f, r->nfields, r->drop, 0, &r->why);
	if (e < 0)
		return e;
	return req_fields(head, r, &a);
}

int http_parse_origin(const char *head, size_t len, uint16_t port,
		      struct http_req *r)
{
	struct authority a;
	const char *t, *why;
	size_t tl;
	int ll, e, hosts = 0;

	memset(&a, 0, sizeof(a));
	if (head_begin(head, len, r) < 0)
		return -EINVAL;
	e = line_split(head, len, r, &t, &tl, &ll);
	if (e < 0)
		return e;
	if (t[0] != '/' && !(tl == 1 && t[0] == '*')) {
		r->why = "not an origin-form request";
		return -EINVAL;
	}
	e = fields_parse(head, len, (size_t)ll + 2, r->f, &r->nfields, &r->why);
	if (e < 0)
		return e;
	for (int i = 0; i < r->nfields; i++) {
		if (!ieq(at(head, r->f[i].name), r->f[i].name.len, "host"))
			continue;
		if (hosts++ || authority_parse(at(head, r->f[i].value),
					       r->f[i].value.len, &a,
					       &why) < 0) {
			r->why = hosts > 1 ? "more than one Host" : why;
			return -EINVAL;
		}
	}
	if (!hosts) {
		r->why = "no Host";
		return -EINVAL;
	}
	if (a.port && a.port != port) {
		r->why = "Host names another port";
		return -EINVAL;
	}
	r->kind = HTTP_FORWARD;
	r->has_host = 1;
	r->port = port;
	r->is_ip = a.is_ip;
	r->ip = a.ip;
	memcpy(r->host, a.host, sizeof(r->host));
	return 0;
}

static void put_span(struct buf *b, const char *head, struct http_span s)
{
	buf_putn(b, at(head, s), s.len);
}

static void put_fields(struct buf *b, const char *head,
		       const struct http_field *f, const uint8_t *drop, int nf)
{
	for (int i = 0; i < nf; i++) {
		if (drop[i])
			continue;
		put_span(b, head, f[i].name);
		buf_puts(b, ": ");
		put_span(b, head, f[i].value);
		buf_puts(b, "\r\n");
	}
}

int http_forward_head(const char *head, const struct http_req *r, char *out,
		      size_t cap)
{
	struct buf b;

	buf_init(&b, out, cap);
	put_span(&b, head, r->method);
	buf_putc(&b, ' ');
	if (r->path.len == 0 || head[r->path.off] != '/')
		buf_putc(&b, '/');
	put_span(&b, head, r->path);
	buf_puts(&b, r->minor ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
	if (!r->has_host) {
		buf_puts(&b, "Host: ");
		if (r->is_ip && r->ip.family == 6)
			buf_putc(&b, '[');
		buf_puts(&b, r->host);
		if (r->is_ip && r->ip.family == 6)
			buf_putc(&b, ']');
		if (r->port != 80) {
			buf_putc(&b, ':');
			buf_putu(&b, r->port);
		}
		buf_puts(&b, "\r\n");
	}
	put_fields(&b, head, r->f, r->drop, r->nfields);
	buf_puts(&b, "Connection: close\r\n\r\n");
	return b.over ? -EMSGSIZE : (int)b.len;
}

int http_parse_response(const char *head, size_t len, struct http_resp *r)
{
	int ll, e;
	const char *s = head;

	memset(r, 0, offsetof(struct http_resp, f));
	r->nfields = 0;
	if (len < 4 || len > HTTP_HEAD_MAX ||
	    memcmp(head + len - 4, "\r\n\r\n", 4)) {
		r->why = "incomplete head";
		return -EINVAL;
	}
	ll = line_len(head, len, 0);
	/* "HTTP/1.1 200" then optionally " reason" */
	if (ll < 12 || version_parse(s, 8, &r->minor) < 0 || s[8] != ' ' ||
	    s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' ||
	    s[11] < '0' || s[11] > '9' || (ll > 12 && s[12] != ' ')) {
		r->why = "bad status line";
		return -EINVAL;
	}
	for (int i = 13; i < ll; i++) {
		if (!is_vbyte((unsigned char)s[i])) {
			r->why = "bad status line";
			return -EINVAL;
		}
	}
	r->len = (uint16_t)len;
	r->status =
	    (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
	e = fields_parse(head, len, (size_t)ll + 2, r->f, &r->nfields, &r->why);
	if (e < 0)
		return e;
	return mark_drop(head, r->f, r->nfields, r->drop, r->status == 101,
			 &r->why);
}

int http_response_head(const char *head, const struct http_resp *r, char *out,
		       size_t cap)
{
	struct buf b;
	int ll = line_len(head, r->len, 0);

	buf_init(&b, out, cap);
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		/* Interim: the whole head as it came. */
		buf_putn(&b, head, r->len);
		return b.over ? -EMSGSIZE : (int)b.len;
	}
	buf_putn(&b, head, (size_t)ll + 2);
	put_fields(&b, head, r->f, r->drop, r->nfields);
	buf_puts(&b, "Connection: close\r\n\r\n");
	return b.over ? -EMSGSIZE : (int)b.len;
}

/* ---- chunked framing ---- */

enum {
	C_SIZE,	     /* first hex digit */
	C_SIZE_MORE, /* more digits, extensions, or CR */
	C_EXT,	     /* extensions up to CR */
	C_SIZE_LF,
	C_DATA,
	C_DATA_CR,
	C_DATA_LF,
	C_TRAILER_BOL, /* a trailer line, or the final CRLF */
	C_TRAILER,
	C_TRAILER_LF,
	C_END_LF,
	C_DONE,
};

#define CHUNK_LINE_MAX 4096
#define CHUNK_TRAILER_MAX 8192

static int hexdig(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int http_chunked_feed(struct http_chunked *c, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && c->state != C_DONE) {
		unsigned char ch = p[i];
		int h;

		if (c->state == C_DATA) {
			uint64_t k = n - i < c->left ? n - i : c->left;

			i += k;
			c->left -= k;
			if (!c->left)
				c->state = C_DATA_CR;
			continue;
		}
		i++;
		if (c->state != C_TRAILER_BOL && c->state != C_TRAILER &&
		    c->state != C_TRAILER_LF && c->state != C_END_LF &&
		    ++c->line > CHUNK_LINE_MAX)
			return -EINVAL;
		switch (c->state) {
		case C_SIZE:
		case C_SIZE_MORE:
			h = hexdig(ch);
			if (h >= 0) {
				if (++c->digits > 15)
					return -EINVAL;
				c->left = c->left << 4 | (uint64_t)h;
				c->state = C_SIZE_MORE;
			} else if (c->state == C_SIZE_MORE &&
				   (ch == ';' || ch == ' ' || ch == '\t')) {
				c->state = C_EXT;
			} else if (c->state == C_SIZE_MORE && ch == '\r') {
				c->state = C_SIZE_LF;
			} else {
				return -EINVAL;
			}
			break;
		case C_EXT:
			if (ch == '\r')
				c->state = C_SIZE_LF;
			else if (!is_vbyte(ch))
				return -EINVAL;
			break;
		case C_SIZE_LF:
			if (ch != '\n')
				return -EINVAL;
			c->line = 0;
			c->digits = 0;
			c->state = c->left ? C_DATA : C_TRAILER_BOL;
			break;
		case C_DATA_CR:
			if (ch != '\r')
				return -EINVAL;
			c->state = C_DATA_LF;
			break;
		case C_DATA_LF:
			if (ch != '\n')
				return -EINVAL;
			c->line = 0;
			c->state = C_SIZE;
			break;
		default:
			/* Trailers: bounded in all, not per line. */
			if (++c->line > CHUNK_TRAILER_MAX)
				return -EINVAL;
			if (c->state == C_TRAILER_BOL) {
				if (ch == '\r')
					c->state = C_END_LF;
				else if (is_tchar(ch))
					c->state = C_TRAILER;
				else
					return -EINVAL;
			} else if (c->state == C_TRAILER) {
				if (ch == '\r')
					c->state = C_TRAILER_LF;
				else if (!is_vbyte(ch))
					return -EINVAL;
			} else {
				/* C_TRAILER_LF, C_END_LF */
				if (ch != '\n')
					return -EINVAL;
				c->state = c->state == C_END_LF ? C_DONE
								: C_TRAILER_BOL;
			}
			break;
		}
	}
	return (int)i;
}

uint64_t http_chunked_data(const struct http_chunked *c)
{
	return c->state == C_DATA ? c->left : 0;
}

void http_chunked_skip(struct http_chunked *c, uint64_t m)
{
	if (c->state != C_DATA || m > c->left)
		return;
	c->left -= m;
	if (!c->left)
		c->state = C_DATA_CR;
}

int http_chunked_done(const struct http_chunked *c)
{
	return c->state == C_DONE;
}

/* ---- TLS ClientHello ---- */

struct rd {
	const uint8_t *p;
	size_t n, i;
};

static int rd_u8(struct rd *r, unsigned *v)
{
	if (r->n - r->i < 1)
		return -1;
	*v = r->p[r->i++];
	return 0;
}

static int rd_u16(struct rd *r, unsigned *v)
{
	if (r->n - r->i < 2)
		return -1;
	*v = (unsigned)(r->p[r->i] << 8 | r->p[r->i + 1]);
	r->i += 2;
	return 0;
}

static int rd_skip(struct rd *r, size_t k)
{
	if (r->n - r->i < k)
		return -1;
	r->i += k;
	return 0;
}

/* server_name extension data: exactly one host_name entry. */
static int sni_parse(const uint8_t *p, size_t n, char *sni)
{
	struct rd r = {p, n, 0};
	unsigned list, type, len;

	if (rd_u16(&r, &list) < 0 || list != n - 2 || rd_u8(&r, &type) < 0 ||
	    type != 0 || rd_u16(&r, &len) < 0 || len != n - 5 || len == 0 ||
	    len > SB_HOST_MAX)
		return -EINVAL;
	if (memchr(p + 5, 0, len) ||
	    host_parse((const char *)p + 5, len, sni) < 0)
		return -EINVAL;
	return 0;
}

static int hello_parse(const uint8_t *p, size_t n, char *sni)
{
	struct rd r = {p, n, 0};
	unsigned len, ext_total, seen_sni = 0;

	/* legacy_version, random */
	if (rd_skip(&r, 2 + 32) < 0)
		return -EINVAL;
	/* legacy_session_id <0..32> */
	if (rd_u8(&r, &len) < 0 || len > 32 || rd_skip(&r, len) < 0)
		return -EINVAL;
	/* cipher_suites <2..2^16-2> */
	if (rd_u16(&r, &len) < 0 || len < 2 || len & 1 || rd_skip(&r, len) < 0)
		return -EINVAL;
	/* legacy_compression_methods <1..2^8-1> */
	if (rd_u8(&r, &len) < 0 || len < 1 || rd_skip(&r, len) < 0)
		return -EINVAL;
	if (r.i == r.n)
		return TLS_NO_SNI; /* no extensions at all */
	if (rd_u16(&r, &ext_total) < 0 || ext_total != r.n - r.i)
		return -EINVAL;
	while (r.i < r.n) {
		unsigned type;

		if (rd_u16(&r, &type) < 0 || rd_u16(&r, &len) < 0 ||
		    r.n - r.i < len)
			return -EINVAL;
		if (type == 0) {
			if (seen_sni++ || sni_parse(r.p + r.i, len, sni) < 0)
				return -EINVAL;
		}
		r.i += len;
	}
	return seen_sni ? TLS_SNI : TLS_NO_SNI;
}

int tls_client_hello(const uint8_t *p, size_t n, uint8_t *tmp, size_t tmpcap,
		     char *sni, size_t *need)
{
	size_t off = 0, have = 0,
	       cap = tmpcap < TLS_HELLO_MAX ? tmpcap : TLS_HELLO_MAX;

	*need = 0;
	if (n == 0) {
		*need = 1;
		return TLS_NEED_MORE;
	}
	/* Only a real record header starts the check: type 22, version
	 * 3.0-3.4, a plausible length (2^14, and TLSCompressed's 256 more).
	 * Other bytes, 0x16 first or not, are another protocol: the tunnel
	 * stays byte-exact. A header still arriving is waited for. */
	if (p[0] != 0x16 || (n > 1 && p[1] != 3) || (n > 2 && p[2] > 4))
		return TLS_NOT_HANDSHAKE;
	if (n >= 5) {
		size_t rl = (size_t)(p[3] << 8 | p[4]);

		if (rl == 0 || rl > TLS_RECORD_PLAUSIBLE)
			return TLS_NOT_HANDSHAKE;
	}
	for (;;) {
		size_t rl;

		if (n - off < 5) {
			*need = off + 5;
			break;
		}
		/* A handshake record, TLS major version 3, 1..2^14 bytes. */
		rl = (size_t)(p[off + 3] << 8 | p[off + 4]);
		if (p[off] != 0x16 || p[off + 1] != 3 || p[off + 2] > 4 ||
		    rl == 0 || rl > 16384)
			return -EINVAL;
		if (n - off - 5 < rl) {
			*need = off + 5 + rl;
			break;
		}
		if (rl > cap - have)
			return -EMSGSIZE;
		memcpy(tmp + have, p + off + 5, rl);
		have += rl;
		off += 5 + rl;
		if (have >= 4) {
			size_t ml =
			    (size_t)(tmp[1] << 16 | tmp[2] << 8 | tmp[3]);

			if (tmp[0] != 1)
				return -EINVAL; /* not a ClientHello */
			if (ml > cap - 4)
				return -EMSGSIZE;
			if (have >= 4 + ml) {
				if (have != 4 + ml)
					return -EINVAL; /* more than one */
				return hello_parse(tmp + 4, ml, sni);
			}
		}
	}
	if (*need > TLS_PEEK_MAX)
		return -EMSGSIZE;
	return TLS_NEED_MORE;
}
