/* tests/helpers/t-notify.c - run a command the way sb-exec runs it under
 * the supervisor, with knobs the tests need: in the child no_new_privs, a
 * Landlock ruleset allowing TCP connect to the proxy's port only, the notify
 * filter (lib/filter.c's, the real contract) with NEW_LISTENER and
 * WAIT_KILLABLE_RECV, optionally the deny filters; the listener goes to the
 * parent over a socketpair (SCM_RIGHTS), the child closes every fd above 2
 * and execs. The parent forks the supervisor (lib/notify.c) or hands the
 * listener to a running sb-notifyd, then reaps the command.
 *
 * usage: t-notify [OPTION...] -- CMD [ARG...]
 *   --policy FILE   proxy and direct entries (default: the embedded policy)
 *   --pins FILE     pinned names for the supervisor
 *   --log FILE      the supervisor's JSON Lines (default: stderr; "-":
 *                   none)
 *   --socket PATH   hand the listener to sb-notifyd at PATH instead
 *   --pidfile FILE  write the supervisor's pid there
 *   --mode M        full: Landlock, notify filter, deny filters (default)
 *                   notify: Landlock and the notify filter only
 *                   none: Landlock only (the positive control)
 *                   naive: a supervisor that checks the address and then
 *                   answers CONTINUE (the TOCTOU the design avoids)
 *   --no-landlock   no Landlock ruleset
 *   --no-port       Landlock allows TCP connect to no port at all: with
 *                   the supervisor connecting on the sandbox's behalf,
 *                   not even the proxy's port is needed
 *   --no-killable   no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
 * The command finds the supervisor's pid in SB_SUPERVISOR_PID. Exit: the
 * command's status (128+N for signal N); 125 when the set-up fails. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "filter.h"
#include "notify.h"
#include "pin.h"
#include "policy.h"
#include "sockaddr.h"
#include "sys.h"

enum { M_FULL, M_NOTIFY, M_NONE, M_NAIVE };

struct tn {
	const char *policy_file, *pins_file, *log_file, *socket, *pidfile;
	int mode, landlock, killable, noport, log_fd;
	int ll_abi;                 /* --ll-abi: the supervisor believes it */
	char **cmd;
	struct policy pol;
	struct pin_table pins;
	struct sc_plan sc;
	char text[65536];
};

static void die(const char *what, int err)
{
	fprintf(stderr, "t-notify: %s: %s\n", what, strerror(err < 0 ? -err :
							      err));
	exit(125);
}

/* Every connect() and every socket(AF_INET/AF_INET6) notified, nothing
 * else checked (x86_64; other architectures pass). */
static const struct sc_prog notify_only = { 10, {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 6),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 5, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		 offsetof(struct seccomp_data, args[0])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
} };

static int send_fd(int sock, int fd)
{
	return sys_send_fd(sock, fd, 'L');
}

static int recv_fd(int sock)
{
	char byte;
	int fd = sys_recv_fd(sock, &byte);

	return fd < 0 ? -EPROTO : fd;
}

/* Landlock: TCP bind nothing, TCP connect to the proxy's port only. */
static int landlock(const struct tn *t)
{
	struct sb_ll_ruleset_attr a = { 0, SB_LL_NET_BIND_TCP |
					   SB_LL_NET_CONNECT_TCP, 0 };
	struct sb_ll_net_port np = { SB_LL_NET_CONNECT_TCP,
				     t->pol.proxy_port };
	int abi = sys_landlock_abi(), fd, r;

	if (abi < 4) {
		fprintf(stderr, "t-notify: Landlock ABI %d: no TCP rules\n",
			abi);
		return 0;
	}
	fd = sys_landlock_create_ruleset(&a, 16, 0);
	if (fd < 0)
		return fd;
	r = t->noport ? 0 : sys_landlock_add_rule(fd, SB_LL_RULE_NET_PORT, &np);
	if (r == 0)
		r = sys_landlock_restrict_self(fd, 0);
	close(fd);
	return r;
}

static void child(struct tn *t, int sk)
{
	pid_t sup = 0;
	int lfd = -1, r;
	unsigned fl = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	char env[32];

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs", errno);
	if (t->landlock && (r = landlock(t)) < 0)
		die("landlock", r);
	if (t->mode != M_NONE) {
		if (t->killable)
			fl |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
		/* Full mode: sb-exec's own program (argument checks and
		 * notifications); notify mode: notifications only, so that
		 * the supervisor's own refusals are what the tests see. */
		lfd = sc_load(t->mode == M_FULL ? &t->sc.main : &notify_only,
			      fl);
		if (lfd < 0)
			die("notify filter", lfd);
		if ((r = send_fd(sk, lfd)) < 0)
			die("sending the listener", r);
		close(lfd);
	}
	/* The ack carries the supervisor's pid. */
	if (read(sk, &sup, sizeof(sup)) != sizeof(sup))
		die("no ack from the parent", errno ? errno : EPROTO);
	if (t->mode == M_FULL && (r = sc_load(&t->sc.deny, 0)) < 0)
		die("deny filter", r);
	snprintf(env, sizeof(env), "%d", (int)sup);
	setenv("SB_SUPERVISOR_PID", env, 1);
	/* The command holds no listener, nothing but 0-2. */
	if (sys_close_range(3, ~0U, 0) < 0)
		die("close_range", errno);
	execvp(t->cmd[0], t->cmd);
	fprintf(stderr, "t-notify: %s: %s\n", t->cmd[0], strerror(errno));
	_exit(127);
}

/* The target's memory: process_vm_readv, or /proc/TID/mem where the
 * runtime's profile refuses it (Docker's, without CAP_SYS_PTRACE). */
static ssize_t read_target(pid_t tid, void *dst, uint64_t addr, size_t len)
{
	ssize_t r = sys_process_vm_readv(tid, dst, (void *)(uintptr_t)addr, len);
	char path[32];
	int fd;

	if (r >= 0 || errno != EPERM)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	r = pread(fd, dst, len, (off_t)addr);
	close(fd);
	return r;
}

/* Check, then CONTINUE: the kernel reads the address again, after us. */
static void naive(struct tn *t, int lfd)
{
	for (;;) {
		union {
			struct seccomp_notif req;
			char mem[256];
		} u;
		union {
			struct seccomp_notif_resp r;
			char mem[64];
		} a;
		struct sockaddr_storage ss;
		struct sb_ip ip;
		uint16_t port = 0;
		size_t len;
		struct pollfd pf = { lfd, POLLIN, 0 };
		int ok = 1;

		if (poll(&pf, 1, -1) < 0 || !(pf.revents & POLLIN))
			_exit(0);       /* POLLHUP: the sandbox is gone */
		memset(&u, 0, sizeof(u));
		if (sys_notif_ioctl(lfd, SB_NOTIF_RECV, &u) < 0) {
			if (errno == ENOENT || errno == EINTR)
				continue;
			_exit(0);
		}
		memset(&a, 0, sizeof(a));
		a.r.id = u.req.id;
		if (u.req.data.nr == SYS_connect) {
			len = (size_t)(uint32_t)u.req.data.args[2];
			if (len > sizeof(ss))
				len = sizeof(ss);
			ok = read_target((pid_t)u.req.pid, &ss,
					 u.req.data.args[1], len) == (ssize_t)len &&
			     sockaddr_parse(&ss, len, &ip, &port) == 0 &&
			     port == t->pol.proxy_port &&
			     ip_equal(&ip, &t->pol.proxy_ip);
		}
		if (ok)
			a.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			a.r.error = -EACCES;
		sys_notif_ioctl(lfd, SB_NOTIF_SEND, &a);
	}
}

static pid_t supervisor(struct tn *t, int lfd)
{
	struct notify_ctx *n;
	pid_t pid = fork();
	int r;

	if (pid != 0)
		return pid;
	if (t->mode == M_NAIVE)
		naive(t, lfd);
	n = malloc(sizeof(*n));
	if (!n)
		die("supervisor", ENOMEM);
	r = notify_init(n, &t->pol, &t->pins, t->log_fd);
	if (r < 0)
		die("notify_init", r);
	r = notify_add_listener(n, lfd);
	if (r < 0)
		die("notify_add_listener", r);
	if (t->ll_abi >= 0)
		n->ll_abi = t->ll_abi;   /* an older kernel's rules for UNIX */
	close(lfd);
	r = notify_run(n, -1);
	_exit(r < 0 ? 125 : 0);
}

static void load(struct tn *t)
{
	struct policy_err pe;
	ssize_t n;
	int line, r;

	memset(&pe, 0, sizeof(pe));
	policy_init(&t->pol);
	if (t->policy_file) {
		n = file_read(t->policy_file, t->text, sizeof(t->text));
		if (n < 0)
			die(t->policy_file, (int)n);
		r = policy_parse(&t->pol, t->text, t->policy_file, &pe);
	} else {
		r = policy_parse(&t->pol, policy_default_text, "default", &pe);
	}
	if (r < 0) {
		char msg[256];

		policy_err_format(&pe, msg, sizeof(msg));
		fprintf(stderr, "t-notify: %s\n", msg);
		exit(125);
	}
	if (t->pins_file) {
		n = file_read(t->pins_file, t->text, sizeof(t->text));
		if (n < 0)
			die(t->pins_file, (int)n);
		if (pin_parse(&t->pins, t->text, &line) < 0)
			die("pins", EINVAL);
	}
	r = seccomp_build(&t->sc, &t->pol, 1);
	if (r < 0)
		die("seccomp_build", r);
}

static int wait_status(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv)
{
	static struct tn t;
	pid_t pid, sup = 0;
	int sk[2], lfd = -1, st = 0, i, r;

	t.landlock = 1;
	t.killable = 1;
	t.ll_abi = -1;
	t.log_fd = 2;
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-landlock")) {
			t.landlock = 0;
			continue;
		}
		if (!strcmp(a, "--no-port")) {
			t.noport = 1;
			continue;
		}
		if (!strcmp(a, "--no-killable")) {
			t.killable = 0;
			continue;
		}
		if (!v)
			die(a, EINVAL);
		i++;
		if (!strcmp(a, "--policy"))
			t.policy_file = v;
		else if (!strcmp(a, "--pins"))
			t.pins_file = v;
		else if (!strcmp(a, "--log"))
			t.log_file = v;
		else if (!strcmp(a, "--socket"))
			t.socket = v;
		else if (!strcmp(a, "--ll-abi"))
			t.ll_abi = atoi(v);
		else if (!strcmp(a, "--pidfile"))
			t.pidfile = v;
		else if (!strcmp(a, "--mode"))
			t.mode = !strcmp(v, "full") ? M_FULL :
				 !strcmp(v, "notify") ? M_NOTIFY :
				 !strcmp(v, "none") ? M_NONE :
				 !strcmp(v, "naive") ? M_NAIVE : -1;
		else
			die(a, EINVAL);
		if (t.mode < 0)
			die(v, EINVAL);
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: t-notify [OPTION...] -- CMD [ARG...]\n");
		return 2;
	}
	t.cmd = argv + i + 1;
	/* Whoever holds the listener must be non-dumpable before the command
	 * runs (notify_init makes the supervisor so, but only once it gets
	 * there); the command becomes dumpable again at execve. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		die("PR_SET_DUMPABLE", errno);
	load(&t);
	if (t.log_file && !strcmp(t.log_file, "-")) {
		t.log_fd = -1;
	} else if (t.log_file) {
		t.log_fd = open(t.log_file, O_WRONLY | O_CREAT | O_APPEND |
				O_CLOEXEC, 0644);
		if (t.log_fd < 0)
			die(t.log_file, errno);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk) < 0)
		die("socketpair", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(sk[0]);
		child(&t, sk[1]);
	}
	close(sk[1]);
	if (t.mode != M_NONE) {
		lfd = recv_fd(sk[0]);
		if (lfd < 0) {
			waitpid(pid, &st, 0);
			fprintf(stderr, "t-notify: no listener from the child\n");
			return 125;
		}
		if (t.socket) {
			r = notify_send_listener(t.socket, lfd);
			if (r < 0) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				die("sb-notifyd refused the listener", r);
			}
		} else {
			sup = supervisor(&t, lfd);
			if (sup < 0)
				die("fork", errno);
		}
		close(lfd);
	}
	if (t.pidfile && sup > 0) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%d\n", (int)sup);

		if (file_write_atomic(t.pidfile, num, (size_t)n) < 0)
			die(t.pidfile, errno);
	}
	if (write(sk[0], &sup, sizeof(sup)) != sizeof(sup))
		die("ack", errno);
	close(sk[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid", errno);
	/* Reaped: the listener hangs up, the supervisor returns. */
	if (sup > 0) {
		int sst;

		for (i = 0; i < 500; i++) {
			if (waitpid(sup, &sst, WNOHANG) != 0)
				break;
			usleep(10000);
		}
		if (i == 500) {
			fprintf(stderr, "t-notify: the supervisor did not "
				"exit after its sandbox\n");
			kill(sup, SIGKILL);
			waitpid(sup, &sst, 0);
			return 124;
		}
	}
	return wait_status(st);
}
