/* scripts/gen-deny.c - generate sb's seccomp deny list at build time.
 *
 * Built with musl-gcc against the static libseccomp of build/deps and run
 * by make: prints build/deny_bpf.h, the BPF program lib/filter.c loads.
 * libseccomp knows every syscall number and writes the prologue that kills
 * non-native architectures (i386's int $0x80) and x32 numbers. Nothing here
 * depends on a policy, so no sandbox pays for building it at run time.
 * usage: gen-deny > deny_bpf.h */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INSNS 1024

struct prog {
	unsigned short len;
	struct sock_filter insns[MAX_INSNS];
};

#define DENY SCMP_ACT_ERRNO(EPERM)

/* Syscalls refused outright, each with its reason. */
static const struct {
	const char *name;
	int err;
} deny_list[] = {
	/* io_uring performs connect/openat from kernel threads: the
	 * supervisor never sees them. */
	{ "io_uring_setup", EPERM },
	{ "io_uring_enter", EPERM },
	{ "io_uring_register", EPERM },
	/* Reaching into other processes: the supervisor's own tools. */
	{ "ptrace", EPERM },
	{ "process_vm_readv", EPERM },
	{ "process_vm_writev", EPERM },
	{ "process_madvise", EPERM },
	{ "pidfd_getfd", EPERM },
	{ "kcmp", EPERM },
	/* Kernel attack surface with no place in a confined command. */
	{ "bpf", EPERM },
	{ "perf_event_open", EPERM },
	/* userfaultfd can stall the supervisor's reads of our memory. */
	{ "userfaultfd", EPERM },
	{ "keyctl", EPERM },
	{ "add_key", EPERM },
	{ "request_key", EPERM },
	/* Changing the filesystem view would void Landlock's paths. */
	{ "mount", EPERM },
	{ "umount2", EPERM },
	{ "pivot_root", EPERM },
	{ "chroot", EPERM },
	{ "fsopen", EPERM },
	{ "fsconfig", EPERM },
	{ "fsmount", EPERM },
	{ "fspick", EPERM },
	{ "move_mount", EPERM },
	{ "open_tree", EPERM },
	{ "mount_setattr", EPERM },
	/* Namespaces: a new network namespace escapes everything. */
	{ "setns", EPERM },
	{ "unshare", EPERM },
	/* clone3 passes flags in memory the filter cannot read: ENOSYS makes
	 * libc fall back to clone, whose flags we can check. */
	{ "clone3", ENOSYS },
	/* Fileless exec: code Landlock's execute right never saw. */
	{ "memfd_create", EPERM },
	{ "memfd_secret", EPERM },
	/* The machine's, not the sandbox's. */
	{ "kexec_load", EPERM },
	{ "kexec_file_load", EPERM },
	{ "init_module", EPERM },
	{ "finit_module", EPERM },
	{ "delete_module", EPERM },
	{ "reboot", EPERM },
	{ "swapon", EPERM },
	{ "swapoff", EPERM },
	{ "acct", EPERM },
	{ "quotactl", EPERM },
	{ "syslog", EPERM },
	{ "settimeofday", EPERM },
	{ "clock_settime", EPERM },
	{ "clock_adjtime", EPERM },
	{ "adjtimex", EPERM },
	{ "uselib", EPERM },
	{ "vhangup", EPERM },
	{ "lookup_dcookie", EPERM },
	{ "open_by_handle_at", EPERM },   /* shocker: escapes path rules */
	{ "name_to_handle_at", EPERM },
	{ "nfsservctl", EPERM },
	{ "iopl", EPERM },
	{ "ioperm", EPERM },
	{ "fanotify_init", EPERM },
	/* openat2 passes its mode in a struct the filter cannot read, so a
	 * setuid file could be created past the mode checks below. ENOSYS is
	 * "kernel older than 5.6": musl and glibc never call it for open(),
	 * and its callers (systemd, runc, libpathrs) fall back to openat. */
	{ "openat2", ENOSYS },
};

/* Calls that reach another process by pid: first argument 0 means the
 * caller itself. The caller's own pid cannot be known to a filter that is
 * built before fork and inherited by every process of the sandbox, so
 * every other pid is refused, own ones included (prlimit(getpid()),
 * pthread_setaffinity_np on a thread: EPERM). Same uid is all these need,
 * and sb-exec, the proxy and the supervisor share the command's uid unless
 * --user is given: RLIMIT_CPU=1 kills them, RLIMIT_FSIZE=0 silences the
 * supervisor's log, SCHED_IDLE starves them. */
static const char *const self_only[] = {
	"prlimit64", "sched_setscheduler", "sched_setparam", "sched_setattr",
	"sched_setaffinity", "migrate_pages", "move_pages",
};

static int rule(scmp_filter_ctx c, uint32_t act, const char *name,
		unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return -EINVAL;
	return seccomp_rule_add_array(c, act, nr, n, cmp);
}

/* int arguments are compared on their low 32 bits only, as the kernel
 * reads them: 0x100005412 is TIOCSTI to ioctl(). */
static struct scmp_arg_cmp cmp(unsigned arg, enum scmp_compare op,
			       uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = { arg, op, a, b };

	return c;
}

/* A mode that sets S_ISUID or S_ISGID: as uid 0 (most images) the command
 * could copy a program into /tmp, make it setuid, and a process of any uid
 * outside would run it as root. Each bit is a rule of its own: MASKED_EQ
 * matches when all bits of the mask are set. */
static const unsigned suid_bits[] = { S_ISUID, S_ISGID };

static int mode_rules(scmp_filter_ctx c, const char *name, unsigned arg)
{
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++) {
		struct scmp_arg_cmp m = cmp(arg, SCMP_CMP_MASKED_EQ,
					    suid_bits[i], suid_bits[i]);

		r = rule(c, DENY, name, 1, &m);
	}
	return r;
}

/* open/openat use the mode only with O_CREAT or O_TMPFILE (the kernel
 * ignores it otherwise, and a caller may pass anything there). */
static int open_rules(scmp_filter_ctx c, const char *name, unsigned farg)
{
	/* 020000000: __O_TMPFILE (O_TMPFILE also sets O_DIRECTORY) */
	static const unsigned creat[] = { O_CREAT, 020000000 };
	int r = 0;

	for (size_t i = 0; i < 2 && r == 0; i++)
		for (size_t k = 0; k < 2 && r == 0; k++) {
			struct scmp_arg_cmp m[2] = {
				cmp(farg, SCMP_CMP_MASKED_EQ, creat[i],
				    creat[i]),
				cmp(farg + 1, SCMP_CMP_MASKED_EQ, suid_bits[k],
				    suid_bits[k]) };

			r = rule(c, DENY, name, 2, m);
		}
	return r;
}

/* Another process's priority, rlimits, scheduling, memory placement.
 * setpriority/ioprio_set take (which, who): only PRIO_PROCESS /
 * IOPRIO_WHO_PROCESS with who 0 is the caller; a process group (our own
 * group may hold sb-exec) or a user (every process of our uid) reach
 * others. which is an int, compared on its low 32 bits as the kernel reads
 * it; the pids are compared on all 64 (a non-zero high half the kernel
 * would drop is refused too: fail closed). */
static int pid_rules(scmp_filter_ctx c)
{
	struct scmp_arg_cmp pid0 = cmp(0, SCMP_CMP_NE, 0, 0);
	struct scmp_arg_cmp who = cmp(1, SCMP_CMP_NE, 0, 0);
	int r = 0;

	for (size_t i = 0; i < sizeof(self_only) / sizeof(self_only[0]) &&
			   r == 0; i++)
		r = rule(c, DENY, self_only[i], 1, &pid0);
	if (r == 0)
		r = rule(c, DENY, "setpriority", 1, &who);
	if (r == 0)
		r = rule(c, DENY, "ioprio_set", 1, &who);
	for (unsigned w = 1; w <= 3 && r == 0; w++) {
		/* setpriority: PRIO_PGRP 1, PRIO_USER 2 (PRIO_PROCESS is 0);
		 * ioprio_set: IOPRIO_WHO_PGRP 2, IOPRIO_WHO_USER 3
		 * (IOPRIO_WHO_PROCESS is 1). Other values are EINVAL. */
		struct scmp_arg_cmp k = cmp(0, SCMP_CMP_MASKED_EQ, 0xffffffff,
					    w);

		if (w <= 2)
			r = rule(c, DENY, "setpriority", 1, &k);
		if (r == 0 && w >= 2)
			r = rule(c, DENY, "ioprio_set", 1, &k);
	}
	return r;
}

/* File modes: chmod family and creation. mkdir/mkdirat are left alone:
 * the kernel keeps only the permission bits and S_ISVTX of their mode
 * (vfs_mkdir), so no setuid or setgid directory comes from it. fchmodat2
 * (452, Linux 6.6, glibc's fchmodat with AT_SYMLINK_NOFOLLOW) is newer
 * than this libseccomp: by number. */
static int file_mode_rules(scmp_filter_ctx c)
{
	struct scmp_arg_cmp m;
	int r;

	if ((r = mode_rules(c, "chmod", 1)) < 0 ||
	    (r = mode_rules(c, "fchmod", 1)) < 0 ||
	    (r = mode_rules(c, "fchmodat", 2)) < 0 ||
	    (r = mode_rules(c, "creat", 1)) < 0 ||
	    (r = mode_rules(c, "mknod", 1)) < 0 ||
	    (r = mode_rules(c, "mknodat", 2)) < 0 ||
	    (r = open_rules(c, "open", 1)) < 0 ||
	    (r = open_rules(c, "openat", 2)) < 0)
		return r;
	for (size_t i = 0; i < 2 && r == 0; i++) {
		m = cmp(2, SCMP_CMP_MASKED_EQ, suid_bits[i], suid_bits[i]);
		r = seccomp_rule_add_array(c, DENY, 452 /* fchmodat2 */, 1, &m);
	}
	return r;
}

static int deny_rules(scmp_filter_ctx c)
{
	static const uint32_t ns[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC,
				       CLONE_NEWUSER, CLONE_NEWPID,
				       CLONE_NEWNET, CLONE_NEWCGROUP };
	const uint64_t fo = MSG_FASTOPEN;
	int r = 0;

	for (size_t i = 0; i < sizeof(deny_list) / sizeof(deny_list[0]); i++)
		if ((r = rule(c, SCMP_ACT_ERRNO(deny_list[i].err),
			      deny_list[i].name, 0, 0)) < 0)
			return r;
	/* Namespace flags on clone (x86_64: flags are the first argument). */
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]) && r == 0; i++) {
		struct scmp_arg_cmp a = cmp(0, SCMP_CMP_MASKED_EQ, ns[i], ns[i]);

		r = rule(c, DENY, "clone", 1, &a);
	}
	/* Another process sharing our fd table or memory (not a thread, not
	 * a vfork child) could swap a socket or rewrite an address between
	 * the supervisor's check of a UNIX connect() and the kernel's
	 * CONTINUE (lib/notify.c unix_unsafe): only threads may. A vfork
	 * child shares its parent's memory, which the supervisor checks: its
	 * parent is then the process it shares it with (no CLONE_PARENT). */
	if (r == 0) {
		struct scmp_arg_cmp f = cmp(0, SCMP_CMP_MASKED_EQ,
					    CLONE_FILES | CLONE_THREAD,
					    CLONE_FILES);
		struct scmp_arg_cmp v = cmp(0, SCMP_CMP_MASKED_EQ,
					    CLONE_VM | CLONE_THREAD |
					    CLONE_VFORK, CLONE_VM);
		struct scmp_arg_cmp pa = cmp(0, SCMP_CMP_MASKED_EQ,
					     CLONE_VM | CLONE_THREAD |
					     CLONE_PARENT,
					     CLONE_VM | CLONE_PARENT);

		if ((r = rule(c, DENY, "clone", 1, &f)) == 0 &&
		    (r = rule(c, DENY, "clone", 1, &v)) == 0)
			r = rule(c, DENY, "clone", 1, &pa);
	}
	if (r < 0 || (r = pid_rules(c)) < 0 || (r = file_mode_rules(c)) < 0)
		return r;
	{
		/* TCP Fast Open connects on send, without Landlock's connect
		 * hook and without a connect() for the supervisor to see. */
		struct scmp_arg_cmp s3 = cmp(3, SCMP_CMP_MASKED_EQ, fo, fo);
		struct scmp_arg_cmp s2 = cmp(2, SCMP_CMP_MASKED_EQ, fo, fo);
		struct scmp_arg_cmp tfo[2] = {
			cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffff, IPPROTO_TCP),
			cmp(2, SCMP_CMP_MASKED_EQ, 0xffffffff, 30 /* TCP_FASTOPEN_CONNECT */) };
		/* A non-dumpable process blocks the supervisor's reads of
		 * its memory (ptrace access mode). */
		struct scmp_arg_cmp dump = cmp(0, SCMP_CMP_MASKED_EQ, 0xffffffff, PR_SET_DUMPABLE);
		/* Typing into the terminal of the parent session. */
		struct scmp_arg_cmp sti = cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffff, 0x5412);
		struct scmp_arg_cmp lnx = cmp(1, SCMP_CMP_MASKED_EQ, 0xffffffff, 0x541c);

		if ((r = rule(c, DENY, "sendto", 1, &s3)) < 0 ||
		    (r = rule(c, DENY, "sendmsg", 1, &s2)) < 0 ||
		    (r = rule(c, DENY, "sendmmsg", 1, &s3)) < 0 ||
		    (r = rule(c, DENY, "setsockopt", 2, tfo)) < 0 ||
		    (r = rule(c, DENY, "prctl", 1, &dump)) < 0 ||
		    (r = rule(c, DENY, "ioctl", 1, &sti)) < 0 ||
		    (r = rule(c, DENY, "ioctl", 1, &lnx)) < 0)
			return r;
	}
	return 0;
}

/* Export libseccomp's program through a pipe into our own buffer, so the
 * child loads it with one syscall and no allocation. */
static int export(scmp_filter_ctx c, struct prog *out)
{
	int p[2], r;
	size_t got = 0;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	r = seccomp_export_bpf(c, p[1]);
	close(p[1]);
	while (r == 0) {
		ssize_t n = read(p[0], (char *)out->insns + got,
				 sizeof(out->insns) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(out->insns))
			r = -E2BIG;
	}
	close(p[0]);
	if (r == 0 && (got == 0 || got % sizeof(struct sock_filter)))
		r = -EINVAL;
	out->len = (unsigned short)(got / sizeof(struct sock_filter));
	return r;
}

/* A filter whose default is act, for every program made here. i386
 * (int $0x80) and x32 entry points are killed: a 64-bit sandbox has no
 * use for them, and their numbers would dodge every rule. A binary tree
 * rather than a chain: every syscall not answered by the kernel's action
 * cache, and the cache's own emulation of the filter for each syscall
 * number when it is attached (under a spinlock, at every sandbox start),
 * walks O(log n) instructions. NULL, or *r set to -errno. */
static scmp_filter_ctx new_filter(uint32_t act, int *r)
{
	scmp_filter_ctx c = seccomp_init(act);

	*r = c ? 0 : -ENOMEM;
	if (*r == 0)
		*r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH,
				      SCMP_ACT_KILL_PROCESS);
	if (*r == 0)
		*r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
	if (*r == 0)
		*r = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (*r < 0 && c)
		seccomp_release(c);
	return *r < 0 ? NULL : c;
}

static int build_deny(struct prog *out)
{
	int r;
	scmp_filter_ctx c = new_filter(SCMP_ACT_ALLOW, &r);

	if (!c)
		return r;
	r = deny_rules(c);
	if (r == 0)
		r = export(c, out);
	seccomp_release(c);
	return r;
}

/* ---- the helpers' own allow-lists (SPEC "sb confines itself") ----
 * Exactly the calls each event loop makes once it is set up; anything
 * else traps (SIGSYS: the helper logs the call's number and exits, and
 * the sandbox fails closed). Found by running every test with the lists
 * in SECCOMP_RET_LOG mode (make ALLOW_ACT=log, then the kernel log's
 * comm="sb-proxy"/"sb-notifyd" lines) and by reading the loops. Never
 * here: execve, fork/clone, ptrace, mount, namespaces, bpf, io_uring,
 * signals to others, file creation or removal, set*id. */
static const char *const common_calls[] = {
	"read", "write", "readv", "writev", "close", "fcntl", "lseek",
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl",
	"clock_gettime", "gettimeofday", "time", "clock_nanosleep",
	"nanosleep", "getpid", "gettid", "getuid", "geteuid", "getgid",
	"getegid", "exit", "exit_group", "rt_sigreturn", "restart_syscall",
	"rt_sigprocmask", "rt_sigaction", "futex", "sched_yield", "mmap", "munmap",
	"mremap", "madvise", "brk", "getrandom",
	"socket", "connect", "bind", "listen", "accept", "accept4",
	"shutdown", "setsockopt", "getsockopt", "getsockname", "getpeername",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	"socketpair", "open", "openat", "stat", "fstat", "lstat",
	"newfstatat", "statx", "readlink", "readlinkat", "getdents64",
	"ioctl", "poll", "ppoll", "pipe2", "dup", "dup3", "prlimit64",
	"getrlimit",
};
static const char *const proxy_calls[] = {
	"splice", "tee", "fstatfs",
};
static const char *const super_calls[] = {
	"pread64", "pwrite64", "process_vm_readv", "getxattr", "lgetxattr",
	"capget", "capset",
};

static int add_allow(scmp_filter_ctx c, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(l[i]), r;

		if (nr == __NR_SCMP_ERROR)
			continue;           /* not on this architecture */
		if ((r = seccomp_rule_add(c, SCMP_ACT_ALLOW, nr, 0)) < 0)
			return r;
	}
	return 0;
}

static int build_allow(struct prog *out, int super, uint32_t act)
{
	int r;
	scmp_filter_ctx c = new_filter(act, &r);

	if (!c)
		return r;
	r = add_allow(c, common_calls, sizeof(common_calls) /
				sizeof(common_calls[0]));
	if (r == 0 && super)
		r = add_allow(c, super_calls, sizeof(super_calls) /
				sizeof(super_calls[0]));
	if (r == 0 && !super)
		r = add_allow(c, proxy_calls, sizeof(proxy_calls) /
				sizeof(proxy_calls[0]));
	if (r == 0)
		r = export(c, out);
	seccomp_release(c);
	return r;
}

static void print(const char *name, const struct prog *p)
{
	printf("static const struct sock_filter %s[] = {\n", name);
	for (int i = 0; i < p->len; i++)
		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", p->insns[i].code,
		       p->insns[i].jt, p->insns[i].jf, p->insns[i].k);
	printf("};\n");
}

/* usage: gen-deny [log]: "log" builds the allow-lists with
 * SECCOMP_RET_LOG instead of SECCOMP_RET_TRAP (finding missing calls). */
int main(int argc, char **argv)
{
	static struct prog p, pa, sa;
	uint32_t act = argc > 1 && !strcmp(argv[1], "log") ? SCMP_ACT_LOG
							   : SCMP_ACT_TRAP;
	int r = build_deny(&p);

	if (r == 0)
		r = build_allow(&pa, 0, act);
	if (r == 0)
		r = build_allow(&sa, 1, act);
	if (r < 0) {
		fprintf(stderr, "gen-deny: %s\n", strerror(-r));
		return 1;
	}
	printf("/* generated by scripts/gen-deny.c: do not edit */\n");
	print("deny_bpf", &p);
	print("proxy_allow_bpf", &pa);
	print("super_allow_bpf", &sa);
	return 0;
}
