/* applets/exec.c - sb-exec: run a command under Landlock and seccomp, as a
 * container's PID 1. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <grp.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "landlock.h"
#include "log.h"
#include "notify.h"
#include "opt.h"
#include "pin.h"
#include "probe.h"
#include "proxy.h"
#include "policy.h"
#include "sb.h"
#include "filter.h"
#include "sys.h"

static const char exec_help[] =
	"usage: sb-exec [OPTION...] [--] CMD [ARG...]\n\n"
	"Run CMD confined: Landlock (files, TCP ports, scopes), a seccomp\n"
	"deny filter, no_new_privs; every socket() and connect() decided by\n"
	"a supervisor outside the sandbox, and a loopback proxy that allows\n"
	"only the policy's destinations. As PID 1 it forwards signals, reaps\n"
	"every child, and exits with CMD's status (128+N for signal N).\n"
	"Exit codes: 125 sb-exec failed or bad policy, 126 CMD cannot be\n"
	"executed, 127 CMD not found.\n\n"
	"  --policy FILE    policy file (default: the embedded policy)\n"
	"  --best-effort    run with what the kernel offers, logging each loss\n"
	"  --report FILE    write the layers in force as JSON\n"
	"  --log FILE       JSON Lines events (default: stderr)\n"
	"  --ro PATH        also readable and executable\n"
	"  --rw PATH        also readable, writable, executable\n"
	"  --allow DEST     reachable through the proxy (host:port, *.dom:port)\n"
	"  --direct DEST    also reachable directly, checked by the supervisor\n"
	"  --bind PORT      TCP port the command may bind\n"
	"  --dns on|off     answer DNS from the pinned table\n"
	"  --env NAME[=VAL] environment passed to CMD\n"
	"  --proxy IP:PORT  where the proxy listens\n"
	"  --ipc on|off     SysV IPC (refused by default)\n"
	"  --metadata on|off  chown, xattr writes, inode flags (refused)\n"
	"  -g, --pgroup     run CMD in its own process group and signal it\n"
	"  -u, --user UID[:GID]  run CMD as this user (when started as root;\n"
	"                   supplementary groups are dropped)\n"
	"  --resolver IP[:PORT]  pin names with this DNS server (repeatable)\n"
	"  --hosts FILE     hosts file read before DNS (default /etc/hosts)\n"
	"  --notify-socket PATH  hand the listener to a running sb-notifyd\n"
	"  --no-proxy       do not start a proxy (one already listens at the\n"
	"                   policy's proxy address)\n"
	"  --print-policy   print the effective policy (the default or\n"
	"                   --policy, the flags, LL_*) in the policy format,\n"
	"                   and exit\n"
	"  --upstream http://HOST:PORT  reach allowed destinations through\n"
	"                   this HTTP proxy (CONNECT by name, not pinned)\n"
	"  --upstream-auth-file FILE  user:password for it, read at start\n"
	"  --upstream-auth-env NAME   the same from sb's variable NAME\n"
	"  --upstream-except DEST     connected directly instead (host,\n"
	"                   *.domain, IP, CIDR, optional :PORT)\n\n"
	"The kernel sandboxer's LL_FS_RO, LL_FS_RW, LL_TCP_BIND,\n"
	"LL_TCP_CONNECT and LL_SCOPED variables replace the matching rules.\n";

enum {
	X_POLICY = 1, X_BEST, X_REPORT, X_LOG, X_RO, X_RW, X_ALLOW, X_DIRECT,
	X_BIND, X_DNS, X_ENV, X_PROXY, X_IPC, X_METADATA, X_PGROUP, X_RESOLVER, X_HOSTS,
	X_NOTIFY_SOCKET, X_NO_PROXY, X_USER, X_PRINT_POLICY,
	X_UPSTREAM, X_UP_FILE, X_UP_ENV, X_UP_EXCEPT,
};

static const struct opt exec_opts[] = {
	{ "policy", 'p', 1, X_POLICY },
	{ "best-effort", 0, 0, X_BEST },
	{ "report", 0, 1, X_REPORT },
	{ "log", 0, 1, X_LOG },
	{ "ro", 0, 1, X_RO },
	{ "rw", 0, 1, X_RW },
	{ "allow", 0, 1, X_ALLOW },
	{ "direct", 0, 1, X_DIRECT },
	{ "bind", 0, 1, X_BIND },
	{ "dns", 0, 1, X_DNS },
	{ "env", 0, 1, X_ENV },
	{ "proxy", 0, 1, X_PROXY },
	{ "ipc", 0, 1, X_IPC },
	{ "metadata", 0, 1, X_METADATA },
	{ "pgroup", 'g', 0, X_PGROUP },
	{ "resolver", 0, 1, X_RESOLVER },
	{ "hosts", 0, 1, X_HOSTS },
	{ "notify-socket", 0, 1, X_NOTIFY_SOCKET },
	{ "no-proxy", 0, 0, X_NO_PROXY },
	{ "user", 'u', 1, X_USER },
	{ "print-policy", 0, 0, X_PRINT_POLICY },
	{ "upstream", 0, 1, X_UPSTREAM },
	{ "upstream-auth-file", 0, 1, X_UP_FILE },
	{ "upstream-auth-env", 0, 1, X_UP_ENV },
	{ "upstream-except", 0, 1, X_UP_EXCEPT },
	{ 0, 0, 0, 0 },
};

/* The layers of SPEC's report, in its order. */
enum { LY_FS, LY_NET, LY_SCOPE, LY_FILTER, LY_NOTIFY, LY_PROXY, LY__N };
static const char *const layer_names[LY__N] = {
	"landlock_fs", "landlock_net", "landlock_scope", "seccomp_filter",
	"seccomp_notify", "proxy",
};

/* Ignored by sb-exec, restored for the command (see run()). */
static const int kept_sigs[] = { SIGTTOU, SIGTTIN, SIGPIPE };

/* What the child tells the parent when it cannot get to execve. */
struct child_err {
	int stage;     /* CE_* */
	int err;       /* errno */
};
enum { CE_NNP = 1, CE_USER, CE_CAPS, CE_LANDLOCK, CE_SECCOMP, CE_NOTIFY,
       CE_EXEC };
static const char *const stage_names[] = {
	"", "set no_new_privs", "switch user", "drop capabilities",
	"enforce Landlock",
	"load the seccomp filter", "hand the listener to the supervisor",
	"execute",
};

struct exec_ctx {
	struct policy pol;
	struct ll_plan ll;
	struct sc_plan sc;
	struct pin_table pins;
	struct dns_conf dns;
	struct upstream up;           /* pol.has_upstream: upstream_setup */
	const char *policy_file, *report_file, *log_file;
	const char *notify_socket;    /* standalone sb-notifyd, or NULL */
	int no_proxy;
	int notify;                   /* install the notify filter */
	int seccomp;                  /* filters can be installed at all */
	char sc_why[160];             /* why seccomp or notify is missing */
	const char *ll_why;           /* why Landlock is missing */
	int nsock[2];                 /* listener hand-off: [0] parent */
	pid_t proxy_pid, super_pid;
	int proxy_ready;              /* the proxy's ready pipe, or -1 */
	int proxy_up;                 /* its ready byte came */
	int kid_reaped, kid_st;       /* reaped by kill_sandbox */
	struct sigaction saved[3];    /* the caller's kept_sigs */
	int log_fd;
	int pgroup;
	long uid, gid;                /* --user, or -1 */
	int best_effort_flag;
	int child_err_said;           /* the child's failure is said already */
	int sealed;                   /* nothing may leave: no helpers */
	int super_thread;             /* the supervisor is our thread (Yama) */
	int sp;                       /* to our forked supervisor, which waits
					 on it for the listener; or -1 */
	int super_end;                /* its pipe: EOF when it ends, or -1 */
	int who[2];                   /* supervisor -> proxy: who clients are */
	int pinch[2];                 /* and names to pin (wildcards, dns on) */
	const char *mem_how;          /* how the supervisor reads targets */
	char **cmd;
	char cwd[PATH_MAX];
	const char *layer[LY__N];     /* NULL: active; else "partial: ...",
				       * "replaced: ...", "skipped: ..." */
	int fatal[LY__N];             /* a loss enforce refuses */
	char ltext[LY__N][400];
	char *envp[POLICY_MAX_ENV + 8];
	char envmem[POLICY_MAX_ENV + 8][POLICY_PATH_MAX + 64];
	char text[65536];             /* the policy file */
};

static int fail(struct exec_ctx *c, const char *what, const char *obj,
		int err)
{
	struct log_ev e;

	say_err(what, obj ? " " : "", obj ? obj : "", err ? ": " : "",
		err ? err_str(err) : "", NULL);
	if (c->log_fd != LOG_STDERR_QUIET) {
		log_begin(&e, "error");
		log_s(&e, "reason", what);
		log_s(&e, "object", obj);
		if (err)
			log_s(&e, "error", err_str(err));
		log_end(&e, c->log_fd);
	}
	return EX_SB;
}

static int policy_fail(struct exec_ctx *c, const struct policy_err *pe)
{
	char msg[512];
	struct log_ev e;

	policy_err_format(pe, msg, sizeof(msg));
	say_err(msg, NULL);
	log_begin(&e, "error");
	log_s(&e, "layer", "policy");
	log_s(&e, "reason", msg);
	if (c->log_fd != LOG_STDERR_QUIET)
		log_end(&e, c->log_fd);
	return EX_SB;
}

/* ---- policy: embedded default or --policy FILE, then flags, then LL_* */

static int load_policy(struct exec_ctx *c, int argc, char **argv)
{
	struct policy_err pe = { 0, 0, "" };
	struct optstate s;
	int id;
	ssize_t n;

	policy_init(&c->pol);
	if (c->policy_file) {
		n = file_read(c->policy_file, c->text, sizeof(c->text));
		if (n < 0)
			return fail(c, "unable to read policy",
				    c->policy_file, (int)n);
		if (policy_parse(&c->pol, c->text, c->policy_file, &pe) < 0)
			return policy_fail(c, &pe);
	} else if (policy_parse(&c->pol, policy_default_text,
				"(embedded default)", &pe) < 0) {
		return policy_fail(c, &pe);
	}
	/* Flags on top, in order, through the same parser as the file. */
	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, exec_opts)) > 0) {
		static const char *const dir[] = {
			[X_RO] = "ro", [X_RW] = "rw", [X_ALLOW] = "allow",
			[X_DIRECT] = "direct", [X_BIND] = "bind",
			[X_DNS] = "dns", [X_ENV] = "env", [X_PROXY] = "proxy",
			[X_IPC] = "ipc", [X_METADATA] = "metadata",
		};
		static const char *const updir[] = {
			"upstream", "upstream-auth-file", "upstream-auth-env",
			"upstream-except",
		};

		if (id >= X_RO && id <= X_METADATA &&
		    policy_directive(&c->pol, dir[id], s.arg, &pe) < 0)
			return policy_fail(c, &pe);
		if (id >= X_UPSTREAM && id <= X_UP_EXCEPT &&
		    policy_directive(&c->pol, updir[id - X_UPSTREAM], s.arg,
				     &pe) < 0)
			return policy_fail(c, &pe);
	}
	pe.file = c->policy_file ? c->policy_file : "policy";
	if (policy_upstream_check(&c->pol, &pe) < 0)
		return policy_fail(c, &pe);
	if (c->best_effort_flag)
		c->pol.best_effort = 1;
	if (landlock_env(&c->pol, environ, &pe) < 0) {
		if (!pe.file)
			pe.file = "environment";
		return policy_fail(c, &pe);
	}
	return 0;
}

/* The command's own terminal, when 0, 1 or 2 is one: readable and
 * writable, and no other (the default policy has no /dev/pts). */
static int own_tty(struct exec_ctx *c)
{
	struct policy_err pe = { 0, 0, "" };
	char name[128];

	for (int fd = 0; fd < 3; fd++) {
		if (!isatty(fd) || ttyname_r(fd, name, sizeof(name)) != 0)
			continue;
		if (policy_directive(&c->pol, "rw", name, &pe) < 0 &&
		    strcmp(pe.what, "path listed both ro and rw"))
			return policy_fail(c, &pe);
	}
	return 0;
}

/* ---- layers: what holds, what is lost, enforce or degrade ---- */

/* A layer's report value ("partial: ...", "replaced: ...", "skipped:
 * ..."; NULL is "active", see README "Report") and whether its loss is
 * one enforce refuses. The parts end with NULL. */
static void set_layer(struct exec_ctx *c, int ly, int fatal, ...)
	__attribute__((sentinel));
static void set_layer(struct exec_ctx *c, int ly, int fatal, ...)
{
	struct buf b = BUF_ON(c->ltext[ly]);
	const char *s;
	va_list ap;

	if (c->layer[ly])
		return;
	va_start(ap, fatal);
	while ((s = va_arg(ap, const char *)))
		buf_puts(&b, s);
	va_end(ap);
	c->layer[ly] = buf_str(&b);
	c->fatal[ly] = fatal;
}

/* May this process stack seccomp filters, and one with a listener? The
 * kernel and the runtime's own profile both decide (a runtime may refuse
 * what the kernel has), so a thread of ours tries: a filter and
 * no_new_privs are the calling thread's alone (no TSYNC), and go with it
 * when it ends. A thread costs a fraction of a fork (a fork copies our
 * page tables and is waited for). One filter, with a listener, answers
 * both questions where both work; only when it is refused does a plain
 * one tell "no listener" from "no seccomp". The thread starts as soon as
 * the command line is read and runs while the policy is loaded; its
 * result is taken before anything forks. 0 both work; else 0x7f (no
 * test), the errno of a plain filter, or 0x80 | the errno of the
 * listener's. */
static struct {
	pthread_t th;
	int res;
	int started;
} sc_try;

static void *seccomp_try_thread(void *arg)
{
	static const struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fp = { 1, (struct sock_filter *)allow };
	int r, l;

	(void)arg;
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		return NULL;
	if ((l = sys_seccomp_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER,
				    &fp)) >= 0) {
		close(l);
		sc_try.res = 0;
		return NULL;
	}
	r = sys_seccomp_filter(0, &fp);
	sc_try.res = r < 0 ? -r & 0x7f : 0x80 | (-l & 0x7f);
	return NULL;
}

static void seccomp_try_begin(void)
{
	pthread_attr_t at;

	sc_try.res = 0x7f;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 10);
	sc_try.started = !pthread_create(&sc_try.th, &at, seccomp_try_thread,
					 NULL);
	pthread_attr_destroy(&at);
}

static int seccomp_try_end(void)
{
	if (!sc_try.started)
		return -1;
	pthread_join(sc_try.th, NULL);
	sc_try.started = 0;
	return sc_try.res;
}

/* Which seccomp tiers this process has: c->seccomp (filters at all) and
 * c->notify (a listener whose ADDFD can answer, ADDFD_FLAG_SEND, 5.14),
 * each with the reason when it is missing. */
static void seccomp_caps(struct exec_ctx *c, int abi)
{
	struct buf b = BUF_ON(c->sc_why);
	int t = seccomp_try_end();

	c->seccomp = t == 0 || (t > 0 && (t & 0x80));
	c->notify = t == 0;
	if (t < 0 || t == 0x7f)
		buf_puts(&b, "unable to test seccomp in a child");
	else if (!c->seccomp)
		buf_puts(&b, "seccomp(SET_MODE_FILTER): "),
		buf_puts(&b, err_str(t & 0x7f));
	else if (!c->notify)
		buf_puts(&b, "seccomp(SET_MODE_FILTER, NEW_LISTENER): "),
		buf_puts(&b, err_str(t & 0x7f));
	/* ADDFD with SEND came in 5.14 and Landlock ABI 2 in 5.19: a kernel
	 * with ABI >= 2 has it. Below that, ask the kernel by trying
	 * (sb-probe's test: a notification answered by ADDFD). */
	if (c->notify && abi < 2) {
		struct probe_report r;

		memset(&r, 0, sizeof(r));
		probe_seccomp(&r);
		c->notify = r.have[PF_SECCOMP_ADDFD_SEND];
		if (!c->notify)
			buf_puts(&b, "the listener cannot install sockets "
				     "(no SECCOMP_ADDFD_FLAG_SEND: kernel "
				     "< 5.14)");
	}
	buf_str(&b);
}

/* "(ABI 2 < 4)", "(no Landlock)". */
static const char *abi_below(struct exec_ctx *c, int need, char *mem,
			     size_t n)
{
	struct buf b = { mem, 0, n, 0 };

	if (c->ll.abi == 0) {
		buf_puts(&b, "(no Landlock)");
		return buf_str(&b);
	}
	buf_puts(&b, "(ABI ");
	buf_puti(&b, c->ll.abi);
	if (need) {
		buf_puts(&b, " < ");
		buf_puti(&b, need);
	}
	buf_putc(&b, ')');
	return buf_str(&b);
}

/* The file rights this kernel's Landlock lacks, by name. refer is never
 * among them: ABI 1, which cannot handle it, refuses every rename and
 * link across directories instead (stricter, not weaker). The pathname
 * UNIX socket right (ABI 9) is in no released kernel: a gap, not a loss
 * (write_report). */
static void fs_lost(const struct ll_plan *ll, struct buf *b)
{
	static const struct { uint64_t bit; const char *name; } r[] = {
		{ LANDLOCK_ACCESS_FS_TRUNCATE, "truncate" },
		{ LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev" },
	};
	int n = 0;

	for (size_t i = 0; i < LEN(r); i++)
		if (ll->lost.fs & r[i].bit) {
			buf_puts(b, n++ ? ", " : "");
			buf_puts(b, r[i].name);
		}
}

/* What enforce accepts and what it refuses (README "Kernels and
 * runtimes"): the egress guarantee rests on the supervisor, so Landlock's
 * TCP rules and scopes may be missing where the supervisor holds the
 * same line; file rights that have nothing to do with egress (truncate,
 * ioctl_dev, signals) are reported exactly and accepted; a missing
 * supervisor, seccomp or Landlock file layer is refused. */
static int decide_layers(struct exec_ctx *c)
{
	const struct ll_plan *ll = &c->ll;
	char a4[32], a6[32], a0[32], ports[128], lost[96], names[160];
	struct buf pb = BUF_ON(ports), lb = BUF_ON(lost), nb = BUF_ON(names);
	int missing = 0;

	abi_below(c, 4, a4, sizeof(a4));
	abi_below(c, 6, a6, sizeof(a6));
	abi_below(c, 0, a0, sizeof(a0));
	for (int i = 0; i < ll->nconnect; i++) {
		buf_puts(&pb, i ? ", " : "");
		buf_putu(&pb, ll->connect[i]);
	}
	buf_str(&pb);
	fs_lost(ll, &lb);
	buf_str(&lb);

	if (c->sealed) {
		/* Not lost: not needed. */
		set_layer(c, LY_NOTIFY, 0, "absent: nothing may leave (no "
			  "allow or direct entry): Landlock refuses every TCP "
			  "connect, the seccomp filter every other socket, "
			  "with EACCES and no deny event (--log keeps the "
			  "supervisor to log each)", NULL);
		set_layer(c, LY_PROXY, 0, "absent: nothing may leave (no "
			  "allow or direct entry)", NULL);
	}
	if (ll->abi == 0)
		set_layer(c, LY_FS, 1, "skipped: ", c->ll_why, NULL);
	else if (lost[0])
		set_layer(c, LY_FS, 0, "partial: no ", lost, " ", a0, NULL);

	if (ll->handled.net)
		;   /* active: bind ports only, connect as planned */
	else if (!c->notify)
		set_layer(c, LY_NET, 1, "skipped: no Landlock TCP rules ", a4,
			  " and no supervisor: TCP connect reaches any "
			  "address and port", NULL);
	else if (c->pol.nbind)
		set_layer(c, LY_NET, 1, "skipped: no Landlock TCP rules ", a4,
			  ": bind would not be limited to the policy's bind "
			  "ports (listen() is allowed for them)", NULL);
	else
		/* Below ABI 6 the supervisor lets the kernel perform an
		 * AF_UNIX connect (CONTINUE) only where nothing can race it
		 * (notify.c unix_unsafe): no dup2() of an Internet socket
		 * reaches a loopback port through it. */
		set_layer(c, LY_NET, 0, "replaced: no Landlock TCP rules ", a4,
			  "; the supervisor decides every connect, the seccomp "
			  "filter refuses listen()", NULL);

	if (ll->handled.scope)
		;
	else if (c->notify)
		/* The supervisor refuses abstract connects below ABI 6. */
		set_layer(c, LY_SCOPE, 0, "partial: no signal ", a6,
			  ": processes of the same uid outside the sandbox "
			  "can be signalled (sb's own helpers fail closed); "
			  "abstract UNIX connects refused by the supervisor",
			  NULL);
	else
		set_layer(c, LY_SCOPE, 1, "skipped: no Landlock scopes ", a6,
			  ": abstract UNIX sockets outside the sandbox are "
			  "reachable, and processes of the same uid can be "
			  "signalled", NULL);

	if (!c->seccomp)
		set_layer(c, LY_FILTER, 1, "skipped: ", c->sc_why, NULL);
	if (!c->notify)
		set_layer(c, LY_NOTIFY, 1, "skipped: no seccomp user "
			  "notification (", c->sc_why, ")", NULL);
	if (c->no_proxy)
		set_layer(c, LY_PROXY, 0, "skipped: --no-proxy (an outside "
			  "proxy is expected at the policy's address)", NULL);

	for (int i = 0; i < LY__N; i++) {
		struct log_ev e;

		if (!c->layer[i] || i == LY_PROXY ||
		    (c->sealed && i == LY_NOTIFY))
			continue;   /* --no-proxy: the user's choice */
		if (c->fatal[i]) {
			buf_puts(&nb, missing++ ? ", " : "");
			buf_puts(&nb, layer_names[i]);
		}
		/* "replaced" loses nothing: said in the log file and the
		 * report, not on stderr. */
		if (!c->fatal[i] && !strncmp(c->layer[i], "replaced", 8) &&
		    !c->log_file)
			continue;
		log_begin(&e, c->fatal[i] && !c->pol.best_effort ? "error"
								 : "degrade");
		log_s(&e, "layer", layer_names[i]);
		log_s(&e, "reason", c->layer[i]);
		log_end(&e, c->log_fd);
	}
	if (!c->notify && !c->sealed && ll->handled.net) {
		struct log_ev e;

		/* SPEC's tier 1: what stands in for the supervisor, and
		 * what that costs. */
		log_begin(&e, c->pol.best_effort ? "degrade" : "error");
		log_s(&e, "layer", "seccomp_notify");
		log_s(&e, "reason", "tier-1 fallback: without the supervisor "
		      "Landlock allows TCP connect to these ports only, and "
		      "they are then reachable on any address, not only the "
		      "proxy's and the direct destinations'");
		log_s(&e, "ports", ports);
		log_end(&e, c->log_fd);
	}
	if (ll->abi && (ll->lost.fs & SB_LL_FS_RESOLVE_UNIX)) {
		struct log_ev e;

		log_begin(&e, "degrade");
		log_s(&e, "layer", "landlock_fs");
		log_s(&e, "reason", "pathname UNIX sockets outside the "
				    "sandbox are reachable (Landlock ABI < 9)");
		if (c->log_file)
			log_end(&e, c->log_fd);
	}
	if (c->pol.dns && !c->notify && !c->sealed) {
		struct log_ev e;

		/* "dns on" is the supervisor's (lib/dnsd.c): without it the
		 * filter refuses UDP, and DNS with it. Sealed (nothing may
		 * leave, no supervisor) every name would be NXDOMAIN: the
		 * filter's refusal of UDP says as much, sooner. */
		buf_puts(&nb, missing++ ? ", dns" : "dns");
		log_begin(&e, c->pol.best_effort ? "degrade" : "error");
		log_s(&e, "layer", "dns");
		log_s(&e, "reason", "'dns on' needs the seccomp supervisor, "
				    "which is missing: DNS stays refused");
		log_end(&e, c->log_fd);
	}
	if (missing && !c->pol.best_effort) {
		say_err("refusing to run (enforce): missing here: ",
			buf_str(&nb), " (see above; --best-effort runs "
			"without it)", NULL);
		return -1;
	}
	return 0;
}

/* ---- pins: each allowed name resolved once, before anything runs ---- */

/* Internal addresses (loopback, RFC 1918, metadata...) stay in a pin only
 * when the policy names them explicitly (an allow or direct entry for that
 * address or an internal network holding it). */
static int pin_keep_named(struct exec_ctx *c, const char *host,
			  struct sb_ip *dropped, int *ndropped)
{
	struct pin *pn = (struct pin *)pin_find(&c->pins, host, 0);
	int k = 0;

	*ndropped = 0;
	if (!pn)
		return -EADDRNOTAVAIL;
	for (int i = 0; i < pn->nips; i++) {
		if (policy_ip_ok_by(&c->pol, POLICY_ANY_EXE, POL_BOTH, host,
				    &pn->ips[i], 0))
			pn->ips[k++] = pn->ips[i];
		else
			dropped[(*ndropped)++] = pn->ips[i];
	}
	pn->nips = (uint8_t)k;
	return k ? 0 : -EADDRNOTAVAIL;
}

/* A name left with no address: which were dropped, and what entry would
 * name them (SPEC sb-proxy "What names an internal address"). */
static void pin_why(char *out, size_t cap, const char *dir,
		    const struct dest *d, const struct sb_ip *dropped, int nd)
{
	struct buf b;
	char ip[48];

	buf_init(&b, out, cap);
	buf_puts(&b, nd ? "only internal addresses, dropped:"
			: "only internal addresses");
	for (int i = 0; i < nd; i++) {
		ip_format(&dropped[i], ip, sizeof(ip));
		buf_putc(&b, ' ');
		buf_puts(&b, ip);
	}
	if (nd) {
		char hint[200];

		policy_name_hint(dir, d->host, &dropped[0], d->port, hint,
				 sizeof(hint));
		buf_puts(&b, "; ");
		buf_puts(&b, hint);
	}
	buf_str(&b);
}

static int pin_list(struct exec_ctx *c, const struct dest *tab, int n,
		    const char *dir)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		struct sb_ip dropped[PIN_MAX_IPS];
		struct pin_report rep;
		struct log_ev e;
		char why[512];
		int r, nd = 0;

		if (tab[i].kind != DEST_HOST)
			continue;   /* literals need no pin; wildcards pin late */
		if (tab == c->pol.allow &&
		    policy_via_upstream(&c->pol, tab[i].host, NULL, tab[i].port))
			continue;   /* the upstream resolves it (report) */
		r = pin_resolve(&c->pins, &c->dns, tab[i].host, tab[i].port, 1,
				&rep);
		if (r == 0)
			r = pin_keep_named(c, tab[i].host, dropped, &nd);
		if (r == 0)
			continue;
		bad++;
		if (r == -EADDRNOTAVAIL)
			pin_why(why, sizeof(why), dir, &tab[i], dropped, nd);
		log_begin(&e, c->pol.best_effort ? "degrade" : "error");
		log_s(&e, "layer", "pin");
		log_s(&e, "host", tab[i].host);
		log_i(&e, "port", tab[i].port);
		log_s(&e, "reason", r == -EADDRNOTAVAIL ? why : dns_strerror(r));
		log_end(&e, c->log_fd);
	}
	return bad;
}

static int pin_policy(struct exec_ctx *c)
{
	int bad;

	if (c->dns.nns == 0) {
		int r = dns_conf_load(&c->dns, DNS_RESOLV_PATH);

		if (r < 0)
			return fail(c, "unable to read", DNS_RESOLV_PATH, r);
	}
	bad = pin_list(c, c->pol.allow, c->pol.nallow, "allow") +
	      pin_list(c, c->pol.direct, c->pol.ndirect, "direct") +
	      pin_list(c, c->pol.from, c->pol.nfrom, "allow");  /* from */
	if (bad && !c->pol.best_effort) {
		say_err("refusing to run: a name could not be pinned (see "
			"above; --best-effort runs without it)", NULL);
		return EX_SB;
	}
	return 0;
}

/* ---- environment and report ---- */

/* Is name n the domain d or beneath it? */
static int name_under(const char *n, const char *d)
{
	size_t nl = strlen(n), dl = strlen(d);

	return nl == dl ? !strcmp(n, d) :
	       nl > dl && n[nl - dl - 1] == '.' && !strcmp(n + nl - dl, d);
}

/* Would a client bypassing the proxy for direct entry d (curl, Python
 * and Go read a NO_PROXY name as the name and everything beneath it, on
 * every port) also bypass it for something only an allow entry reaches?
 * Then d stays out of NO_PROXY: the proxy reaches direct destinations
 * too, so the proxy path works for both. */
static int allow_overlaps(const struct policy *p, const struct dest *d)
{
	for (int i = 0; i < p->nallow; i++) {
		const struct dest *a = &p->allow[i];

		if (d->kind == DEST_CIDR || a->kind == DEST_CIDR) {
			if (d->kind != a->kind || d->ip.family != a->ip.family)
				continue;
			if (ip_in_cidr(&a->ip, &d->ip, d->prefix) ||
			    ip_in_cidr(&d->ip, &a->ip, a->prefix))
				return 1;
			continue;
		}
		/* Names: a beneath d's bypass, or a wildcard above it. */
		if (name_under(a->host, d->host) ||
		    (a->kind == DEST_WILD && name_under(d->host, a->host)))
			return 1;
	}
	return 0;
}

/* NO_PROXY and no_proxy: the direct destinations only, so that every
 * client reaches each allowed destination by the path sb accepts: the
 * supervisor connects direct ones, the proxy everything (an allow
 * destination bypassing the proxy would be refused). Ports are left out
 * (curl ignores entries that carry one): another port of a direct name
 * is not reachable either way. CIDR entries go in as CIDR (curl, Go and
 * requests match them; other clients use the proxy). Not set when the
 * policy's env gives them. Returns the new count of envp. */
static int no_proxy_env(struct exec_ctx *c, int n)
{
	static char mem[2][8192];
	static const char *const names[2] = { "NO_PROXY=", "no_proxy=" };
	struct buf b = BUF_ON(mem[0]);
	int any = 0;

	for (int i = 0; i < n; i++)
		if (!strncmp(c->envp[i], names[0], 9) ||
		    !strncmp(c->envp[i], names[1], 9))
			return n;
	buf_puts(&b, names[0]);
	for (int i = 0; i < c->pol.ndirect; i++) {
		const struct dest *d = &c->pol.direct[i];
		size_t at = b.len;
		char ip[48];

		if (allow_overlaps(&c->pol, d))
			continue;
		buf_puts(&b, any ? "," : "");
		if (d->kind == DEST_CIDR) {
			ip_format(&d->ip, ip, sizeof(ip));
			buf_puts(&b, ip);
			if (d->prefix != (d->ip.family == 4 ? 32 : 128)) {
				buf_putc(&b, '/');
				buf_putu(&b, d->prefix);
			}
		} else {
			buf_puts(&b, d->kind == DEST_WILD ? "." : "");
			buf_puts(&b, d->host);
		}
		if (b.over) {
			b.len = at;   /* what fits */
			b.over = 0;
			break;
		}
		any = 1;
	}
	if (!any)
		return n;
	c->envp[n++] = (char *)buf_str(&b);
	memcpy(mem[1], mem[0], b.len + 1);
	memcpy(mem[1], names[1], 9);
	c->envp[n++] = mem[1];
	return n;
}

static void build_env(struct exec_ctx *c)
{
	int n = 0;

	for (int i = 0; i < c->pol.nenv; i++) {
		const char *name = c->pol.env[i];
		struct buf b = BUF_ON(c->envmem[n]);

		if (!strchr(name, '=')) {
			const char *v = getenv(name);

			if (!v)
				continue;
			buf_puts(&b, name);
			buf_putc(&b, '=');
			buf_puts(&b, v);
		} else {
			buf_puts(&b, name);
		}
		if (b.over)
			continue;
		c->envp[n++] = (char *)buf_str(&b);
	}
	if (!c->layer[LY_PROXY] || c->no_proxy) {
		static const char *const names[] = { "HTTP_PROXY=",
			"HTTPS_PROXY=", "http_proxy=", "https_proxy=" };
		char ip[48];

		ip_format(&c->pol.proxy_ip, ip, sizeof(ip));
		for (size_t i = 0; i < LEN(names); i++) {
			struct buf b = BUF_ON(c->envmem[n]);

			buf_puts(&b, names[i]);
			buf_puts(&b, "http://");
			buf_puts(&b, c->pol.proxy_ip.family == 6 ? "[" : "");
			buf_puts(&b, ip);
			buf_puts(&b, c->pol.proxy_ip.family == 6 ? "]:" : ":");
			buf_putu(&b, c->pol.proxy_port);
			c->envp[n++] = (char *)buf_str(&b);
		}
		n = no_proxy_env(c, n);
	}
	c->envp[n] = 0;
}

/* The advisory of a command that keeps uid 0, or NULL. */
static const char *root_advice(const struct exec_ctx *c)
{
	if (geteuid() != 0 || c->uid > 0)
		return NULL;
	return "the command runs as uid 0 (capabilities dropped): files "
	       "owned by root stay reachable under the policy's paths, and "
	       "their modes changeable on any path it can name (chmod, "
	       "setuid bits refused); --user UID[:GID] runs it as another "
	       "user";
}

/* The report's "upstream": where, its pinned addresses, where the
 * credentials came from (never what they are), the exceptions, and the
 * allow entries reached through it, which sb does not pin. */
static void report_upstream(const struct exec_ctx *c, struct buf *b)
{
	const struct policy *p = &c->pol;
	char d[SB_HOST_MAX + 16], ip[48];
	int n = 0;

	if (!p->has_upstream)
		return;
	buf_puts(b, ",\"upstream\":{\"url\":");
	buf_json_str(b, c->up.url);
	buf_puts(b, ",\"ips\":[");
	for (int i = 0; i < c->up.nips; i++) {
		ip_format(&c->up.ips[i], ip, sizeof(ip));
		buf_puts(b, i ? "," : "");
		buf_json_str(b, ip);
	}
	buf_puts(b, "],\"auth\":");
	buf_json_str(b, c->up.auth_from ? c->up.auth_from : "none");
	buf_puts(b, ",\"except\":[");
	for (int i = 0; i < p->nup_except; i++) {
		dest_format(&p->up_except[i], d, sizeof(d));
		buf_puts(b, i ? "," : "");
		buf_json_str(b, d);
	}
	buf_puts(b, "],\"unpinned\":[");
	for (int i = 0; i < p->nallow; i++) {
		const struct dest *a = &p->allow[i];

		if (a->kind == DEST_CIDR ||
		    !policy_via_upstream(p, a->host, NULL, a->port))
			continue;
		dest_format(a, d, sizeof(d));
		buf_puts(b, n++ ? "," : "");
		buf_json_str(b, d);
	}
	buf_puts(b, "],\"note\":\"names reached through the upstream are "
		 "resolved by it, not pinned by sb\"}");
}

/* The upstream (policy "upstream"): pinned, and its credentials read,
 * now, before anything runs. A credentials file beneath one of the
 * policy's paths would be readable in the sandbox: refused. */
static int upstream_setup(struct exec_ctx *c)
{
	static char real[PATH_MAX], rp[PATH_MAX];
	char why[512];

	if (!c->pol.has_upstream)
		return 0;
	if (c->pol.up_auth_file[0] && realpath(c->pol.up_auth_file, real)) {
		for (int i = 0; i < c->pol.npaths; i++) {
			const struct policy_path *pp = &c->pol.paths[i];
			const char *path = strcmp(pp->path, "@cwd") ? pp->path
								    : c->cwd;
			size_t n;

			if (!realpath(path, rp))
				continue;
			n = strlen(rp);
			if (strncmp(real, rp, n) ||
			    (real[n] != '/' && real[n] && n > 1))
				continue;
			{
				struct buf b = BUF_ON(why);

				buf_puts(&b, "upstream-auth-file ");
				buf_puts(&b, c->pol.up_auth_file);
				buf_puts(&b, " is readable in the sandbox "
					 "(beneath '");
				buf_puts(&b, pp->mode == PATH_RW ? "rw " : "ro ");
				buf_puts(&b, pp->path);
				buf_puts(&b, "'): keep it outside every ro and "
					 "rw path");
				buf_str(&b);
			}
			return fail(c, why, 0, 0);
		}
	}
	if (c->dns.nns == 0 && dns_conf_load(&c->dns, DNS_RESOLV_PATH) < 0)
		c->dns.nns = 0;
	if (upstream_prepare(&c->up, &c->pol, &c->dns, why, sizeof(why)) < 0)
		return fail(c, why, 0, 0);
	return 0;
}

static int write_report(struct exec_ctx *c)
{
	static char mem[65536];
	struct buf b = BUF_ON(mem);
	int r;

	buf_puts(&b, "{\"landlock_abi\":");
	buf_puti(&b, c->ll.abi);
	buf_puts(&b, ",\"mode\":");
	buf_puts(&b, c->pol.best_effort ? "\"best-effort\"" : "\"enforce\"");
	buf_puts(&b, ",\"layers\":{");
	for (int i = 0; i < LY__N; i++) {
		buf_puts(&b, i ? "," : "");
		buf_json_str(&b, layer_names[i]);
		buf_putc(&b, ':');
		buf_json_str(&b, c->layer[i] ? c->layer[i] : "active");
	}
	buf_puts(&b, "},");
	if (c->mem_how) {
		buf_puts(&b, "\"supervisor_reads\":");
		buf_json_str(&b, c->mem_how);
		buf_putc(&b, ',');
	}
	/* How the helpers confine themselves once set up (SPEC "sb confines
	 * itself"); the proxy's start event says what held. */
	buf_puts(&b, "\"helpers\":{");
	if (!c->layer[LY_PROXY]) {
		int abi = c->ll.abi;

		buf_puts(&b, "\"proxy\":\"seccomp allow-list; Landlock: ");
		buf_puts(&b, abi >= 6 ? "files, TCP, scopes" : abi >= 4 ?
			 "files, TCP" : abi >= 1 ? "files" : "none");
		buf_puts(&b, "\"");
	}
	if (c->notify && !c->notify_socket)
		buf_puts(&b, !c->layer[LY_PROXY] ? "," : "");
	if (c->notify && !c->notify_socket)
		buf_puts(&b, "\"supervisor\":\"seccomp allow-list; no "
			     "Landlock (it reads the command's memory)\"");
	buf_puts(&b, "},");
	buf_puts(&b, "\"gaps\":[");
	if (c->ll.lost.fs & SB_LL_FS_RESOLVE_UNIX)
		buf_puts(&b, "\"pathname UNIX sockets outside the sandbox are "
			     "reachable: Landlock confines them from ABI 9\"");
	buf_puts(&b, "],\"advisories\":[");
	if (root_advice(c))
		buf_json_str(&b, root_advice(c));
	buf_puts(&b, "],\"pins\":[");
	for (int i = 0; i < c->pins.n; i++) {
		const struct pin *pn = &c->pins.pins[i];

		buf_puts(&b, i ? ",{\"host\":" : "{\"host\":");
		buf_json_str(&b, pn->host);
		buf_puts(&b, ",\"port\":");
		buf_putu(&b, pn->port);
		buf_puts(&b, ",\"ips\":[");
		for (int k = 0; k < pn->nips; k++) {
			char ip[48];

			ip_format(&pn->ips[k], ip, sizeof(ip));
			buf_puts(&b, k ? "," : "");
			buf_json_str(&b, ip);
		}
		buf_puts(&b, "]}");
	}
	buf_putc(&b, ']');
	report_upstream(c, &b);
	buf_puts(&b, "}\n");
	if (b.over)
		return -E2BIG;
	r = file_write_atomic(c->report_file, b.p, b.len);
	return r;
}

/* ---- the child: confine, then execve ---- */

static void child_fail(int fd, int stage, int err)
{
	struct child_err ce = { stage, err < 0 ? -err : err };

	write_all(fd, &ce, sizeof(ce));
	_exit(stage == CE_EXEC ? (ce.err == ENOENT ? EX_NOTFOUND : EX_NOEXEC)
			       : EX_SB);
}

/* A command started by root keeps no capability: CAP_NET_RAW would undo
 * the supervisor's SO_BINDTODEVICE, CAP_NET_ADMIN rewrite routes, and a
 * full permitted set would keep the supervisor (same uid) from reading
 * the command's fds. The bounding set goes too, so that exec as uid 0
 * gains nothing back. Without capabilities (the usual case) this is a
 * no-op. 0 or -errno. */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (sys_capget(&h, d) < 0)
		return -errno;
	if (!(d[0].permitted | d[1].permitted | d[0].effective | d[1].effective))
		return 0;
	/* EINVAL: past the kernel's last capability, so past them all. */
	for (int cap = 0; cap < 64; cap++)
		if (sys_prctl(PR_CAPBSET_DROP, (unsigned)cap, 0, 0) < 0) {
			if (errno == EINVAL)
				break;
			if (errno != EPERM)
				return -errno;
		}
	sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0);
	memset(d, 0, sizeof(d));
	return sys_capset(&h, d);
}

/* The supervisor proves it can read the command's memory before the
 * command runs (SPEC sb-notifyd; the runtime's seccomp profile, the uids
 * and Yama all decide it). It reads this mark in a real process with the
 * command's credentials, Landlock domain and place in the process tree: a
 * child of the child, forked just before the filters, dumpable as the
 * command will be after execve, holding no descriptor but its pipe. Same
 * address everywhere: every process here is a fork of sb-exec. */
static volatile uint64_t read_mark;

static pid_t child_stand_in(int *hold)
{
	int p[2];
	pid_t k;
	char b;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
		return -errno;
	k = fork();
	if (k == 0) {
		read_mark = (uint64_t)getpid() << 32 | 0x5bu;
		if (p[0] > 3)
			sys_close_range(3, (unsigned)p[0] - 1, 0);
		sys_close_range((unsigned)p[0] + 1, ~0U, 0);
		b = (char)sys_prctl(PR_SET_DUMPABLE, 1, 0, 0);
		/* Ready to be read; then wait for the end. */
		if (write(p[0], &b, 1) == 1)
			while (read(p[0], &b, 1) < 0 && errno == EINTR)
				;
		_exit(0);
	}
	close(p[0]);
	if (k < 0 || read_all(p[1], &b, 1) < 0) {
		close(p[1]);
		return k < 0 ? -errno : -ECHILD;
	}
	*hold = p[1];
	return k;
}

/* The filters go in here, as one program with the listener (the deny
 * list refuses nothing this and child() call after it); the listener
 * reaches the parent over the socketpair (sendmsg is not notified), and
 * we keep no copy: a command holding its own listener could approve its
 * own calls. */
static void child_notify(struct exec_ctx *c, int errfd)
{
	unsigned fl = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	char ack = 0;
	int lfd, r, hold = -1;
	pid_t k = 0;

	if (!c->notify_socket && (k = child_stand_in(&hold)) < 0)
		child_fail(errfd, CE_NOTIFY, (int)k);
	/* Killable wait (5.19): once the supervisor has the notification, a
	 * signal no longer re-sends it (the application would see EISCONN). */
	lfd = sc_load(&c->sc.one, fl |
		      SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	if (lfd == -EINVAL)
		lfd = sc_load(&c->sc.one, fl);
	if (lfd < 0)
		child_fail(errfd, CE_NOTIFY, lfd);
	if ((r = sys_send_fd(c->nsock[1], lfd, 'L')) < 0 ||
	    (r = write_all(c->nsock[1], &k, sizeof(k))) < 0)
		child_fail(errfd, CE_NOTIFY, r);
	if (read(c->nsock[1], &ack, 1) != 1 || ack != 0)
		child_fail(errfd, CE_NOTIFY, ack ? ack : EPIPE);
	close(lfd);
	close(c->nsock[1]);
	if (k > 0) {
		close(hold);                 /* the stand-in exits */
		while (waitpid(k, 0, 0) < 0 && errno == EINTR)
			;
	}
}

static void child(struct exec_ctx *c, int errfd, const sigset_t *old)
{
	int r;

	/* sb-exec installs no handler (execve would reset one anyway) and
	 * ignores only kept_sigs, restored here as our caller had them. */
	for (size_t i = 0; i < LEN(kept_sigs); i++)
		sigaction(kept_sigs[i], &c->saved[i], 0);
	sigprocmask(SIG_SETMASK, old, 0);
	if (c->pgroup)
		setpgid(0, 0);
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		child_fail(errfd, CE_NNP, errno);
	if (c->uid >= 0 && (setgroups(0, 0) < 0 ||
			    setresgid((gid_t)c->gid, (gid_t)c->gid,
				      (gid_t)c->gid) < 0 ||
			    setresuid((uid_t)c->uid, (uid_t)c->uid,
				      (uid_t)c->uid) < 0))
		child_fail(errfd, CE_USER, errno);
	if ((r = drop_caps()) < 0)
		child_fail(errfd, CE_CAPS, r);
	r = landlock_apply(&c->ll);
	if (r < 0)
		child_fail(errfd, CE_LANDLOCK, r);
	if (c->notify)
		child_notify(c, errfd);
	/* The filters go in last, as one program (lib/filter.c build_one):
	 * nothing after them needs what they refuse. Without seccomp at all
	 * (best-effort), neither. */
	if (c->seccomp && !c->notify && (r = sc_load(&c->sc.one, 0)) < 0)
		child_fail(errfd, CE_SECCOMP, r);
	/* Only 0, 1, 2 reach the command: the rest is close-on-exec. */
	if (c->ll.fd >= 0)
		close(c->ll.fd);
	sys_close_range(3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
	execvpe(c->cmd[0], c->cmd, c->envp);
	child_fail(errfd, CE_EXEC, errno);
}

/* ---- outside the sandbox: the proxy and the supervisor ---- */

/* A helper dies with sb-exec, however sb-exec dies: the sandbox then
 * fails closed (no proxy to reach; intercepted calls get ENOSYS). */
static void helper_bind_to(pid_t parent)
{
	sys_prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	if (getppid() != parent)
		_exit(EX_SB);
}

/* A helper's first steps after fork: out of the command's session (no
 * terminal signal, SIGTTOU from a job-control trick of the command, can
 * stop it), bound to sb-exec's life, named (ps, pgrep -x and the tests
 * tell the helpers apart), holding only its own ends of the channels
 * between the two (mine: 0 the proxy's, 1 the supervisor's). */
static void helper_begin(struct exec_ctx *c, pid_t parent, const char *name,
			 int mine)
{
	setsid();
	helper_bind_to(parent);
	sys_prctl(PR_SET_NAME, (unsigned long)name, 0, 0);
	if (c->who[!mine] >= 0)
		close(c->who[!mine]);
	if (c->pinch[!mine] >= 0)
		close(c->pinch[!mine]);
}

/* A root helper serving --user looks at the command's /proc entries (its
 * fds, its memory) as that user: the ptrace access check compares the
 * fsuid and fsgid, and a container's root has no CAP_SYS_PTRACE. It stays
 * uid 0 for the rest, out of the command's reach (signals, rlimits). */
static void helper_target_ids(const struct exec_ctx *c)
{
	if (c->uid < 0 || geteuid() != 0 || c->uid == 0)
		return;
	(void)setfsgid((gid_t)c->gid);
	(void)setfsuid((uid_t)c->uid);
}

/* Has the policy a wildcard entry (names pinned on first use)? */
static int has_wild(const struct policy *p)
{
	for (int i = 0; i < p->nallow; i++)
		if (p->allow[i].kind == DEST_WILD)
			return 1;
	for (int i = 0; i < p->ndirect; i++)
		if (p->direct[i].kind == DEST_WILD)
			return 1;
	for (int i = 0; i < p->nfrom; i++)
		if (p->from[i].kind == DEST_WILD)
			return 1;
	return 0;
}

static int start_proxy(struct exec_ctx *c)
{
	struct proxy_cfg pc;
	int ready[2], lfd;
	pid_t me;

	if (c->no_proxy || c->sealed)
		return 0;
	lfd = proxy_listen(&c->pol.proxy_ip, c->pol.proxy_port);
	if (lfd < 0)
		return fail(c, "unable to listen for the proxy on its address "
			    "(the policy's 'proxy', or --proxy)", 0, lfd);
	if (pipe2(ready, O_CLOEXEC) < 0)
		return fail(c, "unable to create a pipe", 0, errno);
	me = getpid();
	proxy_cfg_init(&pc);
	pc.pol = &c->pol;
	pc.pins = &c->pins;
	pc.dns = &c->dns;
	pc.up = c->pol.has_upstream ? &c->up : NULL;
	pc.listen_fd = lfd;
	pc.ready_fd = ready[1];
	pc.log_fd = c->log_fd;
	/* Who each client is, from the supervisor (lib/proxy.h). */
	if (c->notify && !c->notify_socket &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, c->who) < 0)
		c->who[0] = c->who[1] = -1;
	pc.who_fd = c->who[0];
	/* The answerer's questions for wildcard entries' names: the proxy
	 * pins them, so both tables hold the same addresses. */
	if (c->notify && !c->notify_socket && c->pol.dns && has_wild(&c->pol) &&
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, c->pinch) < 0)
		c->pinch[0] = c->pinch[1] = -1;
	pc.pin_fd = c->pinch[0];
	pc.confine = 1;
	c->proxy_pid = fork();
	if (c->proxy_pid < 0)
		return fail(c, "unable to fork the proxy", 0, errno);
	if (c->proxy_pid == 0) {
		helper_begin(c, me, "sb-proxy", 0);
		close(ready[0]);
		helper_target_ids(c);
		_exit(proxy_run(&pc) < 0 ? EX_SB : 0);
	}
	close(ready[1]);
	close(lfd);
	if (c->who[0] >= 0)
		close(c->who[0]);
	if (c->pinch[0] >= 0)
		close(c->pinch[0]);
	c->who[0] = c->pinch[0] = -1;
	/* The socket listens already: connections queue in the kernel while
	 * the proxy starts, so nothing waits for it here. Its ready byte is
	 * read in the supervision loop; a proxy that dies first is an error
	 * there. */
	c->proxy_ready = ready[0];
	return 0;
}

/* Our own supervisor, a process or a thread. Before anything runs it
 * reads the child's stand-in (child_stand_in) as it will read the
 * command, and says how, or why it cannot: a supervisor that cannot read
 * would refuse every connect() while the report said it was active. */

/* Its set-up, before the listener exists. 0, or -1 after saying why. */
static int supervisor_init(struct exec_ctx *c, struct notify_ctx *n)
{
	int r;

	if ((r = notify_init(n, &c->pol, &c->pins, c->log_fd)) < 0) {
		fail(c, "unable to start the supervisor", 0, r);
		return -1;
	}
	n->who_fd = c->who[1];
	n->pin_fd = c->pinch[1];
	n->confine = 1;
	/* A root supervisor serving --user reads as that user. */
	if (c->uid >= 0 && geteuid() == 0 && (uid_t)c->uid != 0 &&
	    (r = notify_target_ids(n, (uid_t)c->uid, (gid_t)c->gid)) < 0) {
		fail(c, "unable to take the command's uid to read it", 0, r);
		return -1;
	}
	return 0;
}

/* The listener, then the read test, said on vp (a byte: -1
 * process_vm_readv, -2 /proc, or an errno value). init: supervisor_init
 * is still to do (the thread). 0 to go on to notify_run, -1 to stop. */
static int supervisor_begin(struct exec_ctx *c, struct notify_ctx *n,
			    int lfd, pid_t stand_in, int vp, int init)
{
	int r;
	char how;

	if (init && supervisor_init(c, n) < 0)
		return -1;
	if ((r = notify_add_listener(n, lfd)) < 0) {
		fail(c, "unable to start the supervisor", 0, r);
		return -1;
	}
	if (stand_in > 0) {
		uint64_t want = (uint64_t)stand_in << 32 | 0x5bu;

		r = notify_selftest(n, stand_in, (const void *)&read_mark,
				    &want, sizeof(want));
	}
	how = r < 0 ? (char)-r : n->mem_how == NOTIFY_MEM_VM ? -1 : -2;
	return write(vp, &how, 1) == 1 ? 0 : -1;
}

/* Yama's ptrace_scope 1 (Ubuntu's default) lets only an ancestor read a
 * process's memory: there the supervisor is a thread of sb-exec, the
 * parent (or subreaper) of every process of the sandbox, instead of its
 * child. It takes no signal (sb-exec's signalfd reads them all), and it
 * cannot be killed apart from sb-exec: when its loop ends while the
 * command runs, the pipe it holds closes, and sb-exec ends the sandbox. */
struct super_thread {
	struct exec_ctx *c;
	int lfd, vp;
	pid_t stand_in;
};

static void *super_thread_main(void *arg)
{
	static struct notify_ctx n;
	struct super_thread *t = arg;

	if (supervisor_begin(t->c, &n, t->lfd, t->stand_in, t->vp, 1) == 0) {
		n.no_signals = 1;
		(void)notify_run(&n, -1);
	}
	close(t->vp);                /* sb-exec sees the supervisor end */
	return NULL;
}

static int yama_scope(void)
{
	char b[8];
	ssize_t n = file_read("/proc/sys/kernel/yama/ptrace_scope", b,
			      sizeof(b));

	return n > 0 && b[0] >= '0' && b[0] <= '3' ? b[0] - '0' : -1;
}

/* Hand the listener to our supervisor (pre-forked, or a thread started
 * here) and take its verdict. 0, or -errno after saying why (enforce),
 * or 0 after a degrade event (best-effort). */
static int fork_supervisor(struct exec_ctx *c, int lfd, pid_t stand_in)
{
	static struct super_thread st;
	int vp[2], r = 0;
	char how;

	if (c->sp < 0) {
		/* Yama's ptrace_scope 1: only an ancestor may read the
		 * command, so the supervisor is a thread of ours. */
		pthread_attr_t at;
		pthread_t th;

		if (pipe2(vp, O_CLOEXEC) < 0)
			return fail(c, "unable to create a pipe", 0, errno),
			       -errno;

		st = (struct super_thread){ c, lfd, vp[1], stand_in };
		pthread_attr_init(&at);
		pthread_attr_setstacksize(&at, 256 << 10);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		r = pthread_create(&th, &at, super_thread_main, &st);
		pthread_attr_destroy(&at);
		if (r) {
			close(vp[0]);
			close(vp[1]);
			return fail(c, "unable to start the supervisor thread",
				    0, r), -r;
		}
		c->super_thread = 1;
		if (read_all(vp[0], &how, 1) < 0)
			how = 0;
		c->super_end = vp[0];        /* EOF: the thread ended */
		goto verdict;
	}
	/* The forked one waits already (prefork_supervisor): the listener
	 * and the stand-in's pid, then its verdict on the same socket. */
	if (sys_send_fd(c->sp, lfd, 'L') < 0 ||
	    write_all(c->sp, &stand_in, sizeof(stand_in)) < 0 ||
	    read_all(c->sp, &how, 1) < 0)
		how = 0;                       /* it died: it said why */
	close(c->sp);
	c->sp = -1;
verdict:
	if (how == -1 || how == -2) {
		c->mem_how = how == -1 ? "process_vm_readv" : "/proc/PID/mem";
		return 0;
	}
	r = how ? -(unsigned char)how : -ESRCH;
	set_layer(c, LY_NOTIFY, 1, "skipped: the supervisor cannot read the "
		  "command's memory (process_vm_readv and /proc/PID/mem "
		  "refused): every connect() would be refused", NULL);
	{
		struct log_ev e;

		log_begin(&e, c->pol.best_effort ? "degrade" : "error");
		log_s(&e, "layer", layer_names[LY_NOTIFY]);
		log_s(&e, "reason", c->layer[LY_NOTIFY]);
		log_s(&e, "error", err_str(-r));
		log_end(&e, c->log_fd);
	}
	if (c->pol.best_effort)
		return 0;
	say_err("refusing to run: the supervisor cannot read the command's "
		"memory (", err_str(-r), "; a seccomp profile refusing "
		"process_vm_readv and /proc, another uid, or Yama's "
		"ptrace_scope)", NULL);
	return r;
}

/* Our own supervisor, forked before the command's child, so that it sets
 * up (notify_init) while the child does; it then waits on c->sp for the
 * listener and the stand-in, and answers there with its verdict. Not
 * with Yama's ptrace_scope 1 (a thread then, fork_supervisor), nor for a
 * running sb-notifyd. It holds none of the pipes made after it (their
 * EOFs are our signals). 0 or -errno, said. */
static int prefork_supervisor(struct exec_ctx *c)
{
	int sp[2];
	pid_t me = getpid();

	if (!c->notify || c->notify_socket || yama_scope() == 1)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return fail(c, "unable to create a socketpair", 0, errno),
		       -errno;
	c->super_pid = fork();
	if (c->super_pid == 0) {
		static struct notify_ctx n;
		pid_t stand_in;
		char b;
		int lfd;

		helper_begin(c, me, "sb-notifyd", 1);
		close(sp[0]);
		if (supervisor_init(c, &n) < 0)
			_exit(EX_SB);
		lfd = sys_recv_fd(sp[1], &b);
		if (lfd < 0 ||
		    read_all(sp[1], &stand_in, sizeof(stand_in)) < 0)
			_exit(0);       /* no command: sb-exec says why */
		if (supervisor_begin(c, &n, lfd, stand_in, sp[1], 0) < 0)
			_exit(EX_SB);
		close(sp[1]);
		close(lfd);
		_exit(notify_run(&n, -1) < 0 ? EX_SB : 0);
	}
	close(sp[1]);
	if (c->who[1] >= 0)
		close(c->who[1]);        /* the supervisor's now */
	if (c->pinch[1] >= 0)
		close(c->pinch[1]);
	c->who[1] = c->pinch[1] = -1;
	if (c->super_pid < 0) {
		int e = errno;

		close(sp[0]);
		return fail(c, "unable to fork the supervisor", 0, e), -e;
	}
	c->sp = sp[0];
	return 0;
}

/* Receive the listener from the child and give it to a supervisor: our
 * own forked one, or a running sb-notifyd. 0, or -1 (the child then sees
 * the socketpair close and fails). */
static int start_supervisor(struct exec_ctx *c)
{
	char b, ack = 0;
	int lfd, r = 0;
	pid_t stand_in;

	lfd = sys_recv_fd(c->nsock[0], &b);
	if (lfd < 0 || read_all(c->nsock[0], &stand_in, sizeof(stand_in)) < 0) {
		if (lfd >= 0)
			close(lfd);
		if (c->sp >= 0)
			close(c->sp);    /* our supervisor waits no more */
		c->sp = -1;
		return -1;   /* the child failed first: its error says why */
	}
	if (c->notify_socket) {
		r = notify_send_listener(c->notify_socket, lfd);
		if (r < 0)
			fail(c, "unable to hand the listener to sb-notifyd at",
			     c->notify_socket, r);
	} else {
		r = fork_supervisor(c, lfd, stand_in);
	}
	close(lfd);
	/* The report, now that it holds what the supervisor found. */
	if (r == 0 && c->report_file && (r = write_report(c)) < 0)
		fail(c, "unable to write report", c->report_file, r);
	/* The child may close its copy and go on: notifications wait in the
	 * listener until the supervisor reads them. */
	ack = r < 0 ? (char)-r : 0;
	if (write(c->nsock[0], &ack, 1) != 1 || r < 0) {
		c->child_err_said = r < 0;
		return -1;
	}
	return 0;
}

/* ---- a helper's death: fail closed, and say so ---- */

/* Read a small /proc file into b (NUL-terminated); length or -1. */
static ssize_t proc_read(const char *path, char *b, size_t cap)
{
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	ssize_t n = -1, k;
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < cap - 1 && (k = read(fd, b + got, cap - 1 - got)) > 0)
		got += (size_t)k;
	if (got > 0 || k == 0)
		n = (ssize_t)got;
	b[got] = 0;
	close(fd);
	return n;
}

/* Is pid alive (not a zombie, not gone)? From /proc/PID/stat's state. */
static int proc_alive(pid_t pid)
{
	char path[48], b[512], *s;
	struct buf pb = BUF_ON(path);

	buf_puts(&pb, "/proc/");
	buf_puti(&pb, pid);
	buf_puts(&pb, "/stat");
	if (proc_read(buf_str(&pb), b, sizeof(b)) <= 0 ||
	    !(s = strrchr(b, ')')) || s[1] != ' ')
		return 0;
	return s[2] != 'Z' && s[2] != 'X';
}

/* Append the children of every thread of pid to q (up to cap). */
static int proc_children(pid_t pid, pid_t *q, int n, int cap)
{
	static char b[16384];
	char path[64];
	struct buf pb = BUF_ON(path);
	struct dirent *d;
	DIR *dir;

	buf_puts(&pb, "/proc/");
	buf_puti(&pb, pid);
	buf_puts(&pb, "/task");
	if (!(dir = opendir(buf_str(&pb))))
		return n;
	while (n < cap && (d = readdir(dir))) {
		struct buf cb = BUF_ON(path);
		char *s, *e;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		buf_puts(&cb, "/proc/");
		buf_puti(&cb, pid);
		buf_puts(&cb, "/task/");
		buf_puts(&cb, d->d_name);
		buf_puts(&cb, "/children");
		if (proc_read(buf_str(&cb), b, sizeof(b)) <= 0)
			continue;
		for (s = b; n < cap && *s; s = e) {
			long v = strtol(s, &e, 10);

			if (e == s)
				break;
			if (v > 0)
				q[n++] = (pid_t)v;
		}
	}
	closedir(dir);
	return n;
}

/* Kill the command and everything it started. We are PID 1 or their
 * subreaper, so every descendant is below us, and an orphan comes back to
 * us before its parent is a zombie: each round kills each process before
 * reading its children (a killed process forks no more) and reaps our own
 * zombies, until we have no child but the helpers (bounded: a process
 * stuck in the kernel may take its time). Stopping at "none alive" would
 * miss the orphans of a process that died after our list was read. The
 * command's status is kept for supervise(). Without /proc, only the
 * command and (-g) its process group. */
static void kill_sandbox(struct exec_ctx *c, pid_t kid)
{
	static pid_t q[4096];

	if (kid > 0) {
		kill(kid, SIGKILL);
		if (c->pgroup)
			kill(-kid, SIGKILL);
	}
	for (int round = 0; round < 200; round++) {
		int n = proc_children(getpid(), q, 0, (int)LEN(q)), left = 0;
		const int mine = n;
		struct timespec ts = { 0, 5000000 };

		for (int i = 0; i < n; i++) {
			int st;

			if (q[i] == c->proxy_pid || q[i] == c->super_pid)
				continue;
			left++;
			if (proc_alive(q[i])) {
				kill(q[i], SIGKILL);
				n = proc_children(q[i], q, n, (int)LEN(q));
			} else if (i < mine &&
				   waitpid(q[i], &st, WNOHANG) == q[i] &&
				   q[i] == kid) {
				c->kid_reaped = 1;
				c->kid_st = st;
			}
		}
		if (!left)
			return;
		nanosleep(&ts, 0);
	}
}

/* Stop the proxy (it drains) and the supervisor, and wait for them a
 * bounded time: neither may outlive sb-exec holding the proxy's port. */
static void stop_helpers(struct exec_ctx *c)
{
	pid_t pids[2] = { c->proxy_pid, c->super_pid };
	struct pollfd pf[2];
	int n = 0;

	for (int i = 0; i < 2; i++) {
		if (pids[i] <= 0)
			continue;
		pf[n].fd = sys_pidfd_open(pids[i], 0);
		pf[n].events = POLLIN;
		kill(pids[i], SIGTERM);
		if (pf[n].fd >= 0)
			n++;
	}
	for (int i = 0; i < n; i++) {
		if (poll(&pf[i], 1, 2000) != 1)
			break;
		close(pf[i].fd);
		pf[i].fd = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (pids[i] <= 0)
			continue;
		if (waitpid(pids[i], 0, WNOHANG) == 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], 0, 0);
		}
	}
	for (int i = 0; i < n; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	c->proxy_pid = c->super_pid = 0;
}

/* ---- the parent: PID 1 duties ---- */

static const int fwd_sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
				SIGUSR2, SIGWINCH };

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EX_SB;
}

static void log_exit(struct exec_ctx *c, pid_t pid, int st)
{
	struct log_ev e;

	if (!c->log_file)
		return;
	log_begin(&e, "exit");
	log_i(&e, "pid", pid);
	if (WIFSIGNALED(st))
		log_i(&e, "signal", WTERMSIG(st));
	else
		log_i(&e, "status", WEXITSTATUS(st));
	log_end(&e, c->log_fd);
}

/* The proxy's ready pipe: one byte once it serves; EOF first means it
 * died, and the sandbox has no way out at all. */
static int proxy_check(struct exec_ctx *c, pid_t kid)
{
	char b = 0;
	ssize_t n = read(c->proxy_ready, &b, 1);

	if (n < 0 && errno == EINTR)
		return 0;
	close(c->proxy_ready);
	c->proxy_ready = -1;
	if (n == 1 && b == 'R') {
		c->proxy_up = 1;
		return 0;
	}
	fail(c, "the proxy failed to start", 0, 0);
	if (c->pol.best_effort)
		return 0;
	kill_sandbox(c, kid);
	return -1;
}

/* A helper was reaped (st from waitpid). While the command runs, the
 * proxy or the supervisor never ends on its own: its death leaves the
 * sandbox failing closed (no proxy; notified calls get ENOSYS), and we
 * end it: an error event naming the helper and how it died, the command
 * and its descendants killed, exit 125. Once the command is gone the
 * supervisor ends by itself (status 0): that is no death. -1: a death. */
static int helper_gone(struct exec_ctx *c, pid_t p, int st, pid_t kid,
		       int kid_done)
{
	int proxy = p == c->proxy_pid, r;
	const char *who = proxy ? "the proxy" : "the supervisor";
	char why[96];
	struct buf b = BUF_ON(why);
	struct log_ev e;

	if (proxy)
		c->proxy_pid = 0;
	else
		c->super_pid = 0;
	if (proxy && c->proxy_ready >= 0) {
		/* its ready byte or EOF is in the pipe: take it now */
		if ((r = proxy_check(c, kid)) < 0)
			return -1;
	}
	if (proxy && !c->proxy_up)
		return 0;   /* it never served: said by proxy_check */
	if (!proxy && kid_done && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st)) {
		buf_puts(&b, "killed by signal ");
		buf_puti(&b, WTERMSIG(st));
	} else {
		buf_puts(&b, "exited with status ");
		buf_puti(&b, WEXITSTATUS(st));
	}
	say_err(who, " died (", buf_str(&b), "): the command is killed "
		"(fail closed)", NULL);
	log_begin(&e, "error");
	log_s(&e, "layer", layer_names[proxy ? LY_PROXY : LY_NOTIFY]);
	log_s(&e, "reason", proxy ? "the proxy died while the command ran: "
				    "the command is killed (fail closed)"
				  : "the supervisor died while the command ran: "
				    "the command is killed (fail closed)");
	log_i(&e, "pid", p);
	if (WIFSIGNALED(st))
		log_i(&e, "signal", WTERMSIG(st));
	else
		log_i(&e, "status", WEXITSTATUS(st));
	if (c->log_fd != LOG_STDERR_QUIET)
		log_end(&e, c->log_fd);
	kill_sandbox(c, kid_done ? 0 : kid);
	return -1;
}

/* After the command: did a helper end before we stopped it? -1 if one
 * died (helper_gone said so). */
static int helpers_check(struct exec_ctx *c)
{
	pid_t pids[2] = { c->proxy_pid, c->super_pid };
	int r = 0, st;

	for (int i = 0; i < 2; i++)
		if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == pids[i] &&
		    helper_gone(c, pids[i], st, 0, 1) < 0)
			r = -1;
	return r;
}

/* The supervisor thread's loop ended (its pipe closed). That is its end
 * when the sandbox's last task has exited (the command is then reaped
 * within a moment, *code set here); otherwise the sandbox fails closed
 * and is ended, as for a forked supervisor's death. -1: a death. */
static int super_thread_gone(struct exec_ctx *c, pid_t kid, int *code)
{
	struct log_ev e;

	close(c->super_end);
	c->super_end = -1;
	c->who[0] = c->who[1] = c->pinch[0] = c->pinch[1] = -1;
	/* 20 us doubling to 20 ms steps, a second in all */
	for (unsigned us = 20, t = 0; *code < 0 && t < 1000000;
	     t += us, us = us < 20000 ? us * 2 : us) {
		int st;

		if (waitpid(kid, &st, WNOHANG) == kid) {
			*code = status_code(st);
			log_exit(c, kid, st);
		} else {
			usleep(us);
		}
	}
	if (*code >= 0)
		return 0;
	say_err("the supervisor ended while the command ran: the command "
		"is killed (fail closed)", NULL);
	log_begin(&e, "error");
	log_s(&e, "layer", layer_names[LY_NOTIFY]);
	log_s(&e, "reason", "the supervisor thread ended while the command "
			    "ran: the command is killed (fail closed)");
	log_end(&e, c->log_fd);
	kill_sandbox(c, kid);
	return -1;
}

static int supervise(struct exec_ctx *c, pid_t kid, int sfd)
{
	int code = -1, failed = 0;

	for (;;) {
		/* kill_sandbox may have reaped the command */
		if (code < 0 && c->kid_reaped) {
			code = status_code(c->kid_st);
			log_exit(c, kid, c->kid_st);
			return EX_SB;
		}
		struct pollfd pf[3] = { { sfd, POLLIN, 0 },
					{ c->proxy_ready, POLLIN, 0 },
					{ c->super_end, POLLIN, 0 } };
		struct signalfd_siginfo si;
		ssize_t n;

		/* poll() skips the negative descriptors */
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail(c, "unable to poll", 0, errno);
		}
		if (c->proxy_ready >= 0 && pf[1].revents &&
		    proxy_check(c, kid) < 0)
			failed = 1;
		if (c->super_end >= 0 && pf[2].revents &&
		    super_thread_gone(c, kid, &code) < 0)
			failed = 1;
		if (!(pf[0].revents & POLLIN))
			continue;
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			return fail(c, "unable to read signals", 0, errno);
		if (si.ssi_signo != SIGCHLD) {
			kill(c->pgroup ? -kid : kid, (int)si.ssi_signo);
			continue;
		}
		/* Reap every child: we may be PID 1 or a subreaper. A helper
		 * is judged once the whole batch is in: the supervisor ends
		 * by itself when the last task of the sandbox has exited, so
		 * it may be reaped just before the command. */
		int hst[2], nh = 0;
		pid_t hp[2];

		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p == kid) {
				code = status_code(st);
				log_exit(c, p, st);
			} else if ((p == c->proxy_pid || p == c->super_pid) &&
				   nh < 2) {
				hp[nh] = p;
				hst[nh++] = st;
			}
		}
		for (int i = 0; i < nh; i++) {
			/* The kernel hangs the listener up as the last task
			 * exits, a moment before the command is a zombie we
			 * can reap: a supervisor that ended by itself is
			 * followed by the command's exit within that moment;
			 * one stopped early (SIGTERM also exits 0) is not. */
			for (unsigned us = 20, t = 0; code < 0 &&
			     hp[i] == c->super_pid && WIFEXITED(hst[i]) &&
			     !WEXITSTATUS(hst[i]) && t < 1000000;
			     t += us, us = us < 20000 ? us * 2 : us) {
				int st;

				if (waitpid(kid, &st, WNOHANG) == kid) {
					code = status_code(st);
					log_exit(c, kid, st);
				} else {
					usleep(us);
				}
			}
			if (helper_gone(c, hp[i], hst[i], kid, code >= 0) < 0)
				failed = 1;
		}
		if (code >= 0)
			return failed ? EX_SB : code;
	}
}

static int run(struct exec_ctx *c)
{
	struct sigaction ign;
	sigset_t set, old;
	int ep[2], sfd, code;
	struct child_err ce;
	pid_t kid;
	ssize_t n;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&set);
	for (size_t i = 0; i < LEN(fwd_sigs); i++)
		sigaddset(&set, fwd_sigs[i]);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
		return fail(c, "unable to block signals", 0, errno);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return fail(c, "unable to create a signalfd", 0, errno);
	if (getpid() != 1 && sys_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0) < 0)
		return fail(c, "unable to become a child subreaper", 0, errno);
	/* Whoever holds the listener must not be ptrace-able by the command
	 * (same uid): non-dumpable before any fork; execve makes the command
	 * dumpable again. */
	if (sys_prctl(PR_SET_DUMPABLE, 0, 0, 0) < 0)
		return fail(c, "unable to become non-dumpable", 0, errno);
	/* A command in our session can make its own group the terminal's
	 * foreground and have the kernel stop ours with SIGTTOU/SIGTTIN;
	 * like tini, we ignore both. A closed stderr must not kill us with
	 * SIGPIPE either (the command would lose its reaper, the sandbox
	 * its proxy). The child gets the caller's dispositions back. */
	for (size_t i = 0; i < LEN(kept_sigs); i++)
		sigaction(kept_sigs[i], &ign, &c->saved[i]);
	/* The proxy first: listening before the command starts, and holding
	 * no copy of the pipes below (their EOFs are our signals). */
	if ((code = start_proxy(c)) != 0)
		return code;
	if (prefork_supervisor(c) < 0) {
		stop_helpers(c);
		return EX_SB;
	}
	if (pipe2(ep, O_CLOEXEC) < 0)
		return fail(c, "unable to create a pipe", 0, errno);
	if (c->notify && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    c->nsock) < 0)
		return fail(c, "unable to create a socketpair", 0, errno);
	kid = fork();
	if (kid < 0)
		return fail(c, "unable to fork", 0, errno);
	if (kid == 0) {
		close(ep[0]);
		child(c, ep[1], &old);
	}
	close(ep[1]);
	if (c->notify) {
		close(c->nsock[1]);
		start_supervisor(c);
		close(c->nsock[0]);
	}
	if (c->pgroup) {
		setpgid(kid, kid);   /* both sides: no race with the exec */
		if (isatty(0))
			tcsetpgrp(0, kid);
	}
	do
		n = read(ep[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == sizeof(ce)) {
		struct log_ev e;
		int st;

		waitpid(kid, &st, 0);
		if (c->child_err_said) {
			stop_helpers(c);
			return EX_SB;
		}
		say_err("unable to ", stage_names[ce.stage], " ",
			ce.stage == CE_EXEC ? c->cmd[0] : "", ce.stage ==
			CE_EXEC ? ": " : "", err_str(ce.err), NULL);
		log_begin(&e, "error");
		log_s(&e, "reason", stage_names[ce.stage]);
		log_s(&e, "cmd", c->cmd[0]);
		log_s(&e, "error", err_str(ce.err));
		if (c->log_fd != LOG_STDERR_QUIET)
			log_end(&e, c->log_fd);
		stop_helpers(c);
		return ce.stage == CE_EXEC ? (ce.err == ENOENT ? EX_NOTFOUND
							       : EX_NOEXEC)
					   : EX_SB;
	}
	code = supervise(c, kid, sfd);
	if (helpers_check(c) < 0)
		code = EX_SB;
	stop_helpers(c);
	if (c->pgroup && isatty(0))
		tcsetpgrp(0, getpgrp());
	return code;
}

static int parse_user(struct exec_ctx *c, const char *a)
{
	const char *colon = strchr(a, ':');
	char u[16];

	if (!colon) {
		c->uid = c->gid = opt_num(a, 0x7fffffff);
		return c->uid < 0 ? -1 : 0;
	}
	if ((size_t)(colon - a) >= sizeof(u))
		return -1;
	memcpy(u, a, (size_t)(colon - a));
	u[colon - a] = 0;
	c->uid = opt_num(u, 0x7fffffff);
	c->gid = opt_num(colon + 1, 0x7fffffff);
	return c->uid < 0 || c->gid < 0 ? -1 : 0;
}

/* Root without capabilities still owns root's files: /etc/shadow stays
 * readable under "ro /etc". Said once, with the way out: an advisory,
 * to the log file and the report, not to stderr (SPEC Logs: most images
 * run as root, and it would land in every container log). */
static void warn_root(struct exec_ctx *c)
{
	struct log_ev e;

	if (!root_advice(c))
		return;
	log_begin(&e, "degrade");
	log_advisory(&e);
	log_s(&e, "layer", "user");
	log_s(&e, "reason", root_advice(c));
	log_end(&e, c->log_fd);
}

/* --print-policy: the effective policy, after the default or --policy,
 * the flags and LL_*, in the policy format; nothing runs. */
static int print_policy(struct exec_ctx *c, int argc, char **argv)
{
	static char out[65536];
	struct buf b;
	int r, n;

	if (!getcwd(c->cwd, sizeof(c->cwd)))
		return fail(c, "unable to find the working directory", 0,
			    errno);
	if ((r = load_policy(c, argc, argv)) != 0)
		return r;
	buf_init(&b, out, sizeof(out));
	buf_puts(&b, "# sb-exec --print-policy: ");
	buf_puts(&b, c->policy_file ? c->policy_file : "the embedded default");
	buf_puts(&b, ", flags and LL_* applied\n# @cwd is ");
	buf_puts(&b, c->cwd);
	buf_puts(&b, strcmp(c->cwd, "/") ? "\n" : " (not made writable)\n");
	n = policy_format(&c->pol, out + b.len, sizeof(out) - b.len);
	if (b.over || n < 0)
		return fail(c, "the policy does not fit the output buffer", 0, 0);
	b.len += (size_t)n;
	if (buf_flush(&b, 1) < 0)
		return fail(c, "unable to write the policy", 0, errno);
	return EX_OK;
}

static int exec_main(int argc, char **argv)
{
	static struct exec_ctx ctx;
	struct exec_ctx *c = &ctx;
	struct optstate s;
	int id, r, print = 0;

	c->log_fd = LOG_STDERR_QUIET;
	c->proxy_ready = -1;
	c->super_end = -1;
	c->who[0] = c->who[1] = c->pinch[0] = c->pinch[1] = -1;
	c->sp = -1;
	c->uid = c->gid = -1;
	dns_conf_init(&c->dns);
	opt_init(&s, argc, argv);
	while ((id = opt_next(&s, exec_opts)) != OPT_END) {
		if (id == OPT_HELP)
			return help_print(exec_help);
		if (id == OPT_ERR)
			return usage_error(s.why, s.bad);
		if (id == X_POLICY)
			c->policy_file = s.arg;
		else if (id == X_BEST)
			c->best_effort_flag = 1;
		else if (id == X_REPORT)
			c->report_file = s.arg;
		else if (id == X_LOG)
			c->log_file = s.arg;
		else if (id == X_PGROUP)
			c->pgroup = 1;
		else if (id == X_NOTIFY_SOCKET)
			c->notify_socket = s.arg;
		else if (id == X_NO_PROXY)
			c->no_proxy = 1;
		else if (id == X_PRINT_POLICY)
			print = 1;
		else if (id == X_USER && parse_user(c, s.arg) < 0)
			return usage_error("bad user (want UID[:GID])", s.arg);
		else if (id == X_HOSTS)
			c->dns.hosts = s.arg, c->dns.hosts_required = 1;
		else if (id == X_RESOLVER && dns_conf_add_ns(&c->dns, s.arg) < 0)
			return usage_error("bad resolver", s.arg);
	}
	if (print)
		return print_policy(c, s.i, argv);
	if (s.i >= argc)
		return usage_error("missing command", 0);
	c->cmd = argv + s.i;
	seccomp_try_begin();
	if (c->log_file) {
		c->log_fd = sys_open(c->log_file, O_WRONLY | O_CREAT |
				     O_APPEND | O_CLOEXEC, 0600);
		if (c->log_fd < 0) {
			c->log_fd = LOG_STDERR_QUIET;
			return fail(c, "unable to open log", c->log_file,
				    errno);
		}
	}
	if (!getcwd(c->cwd, sizeof(c->cwd)))
		return fail(c, "unable to find the working directory", 0,
			    errno);
	if ((r = load_policy(c, s.i, argv)) != 0)
		return r;
	r = sys_landlock_abi();
	c->ll_why = r == -EOPNOTSUPP ? "Landlock is built into this kernel "
		"but disabled at boot (the lsm= boot parameter does not "
		"list landlock)" : r == -ENOSYS ? "this kernel has no "
		"Landlock (before 5.13, or built without it)" :
		"Landlock is not available";
	seccomp_caps(c, r);
	/* Nothing may leave (no allow, no direct entry, no LL_TCP_CONNECT
	 * port): where Landlock refuses every TCP connect itself (ABI >= 4)
	 * and scopes abstract UNIX sockets (ABI >= 6: below it the supervisor
	 * refuses them, so it stays), and the filter every other socket,
	 * neither the proxy nor the supervisor has anything to do, and
	 * sb-exec is one process. The kernel's refusals are not logged, so
	 * --log keeps the supervisor, whose deny events say each. */
	c->sealed = !c->pol.nallow && !c->pol.ndirect && !c->pol.nfrom &&
		    !c->pol.nll_connect &&
		    !c->notify_socket && !c->log_file && !c->no_proxy &&
		    c->seccomp && r >= 6;
	if (c->sealed)
		c->notify = 0;
	if ((r = own_tty(c)) != 0)
		return r;
	r = landlock_build(&c->ll, &c->pol, c->cwd, c->notify || c->sealed,
			   c->log_fd);
	if (r < 0)
		return fail(c, "unable to build the Landlock ruleset", 0, r);
	r = seccomp_build(&c->sc, &c->pol, c->notify);
	if (r < 0)
		return fail(c, "unable to build the seccomp filter", 0, r);
	if (decide_layers(c) < 0) {
		/* What is missing, for whoever reads the report. */
		if (c->report_file && (r = write_report(c)) < 0)
			fail(c, "unable to write report", c->report_file, r);
		return EX_SB;
	}
	if ((r = pin_policy(c)) != 0)
		return r;
	if ((r = upstream_setup(c)) != 0)
		return r;
	build_env(c);
	warn_root(c);
	/* With our own supervisor, the report waits for what it finds. */
	if (c->report_file && !(c->notify && !c->notify_socket) &&
	    (r = write_report(c)) < 0)
		return fail(c, "unable to write report", c->report_file, r);
	if (c->log_file) {
		struct log_ev e;

		log_begin(&e, "start");
		log_i(&e, "pid", getpid());
		log_s(&e, "cmd", c->cmd[0]);
		log_i(&e, "landlock_abi", c->ll.abi);
		log_end(&e, c->log_fd);
	}
	return run(c);
}

SB_APPLET(exec, "run a command confined", exec_help, exec_main);
