/* applets/proxy.c - sb-proxy: the mandatory egress proxy, standalone */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "opt.h"
#include "pin.h"
#include "policy.h"
#include "proxy.h"
#include "sb.h"
#include "sys.h"

#define FILE_MAX (256 << 10) /* a policy or pins file */
#define ALLOW_MAX 64

struct proxy_app {
	struct policy pol;
	struct pin_table pins;
	struct proxy_cfg cfg;
	const char *policy_file, *pins_file, *log_file, *listen;
	const char *allow[ALLOW_MAX];
	struct dns_conf dns;
	int nallow, resolv_given;
	/* --upstream* flags, in order: directive names and their values */
	const char *upflag[ALLOW_MAX][2];
	int nupflag;
	struct upstream up;
};

/* Read a whole small file, NUL-terminated. Its length, or -errno
 * (-EFBIG when it does not fit). */
static long read_text(const char *path, char *buf, size_t cap)
{
	size_t have = 0;
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;

			close(fd);
			return e;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have == cap - 1) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[have] = 0;
	if (strlen(buf) != have)
		return -EINVAL; /* a NUL inside */
	return (long)have;
}

/* Pin every host name the allow and direct entries give, once, now (as
 * sb-pin does): a name already in --pins is kept as it is. A name that
 * cannot be pinned stops the proxy under enforce, and is a degrade event
 * (and denied when asked for) under best-effort. Wildcard entries are
 * pinned name by name on first use, by the proxy. */
static int pin_allowed(struct proxy_app *a)
{
	/* direct destinations are reachable through the proxy too. */
	int nad = a->pol.nallow + a->pol.ndirect;

	/* ... and those of entries with "from" (rules per binary). */
	for (int i = 0; i < nad + a->pol.nfrom; i++) {
		const struct dest *d = i < a->pol.nallow ? &a->pol.allow[i] :
				       i < nad ? &a->pol.direct[i - a->pol.nallow] :
				       &a->pol.from[i - nad];
		struct log_ev e;
		int r;

		if (d->kind != DEST_HOST ||
		    pin_find(&a->pins, d->host, d->port))
			continue;
		/* Reached through the upstream, which resolves it: never
		 * pinned here. */
		if ((i < a->pol.nallow ||
		     (i >= nad && !a->pol.from_direct[i - nad])) &&
		    policy_via_upstream(&a->pol, d->host, NULL, d->port))
			continue;
		/* Internal addresses are kept here and refused per
		 * connection, unless the policy names them. */
		r = pin_resolve(&a->pins, &a->dns, d->host, d->port, 1, NULL);
		if (r == 0)
			continue;
		log_begin(&e, a->pol.best_effort ? "degrade" : "error");
		log_s(&e, "layer", "proxy");
		log_s(&e, "host", d->host);
		log_i(&e, "port", d->port);
		log_s(&e, "reason", dns_strerror(r));
		log_end(&e, a->cfg.log_fd);
		if (!a->pol.best_effort) {
			say_err("unable to pin ", d->host, ": ",
				dns_strerror(r), NULL);
			return -1;
		}
	}
	a->cfg.pins = &a->pins;
	return 0;
}

static int load(struct proxy_app *a)
{
	struct policy_err pe;
	char msg[300];
	char *buf = mmap(NULL, FILE_MAX, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long n;
	int r = -1, line;

	if (buf == MAP_FAILED) {
		say_err("out of memory", NULL);
		return -1;
	}
	if (a->policy_file) {
		n = read_text(a->policy_file, buf, FILE_MAX);
		if (n < 0) {
			say_err("unable to read ", a->policy_file, ": ",
				err_str((int)n), NULL);
			goto out;
		}
		if (policy_parse(&a->pol, buf, a->policy_file, &pe) < 0)
			goto bad_policy;
	}
	for (int i = 0; i < a->nallow; i++)
		if (policy_directive(&a->pol, "allow", a->allow[i], &pe) < 0)
			goto bad_policy;
	for (int i = 0; i < a->nupflag; i++)
		if (policy_directive(&a->pol, a->upflag[i][0], a->upflag[i][1],
				     &pe) < 0)
			goto bad_policy;
	pe.file = a->policy_file ? a->policy_file : "command line";
	if (policy_upstream_check(&a->pol, &pe) < 0)
		goto bad_policy;
	if (a->pins_file) {
		n = read_text(a->pins_file, buf, FILE_MAX);
		if (n < 0) {
			say_err("unable to read ", a->pins_file, ": ",
				err_str((int)n), NULL);
			goto out;
		}
		if (pin_parse(&a->pins, buf, &line) < 0) {
			char ln[16];
			struct buf lb = BUF_ON(ln);

			buf_putu(&lb, (unsigned)line);
			say_err(a->pins_file, ":", buf_str(&lb),
				": bad pin line", NULL);
			goto out;
		}
	}
	if (!a->resolv_given && dns_conf_load(&a->dns, DNS_RESOLV_PATH) < 0)
		a->dns.nns = 0;
	r = 0;
	goto out;
bad_policy:
	policy_err_format(&pe, msg, sizeof(msg));
	say_err(msg, NULL);
out:
	munmap(buf, FILE_MAX);
	return r;
}

static const char proxy_help[] =
	"usage: sb-proxy [--listen ADDR:PORT] [--policy FILE]\n"
	"         [--allow DEST]...\n"
	"         [--pins FILE] [--log FILE] [--resolver IP[:PORT]]...\n"
	"         [--max-conns N] [--idle-timeout SEC]\n"
	"         [--head-timeout SEC] [--drain-timeout SEC]\n"
	"         [--no-sni allow|deny] [--ready-fd FD]\n"
	"         [--upstream http://HOST:PORT] [--upstream-auth-file FILE]\n"
	"         [--upstream-auth-env NAME] [--upstream-except DEST]...\n\n"
	"The mandatory egress proxy: HTTP CONNECT tunnels and absolute-form\n"
	"plain HTTP, to allowed destinations only, connected to pinned\n"
	"addresses only. Internal addresses need an allow entry naming them.\n"
	"A TLS ClientHello must name the CONNECT host. Every allow and deny\n"
	"is a JSON line.\n\n"
	"  --listen        where to listen (default: the policy's proxy\n"
	"                  address, 127.0.0.1:3128)\n"
	"  --policy        a policy file: its allow entries, proxy address\n"
	"  --allow         also allow DEST: host:port, *.domain:port,\n"
	"                  IP:port, CIDR:port, [IPv6]:port; port * for any\n"
	"  --pins          pinned addresses as sb-pin prints them\n"
	"                  (HOST PORT IP...)\n"
	"  --log           append JSON Lines to FILE (default: stderr)\n"
	"  --resolver      the DNS server for pinning (default: the\n"
	"                  nameservers of /etc/resolv.conf); host entries\n"
	"                  are pinned at start, *.domain names on first\n"
	"                  use, then frozen\n"
	"  --max-conns     connections at once, 503 past it (1024)\n"
	"  --idle-timeout  seconds a tunnel may stay silent (300)\n"
	"  --head-timeout  seconds for a whole request head (10)\n"
	"  --drain-timeout seconds open connections get after SIGTERM (30)\n"
	"  --no-sni        a ClientHello without SNI: allow (default), deny\n"
	"  --ready-fd      write one byte to FD once serving, then close it\n"
	"  --upstream      reach allowed destinations through this HTTP\n"
	"                  proxy (CONNECT host:port by name; it resolves\n"
	"                  them: they are not pinned here)\n"
	"  --upstream-auth-file  FILE holds user:password for the upstream\n"
	"                  (Proxy-Authorization: Basic)\n"
	"  --upstream-auth-env   the variable NAME holds it (then unset)\n"
	"  --upstream-except     DEST connected directly, not through the\n"
	"                  upstream: host, *.domain, IP, CIDR [:PORT]\n\n"
	"SIGTERM or SIGINT: stop accepting, drain, exit 0. SIGUSR1: log the\n"
	"denial summary (also logged at exit).\n";

enum {
	O_LISTEN = 1,
	O_POLICY,
	O_ALLOW,
	O_PINS,
	O_LOG,
	O_RESOLVER,
	O_MAX,
	O_IDLE,
	O_NOSNI,
	O_READY,
	O_HEAD,
	O_DRAIN,
	O_UPSTREAM,
	O_UP_FILE,
	O_UP_ENV,
	O_UP_EXCEPT,
};
static const struct opt proxy_opts[] = {
    {"listen", 'l', 1, O_LISTEN},
    {"policy", 'p', 1, O_POLICY},
    {"allow", 'a', 1, O_ALLOW},
    {"pins", 0, 1, O_PINS},
    {"log", 0, 1, O_LOG},
    {"resolver", 0, 1, O_RESOLVER},
    {"max-conns", 0, 1, O_MAX},
    {"idle-timeout", 0, 1, O_IDLE},
    {"no-sni", 0, 1, O_NOSNI},
    {"ready-fd", 0, 1, O_READY},
    {"head-timeout", 0, 1, O_HEAD},
    {"drain-timeout", 0, 1, O_DRAIN},
    {"upstream", 0, 1, O_UPSTREAM},
    {"upstream-auth-file", 0, 1, O_UP_FILE},
    {"upstream-auth-env", 0, 1, O_UP_ENV},
    {"upstream-except", 0, 1, O_UP_EXCEPT},
    {0, 0, 0, 0},
};

/* 0: go on; 1: stop with *code (help, usage error). */
static int parse_opts(struct proxy_app *a, int argc, char **argv, int *code)
{
	struct optstate s;
	long v;
	int id;

	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, proxy_opts)) != OPT_END) {
		switch (id) {
		case OPT_HELP:
			*code = help_print(proxy_help);
			return 1;
		case OPT_ERR:
			*code = usage_error(s.why, s.bad);
			return 1;
		case O_LISTEN:
			a->listen = s.arg;
			break;
		case O_POLICY:
			a->policy_file = s.arg;
			break;
		case O_ALLOW:
			if (a->nallow >= ALLOW_MAX)
				return *code = usage_error("too many --allow",
							   s.arg),
				       1;
			a->allow[a->nallow++] = s.arg;
			break;
		case O_PINS:
			a->pins_file = s.arg;
			break;
		case O_UPSTREAM:
		case O_UP_FILE:
		case O_UP_ENV:
		case O_UP_EXCEPT:
			if (a->nupflag >= ALLOW_MAX)
				return *code = usage_error("too many --upstream "
							   "flags", s.arg),
				       1;
			a->upflag[a->nupflag][0] =
			    id == O_UPSTREAM ? "upstream"
			    : id == O_UP_FILE ? "upstream-auth-file"
			    : id == O_UP_ENV ? "upstream-auth-env"
					     : "upstream-except";
			a->upflag[a->nupflag++][1] = s.arg;
			break;
		case O_LOG:
			a->log_file = s.arg;
			break;
		case O_RESOLVER:
			if (dns_conf_add_ns(&a->dns, s.arg) < 0)
				return *code =
					   usage_error("bad --resolver", s.arg),
				       1;
			a->resolv_given = 1;
			break;
		case O_MAX:
			v = opt_num(s.arg, 1 << 20);
			if (v < 1)
				return *code = usage_error("bad --max-conns",
							   s.arg),
				       1;
			a->cfg.max_conns = (int)v;
			break;
		case O_IDLE:
			v = opt_num(s.arg, 7 * 24 * 3600);
			if (v < 1)
				return *code = usage_error("bad --idle-timeout",
							   s.arg),
				       1;
			a->cfg.idle_ms = (int)v * 1000;
			break;
		case O_HEAD:
			v = opt_num(s.arg, 3600);
			if (v < 1)
				return *code = usage_error("bad --head-timeout",
							   s.arg),
				       1;
			a->cfg.head_ms = (int)v * 1000;
			break;
		case O_DRAIN:
			v = opt_num(s.arg, 7 * 24 * 3600);
			if (v < 0)
				return *code = usage_error(
					   "bad --drain-timeout", s.arg),
				       1;
			a->cfg.drain_ms = (int)v * 1000;
			break;
		case O_NOSNI:
			if (strcmp(s.arg, "allow") && strcmp(s.arg, "deny"))
				return *code = usage_error(
					   "--no-sni takes allow or deny",
					   s.arg),
				       1;
			a->cfg.no_sni_deny = s.arg[0] == 'd';
			break;
		case O_READY:
			v = opt_num(s.arg, 1 << 20);
			if (v < 0 || fcntl((int)v, F_GETFD) < 0)
				return *code =
					   usage_error("bad --ready-fd", s.arg),
				       1;
			a->cfg.ready_fd = (int)v;
			break;
		}
	}
	if (s.i < argc)
		return *code = usage_error("unexpected argument", argv[s.i]), 1;
	return 0;
}

static int listen_addr(struct proxy_app *a)
{
	struct dest d;
	const char *why;

	a->cfg.listen_ip = a->pol.proxy_ip;
	a->cfg.listen_port = a->pol.proxy_port;
	if (!a->listen)
		return 0;
	if (dest_parse(a->listen, &d, &why) < 0 || d.kind != DEST_CIDR ||
	    d.prefix != (d.ip.family == 4 ? 32 : 128) || !d.port)
		return -1;
	a->cfg.listen_ip = d.ip;
	a->cfg.listen_port = d.port;
	return 0;
}

static int proxy_main(int argc, char **argv)
{
	struct proxy_app *a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int r, ret = EX_SB;

	if (a == MAP_FAILED) {
		say_err("out of memory", NULL);
		return EX_SB;
	}
	policy_init(&a->pol);
	proxy_cfg_init(&a->cfg);
	a->cfg.confine = 1;       /* Landlock + allow-list, once set up */
	dns_conf_init(&a->dns);
	if (parse_opts(a, argc, argv, &ret))
		goto out;
	ret = EX_SB;
	if (load(a) < 0)
		goto out;
	if (listen_addr(a) < 0) {
		ret = usage_error("--listen takes IP:PORT", a->listen);
		goto out;
	}
	if (a->log_file) {
		a->cfg.log_fd = sys_open(a->log_file, O_WRONLY | O_APPEND |
					 O_CREAT | O_CLOEXEC, 0600);
		if (a->cfg.log_fd < 0) {
			say_err("unable to open ", a->log_file, ": ",
				err_str(errno), NULL);
			goto out;
		}
	}
	a->cfg.pol = &a->pol;
	a->cfg.dns = &a->dns;
	if (a->pol.has_upstream) {
		char why[400];

		if (upstream_prepare(&a->up, &a->pol, &a->dns, why,
				     sizeof(why)) < 0) {
			log_event(a->cfg.log_fd, "error", "proxy", why);
			say_err(why, NULL);
			goto out;
		}
		a->cfg.up = &a->up;
	}
	if (pin_allowed(a) < 0)
		goto out;
	r = proxy_run(&a->cfg);
	if (r < 0) {
		char port[8];
		struct buf b = BUF_ON(port);

		buf_putu(&b, a->cfg.listen_port);
		say_err("unable to serve on port ", buf_str(&b), ": ",
			err_str(r), NULL);
		goto out;
	}
	ret = EX_OK;
out:
	if (a->log_file && a->cfg.log_fd >= 0)
		close(a->cfg.log_fd);
	munmap(a, sizeof(*a));
	return ret;
}

SB_APPLET(proxy, "mandatory egress proxy (HTTP CONNECT)", proxy_help,
	  proxy_main);
