/* lib/probe.h - what the kernel offers, found by trying (in a forked child
 * wherever trying changes state), and what confines the calling process. */
#ifndef SB_PROBE_H
#define SB_PROBE_H

#include <stdint.h>

#define PROBE_FEATURES(X) \
	X(LANDLOCK, "landlock") \
	X(LANDLOCK_REFER, "landlock-refer") \
	X(LANDLOCK_TRUNCATE, "landlock-truncate") \
	X(LANDLOCK_NET, "landlock-net") \
	X(LANDLOCK_IOCTL_DEV, "landlock-ioctl-dev") \
	X(LANDLOCK_SCOPE, "landlock-scope") \
	X(LANDLOCK_AUDIT, "landlock-audit") \
	X(LANDLOCK_TSYNC, "landlock-tsync") \
	X(LANDLOCK_UNIX, "landlock-unix-socket") \
	X(SECCOMP, "seccomp") \
	X(SECCOMP_TSYNC, "seccomp-tsync") \
	X(SECCOMP_NOTIFY, "seccomp-notify") \
	X(SECCOMP_ADDFD, "seccomp-addfd") \
	X(SECCOMP_ADDFD_SEND, "seccomp-addfd-send") \
	X(SECCOMP_WAIT_KILLABLE, "seccomp-wait-killable") \
	X(SECCOMP_SYNC_WAKEUP, "seccomp-sync-wakeup") \
	X(PIDFD_OPEN, "pidfd-open") \
	X(PIDFD_THREAD, "pidfd-thread") \
	X(PIDFD_GETFD, "pidfd-getfd") \
	X(PROCESS_VM_READV, "process-vm-readv") \
	X(PROC_MEM, "proc-mem") \
	X(SUPERVISOR_READ, "supervisor-read") \
	X(USER_NS, "user-ns") \
	X(IO_URING, "io-uring") \
	X(MPTCP, "mptcp")

#define X(id, name) PF_##id,
enum probe_feature { PROBE_FEATURES(X) PF__N };
#undef X

extern const char *const probe_names[PF__N];

struct probe_self {
	int no_new_privs;
	int seccomp_mode;        /* 0 off, 1 strict, 2 filter */
	int seccomp_filters;     /* -1 when /proc does not say */
	unsigned uid, euid, gid, egid;
	uint64_t cap_eff, cap_prm, cap_inh, cap_bnd, cap_amb;
};

/* --self: each layer, whether it holds, and how that was found. */
enum { PL_LANDLOCK_FS, PL_LANDLOCK_NET, PL_LANDLOCK_SCOPE, PL_SECCOMP,
       PL_SECCOMP_NOTIFY, PL_PROXY, PL__N };
extern const char *const probe_layer_names[PL__N];

struct probe_layer {
	int active;              /* 1 yes, 0 no, -1 cannot tell */
	char how[96];
};

struct probe_report {
	int landlock_abi;        /* 0 when Landlock is absent or disabled */
	int landlock_errata;     /* bitmask, -1 when the query is refused */
	unsigned char have[PF__N];
	char release[65];
	struct probe_self self;
	struct probe_layer layer[PL__N];
};

void probe_kernel(struct probe_report *r);
/* Only the seccomp part (filter, notification, ADDFD, flags). */
void probe_seccomp(struct probe_report *r);
void probe_self(struct probe_report *r);
void probe_confinement(struct probe_report *r);
/* Index of a feature name, or -1. */
int probe_find(const char *name);

#endif
