/* lib/filter.c - seccomp filters.
 *
 * The deny filter refuses what a confined process never needs and what
 * would let it past Landlock or the supervisor. Docker's default profile is
 * the floor, not the ceiling. libseccomp builds the plain syscall list (it
 * knows every number, and refuses non-native architectures and x32 numbers
 * in the filter prologue); argument checks that need "not one of" logic
 * are a small hand-written program stacked after it. The user-notification
 * filter is hand-written too: it is the supervisor's contract.
 * See seccomp(2), seccomp_unotify(2), ../shared/KERNEL-NOTES.md. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"
#include "sys.h"

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

static int deny_rules(scmp_filter_ctx c, const struct policy *p)
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
	/* listen() on an unbound socket autobinds to a random port, past
	 * Landlock's bind rule: only a policy with bind ports may listen. */
	if (p->nbind == 0 && (r = rule(c, DENY, "listen", 0, 0)) < 0)
		return r;
	return 0;
}

/* Export libseccomp's program through a pipe into our own buffer, so the
 * child loads it with one syscall and no allocation. */
static int export(scmp_filter_ctx c, struct sc_prog *out)
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

static int build_deny(struct sc_prog *out, const struct policy *p)
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
	if (r == 0)
		r = deny_rules(c, p);
	if (r == 0)
		r = export(c, out);
	seccomp_release(c);
	return r;
}

/* A tiny assembler for the hand-written programs: forward jumps to
 * labels, resolved at the end, so no offset is counted by hand. */
enum { L_NEXT, L_ALLOW, L_REFUSE, L_EPERM, L_NOTIF, L_SOCK, L_INET, L_TCP,
       L_UDP, L_NL, L_PERS, L__N };

struct bpf_asm {
	struct sc_prog *p;
	uint8_t lt[SC_MAX_INSNS], lf[SC_MAX_INSNS];
	int at[L__N];
	int err;
};

static void emit(struct bpf_asm *a, uint16_t code, uint32_t k, int lt, int lf)
{
	if (a->p->len >= SC_MAX_INSNS) {
		a->err = -E2BIG;
		return;
	}
	a->lt[a->p->len] = (uint8_t)lt;
	a->lf[a->p->len] = (uint8_t)lf;
	a->p->insns[a->p->len++] = (struct sock_filter){ code, 0, 0, k };
}

#define LD(a, field) emit(a, BPF_LD | BPF_W | BPF_ABS, \
			  offsetof(struct seccomp_data, field), 0, 0)
#define JEQ(a, k, t, f) emit(a, BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(a, k, t, f) emit(a, BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define RET(a, k) emit(a, BPF_RET | BPF_K, (k), 0, 0)

static void label(struct bpf_asm *a, int l)
{
	a->at[l] = a->p->len;
}

static int assemble(struct bpf_asm *a)
{
	for (int i = 0; i < a->p->len && !a->err; i++) {
		struct sock_filter *f = &a->p->insns[i];
		int t = a->lt[i] ? a->at[a->lt[i]] - i - 1 : 0;
		int e = a->lf[i] ? a->at[a->lf[i]] - i - 1 : 0;

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (t < 0 || t > 255 || e < 0 || e > 255)
			a->err = -EINVAL;    /* backward or too far */
		f->jt = (uint8_t)t;
		f->jf = (uint8_t)e;
	}
	return a->err;
}

static void arch_check(struct bpf_asm *a)
{
	/* Other architectures: the deny filter kills them; here they pass
	 * so that its verdict is the one that counts. */
	LD(a, arch);
	JEQ(a, AUDIT_ARCH_X86_64, L_NEXT, L_ALLOW);
	LD(a, nr);
	JGE(a, 0x40000000 /* x32 */, L_ALLOW, L_NEXT);
}

/* socket() and socketpair(): AF_UNIX; AF_INET/AF_INET6 stream TCP (and
 * datagram UDP only with "dns on"); AF_NETLINK NETLINK_ROUTE (getifaddrs
 * needs it). Everything else - packet, raw, ICMP, vsock, MPTCP (262),
 * SCTP - is refused in the kernel, before the supervisor sees it.
 * personality(): only the query and PER_LINUX, as Docker's profile (no
 * READ_IMPLIES_EXEC, no ADDR_NO_RANDOMIZE). */
static int build_args(struct sc_prog *out, const struct policy *p)
{
	struct bpf_asm a;

	memset(&a, 0, sizeof(a));
	a.p = out;
	arch_check(&a);
	JEQ(&a, SYS_personality, L_PERS, L_NEXT);
	JEQ(&a, SYS_socket, L_SOCK, L_NEXT);
	JEQ(&a, SYS_socketpair, L_SOCK, L_ALLOW);
	label(&a, L_SOCK);
	LD(&a, args[0]);
	JEQ(&a, AF_UNIX, L_ALLOW, L_NEXT);
	JEQ(&a, AF_NETLINK, L_NL, L_NEXT);
	JEQ(&a, AF_INET, L_INET, L_NEXT);
	JEQ(&a, AF_INET6, L_INET, L_REFUSE);
	label(&a, L_INET);
	LD(&a, args[1]);
	emit(&a, BPF_ALU | BPF_AND | BPF_K, 0xf, 0, 0);
	JEQ(&a, SOCK_STREAM, L_TCP, L_NEXT);
	JEQ(&a, p->dns ? SOCK_DGRAM : SOCK_STREAM, L_UDP, L_REFUSE);
	label(&a, L_TCP);
	LD(&a, args[2]);
	JEQ(&a, 0, L_ALLOW, L_NEXT);
	JEQ(&a, IPPROTO_TCP, L_ALLOW, L_REFUSE);
	label(&a, L_UDP);
	LD(&a, args[2]);
	JEQ(&a, 0, L_ALLOW, L_NEXT);
	JEQ(&a, IPPROTO_UDP, L_ALLOW, L_REFUSE);
	label(&a, L_NL);
	LD(&a, args[2]);
	JEQ(&a, 0 /* NETLINK_ROUTE */, L_ALLOW, L_REFUSE);
	label(&a, L_PERS);
	LD(&a, args[0]);
	JEQ(&a, 0 /* PER_LINUX */, L_ALLOW, L_NEXT);
	JEQ(&a, 0xffffffff /* query */, L_ALLOW, L_EPERM);
	label(&a, L_ALLOW);
	RET(&a, SECCOMP_RET_ALLOW);
	label(&a, L_REFUSE);
	RET(&a, SECCOMP_RET_ERRNO | EACCES);
	label(&a, L_EPERM);
	RET(&a, SECCOMP_RET_ERRNO | EPERM);
	return assemble(&a);
}

/* The supervisor's contract: every socket() of an Internet family and
 * every connect() - nothing else, so the data path never leaves the
 * kernel. */
static int build_notify(struct sc_prog *out)
{
	struct bpf_asm a;

	memset(&a, 0, sizeof(a));
	a.p = out;
	arch_check(&a);
	JEQ(&a, SYS_connect, L_NOTIF, L_NEXT);
	JEQ(&a, SYS_socket, L_NEXT, L_ALLOW);
	LD(&a, args[0]);
	JEQ(&a, AF_INET, L_NOTIF, L_NEXT);
	JEQ(&a, AF_INET6, L_NOTIF, L_ALLOW);
	label(&a, L_NOTIF);
	RET(&a, SECCOMP_RET_USER_NOTIF);
	label(&a, L_ALLOW);
	RET(&a, SECCOMP_RET_ALLOW);
	return assemble(&a);
}

int seccomp_build(struct sc_plan *pl, const struct policy *p)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	if ((r = build_args(&pl->args, p)) < 0 ||
	    (r = build_notify(&pl->notify)) < 0)
		return r;
	return build_deny(&pl->deny, p);
}

int sc_load(const struct sc_prog *prog, unsigned flags)
{
	struct sock_fprog fp = { prog->len, (struct sock_filter *)prog->insns };

	return sys_seccomp_filter(flags, &fp);
}
