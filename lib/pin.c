/* lib/pin.c - the pin table: each name resolved once, frozen; its text
 * form ("HOST PORT IP..." a line) and an atomic file writer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "opt.h"
#include "pin.h"
#include "sb.h"

/* Longest line: host, port, PIN_MAX_IPS addresses of up to 45 chars. */
#define PIN_LINE_MAX (SB_HOST_MAX + 8 + PIN_MAX_IPS * 47 + 2)

static const struct pin *find(const struct pin_table *t, const char *host,
			      uint16_t port, int exact)
{
	for (int i = 0; i < t->n; i++) {
		const struct pin *p = &t->pins[i];

		if (strcmp(p->host, host))
			continue;
		if (exact ? p->port == port :
			    (!p->port || !port || p->port == port))
			return p;
	}
	return 0;
}

const struct pin *pin_find(const struct pin_table *t, const char *host,
			   uint16_t port)
{
	const struct pin *p = find(t, host, port, 1);

	return p ? p : find(t, host, port, 0);
}

int pin_has_ip(const struct pin_table *t, const struct sb_ip *ip,
	       uint16_t port)
{
	struct sb_ip f = *ip;

	ip_fold(&f);
	for (int i = 0; i < t->n; i++) {
		const struct pin *p = &t->pins[i];

		if (p->port && p->port != port)
			continue;
		for (int k = 0; k < p->nips && k < PIN_MAX_IPS; k++)
			if (ip_equal(&p->ips[k], &f))
				return 1;
	}
	return 0;
}

static void pin_line(const struct pin *p, struct buf *b)
{
	char ip[48];

	buf_puts(b, p->host);
	buf_putc(b, ' ');
	if (p->port)
		buf_putu(b, p->port);
	else
		buf_putc(b, '*');
	for (int k = 0; k < p->nips && k < PIN_MAX_IPS; k++) {
		ip_format(&p->ips[k], ip, sizeof(ip));
		buf_putc(b, ' ');
		buf_puts(b, ip);
	}
	buf_putc(b, '\n');
}

int pin_format(const struct pin_table *t, char *out, size_t cap)
{
	struct buf b;

	buf_init(&b, out, cap);
	for (int i = 0; i < t->n; i++)
		pin_line(&t->pins[i], &b);
	/* Room for the NUL too, or it did not fit. */
	if (b.over || b.len >= cap)
		return -1;
	buf_str(&b);
	return (int)b.len;
}

int pin_write_fd(const struct pin_table *t, int fd)
{
	char mem[PIN_LINE_MAX];

	for (int i = 0; i < t->n; i++) {
		struct buf b = BUF_ON(mem);
		int e;

		pin_line(&t->pins[i], &b);
		if (b.over)
			return -EOVERFLOW;
		if ((e = buf_flush(&b, fd)) < 0)
			return e;
	}
	return 0;
}

/* A host name (lowercased) or a canonical IP literal (formatted) into
 * out. 0 or -1. */
static int host_key(const char *s, size_t n, char *out, struct sb_ip *lit)
{
	struct sb_ip ip;

	if (ip_parse(s, n, &ip) == 0) {
		ip_fold(&ip);
		if (lit)
			*lit = ip;
		ip_format(&ip, out, SB_HOST_MAX + 1);
		return 1;
	}
	return host_parse(s, n, out) < 0 ? -1 : 0;
}

/* Add ip unless it is there: 0, or -1 when the pin is full. */
static int ip_add(struct pin *p, const struct sb_ip *ip)
{
	for (int k = 0; k < p->nips; k++)
		if (ip_equal(&p->ips[k], ip))
			return 0;
	if (p->nips >= PIN_MAX_IPS)
		return -1;
	p->ips[p->nips++] = *ip;
	return 0;
}

int pin_commit(struct pin_table *t, const char *host, uint16_t port,
	       const struct sb_ip *ips, int n, int allow_internal,
	       struct pin_report *r)
{
	char key[SB_HOST_MAX + 1];
	struct pin_report dummy;
	const struct pin *old;
	struct pin *p;

	if (!r)
		r = &dummy;
	memset(r, 0, sizeof(*r));
	if (host_key(host, strnlen(host, SB_HOST_MAX + 1), key, 0) < 0)
		return -EINVAL;
	if (find(t, key, port, 1)) {
		r->source = PIN_SRC_TABLE;  /* frozen already */
		return 0;
	}
	old = find(t, key, 0, 0);
	if (t->n >= PIN_MAX)
		return -ENOSPC;
	p = &t->pins[t->n];
	memset(p, 0, sizeof(*p));
	memcpy(p->host, key, sizeof(key));
	p->port = port;
	if (old) {
		/* One set of addresses per name, whatever the port. */
		p->nips = old->nips;
		memcpy(p->ips, old->ips, sizeof(p->ips));
		r->source = PIN_SRC_TABLE;
		r->nfound = p->nips;
		t->n++;
		return 0;
	}
	r->nfound = n;
	for (int i = 0; i < n; i++) {
		struct sb_ip ip = ips[i];

		ip_fold(&ip);
		/* An exact name names the private addresses it pins to
		 * (ip_nameable); the rest only an IP or CIDR entry names. */
		if (!allow_internal && ip_is_internal(&ip) &&
		    !ip_nameable(&ip)) {
			if (r->ndropped < PIN_MAX_IPS)
				r->dropped[r->ndropped] = ip;
			r->ndropped++;
			continue;
		}
		if (ip_add(p, &ip) < 0)
			r->nextra++;
	}
	if (p->nips == 0)
		return -EADDRNOTAVAIL;
	t->n++;
	return 0;
}

int pin_resolve(struct pin_table *t, const struct dns_conf *c,
		const char *host, uint16_t port, int allow_internal,
		struct pin_report *r)
{
	char key[SB_HOST_MAX + 1];
	struct sb_ip ips[DNS_MAX_ADDRS * 2];
	struct pin_report dummy;
	struct dns_stat st;
	int n, lit, e;

	if (!r)
		r = &dummy;
	lit = host_key(host, strnlen(host, SB_HOST_MAX + 1), key, ips);
	if (lit < 0) {
		memset(r, 0, sizeof(*r));
		return -EINVAL;
	}
	if (find(t, key, 0, 0) || lit) {
		e = pin_commit(t, key, port, ips, lit, 1, r);
		if (r->source != PIN_SRC_TABLE)
			r->source = DNS_SRC_LITERAL;
		return e;
	}
	n = dns_resolve(c, key, ips, (int)LEN(ips), &st);
	if (n < 0) {
		memset(r, 0, sizeof(*r));
		r->dns = st;
		return n;
	}
	e = pin_commit(t, key, port, ips, n, allow_internal, r);
	r->source = st.source;
	r->dns = st;
	return e;
}

/* Parse one line's words into p. 0, 1 (blank), or -1. */
static int parse_line(const char *s, size_t n, struct pin *p)
{
	size_t i = 0;
	int nw = 0;

	memset(p, 0, sizeof(*p));
	for (;;) {
		size_t b, wl;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i >= n || s[i] == '#')
			break;
		b = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		       s[i] != '#')
			i++;
		wl = i - b;
		if (nw == 0) {
			if (host_key(s + b, wl, p->host, 0) < 0)
				return -1;
		} else if (nw == 1) {
			char t[8];
			long v = 0;

			if (wl >= sizeof(t))
				return -1;
			memcpy(t, s + b, wl);
			t[wl] = 0;
			if (strcmp(t, "*") && (v = opt_port(t)) < 0)
				return -1;
			p->port = (uint16_t)v;
		} else {
			struct sb_ip ip;

			if (ip_parse(s + b, wl, &ip) < 0)
				return -1;
			ip_fold(&ip);
			if (ip_add(p, &ip) < 0)
				return -1;
		}
		nw++;
	}
	if (nw == 0)
		return 1;
	return nw >= 2 ? 0 : -1;
}

int pin_parse(struct pin_table *t, const char *text, int *line)
{
	struct pin p;

	t->n = 0;
	*line = 0;
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		int r;

		++*line;
		r = parse_line(text, n, &p);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (t->n >= PIN_MAX || find(t, p.host, p.port, 1))
				return -1;
			t->pins[t->n++] = p;
		}
		text += n + (nl ? 1 : 0);
	}
	*line = 0;
	return 0;
}

static int fill_pins(int fd, const void *arg)
{
	return pin_write_fd(arg, fd);
}

int pin_write_file(const struct pin_table *t, const char *path)
{
	return file_replace(path, fill_pins, t);
}
