/* lib/upstream.c - the upstream HTTP proxy: credentials, the CONNECT
 * request, the reply head. See upstream.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "log.h"
#include "upstream.h"

int base64_encode(const void *in, size_t n, char *out, size_t cap)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const uint8_t *p = in;
	size_t o = 0;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3 || cap < (n + 2) / 3 * 4 + 1)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t k = n - i;

		if (k > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (k > 2)
			v |= p[i + 2];
		out[o++] = al[v >> 18 & 63];
		out[o++] = al[v >> 12 & 63];
		out[o++] = k > 1 ? al[v >> 6 & 63] : '=';
		out[o++] = k > 2 ? al[v & 63] : '=';
	}
	out[o] = 0;
	return (int)o;
}

int upstream_auth(struct upstream *u, const char *cred, size_t n,
		  const char **why)
{
	static const char pre[] = "Proxy-Authorization: Basic ";
	const char *colon;
	int k;

	if (n && cred[n - 1] == '\n')
		n--;
	if (n && cred[n - 1] == '\r')
		n--;
	*why = "credentials must be one line, user:password";
	if (n == 0 || n > UPSTREAM_CRED_MAX)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)cred[i] < 0x20 || cred[i] == 0x7f)
			return -1;
	colon = memchr(cred, ':', n);
	if (!colon || colon == cred) {
		*why = "credentials must be user:password (no ':' in the user)";
		return -1;
	}
	memcpy(u->auth, pre, sizeof(pre) - 1);
	k = base64_encode(cred, n, u->auth + sizeof(pre) - 1,
			  sizeof(u->auth) - sizeof(pre) - 2);
	if (k < 0)
		return -1;
	k += (int)sizeof(pre) - 1;
	u->auth[k++] = '\r';
	u->auth[k++] = '\n';
	u->auth[k] = 0;
	u->auth_len = k;
	*why = 0;
	return 0;
}

int upstream_request(const struct upstream *u, const char *host, int v6,
		     uint16_t port, char *out, size_t cap)
{
	struct buf b;

	buf_init(&b, out, cap);
	for (int i = 0; i < 2; i++) {
		buf_puts(&b, i ? "\r\nHost: " : "CONNECT ");
		buf_puts(&b, v6 ? "[" : "");
		buf_puts(&b, host);
		buf_puts(&b, v6 ? "]:" : ":");
		buf_putu(&b, port);
		buf_puts(&b, i ? "\r\n" : " HTTP/1.1");
	}
	buf_putn(&b, u->auth, (size_t)u->auth_len);
	buf_puts(&b, "\r\n");
	return b.over ? -EMSGSIZE : (int)b.len;
}

int upstream_reply(const char *p, size_t n, struct http_resp *r)
{
	struct http_scan s;
	int len, e;

	memset(&s, 0, sizeof(s));
	r->why = NULL;
	r->status = 0;
	len = http_scan(&s, p, n > HTTP_HEAD_MAX ? HTTP_HEAD_MAX : n);
	if (len == 0) {
		if (n < HTTP_HEAD_MAX)
			return 0;
		len = -EMSGSIZE;
	}
	if (len < 0) {
		r->why = len == -EMSGSIZE ? "reply head too large"
					  : "malformed line ending";
		return len;
	}
	e = http_parse_response(p, (size_t)len, r);
	if (e < 0) {
		if (!r->why)
			r->why = "malformed reply head";
		return e == -EMSGSIZE ? -EMSGSIZE : -EINVAL;
	}
	return len;
}

const char *upstream_status_text(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return status < 200 ? "an interim reply to CONNECT"
		       : status < 400 ? "not a 2xx reply to CONNECT"
				      : "refused";
	}
}

/* why = a b c d (NULLs skipped); -1. */
static int say(char *why, size_t cap, const char *a, const char *b,
	       const char *c, const char *d)
{
	const char *s[4] = { a, b, c, d };
	struct buf w;

	buf_init(&w, why, cap);
	for (int i = 0; i < 4; i++)
		buf_puts(&w, s[i] ? s[i] : "");
	buf_str(&w);
	return -1;
}

static int pin_host(struct upstream *u, const struct dest *d,
		    const struct dns_conf *dns, char *why, size_t cap)
{
	struct pin_table *t;
	const struct pin *pn;
	int r;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return say(why, cap, "out of memory", 0, 0, 0);
	r = pin_resolve(t, dns, d->host, d->port, 1, NULL);
	pn = r == 0 ? pin_find(t, d->host, d->port) : NULL;
	for (int i = 0; pn && i < pn->nips && u->nips < PIN_MAX_IPS; i++) {
		struct sb_ip ip = pn->ips[i];

		ip_fold(&ip);
		/* sb's own egress: a public address, or an internal one
		 * this exact name names (never link-local, multicast...) */
		if (!ip_is_internal(&ip) ||
		    dest_names_ip(d, d->host, &ip, d->port))
			u->ips[u->nips++] = ip;
	}
	munmap(t, sizeof(*t));
	if (r < 0)
		return say(why, cap, "unable to pin the upstream proxy ",
			   u->hostport, ": ", dns_strerror(r));
	if (!u->nips)
		return say(why, cap, "the upstream proxy ", u->hostport,
			   " pins only to addresses a name never names "
			   "(link-local, multicast...): give it as an IP", 0);
	return 0;
}

static int read_creds(struct upstream *u, const struct policy *p, char *why,
		      size_t cap)
{
	char mem[UPSTREAM_CRED_MAX + 8];
	const char *w = 0, *v;
	ssize_t n;
	int r;

	if (p->up_auth_file[0]) {
		n = file_read(p->up_auth_file, mem, sizeof(mem));
		if (n < 0)
			return say(why, cap, "unable to read upstream-auth-file ",
				   p->up_auth_file, ": ", n == -EFBIG ?
				   "too large" : err_str((int)n));
		r = upstream_auth(u, mem, (size_t)n, &w);
		explicit_bzero(mem, sizeof(mem));
		u->auth_from = "file";
	} else if (p->up_auth_env[0]) {
		v = getenv(p->up_auth_env);
		if (!v)
			return say(why, cap, "upstream-auth-env: ",
				   p->up_auth_env, " is not set", 0);
		r = upstream_auth(u, v, strlen(v), &w);
		/* Never passed on: wiped where it lies (the kernel's copy of
		 * our environment, which /proc/PID/environ shows) and gone
		 * from environ, so neither the command nor a later helper can
		 * inherit it. */
		explicit_bzero((char *)v, strlen(v));
		unsetenv(p->up_auth_env);
		u->auth_from = "env";
	} else {
		return 0;
	}
	if (r < 0)
		return say(why, cap, p->up_auth_file[0] ? "upstream-auth-file "
			   : "upstream-auth-env ", p->up_auth_file[0] ?
			   p->up_auth_file : p->up_auth_env, ": ", w);
	return 0;
}

int upstream_prepare(struct upstream *u, const struct policy *p,
		     const struct dns_conf *dns, char *why, size_t cap)
{
	const struct dest *d = &p->upstream;

	memset(u, 0, sizeof(*u));
	why[0] = 0;
	if (!p->has_upstream)
		return say(why, cap, "no upstream", 0, 0, 0);
	dest_format(d, u->hostport, sizeof(u->hostport));
	policy_upstream_url(p, u->url, sizeof(u->url));
	u->port = d->port;
	if (d->kind == DEST_CIDR) {
		u->ips[0] = d->ip;
		u->nips = 1;
	} else if (pin_host(u, d, dns, why, cap) < 0) {
		return -1;
	}
	return read_creds(u, p, why, cap);
}
