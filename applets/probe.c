/* applets/probe.c - sb-probe: what the kernel offers, what confines us */
#include <string.h>

#include "buf.h"
#include "log.h"
#include "opt.h"
#include "probe.h"
#include "sb.h"

static const char probe_help[] =
	"usage: sb-probe [--json] [--require FEATURE[,FEATURE...]] [--self]\n\n"
	"Report what this kernel, in this pod, offers: Landlock ABI and each\n"
	"right it brings, seccomp and user notification flags, pidfd,\n"
	"process_vm_readv, user namespaces, io_uring, MPTCP; and this\n"
	"process: no_new_privs, seccomp mode, capabilities, uid. Every\n"
	"answer comes from trying, in a child where trying changes state.\n\n"
	"  --json      one JSON object on stdout\n"
	"  --require   exit 1 naming each missing FEATURE\n"
	"  --self      also which layers confine this process, and how that\n"
	"              was found\n\n"
	"Features: landlock landlock-refer landlock-truncate landlock-net\n"
	"  landlock-ioctl-dev landlock-scope landlock-audit landlock-tsync\n"
	"  landlock-unix-socket seccomp seccomp-tsync seccomp-notify\n"
	"  seccomp-addfd seccomp-addfd-send seccomp-wait-killable\n"
	"  seccomp-sync-wakeup pidfd-open pidfd-thread pidfd-getfd\n"
	"  process-vm-readv user-ns io-uring mptcp\n";

enum { O_JSON = 1, O_REQUIRE, O_SELF };
static const struct opt probe_opts[] = {
	{ "json", 'j', 0, O_JSON },
	{ "require", 'r', 1, O_REQUIRE },
	{ "self", 's', 0, O_SELF },
	{ 0, 0, 0, 0 },
};

struct probe_ctx {
	int json, self;
	const char *require;
	struct probe_report r;
	char out[8192];
};

static void put_json(struct probe_ctx *c, struct buf *b)
{
	const struct probe_self *s = &c->r.self;
	static const char *const caps[] = { "cap_eff", "cap_prm", "cap_inh",
					    "cap_bnd", "cap_amb" };
	const uint64_t capv[] = { s->cap_eff, s->cap_prm, s->cap_inh,
				  s->cap_bnd, s->cap_amb };

	buf_puts(b, "{\"landlock_abi\":");
	buf_puti(b, c->r.landlock_abi);
	buf_puts(b, ",\"landlock_errata\":");
	buf_puti(b, c->r.landlock_errata);
	buf_puts(b, ",\"kernel\":");
	buf_json_str(b, c->r.release);
	buf_puts(b, ",\"features\":{");
	for (int i = 0; i < PF__N; i++) {
		buf_puts(b, i ? "," : "");
		buf_json_str(b, probe_names[i]);
		buf_puts(b, c->r.have[i] ? ":true" : ":false");
	}
	buf_puts(b, "},\"self\":{\"uid\":");
	buf_putu(b, s->uid);
	buf_puts(b, ",\"euid\":");
	buf_putu(b, s->euid);
	buf_puts(b, ",\"gid\":");
	buf_putu(b, s->gid);
	buf_puts(b, ",\"egid\":");
	buf_putu(b, s->egid);
	buf_puts(b, ",\"no_new_privs\":");
	buf_puts(b, s->no_new_privs == 1 ? "true" : "false");
	buf_puts(b, ",\"seccomp_mode\":");
	buf_puti(b, s->seccomp_mode);
	buf_puts(b, ",\"seccomp_filters\":");
	buf_puti(b, s->seccomp_filters);
	for (size_t i = 0; i < LEN(caps); i++) {
		buf_puts(b, ",\"");
		buf_puts(b, caps[i]);
		buf_puts(b, "\":\"0x");
		buf_puthex(b, capv[i]);
		buf_putc(b, '"');
	}
	buf_putc(b, '}');
	if (c->self) {
		buf_puts(b, ",\"layers\":{");
		for (int l = 0; l < PL__N; l++) {
			const struct probe_layer *y = &c->r.layer[l];

			buf_puts(b, l ? "," : "");
			buf_json_str(b, probe_layer_names[l]);
			buf_puts(b, ":{\"active\":");
			buf_puts(b, y->active < 0 ? "null" :
				    y->active ? "true" : "false");
			buf_puts(b, ",\"how\":");
			buf_json_str(b, y->how);
			buf_putc(b, '}');
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "}\n");
}

static void row(struct buf *b, const char *k, const char *v)
{
	size_t at = b->len;

	buf_puts(b, k);
	buf_pad(b, at, 24);
	buf_puts(b, v);
	buf_putc(b, '\n');
}

static void put_hexrow(struct buf *b, const char *k, uint64_t v)
{
	char t[24];
	struct buf h = BUF_ON(t);

	buf_puts(&h, "0x");
	buf_puthex(&h, v);
	row(b, k, buf_str(&h));
}

static void put_numrow(struct buf *b, const char *k, long long v)
{
	char t[24];
	struct buf h = BUF_ON(t);

	buf_puti(&h, v);
	row(b, k, buf_str(&h));
}

static void put_table(struct probe_ctx *c, struct buf *b)
{
	const struct probe_self *s = &c->r.self;

	row(b, "kernel", c->r.release);
	put_numrow(b, "landlock-abi", c->r.landlock_abi);
	put_numrow(b, "landlock-errata", c->r.landlock_errata);
	for (int i = 0; i < PF__N; i++)
		row(b, probe_names[i], c->r.have[i] ? "yes" : "no");
	buf_puts(b, "\nthis process\n");
	put_numrow(b, "uid", s->uid);
	put_numrow(b, "euid", s->euid);
	put_numrow(b, "gid", s->gid);
	row(b, "no-new-privs", s->no_new_privs == 1 ? "yes" : "no");
	put_numrow(b, "seccomp-mode", s->seccomp_mode);
	put_numrow(b, "seccomp-filters", s->seccomp_filters);
	put_hexrow(b, "cap-effective", s->cap_eff);
	put_hexrow(b, "cap-permitted", s->cap_prm);
	put_hexrow(b, "cap-inheritable", s->cap_inh);
	put_hexrow(b, "cap-bounding", s->cap_bnd);
	put_hexrow(b, "cap-ambient", s->cap_amb);
	if (!c->self)
		return;
	buf_puts(b, "\nconfining this process\n");
	for (int l = 0; l < PL__N; l++) {
		const struct probe_layer *y = &c->r.layer[l];
		size_t at = b->len;

		buf_puts(b, probe_layer_names[l]);
		buf_pad(b, at, 24);
		buf_puts(b, y->active < 0 ? "unknown" :
			    y->active ? "active " : "no     ");
		buf_puts(b, "  (");
		buf_puts(b, y->how);
		buf_puts(b, ")\n");
	}
}

/* Check every --require name before probing: a typo is a usage error,
 * not a missing feature. Returns the count missing, or -1. */
static int require(struct probe_ctx *c, int check)
{
	char mem[512];
	struct buf miss = BUF_ON(mem);
	const char *p = c->require;
	int n = 0;

	while (p && *p) {
		char name[40];
		size_t len = strcspn(p, ",");
		int f;

		if (len == 0 || len >= sizeof(name))
			return usage_error("unknown feature", p), -1;
		memcpy(name, p, len);
		name[len] = 0;
		f = probe_find(name);
		if (f < 0)
			return usage_error("unknown feature", name), -1;
		if (check && !c->r.have[f]) {
			buf_puts(&miss, n++ ? ", " : "");
			buf_puts(&miss, name);
		}
		p += len + (p[len] == ',');
	}
	if (n)
		say_err("missing: ", buf_str(&miss), NULL);
	return n;
}

static int probe_main(int argc, char **argv)
{
	struct probe_ctx c;
	struct optstate s;
	struct buf b;
	int id, missing = 0;

	memset(&c, 0, sizeof(c));
	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, probe_opts)) != OPT_END) {
		if (id == OPT_HELP)
			return help_print(probe_help);
		if (id == OPT_ERR)
			return usage_error(s.why, s.bad);
		if (id == O_JSON)
			c.json = 1;
		if (id == O_SELF)
			c.self = 1;
		if (id == O_REQUIRE)
			c.require = s.arg;
	}
	if (s.i < argc)
		return usage_error("unexpected argument", argv[s.i]);
	if (require(&c, 0) < 0)
		return EX_USAGE;
	probe_kernel(&c.r);
	probe_self(&c.r);
	if (c.self)
		probe_confinement(&c.r);
	buf_init(&b, c.out, sizeof(c.out));
	if (c.json)
		put_json(&c, &b);
	else
		put_table(&c, &b);
	if (b.over || buf_flush(&b, 1) < 0) {
		say_err("unable to write the report", NULL);
		return EX_SB;
	}
	if (c.require)
		missing = require(&c, 1);
	return missing ? EX_MISSING : EX_OK;
}

SB_APPLET(probe, "what the kernel offers, what confines us", probe_help,
	  probe_main);
