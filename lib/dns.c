/* lib/dns.c - the stub resolver: query building and answer parsing (pure),
 * resolv.conf and hosts parsing, and a blocking UDP/TCP client. See RFC
 * 1035 sections 4.1 (message format) and 4.2.2 (TCP framing), and RFC 2181
 * section 10.1 (CNAME). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "opt.h"
#include "sys.h"

#define DNS_HDR 12
#define DNS_NAME_MAX 255     /* wire form, with the root label */
#define F_QR 0x8000
#define F_TC 0x0200
#define F_RD 0x0100

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

/* A host name to lowercase wire form. Length, or -1. */
static int name_to_wire(const char *name, uint8_t *w)
{
	char low[SB_HOST_MAX + 1];
	size_t n = strnlen(name, SB_HOST_MAX + 1), start = 0, wl = 0;

	if (host_parse(name, n, low) < 0)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && low[i] != '.')
			continue;
		w[wl++] = (uint8_t)(i - start);
		memcpy(w + wl, low + start, i - start);
		wl += i - start;
		start = i + 1;
	}
	w[wl++] = 0;
	return (int)wl;
}

int dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name,
		    uint16_t qtype)
{
	uint8_t w[DNS_NAME_MAX + 1];
	int wl = name_to_wire(name, w);

	if (wl < 0 || cap < (size_t)(DNS_HDR + wl + 4))
		return -1;
	memset(out, 0, DNS_HDR);
	put16(out, id);
	put16(out + 2, F_RD);
	put16(out + 4, 1);            /* QDCOUNT */
	memcpy(out + DNS_HDR, w, (size_t)wl);
	put16(out + DNS_HDR + wl, qtype);
	put16(out + DNS_HDR + wl + 2, DNS_C_IN);
	return DNS_HDR + wl + 4;
}

/*
 * Read the (possibly compressed) name at off into w: uncompressed,
 * lowercase, at most 255 bytes. *next is the offset just past the name
 * where it appears. m[0..len) bounds every byte read.
 *
 * A pointer must point before the start of the run of labels it ends
 * (the name it continues was written earlier), so every jump goes strictly
 * backwards and no loop is possible; DNS_MAX_HOPS bounds the work anyway.
 * Pointers into the header and the reserved label types 01 and 10 are
 * malformed.
 */
static int name_read(const uint8_t *m, size_t len, size_t off, uint8_t *w,
		     size_t *wlen, size_t *next)
{
	size_t pos = off, seg = off, n = 0;
	int hops = 0;

	*next = 0;
	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -EBADMSG;
		c = m[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t to;

			if (pos + 1 >= len)
				return -EBADMSG;
			to = (size_t)(c & 0x3f) << 8 | m[pos + 1];
			if (to < DNS_HDR || to >= seg || ++hops > DNS_MAX_HOPS)
				return -EBADMSG;
			if (!*next)
				*next = pos + 2;
			pos = seg = to;
			continue;
		}
		if (c & 0xc0)
			return -EBADMSG;
		if (c == 0) {
			if (n + 1 > DNS_NAME_MAX)
				return -EBADMSG;
			w[n++] = 0;
			if (!*next)
				*next = pos + 1;
			*wlen = n;
			return 0;
		}
		/* Room for this label and the root label after it. */
		if (n + 1 + c + 1 > DNS_NAME_MAX || c > len - pos - 1)
			return -EBADMSG;
		w[n++] = c;
		for (size_t i = 1; i <= c; i++)
			w[n++] = lower(m[pos + i]);
		pos += 1 + (size_t)c;
	}
}

struct rr {
	uint8_t owner[DNS_NAME_MAX + 1];
	size_t olen;
	uint16_t type, class;
	size_t rdoff, rdlen;
};

static int rr_read(const uint8_t *m, size_t len, size_t *off, struct rr *r)
{
	size_t next;
	int e = name_read(m, len, *off, r->owner, &r->olen, &next);

	if (e < 0)
		return e;
	if (len - next < 10)
		return -EBADMSG;
	r->type = get16(m + next);
	r->class = get16(m + next + 2);
	r->rdlen = get16(m + next + 8);
	r->rdoff = next + 10;
	if (r->rdlen > len - r->rdoff)
		return -EBADMSG;
	*off = r->rdoff + r->rdlen;
	return 0;
}

/* A CNAME's target: a name that fills its RDATA exactly. */
static int rr_target(const uint8_t *m, const struct rr *r, uint8_t *w,
		     size_t *wlen)
{
	size_t end = r->rdoff + r->rdlen, next;
	int e = name_read(m, end, r->rdoff, w, wlen, &next);

	if (e < 0)
		return e;
	return next == end ? 0 : -EBADMSG;
}

static int wire_eq(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

/* Check every record of every section; the answer's own RDATA too. */
static int check_sections(const uint8_t *m, size_t len, size_t off,
			  unsigned an, unsigned rest)
{
	struct rr r;
	uint8_t t[DNS_NAME_MAX + 1];
	size_t tl;
	int e;

	/* Each record takes at least 11 bytes: refuse absurd counts early. */
	if ((size_t)(an + rest) * 11 > len - off)
		return -EBADMSG;
	for (unsigned i = 0; i < an + rest; i++) {
		e = rr_read(m, len, &off, &r);
		if (e < 0)
			return e;
		if (i >= an || r.class != DNS_C_IN)
			continue;
		if ((r.type == DNS_T_A && r.rdlen != 4) ||
		    (r.type == DNS_T_AAAA && r.rdlen != 16))
			return -EBADMSG;
		if (r.type == DNS_T_CNAME &&
		    (e = rr_target(m, &r, t, &tl)) < 0)
			return e;
	}
	return off == len ? 0 : -EBADMSG;
}

struct chain {
	int n;
	size_t len[DNS_MAX_CNAME + 1];
	uint8_t name[DNS_MAX_CNAME + 1][DNS_NAME_MAX + 1];
};

static int chain_has(const struct chain *c, const uint8_t *w, size_t wl)
{
	for (int i = 0; i < c->n; i++)
		if (wire_eq(c->name[i], c->len[i], w, wl))
			return 1;
	return 0;
}

/* Follow CNAMEs from the query name through the answer section. */
static int chain_follow(const uint8_t *m, size_t len, size_t ans,
			unsigned an, struct chain *c)
{
	struct rr r;
	uint8_t t[DNS_NAME_MAX + 1];
	size_t tl = 0;

	for (;;) {
		size_t off = ans;
		int found = 0, e;

		for (unsigned i = 0; i < an; i++) {
			if ((e = rr_read(m, len, &off, &r)) < 0)
				return e;
			if (r.type != DNS_T_CNAME || r.class != DNS_C_IN ||
			    !wire_eq(r.owner, r.olen, c->name[c->n - 1],
				     c->len[c->n - 1]))
				continue;
			if (found)
				return -EBADMSG;  /* two CNAMEs for one name */
			if ((e = rr_target(m, &r, t, &tl)) < 0)
				return e;
			found = 1;
		}
		if (!found)
			return 0;
		if (chain_has(c, t, tl) || c->n > DNS_MAX_CNAME)
			return -ELOOP;
		memcpy(c->name[c->n], t, tl);
		c->len[c->n++] = tl;
	}
}

int dns_answer_parse(const uint8_t *msg, size_t len, uint16_t id,
		     const char *name, uint16_t qtype, struct sb_ip *ips,
		     int max, int *rcode, int *truncated)
{
	struct chain c;
	struct rr r;
	uint8_t q[DNS_NAME_MAX + 1];
	size_t ql, off, next, ans;
	uint16_t flags;
	unsigned an, rest;
	int wl, e, n = 0;

	*rcode = -1;
	*truncated = 0;
	if (len < DNS_HDR || len > 65535)
		return -EBADMSG;
	if (get16(msg) != id)
		return -EPROTO;
	flags = get16(msg + 2);
	if (!(flags & F_QR) || ((flags >> 11) & 15) != 0 ||
	    get16(msg + 4) != 1)
		return -EPROTO;
	wl = name_to_wire(name, c.name[0]);
	if (wl < 0)
		return -EINVAL;
	c.len[0] = (size_t)wl;
	c.n = 1;
	e = name_read(msg, len, DNS_HDR, q, &ql, &next);
	if (e < 0)
		return e;
	if (len - next < 4)
		return -EBADMSG;
	if (!wire_eq(q, ql, c.name[0], c.len[0]) ||
	    get16(msg + next) != qtype || get16(msg + next + 2) != DNS_C_IN)
		return -EPROTO;
	*rcode = flags & 15;
	*truncated = !!(flags & F_TC);
	if (*truncated || *rcode != DNS_R_NOERROR)
		return 0;
	ans = next + 4;
	an = get16(msg + 6);
	rest = (unsigned)get16(msg + 8) + get16(msg + 10);
	if ((e = check_sections(msg, len, ans, an, rest)) < 0)
		return e;
	if ((e = chain_follow(msg, len, ans, an, &c)) < 0)
		return e;
	off = ans;
	for (unsigned i = 0; i < an; i++) {
		if ((e = rr_read(msg, len, &off, &r)) < 0)
			return e;
		if (r.type != qtype || r.class != DNS_C_IN ||
		    !chain_has(&c, r.owner, r.olen) || n >= max)
			continue;
		memset(&ips[n], 0, sizeof(ips[n]));
		if (qtype == DNS_T_A) {
			ips[n].family = 4;
			memcpy(ips[n].a, msg + r.rdoff, 4);
		} else if (qtype == DNS_T_AAAA) {
			ips[n].family = 6;
			memcpy(ips[n].a, msg + r.rdoff, 16);
			ip_fold(&ips[n]);
		} else {
			continue;
		}
		n++;
	}
	return n;
}

void dns_conf_init(struct dns_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->timeout_ms = 2000;
	c->attempts = 2;
	c->hosts = DNS_HOSTS_PATH;
}

static int ns_add(struct dns_conf *c, const char *s, size_t n, uint16_t port)
{
	struct sb_ip ip;

	if (ip_parse(s, n, &ip) < 0)
		return -EINVAL;
	if (c->nns >= DNS_MAX_NS)
		return -ENOSPC;
	ip_fold(&ip);
	c->ns[c->nns].ip = ip;
	c->ns[c->nns].port = port;
	c->nns++;
	return 0;
}

int dns_conf_add_ns(struct dns_conf *c, const char *spec)
{
	size_t n = strnlen(spec, 64);
	const char *colon, *end;
	long port = DNS_PORT;

	if (n == 0 || n >= 64)
		return -EINVAL;
	if (spec[0] == '[') {
		end = memchr(spec, ']', n);
		if (!end || !memchr(spec + 1, ':', (size_t)(end - spec - 1)))
			return -EINVAL;
		if (end[1] == ':')
			port = opt_port(end + 2);
		else if (end[1])
			return -EINVAL;
		if (port < 0)
			return -EINVAL;
		return ns_add(c, spec + 1, (size_t)(end - spec - 1),
			      (uint16_t)port);
	}
	colon = memchr(spec, ':', n);
	if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - spec) - 1)) {
		port = opt_port(colon + 1);
		if (port < 0)
			return -EINVAL;
		return ns_add(c, spec, (size_t)(colon - spec), (uint16_t)port);
	}
	return ns_add(c, spec, n, DNS_PORT);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next blank-separated word of s[*i..n): its start, *wl its length. */
static const char *word(const char *s, size_t n, size_t *i, size_t *wl)
{
	size_t b;

	while (*i < n && is_blank(s[*i]))
		(*i)++;
	b = *i;
	while (*i < n && !is_blank(s[*i]))
		(*i)++;
	*wl = *i - b;
	return *wl ? s + b : 0;
}

static int word_is(const char *w, size_t wl, const char *lit)
{
	return wl == strlen(lit) && !memcmp(w, lit, wl);
}

/* "timeout:N" and friends: N in [1, max], else -1. */
static long option_num(const char *w, size_t wl, const char *key, long max)
{
	size_t k = strlen(key);
	char t[8];
	long v;

	if (wl <= k || memcmp(w, key, k) || wl - k >= sizeof(t))
		return -1;
	memcpy(t, w + k, wl - k);
	t[wl - k] = 0;
	v = opt_num(t, max);
	return v < 1 ? -1 : v;
}

static int conf_line(void *arg, const char *s, size_t n)
{
	struct dns_conf *c = arg;
	const char *w;
	size_t i = 0, wl;
	long v;

	w = word(s, n, &i, &wl);
	if (!w || w[0] == '#' || w[0] == ';')
		return 0;
	if (word_is(w, wl, "nameserver")) {
		w = word(s, n, &i, &wl);
		if (w)
			ns_add(c, w, wl, DNS_PORT);  /* bad or extra: skipped */
		return 0;
	}
	if (!word_is(w, wl, "options"))
		return 0;
	while ((w = word(s, n, &i, &wl))) {
		if ((v = option_num(w, wl, "timeout:", 30)) > 0)
			c->timeout_ms = (int)v * 1000;
		if ((v = option_num(w, wl, "attempts:", 5)) > 0)
			c->attempts = (int)v;
	}
	return 0;
}

struct hosts_ctx {
	const char *name;
	size_t nl;
	struct sb_ip *ips;
	int max, n;
};

static int hosts_line(void *arg, const char *s, size_t n)
{
	struct hosts_ctx *h = arg;
	const char *hash = memchr(s, '#', n), *w;
	struct sb_ip ip;
	size_t i = 0, wl;

	if (hash)
		n = (size_t)(hash - s);
	w = word(s, n, &i, &wl);
	if (!w || ip_parse(w, wl, &ip) < 0)
		return 0;
	ip_fold(&ip);
	while ((w = word(s, n, &i, &wl))) {
		if (wl != h->nl || strncasecmp(w, h->name, wl))
			continue;
		for (int k = 0; k < h->n; k++)
			if (ip_equal(&h->ips[k], &ip))
				return 0;
		if (h->n < h->max)
			h->ips[h->n++] = ip;
		return 0;
	}
	return 0;
}

static void text_lines(const char *text, size_t n,
		       int (*fn)(void *, const char *, size_t), void *arg)
{
	while (n) {
		const char *nl = memchr(text, '\n', n);
		size_t k = nl ? (size_t)(nl - text) : n;

		fn(arg, text, k);
		k += nl ? 1 : 0;
		text += k;
		n -= k;
	}
}

int dns_conf_parse(struct dns_conf *c, const char *text, size_t n)
{
	text_lines(text, n, conf_line, c);
	return 0;
}

int dns_hosts_parse(const char *text, size_t n, const char *name,
		    struct sb_ip *ips, int max)
{
	struct hosts_ctx h = { name, strnlen(name, SB_HOST_MAX + 1), ips,
			       max, 0 };

	text_lines(text, n, hosts_line, &h);
	return h.n;
}

const char *dns_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENXIO:
		return "NXDOMAIN (no such name)";
	case ENODATA:
		return "no address (no A or AAAA record)";
	case EAGAIN:
		return "SERVFAIL (the server failed)";
	case ECONNREFUSED:
		return "refused by the server";
	case ETIMEDOUT:
		return "timeout (no answer)";
	case EPROTO:
		return "no answer matched the question (id, name or type)";
	case EBADMSG:
		return "malformed answer";
	case ELOOP:
		return "CNAME chain too long or looping";
	case EINVAL:
		return "not a valid host name";
	case EMSGSIZE:
		return "answer too large";
	case EREMOTEIO:
		return "the server reported an error";
	case EADDRNOTAVAIL:
		return "only internal addresses";
	case ENOSPC:
		return "the pin table is full";
	case EDQUOT:
		return "too many names have failed to resolve (lookups on "
		       "first use are bounded)";
	default:
		return strerror(err < 0 ? -err : err);
	}
}

/*
 * I/O from here on.
 */

#define LINE_MAX_LEN 2048

/* Call fn on each line of the file; a line longer than the buffer is
 * skipped whole (hosts and resolv.conf lines are short). 0 or -errno. */
static int file_lines(const char *path,
		      int (*fn)(void *, const char *, size_t), void *arg)
{
	char buf[LINE_MAX_LEN];
	size_t have = 0;
	int fd, skip = 0;

	fd = sys_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		size_t start = 0;
		char *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			close(fd);
			return (int)r;
		}
		if (r == 0) {
			if (have && !skip)
				fn(arg, buf, have);
			break;
		}
		have += (size_t)r;
		while ((nl = memchr(buf + start, '\n', have - start))) {
			size_t end = (size_t)(nl - buf);

			if (!skip)
				fn(arg, buf + start, end - start);
			skip = 0;
			start = end + 1;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have == sizeof(buf)) {
			skip = 1;
			have = 0;
		}
	}
	close(fd);
	return 0;
}

int dns_conf_load(struct dns_conf *c, const char *path)
{
	int e = file_lines(path, conf_line, c);

	return e == -ENOENT ? 0 : e;
}

int dns_hosts_lookup(const char *path, const char *name, struct sb_ip *ips,
		     int max)
{
	struct hosts_ctx h = { name, strnlen(name, SB_HOST_MAX + 1), ips,
			       max, 0 };
	int e = file_lines(path, hosts_line, &h);

	return e < 0 ? e : h.n;
}

int dns_random_id(uint16_t *id)
{
	ssize_t r;

	do
		r = getrandom(id, sizeof(*id), 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == (ssize_t)sizeof(*id) ? 0 : -EIO;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for ev on fd until deadline: 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short ev, long long deadline)
{
	for (;;) {
		struct pollfd p = { fd, ev, 0 };
		long long left = deadline - now_ms();
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			return 0;
	}
}

/* One query type in flight. */
struct dns_q {
	uint16_t qtype, id;
	int done;       /* answered for good: NOERROR or NXDOMAIN */
	int err;        /* -ENODATA / -ENXIO when done, else the failure */
	int n;
	struct sb_ip ips[DNS_MAX_ADDRS];
};

/* A timeout never hides a real failure seen at another server. */
static void q_fail(struct dns_q *q, int e)
{
	if (e != -ETIMEDOUT || q->err == 0 || q->err == -ETIMEDOUT)
		q->err = e;
}

/* Take a parsed answer: 1 if it must be asked again over TCP. */
static int q_take(struct dns_q *q, int n, int rcode, int tc)
{
	if (n < 0) {
		q_fail(q, n);
		return 0;
	}
	if (tc)
		return 1;
	switch (rcode) {
	case DNS_R_NOERROR:
		q->done = 1;
		q->n = n;
		q->err = n ? 0 : -ENODATA;
		break;
	case DNS_R_NXDOMAIN:
		q->done = 1;
		q->err = -ENXIO;
		break;
	case DNS_R_SERVFAIL:
		q_fail(q, -EAGAIN);
		break;
	case DNS_R_REFUSED:
		q_fail(q, -ECONNREFUSED);
		break;
	default:
		q_fail(q, -EREMOTEIO);
	}
	return 0;
}

static int io_all(int fd, uint8_t *p, size_t n, int out, long long deadline)
{
	while (n) {
		ssize_t r;
		int e = wait_fd(fd, out ? POLLOUT : POLLIN, deadline);

		if (e < 0)
			return e;
		r = out ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int sock_open(const struct dns_ns *ns, int type, long long deadline)
{
	struct sockaddr_storage ss;
	struct sb_ip any;
	socklen_t sl;
	int fd, e, err = 0;
	socklen_t el = sizeof(err);

	fd = socket(ns->ip.family == 4 ? AF_INET : AF_INET6,
		    type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Port 0: the kernel picks a random ephemeral source port. */
	memset(&any, 0, sizeof(any));
	any.family = ns->ip.family;
	sl = sockaddr_make(&any, 0, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		goto fail;
	/* Connected: the kernel drops datagrams from anyone else. */
	sl = sockaddr_make(&ns->ip, ns->port, &ss);
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	e = wait_fd(fd, POLLOUT, deadline);
	if (e < 0) {
		close(fd);
		return e;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
		goto fail;
	if (err == 0)
		return fd;
	errno = err;
fail:
	e = -errno;
	close(fd);
	return e;
}

static int tcp_query(const struct dns_ns *ns, const char *name,
		     struct dns_q *q, int timeout_ms, struct dns_stat *st)
{
	long long deadline = now_ms() + timeout_ms;
	uint8_t qb[2 + DNS_QUERY_MAX], msg[DNS_TCP_MAX];
	int fd, ql, e, n, rcode, tc;
	size_t mlen;

	if ((e = dns_random_id(&q->id)) < 0)
		return e;
	ql = dns_query_build(qb + 2, sizeof(qb) - 2, q->id, name, q->qtype);
	if (ql < 0)
		return -EINVAL;
	put16(qb, (uint16_t)ql);
	fd = sock_open(ns, SOCK_STREAM, deadline);
	if (fd < 0)
		return fd;
	st->queries++;
	e = io_all(fd, qb, (size_t)ql + 2, 1, deadline);
	if (e == 0)
		e = io_all(fd, qb, 2, 0, deadline);
	if (e < 0)
		goto out;
	mlen = get16(qb);
	e = -EMSGSIZE;
	if (mlen > sizeof(msg))
		goto out;
	e = io_all(fd, msg, mlen, 0, deadline);
	if (e < 0)
		goto out;
	n = dns_answer_parse(msg, mlen, q->id, name, q->qtype, q->ips,
			     DNS_MAX_ADDRS, &rcode, &tc);
	st->rcode = rcode;
	st->tcp++;
	/* A TCP answer cut short again is broken, as is a mismatch on a
	 * stream nobody else can write to. */
	q_take(q, tc ? -EBADMSG : n, rcode, 0);
	e = 0;
out:
	close(fd);
	return e;
}

/* Ask one server for every query not yet done, over one UDP socket. */
static void udp_exchange(const struct dns_ns *ns, const char *name,
			 struct dns_q *q, int nq, int timeout_ms,
			 struct dns_stat *st)
{
	long long deadline = now_ms() + timeout_ms;
	uint8_t buf[DNS_UDP_MAX];
	int wait[2] = { 0, 0 }, tcp[2] = { 0, 0 }, ignored = 0, fd, left = 0;

	fd = sock_open(ns, SOCK_DGRAM, deadline);
	if (fd < 0) {
		for (int i = 0; i < nq; i++)
			if (!q[i].done)
				q_fail(&q[i], fd);
		return;
	}
	for (int i = 0; i < nq; i++) {
		int ql, e;

		if (q[i].done)
			continue;
		e = dns_random_id(&q[i].id);
		ql = e < 0 ? -1 : dns_query_build(buf, sizeof(buf), q[i].id,
						  name, q[i].qtype);
		if (ql < 0) {
			q_fail(&q[i], e < 0 ? e : -EINVAL);
			continue;
		}
		st->queries++;
		if (send(fd, buf, (size_t)ql, MSG_NOSIGNAL) < 0) {
			q_fail(&q[i], -errno);
			continue;
		}
		wait[i] = 1;
		left++;
	}
	while (left > 0) {
		ssize_t r;
		int e = wait_fd(fd, POLLIN, deadline), k, n, rcode, tc;

		if (e < 0)
			break;
		r = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			/* ICMP port unreachable, reported on the socket. */
			for (int i = 0; i < nq; i++)
				if (wait[i])
					q_fail(&q[i], -errno);
			left = 0;
			break;
		}
		if ((size_t)r > sizeof(buf)) {
			ignored++;
			continue;
		}
		for (k = 0; k < nq; k++)
			if (wait[k] && r >= 2 && get16(buf) == q[k].id)
				break;
		if (k == nq) {
			ignored++;
			continue;
		}
		n = dns_answer_parse(buf, (size_t)r, q[k].id, name,
				     q[k].qtype, q[k].ips, DNS_MAX_ADDRS,
				     &rcode, &tc);
		if (n == -EPROTO) {
			ignored++;       /* forged or stale: keep waiting */
			continue;
		}
		st->rcode = rcode;
		wait[k] = 0;
		left--;
		tcp[k] = q_take(&q[k], n, rcode, tc);
	}
	close(fd);
	st->ignored += ignored;
	for (int i = 0; i < nq; i++) {
		if (wait[i])
			q_fail(&q[i], ignored ? -EPROTO : -ETIMEDOUT);
		if (tcp[i]) {
			int e = tcp_query(ns, name, &q[i], timeout_ms, st);

			if (e < 0)
				q_fail(&q[i], e);
		}
	}
}

static int finished(const struct dns_q *q, int nq)
{
	int done = 0;

	for (int i = 0; i < nq; i++) {
		if (q[i].done && q[i].err == -ENXIO)
			return 1;
		done += q[i].done;
	}
	return done == nq;
}

int dns_resolve(const struct dns_conf *c, const char *name,
		struct sb_ip *ips, int max, struct dns_stat *st)
{
	struct dns_q q[2];
	struct dns_stat dummy;
	struct dns_ns local;
	const struct dns_ns *ns = c->ns;
	char low[SB_HOST_MAX + 1];
	size_t n = strnlen(name, SB_HOST_MAX + 1);
	int nns = c->nns, out = 0, k;
	struct sb_ip lit;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	st->rcode = -1;
	if (max <= 0)
		return -EINVAL;
	if (ip_parse(name, n, &lit) == 0) {
		ip_fold(&lit);
		ips[0] = lit;
		st->source = DNS_SRC_LITERAL;
		return 1;
	}
	if (host_parse(name, n, low) < 0)
		return -EINVAL;
	if (c->hosts) {
		k = dns_hosts_lookup(c->hosts, low, ips, max);
		if (k > 0) {
			st->source = DNS_SRC_HOSTS;
			return k;
		}
		if (k < 0 && c->hosts_required)
			return k;
	}
	if (nns == 0) {
		/* No nameserver line: the libc default, the local host. */
		memset(&local, 0, sizeof(local));
		local.ip.family = 4;
		local.ip.a[0] = 127;
		local.ip.a[3] = 1;
		local.port = DNS_PORT;
		ns = &local;
		nns = 1;
	}
	memset(q, 0, sizeof(q));
	q[0].qtype = DNS_T_A;
	q[1].qtype = DNS_T_AAAA;
	for (int a = 0; a < (c->attempts > 0 ? c->attempts : 1); a++)
		for (int s = 0; s < nns && !finished(q, 2); s++)
			udp_exchange(&ns[s], low, q, 2, c->timeout_ms > 0 ?
				     c->timeout_ms : 2000, st);
	st->source = DNS_SRC_DNS;
	for (int i = 0; i < 2; i++) {
		if (!q[i].done)
			continue;
		for (int j = 0; j < q[i].n && out < max; j++) {
			int dup = 0;

			for (k = 0; k < out; k++)
				dup |= ip_equal(&ips[k], &q[i].ips[j]);
			if (!dup)
				ips[out++] = q[i].ips[j];
		}
	}
	if (out)
		return out;
	for (int i = 0; i < 2; i++)
		if (q[i].done && q[i].err == -ENXIO)
			return -ENXIO;
	for (int i = 0; i < 2; i++)
		if (!q[i].done)
			return q[i].err ? q[i].err : -ETIMEDOUT;
	return -ENODATA;
}
