/* lib/probe.c - find each kernel feature by trying it.
 *
 * Version numbers lie (backports, disabled LSMs, seccomp profiles of the
 * runtime), so every answer here comes from an attempt. Attempts that
 * change the caller's state (no_new_privs, a filter, a namespace) run in a
 * forked child that reports by its exit status. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/sched.h>

#include "buf.h"
#include "probe.h"
#include "sb.h"
#include "sys.h"

#define X(id, name) name,
const char *const probe_names[PF__N] = { PROBE_FEATURES(X) };
#undef X

const char *const probe_layer_names[PL__N] = {
	"landlock_fs", "landlock_net", "landlock_scope", "seccomp_filter",
	"seccomp_notify", "proxy",
};

int probe_find(const char *name)
{
	for (int i = 0; i < PF__N; i++)
		if (!strcmp(probe_names[i], name))
			return i;
	return -1;
}

/* Run fn in a child; its exit status (0-255), or -1 if it died. */
static int in_child(int (*fn)(void))
{
	int st;
	pid_t p = fork();

	if (p < 0)
		return -1;
	if (p == 0)
		_exit(fn() & 0xff);
	while (waitpid(p, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- Landlock ---- */

static int ll_handles(uint64_t fs, uint64_t net, uint64_t scope)
{
	struct sb_ll_ruleset_attr a = { fs, net, scope };
	size_t sz = scope ? 24 : net ? 16 : 8;
	int fd = sys_landlock_create_ruleset(&a, sz, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* restrict_self(-1, flag) checks flags before the fd: EINVAL means the
 * kernel does not know the flag, EBADF that it does. Needs no_new_privs. */
static int ll_flag(uint32_t flag)
{
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		return 0;
	return sys_landlock_restrict_self(-1, flag) == -EBADF;
}

static int ll_audit(void)
{
	return ll_flag(SB_LL_LOG_SAME_EXEC_OFF) && ll_flag(SB_LL_LOG_NEW_EXEC_ON);
}

static int ll_tsync(void)
{
	return ll_flag(SB_LL_RESTRICT_TSYNC);
}

static void probe_landlock(struct probe_report *r)
{
	int abi = sys_landlock_abi();

	r->landlock_abi = abi > 0 ? abi : 0;
	r->landlock_errata = sys_landlock_create_ruleset(0, 0,
				LANDLOCK_CREATE_RULESET_ERRATA);
	if (r->landlock_errata < 0)
		r->landlock_errata = -1;
	if (abi <= 0)
		return;
	r->have[PF_LANDLOCK] = ll_handles(LANDLOCK_ACCESS_FS_READ_FILE, 0, 0);
	r->have[PF_LANDLOCK_REFER] = ll_handles(LANDLOCK_ACCESS_FS_REFER, 0, 0);
	r->have[PF_LANDLOCK_TRUNCATE] =
		ll_handles(LANDLOCK_ACCESS_FS_TRUNCATE, 0, 0);
	r->have[PF_LANDLOCK_NET] = ll_handles(0, SB_LL_NET_BIND_TCP |
					      SB_LL_NET_CONNECT_TCP, 0);
	r->have[PF_LANDLOCK_IOCTL_DEV] =
		ll_handles(LANDLOCK_ACCESS_FS_IOCTL_DEV, 0, 0);
	r->have[PF_LANDLOCK_SCOPE] = ll_handles(0, 0, SB_LL_SCOPE_SIGNAL |
						SB_LL_SCOPE_ABSTRACT_UNIX);
	r->have[PF_LANDLOCK_UNIX] = ll_handles(SB_LL_FS_RESOLVE_UNIX, 0, 0);
	r->have[PF_LANDLOCK_AUDIT] = in_child(ll_audit) == 1;
	r->have[PF_LANDLOCK_TSYNC] = in_child(ll_tsync) == 1;
}

/* ---- seccomp ---- */

#define ARCH_NR AUDIT_ARCH_X86_64
#if !defined(__x86_64__)
#error "sb's filters are written for x86_64 only so far"
#endif

/* Notify getppid(), allow everything else. */
static const struct sock_filter notify_getppid[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static const struct sock_filter allow_all[] = {
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

enum { SC_FILTER = 1, SC_TSYNC = 2, SC_NOTIFY = 4, SC_KILLABLE = 8,
       SC_SYNC = 16, SC_ADDFD = 32, SC_SEND = 64 };

/* In the grandchild: two notified calls, each should yield an fd. */
static int notified_calls(void)
{
	long a = syscall(SYS_getppid), b = syscall(SYS_getppid);

	return (a >= 0 && fcntl((int)a, F_GETFD) >= 0 ? 1 : 0) |
	       (b >= 0 && fcntl((int)b, F_GETFD) >= 0 ? 2 : 0);
}

static int recv_notif(int lfd, struct seccomp_notif *n)
{
	struct pollfd p = { lfd, POLLIN, 0 };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	memset(n, 0, sizeof(*n));
	return sys_notif_ioctl(lfd, SB_NOTIF_RECV, n);
}

static int try_addfd(int lfd, int srcfd)
{
	struct seccomp_notif n;
	struct seccomp_notif_resp resp;
	struct sb_notif_addfd add = { 0, 0, (uint32_t)srcfd, 0, 0 };
	int got = 0, fd;

	/* First call: plain ADDFD, then answer with the new number. */
	if (recv_notif(lfd, &n) < 0)
		return 0;
	add.id = n.id;
	fd = sys_notif_ioctl(lfd, SB_NOTIF_ADDFD, &add);
	memset(&resp, 0, sizeof(resp));
	resp.id = n.id;
	resp.val = fd;
	resp.error = fd < 0 ? -EPERM : 0;
	sys_notif_ioctl(lfd, SB_NOTIF_SEND, &resp);
	if (fd >= 0)
		got |= SC_ADDFD;
	/* Second call: ADDFD that also answers (5.14). */
	if (recv_notif(lfd, &n) < 0)
		return got;
	add.id = n.id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	if (sys_notif_ioctl(lfd, SB_NOTIF_ADDFD, &add) >= 0) {
		got |= SC_SEND;
	} else {
		resp.id = n.id;
		resp.val = 0;
		resp.error = -EPERM;
		sys_notif_ioctl(lfd, SB_NOTIF_SEND, &resp);
	}
	return got;
}

static int seccomp_child(void)
{
	struct sock_fprog allow = { LEN(allow_all), (void *)allow_all };
	struct sock_fprog notif = { LEN(notify_getppid),
				    (void *)notify_getppid };
	unsigned fl = SECCOMP_FILTER_FLAG_NEW_LISTENER;
	int got = 0, lfd, st, p[2];
	uint64_t sync = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
	pid_t g;

	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		return 0;
	if (sys_seccomp_filter(0, &allow) < 0)
		return 0;
	got |= SC_FILTER;
	if (sys_seccomp_filter(SECCOMP_FILTER_FLAG_TSYNC, &allow) == 0)
		got |= SC_TSYNC;
	lfd = sys_seccomp_filter(fl | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
				 &notif);
	if (lfd >= 0)
		got |= SC_KILLABLE;
	else if (lfd == -EINVAL)
		lfd = sys_seccomp_filter(fl, &notif);
	if (lfd < 0)
		return got;
	got |= SC_NOTIFY;
	if (sys_notif_ioctl(lfd, SB_NOTIF_SET_FLAGS, (void *)sync) == 0)
		got |= SC_SYNC;
	if (pipe(p) < 0)
		return got;
	g = fork();
	if (g == 0)
		_exit(notified_calls());
	if (g < 0)
		return got;
	got |= try_addfd(lfd, p[0]);
	if (waitpid(g, &st, 0) != g || !WIFEXITED(st))
		return got & ~(SC_ADDFD | SC_SEND);
	/* Trust the grandchild's view: did the fds really arrive? */
	if (!(WEXITSTATUS(st) & 1))
		got &= ~SC_ADDFD;
	if (!(WEXITSTATUS(st) & 2))
		got &= ~SC_SEND;
	return got;
}

void probe_seccomp(struct probe_report *r)
{
	int got = in_child(seccomp_child);

	if (got < 0)
		got = 0;
	r->have[PF_SECCOMP] = !!(got & SC_FILTER);
	r->have[PF_SECCOMP_TSYNC] = !!(got & SC_TSYNC);
	r->have[PF_SECCOMP_NOTIFY] = !!(got & SC_NOTIFY);
	r->have[PF_SECCOMP_WAIT_KILLABLE] = !!(got & SC_KILLABLE);
	r->have[PF_SECCOMP_SYNC_WAKEUP] = !!(got & SC_SYNC);
	r->have[PF_SECCOMP_ADDFD] = !!(got & SC_ADDFD);
	r->have[PF_SECCOMP_ADDFD_SEND] = !!(got & SC_SEND);
}

/* ---- pidfd, process_vm_readv: on a real child, as a supervisor would ---- */

/* The supervisor's other way to read a target (lib/notify.c
 * target_read): allowed by every runtime profile, checked by the kernel's
 * ptrace access rules alone. */
static int proc_mem_read(pid_t k, uint64_t *dst, const volatile uint64_t *src)
{
	char path[32];
	struct buf b = BUF_ON(path);
	ssize_t got;
	int fd;

	buf_puts(&b, "/proc/");
	buf_puti(&b, k);
	buf_puts(&b, "/mem");
	fd = sys_open(buf_str(&b), O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	got = pread(fd, dst, sizeof(*dst), (off_t)(uintptr_t)src);
	close(fd);
	return got == (ssize_t)sizeof(*dst);
}

static void probe_pidfd(struct probe_report *r)
{
	volatile uint64_t mark = 0x5b5b5b5b5b5b5b5bULL;
	uint64_t seen = 0;
	int p[2], pfd, fd;
	char c;
	pid_t k;

	fd = sys_pidfd_open(getpid(), 0);
	r->have[PF_PIDFD_OPEN] = fd >= 0;
	if (fd >= 0)
		close(fd);
	fd = sys_pidfd_open(sys_gettid(), PIDFD_THREAD);
	r->have[PF_PIDFD_THREAD] = fd >= 0;
	if (fd >= 0)
		close(fd);
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	k = fork();
	if (k == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (k > 0) {
		pfd = sys_pidfd_open(k, 0);
		if (pfd >= 0) {
			fd = sys_pidfd_getfd(pfd, p[0]);
			r->have[PF_PIDFD_GETFD] = fd >= 0;
			if (fd >= 0)
				close(fd);
			close(pfd);
		}
		r->have[PF_PROCESS_VM_READV] =
			sys_process_vm_readv(k, &seen, (const void *)&mark,
					     sizeof(seen)) == sizeof(seen) &&
			seen == mark;
		r->have[PF_PROC_MEM] = proc_mem_read(k, &seen, &mark) &&
				       seen == mark;
		/* What the supervisor uses: either (lib/notify.c). */
		r->have[PF_SUPERVISOR_READ] = r->have[PF_PROCESS_VM_READV] ||
					      r->have[PF_PROC_MEM];
	}
	close(p[1]);
	close(p[0]);
	if (k > 0)
		waitpid(k, 0, 0);
}

/* ---- the rest ---- */

static int userns_child(void)
{
	return sys_unshare(CLONE_NEWUSER) == 0;
}

static void probe_misc(struct probe_report *r)
{
	uint32_t params[30] = { 0 };   /* struct io_uring_params, 120 bytes */
	struct utsname u;
	int fd;

	r->have[PF_USER_NS] = in_child(userns_child) == 1;
	fd = sys_io_uring_setup(1, params);
	r->have[PF_IO_URING] = fd >= 0;
	if (fd >= 0)
		close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 262 /* MPTCP */);
	r->have[PF_MPTCP] = fd >= 0;
	if (fd >= 0)
		close(fd);
	if (uname(&u) == 0) {
		struct buf b = BUF_ON(r->release);

		buf_puts(&b, u.release);
		buf_str(&b);
	}
}

void probe_kernel(struct probe_report *r)
{
	probe_landlock(r);
	probe_seccomp(r);
	probe_pidfd(r);
	probe_misc(r);
}

/* ---- this process ---- */

/* Seccomp_filters from /proc/self/status, or -1 (no /proc in the image). */
static int status_filters(void)
{
	char t[4096], *s;
	int fd = sys_open("/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, t, sizeof(t) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	t[n] = 0;
	s = strstr(t, "\nSeccomp_filters:");
	return s ? atoi(s + 17) : -1;
}

void probe_self(struct probe_report *r)
{
	struct probe_self *s = &r->self;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

	s->no_new_privs = sys_prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0);
	s->seccomp_mode = sys_prctl(PR_GET_SECCOMP, 0, 0, 0);
	s->seccomp_filters = status_filters();
	s->uid = getuid();
	s->euid = geteuid();
	s->gid = getgid();
	s->egid = getegid();
	if (sys_capget(&h, d) == 0) {
		s->cap_eff = d[0].effective | (uint64_t)d[1].effective << 32;
		s->cap_prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
		s->cap_inh = d[0].inheritable |
			     (uint64_t)d[1].inheritable << 32;
	}
	for (int c = 0; c < 64; c++) {
		if (sys_prctl(PR_CAPBSET_READ, (unsigned)c, 0, 0) == 1)
			s->cap_bnd |= 1ULL << c;
		if (sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET,
			      (unsigned)c, 0) == 1)
			s->cap_amb |= 1ULL << c;
	}
}

static void layer(struct probe_report *r, int l, int active, const char *how)
{
	struct buf b = BUF_ON(r->layer[l].how);

	r->layer[l].active = active;
	buf_puts(&b, how);
	buf_str(&b);
}

/* PPid and the real and saved uids of pid from /proc/PID/status. 0, or
 * -1 (no /proc in the image, the process gone). */
static int proc_ids(pid_t pid, pid_t *ppid, unsigned *uid, unsigned *suid)
{
	char path[48], t[2048], *u, *pp;
	struct buf b = BUF_ON(path);
	ssize_t n;
	int fd;

	buf_puts(&b, "/proc/");
	buf_putu(&b, (unsigned)pid);
	buf_puts(&b, "/status");
	fd = sys_open(buf_str(&b), O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	n = read(fd, t, sizeof(t) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	t[n] = 0;
	pp = strstr(t, "\nPPid:");
	u = strstr(t, "\nUid:");
	if (!pp || !u)
		return -1;
	*ppid = (pid_t)strtol(pp + 6, NULL, 10);
	/* Uid: real, effective, saved, filesystem */
	*uid = (unsigned)strtoul(u + 5, &u, 10);
	strtoul(u, &u, 10);
	*suid = (unsigned)strtoul(u, NULL, 10);
	return 0;
}

/* Landlock's signal scope. kill(pid, 0) to an ancestor gives EPERM when
 * the ancestor is outside our domain, but DAC gives EPERM too when the
 * ancestor belongs to another user: only an EPERM where DAC allows the
 * signal (a uid in common, as kill_ok_by_cred, or CAP_KILL) shows the
 * scope. Ancestors inside our own domain may be signalled either way, so
 * "allowed" shows no scope only when no EPERM stayed unexplained. */
static void scope_check(struct probe_report *r)
{
	const struct probe_self *s = &r->self;
	int cap_kill = (s->cap_eff >> CAP_KILL) & 1;
	int allowed = 0, unknown = 0;
	pid_t pid = getppid();

	for (int depth = 0; pid > 0 && depth < 64; depth++) {
		unsigned tuid = 0, tsuid = 0;
		pid_t next = 0;
		int known = proc_ids(pid, &next, &tuid, &tsuid) == 0;
		int dac = cap_kill || (known &&
				       (s->euid == tsuid || s->euid == tuid ||
					s->uid == tsuid || s->uid == tuid));

		if (kill(pid, 0) == 0) {
			allowed++;
		} else if (errno == EPERM && dac) {
			layer(r, PL_LANDLOCK_SCOPE, 1,
			      depth ? "signal to an ancestor of the same uid "
				      "gave EPERM"
				    : "signal to the parent (same uid) gave "
				      "EPERM");
			return;
		} else if (errno == EPERM) {
			unknown++;
		}
		if (!known || pid == 1)
			break;
		pid = next;
	}
	if (unknown || !allowed)
		layer(r, PL_LANDLOCK_SCOPE, -1,
		      unknown ? "cannot tell: the ancestors that refuse a "
				"signal belong to another user (DAC)"
			      : "cannot tell: no ancestor to signal");
	else
		layer(r, PL_LANDLOCK_SCOPE, 0,
		      "signals to the ancestors are allowed");
}

/* Which layers confine us. Landlock has no "am I in a domain" query, so we
 * try what a domain would refuse and read the errno: EACCES is Landlock's
 * answer (DAC would not refuse root; a seccomp filter of sb answers EPERM
 * or is visible in the seccomp mode). */
void probe_confinement(struct probe_report *r)
{
	struct sockaddr_in a = { AF_INET, 0, { htonl(INADDR_LOOPBACK) }, {0} };
	char dev[16] = "";
	socklen_t dl = sizeof(dev);
	int fd, e;

	fd = sys_open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	e = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	layer(r, PL_LANDLOCK_FS, e == EACCES,
	      e == EACCES ? "reading / gave EACCES" :
	      e ? "reading / failed, but not with EACCES" :
		  "reading / is allowed");

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	e = fd < 0 ? errno : 0;
	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl) < 0)
			dev[0] = 0;
		e = bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
		close(fd);
	}
	layer(r, PL_LANDLOCK_NET, fd >= 0 ? e == EACCES : -1,
	      fd < 0 ? "socket() refused, cannot tell" :
	      e == EACCES ? "bind to 127.0.0.1:0 gave EACCES" :
			    "bind to 127.0.0.1:0 is allowed");
	layer(r, PL_SECCOMP_NOTIFY, fd >= 0 ? !strcmp(dev, "lo") : -1,
	      fd < 0 ? "socket() refused, cannot tell" :
	      !strcmp(dev, "lo") ? "socket() handed out, bound to lo" :
				   "socket() not bound to lo");

	scope_check(r);

	layer(r, PL_SECCOMP, r->self.seccomp_mode == 2,
	      r->self.seccomp_mode == 2 ? "prctl(PR_GET_SECCOMP) = 2 (filter)"
					: "prctl(PR_GET_SECCOMP) != 2");
	layer(r, PL_PROXY, getenv("HTTPS_PROXY") != 0,
	      getenv("HTTPS_PROXY") ? "HTTPS_PROXY is set (cooperative)"
				    : "HTTPS_PROXY is not set");
}
