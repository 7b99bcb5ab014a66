/* lib/notify.h - the seccomp user-notification supervisor (SPEC
 * "sb-notifyd"): it hands out sockets confined to the loopback device and
 * decides every connect() of the sandbox by address, on its own reference
 * to the socket. See ../shared/KERNEL-NOTES.md section 2.
 *
 * The contract with the notify filter (lib/filter.c): it returns
 * SECCOMP_RET_USER_NOTIF for socket(AF_INET or AF_INET6, ...) and for every
 * connect(); nothing else reaches the supervisor. x86_64 only. The deny
 * filter must refuse sendto/sendmsg with MSG_FASTOPEN (an implicit connect
 * the supervisor never sees) and, with it, process_vm_writev, ptrace,
 * pidfd_getfd and userfaultfd.
 *
 * What sb-exec does (embedded supervisor):
 *	parent: PR_SET_DUMPABLE 0 before forking anything: whoever holds
 *	        the listener must be non-dumpable before the command runs
 *	        (notify_init does it for the supervisor, but only once it
 *	        gets there); the command is dumpable again after execve.
 *	child:  no_new_privs, Landlock, then the notify filter with
 *	        SECCOMP_FILTER_FLAG_NEW_LISTENER (| WAIT_KILLABLE_RECV where
 *	        the kernel has it), then the deny filter; send the listener
 *	        over a socketpair made before fork (SCM_RIGHTS: sendmsg is not
 *	        notified), wait for one byte of ack, close the listener and
 *	        the socketpair (the command must hold no copy), execve.
 *	        Landlock's TCP connect rule needs no port at all while the
 *	        supervisor runs (it connects the proxy and direct
 *	        destinations itself, outside the domain): allowing none
 *	        closes the last gap of the AF_UNIX CONTINUE (see notify.c).
 *	parent: receive the listener; fork the supervisor, which does
 *		struct notify_ctx *n = malloc(sizeof(*n));   (about 110 KiB)
 *		notify_init(n, &policy, &pins, log_fd);
 *		notify_add_listener(n, listener);
 *		close(listener);
 *		_exit(notify_run(n, -1) < 0 ? 125 : 0);
 *	        then the parent closes its own copy of the listener, sends
 *	        the ack, and goes on reaping: the supervisor's notify_run
 *	        returns once every task of the sandbox has exited (the kernel
 *	        raises POLLHUP on the listener then, a moment before the last
 *	        one can be reaped), or on SIGTERM.
 *	With --notify-socket PATH instead: notify_send_listener(PATH, fd)
 *	hands the listener to a running sb-notifyd; then close it.
 *
 * Side effects on the calling process, by design: notify_init makes it
 * non-dumpable (the sandbox, same uid, must not ptrace it or take its
 * listeners with pidfd_getfd) and raises the soft RLIMIT_NOFILE towards
 * the hard limit; a supervisor holding CAP_SYS_PTRACE lowers it around
 * each read of a same-uid target's memory, so that a non-dumpable target
 * is refused whoever runs the supervisor. notify_run blocks SIGTERM, SIGINT,
 * SIGHUP, SIGQUIT and SIGPIPE: SIGTERM (and SIGINT with a control socket)
 * makes it return; the others are ignored, so a terminal's ^C does not
 * take the supervisor away from a sandbox that handles it. */
#ifndef SB_NOTIFY_H
#define SB_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

#include "dnsd.h"
#include "ident.h"
#include "pin.h"
#include "policy.h"
#include "sockaddr.h"

#define NOTIFY_MAX_LISTENERS 64     /* sandboxes one supervisor serves */
#define NOTIFY_MAX_SOCKS 1024       /* handed-out sockets not yet connected */
#define NOTIFY_SOCKS_PER_LISTENER 512
#define NOTIFY_MAX_DONE 256         /* connected sockets remembered */
#define NOTIFY_MAX_CTL 8            /* control connections being served */
#define NOTIFY_POOL 4               /* sockets made ahead, per family */

enum notify_verdict { NOTIFY_DENY = 0, NOTIFY_PROXY, NOTIFY_DIRECT,
		      NOTIFY_TRANSPARENT };

struct notify_listener {
	int fd;                     /* -1: free slot */
	int nsocks;
};

/* A socket we handed out and still hold a reference to. */
struct notify_sock {
	int fd;                     /* our reference; -1: free slot */
	int16_t lis;                /* listener (sandbox) it belongs to */
	int ofd;                    /* direct: ours, to take its place; or -1 */
	int tfd;                    /* the target's descriptor number */
	uint8_t state;              /* NS_* in notify.c */
	uint8_t family;             /* AF_INET or AF_INET6 */
	uint8_t type;               /* SOCK_STREAM or SOCK_DGRAM */
	uint8_t nonblock;           /* as it was when connect() came */
	uint8_t undelivered;        /* an answer could not be sent: resend */
	uint8_t watched;            /* fd is in the epoll set */
	uint8_t timeo;              /* deadline is the socket's SO_SNDTIMEO */
	uint8_t seen;               /* reclaim(): in its creator's table */
	uint8_t transparent;        /* ip:port is an allow destination's:
				       connected to the proxy instead */
	uint8_t unbound;            /* fd is our direct socket, not bound to
				       lo, installed while still connecting */
	uint16_t port;              /* the checked destination */
	int uerr;                   /* the undelivered answer */
	pid_t tid;                  /* who asked, for the log */
	uint64_t ino;               /* sockfs inode: what /proc/TID/fd says */
	uint64_t id;                /* notification still to answer, or 0 */
	int64_t born, deadline;     /* CLOCK_MONOTONIC ms */
	struct sb_ip ip;
};

/* A socket connected on the target's behalf, reference dropped: a repeated
 * or re-sent connect() on it gets the answer the kernel would give. */
struct notify_done {
	uint64_t ino;
	int16_t lis;                /* -1: free */
	uint8_t undelivered;
	uint8_t repeats;
	uint8_t nonblock;
	uint16_t port;
	int err;
	struct sb_ip ip;
};

struct notify_ctl {
	int fd;                     /* -1: free */
	int64_t deadline;
};

struct notify_ctx {
	const struct policy *p;
	const struct pin_table *pins; /* &pinned */
	struct pin_table pinned;    /* the caller's pins, and the wildcard
				       names pinned since (dns on) */
	int pin_fd;                 /* to the proxy: struct proxy_pin, or -1 */
	int log_fd;                 /* JSON Lines; -1: none */
	int epfd, sigfd, ctl_fd;
	int ptrace_cap;             /* CAP_SYS_PTRACE held (see read_begin) */
	uint32_t caps[2][3];        /* our capability sets, as capget(2) */
	uid_t euid;                 /* whose targets are "ours" (read_begin) */
	uint8_t mem_how;            /* NOTIFY_MEM_*: how targets are read */
	int ll_abi;                 /* the kernel's Landlock ABI (UNIX connects) */
	int no_signals;             /* a thread of sb-exec: SIGTERM is not ours */
	int who_fd;                 /* to the proxy: struct proxy_who, or -1 */
	int confine;                /* notify_run takes its allow-list */
	int degraded_sync;          /* sync wake-up missing, said once */
	int nlisteners, nsocks;
	int done_next;
	int had_listener;
	int64_t next_deadline;      /* earliest socks[].deadline, or 0 */
	int64_t last_reclaim;
	int since_reclaim;          /* sockets handed out since */
	int evicted;                /* references dropped, not yet logged */
	unsigned notif_size, resp_size;   /* SECCOMP_GET_NOTIF_SIZES */
	struct notify_listener lis[NOTIFY_MAX_LISTENERS];
	struct notify_sock socks[NOTIFY_MAX_SOCKS];
	struct notify_done done[NOTIFY_MAX_DONE];
	struct notify_ctl ctl[NOTIFY_MAX_CTL];
	int npool[2];               /* [0] AF_INET, [1] AF_INET6 */
	int pool[2][NOTIFY_POOL];
	uint64_t pool_ino[2][NOTIFY_POOL];
	struct dnsd dns;             /* "dns on": lib/dnsd.c */
	/* Rules per binary (lib/ident.h): the pins, and who made the
	 * notification being handled (cur.tid 0: not looked at). */
	struct ident ident;
	struct ident_who cur;
	pid_t exe_tid;              /* exe: /proc/EXE_TID/exe, read once a */
	char exe[256];              /* notification (log, proxy record) */
};

/* Prepare n: the policy stays the caller's and must outlive n; pins are
 * copied (n->pinned: wildcard names the proxy pins later join them), and
 * may be NULL (no pinned names). log_fd < 0 logs nothing. 0 or -errno. */
int notify_init(struct notify_ctx *n, const struct policy *p,
		const struct pin_table *pins, int log_fd);
enum { NOTIFY_MEM_VM = 1, NOTIFY_MEM_PROC };

/* Read targets with the file-system identity uid:gid: a root supervisor
 * without CAP_SYS_PTRACE (any container's root) serving a command run as
 * another user passes the ptrace access check of /proc/TID/mem and
 * /proc/TID/fd this way, while staying uid 0 for everything else (the
 * command cannot signal it, or set its limits). 0 or -errno. */
int notify_target_ids(struct notify_ctx *n, uid_t uid, gid_t gid);
/* Read len bytes (<= 64) at addr in process pid, as a connect() address
 * would be read, and compare them with want: 0, -EIO on a mismatch or a
 * short read, or -errno (-EPERM, -EACCES: the runtime or the ptrace
 * access check refuses). sb-exec runs it on a real child with the
 * command's credentials before the command starts. */
int notify_selftest(struct notify_ctx *n, pid_t pid, const void *addr,
		    const void *want, size_t len);
/* "process_vm_readv" or "/proc/PID/mem": what the reads use now. */
const char *notify_mem_how(const struct notify_ctx *n);

/* Serve one more sandbox. The fd is duplicated (the caller closes its
 * own); it must be a seccomp listener (-EINVAL otherwise). Asks for the
 * sync wake-up flag (a "degrade" event where the kernel lacks it). Returns
 * the listener's slot or -errno (-ENOSPC when NOTIFY_MAX_LISTENERS serve). */
int notify_add_listener(struct notify_ctx *n, int listener_fd);
/* A pid field of /proc/TID/status ("Tgid", "PPid"): the pid, or 0. */
pid_t notify_status_pid(pid_t tid, const char *field);
/* The event loop. control_fd: a listening UNIX socket (notify_ctl_socket)
 * that receives further listeners, or -1. Returns 0 on SIGTERM, or, with no
 * control socket, once every listener has hung up; -errno if the loop
 * itself fails. Everything is closed on return. */
int notify_run(struct notify_ctx *n, int control_fd);
/* Release what n holds (notify_run does it too). */
void notify_close(struct notify_ctx *n);

/* The decision, pure: the proxy's address and port -> NOTIFY_PROXY; a
 * `direct` CIDR entry matching ip:port, or a `direct` host entry whose
 * pinned addresses (pins) hold ip -> NOTIFY_DIRECT; but an internal
 * address (sockaddr.h) only when a matching `direct` entry lies wholly in
 * an internal range, as the proxy's rule (a pinned name resolving to
 * 10.1.2.3 needs `direct 10.0.0.0/8:PORT` too), and the IPv4-compatible,
 * NAT64, 6to4 and Teredo forms only so or when pinned; a pinned address
 * of a name an `allow` entry allows on port -> NOTIFY_TRANSPARENT
 * (connected to the proxy, which checks the name the client sends: TLS
 * SNI or HTTP Host); 0.0.0.0, :: and anything else -> NOTIFY_DENY.
 * *why says why, *host names the pin that matched. Wildcard entries match
 * only names already in pins. */
int notify_decide(const struct policy *p, const struct pin_table *pins,
		  const struct sb_ip *ip, uint16_t port, const char **why,
		  const char **host);

/* notify_decide for the binary exe (NULL: not established; only entries
 * for every binary then match): policy.h "rules per binary". */
int notify_decide_by(const struct policy *p, const struct pin_table *pins,
		     const char *exe, const struct sb_ip *ip, uint16_t port,
		     const char **why, const char **host);

/* Standalone mode. The control socket: a SOCK_STREAM UNIX socket at path,
 * mode 0600, refusing peers (SO_PEERCRED) that are neither our uid nor
 * root. A client sends one byte 'L' with the listener as SCM_RIGHTS and
 * reads one byte back: 0 when it was taken, else an errno value. */
int notify_ctl_socket(const char *path);
/* The client side, for sb-exec --notify-socket: 0 or -errno. */
int notify_send_listener(const char *path, int listener_fd);

#endif
