/* lib/notify.c - the seccomp user-notification supervisor: sockets handed
 * out with SECCOMP_IOCTL_NOTIF_ADDFD, connect() decided by address and
 * performed on our own reference; a direct destination gets a socket of
 * ours, connected and installed in place of the target's. One thread, one epoll loop for every sandbox served: nothing
 * here waits on a target except the single memory read of an address (see
 * handle_connect). References: seccomp_unotify(2), ../shared/KERNEL-NOTES.md
 * section 2, SPEC "sb-notifyd". */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>

#include "buf.h"
#include "filter.h"
#include "log.h"
#include "notify.h"
#include "proxy.h"
#include "sb.h"
#include "sys.h"

enum { NS_FREE, NS_FRESH, NS_CONNECTING, NS_DIRECT };
enum { EV_LISTENER = 1, EV_SIGNAL, EV_CTL, EV_CTLCONN, EV_SOCK, EV_DNS };

#define TAG(k, i) ((uint64_t)(k) << 32 | (uint32_t)(i))
/* The longest a connect() is waited for: the kernel's own SYN retries
 * (tcp_syn_retries = 6) give up after about 127 s. */
#define CONNECT_MS 130000
#define CTL_MS 2000             /* a control client has this to send */
#define REF_TTL_MS 60000        /* unconnected references, under pressure */
#define RECLAIM_FDS 4096        /* fd table entries reclaim() reads */
#define NOTIF_BUF 256           /* >= SECCOMP_GET_NOTIF_SIZES' answers */
#define RESP_BUF 64

/* tcp_info.tcpi_state (include/net/tcp_states.h) */
#define TCPS_SYN_SENT 2
#define TCPS_SYN_RECV 3
#define TCPS_CLOSE 7

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* "/proc/TID[/what[/fd]]" */
static const char *proc_path(char *mem, size_t cap, pid_t tid,
			     const char *what, int fd)
{
	struct buf b;

	buf_init(&b, mem, cap);
	buf_puts(&b, "/proc/");
	buf_puti(&b, tid);
	if (what) {
		buf_putc(&b, '/');
		buf_puts(&b, what);
	}
	if (fd >= 0) {
		buf_putc(&b, '/');
		buf_puti(&b, fd);
	}
	return buf_str(&b);
}

static int ep_add(struct notify_ctx *n, int fd, uint32_t ev, uint64_t tag)
{
	return sys_epoll_add(n->epfd, fd, ev, tag);
}

/* Always before closing a file the target shares: an epoll item lives as
 * long as the file, not our descriptor. */
static void ep_del(struct notify_ctx *n, int fd)
{
	if (fd >= 0)
		(void)epoll_ctl(n->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* ---- reading the target ----------------------------------------------- */

/* Lower or raise CAP_SYS_PTRACE in the effective set, from the sets
 * notify_init read (nothing else here changes them). */
static int cap_ptrace(struct notify_ctx *n, int on)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];

	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	for (int i = 0; i < 2; i++) {
		d[i].effective = n->caps[i][0];
		d[i].permitted = n->caps[i][1];
		d[i].inheritable = n->caps[i][2];
	}
	if (!on)
		d[0].effective &= ~(1U << CAP_SYS_PTRACE);
	return sys_capset(&h, d);
}

/* Reading a target's memory passes the ptrace access check (ptrace(2),
 * "Ptrace access mode checking"). CAP_SYS_PTRACE would pass it even for a
 * target that made itself non-dumpable, so a supervisor holding it lowers
 * it for the read when the target looks like one of its own uid: /proc/TID
 * belongs to the target's euid while it is dumpable, and to root when it
 * is not. A non-dumpable target is then refused whoever runs the
 * supervisor; a dumpable one of another uid is read with the capability.
 * (The /proc/TID/fd lookups check the caller's effective capabilities
 * against the target's permitted set, so they keep it.) Returns whether
 * the capability was lowered. */
static int read_begin(struct notify_ctx *n, pid_t tid)
{
	char path[32];
	struct stat st;

	if (!n->ptrace_cap)
		return 0;
	if (stat(proc_path(path, sizeof(path), tid, NULL, -1), &st) < 0 ||
	    st.st_uid != n->euid)
		return 0;
	return cap_ptrace(n, 0) == 0;
}

static void read_end(struct notify_ctx *n, int lowered)
{
	if (lowered)
		(void)cap_ptrace(n, 1);
}

static int id_valid(struct notify_ctx *n, int li, uint64_t id);

/* The one read of a target's memory, into our own buffer: bytes read or
 * -errno; -ENOENT when notification id (0: none) died meanwhile.
 * process_vm_readv is one call, but the runtimes' default seccomp
 * profiles (Docker's, containerd's) refuse it without CAP_SYS_PTRACE and
 * it checks our real uid; /proc/TID/mem is allowed everywhere and checks
 * our fsuid. The kernel's ptrace access check guards both. The file is
 * opened per read: it names the address space of the moment it was
 * opened (an execve replaces it), and ID_VALID after the open proves the
 * TID was still our blocked target then. A short read is the caller's to
 * refuse. */
static ssize_t target_read(struct notify_ctx *n, int li, uint64_t id,
			   pid_t tid, void *dst, uint64_t src, size_t len)
{
	char path[32];
	ssize_t got;
	int fd;

	if (n->mem_how == NOTIFY_MEM_VM) {
		got = sys_process_vm_readv(tid, dst, (const void *)(uintptr_t)
					   src, len);
		if (got != -EPERM && got != -ENOSYS)
			return got;
	}
	fd = sys_open(proc_path(path, sizeof(path), tid, "mem", -1),
		      O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (id && !id_valid(n, li, id)) {
		(void)close(fd);
		return -ENOENT;
	}
	if (src > (uint64_t)INT64_MAX)
		got = -EFAULT;                  /* no user address */
	else if ((got = pread(fd, dst, len, (off_t)src)) < 0)
		got = errno == EIO ? -EFAULT : -errno;   /* unmapped: EIO */
	(void)close(fd);
	if (got >= 0 && n->mem_how == NOTIFY_MEM_VM)
		n->mem_how = NOTIFY_MEM_PROC;   /* the runtime refuses the other */
	return got;
}

int notify_target_ids(struct notify_ctx *n, uid_t uid, gid_t gid)
{
	(void)setfsgid(gid);
	(void)setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid ||
	    (gid_t)setfsgid((gid_t)-1) != gid)
		return -EPERM;
	n->euid = uid;
	/* process_vm_readv checks the real uid, which stays ours. */
	if (!n->ptrace_cap)
		n->mem_how = NOTIFY_MEM_PROC;
	return 0;
}

int notify_selftest(struct notify_ctx *n, pid_t pid, const void *addr,
		    const void *want, size_t len)
{
	char got[64];
	int lowered;
	ssize_t r;

	if (len > sizeof(got))
		return -EINVAL;
	lowered = read_begin(n, pid);
	r = target_read(n, -1, 0, pid, got, (uint64_t)(uintptr_t)addr, len);
	read_end(n, lowered);
	if (r < 0)
		return (int)r;
	return (size_t)r == len && !memcmp(got, want, len) ? 0 : -EIO;
}

const char *notify_mem_how(const struct notify_ctx *n)
{
	return n->mem_how == NOTIFY_MEM_VM ? "process_vm_readv"
					   : "/proc/PID/mem";
}

/* Which socket the target's fd names: /proc/TID/fd/FD of the very thread
 * that asked (notif.pid is a TID, and a thread that unshared its fd table,
 * or was cloned without CLONE_FILES, has a table of its own). 0 with *ino,
 * or -EBADF, -ENOTSOCK, -EACCES (not allowed to look: non-dumpable). */
static int target_fd_ino(pid_t tid, int fd, uint64_t *ino)
{
	char path[48], link[64];
	ssize_t len;
	uint64_t v = 0;

	if (fd < 0)
		return -EBADF;
	len = readlink(proc_path(path, sizeof(path), tid, "fd", fd), link,
		       sizeof(link) - 1);
	if (len < 0)
		return errno == ENOENT ? -EBADF : -EACCES;
	if (len < 10 || memcmp(link, "socket:[", 8) || link[len - 1] != ']')
		return -ENOTSOCK;
	for (ssize_t i = 8; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9' || v > UINT64_MAX / 16)
			return -ENOTSOCK;
		v = v * 10 + (uint64_t)(link[i] - '0');
	}
	*ino = v;
	return 0;
}

/* sockfs names each socket's dentry after its protocol ("UNIX",
 * "UNIX-STREAM", "TCP", "TCPv6", ...) and shows it as the xattr
 * system.sockprotoname (net/socket.c). */
static int target_fd_is_unix(pid_t tid, int fd)
{
	char path[48], name[32];
	ssize_t len;

	len = getxattr(proc_path(path, sizeof(path), tid, "fd", fd),
		       "system.sockprotoname", name, sizeof(name) - 1);
	if (len < 4)
		return 0;
	return !memcmp(name, "UNIX", 4);
}

/* ---- answers and the log ---------------------------------------------- */

static int answer(struct notify_ctx *n, int li, uint64_t id, int err,
		  uint32_t flags)
{
	union {
		struct seccomp_notif_resp r;
		char mem[RESP_BUF];
	} u;

	memset(&u, 0, sizeof(u));
	u.r.id = id;
	u.r.error = err;
	u.r.flags = flags;
	return sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_SEND, &u);
}

static int id_valid(struct notify_ctx *n, int li, uint64_t id)
{
	return sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_ID_VALID, &id) == 0;
}

struct why {
	const char *event;          /* allow, deny, error */
	const char *sys;            /* socket, connect */
	const char *reason;
	const char *host;
	const struct sb_ip *ip;
	int port;                   /* -1: none */
	const char *mode;           /* "transparent", or NULL */
};

/* The executable of tid, for the log and the proxy's record: read once a
 * notification, whoever asks first. "" if unknown. */
static const char *tid_exe(struct notify_ctx *n, pid_t tid)
{
	char path[32];
	ssize_t len;

	if (n->exe_tid != tid) {
		len = readlink(proc_path(path, sizeof(path), tid, "exe", -1),
			       n->exe, sizeof(n->exe) - 1);
		n->exe[len > 0 ? len : 0] = 0;
		n->exe_tid = tid;
	}
	return n->exe;
}

static void log_target(struct notify_ctx *n, pid_t tid, const struct why *w)
{
	struct log_ev e;
	char text[48];

	if (n->log_fd < 0)
		return;
	log_begin(&e, w->event);
	log_i(&e, "pid", tid);
	if (n->cur.tid == tid && n->cur.exe[0]) {
		/* As decided: the binary, and whether its pin held. */
		log_s(&e, "exe", n->cur.exe);
		if (n->p->nfrom) {
			log_s(&e, "pin", ident_state_name(n->cur.state));
			log_s(&e, "pin_reason", n->cur.why);
		}
	} else if (tid_exe(n, tid)[0]) {
		log_s(&e, "exe", tid_exe(n, tid));
	}
	log_s(&e, "syscall", w->sys);
	log_s(&e, "host", w->host);
	if (w->ip) {
		ip_format(w->ip, text, sizeof(text));
		log_s(&e, "ip", text);
	}
	if (w->port >= 0)
		log_i(&e, "port", w->port);
	log_s(&e, "layer", "seccomp_notify");
	log_s(&e, "mode", w->mode);
	log_s(&e, "reason", w->reason);
	(void)log_end(&e, n->log_fd);
	if (n->p->nfrom && !strcmp(w->event, "deny")) {
		/* The summary per binary (rules per binary). */
		char ipt[48];

		if (w->ip)
			ip_format(w->ip, ipt, sizeof(ipt));
		ident_sum_add(&n->ident, n->cur.tid == tid ? n->cur.exe : "",
			      n->cur.tid == tid ? n->cur.state : IDENT_UNKNOWN,
			      w->host ? w->host : w->ip ? ipt : NULL,
			      w->port > 0 ? w->port : 0);
	}
}

static void deny(struct notify_ctx *n, int li, const struct seccomp_notif *req,
		 const struct why *w, int err)
{
	log_target(n, (pid_t)req->pid, w);
	(void)answer(n, li, req->id, err, 0);
}

static void log_plain(struct notify_ctx *n, const char *event,
		      const char *reason, int err)
{
	struct log_ev e;

	if (n->log_fd < 0)
		return;
	log_begin(&e, event);
	log_s(&e, "layer", "seccomp_notify");
	log_s(&e, "reason", reason);
	if (err)
		log_s(&e, "error", err_str(err));
	(void)log_end(&e, n->log_fd);
}

/* ---- the decision (pure) ---------------------------------------------- */

/* The pinned name through which a direct entry allows ip:port, or NULL.
 * When ip is internal, a name whose entry names it (an exact name pinned
 * to a private address) comes first, and *named says whether one did. */
static const char *pinned_direct(const struct policy *p,
				 const struct pin_table *pins, const char *exe,
				 const struct sb_ip *ip, uint16_t port,
				 int *named)
{
	const char *found = NULL;

	*named = 0;
	if (!pins)
		return NULL;
	for (int i = 0; i < p->ndirect + p->nfrom; i++) {
		const struct dest *d = i < p->ndirect ? &p->direct[i] :
				       &p->from[i - p->ndirect];

		if (i >= p->ndirect &&
		    !policy_from_applies(p, i - p->ndirect, POL_DIRECT, exe))
			continue;       /* another binary's entry */
		if (d->kind == DEST_CIDR)
			continue;
		for (int k = 0; k < pins->n && k < PIN_MAX; k++) {
			const struct pin *pn = &pins->pins[k];
			int j;

			if (pn->port && pn->port != port)
				continue;
			if (!dest_match_host(d, pn->host, port))
				continue;
			for (j = 0; j < pn->nips && j < PIN_MAX_IPS; j++)
				if (ip_equal(&pn->ips[j], ip))
					break;
			if (j == pn->nips || j == PIN_MAX_IPS)
				continue;
			if (policy_names_ip_by(p, exe, POL_DIRECT, pn->host,
					       ip, port)) {
				*named = 1;
				return pn->host;
			}
			if (!found)
				found = pn->host;
		}
	}
	return found;
}

/* The pinned name an allow entry allows on port whose addresses hold ip
 * (transparent mode), or NULL. Whether that name may reach ip (internal
 * addresses) is the proxy's check, as for a CONNECT. */
static const char *pinned_allow(const struct policy *p,
				const struct pin_table *pins, const char *exe,
				const struct sb_ip *ip, uint16_t port)
{
	if (!pins)
		return NULL;
	for (int k = 0; k < pins->n && k < PIN_MAX; k++) {
		const struct pin *pn = &pins->pins[k];

		if (pn->port && pn->port != port)
			continue;
		for (int j = 0; j < pn->nips && j < PIN_MAX_IPS; j++)
			if (ip_equal(&pn->ips[j], ip) &&
			    policy_proxy_host_by(p, exe, pn->host, port))
				return pn->host;
	}
	return NULL;
}

/* Does a direct entry name ip:port literally (an IP or CIDR entry)? */
static int literal_direct(const struct policy *p, const char *exe,
			  const struct sb_ip *ip, uint16_t port)
{
	return policy_direct_ip_by(p, exe, ip, port);
}

int notify_decide(const struct policy *p, const struct pin_table *pins,
		  const struct sb_ip *ip, uint16_t port, const char **why,
		  const char **host)
{
	return notify_decide_by(p, pins, NULL, ip, port, why, host);
}

int notify_decide_by(const struct policy *p, const struct pin_table *pins,
		     const char *exe, const struct sb_ip *ip, uint16_t port,
		     const char **why, const char **host)
{
	const char *pinned;
	int literal, named;

	*host = NULL;
	if (port == 0) {
		*why = "port 0";
		return NOTIFY_DENY;
	}
	if (port == p->proxy_port && ip_equal(ip, &p->proxy_ip)) {
		*why = "proxy";
		return NOTIFY_PROXY;
	}
	/* 0.0.0.0 and :: connect to this host: never the proxy's address. */
	if (ip_unspecified(ip)) {
		*why = "unspecified address (this host)";
		return NOTIFY_DENY;
	}
	pinned = pinned_direct(p, pins, exe, ip, port, &named);
	literal = literal_direct(p, exe, ip, port);
	if (!pinned && !literal) {
		if ((*host = pinned_allow(p, pins, exe, ip, port))) {
			*why = "transparent: connected to the proxy, which "
			       "checks the name sent (TLS SNI, HTTP Host)";
			return NOTIFY_TRANSPARENT;
		}
		*why = policy_allows_ip_by(p, exe, ip, port) ?
		       "allowed through the proxy only" :
		       "not the proxy nor a direct destination";
		return NOTIFY_DENY;
	}
	/* Internal addresses (loopback, RFC 1918, link-local, ...) only when
	 * a direct entry names them: an IP or CIDR entry inside internal
	 * space, or an exact name pinned to a private address (SPEC sb-proxy
	 * "What names an internal address", policy_names_ip). */
	if (ip_is_internal(ip) && !named &&
	    !policy_names_ip_by(p, exe, POL_DIRECT, NULL, ip, port)) {
		*why = "internal address not named by the policy";
		return NOTIFY_DENY;
	}
	*host = pinned;
	*why = "direct";
	return NOTIFY_DIRECT;
}

/* ---- the table of handed-out sockets ---------------------------------- */

/* A connecting socket is watched for the end of its handshake: ours in
 * place of the target's for a direct destination, else the target's. */
static void sock_unwatch(struct notify_ctx *n, struct notify_sock *s)
{
	if (s->watched)
		ep_del(n, s->ofd >= 0 ? s->ofd : s->fd);
	s->watched = 0;
}

static int sock_watch(struct notify_ctx *n, int si)
{
	struct notify_sock *s = &n->socks[si];
	int r;

	if (s->watched)
		return 0;
	r = ep_add(n, s->ofd >= 0 ? s->ofd : s->fd, EPOLLOUT,
		   TAG(EV_SOCK, si));
	s->watched = r == 0;
	return r;
}

/* Drop our reference: from now on the target's close() really closes. */
static void sock_free(struct notify_ctx *n, int si)
{
	struct notify_sock *s = &n->socks[si];

	if (s->state == NS_FREE)
		return;
	sock_unwatch(n, s);
	close_fd(&s->ofd);
	close_fd(&s->fd);
	n->lis[s->lis].nsocks--;
	n->nsocks--;
	s->state = NS_FREE;
}

static int sock_find(struct notify_ctx *n, int li, uint64_t ino)
{
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++)
		if (n->socks[i].state != NS_FREE && n->socks[i].lis == li &&
		    n->socks[i].ino == ino)
			return i;
	return -1;
}

/* lib/dnsd.c: our reference to a TCP socket handed out and not yet
 * connected, or -1. */
int notify_fresh_ref(struct notify_ctx *n, int li, uint64_t ino)
{
	int si = sock_find(n, li, ino);

	return si >= 0 && n->socks[si].state == NS_FRESH &&
	       n->socks[si].type == SOCK_STREAM ? n->socks[si].fd : -1;
}

/* Sockets the sandbox closed without connecting them live on in our
 * reference alone. Their creator's fd table tells: under pressure, drop
 * the references to sockets it no longer holds. (A socket handed to
 * another process before its connect loses its reference too, and its
 * connect is refused: the price of a bounded table.) */
static void reclaim(struct notify_ctx *n, int64_t now)
{
	pid_t tids[16];
	int nt = 0;

	/* Five times a second, or every 64 new sockets under a burst. */
	if (now - n->last_reclaim < 200 && n->since_reclaim < 64)
		return;
	n->last_reclaim = now;
	n->since_reclaim = 0;
	for (int i = 0; i < NOTIFY_MAX_SOCKS && nt < (int)LEN(tids); i++) {
		struct notify_sock *s = &n->socks[i];
		int k;

		if (s->state != NS_FRESH)
			continue;
		for (k = 0; k < nt && tids[k] != s->tid; k++)
			;
		if (k == nt)
			tids[nt++] = s->tid;
	}
	for (int k = 0; k < nt; k++) {
		char path[48];
		struct dirent *de;
		DIR *d;
		int nfd;

		d = opendir(proc_path(path, sizeof(path), tids[k], "fd", -1));
		if (!d)
			continue;       /* gone: REF_TTL_MS decides */
		for (int i = 0; i < NOTIFY_MAX_SOCKS; i++)
			n->socks[i].seen = 0;
		/* Bounded: a table of more than RECLAIM_FDS is not scanned
		 * (its references age out, REF_TTL_MS). */
		for (nfd = 0; (de = readdir(d)) && nfd < RECLAIM_FDS; nfd++) {
			uint64_t ino;
			int fd = 0, si = 0;

			for (const char *c = de->d_name; *c >= '0' && *c <= '9'
			     && fd < 1 << 24; c++)
				fd = fd * 10 + (*c - '0');
			if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
			    target_fd_ino(tids[k], fd, &ino) < 0)
				continue;
			for (si = 0; si < NOTIFY_MAX_SOCKS; si++)
				if (n->socks[si].state != NS_FREE &&
				    n->socks[si].ino == ino)
					n->socks[si].seen = 1;
		}
		(void)closedir(d);
		if (nfd >= RECLAIM_FDS)
			continue;
		for (int i = 0; i < NOTIFY_MAX_SOCKS; i++) {
			struct notify_sock *s = &n->socks[i];

			/* ADDFD with SEND returned only once the socket was
			 * in that table: not there, it was closed (or given
			 * away). */
			if (s->state == NS_FRESH && s->tid == tids[k] &&
			    !s->seen)
				sock_free(n, i);
		}
	}
}

/* A free slot. Bounded: past its share, or with the table full, a sandbox
 * loses the reference to its own oldest socket that never connected (a
 * connect() on it is then refused, and said so). */
static int sock_alloc(struct notify_ctx *n, int li)
{
	int oldest = -1, slot = -1;

	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < NOTIFY_MAX_SOCKS; i++) {
			struct notify_sock *s = &n->socks[i];

			if (s->state == NS_FREE) {
				if (slot < 0)
					slot = i;
			} else if (s->lis == li && s->state == NS_FRESH &&
				   (oldest < 0 ||
				    s->born < n->socks[oldest].born)) {
				oldest = i;
			}
		}
		if (slot >= 0 &&
		    n->lis[li].nsocks < NOTIFY_SOCKS_PER_LISTENER) {
			n->since_reclaim++;
			return slot;
		}
		if (pass == 0)
			reclaim(n, now_ms());
		slot = oldest = -1;
	}
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++) {
		struct notify_sock *s = &n->socks[i];

		if (s->lis == li && s->state == NS_FRESH &&
		    (oldest < 0 || s->born < n->socks[oldest].born))
			oldest = i;
	}
	if (oldest < 0)
		return -ENFILE;
	n->evicted++;       /* said once a second, by sweep() */
	sock_free(n, oldest);
	return oldest;
}

static struct notify_done *done_find(struct notify_ctx *n, int li,
				     uint64_t ino)
{
	for (int k = 1; k <= NOTIFY_MAX_DONE; k++) {
		int i = (n->done_next - k + NOTIFY_MAX_DONE) % NOTIFY_MAX_DONE;

		if (n->done[i].lis == li && n->done[i].ino == ino)
			return &n->done[i];
	}
	return NULL;
}

static void done_add(struct notify_ctx *n, const struct notify_sock *s,
		     int undelivered)
{
	struct notify_done *d = &n->done[n->done_next];

	n->done_next = (n->done_next + 1) % NOTIFY_MAX_DONE;
	d->ino = s->ino;
	d->lis = s->lis;
	d->undelivered = (uint8_t)undelivered;
	d->repeats = 0;
	d->nonblock = s->nonblock;
	d->port = s->port;
	d->ip = s->ip;
	d->err = 0;
}

static void set_deadline(struct notify_ctx *n, struct notify_sock *s,
			 int64_t at)
{
	s->deadline = at;
	if (!n->next_deadline || at < n->next_deadline)
		n->next_deadline = at;
}

/* ---- connect on our own reference ------------------------------------- */

/* The socket's file, O_NONBLOCK included, is the target's too: a blocking
 * socket is made non-blocking for the one call, so that the supervisor
 * never waits on a handshake. Another thread of the target could see the
 * flag with fcntl(F_GETFL) for those microseconds, on a socket that is not
 * connected yet; nothing else observes it. */
static int connect_nb(int fd, int fl, const struct sockaddr_storage *ss,
		      socklen_t len)
{
	int r = 0;

	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)ss, len) < 0)
		r = -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl) < 0 && r == 0)
		r = -errno;
	return r;
}

/* ip:port as the socket's family wants it: an IPv4 address on an AF_INET6
 * socket is IPv4-mapped again. */
static socklen_t make_addr(int family, const struct sb_ip *ip, uint16_t port,
			   struct sockaddr_storage *ss)
{
	struct sb_ip m = *ip;

	if (family == AF_INET6 && ip->family == 4) {
		memset(m.a, 0, sizeof(m.a));
		m.a[10] = m.a[11] = 0xff;
		memcpy(m.a + 12, ip->a, 4);
		m.family = 6;
	}
	return sockaddr_make(&m, port, ss);
}

static int tcp_state(int fd)
{
	uint8_t st = 0;
	socklen_t len = 1;

	/* tcpi_state is the first byte of struct tcp_info; reading it, unlike
	 * SO_ERROR, leaves the socket's pending error for the target. */
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &st, &len) < 0)
		return -errno;
	return st;
}

/* The pending error, taken (SO_ERROR): 0 or an errno value. */
static int sock_error(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return errno;
	return e;
}

/* Answer the notification, remembering when it could not be delivered (a
 * signal interrupted the target, which will ask again). */
static void answer_sock(struct notify_ctx *n, struct notify_sock *s,
			uint64_t id, int err)
{
	if (answer(n, s->lis, id, err, 0) == -ENOENT) {
		s->undelivered = 1;
		s->uerr = err;
	}
}

/* A connect on our reference is over: err is 0 or -errno; id the
 * notification still to answer, or 0 when the target already has its
 * answer (EINPROGRESS). Connected: the reference goes. Failed: the socket
 * is unconnected again and stays ours, as the kernel would let the target
 * connect it anew. */
static void connect_over(struct notify_ctx *n, int si, uint64_t id, int err)
{
	struct notify_sock *s = &n->socks[si];

	s->undelivered = 0;
	if (id)
		answer_sock(n, s, id, err);
	s->id = 0;
	s->deadline = 0;
	if (err == 0 || err == -EISCONN) {
		done_add(n, s, s->undelivered);
		sock_free(n, si);
		return;
	}
	sock_unwatch(n, s);
	s->state = NS_FRESH;
	if (s->unbound) {
		/* Our direct socket failed in the target's hands: bound to lo
		 * again, as every socket we hand out, before it can be tried
		 * anew. If it cannot be, it gets no second decision (its next
		 * connect is refused as not ours). */
		s->unbound = 0;
		if (setsockopt(s->fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0)
			sock_free(n, si);
	}
}

/* Tell the proxy who this client is (lib/proxy.h struct proxy_who):
 * before the connect() returns, so before the client can send a byte. We
 * never wait on the proxy: a full channel is -EAGAIN, and the caller
 * refuses the connect. */
static int tell_proxy(struct notify_ctx *n, const struct notify_sock *s)
{
	struct proxy_who w;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	_Static_assert(sizeof(w.exe) <= sizeof(n->exe), "exe sizes");
	if (n->who_fd < 0 || (!s->transparent &&
			      (s->port != n->p->proxy_port ||
			       !ip_equal(&s->ip, &n->p->proxy_ip))))
		return 0;
	memset(&w, 0, sizeof(w));
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    sockaddr_parse(&ss, sl, &w.ip, &w.port) < 0)
		return -EIO;
	if (s->transparent) {
		w.dst = s->ip;
		w.dport = s->port;
		w.transparent = 1;
	}
	w.pid = s->tid;
	if (n->cur.tid == s->tid && n->cur.exe[0]) {
		/* Established while the connect() was blocked (who_of). */
		memcpy(w.exe, n->cur.exe, sizeof(w.exe));
		w.exe[sizeof(w.exe) - 1] = 0;
		w.pin = n->cur.state;
	} else {
		memcpy(w.exe, tid_exe(n, s->tid), sizeof(w.exe));
		w.exe[sizeof(w.exe) - 1] = 0;
		w.pin = IDENT_UNKNOWN;
	}
	if (send(n->who_fd, &w, sizeof(w), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static void start_proxy(struct notify_ctx *n, int si, uint64_t id, int fl)
{
	struct notify_sock *s = &n->socks[si];
	struct sockaddr_storage ss;
	socklen_t len = s->transparent
			? make_addr(s->family, &n->p->proxy_ip,
				    n->p->proxy_port, &ss)
			: make_addr(s->family, &s->ip, s->port, &ss);
	struct timeval tv = { 0, 0 };
	socklen_t tl = sizeof(tv);
	int r, t, st, e = 0;

	r = connect_nb(s->fd, fl, &ss, len);
	if ((r == 0 || r == -EINPROGRESS) &&
	    (t = tell_proxy(n, s)) < 0 && (t == -EAGAIN || s->transparent)) {
		/* Without its record our proxy could take this client for
		 * another (an older record naming the same port): refused.
		 * It reads the channel on each accept, so it fills only if
		 * it stalls. (No one reading at all: no proxy of ours, one
		 * outside with --no-proxy, which keeps no records.) */
		struct why w = { "deny", "connect", "the proxy could not be "
				 "told who connects (its channel is full)",
				 NULL, &s->ip, s->port,
				 s->transparent ? "transparent" : NULL };

		(void)shutdown(s->fd, SHUT_RDWR);
		log_target(n, s->tid, &w);
		r = -ECONNREFUSED;
	}
	if (r != -EINPROGRESS) {
		connect_over(n, si, id, r);
		return;
	}
	/* On loopback the handshake is usually over by now (the SYN-ACK
	 * waited in the socket's backlog until connect released it): no
	 * need to wait for the event. */
	st = tcp_state(s->fd);
	s->undelivered = 0;
	if (s->nonblock) {
		/* EINPROGRESS, as the kernel says it; the target polls its
		 * socket (the same one) for the outcome. We watch it only to
		 * drop our reference once it is over. */
		answer_sock(n, s, id, -EINPROGRESS);
		if (st != TCPS_SYN_SENT && st != TCPS_SYN_RECV) {
			connect_over(n, si, 0, st == TCPS_CLOSE ?
				     -ECONNREFUSED : 0);
			return;
		}
		s->state = NS_CONNECTING;
		set_deadline(n, s, now_ms() + CONNECT_MS);
	} else {
		if (st != TCPS_SYN_SENT && st != TCPS_SYN_RECV) {
			e = st == TCPS_CLOSE ? sock_error(s->fd) : 0;
			connect_over(n, si, id, st == TCPS_CLOSE ?
				     -(e ? e : ECONNREFUSED) : 0);
			return;
		}
		/* A blocking connect is answered when it is over; SO_SNDTIMEO
		 * bounds it as it would the kernel's own (EINPROGRESS). */
		s->state = NS_CONNECTING;
		s->id = id;
		s->timeo = 0;
		tl = sizeof(tv);
		if (getsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl) == 0 &&
		    (tv.tv_sec || tv.tv_usec) &&
		    tv.tv_sec < CONNECT_MS / 1000) {
			s->timeo = 1;
			set_deadline(n, s, now_ms() + tv.tv_sec * 1000 +
				     tv.tv_usec / 1000);
		} else {
			set_deadline(n, s, now_ms() + CONNECT_MS);
		}
	}
	if (sock_watch(n, si) < 0)
		connect_over(n, si, s->id, -ENOMEM);
}

static void direct_event(struct notify_ctx *n, int si);

static void sock_event(struct notify_ctx *n, int si)
{
	struct notify_sock *s = &n->socks[si];
	int st, e;

	if (s->state == NS_DIRECT && s->watched) {
		direct_event(n, si);
		return;
	}
	if (s->state != NS_CONNECTING || !s->watched)
		return;
	st = tcp_state(s->fd);
	if (st == TCPS_SYN_SENT || st == TCPS_SYN_RECV)
		return;
	if (s->id) {
		/* Blocking: the outcome is the answer; taking the error is
		 * what the kernel's blocking connect does too. */
		e = sock_error(s->fd);
		connect_over(n, si, s->id, -e);
	} else {
		connect_over(n, si, 0, st == TCPS_CLOSE ? -ECONNREFUSED : 0);
	}
}

/* ---- direct destinations: our own socket in place of the target's ---- */

/* Options a program sets before connect(), carried over to our socket
 * where they differ from a fresh socket's (what it never set keeps the
 * kernel's default: autotuned buffers stay autotuned). */
static const struct { int level, name; } carried[] = {
	{ SOL_SOCKET, SO_KEEPALIVE }, { SOL_SOCKET, SO_LINGER },
	{ SOL_SOCKET, SO_RCVTIMEO }, { SOL_SOCKET, SO_SNDTIMEO },
	{ SOL_SOCKET, SO_PRIORITY }, { SOL_SOCKET, SO_OOBINLINE },
	{ SOL_SOCKET, SO_RCVLOWAT }, { SOL_SOCKET, SO_SNDBUF },
	{ SOL_SOCKET, SO_RCVBUF }, { SOL_SOCKET, SO_REUSEADDR },
	{ SOL_SOCKET, SO_REUSEPORT },
	{ IPPROTO_TCP, TCP_NODELAY }, { IPPROTO_TCP, TCP_KEEPIDLE },
	{ IPPROTO_TCP, TCP_KEEPINTVL }, { IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT }, { IPPROTO_TCP, TCP_MAXSEG },
	{ IPPROTO_TCP, TCP_CORK }, { IPPROTO_TCP, TCP_NOTSENT_LOWAT },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP }, { IPPROTO_TCP, TCP_SYNCNT },
	{ IPPROTO_TCP, TCP_CONGESTION },
	{ IPPROTO_IP, IP_TOS }, { IPPROTO_IP, IP_TTL },
	{ IPPROTO_IPV6, IPV6_TCLASS }, { IPPROTO_IPV6, IPV6_UNICAST_HOPS },
	{ IPPROTO_IPV6, IPV6_V6ONLY },
};

static void carry_options(int from, int to, int family)
{
	for (size_t i = 0; i < LEN(carried); i++) {
		int lv = carried[i].level, nm = carried[i].name, v;
		char a[32], b[32];
		socklen_t la = sizeof(a), lb = sizeof(b);

		if ((lv == IPPROTO_IPV6 && family != AF_INET6) ||
		    getsockopt(from, lv, nm, a, &la) < 0 ||
		    getsockopt(to, lv, nm, b, &lb) < 0 ||
		    (la == lb && !memcmp(a, b, la)))
			continue;
		/* The kernel doubles a buffer size it is given. */
		if (lv == SOL_SOCKET && (nm == SO_SNDBUF || nm == SO_RCVBUF) &&
		    la == sizeof(v)) {
			memcpy(&v, a, sizeof(v));
			v /= 2;
			memcpy(a, &v, sizeof(v));
		}
		(void)setsockopt(to, lv, nm, a, la);
	}
}

/* A local port the program bound before connect(): ours takes it (both
 * with SO_REUSEADDR, neither listening: the kernel lets them share it
 * until the old socket goes). 0 or -errno. */
static int carry_bind(int from, int to)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sb_ip ip;
	uint16_t port = 0;
	int one = 1;

	if (getsockname(from, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (sockaddr_parse(&ss, len, &ip, &port) < 0 || port == 0)
		return 0;
	(void)setsockopt(from, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(to, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(to, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
}

/* The descriptor's close-on-exec flag, from /proc/TID/fdinfo/FD. */
static int target_fd_cloexec(pid_t tid, int fd)
{
	char path[48], mem[256], *f;
	unsigned long v = 0;
	ssize_t len;

	len = file_read(proc_path(path, sizeof(path), tid, "fdinfo", fd), mem,
			sizeof(mem));
	if (len <= 0 || !(f = strstr(mem, "flags:")))
		return 0;
	for (f += 6; *f == ' ' || *f == '\t'; f++)
		;
	for (; *f >= '0' && *f <= '7' && v < (1UL << 40); f++)
		v = v << 3 | (unsigned long)(*f - '0');     /* octal */
	return (v & O_CLOEXEC) != 0;
}

/* Our connected (or connecting) socket takes the place of the target's
 * at the same descriptor number (ADDFD with SETFD, atomic as dup2), then
 * the connect() is answered with err (0, or -EINPROGRESS for the target
 * to poll the socket it now holds). From here no byte passes through us,
 * and the only way out of that socket is its checked destination: every
 * later connect() on it is notified, and it is not ours. If the number no
 * longer names the socket we checked (another thread closed it), nothing
 * is installed: the target gets the answer its kernel connect would have
 * given on a file it no longer holds. */
static void direct_install(struct notify_ctx *n, int si, uint64_t id, int err)
{
	struct notify_sock *s = &n->socks[si];
	struct sb_notif_addfd add;
	struct stat st;
	uint64_t ino = 0;
	int r;

	sock_unwatch(n, s);
	if (target_fd_ino(s->tid, s->tfd, &ino) == 0 && ino == s->ino &&
	    fstat(s->ofd, &st) == 0) {
		if (!s->nonblock)
			(void)fcntl(s->ofd, F_SETFL, 0);   /* as the target's */
		memset(&add, 0, sizeof(add));
		add.id = id;
		add.flags = SECCOMP_ADDFD_FLAG_SETFD;
		add.srcfd = (uint32_t)s->ofd;
		add.newfd = (uint32_t)s->tfd;
		add.newfd_flags = target_fd_cloexec(s->tid, s->tfd) ?
				  O_CLOEXEC : 0;
		r = sys_notif_ioctl(n->lis[s->lis].fd, SB_NOTIF_ADDFD, &add);
		if (r < 0) {
			/* ENOENT: interrupted before it was installed; the
			 * connect() comes again and finds this socket still
			 * ours and unconnected. */
			close_fd(&s->ofd);
			if (r == -ENOENT) {
				s->state = NS_FRESH;
				s->id = 0;
			} else {
				connect_over(n, si, id, r);
			}
			return;
		}
		s->ino = (uint64_t)st.st_ino;   /* what the target holds now */
		if (err == -EINPROGRESS) {
			/* Still connecting: we follow our socket (the old one
			 * goes) until its handshake is over, so that another
			 * connect() meanwhile gets EALREADY, as from the
			 * kernel. */
			answer_sock(n, s, id, err);
			close_fd(&s->fd);
			s->fd = s->ofd;
			s->ofd = -1;
			s->unbound = 1;
			s->state = NS_CONNECTING;
			s->id = 0;
			set_deadline(n, s, now_ms() + CONNECT_MS);
			if (sock_watch(n, si) < 0)
				connect_over(n, si, 0, 0);
			return;
		}
	}
	close_fd(&s->ofd);
	connect_over(n, si, id, err);
}

/* A direct destination, checked: connect a socket of our own to it (not
 * bound to lo), with what the target had set on its socket. A blocking
 * connect() is answered once the handshake is over; a non-blocking one
 * at once, with EINPROGRESS. */
static void start_direct(struct notify_ctx *n, int si, uint64_t id)
{
	struct notify_sock *s = &n->socks[si];
	struct sockaddr_storage ss;
	socklen_t len = make_addr(s->family, &s->ip, s->port, &ss);
	struct timeval tv = { 0, 0 };
	socklen_t tl = sizeof(tv);
	int r;

	s->ofd = socket(s->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (s->ofd < 0) {
		connect_over(n, si, id, -errno);
		return;
	}
	carry_options(s->fd, s->ofd, s->family);
	r = carry_bind(s->fd, s->ofd);
	if (r == 0 && connect(s->ofd, (struct sockaddr *)&ss, len) < 0)
		r = -errno;
	if (r == 0 || (r == -EINPROGRESS && s->nonblock)) {
		direct_install(n, si, id, r);
		return;
	}
	if (r != -EINPROGRESS) {
		close_fd(&s->ofd);
		connect_over(n, si, id, r);
		return;
	}
	s->state = NS_DIRECT;
	s->id = id;
	s->undelivered = 0;
	s->timeo = 0;
	if (getsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &tl) == 0 &&
	    (tv.tv_sec || tv.tv_usec) && tv.tv_sec < CONNECT_MS / 1000) {
		s->timeo = 1;
		set_deadline(n, s, now_ms() + tv.tv_sec * 1000 +
			     tv.tv_usec / 1000);
	} else {
		set_deadline(n, s, now_ms() + CONNECT_MS);
	}
	if (sock_watch(n, si) < 0) {
		close_fd(&s->ofd);
		connect_over(n, si, id, -ENOMEM);
	}
}

/* Our socket's handshake is over. */
static void direct_event(struct notify_ctx *n, int si)
{
	struct notify_sock *s = &n->socks[si];
	int st = tcp_state(s->ofd), e;

	if (st == TCPS_SYN_SENT || st == TCPS_SYN_RECV)
		return;
	e = sock_error(s->ofd);
	if (e) {
		/* Refused, unreachable: the target's socket stays as it
		 * was, unconnected and ours, as after a failed connect. */
		sock_unwatch(n, s);
		close_fd(&s->ofd);
		connect_over(n, si, s->id, -e);
		return;
	}
	direct_install(n, si, s->id, 0);
}

/* ---- deadlines -------------------------------------------------------- */

static void sock_deadline(struct notify_ctx *n, int si, int64_t now)
{
	struct notify_sock *s = &n->socks[si];
	struct sockaddr un;

	if (s->state == NS_DIRECT) {
		if (s->timeo) {
			/* SO_SNDTIMEO ran out: EINPROGRESS, and the connect
			 * goes on in the socket the target now holds. */
			direct_install(n, si, s->id, -EINPROGRESS);
			return;
		}
		sock_unwatch(n, s);
		close_fd(&s->ofd);
		connect_over(n, si, s->id, -ETIMEDOUT);
		return;
	}
	if (s->id && s->timeo) {
		/* SO_SNDTIMEO ran out: EINPROGRESS, and the connect goes on,
		 * as with the kernel's own blocking connect. */
		answer_sock(n, s, s->id, -EINPROGRESS);
		s->id = 0;
		s->timeo = 0;
		set_deadline(n, s, now + CONNECT_MS);
		return;
	}
	memset(&un, 0, sizeof(un));
	un.sa_family = AF_UNSPEC;
	(void)connect(s->fd, &un, sizeof(un));     /* give it up */
	connect_over(n, si, s->id, -ETIMEDOUT);
}

static int is_listening(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v;
}

static void log_evicted(struct notify_ctx *n)
{
	struct log_ev e;

	if (!n->evicted || n->log_fd < 0)
		return;
	log_begin(&e, "error");
	log_s(&e, "layer", "seccomp_notify");
	log_s(&e, "reason", "socket table full: references to the oldest "
	      "unconnected sockets were dropped");
	log_i(&e, "count", n->evicted);
	(void)log_end(&e, n->log_fd);
	n->evicted = 0;
}

static void sweep(struct notify_ctx *n, int64_t now)
{
	int pressure = n->nsocks > NOTIFY_MAX_SOCKS * 3 / 4;

	log_evicted(n);
	dnsd_sweep(n, now);
	if (n->nsocks > NOTIFY_MAX_SOCKS / 2)
		reclaim(n, now);
	n->next_deadline = 0;
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++) {
		struct notify_sock *s = &n->socks[i];

		if (s->state == NS_FREE)
			continue;
		if (s->state == NS_FRESH) {
			/* A listening socket never connects: our reference
			 * would only keep it open after the target's close. */
			if ((now - s->born > 1000 && is_listening(s->fd)) ||
			    (pressure && now - s->born > REF_TTL_MS))
				sock_free(n, i);
			continue;
		}
		if (s->deadline && now >= s->deadline)
			sock_deadline(n, i, now);
		else if (s->deadline)
			set_deadline(n, s, s->deadline);
	}
	for (int i = 0; i < NOTIFY_MAX_CTL; i++)
		if (n->ctl[i].fd >= 0 && now >= n->ctl[i].deadline)
			close_fd(&n->ctl[i].fd);
}

/* ---- connect() -------------------------------------------------------- */

union addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_un un;
	struct sockaddr_storage ss;
};

struct creq {                       /* one connect() being decided */
	const struct seccomp_notif *req;
	int li;
	int len;
	union addr a;
	struct sb_ip ip;
	uint16_t port;
	int parsed;                 /* ip and port hold the address */
};

/* AF_UNIX is never connected on the target's behalf: our connect would
 * run outside its Landlock domain (voiding its scopes), resolve the path
 * in our context and give the peer our credentials (SO_PEERCRED). So the
 * kernel connects it in the target's own context (CONTINUE), which
 * re-reads the fd number and the address after our check. That is safe
 * only where no one can change either in between:
 * - Landlock ABI >= 6: the target's own domain scopes abstract sockets,
 *   and has no TCP connect port at all (the supervisor connects the proxy
 *   and direct destinations itself, outside it): an Internet socket
 *   dup2()'d onto the fd, or an address rewritten, reaches nothing;
 * - below that, only a single-threaded target (the deny filter refuses
 *   clone() sharing the fd table or the memory with another process, and
 *   unshare), a pathname address (abstract sockets cannot be scoped), in
 *   a private mapping (no other process can rewrite it). The rest is
 *   refused, said in the deny event.
 * NULL when the connect may go on, else why not. */
static int task_count(pid_t tid)
{
	char path[40];
	struct stat st;

	/* procfs counts a process's threads in its task directory's links */
	if (stat(proc_path(path, sizeof(path), tid, "task", -1), &st) < 0 ||
	    st.st_nlink < 3)
		return -1;
	return (int)st.st_nlink - 2;
}

/* Read the head of a /proc file: length, or -1. */
static ssize_t proc_head(const char *path, char *mem, size_t cap)
{
	ssize_t len;
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	len = read(fd, mem, cap - 1);
	(void)close(fd);
	if (len < 0)
		return -1;
	mem[len] = 0;
	return len;
}

/* A pid field of /proc/TID/status ("Tgid", "PPid"): the pid, or 0. */
pid_t notify_status_pid(pid_t tid, const char *field)
{
	char path[40], mem[1024];
	size_t fl = strlen(field);
	const char *s;
	pid_t v = 0;

	/* The pids come first: a long Groups line later does not matter. */
	if (proc_head(proc_path(path, sizeof(path), tid, "status", -1), mem,
		      sizeof(mem)) <= 0)
		return 0;
	for (s = mem; (s = strstr(s, field)); s += fl)
		if ((s == mem || s[-1] == '\n') && s[fl] == ':')
			break;
	if (!s)
		return 0;
	for (s += fl + 1; *s == ' ' || *s == '\t'; s++)
		;
	for (; *s >= '0' && *s <= '9' && v < 1 << 22; s++)
		v = v * 10 + (*s - '0');
	return v;
}

/* Is a thread of pid in clone() or vfork(), or running (about to wait
 * in one)? /proc/PID/task/T/syscall begins with the number of the call
 * a blocked thread is in, or says "running". */
static int in_clone(pid_t pid)
{
	char path[40], file[64], mem[32];
	struct dirent *de;
	DIR *d;
	int found = 0;

	d = opendir(proc_path(path, sizeof(path), pid, "task", -1));
	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		struct buf b = BUF_ON(file);
		long nr = 0;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		buf_puts(&b, path);
		buf_putc(&b, '/');
		buf_puts(&b, de->d_name);
		buf_puts(&b, "/syscall");
		if (proc_head(buf_str(&b), mem, sizeof(mem)) <= 0)
			continue;
		for (const char *s = mem; *s >= '0' && *s <= '9' && nr < 1000;
		     s++)
			nr = nr * 10 + (*s - '0');
		found = nr == SYS_clone || nr == SYS_vfork ||
			!strncmp(mem, "running", 7);
	}
	(void)closedir(d);
	return found;
}

/* Where pid's memory has its code and stack (/proc/PID/stat fields 26-28,
 * after the parenthesised name): a vfork child's are its parent's, a
 * program exec'd anew has its own (ASLR). 0, or -1. */
static int mem_layout(pid_t pid, uint64_t out[3])
{
	char path[40], mem[1024], *s;
	int field = 2;

	if (proc_head(proc_path(path, sizeof(path), pid, "stat", -1), mem,
		      sizeof(mem)) <= 0 || !(s = strrchr(mem, ')')))
		return -1;
	for (s++; *s && field < 28; s++) {
		if (*s != ' ')
			continue;
		field++;
		if (field >= 26) {
			uint64_t v = 0;

			for (const char *t = s + 1; *t >= '0' && *t <= '9' &&
						    v < UINT64_MAX / 16; t++)
				v = v * 10 + (uint64_t)(*t - '0');
			out[field - 26] = v;
		}
	}
	return field == 28 ? 0 : -1;
}

/* A vfork child shares the memory of its parent, whose calling thread
 * alone waits in clone(): the parent's other threads run on (and so on
 * up a chain of vforks; the deny filter refuses CLONE_PARENT with
 * CLONE_VM, so the parent is whose memory it is). May tid share its
 * memory with a process of more than one thread? Said yes only where
 * the parent has the same code and stack addresses and a thread in
 * clone() (a fork child that never exec'd, of a multi-threaded parent
 * cloning meanwhile, is refused too: stricter, not weaker). */
static int shares_memory(pid_t tid)
{
	uint64_t mine[3], theirs[3];
	pid_t p = tid;

	if (mem_layout(tid, mine) < 0)
		return 1;
	for (int depth = 0; depth < 16; depth++) {
		p = notify_status_pid(p, "PPid");
		if (p <= 1 || mem_layout(p, theirs) < 0 ||
		    memcmp(mine, theirs, sizeof(mine)) || !in_clone(p))
			return 0;
		if (task_count(p) != 1)
			return 1;
	}
	return 1;
}

/* Is [a, a + len) inside one private mapping of tid? /proc/TID/maps lines
 * are "START-END PERMS ...", sorted, hex. */
static int range_private(pid_t tid, uint64_t a, size_t len)
{
	char path[40], mem[4096];
	size_t have = 0;
	int fd, found = 0;

	fd = sys_open(proc_path(path, sizeof(path), tid, "maps", -1),
		      O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t r = read(fd, mem + have, sizeof(mem) - 1 - have);
		char *line = mem, *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		have += (size_t)r;
		mem[have] = 0;
		while ((nl = strchr(line, '\n'))) {
			uint64_t lo = 0, hi = 0;
			char *q = line;

			for (; *q && *q != '-'; q++)
				lo = lo << 4 | (uint64_t)(*q <= '9' ? *q - '0' :
							  (*q | 32) - 'a' + 10);
			for (q += !!*q; *q && *q != ' '; q++)
				hi = hi << 4 | (uint64_t)(*q <= '9' ? *q - '0' :
							  (*q | 32) - 'a' + 10);
			if (a >= lo && a < hi) {
				found = a + len <= hi && q[0] == ' ' &&
					q[4] == 'p';
				goto out;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - mem);
		memmove(mem, line, have);
		if (have == sizeof(mem) - 1)
			break;              /* no line is this long */
	}
out:
	(void)close(fd);
	return found;
}

static const char *unix_unsafe(struct notify_ctx *n, const struct creq *c)
{
	pid_t tid = (pid_t)c->req->pid;

	/* AF_UNSPEC reaches no one, but it disconnects whatever socket the
	 * number names when the kernel runs it: another thread could put a
	 * connected direct socket there meanwhile, and Landlock lets
	 * AF_UNSPEC through. One thread alone cannot. (A thread that also
	 * rewrites a UNIX address into AF_UNSPEC after our read still can:
	 * that socket is then dead, not open - listen() on it is EINVAL,
	 * and its next connect() finds it done, EISCONN.) */
	if (c->a.sa.sa_family == AF_UNSPEC && task_count(tid) != 1)
		return "AF_UNSPEC on a UNIX socket of a multi-threaded "
		       "process: another thread could swap an Internet socket "
		       "onto the descriptor after the check";
	if (n->ll_abi >= 6)
		return NULL;
	if (task_count(tid) != 1)
		return "UNIX connect() of a multi-threaded process: another "
		       "thread could swap the socket or the address after the "
		       "check (Landlock ABI < 6)";
	if (shares_memory(tid))
		return "UNIX connect() of a vfork child of a multi-threaded "
		       "process: another thread could rewrite the address "
		       "after the check (Landlock ABI < 6)";
	if (c->len > (int)sizeof(sa_family_t) && c->a.un.sun_path[0] == 0)
		return "abstract UNIX socket: Landlock ABI < 6 cannot scope it";
	if (c->len > 0 && !range_private(tid, c->req->data.args[1],
				      (size_t)c->len))
		return "UNIX connect() address in shared memory: another "
		       "process could rewrite it after the check";
	return NULL;
}

/* Not one of ours: a socket connected earlier (reference dropped), an
 * AF_UNIX socket, or something we never handed out. */
static void connect_foreign(struct notify_ctx *n, struct creq *c,
			    uint64_t ino, int is_unix)
{
	struct notify_done *d = done_find(n, c->li, ino);
	struct why w = { "deny", "connect", NULL, NULL, NULL, -1, NULL };

	if (d && c->a.sa.sa_family == AF_UNSPEC) {
		w.reason = "AF_UNSPEC on an Internet socket";
		deny(n, c->li, c->req, &w, -EACCES);
		return;
	}
	if (d) {
		if (c->parsed && d->undelivered && d->port == c->port &&
		    ip_equal(&d->ip, &c->ip)) {
			/* Re-sent after a signal: the answer it never got. */
			d->undelivered = 0;
			(void)answer(n, c->li, c->req->id, d->err, 0);
			return;
		}
		/* What the kernel says to a connect() on a connected TCP
		 * socket: 0 once more after a non-blocking one, then
		 * EISCONN. Nothing is connected anew. */
		(void)answer(n, c->li, c->req->id,
			     d->nonblock && !d->repeats++ ? 0 : -EISCONN, 0);
		return;
	}
	if (is_unix) {
		w.reason = unix_unsafe(n, c);
		if (w.reason) {
			deny(n, c->li, c->req, &w, -EACCES);
			return;
		}
		if (!id_valid(n, c->li, c->req->id))
			return;
		(void)answer(n, c->li, c->req->id, 0,
			     SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	w.reason = "not a socket handed out by the supervisor";
	if (c->parsed) {
		w.ip = &c->ip;
		w.port = c->port;
	}
	deny(n, c->li, c->req, &w, -EACCES);
}

struct alive {
	struct notify_ctx *n;
	int li;
	uint64_t id;
};

static int notif_alive(void *arg)
{
	const struct alive *a = arg;

	return id_valid(a->n, a->li, a->id);
}

/* Who asks (rules per binary, lib/ident.h): the executable of the very
 * thread blocked in connect(), read while its notification is valid, and
 * its pin. Only with from entries in the policy. -1: the notification
 * died. */
static int who_of(struct notify_ctx *n, struct creq *c)
{
	struct alive a = { n, c->li, c->req->id };
	int lowered, r;

	if (!n->p->nfrom)
		return 0;
	lowered = read_begin(n, (pid_t)c->req->pid);
	r = ident_of(&n->ident, n->p, (pid_t)c->req->pid, notif_alive, &a,
		     &n->cur);
	read_end(n, lowered);
	return r < 0 ? -1 : 0;
}

/* A connect() on a socket we handed out and still hold. */
static void connect_ours(struct notify_ctx *n, struct creq *c, int si)
{
	struct notify_sock *s = &n->socks[si];
	struct why w = { "deny", "connect", NULL, NULL, NULL, -1, NULL };
	int fam = c->a.sa.sa_family, same, v, fl;

	/* The kernel's order (__inet_stream_connect, tcp_v4/v6_connect):
	 * length, AF_UNSPEC (a disconnect: refused, as it would be done
	 * blindly), the family's minimum length, the family. */
	if (c->len < (int)sizeof(sa_family_t)) {
		(void)answer(n, c->li, c->req->id, -EINVAL, 0);
		return;
	}
	if (fam == AF_UNSPEC) {
		w.reason = "AF_UNSPEC on an Internet socket";
		deny(n, c->li, c->req, &w, -EACCES);
		return;
	}
	if (c->len < (s->family == AF_INET6 ? 24 : 16)) {
		(void)answer(n, c->li, c->req->id, -EINVAL, 0);
		return;
	}
	if (fam != s->family) {
		w.reason = "address family does not match the socket";
		deny(n, c->li, c->req, &w, -EAFNOSUPPORT);
		return;
	}
	if (!c->parsed) {
		w.reason = "malformed address";
		deny(n, c->li, c->req, &w, -EINVAL);
		return;
	}
	w.ip = &c->ip;
	w.port = c->port;
	same = s->port == c->port && ip_equal(&s->ip, &c->ip);
	if (s->state != NS_FRESH) {
		/* A connect is in flight on this socket. The same call sent
		 * again after a signal (no WAIT_KILLABLE_RECV: the first
		 * notification died with EINTR) gets the eventual answer;
		 * anything else what the kernel says then: EALREADY. */
		if (same && s->id && !id_valid(n, c->li, s->id)) {
			/* Its caller may be another process sharing the
			 * socket (the first was killed), at another number:
			 * a direct socket is installed at this one. */
			s->id = c->req->id;
			s->tid = (pid_t)c->req->pid;
			s->tfd = (int)c->req->data.args[0];
			return;
		}
		if (same && !s->id && s->undelivered) {
			s->undelivered = 0;
			(void)answer(n, c->li, c->req->id, s->uerr, 0);
			return;
		}
		if (s->state == NS_CONNECTING && !s->id) {
			/* A non-blocking connect whose end we have not seen
			 * yet (the target polled first): if the kernel is
			 * done with it, so are we, and this call gets what
			 * the kernel says to a connect() after one. */
			int st = tcp_state(s->fd);

			if (st != TCPS_SYN_SENT && st != TCPS_SYN_RECV) {
				uint64_t ino = s->ino;

				connect_over(n, si, 0, st == TCPS_CLOSE ?
					     -ECONNREFUSED : 0);
				if (n->socks[si].state == NS_FREE) {
					connect_foreign(n, c, ino, 0);
					return;
				}
			}
		}
		if (s->state != NS_FRESH) {
			(void)answer(n, c->li, c->req->id, -EALREADY, 0);
			return;
		}
	}
	if (s->undelivered) {
		s->undelivered = 0;
		if (same) {
			(void)answer(n, c->li, c->req->id, s->uerr, 0);
			return;
		}
	}
	if (n->p->dns && c->port == DNS_PORT && s->type == SOCK_STREAM) {
		/* DNS over TCP, to any address: sb's own answerer on loopback
		 * (lib/dnsd.c), never a real resolver. */
		int r;

		fl = fcntl(s->fd, F_GETFL);
		r = fl < 0 ? -errno : dnsd_tcp_addr(n, s->fd, s->family,
						     &s->ip, &s->port);
		if (r < 0) {
			(void)answer(n, c->li, c->req->id, r, 0);
			return;
		}
		s->nonblock = !!(fl & O_NONBLOCK);
		s->tid = (pid_t)c->req->pid;
		s->tfd = (int)c->req->data.args[0];
		s->transparent = 0;
		w.event = "allow";
		w.reason = "DNS over TCP: answered by sb from the pinned table";
		log_target(n, s->tid, &w);
		start_proxy(n, si, c->req->id, fl);
		return;
	}
	if (who_of(n, c) < 0)
		return;             /* the notification died */
	v = notify_decide_by(n->p, n->pins, ident_exe(&n->cur), &c->ip,
			     c->port, &w.reason, &w.host);
	if (v == NOTIFY_DENY && n->cur.state == IDENT_BROKEN)
		w.reason = n->cur.why;   /* say the pin, not the policy */
	else if (v == NOTIFY_DENY && n->cur.state == IDENT_FOREIGN)
		w.reason = n->cur.why;
	else if (v == NOTIFY_DENY && n->p->nfrom) {
		const char *h, *r;

		if (notify_decide_by(n->p, n->pins, POLICY_ANY_EXE, &c->ip,
				     c->port, &r, &h) != NOTIFY_DENY)
			w.reason = "a direct destination for other binaries "
				   "only (its 'from' entries list others)";
	}
	if (v == NOTIFY_DIRECT && s->type != SOCK_STREAM) {
		v = NOTIFY_DENY;
		w.reason = "direct destinations are connected for TCP only";
	}
	if (v == NOTIFY_TRANSPARENT && n->who_fd < 0) {
		/* Without our record the proxy could not tell this client
		 * from one that asked for the proxy itself. (Ours are TCP:
		 * a UDP socket is a stand-in whose datagrams reach only the
		 * DNS answerer, lib/dnsd.c.) */
		v = NOTIFY_DENY;
		w.reason = "allowed through the proxy only (transparent mode "
			   "needs the proxy sb-exec starts)";
	}
	if (v == NOTIFY_DENY) {
		/* Our reference goes too: a socket refused once gets no
		 * second decision (its next connect is refused as not ours),
		 * and one closed after a refusal really closes. */
		deny(n, c->li, c->req, &w, -EACCES);
		sock_free(n, si);
		return;
	}
	fl = fcntl(s->fd, F_GETFL);
	if (fl < 0) {
		(void)answer(n, c->li, c->req->id, -errno, 0);
		return;
	}
	s->nonblock = !!(fl & O_NONBLOCK);
	s->ip = c->ip;
	s->port = c->port;
	s->tid = (pid_t)c->req->pid;
	s->tfd = (int)c->req->data.args[0];
	s->transparent = v == NOTIFY_TRANSPARENT;
	w.event = "allow";
	w.mode = s->transparent ? "transparent" : NULL;
	log_target(n, s->tid, &w);
	if (v == NOTIFY_DIRECT)
		start_direct(n, si, c->req->id);
	else
		start_proxy(n, si, c->req->id, fl);
}

static void handle_connect(struct notify_ctx *n, int li,
			   const struct seccomp_notif *req)
{
	struct creq c;
	struct why w = { "deny", "connect", NULL, NULL, NULL, -1, NULL };
	pid_t tid = (pid_t)req->pid;
	int fd = (int)req->data.args[0];
	uint64_t ino = 0;
	ssize_t got = 0;
	int lowered, r, si = -1, is_unix = 0;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.li = li;
	c.len = (int)(uint32_t)req->data.args[2];
	/* As move_addr_to_kernel() would: nothing longer than a
	 * sockaddr_storage is read. */
	if (c.len < 0 || (size_t)c.len > sizeof(c.a.ss)) {
		(void)answer(n, li, req->id, -EINVAL, 0);
		return;
	}
	lowered = read_begin(n, tid);
	/* The one read of the address. Everything below decides on this
	 * copy, and our connect uses it: no thread of the target can change
	 * the address after the check. The read can stall only on memory
	 * that faults slowly: userfaultfd is refused by the deny filter, and
	 * a FUSE-backed mapping stalls it only while a FUSE server outside
	 * the sandbox (which cannot mount) holds the request. */
	if (c.len > 0)
		got = target_read(n, li, 0, tid, &c.a, req->data.args[1],
				  (size_t)c.len);
	read_end(n, lowered);
	r = target_fd_ino(tid, fd, &ino);
	if (r == 0) {
		si = sock_find(n, li, ino);
		if (si < 0)
			is_unix = target_fd_is_unix(tid, fd);
	}
	/* One check for both reads by TID: the notification still waits,
	 * so the target was alive, and TID its own, through both (what was
	 * read is dropped otherwise). */
	if (!id_valid(n, li, req->id))
		return;
	if (got != c.len) {
		w.reason = "unable to read the address from the target";
		deny(n, li, req, &w, got >= 0 || got == -EFAULT ? -EFAULT :
				     -EACCES);
		return;
	}
	/* A 24-byte sockaddr_in6 (RFC 2133, no scope id) is valid: the
	 * rest of our copy is zero. */
	c.parsed = sockaddr_parse(&c.a, c.a.sa.sa_family == AF_INET6 &&
				  c.len >= 24 ? sizeof(c.a.in6) : (size_t)c.len,
				  &c.ip, &c.port) == 0;
	if (r == -EBADF || r == -ENOTSOCK) {
		(void)answer(n, li, req->id, r, 0);
		return;
	}
	if (r < 0) {
		w.reason = "unable to see the target's descriptor";
		deny(n, li, req, &w, -EACCES);
		return;
	}
	if (si < 0 && dnsd_connect(n, li, req, ino, &c.a, c.len))
		return;             /* a UDP stand-in (lib/dnsd.c) */
	if (si < 0)
		connect_foreign(n, &c, ino, is_unix);
	else
		connect_ours(n, &c, si);
}

/* ---- socket() --------------------------------------------------------- */

/* A socket confined to the loopback device. No capability is needed to
 * bind a socket not yet bound to a device (Linux >= 5.7); changing or
 * clearing it needs CAP_NET_RAW, which the sandbox lacks: whatever the
 * kernel ever connects this socket to is on this machine. */
static int make_confined(int domain, int type, int proto, uint64_t *ino)
{
	struct stat st;
	int fd, r;

	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0 ||
	    fstat(fd, &st) < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	*ino = (uint64_t)st.st_ino;
	return fd;
}

/* TCP sockets made ahead, when the loop is idle (pool_fill): creating and
 * binding one is most of what a socket() call waits for. */
static void pool_fill(struct notify_ctx *n)
{
	for (int k = 0; k < 2; k++) {
		while (n->npool[k] < NOTIFY_POOL) {
			uint64_t ino;
			int fd = make_confined(k ? AF_INET6 : AF_INET,
					       SOCK_STREAM, 0, &ino);

			if (fd < 0)
				break;          /* no IPv6 here, or no fds */
			n->pool[k][n->npool[k]] = fd;
			n->pool_ino[k][n->npool[k]++] = ino;
		}
	}
}

static int confined_socket(struct notify_ctx *n, int domain, int type,
			   int proto, int nonblock, uint64_t *ino)
{
	int k = domain == AF_INET6, fd;

	if (type == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP) &&
	    n->npool[k] > 0) {
		fd = n->pool[k][--n->npool[k]];
		*ino = n->pool_ino[k][n->npool[k]];
		if (nonblock && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
			(void)close(fd);
			return -errno;
		}
		return fd;
	}
	return make_confined(domain, type | nonblock, proto, ino);
}

static void handle_socket(struct notify_ctx *n, int li,
			  const struct seccomp_notif *req)
{
	struct why w = { "deny", "socket", NULL, NULL, NULL, -1, NULL };
	int domain = (int)req->data.args[0];
	int type = (int)req->data.args[1];
	int proto = (int)req->data.args[2];
	int base = type & 0xf, extra = type & ~0xf;
	struct sb_notif_addfd add;
	struct notify_sock *s;
	uint64_t ino;
	int fd, si, r;

	/* UDP: never a real socket (lib/dnsd.c): a stand-in with "dns on",
	 * refused and said so without. */
	if ((domain == AF_INET || domain == AF_INET6) && base == SOCK_DGRAM) {
		dnsd_socket(n, li, req);
		return;
	}
	/* TCP alone. Not UDP, even with "dns on": a UDP socket bound to "lo"
	 * still leaves by another interface through an IP_PKTINFO control
	 * message (the deny filter refuses it too). */
	if (domain != AF_INET && domain != AF_INET6)
		w.reason = "not an Internet socket";
	else if (extra & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		w.reason = "unknown socket type flags";
	else if (base == SOCK_STREAM && (proto == 0 || proto == IPPROTO_TCP))
		w.reason = NULL;
	else
		w.reason = "only TCP sockets are handed out";
	if (w.reason) {
		deny(n, li, req, &w, -EACCES);
		return;
	}
	fd = confined_socket(n, domain, base, proto, extra & SOCK_NONBLOCK,
			     &ino);
	if (fd < 0) {
		w.event = "error";
		w.reason = "unable to make a socket bound to lo";
		deny(n, li, req, &w, fd);
		return;
	}
	si = sock_alloc(n, li);
	if (si < 0) {
		(void)close(fd);
		w.event = "error";
		w.reason = "socket table full";
		deny(n, li, req, &w, si);
		return;
	}
	s = &n->socks[si];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->lis = (int16_t)li;
	s->ofd = -1;
	s->state = NS_FRESH;
	s->family = (uint8_t)domain;
	s->type = (uint8_t)base;
	s->ino = ino;
	s->born = now_ms();
	s->tid = (pid_t)req->pid;
	n->lis[li].nsocks++;
	n->nsocks++;
	/* ADDFD with SEND installs it and completes the socket() call with
	 * its number, atomically; on failure the call is still ours. */
	memset(&add, 0, sizeof(add));
	add.id = req->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (uint32_t)fd;
	add.newfd_flags = (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0;
	r = sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_ADDFD, &add);
	if (r < 0) {
		sock_free(n, si);
		if (r != -ENOENT)
			(void)answer(n, li, req->id, r, 0);
	}
}

/* ---- listeners -------------------------------------------------------- */

static void listener_drop(struct notify_ctx *n, int li)
{
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++) {
		struct notify_sock *s = &n->socks[i];

		if (s->state == NS_FREE || s->lis != li)
			continue;
		sock_free(n, i);
	}
	for (int i = 0; i < NOTIFY_MAX_DONE; i++)
		if (n->done[i].lis == li)
			n->done[i].lis = -1;
	dnsd_drop_listener(n, li);
	ep_del(n, n->lis[li].fd);
	close_fd(&n->lis[li].fd);
	n->lis[li].nsocks = 0;
	n->nlisteners--;
}

static void handle_notification(struct notify_ctx *n, int li)
{
	union {
		struct seccomp_notif req;
		char mem[NOTIF_BUF];
	} u;
	struct why w = { "error", NULL, "unexpected notification", NULL, NULL,
			 -1, NULL };
	int r;

	/* RECV wants a zeroed buffer. It never blocks here: epoll said a
	 * notification was waiting, and its semaphore counts those that
	 * vanished since (RECV then says ENOENT). */
	n->cur.tid = 0;
	n->exe_tid = 0;
	memset(&u, 0, sizeof(u));
	r = sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_RECV, &u);
	if (r < 0) {
		if (r != -ENOENT && r != -EINTR)
			listener_drop(n, li);
		return;
	}
	if (u.req.data.arch != AUDIT_ARCH_X86_64) {
		deny(n, li, &u.req, &w, -EACCES);
		return;
	}
	switch (u.req.data.nr) {
	case SYS_socket:
		handle_socket(n, li, &u.req);
		break;
	case SYS_connect:
		handle_connect(n, li, &u.req);
		break;
	case SYS_bind:
	case SYS_sendto:
	case SYS_recvfrom:
	case SYS_getsockname:
	case SYS_setsockopt:
		dnsd_call(n, li, &u.req);   /* "dns on" only (lib/filter.c) */
		break;
	default:
		/* Never CONTINUE what we do not know. */
		deny(n, li, &u.req, &w, -EACCES);
		break;
	}
}

int notify_add_listener(struct notify_ctx *n, int listener_fd)
{
	char path[48], link[64];
	struct buf b = BUF_ON(path);
	ssize_t len;
	int li, fd, r;

	buf_puts(&b, "/proc/self/fd/");
	buf_puti(&b, listener_fd);
	len = readlink(buf_str(&b), link, sizeof(link));
	if (len != 25 || memcmp(link, "anon_inode:seccomp notify", 25))
		return -EINVAL;
	for (li = 0; li < NOTIFY_MAX_LISTENERS; li++)
		if (n->lis[li].fd < 0)
			break;
	if (li == NOTIFY_MAX_LISTENERS)
		return -ENOSPC;
	fd = fcntl(listener_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	/* Sync wake-up (6.6): the target runs on our CPU when we answer, so
	 * a notification costs one context switch each way. */
	r = sys_notif_ioctl(fd, SB_NOTIF_SET_FLAGS, (void *)(uintptr_t)
			    SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	if (r < 0 && !n->degraded_sync) {
		log_plain(n, "degrade", "seccomp sync wake-up flag "
			  "unavailable: each decision costs more", r);
		n->degraded_sync = 1;
	}
	r = ep_add(n, fd, EPOLLIN, TAG(EV_LISTENER, li));
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	n->lis[li].fd = fd;
	n->lis[li].nsocks = 0;
	n->nlisteners++;
	n->had_listener = 1;
	return li;
}

/* ---- the control socket (standalone) ---------------------------------- */

static void ctl_accept(struct notify_ctx *n)
{
	for (int tries = 0; tries < 16; tries++) {
		struct ucred cr;
		socklen_t len = sizeof(cr);
		int fd, k, oldest = 0;
		char no = EPERM;

		fd = accept4(n->ctl_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
		    (cr.uid != n->euid && cr.uid != 0)) {
			log_plain(n, "deny", "control socket peer is neither "
				  "our uid nor root", 0);
			(void)write(fd, &no, 1);
			(void)close(fd);
			continue;
		}
		for (k = 0; k < NOTIFY_MAX_CTL; k++) {
			if (n->ctl[k].fd < 0)
				break;
			if (n->ctl[k].deadline < n->ctl[oldest].deadline)
				oldest = k;
		}
		if (k == NOTIFY_MAX_CTL) {
			k = oldest;
			close_fd(&n->ctl[k].fd);
		}
		if (ep_add(n, fd, EPOLLIN, TAG(EV_CTLCONN, k)) < 0) {
			(void)close(fd);
			continue;
		}
		n->ctl[k].fd = fd;
		n->ctl[k].deadline = now_ms() + CTL_MS;
	}
}

static void ctl_read(struct notify_ctx *n, int k)
{
	union {
		struct cmsghdr h;
		char mem[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct msghdr m;
	struct iovec io;
	struct cmsghdr *h;
	char byte = 0, reply;
	int got = -1, nfd = 0, r;
	ssize_t len;

	if (n->ctl[k].fd < 0)
		return;
	memset(&m, 0, sizeof(m));
	memset(&cm, 0, sizeof(cm));
	io.iov_base = &byte;
	io.iov_len = 1;
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = cm.mem;
	m.msg_controllen = sizeof(cm.mem);
	len = recvmsg(n->ctl[k].fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (h = CMSG_FIRSTHDR(&m); len > 0 && h; h = CMSG_NXTHDR(&m, h)) {
		int fds[4];
		size_t cnt;

		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (cnt > 4)
			cnt = 4;
		memcpy(fds, CMSG_DATA(h), cnt * sizeof(int));
		for (size_t i = 0; i < cnt; i++) {
			if (got < 0 && !nfd)
				got = fds[i];
			else
				(void)close(fds[i]);
			nfd++;
		}
	}
	r = -EINVAL;
	if (len == 1 && byte == 'L' && nfd == 1 && got >= 0)
		r = notify_add_listener(n, got);
	if (got >= 0)
		(void)close(got);
	if (r < 0)
		log_plain(n, "error", "control client sent no usable listener",
			  r);
	reply = (char)(r < 0 ? -r : 0);
	if (len > 0)
		(void)write(n->ctl[k].fd, &reply, 1);
	ep_del(n, n->ctl[k].fd);
	close_fd(&n->ctl[k].fd);
}

int notify_ctl_socket(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* unix_bind() gives the node this inode's mode less the umask. */
	if (fchmod(fd, 0600) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno != EADDRINUSE || lstat(path, &st) < 0 ||
		    !S_ISSOCK(st.st_mode))
			goto fail;
		/* A socket left by a supervisor that died: take it over;
		 * one that answers is someone else's. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			goto fail;
		if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
		    errno != ECONNREFUSED) {
			(void)close(probe);
			errno = EADDRINUSE;
			goto fail;
		}
		(void)close(probe);
		if (unlink(path) < 0 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			goto fail;
	}
	if (listen(fd, 16) < 0)
		goto fail;
	return fd;
fail:
	probe = -errno;
	(void)close(fd);
	return probe;
}

int notify_send_listener(const char *path, int listener_fd)
{
	struct sockaddr_un sun;
	struct timeval tv = { 5, 0 };
	char byte = 'L';
	int fd, r = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		r = -errno;
	} else {
		ssize_t k;

		/* A peer refused at once answers before our send (which then
		 * fails): its answer says why. */
		r = sys_send_fd(fd, listener_fd, byte);
		k = read(fd, &byte, 1);
		if (k == 1)
			r = -(int)(unsigned char)byte;
		else if (r == 0)
			r = k == 0 ? -ECONNRESET : -errno;
	}
	(void)close(fd);
	return r;
}

/* ---- setup and the loop ----------------------------------------------- */

int notify_init(struct notify_ctx *n, const struct policy *p,
		const struct pin_table *pins, int log_fd)
{
	struct seccomp_notif_sizes sz;
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	struct rlimit rl;
	int r;

	memset(n, 0, sizeof(*n));
	n->p = p;
	if (pins) {
		n->pinned.n = pins->n < PIN_MAX ? pins->n : PIN_MAX;
		memcpy(n->pinned.pins, pins->pins,
		       (size_t)n->pinned.n * sizeof(pins->pins[0]));
	}
	n->pins = &n->pinned;
	n->log_fd = log_fd;
	n->epfd = n->sigfd = n->ctl_fd = n->who_fd = n->pin_fd = -1;
	for (int i = 0; i < NOTIFY_MAX_LISTENERS; i++)
		n->lis[i].fd = -1;
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++)
		n->socks[i].fd = -1;
	for (int i = 0; i < NOTIFY_MAX_DONE; i++)
		n->done[i].lis = -1;
	for (int i = 0; i < NOTIFY_MAX_CTL; i++)
		n->ctl[i].fd = -1;
	dnsd_init(n, EV_DNS);
	ident_init(&n->ident);          /* before confinement */
	/* The kernel writes its own struct seccomp_notif size on RECV. */
	r = sys_seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sz);
	if (r < 0)
		return r;
	if (sz.seccomp_notif > NOTIF_BUF || sz.seccomp_notif_resp > RESP_BUF)
		return -EOVERFLOW;
	n->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (n->epfd < 0)
		return -errno;
	/* The sandbox runs as our uid: it must not ptrace us, read our
	 * memory or take our listeners (pidfd_getfd). */
	r = sys_prctl(PR_SET_DUMPABLE, 0, 0, 0);
	if (r < 0)
		return r;
	memset(&h, 0, sizeof(h));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	n->euid = geteuid();
	n->ll_abi = sys_landlock_abi();
	{
		/* Which read the runtime allows: ask on ourselves. */
		uint64_t a = 0x5b, b = 0;

		n->mem_how = sys_process_vm_readv(getpid(), &b, &a,
						  sizeof(b)) == sizeof(b)
			     ? NOTIFY_MEM_VM : NOTIFY_MEM_PROC;
	}
	if (sys_capget(&h, d) == 0 &&
	    (d[0].effective & (1U << CAP_SYS_PTRACE))) {
		n->ptrace_cap = 1;       /* see read_begin */
		for (int i = 0; i < 2; i++) {
			n->caps[i][0] = d[i].effective;
			n->caps[i][1] = d[i].permitted;
			n->caps[i][2] = d[i].inheritable;
		}
	}
	/* Each handed-out socket costs us a descriptor until it connects. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 &&
	    rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	return 0;
}

void notify_close(struct notify_ctx *n)
{
	for (int i = 0; i < NOTIFY_MAX_SOCKS; i++)
		sock_free(n, i);
	for (int i = 0; i < NOTIFY_MAX_LISTENERS; i++)
		if (n->lis[i].fd >= 0)
			listener_drop(n, i);
	for (int i = 0; i < NOTIFY_MAX_CTL; i++)
		close_fd(&n->ctl[i].fd);
	dnsd_close(n);
	for (int k = 0; k < 2; k++) {
		while (n->npool[k] > 0)
			close_fd(&n->pool[k][--n->npool[k]]);
	}
	close_fd(&n->sigfd);
	close_fd(&n->epfd);
}

static int dispatch(struct notify_ctx *n, const struct epoll_event *e)
{
	uint32_t kind = (uint32_t)(e->data.u64 >> 32);
	int i = (int)(uint32_t)e->data.u64;

	switch (kind) {
	case EV_LISTENER:
		if (n->lis[i].fd < 0)
			break;
		if (e->events & EPOLLIN)
			handle_notification(n, i);
		else if (e->events & (EPOLLHUP | EPOLLERR))
			listener_drop(n, i);
		break;
	case EV_SIGNAL:
		return 1;
	case EV_CTL:
		ctl_accept(n);
		break;
	case EV_CTLCONN:
		ctl_read(n, i);
		break;
	case EV_SOCK:
		sock_event(n, i);
		break;
	case EV_DNS:
		dnsd_event(n, i, e->events);
		break;
	}
	return 0;
}

int notify_run(struct notify_ctx *n, int control_fd)
{
	struct epoll_event ev[32];
	sigset_t block, stop;
	int64_t last = now_ms(), now;
	int r = 0, k, done = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGPIPE);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	if (control_fd >= 0)
		sigaddset(&stop, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		r = -errno;
		goto out;
	}
	if (!n->no_signals) {
		n->sigfd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
		if (n->sigfd < 0) {
			r = -errno;
			goto out;
		}
		r = ep_add(n, n->sigfd, EPOLLIN, TAG(EV_SIGNAL, 0));
	}
	if (r == 0 && control_fd >= 0) {
		n->ctl_fd = control_fd;
		r = ep_add(n, control_fd, EPOLLIN, TAG(EV_CTL, 0));
	}
	/* Set up: from here the loop's own calls only (SPEC "sb confines
	 * itself"). No Landlock: reading the targets' memory and /proc
	 * entries is ptrace across domains, which Landlock refuses. */
	if (r == 0 && n->confine)
		r = sc_confine_helper(SC_SUPER, n->log_fd);
	while (r == 0 && !done) {
		int timeout = 1000;

		now = now_ms();
		if (control_fd < 0 && n->nlisteners == 0)
			break;
		if (n->next_deadline && n->next_deadline - now < timeout)
			timeout = n->next_deadline > now ?
				  (int)(n->next_deadline - now) : 0;
		/* Idle: make sockets ahead, then sleep. */
		k = epoll_wait(n->epfd, ev, 32, 0);
		if (k == 0 && n->nlisteners) {
			pool_fill(n);
			k = epoll_wait(n->epfd, ev, 32, timeout);
		} else if (k == 0) {
			k = epoll_wait(n->epfd, ev, 32, timeout);
		}
		if (k < 0 && errno != EINTR)
			r = -errno;
		for (int i = 0; i < k; i++)
			done |= dispatch(n, &ev[i]);
		now = now_ms();
		if (now - last >= 1000 ||
		    (n->next_deadline && now >= n->next_deadline)) {
			sweep(n, now);
			last = now;
		}
	}
out:
	log_evicted(n);
	if (n->p->nfrom)
		ident_sum_log(&n->ident, n->log_fd, "seccomp_notify");
	n->ctl_fd = -1;
	notify_close(n);
	return r;
}
