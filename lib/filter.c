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
#include "sys.h"

/* The deny list: a BPF program generated at build time by
 * scripts/gen-deny.c with libseccomp, which knows every syscall number and
 * refuses non-native architectures and x32 numbers in its prologue. It
 * depends on no policy, so no sandbox pays for building it. */
#include "deny_bpf.h"

/* A tiny assembler for the hand-written programs: forward jumps to
 * labels, resolved at the end, so no offset is counted by hand. */
enum { L_NEXT, L_ALLOW, L_REFUSE, L_EPERM, L_NOTIF, L_SOCK, L_INET, L_NL,
       L_PERS, L__N };

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

/* The hand-written program, stacked before the deny list.
 *
 * The supervisor's contract, when notify is set: every socket() of an
 * Internet family that passes the checks below and every connect() return
 * USER_NOTIF - nothing else, so the data path never leaves the kernel.
 *
 * socket(): AF_UNIX; AF_INET/AF_INET6 stream TCP; AF_NETLINK NETLINK_ROUTE
 * (getifaddrs needs it). Everything else - UDP, packet, raw, ICMP, vsock,
 * MPTCP (262), SCTP - is refused in the kernel, before the supervisor sees
 * it. UDP stays refused even with "dns on": a UDP socket bound to "lo"
 * still leaves by another interface through an IP_PKTINFO control
 * message, so DNS must be answered without handing one out.
 * socketpair(): AF_UNIX only.
 * listen(): on an unbound socket it autobinds to a random port, past
 * Landlock's bind rule, so only a policy with bind ports may listen.
 * personality(): only the query and PER_LINUX, as Docker's profile (no
 * READ_IMPLIES_EXEC, no ADDR_NO_RANDOMIZE).
 * One program rather than two: each attached filter costs a pass of the
 * kernel's action-cache emulation at start and a run on every syscall. */
static int build_main(struct sc_prog *out, const struct policy *p,
		      int notify)
{
	const int net = notify ? L_NOTIF : L_ALLOW;
	struct bpf_asm a;

	memset(&a, 0, sizeof(a));
	a.p = out;
	arch_check(&a);
	JEQ(&a, SYS_connect, net, L_NEXT);
	JEQ(&a, SYS_socket, L_SOCK, L_NEXT);
	JEQ(&a, SYS_listen, p->nbind ? L_ALLOW : L_EPERM, L_NEXT);
	JEQ(&a, SYS_personality, L_PERS, L_NEXT);
	JEQ(&a, SYS_socketpair, L_NEXT, L_ALLOW);
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
	JEQ(&a, SOCK_STREAM, L_NEXT, L_REFUSE);
	LD(&a, args[2]);
	JEQ(&a, 0, net, L_NEXT);
	JEQ(&a, IPPROTO_TCP, net, L_REFUSE);
	label(&a, L_NL);
	LD(&a, args[2]);
	JEQ(&a, 0 /* NETLINK_ROUTE */, L_ALLOW, L_REFUSE);
	label(&a, L_PERS);
	LD(&a, args[0]);
	JEQ(&a, 0 /* PER_LINUX */, L_ALLOW, L_NEXT);
	JEQ(&a, 0xffffffff /* query */, L_ALLOW, L_EPERM);
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
	return 0;
}

int sc_load(const struct sc_prog *prog, unsigned flags)
{
	struct sock_fprog fp = { prog->len, (struct sock_filter *)prog->insns };

	return sys_seccomp_filter(flags, &fp);
}
