/* lib/filter.c - seccomp filters.
 *
 * The deny filter refuses what a confined process never needs and what
 * would let it past Landlock or the supervisor. Docker's default profile is
 * the floor, not the ceiling. libseccomp builds the plain syscall list at
 * build time (scripts/gen-deny.c); argument checks that need "not one of"
 * logic, and the one rule that depends on the policy, are a small
 * hand-written program stacked after it. The user-notification filter is
 * hand-written too: it is the supervisor's contract.
 * See seccomp(2), seccomp_unotify(2), ../shared/KERNEL-NOTES.md. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filter.h"
#include "log.h"
#include "sb.h"
#include "sys.h"

/* The deny list: a BPF program generated at build time by
 * scripts/gen-deny.c with libseccomp, which knows every syscall number and
 * refuses non-native architectures and x32 numbers in its prologue. It
 * depends on no policy, so no sandbox pays for building it. */
#include "deny_bpf.h"

/* A tiny assembler for the hand-written programs: forward jumps to
 * labels, resolved at the end, so no offset is counted by hand. */
enum { L_NEXT, L_ALLOW, L_REFUSE, L_EPERM, L_NOTIF, L_SOCK, L_INET, L_NL,
       L_PERS, L_PAIR, L_LISTEN, L_IOCTL, L_DGRAM, L_BIND, L_SENDTO,
       L_ADDR, L_SOCKOPT, L__N };
#define L_MAX 128    /* fixed labels, then the dispatch tree's own */

struct bpf_asm {
	struct sc_prog *p;
	uint8_t lt[SC_MAX_INSNS], lf[SC_MAX_INSNS];
	int at[L_MAX];
	int nlabels;
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

static int new_label(struct bpf_asm *a)
{
	if (a->nlabels >= L_MAX) {
		a->err = -E2BIG;
		return L_NEXT;
	}
	return a->nlabels++;
}

/* One syscall the main program answers, and where it goes. */
struct route {
	uint32_t nr;
	int to;
};

/* Dispatch on the syscall number (in A) as a binary tree over routes
 * sorted by nr: O(log n) for every syscall the action cache does not
 * answer. Anything not routed goes to dflt. */
static void tree(struct bpf_asm *a, const struct route *r, int n, int dflt)
{
	int mid, right;

	if (n <= 3) {
		for (int i = 0; i < n; i++)
			JEQ(a, r[i].nr, r[i].to, i == n - 1 ? dflt : L_NEXT);
		if (n == 0)
			JEQ(a, 0xffffffff, dflt, dflt);
		return;
	}
	mid = n / 2;
	right = new_label(a);
	JGE(a, r[mid].nr, right, L_NEXT);
	tree(a, r, mid, dflt);
	label(a, right);
	tree(a, r + mid, n - mid, dflt);
}

static void route_add(struct route *r, int *n, uint32_t nr, int to)
{
	int i = *n;

	/* insertion: a few dozen entries at most */
	while (i > 0 && r[i - 1].nr > nr) {
		r[i] = r[i - 1];
		i--;
	}
	r[i].nr = nr;
	r[i].to = to;
	(*n)++;
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

/* Newer than some libc headers; x86_64 numbers (the only native arch). */
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif
#ifndef SYS_removexattrat
#define SYS_removexattrat 466
#endif
#ifndef SYS_file_setattr
#define SYS_file_setattr 469
#endif

/* SysV IPC: Landlock has no IPC scope and sb no IPC namespace (unshare
 * needs CAP_SYS_ADMIN), so these reach the host's queues, segments and
 * semaphore sets by key or id. Refused unless the policy says "ipc on". */
static const uint32_t ipc_calls[] = {
	SYS_msgget, SYS_msgsnd, SYS_msgrcv, SYS_msgctl,
	SYS_shmget, SYS_shmat, SYS_shmdt, SYS_shmctl,
	SYS_semget, SYS_semop, SYS_semtimedop, SYS_semctl,
};

/* Ownership, extended attributes and inode flags: Landlock governs none
 * of them, so they would change files outside the rw paths (on any path
 * the command can name, owned by its uid). Refused unless the policy says
 * "metadata on". The ioctls are checked in L_IOCTL. */
static const uint32_t meta_calls[] = {
	SYS_chown, SYS_fchown, SYS_lchown, SYS_fchownat,
	SYS_setxattr, SYS_lsetxattr, SYS_fsetxattr,
	SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr,
	SYS_setxattrat, SYS_removexattrat, SYS_file_setattr,
};

/* The hand-written program, stacked before the deny list.
 *
 * The supervisor's contract, when notify is set: every socket() of an
 * Internet family that passes the checks below and every connect() return
 * USER_NOTIF - nothing else, so the data path never leaves the kernel.
 *
 * socket(): AF_UNIX; AF_INET/AF_INET6 stream TCP; AF_NETLINK NETLINK_ROUTE
 * (getifaddrs needs it). Everything else - UDP, packet, raw, ICMP, vsock,
 * MPTCP (262), SCTP - is refused in the kernel, before the supervisor sees
 * it. UDP (SOCK_DGRAM, protocol 0 or UDP) goes to the supervisor, which
 * never hands out a real one (a UDP socket bound to "lo" still leaves by
 * another interface through an IP_PKTINFO control message): with "dns
 * on" it gets an AF_UNIX stand-in answered from the pinned table, without
 * it EACCES and a deny event (lib/dnsd.c). With "dns on" only, also
 * bind() and sendto() with an address length of 16 or 28 (sockaddr_in,
 * sockaddr_in6), recvfrom() with an address, getsockname(), and
 * setsockopt() at the IPPROTO_IP and IPPROTO_IPV6 levels and of
 * SO_REUSEPORT: the calls
 * of a stub resolver that carry an Internet address; the supervisor
 * emulates them on its stand-ins and lets the kernel run every other one.
 * socketpair(): AF_UNIX only.
 * listen(): on an unbound socket it autobinds to a random port, past
 * Landlock's bind rule, so only a policy with bind ports may listen.
 * personality(): only the query and PER_LINUX, as Docker's profile (no
 * READ_IMPLIES_EXEC, no ADDR_NO_RANDOMIZE).
 * SysV IPC, ownership and xattr writes: EPERM unless the policy opts in.
 * The calls it answers are routed by a binary tree on the number; the
 * rest are allowed here (the deny list decides them).
 * One program rather than two: each attached filter costs a pass of the
 * kernel's action-cache emulation at start and a run on every syscall. */
static int build_main(struct sc_prog *out, const struct policy *p,
		      int notify)
{
	const int net = notify ? L_NOTIF : L_ALLOW;
	const int dns = notify && p->dns;
	struct route rt[64];
	struct bpf_asm a;
	int n = 0;

	memset(&a, 0, sizeof(a));
	a.p = out;
	a.nlabels = L__N;
	route_add(rt, &n, SYS_connect, net);
	route_add(rt, &n, SYS_socket, L_SOCK);
	if (dns) {
		route_add(rt, &n, SYS_bind, L_BIND);
		route_add(rt, &n, SYS_sendto, L_SENDTO);
		route_add(rt, &n, SYS_recvfrom, L_ADDR);
		route_add(rt, &n, SYS_getsockname, L_NOTIF);
		route_add(rt, &n, SYS_setsockopt, L_SOCKOPT);
	}
	route_add(rt, &n, SYS_listen, p->nbind ? L_ALLOW : L_EPERM);
	route_add(rt, &n, SYS_personality, L_PERS);
	route_add(rt, &n, SYS_socketpair, L_PAIR);
	for (size_t i = 0; !p->ipc && i < LEN(ipc_calls); i++)
		route_add(rt, &n, ipc_calls[i], L_EPERM);
	for (size_t i = 0; !p->metadata && i < LEN(meta_calls); i++)
		route_add(rt, &n, meta_calls[i], L_EPERM);
	if (!p->metadata)
		route_add(rt, &n, SYS_ioctl, L_IOCTL);
	arch_check(&a);
	tree(&a, rt, n, L_ALLOW);
	label(&a, L_PAIR);
	LD(&a, args[0]);
	JEQ(&a, AF_UNIX, L_ALLOW, L_REFUSE);
	label(&a, L_SOCK);
	LD(&a, args[0]);
	JEQ(&a, AF_UNIX, L_ALLOW, L_NEXT);
	JEQ(&a, AF_NETLINK, L_NL, L_NEXT);
	JEQ(&a, AF_INET, L_INET, L_NEXT);
	JEQ(&a, AF_INET6, L_INET, L_REFUSE);
	label(&a, L_INET);
	LD(&a, args[1]);
	emit(&a, BPF_ALU | BPF_AND | BPF_K, 0xf, 0, 0);
	JEQ(&a, SOCK_STREAM, L_NEXT, notify ? L_DGRAM : L_REFUSE);
	LD(&a, args[2]);
	JEQ(&a, 0, net, L_NEXT);
	JEQ(&a, IPPROTO_TCP, net, L_REFUSE);
	if (notify) {
		/* UDP: the supervisor's, to hand out a stand-in ("dns on") or
		 * to refuse it saying so (lib/dnsd.c). */
		label(&a, L_DGRAM);
		JEQ(&a, SOCK_DGRAM, L_NEXT, L_REFUSE);
		LD(&a, args[2]);
		JEQ(&a, 0, L_NOTIF, L_NEXT);
		JEQ(&a, IPPROTO_UDP, L_NOTIF, L_REFUSE);
	}
	if (dns) {
		/* The calls that carry an Internet address on a stand-in:
		 * bind() and sendto() with the length of a sockaddr_in or
		 * sockaddr_in6, recvfrom() with an address. */
		label(&a, L_BIND);
		LD(&a, args[2]);
		JEQ(&a, sizeof(struct sockaddr_in), L_NOTIF, L_NEXT);
		JEQ(&a, sizeof(struct sockaddr_in6), L_NOTIF, L_ALLOW);
		label(&a, L_SENDTO);
		LD(&a, args[5]);
		JEQ(&a, sizeof(struct sockaddr_in), L_ADDR, L_NEXT);
		JEQ(&a, sizeof(struct sockaddr_in6), L_ADDR, L_ALLOW);
		/* setsockopt() at the IP levels (glibc's resolver gives up
		 * when IP_RECVERR fails, as it would on AF_UNIX). */
		label(&a, L_SOCKOPT);
		LD(&a, args[1]);
		JEQ(&a, IPPROTO_IP, L_NOTIF, L_NEXT);
		JEQ(&a, IPPROTO_IPV6, L_NOTIF, L_NEXT);
		/* SO_REUSEPORT: Internet sockets only (dig aborts without) */
		JEQ(&a, SOL_SOCKET, L_NEXT, L_ALLOW);
		LD(&a, args[2]);
		JEQ(&a, SO_REUSEPORT, L_NOTIF, L_ALLOW);
		label(&a, L_ADDR);
		LD(&a, args[4]);
		JEQ(&a, 0, L_NEXT, L_NOTIF);
		emit(&a, BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, args[4]) + 4, 0, 0);
		JEQ(&a, 0, L_ALLOW, L_NOTIF);
	}
	label(&a, L_NL);
	LD(&a, args[2]);
	JEQ(&a, 0 /* NETLINK_ROUTE */, L_ALLOW, L_REFUSE);
	label(&a, L_PERS);
	LD(&a, args[0]);
	JEQ(&a, 0 /* PER_LINUX */, L_ALLOW, L_NEXT);
	JEQ(&a, 0xffffffff /* query */, L_ALLOW, L_EPERM);
	/* The cmd is an unsigned int: its low 32 bits, as the kernel. */
	label(&a, L_IOCTL);
	LD(&a, args[1]);
	JEQ(&a, 0x40086602 /* FS_IOC_SETFLAGS */, L_EPERM, L_NEXT);
	JEQ(&a, 0x40046602 /* FS_IOC32_SETFLAGS */, L_EPERM, L_NEXT);
	JEQ(&a, 0x401c5820 /* FS_IOC_FSSETXATTR */, L_EPERM, L_ALLOW);
	if (notify) {
		label(&a, L_NOTIF);
		RET(&a, SECCOMP_RET_USER_NOTIF);
	}
	label(&a, L_ALLOW);
	RET(&a, SECCOMP_RET_ALLOW);
	label(&a, L_REFUSE);
	RET(&a, SECCOMP_RET_ERRNO | EACCES);
	label(&a, L_EPERM);
	RET(&a, SECCOMP_RET_ERRNO | EPERM);
	return assemble(&a);
}

/* deny then main, one program. Loading it costs one JIT compile where
 * two filters cost two (about 70 us of each start on this machine), and
 * it decides as the two would: the kernel takes the strongest action of
 * its filters (KILL > ERRNO > USER_NOTIF > ALLOW), and the most recent
 * one's data among equals, which was deny's. Here deny's every verdict
 * stands but ALLOW, which jumps to main: deny KILL or ERRNO wins as
 * before; where deny allows, main's verdict is the only one. main never
 * kills, and neither reads the scratch memory or returns A, so nothing
 * deny leaves behind reaches main (tests/unit/filter_test.c runs both
 * ways over every call). -E2BIG, or -EINVAL if that stops being true. */
static int build_one(struct sc_prog *one, const struct sc_prog *deny,
		     const struct sc_prog *main)
{
	if (deny->len + main->len > SC_MAX_INSNS)
		return -E2BIG;
	for (int i = 0; i < main->len; i++) {
		const struct sock_filter *f = &main->insns[i];

		if (BPF_CLASS(f->code) == BPF_RET &&
		    (BPF_RVAL(f->code) != BPF_K ||
		     (f->k & SECCOMP_RET_ACTION_FULL) ==
			     SECCOMP_RET_KILL_PROCESS ||
		     (f->k & SECCOMP_RET_ACTION_FULL) ==
			     SECCOMP_RET_KILL_THREAD))
			return -EINVAL;
		if ((BPF_CLASS(f->code) == BPF_LD ||
		     BPF_CLASS(f->code) == BPF_LDX) &&
		    BPF_MODE(f->code) == BPF_MEM)
			return -EINVAL;
	}
	one->len = (unsigned short)(deny->len + main->len);
	for (int i = 0; i < deny->len; i++) {
		struct sock_filter f = deny->insns[i];

		if (BPF_CLASS(f.code) == BPF_RET && BPF_RVAL(f.code) != BPF_K)
			return -EINVAL;
		if (BPF_CLASS(f.code) == BPF_RET && f.k == SECCOMP_RET_ALLOW)
			f = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
				(unsigned)(deny->len - i - 1), 0, 0);
		one->insns[i] = f;
	}
	memcpy(one->insns + deny->len, main->insns,
	       (size_t)main->len * sizeof(main->insns[0]));
	return 0;
}

int seccomp_build(struct sc_plan *pl, const struct policy *p, int notify)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	if ((r = build_main(&pl->main, p, notify)) < 0)
		return r;
	if (sizeof(deny_bpf) > sizeof(pl->deny.insns))
		return -E2BIG;
	memcpy(pl->deny.insns, deny_bpf, sizeof(deny_bpf));
	pl->deny.len = (unsigned short)(sizeof(deny_bpf) / sizeof(deny_bpf[0]));
	return build_one(&pl->one, &pl->deny, &pl->main);
}

/* ---- the helpers' allow-lists ---- */

static int trap_log_fd = -1;
static const char *trap_who = "";

/* Async-signal-safe: one event, then out. The kernel says which call in
 * si_syscall (SECCOMP_RET_TRAP). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct log_ev e;

	(void)sig;
	(void)uc;
	log_begin(&e, "error");
	log_s(&e, "layer", "self");
	log_s(&e, "helper", trap_who);
	if (si->si_code == 1 /* SYS_SECCOMP */) {
		log_s(&e, "reason", "a system call outside the helper's "
		      "allow-list (a bug of sb: report it with this number); "
		      "the helper exits and the sandbox fails closed");
		log_i(&e, "syscall", si->si_syscall);
	} else {
		log_s(&e, "reason", "SIGSYS sent from outside: the helper "
		      "exits and the sandbox fails closed");
		log_i(&e, "from_pid", si->si_pid);
	}
	(void)log_end(&e, trap_log_fd >= 0 ? trap_log_fd : 2);
	_exit(128 + SIGSYS);
}

int sc_helper_len(int which)
{
	return which == SC_SUPER ? (int)LEN(super_allow_bpf)
				 : (int)LEN(proxy_allow_bpf);
}

int sc_confine_helper(int which, int log_fd)
{
	struct sock_fprog fp;
	struct sigaction sa;

	trap_log_fd = log_fd;
	trap_who = which == SC_SUPER ? "sb-notifyd" : "sb-proxy";
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -errno;
	if (sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0) < 0)
		return -errno;
	if (which == SC_SUPER) {
		fp.len = (unsigned short)LEN(super_allow_bpf);
		fp.filter = (struct sock_filter *)super_allow_bpf;
	} else {
		fp.len = (unsigned short)LEN(proxy_allow_bpf);
		fp.filter = (struct sock_filter *)proxy_allow_bpf;
	}
	return sys_seccomp_filter(0, &fp);
}

int sc_load(const struct sc_prog *prog, unsigned flags)
{
	struct sock_fprog fp = { prog->len, (struct sock_filter *)prog->insns };

	return sys_seccomp_filter(flags, &fp);
}
