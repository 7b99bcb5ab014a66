/* lib/proxy.c - the egress proxy's event loop. See proxy.h for its use.
 *
 * A connection goes HEAD -> (DNS) -> CONNECT -> OPEN, or to LINGER after
 * an answer of our own (400, 403, ...: the reply is sent, the write side
 * shut, and what the client still sends is read and dropped until it
 * closes, so the reply is not lost to a reset).
 *
 * The request head is never copied out of the kernel until it is whole:
 * it is read with MSG_PEEK (and SO_PEEK_OFF, so a client dribbling bytes
 * costs only the new bytes each time), checked, and consumed once the
 * upstream connection stands. A CONNECT whose client sent anything past
 * the head before our 200 is refused (400): those bytes could only be a
 * second request, and they never reach the upstream.
 *
 * An open tunnel moves bytes with splice() through one pipe a direction.
 * A direction reads from its source only when its pipe is empty, so an
 * EAGAIN from the source means the source is dry, and one from the sink
 * means the sink is full; both fds are registered edge-triggered for
 * input and output once, and a direction that used its budget is queued
 * to run again after the others (fairness).
 *
 * The first bytes of a CONNECT tunnel's client are peeked: a TLS
 * ClientHello must name the CONNECT host (domain fronting is denied).
 * SO_RCVLOWAT makes the kernel wait until the announced records are all
 * there.
 *
 * A forwarded plain HTTP request (absolute-form) gets one request per
 * client connection: the head is rewritten (origin form, hop-by-hop fields
 * removed, Connection: close) into the pipe, the body follows by
 * Content-Length or chunked framing (read, never changed), and anything
 * after it is not forwarded. The response head is rewritten the same way;
 * the response body passes until the upstream closes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "filter.h"
#include "http.h"
#include "landlock.h"
#include "log.h"
#include "ident.h"
#include "proxy.h"
#include "sb.h"
#include "sys.h"

#ifndef SO_PEEK_OFF
#define SO_PEEK_OFF 42
#endif

/* Pipe pages count against the user's pipe-user-pages-soft (past it,
 * new pipes get two pages): only BIG_PIPES directions at once get a
 * BIG_PIPE, those that move BULK in one splice. */
#define PUMP_BUDGET (1 << 20)   /* bytes a direction moves before yielding */
#define BIG_PIPE (1 << 20)
#define BIG_PIPES 16
#define PIPE_POOL 64            /* empty pipes kept for the next tunnels */
#define BULK (48 << 10)
#define SPLICE_MAX (1 << 20)
#define LINGER_MS 2000
#define LINGER_BYTES (256 << 10)
#define SUM_MAX 128             /* denial summary entries */
#define EXE_MAX 256
#define WHO_PROCS 4096          /* /proc entries looked at per lookup */
#define WHO_LINKS 16384         /* readlinks per lookup */
#define WHO_SCANS 20            /* whole-/proc scans a second, at most */
#define WHO_TCP_BYTES (4 << 20) /* /proc/net/tcp read per lookup */
#define DNSQ_MAX 16             /* names being resolved at once */
#define DNSQ_IPS 16             /* addresses kept from one lookup */

enum { CS_FREE, CS_HEAD, CS_DNS, CS_CONNECT, CS_OPEN, CS_LINGER, CS_UPREPLY };
enum { L_NONE, L_HEAD, L_DNS, L_CONNECT, L_IDLE, L_HELLO, L_LINGER, L_UPREPLY,
       L__N };
/* What a direction does with its source. */
enum { M_SPLICE, M_HELLO, M_LENGTH, M_CHUNKED, M_STOP, M_RESP };
enum { T_LISTEN = 1, T_SIGNAL, T_DNS, T_CLIENT, T_UP, T_PIN };

struct dir {
	int pr, pw;             /* the pipe */
	uint32_t inpipe;        /* bytes in it */
	uint8_t mode, eof, shut, big;
};

struct conn {
	int cfd, ufd;
	uint32_t prev, next;    /* timer list (index + 1); free list */
	uint32_t gen;
	int32_t pid;            /* client: 0 not looked up, -1 not found */
	int32_t wi;             /* its record in ring + 1, or 0 */
	uint32_t wseq;          /* and that record's number (p->wseq) */
	int32_t uid;            /* its socket's owner (sock_diag), or -1 */
	int64_t deadline;
	uint64_t left;          /* Content-Length still to forward */
	const struct pin *pin;  /* candidate addresses, or NULL: ip */
	struct http_scan scan;
	struct http_chunked ch;
	struct dir d[2];        /* 0: client to upstream; 1: back */
	uint16_t port, head_len, peer_port;
	uint8_t state, list, kind, is_ip, ipi, tried, internal;
	uint8_t peekoff, lowat, replied, pending, dnsq;
	uint8_t via_up;         /* through the upstream proxy (cfg->up) */
	uint8_t tmode;          /* transparent: the supervisor's record says
				   the client connected to ip:port */
	uint8_t tknown;         /* whether tmode was looked up */
	uint16_t up_status;     /* the upstream's reply status */
	int err;                /* last connect error */
	struct sb_ip ip;        /* the literal, or the address tried */
	struct sb_ip peer;
	char host[SB_HOST_MAX + 1];
};

/* A name allowed by a wildcard entry, being resolved on its first use. */
struct dnsq {
	int fd;                 /* -1: the slot is free */
	uint16_t id[2];         /* A, AAAA */
	uint8_t done[2];
	int tries, n, rcode;
	uint8_t sup;            /* the supervisor asked (proxy_pin) */
	int64_t deadline;       /* of this try */
	struct sb_ip ips[DNSQ_IPS];
	char name[SB_HOST_MAX + 1];
};

struct tlist {
	uint32_t head, tail;    /* index + 1 */
};

struct dsum {
	uint32_t count;
	uint16_t port;
	int64_t first, last;    /* ms since the epoch */
	char host[SB_HOST_MAX + 1];
	char exe[EXE_MAX];
};

struct proxy {
	const struct proxy_cfg *cfg;
	const struct policy *pol;
	int ep, lfd, sfd, nl, reserve;
	struct sb_ip lip;       /* the listener's address, when not 0.0.0.0 */
	uint16_t lport;         /* or ::: every accepted socket's own */
	int64_t accept_resume;  /* listener disarmed until then (EMFILE) */
	int accept_paused, emfile_said;
	int max, used, nconns, bigpipes;
	int npipes;             /* pipes[]: empty, default-sized, ours */
	int pipes[PIPE_POOL][2];
	uint32_t freelist;
	uint32_t nlseq;
	int64_t now;
	int draining, stop;     /* draining: the signal that stopped us */
	int64_t drain_end;
	struct conn *c;
	uint32_t *pend;         /* ring of connection indices to run again */
	uint32_t pend_head, pend_n;
	struct tlist l[L__N];
	int tmo[L__N];
	struct dsum *sum;
	int nsum;
	uint32_t sum_lost;
	int who_cache[4][2];    /* pid, fd: where the last sockets were */
	struct proxy_who *ring; /* the supervisor's last records */
	uint32_t *wseq;         /* each one's number (who_next + 1 then) */
	uint8_t *wtaken;        /* claimed by a connection: never again */
	const char *ll_what;    /* our own Landlock domain, for the log */
	int ll_fs;              /* it holds: no look into /proc */
	int confined;           /* our seccomp allow-list is on */
	uint32_t who_next;
	int dns_failed;         /* lookups on first use that pinned nothing */
	int who_tokens;         /* whole-/proc scans allowed now */
	int64_t who_refill;
	struct ident ident;     /* standalone: our own pins (lib/ident.h) */
	struct ident_who iw;    /* standalone: the last client looked at */
	struct dnsq q[DNSQ_MAX];
	struct pin_table *dyn;  /* names pinned on first use */
	uint64_t accepted, allowed, denied, failed;
	struct http_req req;
	struct http_resp resp;
	char head[HTTP_HEAD_MAX + 1];
	char out[HTTP_HEAD_MAX + 512];
	uint8_t tls[TLS_PEEK_MAX];
	uint8_t tmp[TLS_HELLO_MAX];
};

/* ---- small things ---- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *mem_map(size_t n)
{
	void *m = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static uint32_t idx_of(struct proxy *p, struct conn *c)
{
	return (uint32_t)(c - p->c);
}

static uint64_t ev_data(struct proxy *p, struct conn *c, int tag)
{
	return (uint64_t)c->gen << 32 | (uint64_t)idx_of(p, c) << 3 |
	       (uint64_t)tag;
}

/* A connection's two splice pipes: kept for the next tunnel when empty
 * and of the default size (two syscalls saved, four closes), else back
 * to the kernel. Every pipe counts against the connection budget that
 * fit_fds made, kept or not: a kept one was a tunnel's, and the next
 * tunnel takes it before it makes one. */
static void close_pipes(struct proxy *p, struct conn *c)
{
	for (int k = 0; k < 2; k++) {
		struct dir *d = &c->d[k];

		if (d->pr >= 0 && d->pw >= 0 && !d->inpipe && !d->big &&
		    p->npipes < PIPE_POOL) {
			p->pipes[p->npipes][0] = d->pr;
			p->pipes[p->npipes++][1] = d->pw;
			d->pr = d->pw = -1;
		}
		close_fd(&d->pr);
		close_fd(&d->pw);
		p->bigpipes -= d->big;
		d->big = 0;
		d->inpipe = 0;
	}
}

static int ep_add(struct proxy *p, int fd, uint32_t events, uint64_t data)
{
	return sys_epoll_add(p->ep, fd, events, data);
}

static void set_int(int fd, int level, int opt, int v)
{
	/* Best effort: a tuning knob, never a check. */
	(void)setsockopt(fd, level, opt, &v, sizeof(v));
}

/* ---- timer lists: each has one timeout, so it stays in deadline
 * order when connections join at the tail ---- */

static void tl_del(struct proxy *p, struct conn *c)
{
	struct tlist *l;

	if (c->list == L_NONE)
		return;
	l = &p->l[c->list];
	if (c->prev)
		p->c[c->prev - 1].next = c->next;
	else
		l->head = c->next;
	if (c->next)
		p->c[c->next - 1].prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = 0;
	c->list = L_NONE;
}

static void tl_add(struct proxy *p, struct conn *c, int list)
{
	struct tlist *l = &p->l[list];
	uint32_t i = idx_of(p, c) + 1;

	if (c->list == list && l->tail == i) {
		c->deadline = p->now + p->tmo[list];
		return;
	}
	tl_del(p, c);
	c->list = (uint8_t)list;
	c->deadline = p->now + p->tmo[list];
	c->prev = l->tail;
	c->next = 0;
	if (l->tail)
		p->c[l->tail - 1].next = i;
	else
		l->head = i;
	l->tail = i;
}

/* ---- the client: which process, for the log ---- */

/* The client socket's inode by sock_diag: an exact lookup by 4-tuple. */
static int inode_diag(struct proxy *p, const struct sb_ip *cip, uint16_t cport,
		      const struct sb_ip *sip, uint16_t sport, int v6,
		      uint32_t *ino, uint32_t *uid)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} q;
	uint64_t ans[256];
	uint8_t a[16];
	int n;

	if (p->nl < 0)
		return -ENOSYS;
	memset(&q, 0, sizeof(q));
	q.nh.nlmsg_len = sizeof(q);
	q.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nh.nlmsg_flags = NLM_F_REQUEST;
	q.nh.nlmsg_seq = ++p->nlseq;
	q.r.sdiag_family = v6 ? AF_INET6 : AF_INET;
	q.r.sdiag_protocol = IPPROTO_TCP;
	q.r.idiag_states = ~0U;
	q.r.id.idiag_sport = htons(cport);
	q.r.id.idiag_dport = htons(sport);
	q.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	q.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	for (int k = 0; k < 2; k++) {
		const struct sb_ip *ip = k ? sip : cip;

		memset(a, 0, sizeof(a));
		if (ip->family == 4 && v6) {
			a[10] = a[11] = 0xff;
			memcpy(a + 12, ip->a, 4);
		} else {
			memcpy(a, ip->a, ip->family == 4 ? 4 : 16);
		}
		memcpy(k ? q.r.id.idiag_dst : q.r.id.idiag_src, a, 16);
	}
	if (send(p->nl, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		return -errno;
	/* The kernel answers an exact lookup within send(): the reply (or
	 * the error) is queued by now. Older replies are skipped by seq. */
	for (int tries = 0; tries < 4; tries++) {
		size_t off = 0, len;

		n = (int)recv(p->nl, ans, sizeof(ans), MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		len = (size_t)n;
		while (len - off >= sizeof(struct nlmsghdr)) {
			struct nlmsghdr h;
			struct inet_diag_msg m;

			memcpy(&h, (char *)ans + off, sizeof(h));
			if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
				break;
			if (h.nlmsg_seq == p->nlseq) {
				if (h.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
				    h.nlmsg_len < NLMSG_LENGTH(sizeof(m)))
					return -ENOENT;
				memcpy(&m, (char *)ans + off + NLMSG_HDRLEN,
				       sizeof(m));
				*ino = m.idiag_inode;
				*uid = m.idiag_uid;
				return *ino ? 0 : -ENOENT;
			}
			off += NLMSG_ALIGN(h.nlmsg_len);
		}
	}
	return -ENOENT;
}

/* The same from /proc/net/tcp{,6}, where sock_diag is not to be had:
 * "sl local rem st ... inode", addresses as the kernel's u32s in hex. */
static void hex_addr(struct buf *b, const struct sb_ip *ip, uint16_t port,
		     int v6)
{
	uint8_t a[16];
	int words = v6 ? 4 : 1;

	memset(a, 0, sizeof(a));
	if (v6 && ip->family == 4) {
		a[10] = a[11] = 0xff;
		memcpy(a + 12, ip->a, 4);
	} else {
		memcpy(a, ip->a, v6 ? 16 : 4);
	}
	for (int w = 0; w < words; w++) {
		uint32_t v;

		memcpy(&v, a + 4 * w, 4);
		for (int sh = 28; sh >= 0; sh -= 4)
			buf_putc(b, "0123456789ABCDEF"[(v >> sh) & 15]);
	}
	buf_putc(b, ':');
	for (int sh = 12; sh >= 0; sh -= 4)
		buf_putc(b, "0123456789ABCDEF"[(port >> sh) & 15]);
}

static int tcp_line(const char *l, size_t n, const char *want, size_t wl,
		    uint32_t *ino, uint32_t *uid)
{
	const char *s = l, *e = l + n;
	int field = 0;

	while (s < e) {
		const char *t;

		while (s < e && *s == ' ')
			s++;
		t = s;
		while (t < e && *t != ' ')
			t++;
		if (t == s)
			break;
		if (field == 1 && ((size_t)(e - s) < wl || memcmp(s, want, wl)))
			return 0;
		if (field == 7 || field == 9) {
			uint64_t v = 0;

			for (const char *c = s; c < t; c++) {
				if (*c < '0' || *c > '9' || v > 0xffffffffULL)
					return 0;
				v = v * 10 + (uint64_t)(*c - '0');
			}
			if (field == 7)
				*uid = (uint32_t)v;
			if (field == 9) {
				*ino = (uint32_t)v;
				return v != 0;
			}
		}
		field++;
		s = t;
	}
	return 0;
}

static int inode_proc(struct proxy *p, const struct sb_ip *cip, uint16_t cport,
		      const struct sb_ip *sip, uint16_t sport, int v6,
		      uint32_t *ino, uint32_t *uid)
{
	char want[80];
	struct buf w = BUF_ON(want);
	size_t have = 0, total = 0;
	int fd, found = 0;

	hex_addr(&w, cip, cport, v6);
	buf_putc(&w, ' ');
	hex_addr(&w, sip, sport, v6);
	fd = sys_open(v6 ? "/proc/net/tcp6" : "/proc/net/tcp",
		      O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (!found && total < WHO_TCP_BYTES) {
		ssize_t n = read(fd, p->out + have, sizeof(p->out) - have);
		char *s = p->out, *nl;

		if (n <= 0)
			break;
		total += (size_t)n;
		have += (size_t)n;
		while (!found &&
		       (nl = memchr(s, '\n', have - (size_t)(s - p->out)))) {
			found = tcp_line(s, (size_t)(nl - s), want, w.len, ino,
					 uid);
			s = nl + 1;
		}
		have -= (size_t)(s - p->out);
		memmove(p->out, s, have);
		if (have == sizeof(p->out))
			have = 0; /* a line longer than any real one */
	}
	close(fd);
	return found ? 0 : -ENOENT;
}

/* Does the fd directory dfd hold a link to want ("socket:[N]")? The fd
 * number (>= 0), or -1. */
static int fd_dir_has(int dfd, const char *want, size_t wl, int *budget)
{
	uint64_t dbuf[512];
	char *d = (char *)dbuf;
	long n;

	while ((n = getdents64(dfd, (void *)dbuf, sizeof(dbuf))) > 0) {
		for (long off = 0; off < n;) {
			uint16_t rl;
			const char *name = d + off + 19;
			char l[64];
			ssize_t k;

			memcpy(&rl, d + off + 16, 2);
			if (rl == 0)
				return 0;
			off += rl;
			if (name[0] == '.')
				continue;
			if (--*budget < 0)
				return -1;
			k = readlinkat(dfd, name, l, sizeof(l));
			if (k == (ssize_t)wl && !memcmp(l, want, wl)) {
				long fd = 0;

				for (const char *c = name;
				     *c >= '0' && *c <= '9' && fd < 1 << 24;
				     c++)
					fd = fd * 10 + (*c - '0');
				return (int)fd;
			}
		}
	}
	return -1;
}

static int pid_has(int pid, const char *want, size_t wl, int *budget)
{
	char path[40];
	struct buf b = BUF_ON(path);
	int dfd, r;

	buf_puts(&b, "/proc/");
	buf_putu(&b, (unsigned)pid);
	buf_puts(&b, "/fd");
	dfd = sys_open(buf_str(&b), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return -1;
	r = fd_dir_has(dfd, want, wl, budget);
	close(dfd);
	return r;
}

/* Is /proc/pid/fd/fd a link to want? One readlink. */
static int pid_fd_is(int pid, int fd, const char *want, size_t wl)
{
	char path[48], l[64];
	struct buf b = BUF_ON(path);

	buf_puts(&b, "/proc/");
	buf_putu(&b, (unsigned)pid);
	buf_puts(&b, "/fd/");
	buf_putu(&b, (unsigned)fd);
	return readlink(buf_str(&b), l, sizeof(l)) == (ssize_t)wl &&
	       !memcmp(l, want, wl);
}

static int who_found(struct proxy *p, int pid, int fd)
{
	size_t i;

	for (i = 0; i + 1 < LEN(p->who_cache); i++)
		if (p->who_cache[i][0] == pid)
			break;
	memmove(p->who_cache + 1, p->who_cache, i * sizeof(p->who_cache[0]));
	p->who_cache[0][0] = pid;
	p->who_cache[0][1] = fd;
	return pid;
}

/* The process holding socket inode ino (owned by uid): the processes
 * found last first, then, a few times a second at most, every process of
 * that uid. Bounded work either way; -1 when not found. */
static int who_pid(struct proxy *p, uint32_t ino, uint32_t uid)
{
	char want[32];
	struct buf w = BUF_ON(want);
	uint64_t dbuf[512];
	char *d = (char *)dbuf;
	int budget = WHO_LINKS, procs = WHO_PROCS, found = -1, dfd, fd = -1;
	int self = (int)getpid();
	long n;

	buf_puts(&w, "socket:[");
	buf_putu(&w, ino);
	buf_putc(&w, ']');
	/* Clients open many connections, often on the fd number they just
	 * closed: the last places found come first. */
	for (size_t i = 0; i < LEN(p->who_cache); i++)
		if (p->who_cache[i][0] > 0 &&
		    pid_fd_is(p->who_cache[i][0], p->who_cache[i][1], want,
			      w.len))
			return who_found(p, p->who_cache[i][0],
					 p->who_cache[i][1]);
	for (size_t i = 0; i < LEN(p->who_cache); i++)
		if (p->who_cache[i][0] > 0 &&
		    (fd = pid_has(p->who_cache[i][0], want, w.len, &budget)) >=
			0)
			return who_found(p, p->who_cache[i][0], fd);
	/* Another user's descriptors are not ours to read (without
	 * CAP_SYS_PTRACE): do not even try. */
	if (geteuid() != 0 && geteuid() != uid)
		return -1;
	if (p->now - p->who_refill >= 1000 / WHO_SCANS) {
		int64_t k = (p->now - p->who_refill) * WHO_SCANS / 1000;

		p->who_tokens =
		    (int)(p->who_tokens + k > WHO_SCANS ? WHO_SCANS
							: p->who_tokens + k);
		p->who_refill = p->now;
	}
	if (p->who_tokens <= 0)
		return -1;
	p->who_tokens--;
	dfd = sys_open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return -1;
	while (found < 0 &&
	       (n = getdents64(dfd, (void *)dbuf, sizeof(dbuf))) > 0) {
		for (long off = 0; off < n && found < 0;) {
			uint16_t rl;
			const char *name = d + off + 19;
			struct stat st;
			long pid = 0;

			memcpy(&rl, d + off + 16, 2);
			if (rl == 0)
				break;
			off += rl;
			for (const char *c = name; *c && pid >= 0; c++)
				pid = (*c >= '0' && *c <= '9' && pid < 1 << 22)
					  ? pid * 10 + (*c - '0')
					  : -1;
			if (pid <= 0 || pid == self)
				continue;
			if (--procs < 0 || budget < 0)
				goto out;
			if (fstatat(dfd, name, &st, 0) < 0 || st.st_uid != uid)
				continue;
			fd = pid_has((int)pid, want, w.len, &budget);
			if (fd >= 0)
				found = (int)pid;
		}
	}
out:
	close(dfd);
	return found > 0 ? who_found(p, found, fd) : -1;
}

/* The supervisor's record of this client. Sent before the client's
 * connect() returned, so before any byte the client wrote: whatever made
 * us look is queued after it. trans: a transparent record may set the
 * destination (trans_known, asked once, before anything was decided). */
#define WHO_RING 256

/* Read every record sent so far (on each accept, and before a match):
 * the channel never fills while the proxy runs. */
static void who_drain(struct proxy *p)
{
	if (p->cfg->who_fd < 0 || !p->ring)
		return;
	for (;;) {
		uint32_t i = p->who_next % WHO_RING;
		struct proxy_who *w = &p->ring[i];
		ssize_t n = recv(p->cfg->who_fd, w, sizeof(*w), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == (ssize_t)sizeof(*w)) {
			w->exe[sizeof(w->exe) - 1] = 0;
			p->wseq[i] = ++p->who_next;
			p->wtaken[i] = 0;
		}
	}
}

/* The record c claimed, while the ring still holds it, or NULL. */
static const struct proxy_who *who_rec(const struct proxy *p,
				       const struct conn *c)
{
	if (c->wi <= 0 || p->wseq[c->wi - 1] != c->wseq)
		return NULL;
	return &p->ring[c->wi - 1];
}

/* The newest record naming c's address that no connection claimed: a
 * record serves one connection only, so one left by a connection that
 * never sent a byte cannot be taken by a later one reusing its port
 * (whose own record is always sent, or its connect refused). */
static int who_told(struct proxy *p, struct conn *c, int trans)
{
	if (p->cfg->who_fd < 0 || !p->ring)
		return 0;
	who_drain(p);
	for (uint32_t k = 1; k <= WHO_RING && k <= p->who_next; k++) {
		uint32_t i = (p->who_next - k) % WHO_RING;
		struct proxy_who *w = &p->ring[i];

		if (p->wtaken[i] || w->port != c->peer_port ||
		    !ip_equal(&w->ip, &c->peer))
			continue;
		p->wtaken[i] = 1;
		c->pid = w->pid;
		c->wi = (int32_t)i + 1;
		c->wseq = p->wseq[i];
		if (w->transparent && trans) {
			c->tmode = 1;
			c->ip = w->dst;
			c->port = w->dport;
		}
		return 1;
	}
	return 0;
}

static void who(struct proxy *p, struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sb_ip sip;
	uint16_t sport;
	uint32_t ino = 0, uid = 0;
	int r, v6 = c->peer.family == 6;

	if (c->pid || !p->cfg->who)
		return;
	c->pid = -1;
	if (who_told(p, c, 0))
		return;
	if (p->lport) {
		sip = p->lip;
		sport = p->lport;
	} else if (getsockname(c->cfd, (struct sockaddr *)&ss, &sl) < 0 ||
		   sockaddr_parse(&ss, sl, &sip, &sport) < 0) {
		return;
	}
	/* An IPv4 client may hold an IPv6 socket (mapped): try both. */
	r = inode_diag(p, &c->peer, c->peer_port, &sip, sport, v6, &ino, &uid);
	if (r < 0 && !v6)
		r = inode_diag(p, &c->peer, c->peer_port, &sip, sport, 1, &ino,
			       &uid);
	if (r == -ENOSYS || r == -EPERM || r == -EACCES) {
		r = inode_proc(p, &c->peer, c->peer_port, &sip, sport, v6, &ino,
			       &uid);
		if (r < 0 && !v6)
			r = inode_proc(p, &c->peer, c->peer_port, &sip, sport,
				       1, &ino, &uid);
	}
	if (r == 0) {
		c->uid = (int32_t)uid;
		/* Confined by Landlock, we may not look into another
		 * domain's /proc entries: the uid is what we can say. */
		if (!p->ll_fs)
			c->pid = who_pid(p, ino, uid);
	}
}

static int exe_of(int pid, char *out, size_t cap)
{
	char path[40];
	struct buf b = BUF_ON(path);
	ssize_t n;

	buf_puts(&b, "/proc/");
	buf_putu(&b, (unsigned)pid);
	buf_puts(&b, "/exe");
	n = readlink(buf_str(&b), out, cap - 1);
	if (n <= 0)
		return -1;
	out[n] = 0;
	return 0;
}

/* The client's binary for rules per binary (policy.h "from"): the
 * supervisor's record (struct proxy_who: read while its connect() was
 * blocked, pin checked), only when its pin held; standalone, our own
 * look: the process found holding the socket, its /proc/PID/exe opened
 * and pinned here (no notification proves it still runs that binary, and
 * a confined proxy cannot look: then unknown). NULL: not established,
 * and *why says why when a pin broke. */
static const char *client_exe(struct proxy *p, struct conn *c,
			      const char **why)
{
	*why = NULL;
	who(p, c);
	if (c->wi > 0) {
		const struct proxy_who *w = who_rec(p, c);

		if (!w)
			return NULL;
		if (w->pin == IDENT_BROKEN)
			*why = "the client's binary does not match its pin "
			       "(replaced or changed since first use)";
		return w->pin == IDENT_HELD ? w->exe : NULL;
	}
	if (p->cfg->who_fd >= 0 || c->pid <= 0)
		return NULL;        /* the supervisor did not say: unknown */
	if (p->iw.tid != c->pid &&
	    ident_of(&p->ident, p->pol, c->pid, NULL, NULL, &p->iw) < 0)
		return NULL;
	if (p->iw.state == IDENT_BROKEN)
		*why = "the client's binary does not match its pin "
		       "(replaced or changed since first use)";
	return ident_exe(&p->iw);
}

/* "held", "broken", ... for the log. */
static const char *client_pin(struct proxy *p, struct conn *c)
{
	const char *why;

	if (!client_exe(p, c, &why) && !why)
		return c->wi > 0 ? who_rec(p, c)
				   ? ident_state_name(who_rec(p, c)->pin)
				   : "unknown"
				 : p->cfg->who_fd < 0 && p->iw.tid == c->pid &&
				   c->pid > 0 ? ident_state_name(p->iw.state)
				 : "unknown";
	return why ? "broken" : "held";
}

/* Why a destination is refused to this client: not on the allowlist at
 * all, or only for binaries its from entries list (any: it is for some
 * binary), with the client's pin state. */
static const char *from_why(struct proxy *p, struct conn *c,
			    const char *bwhy, int any)
{
	static char mem[160];
	struct buf b = BUF_ON(mem);

	if (bwhy)
		return bwhy;
	if (!any)
		return "destination not on the allowlist";
	buf_puts(&b, "destination allowed only for the binaries its 'from' "
		 "entries list (this client: pin ");
	buf_puts(&b, client_pin(p, c));
	buf_putc(&b, ')');
	return buf_str(&b);
}

/* ---- logs and the denial summary ---- */

static void sum_add(struct proxy *p, struct conn *c, const char *exe)
{
	struct dsum *s = NULL;
	int64_t t = wall_ms();
	size_t l;

	for (int i = 0; i < p->nsum && !s; i++)
		if (p->sum[i].port == c->port &&
		    !strcmp(p->sum[i].host, c->host) &&
		    !strcmp(p->sum[i].exe, exe))
			s = &p->sum[i];
	if (!s) {
		if (p->nsum >= SUM_MAX) {
			p->sum_lost++;
			return;
		}
		s = &p->sum[p->nsum++];
		memcpy(s->host, c->host, sizeof(s->host));
		s->port = c->port;
		l = strnlen(exe, sizeof(s->exe) - 1);
		memcpy(s->exe, exe, l);
		s->exe[l] = 0;
		s->first = t;
	}
	s->count++;
	s->last = t;
}

static void sum_log(struct proxy *p)
{
	struct log_ev e;

	for (int i = 0; i < p->nsum; i++) {
		const struct dsum *s = &p->sum[i];
		char t[40];
		struct buf b = BUF_ON(t);

		log_begin(&e, "summary");
		log_s(&e, "layer", "proxy");
		log_s(&e, "host", s->host);
		log_i(&e, "port", s->port);
		if (s->exe[0])
			log_s(&e, "exe", s->exe);
		log_i(&e, "count", s->count);
		buf_put_utc(&b, s->first);
		log_s(&e, "first", buf_str(&b));
		buf_init(&b, t, sizeof(t));
		buf_put_utc(&b, s->last);
		log_s(&e, "last", buf_str(&b));
		log_end(&e, p->cfg->log_fd);
	}
	if (p->sum_lost) {
		log_begin(&e, "summary");
		log_s(&e, "layer", "proxy");
		log_i(&e, "unrecorded", p->sum_lost);
		log_end(&e, p->cfg->log_fd);
	}
}

/* One event about a connection: allow, deny or error. */
static void ev_log(struct proxy *p, struct conn *c, const char *event, int code,
		   const char *reason, const char *sni)
{
	struct log_ev e;
	char ip[48], exe[EXE_MAX];
	int have_exe = 0;

	who(p, c);
	if (who_rec(p, c) && who_rec(p, c)->exe[0]) {
		memcpy(exe, who_rec(p, c)->exe, sizeof(exe));
		have_exe = 1;
	} else if (c->pid > 0) {
		have_exe = exe_of(c->pid, exe, sizeof(exe)) == 0;
	}
	log_begin(&e, event);
	log_s(&e, "layer", "proxy");
	if (c->tmode)
		log_s(&e, "mode", "transparent");
	if (c->kind)
		log_s(&e, "kind", c->kind != HTTP_CONNECT ? "http"
				  : c->tmode ? "tls" : "connect");
	if (c->host[0])
		log_s(&e, "host", c->host);
	if (c->host[0] || c->tmode)
		log_i(&e, "port", c->port);
	if (c->ip.family) {
		ip_format(&c->ip, ip, sizeof(ip));
		log_s(&e, "ip", ip);
	}
	if (code)
		log_i(&e, "code", code);
	log_s(&e, "reason", reason);
	log_s(&e, "sni", sni);
	if (c->via_up)
		log_s(&e, "upstream", p->cfg->up->url);
	if (c->up_status)
		log_i(&e, "upstream_status", c->up_status);
	if (c->pid > 0)
		log_i(&e, "pid", c->pid);
	if (have_exe)
		log_s(&e, "exe", exe);
	else if (c->uid >= 0)
		log_i(&e, "client_uid", c->uid);
	if (p->pol->nfrom)
		log_s(&e, "pin", client_pin(p, c));
	ip_format(&c->peer, ip, sizeof(ip));
	log_s(&e, "client", ip);
	log_i(&e, "client_port", c->peer_port);
	log_end(&e, p->cfg->log_fd);
	if (!strcmp(event, "deny")) {
		p->denied++;
		sum_add(p, c, have_exe ? exe : "");
	}
}

/* ---- closing ---- */

static void conn_free(struct proxy *p, struct conn *c, int abort)
{
	if (abort) {
		struct linger lg = {1, 0};

		/* A reset, so neither side takes a cut tunnel for a whole
		 * one. */
		if (c->cfd >= 0)
			(void)setsockopt(c->cfd, SOL_SOCKET, SO_LINGER, &lg,
					 sizeof(lg));
		if (c->ufd >= 0)
			(void)setsockopt(c->ufd, SOL_SOCKET, SO_LINGER, &lg,
					 sizeof(lg));
	}
	tl_del(p, c);
	close_fd(&c->cfd);
	close_fd(&c->ufd);
	close_pipes(p, c);
	c->state = CS_FREE;
	c->gen++;
	c->next = p->freelist;
	p->freelist = idx_of(p, c) + 1;
	p->nconns--;
}

static const char *status_text(int code)
{
	switch (code) {
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 408:
		return "Request Timeout";
	case 431:
		return "Request Header Fields Too Large";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "Error";
	}
}

static void reply(int fd, int code, const char *reason)
{
	char mem[512], body[300];
	struct buf b = BUF_ON(mem), t = BUF_ON(body);

	buf_puts(&t, "sb-proxy: ");
	buf_puts(&t, reason);
	if (t.len > sizeof(body) - 2)
		t.len = sizeof(body) - 2;
	t.over = 0;
	buf_putc(&t, '\n');
	buf_puts(&b, "HTTP/1.1 ");
	buf_putu(&b, (unsigned)code);
	buf_putc(&b, ' ');
	buf_puts(&b, status_text(code));
	buf_puts(&b, "\r\nContent-Type: text/plain\r\nContent-Length: ");
	buf_putu(&b, t.len);
	buf_puts(&b, "\r\nConnection: close\r\n\r\n");
	buf_putn(&b, body, t.len);
	/* A fresh socket's buffer takes this whole; a short write is the
	 * client's loss. */
	(void)send(fd, mem, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void linger_read(struct proxy *p, struct conn *c)
{
	size_t total = 0;

	for (;;) {
		ssize_t n = recv(c->cfd, p->out, sizeof(p->out), 0);

		if (n > 0) {
			total += (size_t)n;
			if (total > LINGER_BYTES) {
				conn_free(p, c, 1);
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		conn_free(p, c, 0);
		return;
	}
}

/* Our own answer (an error or a denial), then a lingering close. */
static void answer(struct proxy *p, struct conn *c, int code,
		   const char *reason)
{
	close_fd(&c->ufd);
	close_pipes(p, c);
	if (!c->replied && code)
		reply(c->cfd, code, reason);
	c->replied = 1;
	if (shutdown(c->cfd, SHUT_WR) < 0) {
		conn_free(p, c, 0);
		return;
	}
	c->state = CS_LINGER;
	tl_add(p, c, L_LINGER);
	linger_read(p, c);
}

static void deny(struct proxy *p, struct conn *c, int code, const char *reason)
{
	ev_log(p, c, "deny", code, reason, NULL);
	answer(p, c, code, reason);
}

static void fail(struct proxy *p, struct conn *c, int code, const char *reason)
{
	p->failed++;
	ev_log(p, c, "error", code, reason, NULL);
	answer(p, c, code, reason);
}

/* ---- tunnels ---- */

static void pend_add(struct proxy *p, struct conn *c)
{
	if (c->pending)
		return;
	c->pending = 1;
	p->pend[(p->pend_head + p->pend_n++) % (uint32_t)p->max] = idx_of(p, c);
}

static int make_pipes(struct proxy *p, struct conn *c)
{
	for (int k = 0; k < 2; k++) {
		int fds[2];

		if (p->npipes > 0) {
			p->npipes--;
			fds[0] = p->pipes[p->npipes][0];
			fds[1] = p->pipes[p->npipes][1];
		} else if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
			return -errno;
		}
		c->d[k].pr = fds[0];
		c->d[k].pw = fds[1];
		c->d[k].inpipe = 0;
	}
	return 0;
}

/* Write a head we made into a direction's pipe, and count what went in
 * whether or not all of it did: a kept pipe (close_pipes) must be empty,
 * or the next tunnel would pass another connection's bytes. 0 when all
 * of it went in. */
static int pipe_put(struct dir *d, const char *b, size_t n)
{
	ssize_t w = write(d->pw, b, n);

	if (w > 0)
		d->inpipe += (uint32_t)w;
	return w == (ssize_t)n ? 0 : -1;
}

static void dir_end(struct proxy *p, struct conn *c, int k);

/* Bytes for the next splice from the source, by the direction's mode.
 * 0: nothing to read now (wait, or the body is over); -1: the conn is
 * gone. */
static long want_bytes(struct proxy *p, struct conn *c, int k)
{
	struct dir *d = &c->d[k];
	struct http_chunked t;
	uint64_t data;
	ssize_t n;
	int used;

	if (d->mode == M_SPLICE)
		return SPLICE_MAX;
	if (d->mode == M_LENGTH)
		return c->left < SPLICE_MAX ? (long)c->left : SPLICE_MAX;
	if (d->mode != M_CHUNKED)
		return 0;
	data = http_chunked_data(&c->ch);
	if (data)
		return data < SPLICE_MAX ? (long)data : SPLICE_MAX;
	/* Framing: look at it, then pass exactly the bytes it covers. */
	n = recv(c->cfd, p->out, 4096, MSG_PEEK);
	if (n == 0) {
		d->eof = 1;
		return 0;
	}
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -2;
	t = c->ch;
	used = http_chunked_feed(&t, (const uint8_t *)p->out, (size_t)n);
	if (used < 0) {
		ev_log(p, c, "error", 0, "malformed chunked request body",
		       NULL);
		conn_free(p, c, 1);
		return -1;
	}
	return used;
}

static void pump(struct proxy *p, struct conn *c, int k)
{
	struct dir *d = &c->d[k];
	int src = k ? c->ufd : c->cfd, dst = k ? c->cfd : c->ufd;
	size_t moved = 0, most = 0;
	ssize_t n;
	long want;

	for (;;) {
		while (d->inpipe) {
			n = splice(d->pr, NULL, dst, NULL, d->inpipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe -= (uint32_t)n;
				moved += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				goto out;
			conn_free(p, c, 1);
			return;
		}
		if (d->eof) {
			dir_end(p, c, k);
			return;
		}
		if (d->mode == M_STOP)
			goto out;
		if (moved >= PUMP_BUDGET) {
			pend_add(p, c);
			goto out;
		}
		want = want_bytes(p, c, k);
		if (want == -1)
			return;
		if (want < 0) {
			conn_free(p, c, 1);
			return;
		}
		if (d->eof)
			continue;
		if (want == 0) {
			if (d->mode == M_CHUNKED && http_chunked_done(&c->ch))
				d->mode = M_STOP;
			if (d->mode == M_LENGTH)
				d->mode = M_STOP;
			goto out;
		}
		n = splice(src, NULL, d->pw, NULL, (size_t)want,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->inpipe = (uint32_t)n;
			if ((size_t)n > most)
				most = (size_t)n;
			if (d->mode == M_LENGTH) {
				c->left -= (uint64_t)n;
				if (!c->left)
					d->mode = M_STOP;
			} else if (d->mode == M_CHUNKED) {
				if (http_chunked_data(&c->ch))
					http_chunked_skip(&c->ch, (uint64_t)n);
				else
					(void)http_chunked_feed(
					    &c->ch, (const uint8_t *)p->out,
					    (size_t)n);
				if (http_chunked_done(&c->ch))
					d->mode = M_STOP;
			}
			continue;
		}
		if (n == 0) {
			d->eof = 1;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN)
			goto out;
		conn_free(p, c, 1);
		return;
	}
out:
	/* A direction moving bulk data gets a bigger pipe: fewer, larger
	 * splices (about twice the throughput on loopback). */
	if (most >= BULK && !d->big && p->bigpipes < BIG_PIPES && d->pw >= 0 &&
	    fcntl(d->pw, F_SETPIPE_SZ, BIG_PIPE) >= 0) {
		d->big = 1;
		p->bigpipes++;
	}
	if (moved && c->list == L_IDLE)
		tl_add(p, c, L_IDLE);
}

/* A direction's source ended and its pipe is empty. */
static void dir_end(struct proxy *p, struct conn *c, int k)
{
	struct dir *d = &c->d[k];

	if (c->kind == HTTP_FORWARD) {
		if (k == 1) {
			/* The response is over (Connection: close). */
			answer(p, c, 0, "");
			return;
		}
		if (d->mode == M_LENGTH || d->mode == M_CHUNKED) {
			ev_log(p, c, "error", 0, "client closed mid-body",
			       NULL);
			conn_free(p, c, 1);
			return;
		}
		return; /* a half-close after the request: fine */
	}
	if (!d->shut) {
		d->shut = 1;
		if (shutdown(k ? c->cfd : c->ufd, SHUT_WR) < 0) {
			conn_free(p, c, 1);
			return;
		}
	}
	if (c->d[0].shut && c->d[1].shut)
		conn_free(p, c, 0);
}

/* A tunnel's first client bytes: a ClientHello must name the host. */
static void hello_check(struct proxy *p, struct conn *c)
{
	char sni[SB_HOST_MAX + 1];
	size_t need;
	ssize_t n;
	int r;

	n = recv(c->cfd, p->tls, sizeof(p->tls), MSG_PEEK);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_free(p, c, 1);
		return;
	}
	r = n ? tls_client_hello(p->tls, (size_t)n, p->tmp, sizeof(p->tmp), sni,
				 &need)
	      : TLS_NOT_HANDSHAKE;
	switch (r) {
	case TLS_NOT_HANDSHAKE:
		break;
	case TLS_NEED_MORE:
		if ((size_t)n >= sizeof(p->tls)) {
			r = -EMSGSIZE;
			goto bad;
		}
		if (!c->lowat) {
			c->lowat = 1;
			tl_add(p, c, L_HELLO);
		}
		set_int(c->cfd, SOL_SOCKET, SO_RCVLOWAT, (int)need);
		return;
	case TLS_SNI:
		if (strcmp(sni, c->host)) {
			ev_log(p, c, "deny", 0,
			       "TLS SNI does not match the CONNECT host", sni);
			conn_free(p, c, 1);
			return;
		}
		break;
	case TLS_NO_SNI:
		ev_log(p, c, p->cfg->no_sni_deny ? "deny" : "allow", 0,
		       "TLS ClientHello without SNI", NULL);
		if (p->cfg->no_sni_deny) {
			conn_free(p, c, 1);
			return;
		}
		break;
	default:
		goto bad;
	}
	if (c->lowat) {
		set_int(c->cfd, SOL_SOCKET, SO_RCVLOWAT, 1);
		c->lowat = 0;
		tl_add(p, c, L_IDLE);
	}
	c->d[0].mode = M_SPLICE;
	pump(p, c, 0);
	return;
bad:
	ev_log(p, c, "deny", 0,
	       r == -EMSGSIZE ? "TLS ClientHello too large"
			      : "malformed TLS ClientHello",
	       NULL);
	conn_free(p, c, 1);
}

/* A forwarded request's response head: rewritten into the pipe. */
static void resp_head(struct proxy *p, struct conn *c)
{
	struct dir *d = &c->d[1];
	struct http_scan s;
	ssize_t n;
	int r, m;

	for (;;) {
		while (d->inpipe) {
			n = splice(d->pr, NULL, c->cfd, NULL, d->inpipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->inpipe -= (uint32_t)n;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			conn_free(p, c, 1);
			return;
		}
		if (d->mode != M_RESP) {
			pump(p, c, 1);
			return;
		}
		n = recv(c->ufd, p->head, sizeof(p->head), MSG_PEEK);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fail(p, c, 502,
				     "upstream failed before its response");
			return;
		}
		if (n == 0) {
			fail(p, c, 502, "upstream closed without a response");
			return;
		}
		memset(&s, 0, sizeof(s));
		r = http_scan(&s, p->head, (size_t)n);
		if (r == 0 && n <= HTTP_HEAD_MAX)
			return;
		if (r <= 0 ||
		    http_parse_response(p->head, (size_t)r, &p->resp) < 0) {
			fail(p, c, 502,
			     r == 0 || r == -EMSGSIZE
				 ? "upstream response head too large"
				 : "malformed upstream response head");
			return;
		}
		m = http_response_head(p->head, &p->resp, p->out,
				       sizeof(p->out));
		if (m < 0 || pipe_put(d, p->out, (size_t)m) < 0 ||
		    recv(c->ufd, p->head, (size_t)r, 0) != r) {
			fail(p, c, 502, "unable to pass the response head");
			return;
		}
		c->replied = 1;
		if (p->resp.status >= 200 || p->resp.status == 101)
			d->mode = M_SPLICE;
		if (c->list == L_IDLE)
			tl_add(p, c, L_IDLE);
	}
}

static void dir_run(struct proxy *p, struct conn *c, int k)
{
	switch (c->d[k].mode) {
	case M_HELLO:
		hello_check(p, c);
		break;
	case M_RESP:
		resp_head(p, c);
		break;
	default:
		pump(p, c, k);
	}
}

static void run_both(struct proxy *p, struct conn *c)
{
	uint32_t gen = c->gen;

	dir_run(p, c, 0);
	if (c->gen == gen && c->state == CS_OPEN)
		dir_run(p, c, 1);
}

/* ---- upstream connection ---- */

/* May the proxy connect to ip on port, reached as host (NULL for an IP
 * literal)? A public address, or an internal one an allow or direct entry
 * names (policy_names_ip: SPEC "What names an internal address"). */
static const char *client_exe(struct proxy *p, struct conn *c,
			      const char **why);

static int reach_ok(struct proxy *p, struct conn *c, const char *host,
		    const struct sb_ip *ip, uint16_t port)
{
	const char *why;

	return policy_ip_ok_by(p->pol, p->pol->nfrom ? client_exe(p, c, &why)
			       : NULL, POL_BOTH, host, ip, port);
}

/* The 403 for an internal address no entry names, with the entry that
 * would name it. */
static void deny_internal(struct proxy *p, struct conn *c, const char *host,
			  const struct sb_ip *ip)
{
	char why[300], hint[200];
	struct buf b = BUF_ON(why);

	policy_name_hint("allow", host, ip, c->port, hint, sizeof(hint));
	buf_puts(&b, "internal address not named by the policy (");
	buf_puts(&b, hint);
	buf_putc(&b, ')');
	deny(p, c, 403, buf_str(&b));
}

/* A tunnel's pipes: client to origin in mode up (the hello peek, or
 * plain splice), origin to client spliced. -1: c is freed. */
static int tunnel_pipes(struct proxy *p, struct conn *c, uint8_t up)
{
	if (make_pipes(p, c) < 0) {
		p->failed++;
		ev_log(p, c, "error", 0, "unable to make pipes", NULL);
		conn_free(p, c, 1);
		return -1;
	}
	c->d[0].mode = up;
	c->d[1].mode = M_SPLICE;
	return 0;
}

static void open_tunnel(struct proxy *p, struct conn *c)
{
	static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
	ssize_t n;
	int r = 0;

	if (c->tmode) {
		/* Transparent: the client's bytes pass as they are, the
		 * name in them already checked. */
		c->replied = 1;
		if (tunnel_pipes(p, c, M_SPLICE) < 0)
			return;
	} else if (c->kind == HTTP_CONNECT) {
		/* Consume the head, and see whether anything follows it: a
		 * byte past the head before our 200 is refused. */
		n = recv(c->cfd, p->head, (size_t)c->head_len + 1, 0);
		if (n > c->head_len) {
			deny(p, c, 400, "data sent before the 200 reply");
			return;
		}
		if (n != c->head_len) {
			fail(p, c, 502, "unable to set up the tunnel");
			return;
		}
		/* Find the client while it waits for our answer: once it
		 * has it, it may close before it can be found. */
		who(p, c);
		if (send(c->cfd, ok, sizeof(ok) - 1, MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(ok) - 1) {
			conn_free(p, c, 1);
			return;
		}
		c->replied = 1;
		if (tunnel_pipes(p, c, M_HELLO) < 0)
			return;
	} else {
		/* The head is still in the socket, byte for byte as parsed. */
		if (recv(c->cfd, p->head, c->head_len, MSG_PEEK) !=
			c->head_len ||
		    http_parse_request(p->head, c->head_len, &p->req) < 0 ||
		    (r = http_forward_head(p->head, &p->req, p->out,
					   sizeof(p->out))) < 0 ||
		    make_pipes(p, c) < 0 ||
		    pipe_put(&c->d[0], p->out, (size_t)r) < 0 ||
		    recv(c->cfd, p->head, c->head_len, 0) != c->head_len) {
			fail(p, c, 502, "unable to forward the request head");
			return;
		}
		c->d[1].mode = M_RESP;
		who(p, c);
		if (p->req.body == BODY_CHUNKED)
			c->d[0].mode = M_CHUNKED;
		else if (p->req.body == BODY_LENGTH)
			c->d[0].mode = M_LENGTH;
		else
			c->d[0].mode = M_STOP;
		c->left = p->req.length;
	}
	c->state = CS_OPEN;
	tl_add(p, c, L_IDLE);
	p->allowed++;
	ev_log(p, c, "allow", 0, NULL, NULL);
	run_both(p, c);
}

static void try_next(struct proxy *p, struct conn *c);
static void up_try_next(struct proxy *p, struct conn *c);
static void up_request(struct proxy *p, struct conn *c);

static void connect_done(struct proxy *p, struct conn *c)
{
	int err = 0;
	socklen_t l = sizeof(err);

	if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		err = errno;
	if (err) {
		c->err = err;
		close_fd(&c->ufd);
		try_next(p, c);
		return;
	}
	if (c->via_up)
		up_request(p, c);
	else
		open_tunnel(p, c);
}

/* Connect to the next candidate address: the literal, or the pinned
 * addresses in turn. Internal ones only when the policy names them. */
static void try_next(struct proxy *p, struct conn *c)
{
	struct sockaddr_storage ss;
	struct sb_ip skipped = { 0, { 0 } };
	socklen_t sl;

	if (c->via_up) {
		up_try_next(p, c);
		return;
	}
	for (;;) {
		struct sb_ip ip;
		int fd;

		if (c->pin) {
			if (c->ipi >= c->pin->nips)
				break;
			ip = c->pin->ips[c->ipi++];
			ip_fold(&ip);
		} else {
			if (c->ipi++)
				break;
			ip = c->ip;
		}
		if (!reach_ok(p, c, c->pin || c->tmode ? c->host : NULL, &ip,
			      c->port)) {
			if (!c->internal++)
				skipped = ip;
			continue;
		}
		c->ip = ip;
		c->tried++;
		fd = socket(ip.family == 4 ? AF_INET : AF_INET6,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			c->err = errno;
			continue;
		}
		set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		sl = sockaddr_make(&ip, c->port, &ss);
		if ((connect(fd, (struct sockaddr *)&ss, sl) == 0 ||
		     errno == EINPROGRESS) &&
		    ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			   ev_data(p, c, T_UP)) == 0) {
			c->ufd = fd;
			c->state = CS_CONNECT;
			tl_add(p, c, L_CONNECT);
			return;
		}
		c->err = errno;
		close(fd);
	}
	if (!c->tried) {
		if (c->internal)
			deny_internal(p, c, c->pin || c->tmode ? c->host : NULL,
				      &skipped);
		else
			deny(p, c, 403, "no address to connect to");
		return;
	}
	{
		char why[120];
		struct buf b = BUF_ON(why);

		buf_puts(&b, "unable to connect: ");
		buf_puts(&b, err_str(c->err ? c->err : ETIMEDOUT));
		fail(p, c, c->err == ETIMEDOUT ? 504 : 502, buf_str(&b));
	}
}

/* ---- through the upstream proxy (cfg->up) ----
 *
 * The destination is decided as for a direct connection (allowlist,
 * internal IP literals); then the upstream's pinned addresses are tried
 * in turn, "CONNECT host:port" is sent by name on the fresh socket (one
 * send: it is far below a socket buffer), and the reply head is peeked
 * until whole (bounded by HTTP_HEAD_MAX, within connect_ms), parsed as
 * hostile input and consumed exactly: what follows it is the tunnel's.
 * A 2xx opens the tunnel as a direct connection would (the 200 to the
 * client, the SNI check, the splice; or the forwarded request); anything
 * else is a 502 and a deny event naming the upstream. */

/* An error of the upstream's: "upstream proxy HOST:PORT a b". */
static void up_say(struct proxy *p, struct conn *c, int is_deny, int code,
		   const char *a, const char *b)
{
	char why[400];
	struct buf w = BUF_ON(why);

	buf_puts(&w, "upstream proxy ");
	buf_puts(&w, p->cfg->up->hostport);
	buf_putc(&w, ' ');
	buf_puts(&w, a);
	buf_puts(&w, b ? b : "");
	buf_str(&w);
	if (is_deny)
		deny(p, c, code, why);
	else
		fail(p, c, code, why);
}

static void up_try_next(struct proxy *p, struct conn *c)
{
	const struct upstream *u = p->cfg->up;
	struct sockaddr_storage ss;
	socklen_t sl;

	while (c->ipi < u->nips) {
		const struct sb_ip *ip = &u->ips[c->ipi++];
		int fd = socket(ip->family == 4 ? AF_INET : AF_INET6,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			c->err = errno;
			continue;
		}
		set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
		sl = sockaddr_make(ip, u->port, &ss);
		if ((connect(fd, (struct sockaddr *)&ss, sl) == 0 ||
		     errno == EINPROGRESS) &&
		    ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			   ev_data(p, c, T_UP)) == 0) {
			c->ufd = fd;
			c->state = CS_CONNECT;
			tl_add(p, c, L_CONNECT);
			return;
		}
		c->err = errno;
		close(fd);
	}
	up_say(p, c, 0, c->err == ETIMEDOUT ? 504 : 502, "unreachable: ",
	       err_str(c->err ? c->err : ETIMEDOUT));
}

static void up_reply(struct proxy *p, struct conn *c, uint32_t ev)
{
	char why[SB_HOST_MAX + 160];
	struct buf b = BUF_ON(why);
	const struct upstream *u = p->cfg->up;
	ssize_t n;
	int r, st;

	n = recv(c->ufd, p->head, HTTP_HEAD_MAX, MSG_PEEK);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			up_say(p, c, 0, 502, "failed before its reply: ",
			       err_str(errno));
		return;
	}
	if (n == 0) {
		up_say(p, c, 1, 502, "closed the connection without a reply",
		       NULL);
		return;
	}
	r = upstream_reply(p->head, (size_t)n, &p->resp);
	if (r == 0) {
		if (ev & (EPOLLRDHUP | EPOLLHUP))
			up_say(p, c, 1, 502, "closed the connection mid-reply",
			       NULL);
		return;
	}
	if (r < 0) {
		up_say(p, c, 1, 502, "sent a malformed reply: ", p->resp.why);
		return;
	}
	st = p->resp.status;
	c->up_status = (uint16_t)st;
	if (st < 200 || st > 299) {
		buf_puts(&b, "refused CONNECT ");
		buf_puts(&b, strchr(c->host, ':') ? "[" : "");
		buf_puts(&b, c->host);
		buf_puts(&b, strchr(c->host, ':') ? "]:" : ":");
		buf_putu(&b, c->port);
		buf_puts(&b, ": ");
		buf_putu(&b, (unsigned)st);
		buf_putc(&b, ' ');
		buf_puts(&b, upstream_status_text(st));
		if (st == 407 || st == 401)   /* tinyproxy: 401 */
			buf_puts(&b, u->auth_from ? " (our credentials were "
				 "rejected)" : " (no upstream-auth-file or "
				 "upstream-auth-env given)");
		up_say(p, c, 1, 502, buf_str(&b), NULL);
		return;
	}
	if (recv(c->ufd, p->head, (size_t)r, 0) != r) {
		up_say(p, c, 0, 502, "reply could not be read", NULL);
		return;
	}
	tl_del(p, c);
	open_tunnel(p, c);
}

/* Connected: the request, then wait for its reply. */
static void up_request(struct proxy *p, struct conn *c)
{
	int n = upstream_request(p->cfg->up, c->host, strchr(c->host, ':') != 0,
				 c->port, p->out, sizeof(p->out));

	if (n < 0 || send(c->ufd, p->out, (size_t)n, MSG_NOSIGNAL) != n) {
		up_say(p, c, 0, 502, "could not be sent the request", NULL);
		return;
	}
	c->state = CS_UPREPLY;
	tl_add(p, c, L_UPREPLY);
	up_reply(p, c, 0);
}

/* ---- names pinned on first use (wildcard entries) ---- */

static uint16_t ns_port(const struct dns_conf *d, int i)
{
	return d->nns ? d->ns[i].port : DNS_PORT;
}

/* (Re)send the queries still unanswered, from a fresh socket: a new
 * source port and new ids for every try. */
static int dnsq_send(struct proxy *p, int i)
{
	const struct dns_conf *d = p->cfg->dns;
	struct dnsq *q = &p->q[i];
	struct sockaddr_storage ss;
	struct sb_ip lo = {4, {127, 0, 0, 1}};
	const struct sb_ip *ns = &lo;
	int k = d->nns ? q->tries % d->nns : 0, r;
	socklen_t sl;

	close_fd(&q->fd);
	if (d->nns)
		ns = &d->ns[k].ip;
	q->fd = socket(ns->family == 4 ? AF_INET : AF_INET6,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (q->fd < 0)
		return -errno;
	sl = sockaddr_make(ns, ns_port(d, k), &ss);
	if (connect(q->fd, (struct sockaddr *)&ss, sl) < 0)
		return -errno;
	r = ep_add(p, q->fd, EPOLLIN, (uint64_t)i << 3 | T_DNS);
	if (r < 0)
		return r;
	for (int t = 0; t < 2; t++) {
		uint8_t m[DNS_QUERY_MAX];
		int n;

		if (q->done[t])
			continue;
		r = dns_random_id(&q->id[t]);
		if (r < 0)
			return r;
		n = dns_query_build(m, sizeof(m), q->id[t], q->name,
				    t ? DNS_T_AAAA : DNS_T_A);
		if (n < 0)
			return -EINVAL;
		if (send(q->fd, m, (size_t)n, MSG_NOSIGNAL) < 0 &&
		    errno != ECONNREFUSED)
			return -errno;
	}
	q->deadline = p->now + (d->timeout_ms > 0 ? d->timeout_ms : 2000);
	return 0;
}

static void pin_answer(struct proxy *p, const char *name, int err);

/* The lookup is over: freeze what it found (never to be resolved
 * again), and let the connections waiting for it go on. */
static void dnsq_finish(struct proxy *p, int i, int err)
{
	struct dnsq *q = &p->q[i];
	uint32_t at = p->l[L_DNS].head;
	char why[160];
	struct buf b = BUF_ON(why);

	close_fd(&q->fd);
	if (q->n > 0)
		err = pin_commit(p->dyn, q->name, 0, q->ips, q->n, 1, NULL);
	else if (!err)
		err = q->rcode == DNS_R_NXDOMAIN ? -ENXIO : -ENODATA;
	if (err)
		p->dns_failed++;
	if (q->sup)
		pin_answer(p, q->name, err);
	q->name[0] = 0; /* the slot is free */
	buf_puts(&b, "host allowed but could not be pinned: ");
	buf_puts(&b, err == -ENOSPC ? "pin table full" : dns_strerror(err));
	buf_str(&b);
	while (at) {
		struct conn *c = &p->c[at - 1];

		at = c->next;
		if (c->state != CS_DNS || c->dnsq != i)
			continue;
		tl_del(p, c);
		c->pin = err ? NULL : pin_find(p->dyn, c->host, c->port);
		if (!c->pin) {
			deny(p, c, 403, why);
			continue;
		}
		c->ipi = 0;
		try_next(p, c);
	}
}

static void on_dns(struct proxy *p, int i)
{
	struct dnsq *q = &p->q[i];

	for (;;) {
		ssize_t n;

		if (q->fd < 0)
			return;
		n = recv(q->fd, p->tmp, sizeof(p->tmp), MSG_DONTWAIT);
		if (n < 0) {
			/* ICMP unreachable: the next try, at its time */
			if (errno != EAGAIN && errno != EINTR)
				close_fd(&q->fd);
			return;
		}
		for (int t = 0; t < 2; t++) {
			int rcode = 0, trunc = 0, r;

			if (q->done[t])
				continue;
			r = dns_answer_parse(p->tmp, (size_t)n, q->id[t],
					     q->name, t ? DNS_T_AAAA : DNS_T_A,
					     q->ips + q->n, DNSQ_IPS - q->n,
					     &rcode, &trunc);
			if (r == -EPROTO)
				continue; /* not this question's */
			q->done[t] = 1;
			if (r > 0)
				q->n += r;
			if (!t || rcode)
				q->rcode = rcode;
			break;
		}
		if (q->done[0] && q->done[1]) {
			dnsq_finish(p, i, 0);
			return;
		}
	}
}

static void dns_tick(struct proxy *p)
{
	const struct dns_conf *d = p->cfg->dns;

	for (int i = 0; i < DNSQ_MAX; i++) {
		struct dnsq *q = &p->q[i];
		int tries = (d && d->attempts > 0 ? d->attempts : 2) *
			    (d && d->nns ? d->nns : 1);

		if (!q->name[0] || q->deadline > p->now)
			continue;
		if (++q->tries >= tries || dnsq_send(p, i) < 0)
			dnsq_finish(p, i, q->n ? 0 : -ETIMEDOUT);
	}
}

/* Pin name now from the hosts file (1), or join or start its lookup
 * (0, *qi). -ENOENT: no resolver configured; -EBUSY: DNSQ_MAX lookups
 * already; -EIO: no query could be sent; pin_commit's codes. Names the
 * sandbox chooses reach the resolvers, so their number is bounded: no
 * query once the table is full (-ENOSPC; a success is frozen there), nor
 * once PIN_MAX lookups have pinned nothing (-EDQUOT; a failure is not),
 * and DNS through sb carries at most that much out. */
static int dnsq_begin(struct proxy *p, const char *name, int *qi)
{
	const struct dns_conf *d = p->cfg->dns;
	struct sb_ip ips[DNSQ_IPS];
	size_t len = strlen(name);
	int free = -1, n, r;

	if (!d)
		return -ENOENT;
	if (len >= sizeof(p->q[0].name))
		return -EINVAL;
	for (int i = 0; i < DNSQ_MAX; i++) {
		if (p->q[i].name[0] && !strcmp(p->q[i].name, name)) {
			*qi = i;
			return 0;
		}
		if (!p->q[i].name[0] && free < 0)
			free = i;
	}
	n = d->hosts ? dns_hosts_lookup(d->hosts, name, ips, DNSQ_IPS) : 0;
	if (n > 0) {
		r = pin_commit(p->dyn, name, 0, ips, n, 1, NULL);
		return r < 0 ? r : 1;
	}
	if (free < 0)
		return -EBUSY;
	if (p->dyn->n >= PIN_MAX)
		return -ENOSPC;
	if (p->dns_failed >= PIN_MAX)
		return -EDQUOT;
	memset(&p->q[free], 0, sizeof(p->q[free]));
	p->q[free].fd = -1;
	memcpy(p->q[free].name, name, len + 1);
	if (dnsq_send(p, free) < 0) {
		close_fd(&p->q[free].fd);
		p->q[free].name[0] = 0;
		return -EIO;
	}
	*qi = free;
	return 0;
}

/* Pin c's host now: the hosts file, or a lookup joined or started. */
static void dns_start(struct proxy *p, struct conn *c)
{
	int qi = 0, r = dnsq_begin(p, c->host, &qi);

	if (r == 1) {
		c->pin = pin_find(p->dyn, c->host, c->port);
		if (!c->pin) {
			deny(p, c, 403, "host allowed but could not be pinned");
			return;
		}
		c->ipi = 0;
		try_next(p, c);
		return;
	}
	if (r == -ENOENT) {
		deny(p, c, 403, "host allowed but not pinned");
		return;
	}
	if (r == -EBUSY) {
		deny(p, c, 503, "too many names being resolved");
		return;
	}
	if (r == -EIO) {
		fail(p, c, 502, "unable to query the resolver");
		return;
	}
	if (r < 0) {
		char why[160];
		struct buf b = BUF_ON(why);

		buf_puts(&b, "host allowed but could not be pinned: ");
		buf_puts(&b, dns_strerror(r));
		deny(p, c, 403, buf_str(&b));
		return;
	}
	c->dnsq = (uint8_t)qi;
	c->state = CS_DNS;
	tl_add(p, c, L_DNS);
}

/* The frozen addresses of name for the supervisor (struct proxy_pin), or
 * why there are none. Never waits: a full channel loses the answer, and
 * the supervisor's own deadline answers the sandbox SERVFAIL. */
static void pin_answer(struct proxy *p, const char *name, int err)
{
	struct proxy_pin m;
	const struct pin *pn = NULL;
	size_t len = strlen(name);

	memset(&m, 0, sizeof(m));
	if (len >= sizeof(m.name))
		return;
	memcpy(m.name, name, len + 1);
	if (!err) {
		if (p->cfg->pins)
			pn = pin_find(p->cfg->pins, name, 0);
		if (!pn)
			pn = pin_find(p->dyn, name, 0);
		if (!pn)
			err = -ENODATA;
	}
	m.err = err;
	if (pn) {
		m.nips = pn->nips;
		memcpy(m.ips, pn->ips, sizeof(m.ips));
	}
	(void)send(p->cfg->pin_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The supervisor asks for names the sandbox looked up (dns on): one of
 * our tables, or a lookup of ours, joined with any CONNECT waiting for
 * the same name. A name no entry allows gets -EACCES: the supervisor
 * asks only for wildcard entries' names, this is a second look. */
static void on_pin(struct proxy *p, uint32_t events)
{
	for (int k = 0; k < 64; k++) {
		struct proxy_pin m;
		ssize_t n = recv(p->cfg->pin_fd, &m, sizeof(m), MSG_DONTWAIT);
		int qi = 0, r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !(events & (EPOLLHUP | EPOLLERR)))
			return;
		if (n <= 0) {
			/* The supervisor is gone: nobody will ask again. */
			(void)epoll_ctl(p->ep, EPOLL_CTL_DEL, p->cfg->pin_fd,
					NULL);
			return;
		}
		if (n != (ssize_t)sizeof(m))
			continue;
		m.name[sizeof(m.name) - 1] = 0;
		if (!m.name[0] ||
		    !policy_pins_later(p->pol, POLICY_ANY_EXE, m.name)) {
			pin_answer(p, m.name, -EACCES);
			continue;
		}
		if ((p->cfg->pins && pin_find(p->cfg->pins, m.name, 0)) ||
		    pin_find(p->dyn, m.name, 0)) {
			pin_answer(p, m.name, 0);
			continue;
		}
		r = dnsq_begin(p, m.name, &qi);
		if (r == 0)
			p->q[qi].sup = 1;
		else
			pin_answer(p, m.name, r > 0 ? 0 : r);
	}
}

/* ---- the request ---- */

static void decide(struct proxy *p, struct conn *c, const struct http_req *r,
		   size_t avail)
{
	const struct pin *pin = NULL;
	const char *exe = NULL, *bwhy = NULL;

	c->kind = r->kind;
	c->port = r->port;
	c->is_ip = r->is_ip;
	memcpy(c->host, r->host, sizeof(c->host));
	p->iw.tid = 0;                  /* standalone: look anew */
	if (p->pol->nfrom)
		exe = client_exe(p, c, &bwhy);   /* rules per binary */
	if (r->is_ip) {
		c->ip = r->ip;
		if (!policy_proxy_ip_by(p->pol, exe, &r->ip, r->port)) {
			deny(p, c, 403, from_why(p, c, bwhy,
				policy_proxy_ip_by(p->pol, POLICY_ANY_EXE,
						   &r->ip, r->port)));
			return;
		}
		if (!reach_ok(p, c, NULL, &r->ip, r->port)) {
			deny_internal(p, c, NULL, &r->ip);
			return;
		}
	} else {
		if (!policy_proxy_host_by(p->pol, exe, r->host, r->port)) {
			deny(p, c, 403, from_why(p, c, bwhy,
				policy_proxy_host_by(p->pol, POLICY_ANY_EXE,
						     r->host, r->port)));
			return;
		}
		if (p->cfg->pins)
			pin = pin_find(p->cfg->pins, r->host, r->port);
		if (!pin)
			pin = pin_find(p->dyn, r->host, r->port);
	}
	if (r->kind == HTTP_CONNECT && avail > c->head_len) {
		deny(p, c, 400, "data sent before the 200 reply");
		return;
	}
	if (p->cfg->up && policy_via_upstream(p->pol, r->host,
					      r->is_ip ? &r->ip : NULL,
					      r->port)) {
		/* The upstream resolves the name: no pin, no DNS here. */
		c->via_up = 1;
		c->ipi = 0;
		up_try_next(p, c);
		return;
	}
	if (!r->is_ip && !pin) {
		dns_start(p, c);
		return;
	}
	c->pin = pin;
	c->ipi = 0;
	try_next(p, c);
}

/* ---- transparent mode ----
 *
 * The supervisor connected a client that ignores proxies to us in place
 * of a pinned address of an allowed name (lib/notify.c), and said so in
 * its record (struct proxy_who), which the sandbox cannot forge. No
 * request comes: the first bytes must name the host, a TLS ClientHello
 * by its SNI or a plain HTTP request by its Host, and that name must be
 * allowed on the port and pin to the address the client connected to.
 * Then the bytes pass unchanged, as in a CONNECT tunnel; anything else is
 * refused (a protocol that names nothing cannot be checked). */

/* Whether this client is transparent: asked once its first bytes are
 * here, so after its connect() returned, so after the record was sent.
 * The record is read even when clients are not otherwise attributed
 * (cfg->who off): it alone tells a transparent client from one that
 * asked for the proxy. */
static void trans_known(struct proxy *p, struct conn *c)
{
	if (c->tknown)
		return;
	c->tknown = 1;
	if (c->wi <= 0)
		(void)who_told(p, c, 1);
}

static void trans_decide(struct proxy *p, struct conn *c, const char *name)
{
	const char *exe = NULL, *bwhy = NULL;
	const struct pin *pin = NULL;
	int i = 0;

	memcpy(c->host, name, sizeof(c->host));
	if (p->pol->nfrom)
		exe = client_exe(p, c, &bwhy);
	if (!policy_proxy_host_by(p->pol, exe, c->host, c->port)) {
		deny(p, c, 403, from_why(p, c, bwhy,
			policy_proxy_host_by(p->pol, POLICY_ANY_EXE, c->host,
					     c->port)));
		return;
	}
	if (p->cfg->pins)
		pin = pin_find(p->cfg->pins, c->host, c->port);
	if (!pin)
		pin = pin_find(p->dyn, c->host, c->port);
	for (; pin && i < pin->nips; i++) {
		struct sb_ip ip = pin->ips[i];

		ip_fold(&ip);
		if (ip_equal(&ip, &c->ip))
			break;
	}
	if (!pin || i == pin->nips) {
		deny(p, c, 403, "transparent: the name does not pin to the "
				"address connected to");
		return;
	}
	if (p->cfg->up && policy_via_upstream(p->pol, c->host, NULL,
					      c->port)) {
		c->via_up = 1;
		c->ipi = 0;
		up_try_next(p, c);
		return;
	}
	c->pin = NULL;          /* the one address connected to */
	c->ipi = 0;
	try_next(p, c);
}

static void trans_read(struct proxy *p, struct conn *c, uint32_t events)
{
	char sni[SB_HOST_MAX + 1];
	size_t need;
	ssize_t n;
	int r;

	c->replied = 1;         /* no HTTP reply unless it speaks HTTP */
	do
		n = recv(c->cfd, p->tls, sizeof(p->tls), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN)
			conn_free(p, c, 0);
		else if (events & (EPOLLRDHUP | EPOLLHUP))
			conn_free(p, c, 0);
		return;
	}
	if (n == 0) {
		conn_free(p, c, 0);
		return;
	}
	if (p->tls[0] == 0x16) {
		c->kind = HTTP_CONNECT;
		r = tls_client_hello(p->tls, (size_t)n, p->tmp, sizeof(p->tmp),
				     sni, &need);
		if (r == TLS_NEED_MORE && (size_t)n < sizeof(p->tls) &&
		    !(events & (EPOLLRDHUP | EPOLLHUP))) {
			/* Woken when the announced records are all here. */
			set_int(c->cfd, SOL_SOCKET, SO_RCVLOWAT, (int)need);
			c->lowat = 1;
			return;
		}
		if (c->lowat) {
			set_int(c->cfd, SOL_SOCKET, SO_RCVLOWAT, 1);
			c->lowat = 0;
		}
		if (r == TLS_SNI) {
			trans_decide(p, c, sni);
			return;
		}
		deny(p, c, 0, r == TLS_NO_SNI
			      ? "transparent: TLS ClientHello without SNI "
				"(no name to check)"
			      : r == TLS_NEED_MORE
			      ? "transparent: TLS ClientHello incomplete or "
				"too large"
			      : "transparent: malformed TLS ClientHello");
		return;
	}
	{
		struct http_scan sc = { 0, 0 };

		r = http_scan(&sc, (const char *)p->tls, (size_t)n);
	}
	if (r == 0 && !(events & (EPOLLRDHUP | EPOLLHUP)))
		return;         /* more to come (or the head deadline) */
	if (r > 0) {
		memcpy(p->head, p->tls, (size_t)r);
		c->kind = HTTP_FORWARD;
		r = http_parse_origin(p->head, (size_t)r, c->port, &p->req);
		if (r == 0 && !p->req.is_ip) {
			c->replied = 0;         /* an HTTP client: 403s */
			trans_decide(p, c, p->req.host);
			return;
		}
		deny(p, c, 0, r == 0 ? "transparent: the HTTP Host is an "
				       "address (no name to check)"
				     : p->req.why);
		return;
	}
	deny(p, c, 0, r == -EMSGSIZE
		      ? "transparent: HTTP request head too large"
		      : "transparent: neither a TLS ClientHello nor an HTTP "
			"request (no name to check)");
}

/* Read (peek) the request head; decide once it is whole. */
static void head_read(struct proxy *p, struct conn *c, uint32_t events)
{
	ssize_t n;
	size_t room;
	int r;

	if (c->tmode)
		goto trans;
	for (;;) {
		room = sizeof(p->head) - (c->peekoff ? c->scan.len : 0);
		n = recv(c->cfd, p->head, room, MSG_PEEK);
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0) {
		if (errno != EAGAIN)
			conn_free(p, c, 0);
		else if (events & (EPOLLRDHUP | EPOLLHUP))
			goto closed;
		return;
	}
	if (n == 0)
		goto closed;
	if (!c->tknown) {
		trans_known(p, c);
		if (c->tmode)
			goto trans;
	}
	if (!c->peekoff)
		memset(&c->scan, 0, sizeof(c->scan));
	r = http_scan(&c->scan, p->head, (size_t)n);
	if (r == 0) {
		if (events & (EPOLLRDHUP | EPOLLHUP))
			goto closed;
		/* Wait for more, and from now on peek only what is new. */
		if (!c->peekoff) {
			int off = (int)c->scan.len;

			if (setsockopt(c->cfd, SOL_SOCKET, SO_PEEK_OFF, &off,
				       sizeof(off)) == 0)
				c->peekoff = 1;
		}
		return;
	}
	if (r < 0) {
		deny(p, c, r == -EMSGSIZE ? 431 : 400,
		     r == -EMSGSIZE ? "request head too large"
				    : "malformed request head");
		return;
	}
	if (c->peekoff) {
		int off = -1;

		c->peekoff = 0;
		if (setsockopt(c->cfd, SOL_SOCKET, SO_PEEK_OFF, &off,
			       sizeof(off)) < 0 ||
		    (n = recv(c->cfd, p->head, (size_t)r + 1, MSG_PEEK)) < r) {
			conn_free(p, c, 1);
			return;
		}
	}
	c->head_len = (uint16_t)r;
	r = http_parse_request(p->head, (size_t)r, &p->req);
	if (r < 0) {
		deny(p, c, r == -EMSGSIZE ? 431 : 400,
		     p->req.why ? p->req.why : "malformed request");
		return;
	}
	decide(p, c, &p->req, (size_t)n);
	return;
trans:
	trans_read(p, c, events);
	return;
closed:
	/* A client that closed mid-head: nothing to answer. */
	if (c->scan.len || n > 0)
		ev_log(p, c, "deny", 400, "client closed mid-head", NULL);
	conn_free(p, c, 0);
}

/* ---- accepting ---- */

static struct conn *conn_new(struct proxy *p)
{
	struct conn *c;
	uint32_t i, gen;
	uint8_t pending;

	if (p->freelist) {
		i = p->freelist - 1;
		p->freelist = p->c[i].next;
	} else if (p->used < p->max) {
		i = (uint32_t)p->used++;
	} else {
		return NULL;
	}
	c = &p->c[i];
	gen = c->gen;
	pending = c->pending; /* a queued index stays queued */
	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->pending = pending;
	c->cfd = c->ufd = -1;
	c->uid = -1;
	c->d[0].pr = c->d[0].pw = c->d[1].pr = c->d[1].pw = -1;
	p->nconns++;
	return c;
}

static void refuse_full(struct proxy *p, int fd, const struct sb_ip *ip,
			uint16_t port)
{
	struct conn tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.cfd = fd;
	tmp.peer = *ip;
	tmp.peer_port = port;
	(void)recv(fd, p->out, sizeof(p->out), MSG_DONTWAIT);
	ev_log(p, &tmp, "deny", 503, "too many connections", NULL);
	reply(fd, 503, "too many connections");
	(void)shutdown(fd, SHUT_WR);
	close(fd);
}

/* The listener is level-triggered: a client waiting in its queue wakes
 * us again at once. Out of descriptors, the reserve one is given back to
 * turn that client away with a 503; when even the reserve cannot be had
 * again (RLIMIT_NOFILE below what we hold), the listener is disarmed for
 * ACCEPT_PAUSE_MS at a time instead of spinning (clients wait in the
 * kernel's queue). Said once an episode. */
#define ACCEPT_PAUSE_MS 1000

static void out_of_fds(struct proxy *p)
{
	int fd;

	if (p->reserve >= 0) {
		close_fd(&p->reserve);
		fd = accept(p->lfd, NULL, NULL);
		if (fd >= 0) {
			reply(fd, 503, "out of file descriptors");
			close(fd);
		}
		p->reserve = sys_open("/dev/null", O_RDONLY | O_CLOEXEC, 0);
	}
	if (!p->emfile_said)
		log_event(p->cfg->log_fd, "error", "proxy",
			  p->reserve >= 0 ? "out of file descriptors: "
					    "clients turned away (503)"
					  : "out of file descriptors: not "
					    "accepting, retried every second");
	p->emfile_said = 1;
	if (p->reserve >= 0)
		return;   /* each wake-up serves a client: no spin */
	if (epoll_ctl(p->ep, EPOLL_CTL_DEL, p->lfd, NULL) == 0) {
		p->accept_paused = 1;
		p->accept_resume = p->now + ACCEPT_PAUSE_MS;
	}
}

/* Re-arm the listener once the pause is over (and take the reserve
 * descriptor back first, if it can be had). */
static void accept_rearm(struct proxy *p)
{
	if (!p->accept_paused || p->now < p->accept_resume)
		return;
	p->accept_paused = 0;
	if (p->lfd < 0)
		return;   /* draining: no more accepts */
	if (p->reserve < 0)
		p->reserve = sys_open("/dev/null", O_RDONLY | O_CLOEXEC, 0);
	if (ep_add(p, p->lfd, EPOLLIN, T_LISTEN) < 0) {
		p->accept_paused = 1;
		p->accept_resume = p->now + ACCEPT_PAUSE_MS;
	}
}

static void on_accept(struct proxy *p)
{
	who_drain(p);
	for (int i = 0; i < 64 && p->lfd >= 0; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct sb_ip ip;
		uint16_t port;
		struct conn *c;
		int fd;

		fd = accept4(p->lfd, (struct sockaddr *)&ss, &sl,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE)
				out_of_fds(p);
			return;
		}
		p->emfile_said = 0;
		p->accepted++;
		if (sockaddr_parse(&ss, sl, &ip, &port) < 0) {
			close(fd);
			continue;
		}
		c = conn_new(p);
		if (!c) {
			refuse_full(p, fd, &ip, port);
			continue;
		}
		c->cfd = fd;
		c->peer = ip;
		c->peer_port = port;
		c->state = CS_HEAD; /* TCP_NODELAY: from the listener */
		tl_add(p, c, L_HEAD);
		if (ep_add(p, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			   ev_data(p, c, T_CLIENT)) < 0) {
			conn_free(p, c, 1);
			continue;
		}
		/* The head is usually there already. */
		head_read(p, c, 0);
	}
}

/* ---- timeouts ---- */

static void expire(struct proxy *p, struct conn *c)
{
	switch (c->list) {
	case L_HEAD:
		trans_known(p, c);
		if (c->tmode) {
			c->replied = 1;
			deny(p, c, 0, "transparent: nothing sent that names "
				      "the destination in time (no TLS "
				      "ClientHello, no HTTP request)");
		} else {
			deny(p, c, 408, "request head deadline passed");
		}
		break;
	case L_CONNECT:
		c->err = ETIMEDOUT;
		close_fd(&c->ufd);
		tl_del(p, c);
		try_next(p, c);
		break;
	case L_HELLO:
		ev_log(p, c, "deny", 0, "TLS ClientHello deadline passed",
		       NULL);
		conn_free(p, c, 1);
		break;
	case L_DNS:
		deny(p, c, 403, "host allowed but could not be pinned");
		break;
	case L_UPREPLY:
		up_say(p, c, 0, 504, "did not reply in time", NULL);
		break;
	default: /* L_IDLE, L_LINGER */
		conn_free(p, c, c->list == L_IDLE);
		break;
	}
}

static void expire_all(struct proxy *p)
{
	for (int l = 1; l < L__N; l++) {
		while (p->l[l].head) {
			struct conn *c = &p->c[p->l[l].head - 1];

			if (c->deadline > p->now)
				break;
			expire(p, c);
			/* expire() takes c off the list or gives it a later
			 * deadline; never spin on it */
			if (c->list == l && c->deadline <= p->now)
				tl_del(p, c);
		}
	}
}

static int next_timeout(struct proxy *p)
{
	int64_t t = -1;

	if (p->pend_n)
		return 0;
	for (int l = 1; l < L__N; l++) {
		if (p->l[l].head) {
			int64_t d = p->c[p->l[l].head - 1].deadline;

			if (t < 0 || d < t)
				t = d;
		}
	}
	for (int i = 0; i < DNSQ_MAX; i++)
		if (p->q[i].name[0] && (t < 0 || p->q[i].deadline < t))
			t = p->q[i].deadline;
	if (p->accept_paused && (t < 0 || p->accept_resume < t))
		t = p->accept_resume;
	if (p->draining && (t < 0 || p->drain_end < t))
		t = p->drain_end;
	if (t < 0)
		return -1;
	t -= p->now;
	return t < 0 ? 0 : t > 60000 ? 60000 : (int)t;
}

/* ---- signals ---- */

static void on_signal(struct proxy *p)
{
	struct signalfd_siginfo si;

	while (read(p->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			sum_log(p);
			continue;
		}
		if (si.ssi_signo == SIGHUP)
			continue;
		if (p->draining) {
			p->stop = 1; /* a second TERM: now */
			continue;
		}
		p->draining = (int)si.ssi_signo;
		p->drain_end = p->now + p->tmo[0];
		close_fd(&p->lfd);      /* stop accepting; the rest drains */
	}
}

/* ---- the loop ---- */

static void on_conn_event(struct proxy *p, uint64_t u, uint32_t ev)
{
	uint32_t i = (uint32_t)(u >> 3) & 0x1fffffff, tag = (uint32_t)u & 7;
	struct conn *c;

	if (i >= (uint32_t)p->used)
		return;
	c = &p->c[i];
	if (c->gen != (uint32_t)(u >> 32) || c->state == CS_FREE)
		return;
	if (tag == T_CLIENT) {
		switch (c->state) {
		case CS_HEAD:
			if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				head_read(p, c, ev);
			break;
		case CS_DNS:
		case CS_CONNECT:
		case CS_UPREPLY:
			if (ev & (EPOLLHUP | EPOLLERR))
				conn_free(p, c, 1);
			break;
		case CS_OPEN:
			if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				dir_run(p, c, 0);
			if (c->state == CS_OPEN &&
			    (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
				dir_run(p, c, 1);
			break;
		case CS_LINGER:
			linger_read(p, c);
			break;
		}
		return;
	}
	if (c->state == CS_CONNECT) {
		if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			connect_done(p, c);
	} else if (c->state == CS_UPREPLY) {
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			up_reply(p, c, ev);
	} else if (c->state == CS_OPEN) {
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			dir_run(p, c, 1);
		if (c->state == CS_OPEN &&
		    (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
			dir_run(p, c, 0);
	}
}

static void run_pending(struct proxy *p)
{
	uint32_t n = p->pend_n;

	while (n--) {
		uint32_t i = p->pend[p->pend_head];
		struct conn *c = &p->c[i];

		p->pend_head = (p->pend_head + 1) % (uint32_t)p->max;
		p->pend_n--;
		c->pending = 0;
		if (c->state == CS_OPEN)
			run_both(p, c);
	}
}

static void loop(struct proxy *p)
{
	struct epoll_event ev[128];

	while (!p->stop) {
		int n = epoll_wait(p->ep, ev, (int)LEN(ev), next_timeout(p));

		p->now = mono_ms();
		if (n < 0 && errno != EINTR) {
			log_event(p->cfg->log_fd, "error", "proxy",
				  "epoll_wait failed");
			break;
		}
		for (int i = 0; i < n; i++) {
			uint64_t u = ev[i].data.u64;

			switch (u & 7) {
			case T_LISTEN:
				on_accept(p);
				break;
			case T_SIGNAL:
				on_signal(p);
				break;
			case T_DNS:
				on_dns(p, (int)(u >> 3) & (DNSQ_MAX - 1));
				break;
			case T_PIN:
				on_pin(p, ev[i].events);
				break;
			default:
				on_conn_event(p, u, ev[i].events);
			}
		}
		run_pending(p);
		dns_tick(p);
		expire_all(p);
		accept_rearm(p);
		if (p->draining && (p->nconns == 0 || p->now >= p->drain_end))
			break;
	}
}

/* ---- set-up ---- */

void proxy_cfg_init(struct proxy_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->listen_fd = -1;
	c->ready_fd = -1;
	c->log_fd = 2;
	c->max_conns = 1024;
	c->head_ms = 10000;
	c->connect_ms = 10000;
	c->hello_ms = 10000;
	c->idle_ms = 300000;
	c->drain_ms = 30000;
	c->dns_ms = 5000;
	c->who = 1;
	c->who_fd = -1;
	c->pin_fd = -1;
	c->listen_ip.family = 4;
	c->listen_ip.a[0] = 127;
	c->listen_ip.a[3] = 1;
	c->listen_port = 3128;
}

int proxy_listen(const struct sb_ip *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_make(ip, port, &ss);
	int fd, one = 1;

	fd = socket(ip->family == 4 ? AF_INET : AF_INET6,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 4096) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Room for six descriptors a connection: raise the soft limit, or fit
 * the table to the hard one. */
static int fit_fds(struct proxy *p)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)p->max * 6 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur >= want)
		return 0;
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur < want) {
		char why[120];
		struct buf b = BUF_ON(why);
		struct log_ev e;
		int max = (int)((rl.rlim_cur - 64) / 6);

		if (max < 1)
			return -EMFILE;
		/* Capacity, not a lost layer: an advisory, to the log file
		 * only (SPEC Logs). */
		buf_puts(&b, "RLIMIT_NOFILE too low: max-conns lowered to ");
		buf_putu(&b, (unsigned)max);
		log_begin(&e, "degrade");
		log_advisory(&e);
		log_s(&e, "layer", "proxy");
		log_s(&e, "reason", buf_str(&b));
		log_end(&e, p->cfg->log_fd);
		p->max = max;
	}
	return 0;
}

static int setup(struct proxy *p, const struct proxy_cfg *cfg, sigset_t *old)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	sigset_t set;
	int r;

	p->cfg = cfg;
	p->pol = cfg->pol;
	p->ep = p->lfd = p->sfd = p->nl = p->reserve = -1;
	p->max = cfg->max_conns > 0 ? cfg->max_conns : 1;
	if (p->max > 1 << 20)
		p->max = 1 << 20;
	p->tmo[0] = cfg->drain_ms;
	p->tmo[L_HEAD] = cfg->head_ms;
	p->tmo[L_DNS] = cfg->dns_ms;
	if (cfg->dns) {
		/* Long enough for every try the lookup makes. */
		int all = (cfg->dns->attempts > 0 ? cfg->dns->attempts : 2) *
			      (cfg->dns->nns ? cfg->dns->nns : 1) *
			      (cfg->dns->timeout_ms > 0 ? cfg->dns->timeout_ms
							: 2000) +
			  1000;

		if (all > p->tmo[L_DNS])
			p->tmo[L_DNS] = all;
	}
	for (int i = 0; i < DNSQ_MAX; i++)
		p->q[i].fd = -1;
	p->tmo[L_CONNECT] = cfg->connect_ms;
	p->tmo[L_UPREPLY] = cfg->connect_ms;
	p->tmo[L_IDLE] = cfg->idle_ms;
	p->tmo[L_HELLO] = cfg->hello_ms;
	p->tmo[L_LINGER] = LINGER_MS;
	p->now = mono_ms();
	p->who_tokens = WHO_SCANS;
	p->who_refill = p->now;
	if (!cfg->pol)
		return -EINVAL;
	r = fit_fds(p);
	if (r < 0)
		return r;
	/* Allocated once, touched as used: idle costs a few pages. */
	p->c = mem_map((size_t)p->max * sizeof(*p->c));
	p->pend = mem_map((size_t)p->max * sizeof(*p->pend));
	p->sum = mem_map(SUM_MAX * sizeof(*p->sum));
	p->dyn = mem_map(sizeof(*p->dyn));
	if (cfg->who_fd >= 0) {
		p->ring = mem_map(WHO_RING * sizeof(*p->ring));
		p->wseq = mem_map(WHO_RING * sizeof(*p->wseq));
		p->wtaken = mem_map(WHO_RING);
	}
	if (!p->c || !p->pend || !p->sum || !p->dyn ||
	    (cfg->who_fd >= 0 && (!p->ring || !p->wseq || !p->wtaken)))
		return -ENOMEM;
	p->lfd = cfg->listen_fd;
	if (p->lfd < 0) {
		p->lfd = proxy_listen(&cfg->listen_ip, cfg->listen_port);
		if (p->lfd < 0)
			return p->lfd;
	} else if (fcntl(p->lfd, F_SETFL, fcntl(p->lfd, F_GETFL) | O_NONBLOCK) <
		   0) {
		return -errno;
	}
	p->ep = epoll_create1(EPOLL_CLOEXEC);
	if (p->ep < 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return -errno;
	p->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (p->sfd < 0)
		return -errno;
	/* Accepted sockets inherit it: one call less a connection. */
	set_int(p->lfd, IPPROTO_TCP, TCP_NODELAY, 1);
	/* Bound to one address, the listener names every accepted socket's
	 * own end: no getsockname() a connection to find its client. */
	sl = sizeof(ss);
	if (getsockname(p->lfd, (struct sockaddr *)&ss, &sl) < 0 ||
	    sockaddr_parse(&ss, sl, &p->lip, &p->lport) < 0 ||
	    ip_unspecified(&p->lip))
		p->lport = 0;
	r = ep_add(p, p->lfd, EPOLLIN, T_LISTEN);
	if (r == 0)
		r = ep_add(p, p->sfd, EPOLLIN, T_SIGNAL);
	if (r == 0 && cfg->pin_fd >= 0)
		r = ep_add(p, cfg->pin_fd, EPOLLIN, T_PIN);
	if (r < 0)
		return r;
	/* Optional: without them, fewer log fields, or no EMFILE relief. */
	p->nl =
	    socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	p->reserve = sys_open("/dev/null", O_RDONLY | O_CLOEXEC, 0);
	return 0;
}

static void teardown(struct proxy *p)
{
	for (int i = 0; i < p->used; i++)
		if (p->c[i].state != CS_FREE)
			conn_free(p, &p->c[i], 1);
	close_fd(&p->lfd);
	close_fd(&p->ep);
	close_fd(&p->sfd);
	close_fd(&p->nl);
	close_fd(&p->reserve);
	while (p->npipes > 0) {
		p->npipes--;
		close_fd(&p->pipes[p->npipes][0]);
		close_fd(&p->pipes[p->npipes][1]);
	}
	for (int i = 0; i < DNSQ_MAX; i++)
		close_fd(&p->q[i].fd);
	if (p->dyn)
		munmap(p->dyn, sizeof(*p->dyn));
	if (p->c)
		munmap(p->c, (size_t)p->max * sizeof(*p->c));
	if (p->pend)
		munmap(p->pend, (size_t)p->max * sizeof(*p->pend));
	if (p->sum)
		munmap(p->sum, SUM_MAX * sizeof(*p->sum));
}

/* Once set up, the proxy confines itself (SPEC "sb confines itself"):
 * Landlock - no file but the hosts file (names pinned on first use), no
 * TCP bind, TCP connect to the policy's ports only (any, with a ':*'
 * entry), no abstract UNIX socket or signal outside - then its seccomp
 * allow-list. What holds goes into the start event. */
static int proxy_confine(struct proxy *p)
{
	const struct policy *pol = p->pol;
	uint16_t ports[3 * POLICY_MAX_DEST + 1];
	int n = 0, any = 0, r;
	const struct dest *d;

	for (int k = 0; k < 2; k++) {
		int m = k ? pol->ndirect : pol->nallow;

		for (int i = 0; i < m; i++) {
			d = k ? &pol->direct[i] : &pol->allow[i];
			if (!d->port)
				any = 1;
			else
				ports[n++] = d->port;
		}
	}
	for (int i = 0; i < pol->nfrom; i++) {   /* rules per binary */
		if (!pol->from[i].port)
			any = 1;
		else
			ports[n++] = pol->from[i].port;
	}
	if (pol->has_upstream) {
		if (!pol->upstream.port)
			any = 1;
		else
			ports[n++] = pol->upstream.port;
	}
	r = landlock_helper(ports, n, any, p->cfg->dns ? p->cfg->dns->hosts
							: NULL, &p->ll_what);
	if (r < 0)
		return r;
	p->ll_fs = r == 0;
	r = sc_confine_helper(SC_PROXY, p->cfg->log_fd);
	if (r == 0)
		p->confined = 1;
	return r;
}

static void log_start(struct proxy *p)
{
	struct log_ev e;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct sb_ip ip;
	uint16_t port;
	char a[48];

	log_begin(&e, "start");
	log_s(&e, "layer", "proxy");
	if (getsockname(p->lfd, (struct sockaddr *)&ss, &sl) == 0 &&
	    sockaddr_parse(&ss, sl, &ip, &port) == 0) {
		ip_format(&ip, a, sizeof(a));
		log_s(&e, "listen", a);
		log_i(&e, "port", port);
	}
	log_i(&e, "allow", p->pol->nallow);
	log_i(&e, "pins", p->cfg->pins ? p->cfg->pins->n : 0);
	if (p->cfg->up) {
		log_s(&e, "upstream", p->cfg->up->url);
		log_s(&e, "upstream_auth", p->cfg->up->auth_from ?
		      p->cfg->up->auth_from : "none");
	}
	log_i(&e, "max_conns", p->max);
	if (p->cfg->confine) {
		log_s(&e, "self_seccomp", p->confined ? "allow-list" : "none");
		log_s(&e, "self_landlock", p->ll_what);
	}
	log_i(&e, "pid", getpid());
	log_end(&e, p->cfg->log_fd);
}

int proxy_run(const struct proxy_cfg *cfg)
{
	struct proxy *p = mem_map(sizeof(*p));
	struct sigaction ign, oldpipe;
	sigset_t old;
	int r;

	if (!p) {
		if (cfg->ready_fd >= 0)
			close(cfg->ready_fd);
		return -ENOMEM;
	}
	sigprocmask(SIG_SETMASK, NULL, &old);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &oldpipe);
	r = setup(p, cfg, &old);
	if (r < 0) {
		log_event(cfg->log_fd, "error", "proxy", err_str(r));
		if (cfg->ready_fd >= 0)
			close(cfg->ready_fd);
		goto out;
	}
	p->ll_what = "none";
	if (cfg->confine && (r = proxy_confine(p)) < 0) {
		log_event(cfg->log_fd, "error", "proxy", err_str(r));
		if (cfg->ready_fd >= 0)
			close(cfg->ready_fd);
		goto out;
	}
	log_start(p);
	if (cfg->ready_fd >= 0) {
		(void)write_all(cfg->ready_fd, "R", 1);
		close(cfg->ready_fd);
	}
	loop(p);
	sum_log(p);
	{
		struct log_ev e;

		log_begin(&e, "exit");
		log_s(&e, "layer", "proxy");
		log_i(&e, "accepted", (long long)p->accepted);
		log_i(&e, "allowed", (long long)p->allowed);
		log_i(&e, "denied", (long long)p->denied);
		log_i(&e, "failed", (long long)p->failed);
		log_i(&e, "open", p->nconns);
		if (p->draining)
			log_i(&e, "signal", p->draining);
		log_end(&e, cfg->log_fd);
	}
	r = 0;
out:
	teardown(p);
	sigprocmask(SIG_SETMASK, &old, NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	munmap(p, sizeof(*p));
	return r;
}
