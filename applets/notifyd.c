/* applets/notifyd.c - sb-notifyd: the seccomp supervisor, standalone. It
 * receives sandboxes' listeners on a UNIX socket and serves them all from
 * one event loop (lib/notify.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "notify.h"
#include "opt.h"
#include "pin.h"
#include "policy.h"
#include "sb.h"
#include "sys.h"

static const char notifyd_help[] =
	"usage: sb-notifyd --socket PATH [--policy FILE] [--pins FILE]"
	" [--log FILE]\n\n"
	"The seccomp user-notification supervisor, serving the sandboxes\n"
	"whose listeners arrive on the UNIX socket PATH (sb-exec\n"
	"--notify-socket PATH). Every socket() of an Internet family gets a\n"
	"socket made here, bound to the loopback device; every connect() is\n"
	"decided by address: the proxy, a direct destination (relayed from\n"
	"here), or EACCES. Peers must run as this uid, or as root. SIGTERM\n"
	"or SIGINT stops it.\n\n"
	"  --socket PATH  the control socket, created mode 0600\n"
	"  --policy FILE  the proxy and direct entries (default: the embedded\n"
	"                 policy)\n"
	"  --pins FILE    pinned names, as sb-pin prints them\n"
	"  --log FILE     JSON Lines events (default: stderr)\n";

enum { N_SOCKET = 1, N_POLICY, N_PINS, N_LOG };
static const struct opt notifyd_opts[] = {
	{ "socket", 's', 1, N_SOCKET },
	{ "policy", 'p', 1, N_POLICY },
	{ "pins", 0, 1, N_PINS },
	{ "log", 'l', 1, N_LOG },
	{ 0, 0, 0, 0 },
};

struct notifyd_ctx {
	const char *socket, *policy_file, *pins_file, *log_file;
	int log_fd;
	struct policy pol;
	struct pin_table pins;
	struct notify_ctx n;
	char text[65536];             /* the policy, then the pins */
};

static int fail(struct notifyd_ctx *c, const char *what, const char *obj,
		int err)
{
	struct log_ev e;

	say_err(what, obj ? " " : "", obj ? obj : "", err ? ": " : "",
		err ? err_str(err) : "", NULL);
	if (c->log_fd != 2) {
		log_begin(&e, "error");
		log_s(&e, "reason", what);
		log_s(&e, "object", obj);
		if (err)
			log_s(&e, "error", err_str(err));
		(void)log_end(&e, c->log_fd);
	}
	return EX_SB;
}

static int load(struct notifyd_ctx *c)
{
	struct policy_err pe;
	char msg[512];
	ssize_t n;
	int line = 0;

	memset(&pe, 0, sizeof(pe));
	policy_init(&c->pol);
	if (c->policy_file) {
		n = file_read(c->policy_file, c->text, sizeof(c->text));
		if (n < 0)
			return fail(c, "unable to read policy", c->policy_file,
				    (int)n);
		if (policy_parse(&c->pol, c->text, c->policy_file, &pe) < 0)
			goto bad;
	} else if (policy_parse(&c->pol, policy_default_text,
				"(embedded default)", &pe) < 0) {
		goto bad;
	}
	c->pins.n = 0;
	if (c->pins_file) {
		n = file_read(c->pins_file, c->text, sizeof(c->text));
		if (n < 0)
			return fail(c, "unable to read pins", c->pins_file,
				    (int)n);
		if (pin_parse(&c->pins, c->text, &line) < 0) {
			struct buf b = BUF_ON(msg);

			buf_puts(&b, c->pins_file);
			buf_putc(&b, ':');
			buf_puti(&b, line);
			return fail(c, "malformed pin table", buf_str(&b), 0);
		}
	}
	return 0;
bad:
	policy_err_format(&pe, msg, sizeof(msg));
	return fail(c, msg, NULL, 0);
}

static int serve(struct notifyd_ctx *c)
{
	struct log_ev e;
	int ctl, r;

	r = notify_init(&c->n, &c->pol, &c->pins, c->log_fd);
	if (r < 0)
		return fail(c, "unable to start the supervisor", NULL, r);
	c->n.confine = 1;         /* its allow-list, once set up */
	ctl = notify_ctl_socket(c->socket);
	if (ctl < 0) {
		notify_close(&c->n);
		return fail(c, "unable to listen on", c->socket, ctl);
	}
	log_begin(&e, "start");
	log_s(&e, "layer", "seccomp_notify");
	log_s(&e, "socket", c->socket);
	(void)log_end(&e, c->log_fd);
	/* The socket file stays when we end: the loop confines itself and
	 * may not remove files (notify_ctl_socket replaces a stale one at
	 * the next start). */
	r = notify_run(&c->n, ctl);
	(void)close(ctl);
	log_begin(&e, "exit");
	log_s(&e, "layer", "seccomp_notify");
	if (r < 0)
		log_s(&e, "error", err_str(r));
	(void)log_end(&e, c->log_fd);
	if (r < 0)
		return fail(c, "supervisor loop failed", NULL, r);
	return EX_OK;
}

static int notifyd_main(int argc, char **argv)
{
	struct notifyd_ctx *c;
	struct optstate s;
	int id, r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		say_err("out of memory", NULL);
		return EX_SB;
	}
	c->log_fd = 2;
	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, notifyd_opts)) != OPT_END) {
		if (id == OPT_HELP) {
			free(c);
			return help_print(notifyd_help);
		}
		if (id == OPT_ERR) {
			free(c);
			return usage_error(s.why, s.bad);
		}
		if (id == N_SOCKET)
			c->socket = s.arg;
		else if (id == N_POLICY)
			c->policy_file = s.arg;
		else if (id == N_PINS)
			c->pins_file = s.arg;
		else if (id == N_LOG)
			c->log_file = s.arg;
	}
	if (s.i < argc || !c->socket) {
		r = s.i < argc ? usage_error("unexpected argument", argv[s.i]) :
		    usage_error("missing --socket PATH", 0);
		goto out;
	}
	if (c->log_file) {
		c->log_fd = sys_open(c->log_file,
				     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				 0644);
		if (c->log_fd < 0) {
			c->log_fd = 2;
			r = fail(c, "unable to open", c->log_file, errno);
			goto out;
		}
	}
	r = load(c);
	if (r == 0)
		r = serve(c);
	if (c->log_fd != 2)
		(void)close(c->log_fd);
out:
	free(c);
	return r;
}

SB_APPLET(notifyd, "seccomp supervisor: sockets handed out, connects decided",
	  notifyd_help, notifyd_main);
