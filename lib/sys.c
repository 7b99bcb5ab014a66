/* lib/sys.c - raw syscalls. Since Linux 5.1 a new syscall has one number on
 * every architecture but alpha, so the fallbacks below hold everywhere sb
 * builds. Each wrapper returns >= 0 or -errno. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

/* open(2) as the kernel has it: libc's open() follows an O_CLOEXEC open
 * with fcntl(F_SETFD) for kernels before 2.6.23, one call more for every
 * file sb opens (a /proc read a decision, a Landlock rule a path). errno
 * is set too, as by open(). */
int sys_open(const char *path, int flags, unsigned mode)
{
	return (int)sys_ret(syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}

int sys_landlock_create_ruleset(const struct sb_ll_ruleset_attr *a,
				size_t size, uint32_t flags)
{
	return (int)sys_ret(syscall(SYS_landlock_create_ruleset, a, size,
				    flags));
}

int sys_landlock_add_rule(int fd, int type, const void *attr)
{
	return (int)sys_ret(syscall(SYS_landlock_add_rule, fd, type, attr, 0));
}

int sys_landlock_restrict_self(int fd, uint32_t flags)
{
	return (int)sys_ret(syscall(SYS_landlock_restrict_self, fd, flags));
}

int sys_landlock_abi(void)
{
	return sys_landlock_create_ruleset(0, 0,
					   LANDLOCK_CREATE_RULESET_VERSION);
}

int sys_seccomp(unsigned op, unsigned flags, void *arg)
{
	return (int)sys_ret(syscall(SYS_seccomp, op, flags, arg));
}

int sys_seccomp_filter(unsigned flags, const struct sock_fprog *p)
{
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, (void *)p);
}

int sys_notif_ioctl(int fd, unsigned long req, void *arg)
{
	return (int)sys_ret(syscall(SYS_ioctl, fd, req, arg));
}

int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)sys_ret(syscall(SYS_pidfd_open, pid, flags));
}

int sys_pidfd_getfd(int pidfd, int fd)
{
	return (int)sys_ret(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)sys_ret(syscall(SYS_pidfd_send_signal, pidfd, sig, 0, 0));
}

ssize_t sys_process_vm_readv(pid_t pid, void *dst, const void *src,
			     size_t n)
{
	struct iovec l = { dst, n }, r = { (void *)src, n };

	return sys_ret(syscall(SYS_process_vm_readv, pid, &l, 1, &r, 1, 0));
}

int sys_io_uring_setup(unsigned entries, void *params)
{
	return (int)sys_ret(syscall(SYS_io_uring_setup, entries, params));
}

int sys_unshare(int flags)
{
	return (int)sys_ret(syscall(SYS_unshare, flags));
}

int sys_prctl(int op, unsigned long a, unsigned long b, unsigned long c)
{
	return (int)sys_ret(syscall(SYS_prctl, op, a, b, c, 0));
}

int sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	return (int)sys_ret(syscall(SYS_close_range, first, last, flags));
}

pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

int sys_memfd_create(const char *name, unsigned flags)
{
	return (int)sys_ret(syscall(SYS_memfd_create, name, flags));
}

/* Capability sets (capget(2)): the supervisor keeps CAP_SYS_PTRACE lowered
 * so that a non-dumpable target is refused whoever runs it. */
int sys_capget(void *hdr, void *data)
{
	return (int)sys_ret(syscall(SYS_capget, hdr, data));
}

int sys_capset(void *hdr, const void *data)
{
	return (int)sys_ret(syscall(SYS_capset, hdr, data));
}

/* One byte and one descriptor over a UNIX socket (SCM_RIGHTS): how a
 * seccomp listener travels, since sendmsg is never notified. */
int sys_send_fd(int sock, int fd, char byte)
{
	union {
		struct cmsghdr h;
		char mem[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec io = { &byte, 1 };
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	memset(&cm, 0, sizeof(cm));
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = cm.mem;
	m.msg_controllen = sizeof(cm.mem);
	CMSG_FIRSTHDR(&m)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&m)->cmsg_type = SCM_RIGHTS;
	CMSG_FIRSTHDR(&m)->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(CMSG_FIRSTHDR(&m)), &fd, sizeof(int));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int sys_recv_fd(int sock, char *byte)
{
	union {
		struct cmsghdr h;
		char mem[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec io = { byte, 1 };
	struct msghdr m;
	struct cmsghdr *h;
	ssize_t n;
	int fd;

	memset(&m, 0, sizeof(m));
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = cm.mem;
	m.msg_controllen = sizeof(cm.mem);
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	h = CMSG_FIRSTHDR(&m);
	if (n != 1 || !h || h->cmsg_level != SOL_SOCKET ||
	    h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int)))
		return n == 0 ? -ECONNRESET : -EPROTO;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

int sys_epoll_add(int epfd, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e;

	memset(&e, 0, sizeof(e));
	e.events = events;
	e.data.u64 = data;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}
