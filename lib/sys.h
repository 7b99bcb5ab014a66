/* lib/sys.h - the one home for raw syscalls, and the kernel constants newer
 * than the Debian 12 (6.1) UAPI headers. Every wrapper returns >= 0 or
 * -errno, the kernel's convention. See ../shared/KERNEL-NOTES.md. */
#ifndef SB_SYS_H
#define SB_SYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>

/* ---- Landlock (include/uapi/linux/landlock.h) ---- */
#ifndef LANDLOCK_CREATE_RULESET_ERRATA
#define LANDLOCK_CREATE_RULESET_ERRATA (1U << 1)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
/* ABI 9 (not yet in a release): pathname UNIX sockets. Gated on the ABI. */
#define SB_LL_FS_RESOLVE_UNIX (1ULL << 16)
#define SB_LL_RULE_PATH_BENEATH 1
#define SB_LL_RULE_NET_PORT 2
#define SB_LL_NET_BIND_TCP (1ULL << 0)
#define SB_LL_NET_CONNECT_TCP (1ULL << 1)
#define SB_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define SB_LL_SCOPE_SIGNAL (1ULL << 1)
#define SB_LL_LOG_SAME_EXEC_OFF (1U << 0)
#define SB_LL_LOG_NEW_EXEC_ON (1U << 1)
#define SB_LL_LOG_SUBDOMAINS_OFF (1U << 2)
#define SB_LL_RESTRICT_TSYNC (1U << 3)

/* Our own copies: the 6.1 header's ruleset_attr lacks net and scoped. */
struct sb_ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;   /* ABI 4 */
	uint64_t scoped;               /* ABI 6 */
};
struct sb_ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));
struct sb_ll_net_port {
	uint64_t allowed_access;
	uint64_t port;
};

/* ---- seccomp (include/uapi/linux/seccomp.h) ---- */
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SETFD
#define SECCOMP_ADDFD_FLAG_SETFD (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif
#define SB_NOTIF_RECV 0xc0502100UL
#define SB_NOTIF_SEND 0xc0182101UL
#define SB_NOTIF_ID_VALID 0x40082102UL
#define SB_NOTIF_ADDFD 0x40182103UL
#define SB_NOTIF_SET_FLAGS 0x40082104UL

struct sb_notif_addfd {
	uint64_t id;
	uint32_t flags;
	uint32_t srcfd;
	uint32_t newfd;
	uint32_t newfd_flags;
};

/* ---- pidfd ---- */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD 0x80   /* O_EXCL: 6.9 */
#endif

/* ---- wrappers ---- */
int sys_landlock_create_ruleset(const struct sb_ll_ruleset_attr *a,
				size_t size, uint32_t flags);
int sys_landlock_add_rule(int fd, int type, const void *attr);
int sys_landlock_restrict_self(int fd, uint32_t flags);
int sys_landlock_abi(void);
int sys_seccomp(unsigned op, unsigned flags, void *arg);
int sys_seccomp_filter(unsigned flags, const struct sock_fprog *p);
int sys_notif_ioctl(int fd, unsigned long req, void *arg);
int sys_pidfd_open(pid_t pid, unsigned flags);
int sys_pidfd_getfd(int pidfd, int fd);
int sys_pidfd_send_signal(int pidfd, int sig);
ssize_t sys_process_vm_readv(pid_t pid, void *dst, const void *src,
			     size_t n);
int sys_io_uring_setup(unsigned entries, void *params);
int sys_unshare(int flags);
int sys_prctl(int op, unsigned long a, unsigned long b, unsigned long c);
int sys_close_range(unsigned first, unsigned last, unsigned flags);
/* open(2) without libc's extra fcntl for O_CLOEXEC; errno is set too. */
int sys_open(const char *path, int flags, unsigned mode);
pid_t sys_gettid(void);
int sys_memfd_create(const char *name, unsigned flags);
/* hdr: struct __user_cap_header_struct, data: __user_cap_data_struct[2] */
int sys_capget(void *hdr, void *data);
int sys_capset(void *hdr, const void *data);

/* epoll_ctl(EPOLL_CTL_ADD) with a 64-bit tag. 0 or -errno. */
int sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
/* One byte and one fd over a UNIX socket (SCM_RIGHTS). 0 / the fd, or
 * -errno (-ECONNRESET at EOF, -EPROTO without exactly one fd). */
int sys_send_fd(int sock, int fd, char byte);
int sys_recv_fd(int sock, char *byte);

#endif
