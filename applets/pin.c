/* applets/pin.c - sb-pin: resolve each allowed name once, print the frozen
 * table that the proxy and the supervisor use for the life of a sandbox */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "log.h"
#include "opt.h"
#include "pin.h"
#include "sb.h"
#include "sys.h"

static const char pin_help[] =
	"usage: sb-pin [--resolver IP[:PORT]]... [--hosts FILE] [--out FILE]\n"
	"              [--best-effort] [--allow-internal] HOST[:PORT]...\n\n"
	"Resolve each name once (A and AAAA; the hosts file first, then the\n"
	"nameservers of /etc/resolv.conf or --resolver) and print the frozen\n"
	"table, \"HOST PORT IP...\" a line (PORT \"*\" when none is given).\n"
	"Nothing resolves these names again for the life of the sandbox.\n"
	"Needs no libc resolver: the DNS client is sb's own, and it treats\n"
	"every answer as hostile. Names are absolute (no search domains).\n\n"
	"  --resolver IP[:PORT]  ask this nameserver instead of resolv.conf's\n"
	"                        (repeatable, up to 4; IPv6 as [ADDR]:PORT)\n"
	"  --hosts FILE          the hosts file to read first (/etc/hosts)\n"
	"  --out FILE            write the table to FILE atomically\n"
	"  --best-effort         leave out a name that cannot be pinned (a\n"
	"                        degrade event) instead of failing\n"
	"  --allow-internal      also keep the internal addresses a name\n"
	"                        never names: link-local (metadata),\n"
	"                        multicast, unspecified, reserved (dropped\n"
	"                        by default)\n"
	"  --timeout MS          wait per try and server (default 2000, or\n"
	"                        resolv.conf's options timeout:N)\n"
	"  --log FILE            JSON Lines events to FILE (default stderr)\n\n"
	"An IP literal pins to itself. A wildcard (*.example.com:443) cannot\n"
	"be pinned ahead: each name it matches is pinned on first use. A\n"
	"name that cannot be pinned (NXDOMAIN, SERVFAIL, timeout, malformed\n"
	"answer, only internal addresses) fails with exit 125.\n\n"
	"A name names the loopback, private (RFC 1918), CGNAT and ULA\n"
	"addresses it resolves to: they are kept (cluster services,\n"
	"air-gapped registries). Link-local and metadata (169.254.0.0/16),\n"
	"multicast, unspecified and reserved addresses are kept only when\n"
	"given as IP literals, or with --allow-internal.\n";

enum {
	O_RESOLVER = 1, O_HOSTS, O_OUT, O_BEST, O_INTERNAL, O_TIMEOUT, O_LOG
};
static const struct opt pin_opts[] = {
	{ "resolver", 'r', 1, O_RESOLVER },
	{ "hosts", 0, 1, O_HOSTS },
	{ "out", 'o', 1, O_OUT },
	{ "best-effort", 0, 0, O_BEST },
	{ "allow-internal", 0, 0, O_INTERNAL },
	{ "timeout", 't', 1, O_TIMEOUT },
	{ "log", 0, 1, O_LOG },
	{ 0, 0, 0, 0 },
};

#define PIN_FAILED_MAX 16

struct pin_ctx {
	struct dns_conf dns;
	struct pin_table t;
	/* Names that could not be pinned, so that another port of the same
	 * name gets the same answer without a second query. */
	int nbad;
	int bad_err[PIN_FAILED_MAX];
	struct pin_report bad_report[PIN_FAILED_MAX];
	char bad[PIN_FAILED_MAX][SB_HOST_MAX + 1];
	const char *out, *log;
	int best_effort, allow_internal, have_ns, timeout_ms, logfd, failed;
};

/* HOST, HOST:PORT, IP, IP:PORT, IPv6, [IPv6], [IPv6]:PORT, *.DOMAIN:PORT:
 * a missing port means any ("*"). */
static int target_parse(const char *arg, struct dest *d, const char **why)
{
	char mem[SB_HOST_MAX + 16];
	struct buf b = BUF_ON(mem);
	size_t n = strlen(arg);
	struct sb_ip ip;

	*why = "too long";
	if (n > SB_HOST_MAX + 8)
		return -1;
	if (ip_parse(arg, n, &ip) == 0 && ip.family == 6) {
		buf_putc(&b, '[');
		buf_puts(&b, arg);
		buf_puts(&b, "]:*");
	} else {
		buf_puts(&b, arg);
		if ((n && arg[0] == '[' && arg[n - 1] == ']') ||
		    !strchr(arg, ':'))
			buf_puts(&b, ":*");
	}
	if (b.over)
		return -1;
	if (dest_parse(buf_str(&b), d, why) < 0)
		return -1;
	if (d->kind == DEST_CIDR &&
	    d->prefix != (d->ip.family == 4 ? 32 : 128)) {
		*why = "a network cannot be pinned (give a name or an address)";
		return -1;
	}
	return 0;
}

static void ips_json(const struct sb_ip *ips, int n, char *out, size_t cap)
{
	struct buf b;
	char ip[48];

	buf_init(&b, out, cap);
	buf_putc(&b, '[');
	for (int i = 0; i < n; i++) {
		ip_format(&ips[i], ip, sizeof(ip));
		buf_puts(&b, i ? "," : "");
		buf_json_str(&b, ip);
	}
	buf_putc(&b, ']');
	buf_str(&b);
}

static void ips_text(const struct sb_ip *ips, int n, char *out, size_t cap)
{
	struct buf b;
	char ip[48];

	buf_init(&b, out, cap);
	for (int i = 0; i < n; i++) {
		ip_format(&ips[i], ip, sizeof(ip));
		buf_puts(&b, i ? " " : "");
		buf_puts(&b, ip);
	}
	buf_str(&b);
}

static void ev_start(struct log_ev *e, const char *event,
		     const struct dest *d)
{
	char name[SB_HOST_MAX + 3];
	struct buf b = BUF_ON(name);

	if (d->kind == DEST_CIDR) {
		ip_format(&d->ip, name, sizeof(name));
	} else {
		buf_puts(&b, d->kind == DEST_WILD ? "*." : "");
		buf_puts(&b, d->host);
		buf_str(&b);
	}
	log_begin(e, event);
	log_s(e, "layer", "pin");
	log_s(e, "host", name);
	if (d->port)
		log_i(e, "port", d->port);
}

static const char *source_name(int s)
{
	switch (s) {
	case DNS_SRC_LITERAL:
		return "literal";
	case DNS_SRC_HOSTS:
		return "hosts";
	case DNS_SRC_DNS:
		return "dns";
	case PIN_SRC_TABLE:
		return "pinned";
	default:
		return "none";
	}
}

static void pin_failed(struct pin_ctx *c, const struct dest *d,
		       const char *name, int err, const struct pin_report *r)
{
	char why[512], ips[PIN_MAX_IPS * 48];
	struct buf b = BUF_ON(why);
	struct log_ev e;
	int nd = r->ndropped < PIN_MAX_IPS ? r->ndropped : PIN_MAX_IPS;

	buf_puts(&b, dns_strerror(err));
	if (err == -EADDRNOTAVAIL) {
		ips_text(r->dropped, nd, ips, sizeof(ips));
		buf_puts(&b, " (");
		buf_puts(&b, ips);
		buf_puts(&b, "): a name never names a link-local, multicast, "
			     "unspecified or reserved address; the address "
			     "itself as an operand, or --allow-internal, "
			     "keeps it");
	}
	buf_str(&b);
	ev_start(&e, c->best_effort ? "degrade" : "error", d);
	if (err == -EADDRNOTAVAIL) {
		ips_json(r->dropped, nd, ips, sizeof(ips));
		log_json(&e, "ips", ips);
	}
	log_s(&e, "reason", why);
	if (c->best_effort)
		log_s(&e, "action", "left out of the table");
	log_end(&e, c->logfd);
	if (!c->best_effort) {
		say_err("unable to pin ", name, ": ", why, NULL);
		c->failed = 1;
	}
}

static void pin_one(struct pin_ctx *c, const struct dest *d)
{
	char ips[PIN_MAX_IPS * 48], host[48];
	const char *name = d->host;
	const struct pin *p;
	struct pin_report r;
	struct log_ev e;
	int err;

	if (d->kind == DEST_WILD) {
		ev_start(&e, "allow", d);
		log_s(&e, "reason", "wildcard: each matching name is pinned "
				    "on its first use");
		log_end(&e, c->logfd);
		return;
	}
	if (d->kind == DEST_CIDR) {
		ip_format(&d->ip, host, sizeof(host));
		name = host;
	}
	for (int i = 0; i < c->nbad; i++) {
		if (!strcmp(c->bad[i], name)) {
			pin_failed(c, d, name, c->bad_err[i],
				   &c->bad_report[i]);
			return;
		}
	}
	err = pin_resolve(&c->t, &c->dns, name, d->port, c->allow_internal,
			  &r);
	if (err < 0) {
		if (c->nbad < PIN_FAILED_MAX) {
			memcpy(c->bad[c->nbad], name, strlen(name) + 1);
			c->bad_report[c->nbad] = r;
			c->bad_err[c->nbad++] = err;
		}
		pin_failed(c, d, name, err, &r);
		return;
	}
	if (r.ndropped) {
		ips_json(r.dropped, r.ndropped < PIN_MAX_IPS ? r.ndropped :
			 PIN_MAX_IPS, ips, sizeof(ips));
		ev_start(&e, "degrade", d);
		log_json(&e, "ips", ips);
		log_s(&e, "reason", "internal addresses a name never names "
				    "dropped (--allow-internal keeps them)");
		log_end(&e, c->logfd);
	}
	if (r.nextra) {
		ev_start(&e, "degrade", d);
		log_i(&e, "dropped", r.nextra);
		log_i(&e, "kept", PIN_MAX_IPS);
		log_s(&e, "reason", "too many addresses: the first kept");
		log_end(&e, c->logfd);
	}
	p = pin_find(&c->t, name, d->port);
	if (!p)
		return;
	ips_json(p->ips, p->nips, ips, sizeof(ips));
	ev_start(&e, "allow", d);
	log_json(&e, "ips", ips);
	log_s(&e, "source", source_name(r.source));
	log_end(&e, c->logfd);
}

static int fail(struct pin_ctx *c, const char *what, const char *obj, int e)
{
	struct log_ev ev;
	char why[512];
	struct buf b = BUF_ON(why);

	buf_puts(&b, what);
	buf_puts(&b, obj);
	buf_puts(&b, ": ");
	buf_puts(&b, err_str(e));
	log_begin(&ev, "error");
	log_s(&ev, "reason", buf_str(&b));
	log_end(&ev, c->logfd);
	say_err(why, NULL);
	return EX_SB;
}

static int pin_main(int argc, char **argv)
{
	struct pin_ctx c;
	struct optstate s;
	struct dest d;
	const char *why;
	long v;
	int id, e;

	memset(&c, 0, sizeof(c));
	c.logfd = 2;
	dns_conf_init(&c.dns);
	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, pin_opts)) != OPT_END) {
		switch (id) {
		case OPT_HELP:
			return help_print(pin_help);
		case OPT_ERR:
			return usage_error(s.why, s.bad);
		case O_RESOLVER:
			e = dns_conf_add_ns(&c.dns, s.arg);
			if (e == -ENOSPC)
				return usage_error("too many resolvers", s.arg);
			if (e < 0)
				return usage_error("bad resolver (IP[:PORT] or "
						   "[IPv6]:PORT)", s.arg);
			c.have_ns = 1;
			break;
		case O_HOSTS:
			c.dns.hosts = s.arg;
			c.dns.hosts_required = 1;
			break;
		case O_OUT:
			c.out = s.arg;
			break;
		case O_BEST:
			c.best_effort = 1;
			break;
		case O_INTERNAL:
			c.allow_internal = 1;
			break;
		case O_TIMEOUT:
			v = opt_num(s.arg, 60000);
			if (v < 1)
				return usage_error("timeout must be 1-60000 ms",
						   s.arg);
			c.timeout_ms = (int)v;
			break;
		case O_LOG:
			c.log = s.arg;
			break;
		}
	}
	if (s.i >= argc)
		return usage_error("missing HOST[:PORT]", 0);
	/* Every operand is checked before anything is resolved. */
	for (int i = s.i; i < argc; i++)
		if (target_parse(argv[i], &d, &why) < 0)
			return usage_error(why, argv[i]);
	if (c.log) {
		c.logfd = sys_open(c.log, O_WRONLY | O_CREAT | O_APPEND |
				   O_CLOEXEC, 0644);
		if (c.logfd < 0) {
			c.logfd = 2;
			return fail(&c, "unable to open ", c.log, errno);
		}
	}
	if (c.dns.hosts_required) {
		/* Named explicitly: it must be there (sb-pin reads it again
		 * for each name, so a later failure is still an error). */
		e = sys_open(c.dns.hosts, O_RDONLY | O_CLOEXEC, 0);
		if (e < 0)
			return fail(&c, "unable to read ", c.dns.hosts, errno);
		close(e);
	}
	if (!c.have_ns) {
		e = dns_conf_load(&c.dns, DNS_RESOLV_PATH);
		if (e < 0)
			return fail(&c, "unable to read ", DNS_RESOLV_PATH, e);
	}
	/* --timeout wins over resolv.conf's options. */
	if (c.timeout_ms)
		c.dns.timeout_ms = c.timeout_ms;
	for (int i = s.i; i < argc; i++) {
		target_parse(argv[i], &d, &why);
		pin_one(&c, &d);
	}
	if (c.failed)
		return EX_SB;
	if (c.out) {
		e = pin_write_file(&c.t, c.out);
		if (e < 0)
			return fail(&c, "unable to write ", c.out, e);
		return EX_OK;
	}
	e = pin_write_fd(&c.t, 1);
	if (e < 0)
		return fail(&c, "unable to write ", "the table", e);
	return EX_OK;
}

SB_APPLET(pin, "resolve allowed names once: the DNS-pinned table", pin_help,
	  pin_main);
