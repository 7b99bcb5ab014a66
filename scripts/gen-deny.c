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
	if (r < 0)
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

static int build_deny(struct prog *out)
{
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!c)
		return -ENOMEM;
	/* i386 (int $0x80) and x32 entry points: a 64-bit sandbox has no
	 * use for them, and their numbers would dodge every rule here. */
	r = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r == 0)
		r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree rather than a chain: every syscall not answered by
	 * the kernel's action cache, and the cache's own emulation of the
	 * filter for each syscall number when it is attached (under a
	 * spinlock, at every sandbox start), walks O(log n) instructions. */
	if (r == 0)
		r = seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r == 0)
		r = deny_rules(c);
	if (r == 0)
		r = export(c, out);
	seccomp_release(c);
	return r;
}


int main(void)
{
	static struct prog p;
	int r = build_deny(&p);

	if (r < 0) {
		fprintf(stderr, "gen-deny: %s\n", strerror(-r));
		return 1;
	}
	printf("/* generated by scripts/gen-deny.c: do not edit */\n"
	       "static const struct sock_filter deny_bpf[] = {\n");
	for (int i = 0; i < p.len; i++)
		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", p.insns[i].code,
		       p.insns[i].jt, p.insns[i].jf, p.insns[i].k);
	printf("};\n");
	return 0;
}
