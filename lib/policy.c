/* lib/policy.c - the policy parser and the embedded default.
 *
 * One directive a line, words separated by blanks, '#' to the end of the
 * line is a comment. Every mistake is an error naming file:line; nothing
 * is guessed, so no mistake can widen access. */
#include <string.h>

#include "buf.h"
#include "policy.h"

/* The embedded default: lets common programs run, reaches nothing but the
 * proxy. "@cwd" stands for the working directory sb-exec runs in. Not
 * /dev/pts: that would open every terminal of the same uid; sb-exec adds
 * the command's own terminal. */
const char policy_default_text[] =
	"# sb embedded default policy\n"
	"ro /bin /sbin /usr /lib /lib32 /lib64 /libx32 /etc /opt\n"
	"ro /proc /sys/devices/system/cpu /dev/urandom /dev/random\n"
	"rw /dev/null /dev/zero /dev/full /dev/tty\n"
	"rw /tmp @cwd\n"
	"proxy 127.0.0.1:3128\n"
	"dns on\n";

void policy_init(struct policy *p)
{
	static const char *const envs[] = { "PATH", "HOME", "LANG", "TERM" };

	memset(p, 0, sizeof(*p));
	p->proxy_ip.family = 4;
	p->proxy_ip.a[0] = 127;
	p->proxy_ip.a[3] = 1;
	p->proxy_port = 3128;
	p->dns = 1;     /* SPEC: "dns on" unless a policy says "dns off" */
	for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		struct buf b = BUF_ON(p->env[i]);

		buf_puts(&b, envs[i]);
		buf_str(&b);
		p->nenv++;
	}
}

static int fail(struct policy_err *e, const char *what, const char *word)
{
	struct buf b = BUF_ON(e->what);

	buf_puts(&b, what);
	if (word) {
		buf_puts(&b, ": '");
		buf_puts(&b, word);
		buf_putc(&b, '\'');
	}
	buf_str(&b);
	return -1;
}

static int add_path(struct policy *p, const char *w, int mode,
		    struct policy_err *e)
{
	size_t n = strlen(w);

	if (!strcmp(w, "@cwd")) {
		/* kept as written; sb-exec substitutes the directory */
	} else if (w[0] != '/') {
		return fail(e, "path must be absolute", w);
	}
	if (n >= POLICY_PATH_MAX)
		return fail(e, "path too long", w);
	for (int i = 0; i < p->npaths; i++) {
		if (strcmp(p->paths[i].path, w))
			continue;
		if (p->paths[i].mode != mode)
			return fail(e, "path listed both ro and rw", w);
		return 0;
	}
	if (p->npaths >= POLICY_MAX_PATHS)
		return fail(e, "too many paths", w);
	p->paths[p->npaths].mode = (uint8_t)mode;
	p->paths[p->npaths].optional = p->parsing_default;
	memcpy(p->paths[p->npaths].path, w, n + 1);
	p->npaths++;
	return 0;
}

static int add_dest(struct dest *tab, int *n, const char *w,
		    struct policy_err *e)
{
	struct dest d;
	const char *why;

	if (dest_parse(w, &d, &why) < 0)
		return fail(e, why, w);
	for (int i = 0; i < *n; i++)
		if (!memcmp(&tab[i], &d, sizeof(d)))
			return 0;
	if (*n >= POLICY_MAX_DEST)
		return fail(e, "too many destinations", w);
	tab[(*n)++] = d;
	return 0;
}

static int add_port(uint16_t *tab, int *n, const char *w,
		    struct policy_err *e)
{
	uint16_t v;

	if (port_parse(w, strlen(w), &v) < 0)
		return fail(e, "port must be 1-65535", w);
	for (int i = 0; i < *n; i++)
		if (tab[i] == v)
			return 0;
	if (*n >= POLICY_MAX_PORTS)
		return fail(e, "too many ports", w);
	tab[(*n)++] = v;
	return 0;
}

static int add_env(struct policy *p, const char *w, struct policy_err *e)
{
	size_t n = strcspn(w, "="), len = strlen(w);

	if (n == 0 || (w[0] >= '0' && w[0] <= '9'))
		return fail(e, "bad environment name", w);
	for (size_t i = 0; i < n; i++) {
		char c = w[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return fail(e, "bad environment name", w);
	}
	if (len >= POLICY_PATH_MAX)
		return fail(e, "environment entry too long", w);
	if (!p->env_set) {
		/* The first env directive replaces the default list. */
		p->env_set = 1;
		p->nenv = 0;
	}
	for (int i = 0; i < p->nenv; i++) {
		if (strncmp(p->env[i], w, n) || (p->env[i][n] != 0 &&
						  p->env[i][n] != '='))
			continue;
		if (strcmp(p->env[i], w))
			return fail(e, "environment variable set twice", w);
		return 0;
	}
	if (p->nenv >= POLICY_MAX_ENV)
		return fail(e, "too many environment entries", w);
	memcpy(p->env[p->nenv++], w, len + 1);
	return 0;
}

static int set_proxy(struct policy *p, const char *w, struct policy_err *e,
		     int *seen)
{
	struct dest d;
	const char *why;

	if (dest_parse(w, &d, &why) < 0)
		return fail(e, why, w);
	if (d.kind != DEST_CIDR || d.prefix != (d.ip.family == 4 ? 32 : 128)
	    || !d.port)
		return fail(e, "proxy must be IP:PORT", w);
	if (*seen && (!ip_equal(&p->proxy_ip, &d.ip) ||
		      p->proxy_port != d.port))
		return fail(e, "proxy given twice", w);
	*seen = 1;
	p->proxy_ip = d.ip;
	p->proxy_port = d.port;
	return 0;
}

/* Directive state that must not conflict within one parse. */
struct seen {
	int mode, dns, proxy, ipc, meta, up, upfile, upenv;
};

/* upstream http://HOST:PORT (a trailing '/' allowed): an HTTP proxy
 * that speaks CONNECT. No credentials in the URL (they would sit in the
 * policy file): upstream-auth-file or upstream-auth-env. */
static int set_upstream(struct policy *p, const char *w, struct policy_err *e,
			int *seen)
{
	static const char want[] = "upstream must be http://HOST:PORT";
	char t[SB_HOST_MAX + 16];
	const char *h = w + 7, *why;
	struct dest d;
	size_t n;

	if (strncmp(w, "http://", 7))
		return fail(e, strncmp(w, "https://", 8) ? want :
			    "upstream: only http:// proxies (the tunnels "
			    "through it carry TLS end to end)", w);
	n = strlen(h);
	if (n && h[n - 1] == '/')
		n--;
	if (memchr(h, '@', n))
		return fail(e, "upstream: no credentials in the URL (use "
			    "upstream-auth-file or upstream-auth-env)", w);
	if (n == 0 || n >= sizeof(t) || memchr(h, '/', n))
		return fail(e, want, w);
	memcpy(t, h, n);
	t[n] = 0;
	if (dest_parse(t, &d, &why) < 0)
		return fail(e, why, w);
	if (d.kind == DEST_WILD || !d.port ||
	    (d.kind == DEST_CIDR && d.prefix != (d.ip.family == 4 ? 32 : 128)))
		return fail(e, want, w);
	if (*seen && memcmp(&p->upstream, &d, sizeof(d)))
		return fail(e, "upstream given twice", w);
	*seen = 1;
	p->has_upstream = 1;
	p->upstream = d;
	return 0;
}

/* An upstream-except entry, NO_PROXY-style: a name, "*.domain", an IP,
 * a CIDR ("10.0.0.0/8", "fd00::/8" or bracketed), each with an optional
 * ":PORT" (none: any port). */
static int except_parse(const char *w, struct dest *d, const char **why)
{
	char t[SB_HOST_MAX + 24];
	size_t n = strlen(w), colons = 0;
	struct buf b = BUF_ON(t);

	for (size_t i = 0; i < n; i++)
		colons += w[i] == ':';
	if (n + 8 > sizeof(t)) {
		*why = "entry too long";
		return -1;
	}
	if (w[0] == '*' && w[1] == '.' && colons <= 1) {
		/* "*.corp" too: the dest syntax wants a dot after "*." */
		const char *c = strchr(w, ':');
		size_t hl = c ? (size_t)(c - w) - 2 : n - 2;

		memset(d, 0, sizeof(*d));
		d->kind = DEST_WILD;
		if (host_parse(w + 2, hl, d->host) < 0) {
			*why = "bad wildcard (want *.domain)";
			return -1;
		}
		if (c && strcmp(c + 1, "*") &&
		    port_parse(c + 1, strlen(c + 1), &d->port) < 0) {
			*why = "port must be 1-65535 or *";
			return -1;
		}
		*why = 0;
		return 0;
	}
	if (colons >= 2 && w[0] != '[') {
		buf_putc(&b, '[');
		buf_puts(&b, w);
		buf_puts(&b, "]:*");
	} else {
		buf_puts(&b, w);
		if (colons == 0 || w[n - 1] == ']')
			buf_puts(&b, ":*");
	}
	return dest_parse(buf_str(&b), d, why);
}

static int add_except(struct policy *p, const char *w, struct policy_err *e)
{
	struct dest d;
	const char *why;

	if (except_parse(w, &d, &why) < 0)
		return fail(e, why, w);
	for (int i = 0; i < p->nup_except; i++)
		if (!memcmp(&p->up_except[i], &d, sizeof(d)))
			return 0;
	if (p->nup_except >= POLICY_MAX_DEST)
		return fail(e, "too many destinations", w);
	p->up_except[p->nup_except++] = d;
	return 0;
}

/* One word, the same if repeated within one parse. */
static int set_word(char *dst, size_t cap, const char *w, int *seen,
		    const char *d, struct policy_err *e)
{
	size_t n = strlen(w);

	if (n >= cap)
		return fail(e, "too long", w);
	if (*seen && strcmp(dst, w))
		return fail(e, "given twice", d);
	*seen = 1;
	memcpy(dst, w, n + 1);
	return 0;
}

static int env_name_ok(const char *w)
{
	if (!w[0] || (w[0] >= '0' && w[0] <= '9'))
		return 0;
	for (const char *c = w; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			return 0;
	return 1;
}

static int upstream_directive(struct policy *p, char **w, int nw,
			      struct seen *s, struct policy_err *e)
{
	const char *d = w[0];
	int r = 0;

	if (!strcmp(d, "upstream-except")) {
		if (nw < 2)
			return fail(e, "needs at least one argument", d);
		for (int i = 1; i < nw && r == 0; i++)
			r = add_except(p, w[i], e);
		return r;
	}
	if (nw != 2)
		return fail(e, "takes one argument", d);
	if (!strcmp(d, "upstream"))
		return set_upstream(p, w[1], e, &s->up);
	if (!strcmp(d, "upstream-auth-file")) {
		if (w[1][0] != '/')
			return fail(e, "path must be absolute", w[1]);
		return set_word(p->up_auth_file, sizeof(p->up_auth_file), w[1],
				&s->upfile, d, e);
	}
	if (!env_name_ok(w[1]))
		return fail(e, "bad environment name", w[1]);
	return set_word(p->up_auth_env, sizeof(p->up_auth_env), w[1],
			&s->upenv, d, e);
}

/* "NAME on" / "NAME off", once or repeated alike within one parse. */
static int on_off(const char *d, char **w, int nw, int *val, int *seen,
		  struct policy_err *e)
{
	int on;

	if (nw != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off")))
		return fail(e, "takes 'on' or 'off'", d);
	on = w[1][1] == 'n';
	if (*seen && *val != on)
		return fail(e, "both on and off", d);
	*seen = 1;
	*val = on;
	return 0;
}

static int directive(struct policy *p, char **w, int nw, struct seen *s,
		     struct policy_err *e)
{
	const char *d = w[0];
	int r = 0;

	if (!strcmp(d, "enforce") || !strcmp(d, "best-effort")) {
		int be = d[0] == 'b';

		if (nw != 1)
			return fail(e, "takes no argument", d);
		if (s->mode && p->best_effort != be)
			return fail(e, "both enforce and best-effort", 0);
		s->mode = 1;
		p->best_effort = be;
		return 0;
	}
	if (!strcmp(d, "dns")) {
		int on;

		if (nw != 2 || (strcmp(w[1], "on") && strcmp(w[1], "off")))
			return fail(e, "dns takes 'on' or 'off'", 0);
		on = w[1][1] == 'n';
		if (s->dns && p->dns != on)
			return fail(e, "both dns on and dns off", 0);
		s->dns = 1;
		p->dns = on;
		return 0;
	}
	/* SysV IPC (msg*, shm*, sem*): the host's objects, refused by
	 * default (lib/filter.c). */
	if (!strcmp(d, "ipc"))
		return on_off(d, w, nw, &p->ipc, &s->ipc, e);
	/* chown family, xattr writes, inode flags: refused by default. */
	if (!strcmp(d, "metadata"))
		return on_off(d, w, nw, &p->metadata, &s->meta, e);
	if (!strcmp(d, "proxy")) {
		if (nw != 2)
			return fail(e, "proxy takes one ADDR:PORT", 0);
		return set_proxy(p, w[1], e, &s->proxy);
	}
	if (!strcmp(d, "upstream") || !strcmp(d, "upstream-auth-file") ||
	    !strcmp(d, "upstream-auth-env") || !strcmp(d, "upstream-except"))
		return upstream_directive(p, w, nw, s, e);
	if (strcmp(d, "ro") && strcmp(d, "rw") && strcmp(d, "allow") &&
	    strcmp(d, "direct") && strcmp(d, "bind") && strcmp(d, "env"))
		return fail(e, "unknown directive", d);
	if (nw < 2)
		return fail(e, "needs at least one argument", d);
	if (!strcmp(d, "allow") || !strcmp(d, "direct"))
		for (int i = 1; i < nw; i++)
			if (!strcmp(w[i], "from"))   /* lib/from.c */
				return policy_from_directive(p, d[0] == 'd',
							     w + 1, nw - 1, e);
	for (int i = 1; i < nw && r == 0; i++) {
		if (!strcmp(d, "ro"))
			r = add_path(p, w[i], PATH_RO, e);
		else if (!strcmp(d, "rw"))
			r = add_path(p, w[i], PATH_RW, e);
		else if (!strcmp(d, "allow"))
			r = add_dest(p->allow, &p->nallow, w[i], e);
		else if (!strcmp(d, "direct"))
			r = add_dest(p->direct, &p->ndirect, w[i], e);
		else if (!strcmp(d, "bind"))
			r = add_port(p->bind, &p->nbind, w[i], e);
		else
			r = add_env(p, w[i], e);
	}
	return r;
}

#define MAX_WORDS 64

int policy_parse(struct policy *p, const char *text, const char *file,
		 struct policy_err *e)
{
	struct seen s = { 0, 0, 0, 0, 0, 0, 0, 0 };
	char line[1024];
	const char *t = text;

	e->file = file;
	e->line = 0;
	p->parsing_default = text == policy_default_text;
	while (*t) {
		size_t n = strcspn(t, "\n");
		char *w[MAX_WORDS], *c;
		int nw = 0;

		e->line++;
		if (n >= sizeof(line))
			return fail(e, "line too long", 0);
		memcpy(line, t, n);
		line[n] = 0;
		t += n + (t[n] == '\n');
		c = strchr(line, '#');
		if (c)
			*c = 0;
		for (c = line; *c;) {
			c += strspn(c, " \t\r");
			if (!*c)
				break;
			if (nw >= MAX_WORDS)
				return fail(e, "too many words", 0);
			w[nw++] = c;
			c += strcspn(c, " \t\r");
			if (*c)
				*c++ = 0;
		}
		if (nw && directive(p, w, nw, &s, e) < 0)
			return -1;
	}
	p->parsing_default = 0;
	return 0;
}

int policy_directive(struct policy *p, const char *name, const char *value,
		     struct policy_err *e)
{
	char text[POLICY_PATH_MAX + 32];
	struct buf b = BUF_ON(text);

	/* A flag is one directive: reuse the line parser, so flags and files
	 * can never be checked differently. */
	buf_puts(&b, name);
	buf_putc(&b, ' ');
	buf_puts(&b, value ? value : "");
	if (b.over || strchr(value ? value : "", '\n') ||
	    strchr(value ? value : "", '#')) {
		e->file = "command line";
		e->line = 0;
		return fail(e, "bad value", value);
	}
	buf_str(&b);
	if (policy_parse(p, text, "command line", e) < 0) {
		e->line = 0;     /* a flag has no line */
		return -1;
	}
	return 0;
}

int policy_allows_host(const struct policy *p, const char *host,
		       uint16_t port)
{
	for (int i = 0; i < p->nallow; i++)
		if (dest_match_host(&p->allow[i], host, port))
			return 1;
	return 0;
}

static int any_ip(const struct dest *tab, int n, const struct sb_ip *ip,
		  uint16_t port)
{
	for (int i = 0; i < n; i++)
		if (dest_match_ip(&tab[i], ip, port))
			return 1;
	return 0;
}

int policy_allows_ip(const struct policy *p, const struct sb_ip *ip,
		     uint16_t port)
{
	return any_ip(p->allow, p->nallow, ip, port);
}

int policy_direct_ip(const struct policy *p, const struct sb_ip *ip,
		     uint16_t port)
{
	return any_ip(p->direct, p->ndirect, ip, port);
}

int policy_proxy_host(const struct policy *p, const char *host,
		      uint16_t port)
{
	for (int i = 0; i < p->ndirect; i++)
		if (dest_match_host(&p->direct[i], host, port))
			return 1;
	return policy_allows_host(p, host, port);
}

int policy_proxy_ip(const struct policy *p, const struct sb_ip *ip,
		    uint16_t port)
{
	return policy_allows_ip(p, ip, port) || policy_direct_ip(p, ip, port);
}

int policy_via_upstream(const struct policy *p, const char *host,
			const struct sb_ip *ip, uint16_t port)
{
	if (!p->has_upstream)
		return 0;
	if (ip)
		return !policy_direct_ip(p, ip, port) &&
		       !any_ip(p->up_except, p->nup_except, ip, port);
	for (int i = 0; i < p->ndirect; i++)
		if (dest_match_host(&p->direct[i], host, port))
			return 0;
	for (int i = 0; i < p->nup_except; i++)
		if (dest_match_host(&p->up_except[i], host, port))
			return 0;
	return 1;
}

int policy_upstream_check(const struct policy *p, struct policy_err *e)
{
	size_t n = strlen(p->up_auth_env);

	e->line = 0;
	if (!p->has_upstream && (p->up_auth_file[0] || p->up_auth_env[0] ||
				 p->nup_except))
		return fail(e, p->nup_except ? "upstream-except without upstream"
				: "upstream credentials without upstream", 0);
	if (p->up_auth_file[0] && p->up_auth_env[0])
		return fail(e, "both upstream-auth-file and upstream-auth-env",
			    0);
	for (int i = 0; n && i < p->nenv; i++)
		if (!strncmp(p->env[i], p->up_auth_env, n) &&
		    (p->env[i][n] == 0 || p->env[i][n] == '='))
			return fail(e, "upstream-auth-env names a variable env "
				    "passes to the command", p->up_auth_env);
	if (p->has_upstream && p->upstream.kind == DEST_CIDR &&
	    ip_equal(&p->upstream.ip, &p->proxy_ip) &&
	    p->upstream.port == p->proxy_port)
		return fail(e, "upstream is sb's own proxy address", 0);
	return 0;
}

void policy_upstream_url(const struct policy *p, char *out, size_t cap)
{
	char d[SB_HOST_MAX + 16];
	struct buf b;

	buf_init(&b, out, cap);
	if (p->has_upstream) {
		dest_format(&p->upstream, d, sizeof(d));
		buf_puts(&b, "http://");
		buf_puts(&b, d);
	}
	buf_str(&b);
}

static int names_in(const struct dest *tab, int n, const char *host,
		    const struct sb_ip *ip, uint16_t port)
{
	for (int i = 0; i < n; i++)
		if (dest_names_ip(&tab[i], host, ip, port))
			return 1;
	return 0;
}

int policy_names_ip(const struct policy *p, int tabs, const char *host,
		    const struct sb_ip *ip, uint16_t port)
{
	return ((tabs & POL_ALLOW) &&
		names_in(p->allow, p->nallow, host, ip, port)) ||
	       ((tabs & POL_DIRECT) &&
		names_in(p->direct, p->ndirect, host, ip, port));
}

int policy_ip_ok(const struct policy *p, int tabs, const char *host,
		 const struct sb_ip *ip, uint16_t port)
{
	return !ip_is_internal(ip) || policy_names_ip(p, tabs, host, ip, port);
}

void policy_name_hint(const char *dir, const char *host,
		      const struct sb_ip *ip, uint16_t port, char *out,
		      size_t cap)
{
	struct dest d;
	char t[SB_HOST_MAX + 16];
	struct buf b;

	memset(&d, 0, sizeof(d));
	d.kind = DEST_CIDR;
	d.ip = *ip;
	d.prefix = ip->family == 4 ? 32 : 128;
	d.port = port;
	buf_init(&b, out, cap);
	if (host && ip_nameable(ip)) {
		buf_puts(&b, "an exact name names it ('");
		buf_puts(&b, dir);
		buf_putc(&b, ' ');
		buf_puts(&b, host);
		buf_putc(&b, ':');
		if (port)
			buf_putu(&b, port);
		else
			buf_putc(&b, '*');
		buf_puts(&b, "'), a wildcard never; so does '");
	} else {
		buf_puts(&b, host ? "a host name never names a link-local, "
				    "multicast, unspecified or reserved "
				    "address; only an IP or CIDR entry does: '"
				  : "only an IP or CIDR entry inside internal "
				    "space names it: '");
	}
	dest_format(&d, t, sizeof(t));
	buf_puts(&b, dir);
	buf_putc(&b, ' ');
	buf_puts(&b, t);
	buf_putc(&b, '\'');
	buf_str(&b);
}

static void fmt_dests(struct buf *b, const char *dir, const struct dest *t,
		      int n)
{
	char d[SB_HOST_MAX + 16];

	for (int i = 0; i < n; i++) {
		dest_format(&t[i], d, sizeof(d));
		buf_puts(b, dir);
		buf_putc(b, ' ');
		buf_puts(b, d);
		buf_putc(b, '\n');
	}
}

int policy_format(const struct policy *p, char *out, size_t cap)
{
	struct buf b;
	char ip[48];

	buf_init(&b, out, cap);
	buf_puts(&b, p->best_effort ? "best-effort\n" : "enforce\n");
	ip_format(&p->proxy_ip, ip, sizeof(ip));
	buf_puts(&b, "proxy ");
	buf_puts(&b, p->proxy_ip.family == 6 ? "[" : "");
	buf_puts(&b, ip);
	buf_puts(&b, p->proxy_ip.family == 6 ? "]:" : ":");
	buf_putu(&b, p->proxy_port);
	buf_puts(&b, p->dns ? "\ndns on\n" : "\ndns off\n");
	buf_puts(&b, p->ipc ? "ipc on\n" : "ipc off\n");
	buf_puts(&b, p->metadata ? "metadata on\n" : "metadata off\n");
	for (int i = 0; i < p->npaths; i++) {
		buf_puts(&b, p->paths[i].mode == PATH_RW ? "rw " : "ro ");
		buf_puts(&b, p->paths[i].path);
		buf_putc(&b, '\n');
	}
	fmt_dests(&b, "allow", p->allow, p->nallow);
	fmt_dests(&b, "direct", p->direct, p->ndirect);
	policy_format_from(p, &b);
	for (int i = 0; i < p->nbind; i++) {
		buf_puts(&b, i ? " " : "bind ");
		buf_putu(&b, p->bind[i]);
	}
	buf_puts(&b, p->nbind ? "\n" : "");
	for (int i = 0; i < p->nenv; i++) {
		buf_puts(&b, i ? " " : "env ");
		buf_puts(&b, p->env[i]);
	}
	buf_puts(&b, p->nenv ? "\n" : "");
	if (p->has_upstream) {
		char u[SB_HOST_MAX + 24];

		policy_upstream_url(p, u, sizeof(u));
		buf_puts(&b, "upstream ");
		buf_puts(&b, u);
		buf_putc(&b, '\n');
	}
	if (p->up_auth_file[0]) {
		buf_puts(&b, "upstream-auth-file ");
		buf_puts(&b, p->up_auth_file);
		buf_putc(&b, '\n');
	}
	if (p->up_auth_env[0]) {
		buf_puts(&b, "upstream-auth-env ");
		buf_puts(&b, p->up_auth_env);
		buf_putc(&b, '\n');
	}
	fmt_dests(&b, "upstream-except", p->up_except, p->nup_except);
	if (p->ll_vars & 2) {
		/* No directive of its own: the Landlock connect ports. */
		buf_puts(&b, "# LL_TCP_CONNECT:");
		for (int i = 0; i < p->nll_connect; i++) {
			buf_putc(&b, ' ');
			buf_putu(&b, p->ll_connect[i]);
		}
		buf_putc(&b, '\n');
	}
	if (b.over || b.len >= cap)
		return -1;
	buf_str(&b);
	return (int)b.len;
}

void policy_err_format(const struct policy_err *e, char *out, size_t cap)
{
	struct buf b;

	buf_init(&b, out, cap);
	buf_puts(&b, e->file ? e->file : "policy");
	if (e->line > 0) {
		buf_putc(&b, ':');
		buf_putu(&b, (unsigned)e->line);
	}
	buf_puts(&b, ": ");
	buf_puts(&b, e->what);
	buf_str(&b);
}
