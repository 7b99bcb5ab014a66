/* lib/dnsd.c - "dns on": every DNS query of the sandbox answered by the
 * supervisor from the pinned table, and none ever sent on (SPEC sb-notifyd,
 * DNS). References: RFC 1035 (messages), RFC 6891 (EDNS0), RFC 7766 (TCP),
 * seccomp_unotify(2), unix(7).
 *
 * No real UDP socket is ever handed out: one bound to "lo" still leaves by
 * another interface through an IP_PKTINFO control message on sendmsg(),
 * whose msghdr the filter cannot see. socket(AF_INET[6], SOCK_DGRAM) gets a
 * stand-in instead: one end t of an AF_UNIX datagram socketpair, whose
 * other end a is ours, in the supervisor's epoll loop. Leak-proof by
 * construction: whatever the sandbox does with t in the kernel reaches a or
 * nothing. sendmsg/sendmmsg/sendto with an AF_INET name on it fail in the
 * kernel (EINVAL: unix_validate_addr), control messages on AF_UNIX carry
 * no route, and t can reach no one but a (a's peer is t, so unix_may_send
 * refuses every other sender to a, and t's own peer is only ever a, set by
 * us). AF_UNIX names on it are what a sandbox-made AF_UNIX socket reaches
 * anyway, under the same Landlock rules (the hooks check the calling task).
 *
 * t starts unconnected (socketpair, then AF_UNSPEC), as a fresh UDP socket
 * is: libuv (dig) asks getpeername() first and refuses to connect a socket
 * that already has a peer. a is autobound (an abstract name), so that our
 * reference to t can be connected to it when the sandbox connects t; no one
 * else can send to a (unix_may_send: a's peer is t).
 *
 * The calls that carry an Internet address are the supervisor's (the
 * filter, lib/filter.c, notifies them only with "dns on", by argument):
 *   connect()    every one is notified already: on a stand-in, port 53 or
 *                not, it is recorded (the address the answers come "from")
 *                and our reference to t connected to a; AF_UNSPEC
 *                disconnects it. Answered 0: a UDP connect contacts nobody.
 *   bind()       addrlen 16 or 28 (sockaddr_in, sockaddr_in6): recorded on
 *                a stand-in, answered 0; on any other socket the kernel's
 *                own bind (CONTINUE), under Landlock's bind rule as before.
 *   sendto()     with an address of length 16 or 28: on a stand-in, to any
 *                address and port, the query is read from the target and
 *                answered by us (the answer queued on t, "from" that
 *                address); bytes that are no DNS query: EACCES and a deny
 *                event. Elsewhere: CONTINUE.
 *   recvfrom()   with an address: on a stand-in, the supervisor receives on
 *                its own reference and writes the data, the address the
 *                resolver expects (the one its query went to, found by the
 *                answer's DNS id) and its length into the target's memory
 *                (/proc/TID/mem opened O_RDWR: process_vm_writev is refused
 *                by the runtimes' profiles, the ptrace access check is the
 *                same); ID_VALID after the open and after the write. A
 *                blocking socket with nothing queued waits in our loop.
 *                Elsewhere: CONTINUE.
 *   setsockopt() at the IPPROTO_IP and IPPROTO_IPV6 levels, and
 *                SO_REUSEPORT: 0 on a stand-in (glibc gives up when
 *                IP_RECVERR fails, dig aborts when SO_REUSEPORT does), the
 *                kernel's own elsewhere.
 *   getsockname() every one (its arguments say nothing): on a stand-in an
 *                Internet address of its family (the bound one, or the
 *                unspecified address and a port of its own); elsewhere
 *                CONTINUE. It costs one round trip per call, with "dns on".
 * CONTINUE is safe for these: none decides a destination, and an fd
 * swapped in by another thread meanwhile gets exactly what the kernel does
 * without us (on a stand-in, an Internet name fails: EINVAL).
 * sends without an address (send, write, sendmmsg of connected sockets)
 * and receives without one (recv, read) never leave the kernel.
 *
 * A name a wildcard entry allows is pinned on first use by the proxy,
 * which holds the one table of such names (lib/proxy.h struct
 * proxy_pin): the query waits (dnsd_wait) while the supervisor asks it
 * over a socketpair the sandbox holds no end of, and is answered once it
 * says, from n->pinned, which the connect decision reads too.
 *
 * TCP to port 53 (any address) on a handed-out socket: connected by the
 * supervisor to its own TCP answerer on loopback (lib/notify.c,
 * connect_ours), RFC 7766 framing, several queries a connection; it serves
 * only the local ports of the sockets it connected there. A client's
 * bind(0.0.0.0:0) of a handed-out TCP socket (dig +tcp) is the
 * supervisor's too, on its reference, when the policy has no bind ports:
 * Landlock refuses port 0, and without listen() (refused by the filter)
 * the bound socket can only connect, which is decided as ever.
 *
 * What each stub resolver does and needs (verified with strace and the
 * tests in tests/dns.test, Debian 12):
 *   glibc 2.36 (getent, Python getaddrinfo, Node dns.lookup, Go cgo):
 *     socket(SOCK_DGRAM|NONBLOCK), connect(ns:53), sendmmsg() of A and
 *     AAAA without names, poll, recvfrom() with an address, then
 *     res_ourserver_p() compares family, address and port with the
 *     nameserver: answered by the recvfrom emulation. getaddrinfo's RFC
 *     3484 sort connects a UDP socket to each result and calls
 *     getsockname() (the emulation gives it an address of the right
 *     family). RES_OPTIONS=use-vc: TCP, the answerer.
 *   musl 1.2.3: socket(SOCK_DGRAM), bind(0.0.0.0:0), sendto(ns:53) of each
 *     query to each server, recvfrom() with an address compared with
 *     memcmp over the whole sockaddr: bind, sendto and recvfrom emulated;
 *     the address written back is the very bytes it sent to. (musl 1.2.3
 *     has no TCP fallback; a truncated answer is returned as is.)
 *   Go 1.19, pure resolver: connect(ns:53), write(), read(): the kernel's
 *     path; its getsockname()/getpeername() results are only kept as
 *     LocalAddr/RemoteAddr (an AF_UNIX peer becomes nil). TCP (use-vc, or
 *     a truncated answer) to the answerer.
 *   c-ares 1.34 (Node dns.resolve4): connect(ns:53), getsockname() after
 *     it (for DNS cookies: an AF_UNIX answer makes it give the server up
 *     with ECONNREFUSED, hence the getsockname emulation), send(), then
 *     recvfrom() with an address compared with the server's.
 *   dig (BIND 9.18, libuv): getpeername() (must be ENOTCONN), bind(0:0),
 *     connect(ns:53), sendmmsg(), then recvmsg() with msg_name: the filter
 *     cannot see msghdr, so the kernel's AF_UNIX source reaches it; see
 *     tests/dns.test and README for what dig makes of it. +tcp: the
 *     answerer. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "buf.h"
#include "dns.h"
#include "dnsd.h"
#include "ident.h"
#include "log.h"
#include "notify.h"
#include "proxy.h"
#include "sb.h"
#include "sys.h"

/* ---- the pure half: a query in, an answer out --------------------------- */

#define T_OPT 41
#define R_NOTIMP 4
#define R_BADVERS 16

struct query {
	uint16_t id, flags, qtype, qclass;
	size_t qend;                  /* end of the question section */
	int odd;                      /* a label no host name has */
	int edns;                     /* an OPT record came */
	uint16_t edns_size;
	uint8_t edns_version;
	char name[SB_HOST_MAX + 2];
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Skip a name that may end in a compression pointer (additional records).
 * The offset past it, or 0. */
static size_t skip_name(const uint8_t *m, size_t n, size_t i)
{
	for (int labels = 0; i < n && labels < 128; labels++) {
		uint8_t l = m[i];

		if (l == 0)
			return i + 1;
		if ((l & 0xc0) == 0xc0)
			return i + 2 <= n ? i + 2 : 0;
		if (l & 0xc0)
			return 0;
		i += 1 + (size_t)l;
	}
	return 0;
}

/* 0: a query we can answer; 1: FORMERR (header sane); -1: drop. */
static int parse_query(const uint8_t *m, size_t n, struct query *q)
{
	size_t i = 12, out = 0;
	uint16_t qd, an, ns, ar;

	memset(q, 0, sizeof(*q));
	if (n < 12)
		return -1;
	q->id = get16(m);
	q->flags = get16(m + 2);
	if (q->flags & 0x8000)
		return -1;                  /* a response: never answered */
	qd = get16(m + 4);
	an = get16(m + 6);
	ns = get16(m + 8);
	ar = get16(m + 10);
	if (qd != 1 || an || ns)
		return 1;
	/* The question: plain labels (no pointer in a query's question). */
	for (;;) {
		uint8_t l;

		if (i >= n)
			return 1;
		l = m[i++];
		if (l == 0)
			break;
		if (l > 63 || i + l > n || out + l + 1 > SB_HOST_MAX + 1)
			return 1;
		if (out)
			q->name[out++] = '.';
		for (uint8_t k = 0; k < l; k++) {
			uint8_t c = m[i + k];

			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c | 0x20);
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == '-' || c == '_'))
				q->odd = 1;
			q->name[out++] = (char)c;
		}
		i += l;
	}
	q->name[out] = 0;
	if (i + 4 > n)
		return 1;
	q->qtype = get16(m + i);
	q->qclass = get16(m + i + 2);
	i += 4;
	q->qend = i;
	/* Additional records: an OPT (EDNS0) is read, others skipped. */
	for (uint16_t k = 0; k < ar; k++) {
		size_t j = skip_name(m, n, i);
		uint16_t type, rdlen;

		if (!j || j + 10 > n)
			return 1;
		type = get16(m + j);
		rdlen = get16(m + j + 8);
		if (j + 10 + rdlen > n)
			return 1;
		if (type == T_OPT) {
			if (q->edns || j != i + 1)
				return 1;       /* twice, or not the root */
			q->edns = 1;
			q->edns_size = get16(m + j + 2);
			q->edns_version = m[j + 5];
		}
		i = j + 10 + rdlen;
	}
	return 0;
}

/* The header, then the question copied as asked (its case too). */
static size_t begin(const uint8_t *m, const struct query *q, int rcode,
		    int with_q, uint8_t *out)
{
	uint16_t fl = (uint16_t)(0x8000 | (q->flags & 0x7900) | 0x0080 |
				 (rcode & 0xf));

	/* QR, the opcode and RD as asked, CD as asked, RA. */
	fl = (uint16_t)(fl | (q->flags & 0x0010));
	put16(out, q->id);
	put16(out + 2, fl);
	put16(out + 4, with_q ? 1 : 0);
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	if (!with_q)
		return 12;
	memcpy(out + 12, m + 12, q->qend - 12);
	return q->qend;
}

static size_t add_opt(uint8_t *out, size_t at, int ext_rcode)
{
	out[at] = 0;                             /* root */
	put16(out + at + 1, T_OPT);
	put16(out + at + 3, DNSD_UDP_PAYLOAD);
	out[at + 5] = (uint8_t)(ext_rcode >> 4);
	out[at + 6] = 0;                         /* version */
	put16(out + at + 7, 0);                  /* flags: no DO */
	put16(out + at + 9, 0);                  /* no options */
	put16(out + 10, (uint16_t)(get16(out + 10) + 1));
	return at + 11;
}

int dnsd_answer(const struct policy *p, const struct pin_table *pins,
		const uint8_t *m, size_t n, int tcp, uint8_t *out, size_t cap,
		struct dnsd_info *info)
{
	return dnsd_answer_by(p, pins, NULL, m, n, tcp, out, cap, info);
}

int dnsd_answer_by(const struct policy *p, const struct pin_table *pins,
		   const char *exe, const uint8_t *m, size_t n, int tcp,
		   uint8_t *out, size_t cap, struct dnsd_info *info)
{
	struct query q;
	const struct pin *pn = NULL;
	size_t at, max, need;
	int r, rcode = DNS_R_NOERROR, nrec = 0;

	memset(info, 0, sizeof(*info));
	r = parse_query(m, n, &q);
	if (r < 0 || cap < 512)
		return -1;
	info->qtype = q.qtype;
	if (r > 0) {
		info->rcode = DNS_R_FORMERR;
		return (int)begin(m, &q, DNS_R_FORMERR, 0, out);
	}
	memcpy(info->name, q.name, sizeof(info->name));
	if ((q.flags >> 11 & 0xf) != 0) {
		info->rcode = R_NOTIMP;
		return (int)begin(m, &q, R_NOTIMP, 1, out);
	}
	if (q.edns && q.edns_version > 0) {
		/* RFC 6891 6.1.3: BADVERS, no question needed. */
		info->rcode = R_BADVERS;
		at = begin(m, &q, 0, 0, out);
		return (int)add_opt(out, at, R_BADVERS);
	}
	if (q.qclass != DNS_C_IN && q.qclass != 255) {
		rcode = DNS_R_REFUSED;
	} else if (q.odd || !q.name[0] || !pins ||
		   !(pn = pin_find(pins, q.name, 0))) {
		/* Not pinned: a wildcard's name has no address yet (SERVFAIL:
		 * not "no such name", which a resolver would believe; the
		 * supervisor asks the proxy to pin it first, dnsd_wait); any
		 * other name does not exist for the sandbox. */
		int ok = !q.odd && q.name[0] && p;

		info->wildcard = ok && policy_pins_later(p, exe, q.name);
		info->forbin = ok && !info->wildcard && p->nfrom &&
			       policy_pins_later(p, POLICY_ANY_EXE, q.name);
		rcode = info->wildcard ? DNS_R_SERVFAIL : DNS_R_NXDOMAIN;
	}
	if (pn && p && p->nfrom && !policy_host_for(p, exe, q.name)) {
		/* Pinned for another binary's entry only (rules per binary). */
		pn = NULL;
		rcode = DNS_R_NXDOMAIN;
		info->forbin = 1;
	}
	info->rcode = rcode;
	at = begin(m, &q, rcode, 1, out);
	/* The client's limit: 512, or what its OPT says (RFC 6891 6.2.5),
	 * never more than our buffer. TCP: the buffer. */
	max = tcp ? cap : 512;
	if (!tcp && q.edns && q.edns_size > 512)
		max = q.edns_size < cap ? q.edns_size : cap;
	need = at + (q.edns ? 11 : 0);
	if (pn && (q.qtype == DNS_T_A || q.qtype == DNS_T_AAAA)) {
		int fam = q.qtype == DNS_T_A ? 4 : 6;
		size_t rl = fam == 4 ? 4 : 16;

		for (int i = 0; i < pn->nips && i < PIN_MAX_IPS; i++) {
			uint8_t *rr = out + at;

			if (pn->ips[i].family != fam)
				continue;
			if (need + 12 + rl > max) {
				/* Too big for the client: TC, no answers. */
				info->truncated = 1;
				at = begin(m, &q, rcode, 1, out);
				put16(out + 2, (uint16_t)(get16(out + 2) |
							  0x0200));
				nrec = 0;
				break;
			}
			put16(rr, 0xc00c);           /* the question's name */
			put16(rr + 2, q.qtype);
			put16(rr + 4, DNS_C_IN);
			put16(rr + 6, 0);
			put16(rr + 8, DNSD_TTL);
			put16(rr + 10, (uint16_t)rl);
			memcpy(rr + 12, pn->ips[i].a, rl);
			at += 12 + rl;
			need += 12 + rl;
			nrec++;
		}
		put16(out + 6, (uint16_t)nrec);
	}
	info->naddrs = nrec;
	if (q.edns)
		at = add_opt(out, at, 0);
	return (int)at;
}

/* ---- the supervisor's half ---------------------------------------------- */

#define TCP_IDLE_MS 10000
#define CHECK_MS 1000                /* a stand-in's owner is looked at */
#define IDX_TCP_L 1000               /* epoll tags: 0.. stand-ins, then */
#define IDX_TCP 2000                 /* the listeners, the connections */
#define IDX_PIN 3000                 /* the proxy's answers (pin_fd) */

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t tag(struct notify_ctx *n, int i)
{
	return (uint64_t)n->dns.ev << 32 | (uint32_t)i;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

static int resp(struct notify_ctx *n, int li, uint64_t id, int64_t val,
		int err, uint32_t flags)
{
	union {
		struct seccomp_notif_resp r;
		char mem[64];
	} u;

	memset(&u, 0, sizeof(u));
	u.r.id = id;
	u.r.val = val;
	u.r.error = err;
	u.r.flags = flags;
	return sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_SEND, &u);
}

static int valid(struct notify_ctx *n, int li, uint64_t id)
{
	return sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_ID_VALID, &id) == 0;
}

/* The kernel's own call: only for the calls none of which decides a
 * destination (see the header comment). */
static void cont(struct notify_ctx *n, int li, uint64_t id)
{
	if (valid(n, li, id))
		(void)resp(n, li, id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

static const char *path_of(char *mem, size_t cap, pid_t tid, const char *what,
			   int fd)
{
	struct buf b;

	buf_init(&b, mem, cap);
	buf_puts(&b, "/proc/");
	buf_puti(&b, tid);
	buf_putc(&b, '/');
	buf_puts(&b, what);
	if (fd >= 0) {
		buf_putc(&b, '/');
		buf_puti(&b, fd);
	}
	return buf_str(&b);
}

/* The sockfs inode the target's fd names, or 0. */
static uint64_t fd_ino(pid_t tid, int fd)
{
	char path[48], link[64];
	ssize_t len;
	uint64_t v = 0;

	if (fd < 0)
		return 0;
	len = readlink(path_of(path, sizeof(path), tid, "fd", fd), link,
		       sizeof(link) - 1);
	if (len < 10 || memcmp(link, "socket:[", 8) || link[len - 1] != ']')
		return 0;
	for (ssize_t i = 8; i < len - 1; i++) {
		if (link[i] < '0' || link[i] > '9' || v > UINT64_MAX / 16)
			return 0;
		v = v * 10 + (uint64_t)(link[i] - '0');
	}
	return v;
}

static int sock_find(struct notify_ctx *n, int li, uint64_t ino)
{
	for (int i = 0; ino && i < DNSD_MAX_SOCKS; i++)
		if (n->dns.socks[i].t >= 0 && n->dns.socks[i].lis == li &&
		    n->dns.socks[i].ino == ino)
			return i;
	return -1;
}

/* The target's memory, read or written (/proc/TID/mem: the runtimes'
 * profiles refuse process_vm_writev; the ptrace access check is the
 * same). ID_VALID after the open proves the TID was still our blocked
 * target then, and after a write that it still waits for this answer.
 * 0, or -ENOENT (the notification died), -EFAULT (a short access). */
struct mem {
	int fd;
};

static int mem_open(struct notify_ctx *n, int li, uint64_t id, pid_t tid,
		    struct mem *m, int wr)
{
	char path[32];

	m->fd = sys_open(path_of(path, sizeof(path), tid, "mem", -1),
			 (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (m->fd < 0)
		return -errno;
	if (!valid(n, li, id)) {
		close_fd(&m->fd);
		return -ENOENT;
	}
	return 0;
}

static int mem_io(struct mem *m, void *buf, uint64_t at, size_t len, int wr)
{
	ssize_t k;

	if (!len)
		return 0;
	if (at > (uint64_t)INT64_MAX - len)
		return -EFAULT;
	k = wr ? pwrite(m->fd, buf, len, (off_t)at)
	       : pread(m->fd, buf, len, (off_t)at);
	return k == (ssize_t)len ? 0 : -EFAULT;
}

/* ---- the log ---- */

static const char *qtype_name(uint16_t t, char *mem)
{
	struct buf b;

	if (t == DNS_T_A)
		return "A";
	if (t == DNS_T_AAAA)
		return "AAAA";
	buf_init(&b, mem, 8);
	buf_putu(&b, t);
	return buf_str(&b);
}

static const char *rcode_name(int r)
{
	switch (r) {
	case DNS_R_NOERROR: return "NOERROR";
	case DNS_R_FORMERR: return "FORMERR";
	case DNS_R_SERVFAIL: return "SERVFAIL";
	case DNS_R_NXDOMAIN: return "NXDOMAIN";
	case R_NOTIMP: return "NOTIMP";
	case DNS_R_REFUSED: return "REFUSED";
	default: return "BADVERS";
	}
}

static void log_pid(struct log_ev *e, pid_t tid)
{
	char path[32], exe[256];
	ssize_t len;

	if (!tid)
		return;
	log_i(e, "pid", tid);
	len = readlink(path_of(path, sizeof(path), tid, "exe", -1), exe,
		       sizeof(exe));
	if (len > 0)
		log_sn(e, "exe", exe, (size_t)len);
}

/* One event per query: allow when a pinned name is answered, deny for
 * every name the sandbox may not resolve. */
static void log_query(struct notify_ctx *n, pid_t tid, const char *proto,
		      const struct dnsd_info *in)
{
	struct log_ev e;
	char t[8], why[128];
	int ok = in->rcode == DNS_R_NOERROR && !in->pin_err;
	struct buf b = BUF_ON(why);

	if (n->log_fd < 0)
		return;
	log_begin(&e, ok ? "allow" : "deny");
	log_pid(&e, tid);
	log_s(&e, "syscall", "dns");
	log_s(&e, "host", in->name[0] ? in->name : NULL);
	log_s(&e, "pin", in->pin);
	log_s(&e, "qtype", qtype_name(in->qtype, t));
	log_s(&e, "proto", proto);
	log_s(&e, "rcode", rcode_name(in->rcode));
	log_i(&e, "answers", in->naddrs);
	log_s(&e, "layer", "dns");
	buf_puts(&b, "allowed, but could not be pinned: ");
	switch (in->pin_err) {
	case -ENOTCONN:
		buf_puts(&b, "no proxy of sb's to pin it (--no-proxy)");
		break;
	case -EBUSY:
		buf_puts(&b, "too many names being pinned at once");
		break;
	case -E2BIG:
		buf_puts(&b, "a query too large to hold meanwhile");
		break;
	case -ETIME:
		buf_puts(&b, "no answer from the proxy in time");
		break;
	default:
		buf_puts(&b, dns_strerror(in->pin_err));
	}
	buf_str(&b);
	log_s(&e, "reason", ok ? "answered from the pinned table" :
		  in->wildcard ? why :
		  in->forbin ? "name allowed for other binaries only ('from' "
			       "entries)" :
		  in->rcode == DNS_R_NXDOMAIN ? "name not in the policy" :
		  "not a query sb answers");
	(void)log_end(&e, n->log_fd);
}

static void log_why(struct notify_ctx *n, const char *event, pid_t tid,
		    const char *sys, const char *reason, const struct sb_ip *ip,
		    int port)
{
	struct log_ev e;
	char text[48];

	if (n->log_fd < 0)
		return;
	log_begin(&e, event);
	log_pid(&e, tid);
	log_s(&e, "syscall", sys);
	if (ip) {
		ip_format(ip, text, sizeof(text));
		log_s(&e, "ip", text);
	}
	if (port >= 0)
		log_i(&e, "port", port);
	log_s(&e, "layer", "dns");
	log_s(&e, "reason", reason);
	(void)log_end(&e, n->log_fd);
}

/* ---- stand-ins ---- */

static void sock_free(struct notify_ctx *n, int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];

	if (s->t < 0)
		return;
	if (s->wait_id && valid(n, s->wait_lis, s->wait_id))
		(void)resp(n, s->wait_lis, s->wait_id, 0, -ECONNREFUSED, 0);
	(void)epoll_ctl(n->epfd, EPOLL_CTL_DEL, s->a, NULL);
	close_fd(&s->a);
	close_fd(&s->t);
	n->dns.nsocks--;
	for (int k = 0; k < DNSD_WAITS; k++)
		if (n->dns.waits[k].sock == i)
			n->dns.waits[k].sock = -1;
}

/* Is the socket still in its creator's fd table? Bounded like notify.c's
 * reclaim(): a table too large to read keeps the reference. */
static int sock_held(const struct dnsd_sock *s)
{
	char path[40], link[64], dir[32];
	int found = 0, nfd = 0, fd;
	pid_t who = s->tgid ? s->tgid : s->tid;

	fd = sys_open(path_of(dir, sizeof(dir), who, "fd", -1),
		      O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	for (;;) {
		char mem[4096];
		long k = syscall(SYS_getdents64, fd, mem, sizeof(mem));

		if (k <= 0)
			break;
		for (long off = 0; off < k && !found;) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short len;
				unsigned char type;
				char name[];
			} *d = (void *)(mem + off);
			int num = 0;
			const char *c = d->name;

			off += d->len;
			if (*c < '0' || *c > '9')
				continue;
			for (; *c >= '0' && *c <= '9' && num < 1 << 24; c++)
				num = num * 10 + (*c - '0');
			if (++nfd > 4096) {
				found = 1;
				break;
			}
			{
				struct buf b = BUF_ON(path);
				ssize_t len;
				char want[32];
				struct buf w = BUF_ON(want);

				buf_puts(&b, dir);
				buf_putc(&b, '/');
				buf_puti(&b, num);
				buf_puts(&w, "socket:[");
				buf_putu(&w, s->ino);
				buf_putc(&w, ']');
				buf_str(&w);
				len = readlink(buf_str(&b), link, sizeof(link));
				if (len == (ssize_t)strlen(want) &&
				    !memcmp(link, want, (size_t)len))
					found = 1;
			}
		}
		if (found)
			break;
	}
	(void)close(fd);
	return found;
}

static void deny_req(struct notify_ctx *n, int li,
		     const struct seccomp_notif *r, const char *sys,
		     const char *reason, int err)
{
	log_why(n, "deny", (pid_t)r->pid, sys, reason, NULL, -1);
	(void)resp(n, li, r->id, 0, err, 0);
}

struct dnsd_alive {
	struct notify_ctx *n;
	int li;
	uint64_t id;
};

static int dnsd_alive(void *arg)
{
	const struct dnsd_alive *a = arg;

	return valid(a->n, a->li, a->id);
}

void dnsd_socket(struct notify_ctx *n, int li, const struct seccomp_notif *r)
{
	int domain = (int)r->data.args[0], type = (int)r->data.args[1];
	int proto = (int)r->data.args[2], sv[2], i, k, mine = 0, rr;
	struct dnsd_sock *s;
	struct sockaddr_un un;
	struct sb_notif_addfd add;
	socklen_t ul = sizeof(un);
	struct stat st;

	if (!n->p->dns) {
		deny_req(n, li, r, "socket", "UDP socket: DNS is refused "
			 "('dns off') and sb hands out no other UDP", -EACCES);
		return;
	}
	if ((type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC)) ||
	    (proto != 0 && proto != IPPROTO_UDP) ||
	    (domain != AF_INET && domain != AF_INET6)) {
		deny_req(n, li, r, "socket", "only UDP sockets for DNS are "
			 "handed out", -EACCES);
		return;
	}
	for (k = 0; k < DNSD_MAX_SOCKS; k++)
		mine += n->dns.socks[k].t >= 0 && n->dns.socks[k].lis == li;
	if (mine >= DNSD_SOCKS_PER_LISTENER || n->dns.nsocks >= DNSD_MAX_SOCKS)
		dnsd_sweep(n, -1);          /* drop what was closed */
	for (i = 0, mine = 0; i < DNSD_MAX_SOCKS; i++)
		mine += n->dns.socks[i].t >= 0 && n->dns.socks[i].lis == li;
	for (i = 0; i < DNSD_MAX_SOCKS && n->dns.socks[i].t >= 0; i++)
		;
	if (i == DNSD_MAX_SOCKS || mine >= DNSD_SOCKS_PER_LISTENER) {
		log_why(n, "error", (pid_t)r->pid, "socket", "too many UDP "
			"(DNS) sockets open", NULL, -1);
		(void)resp(n, li, r->id, 0, -EMFILE, 0);
		return;
	}
	s = &n->dns.socks[i];
	memset(s, 0, sizeof(*s));
	s->t = s->a = -1;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) {
		(void)resp(n, li, r->id, 0, -errno, 0);
		return;
	}
	s->t = sv[0];
	s->a = sv[1];
	n->dns.nsocks++;
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	/* a: autobound (an abstract name only its peer t may send to), non-
	 * blocking; t: unconnected, as a fresh UDP socket is. */
	if (fcntl(s->a, F_SETFL, O_NONBLOCK) < 0 ||
	    bind(s->a, (struct sockaddr *)&un, sizeof(sa_family_t)) < 0 ||
	    getsockname(s->a, (struct sockaddr *)&un, &ul) < 0 ||
	    ul > sizeof(s->aname) ||
	    connect(s->t, (struct sockaddr *)&(struct sockaddr){ .sa_family =
		    AF_UNSPEC }, sizeof(struct sockaddr)) < 0 ||
	    ((type & SOCK_NONBLOCK) && fcntl(s->t, F_SETFL, O_NONBLOCK) < 0) ||
	    fstat(s->t, &st) < 0 ||
	    sys_epoll_add(n->epfd, s->a, EPOLLIN, tag(n, i)) < 0) {
		rr = -errno;
		sock_free(n, i);
		(void)resp(n, li, r->id, 0, rr, 0);
		return;
	}
	memcpy(s->aname, &un, ul);
	s->aname_len = (uint8_t)ul;
	s->lis = (int16_t)li;
	s->family = (uint8_t)domain;
	s->ino = (uint64_t)st.st_ino;
	s->tid = (pid_t)r->pid;
	s->tgid = notify_status_pid(s->tid, "Tgid");
	s->born = s->checked = now_ms();
	if (n->p->nfrom) {
		/* Its creator's binary, while socket() blocks it. */
		struct dnsd_alive al = { n, li, r->id };
		struct ident_who w;

		if (ident_of(&n->ident, n->p, s->tid, dnsd_alive, &al, &w) < 0) {
			sock_free(n, i);
			return;             /* the notification died */
		}
		if (ident_exe(&w))
			memcpy(s->exe, w.exe, sizeof(s->exe));
		s->pin = (uint8_t)w.state;
	}
	memset(&add, 0, sizeof(add));
	add.id = r->id;
	add.flags = SECCOMP_ADDFD_FLAG_SEND;
	add.srcfd = (uint32_t)s->t;
	add.newfd_flags = (type & SOCK_CLOEXEC) ? O_CLOEXEC : 0;
	rr = sys_notif_ioctl(n->lis[li].fd, SB_NOTIF_ADDFD, &add);
	if (rr < 0) {
		sock_free(n, i);
		if (rr != -ENOENT)
			(void)resp(n, li, r->id, 0, rr, 0);
	}
}

/* Queue an answer on t, "from" addr (len bytes), and hand it to a
 * recvfrom() waiting for it. */
static void serve_wait(struct notify_ctx *n, int i);

static void send_answer(struct notify_ctx *n, int i, const uint8_t *ans,
			int len, const uint8_t *addr, int alen)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	struct dnsd_from *f = &s->from[s->from_next];

	if (send(s->a, ans, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) != len)
		return;             /* its queue is full: lost, as UDP may */
	s->from_next = (uint8_t)((s->from_next + 1) % DNSD_FROM);
	f->id = get16(ans);
	f->len = (uint8_t)alen;
	f->used = 1;
	memcpy(f->addr, addr, (size_t)alen);
	if (s->wait_id)
		serve_wait(n, i);
}

static int wait_add(struct notify_ctx *n, int sock, int tcp,
		    const char *name, const uint8_t *q, size_t qlen,
		    const uint8_t *from, int flen);

/* A wildcard entry's name the proxy could not pin: what its resolver
 * said, when that is an answer (no such name, no address), else the
 * SERVFAIL dnsd_answer gave. */
static void pin_failed(uint8_t *out, struct dnsd_info *in, int err)
{
	in->pin_err = err;
	if (!in->wildcard || (err != -ENXIO && err != -ENODATA))
		return;
	in->rcode = err == -ENXIO ? DNS_R_NXDOMAIN : DNS_R_NOERROR;
	out[3] = (uint8_t)((out[3] & 0xf0) | in->rcode);
}

/* 0, or -1 when q is no DNS query (logged once a socket). asked: the
 * proxy was asked to pin the name already; pin_err, what it said. */
static int answer_query(struct notify_ctx *n, int i, const uint8_t *q,
			size_t qlen, const uint8_t *from, int flen, int asked,
			int pin_err)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint8_t out[DNSD_MSG_MAX];
	struct dnsd_info in;
	int len;

	len = dnsd_answer_by(n->p, n->pins, s->exe[0] ? s->exe : NULL, q, qlen,
			     0, out, sizeof(out), &in);
	if (len < 0) {
		if (!s->said++)
			log_why(n, "deny", s->tid, "send", "UDP datagram that is "
				"no DNS query, dropped", NULL, -1);
		return -1;
	}
	if (in.wildcard && !asked &&
	    (pin_err = wait_add(n, i, -1, in.name, q, qlen, from, flen)) == 0)
		return 0;           /* answered when the proxy has pinned it */
	pin_failed(out, &in, pin_err);
	if (n->p->nfrom)
		in.pin = ident_state_name(s->pin);
	log_query(n, s->tid, "udp", &in);
	send_answer(n, i, out, len, from, flen);
	return 0;
}

/* The sandbox sent on t without an address (send, write, sendmmsg). */
static void sock_readable(struct notify_ctx *n, int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint8_t q[DNSD_MSG_MAX];

	for (int k = 0; k < 64 && s->t >= 0; k++) {
		ssize_t len = recv(s->a, q, sizeof(q), MSG_DONTWAIT | MSG_TRUNC);

		if (len < 0)
			return;
		if ((size_t)len > sizeof(q) || !s->peerlen) {
			if (!s->said++)
				log_why(n, "deny", s->tid, "send", !s->peerlen ?
					"UDP datagram without a destination" :
					"UDP datagram too large for DNS, dropped",
					NULL, -1);
			continue;
		}
		(void)answer_query(n, i, q, (size_t)len, s->peer, s->peerlen, 0,
				   0);
	}
}

/* An Internet address of the stand-in's family, as the target gave it:
 * 16 bytes (AF_INET) or 24/28 (AF_INET6, kept as 28). 0 with *ip, *port,
 * or -errno as the kernel would say it for a UDP socket. */
static int read_inet(const struct dnsd_sock *s, const uint8_t *a, int len,
		     uint8_t *raw, uint8_t *rawlen, struct sb_ip *ip,
		     uint16_t *port)
{
	sa_family_t fam;

	if (len < (int)sizeof(sa_family_t))
		return -EINVAL;
	memcpy(&fam, a, sizeof(fam));
	if (fam == AF_INET && len >= 16) {
		/* also on an AF_INET6 socket: the kernel's IPv4 path */
		memset(raw, 0, 28);
		memcpy(raw, a, 16);
		*rawlen = 16;
	} else if (fam == AF_INET6 && s->family == AF_INET6 && len >= 24) {
		memset(raw, 0, 28);
		memcpy(raw, a, len >= 28 ? 28 : 24);
		*rawlen = 28;
	} else if (fam == AF_INET || fam == AF_INET6) {
		return fam == AF_INET6 && s->family == AF_INET ? -EAFNOSUPPORT
							       : -EINVAL;
	} else {
		return -EAFNOSUPPORT;
	}
	if (sockaddr_parse(raw, *rawlen, ip, port) < 0)
		return -EINVAL;
	return 0;
}

int dnsd_connect(struct notify_ctx *n, int li, const struct seccomp_notif *r,
		 uint64_t ino, const void *addr, int len)
{
	int i = sock_find(n, li, ino), e;
	struct dnsd_sock *s;
	struct sb_ip ip;
	uint16_t port;
	uint8_t raw[28], rawlen = 0;
	sa_family_t fam = AF_UNSPEC;

	if (i < 0)
		return 0;
	s = &n->dns.socks[i];
	if (len >= (int)sizeof(fam))
		memcpy(&fam, addr, sizeof(fam));
	if (len < (int)sizeof(fam)) {
		e = -EINVAL;
	} else if (fam == AF_UNSPEC) {
		/* A UDP socket's disconnect. */
		(void)connect(s->t, (struct sockaddr *)&(struct sockaddr){
			      .sa_family = AF_UNSPEC }, sizeof(struct sockaddr));
		s->peerlen = 0;
		e = 0;
	} else if ((e = read_inet(s, addr, len, raw, &rawlen, &ip, &port)) ==
		   0) {
		if (connect(s->t, (struct sockaddr *)s->aname, s->aname_len) <
		    0) {
			e = -errno;
		} else {
			memcpy(s->peer, raw, sizeof(raw));
			s->peerlen = rawlen;
			s->peer_port = port;
			s->said = 0;
		}
	}
	if (valid(n, li, r->id))
		(void)resp(n, li, r->id, 0, e, 0);
	return 1;
}

/* An address of the stand-in's family for getsockname(): the bound one,
 * else the unspecified address and a port of its own once it was used. */
static int local_addr(const struct dnsd_sock *s, uint8_t *out)
{
	uint16_t port = (uint16_t)(32768 + s->ino % 28000);

	memset(out, 0, 28);
	if (s->locallen) {
		memcpy(out, s->local, 28);
		if (out[2] == 0 && out[3] == 0 && s->peerlen)
			put16(out + 2, port);
		return s->family == AF_INET6 ? 28 : 16;
	}
	out[0] = (uint8_t)s->family;        /* little-endian sa_family_t */
	out[1] = 0;
	if (s->peerlen)
		put16(out + 2, port);
	return s->family == AF_INET6 ? 28 : 16;
}

/* Write an address and its length as the kernel's move_addr_to_user. */
static int put_addr(struct mem *m, uint64_t addr, uint64_t lenp,
		    const uint8_t *a, int alen)
{
	int32_t have;
	uint32_t l = (uint32_t)alen;
	int r;

	if ((r = mem_io(m, &have, lenp, sizeof(have), 0)) < 0)
		return r;
	if (have < 0)
		return -EINVAL;
	if ((r = mem_io(m, (void *)a, addr, (size_t)(have < alen ? have : alen),
			1)) < 0)
		return r;
	return mem_io(m, &l, lenp, sizeof(l), 1);
}

static void do_getsockname(struct notify_ctx *n, int li,
			   const struct seccomp_notif *r, int i)
{
	uint8_t a[28];
	int alen = local_addr(&n->dns.socks[i], a), e;
	struct mem m;

	if ((e = mem_open(n, li, r->id, (pid_t)r->pid, &m, 1)) < 0) {
		if (e != -ENOENT)
			(void)resp(n, li, r->id, 0, -EFAULT, 0);
		return;
	}
	e = put_addr(&m, r->data.args[1], r->data.args[2], a, alen);
	close_fd(&m.fd);
	if (valid(n, li, r->id))
		(void)resp(n, li, r->id, 0, e, 0);
}

static void do_bind(struct notify_ctx *n, int li, const struct seccomp_notif *r,
		    int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint8_t a[28], raw[28], rawlen;
	int len = (int)(uint32_t)r->data.args[2], e;
	struct sb_ip ip;
	uint16_t port;
	struct mem m;

	if (len > (int)sizeof(a))
		len = sizeof(a);
	if ((e = mem_open(n, li, r->id, (pid_t)r->pid, &m, 0)) < 0) {
		if (e != -ENOENT)
			(void)resp(n, li, r->id, 0, -EFAULT, 0);
		return;
	}
	e = mem_io(&m, a, r->data.args[1], (size_t)len, 0);
	close_fd(&m.fd);
	if (e == 0)
		e = read_inet(s, a, len, raw, &rawlen, &ip, &port);
	if (e == 0 && s->locallen)
		e = -EINVAL;                /* bound already */
	if (e == 0) {
		memcpy(s->local, raw, sizeof(raw));
		s->locallen = rawlen;
	}
	if (valid(n, li, r->id))
		(void)resp(n, li, r->id, 0, e, 0);
}

static void do_sendto(struct notify_ctx *n, int li,
		      const struct seccomp_notif *r, int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint8_t a[28], raw[28], rawlen, q[DNSD_MSG_MAX];
	uint64_t qlen = r->data.args[2];
	int alen = (int)(uint32_t)r->data.args[5], e;
	struct sb_ip ip;
	uint16_t port;
	struct mem m;

	if (alen > (int)sizeof(a))
		alen = sizeof(a);
	if ((e = mem_open(n, li, r->id, (pid_t)r->pid, &m, 0)) < 0) {
		if (e != -ENOENT)
			(void)resp(n, li, r->id, 0, -EFAULT, 0);
		return;
	}
	e = mem_io(&m, a, r->data.args[4], (size_t)alen, 0);
	if (e == 0)
		e = read_inet(s, a, alen, raw, &rawlen, &ip, &port);
	if (e == 0 && qlen > sizeof(q))
		e = -EMSGSIZE;
	if (e == 0)
		e = mem_io(&m, q, r->data.args[1], (size_t)qlen, 0);
	close_fd(&m.fd);
	if (!valid(n, li, r->id))
		return;
	if (e == 0 &&
	    answer_query(n, i, q, (size_t)qlen, raw, rawlen, 0, 0) < 0)
		e = -EACCES;        /* said by answer_query, once a socket */
	(void)resp(n, li, r->id, e ? 0 : (int64_t)qlen, e, 0);
}

/* recvfrom() with an address: ours to receive, the address written as
 * the resolver expects it (the one its query went to). 1 when it must
 * wait (blocking, nothing queued). */
static int recv_into(struct notify_ctx *n, int li, uint64_t id, pid_t tid,
		     const uint64_t *args, int i, int may_wait)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint8_t d[DNSD_MSG_MAX], a[28];
	size_t cap = args[2] < sizeof(d) ? (size_t)args[2] : sizeof(d);
	int flags = (int)args[3], alen = 0, e, fl;
	ssize_t len;
	struct mem m;

	if (flags & MSG_ERRQUEUE) {
		(void)resp(n, li, id, 0, -EAGAIN, 0);
		return 0;
	}
	/* Open first: a datagram is taken only for a target we can write. */
	if ((e = mem_open(n, li, id, tid, &m, 1)) < 0) {
		if (e != -ENOENT)
			(void)resp(n, li, id, 0, -EFAULT, 0);
		return 0;
	}
	len = recv(s->t, d, sizeof(d), MSG_DONTWAIT | MSG_TRUNC |
		   (flags & MSG_PEEK));
	if (len < 0) {
		e = -errno;
		close_fd(&m.fd);
		fl = fcntl(s->t, F_GETFL);
		if (e == -EAGAIN && may_wait && fl >= 0 &&
		    !(fl & O_NONBLOCK) && !(flags & MSG_DONTWAIT))
			return 1;
		(void)resp(n, li, id, 0, e, 0);
		return 0;
	}
	if ((size_t)len < cap)
		cap = (size_t)len;
	/* Which address it comes from: its DNS id says which query. */
	for (int k = 1; k <= DNSD_FROM && len >= 2; k++) {
		const struct dnsd_from *f =
			&s->from[(s->from_next - k + DNSD_FROM) % DNSD_FROM];

		if (f->used && f->id == get16(d)) {
			memcpy(a, f->addr, f->len);
			alen = f->len;
			break;
		}
	}
	if (!alen && s->peerlen) {
		memcpy(a, s->peer, s->peerlen);
		alen = s->peerlen;
	}
	if (!alen)
		alen = local_addr(s, a);
	e = mem_io(&m, d, args[1], cap, 1);
	if (e == 0)
		e = put_addr(&m, args[4], args[5], a, alen);
	close_fd(&m.fd);
	if (!valid(n, li, id))
		return 0;           /* interrupted: lost, as UDP may */
	(void)resp(n, li, id, e ? 0 : (flags & MSG_TRUNC) ? len : (ssize_t)cap,
		   e, 0);
	return 0;
}

static void serve_wait(struct notify_ctx *n, int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	uint64_t id = s->wait_id;

	s->wait_id = 0;
	if (valid(n, s->wait_lis, id))
		(void)recv_into(n, s->wait_lis, id, s->wait_tid, s->wait_args, i,
				0);
}

static void do_recvfrom(struct notify_ctx *n, int li,
			const struct seccomp_notif *r, int i)
{
	struct dnsd_sock *s = &n->dns.socks[i];
	struct timeval tv = { 0, 0 };
	socklen_t tl = sizeof(tv);

	uint64_t args[6];

	for (int k = 0; k < 6; k++)
		args[k] = r->data.args[k];
	if (!recv_into(n, li, r->id, (pid_t)r->pid, args, i, 1))
		return;
	if (s->wait_id && valid(n, s->wait_lis, s->wait_id)) {
		/* One waiter at a time; a second is told to try again. */
		(void)resp(n, li, r->id, 0, -EAGAIN, 0);
		return;
	}
	s->wait_id = r->id;
	s->wait_lis = (int16_t)li;
	s->wait_tid = (pid_t)r->pid;
	memcpy(s->wait_args, args, sizeof(s->wait_args));
	s->wait_deadline = 0;
	if (getsockopt(s->t, SOL_SOCKET, SO_RCVTIMEO, &tv, &tl) == 0 &&
	    (tv.tv_sec || tv.tv_usec))
		s->wait_deadline = now_ms() + tv.tv_sec * 1000 +
				   tv.tv_usec / 1000;
}

static int ip_unspec(const struct sb_ip *ip)
{
	uint8_t any = 0;

	for (int k = 0; k < (ip->family == 4 ? 4 : 16); k++)
		any |= ip->a[k];
	return !any;
}

/* bind() of a TCP socket we handed out to port 0 of the unspecified
 * address, as a client does before connecting (dig +tcp):
 * Landlock's bind rule refuses port 0, so without bind ports in the
 * policy (listen() refused by the filter: the socket can only connect,
 * and every connect is ours) the supervisor binds its own reference.
 * 1 when answered, 0 when the kernel's own bind decides. */
static int bind_any_port(struct notify_ctx *n, int li,
			 const struct seccomp_notif *r, uint64_t ino)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	int len = (int)(uint32_t)r->data.args[2], ref, e;
	struct sb_ip ip;
	uint16_t port;
	struct mem m;

	if (n->p->nbind || (ref = notify_fresh_ref(n, li, ino)) < 0 ||
	    (len != sizeof(a.in) && len != sizeof(a.in6)))
		return 0;
	if (mem_open(n, li, r->id, (pid_t)r->pid, &m, 0) < 0)
		return 0;
	e = mem_io(&m, &a, r->data.args[1], (size_t)len, 0);
	close_fd(&m.fd);
	if (e < 0 || sockaddr_parse(&a, (size_t)len, &ip, &port) < 0 || port ||
	    !ip_unspec(&ip))
		return 0;
	/* Our copy of the address, bound on our reference: it is what the
	 * check saw. */
	e = bind(ref, &a.sa, (socklen_t)len) < 0 ? -errno : 0;
	if (valid(n, li, r->id))
		(void)resp(n, li, r->id, 0, e, 0);
	return 1;
}

void dnsd_call(struct notify_ctx *n, int li, const struct seccomp_notif *r)
{
	int fd = (int)r->data.args[0], i, mine = 0;
	uint64_t ino;

	/* The common case: this sandbox holds no stand-in, and the call is
	 * no bind (getsockname of a server's accepted connection, say):
	 * the kernel's own at once, without looking at the descriptor. */
	for (i = 0; i < DNSD_MAX_SOCKS && !mine; i++)
		mine = n->dns.socks[i].t >= 0 && n->dns.socks[i].lis == li;
	if (!mine && r->data.nr != SYS_bind) {
		(void)resp(n, li, r->id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
		return;
	}
	ino = fd_ino((pid_t)r->pid, fd);
	i = sock_find(n, li, ino);

	if (i < 0 && r->data.nr == SYS_bind && bind_any_port(n, li, r, ino))
		return;
	if (i < 0) {
		cont(n, li, r->id);
		return;
	}
	switch (r->data.nr) {
	case SYS_bind:
		do_bind(n, li, r, i);
		break;
	case SYS_getsockname:
		do_getsockname(n, li, r, i);
		break;
	case SYS_setsockopt:
		/* IP-level options (IP_RECVERR, IPV6_V6ONLY, MTU discovery...)
		 * mean nothing on a stand-in: taken, as a UDP socket would. */
		(void)resp(n, li, r->id, 0, 0, 0);
		break;
	case SYS_sendto:
		if (!r->data.args[4]) {
			cont(n, li, r->id);   /* no address: a plain send */
			break;
		}
		do_sendto(n, li, r, i);
		break;
	case SYS_recvfrom:
		if (!r->data.args[4]) {
			cont(n, li, r->id);
			break;
		}
		do_recvfrom(n, li, r, i);
		break;
	default:
		(void)resp(n, li, r->id, 0, -EACCES, 0);
		break;
	}
}

/* ---- the TCP answerer ---- */

/* Bind our reference to the target's socket to loopback (port 0) unless
 * it is bound, and remember its local port for tcp_accept. */
static int tcp_expect(struct notify_ctx *n, int fd, const struct sb_ip *to)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sb_ip lo;
	uint16_t port = 0;
	int k;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	if (sockaddr_parse(&ss, len, &lo, &port) < 0)
		port = 0;               /* unbound: AF_UNSPEC-ish, bind it */
	if (!port) {
		lo = *to;                       /* the answerer's own address */
		len = sockaddr_make(&lo, 0, &ss);
		if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
			struct sockaddr_in6 m;

			/* AF_INET6 socket, IPv4 answerer: ::ffff:127.0.0.1 */
			memset(&m, 0, sizeof(m));
			m.sin6_family = AF_INET6;
			m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
			memcpy(m.sin6_addr.s6_addr + 12, to->a, 4);
			if (to->family != 4 ||
			    bind(fd, (struct sockaddr *)&m, sizeof(m)) < 0)
				return -errno;
		}
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    sockaddr_parse(&ss, len, &lo, &port) < 0 || !port)
			return -EADDRNOTAVAIL;
	}
	k = n->dns.expect_next;
	n->dns.expect_next = (k + 1) % DNSD_MAX_TCP;
	n->dns.expect[k] = port;
	n->dns.expect_until[k] = now_ms() + TCP_IDLE_MS;
	return 0;
}

int dnsd_tcp_addr(struct notify_ctx *n, int tfd, int family, struct sb_ip *ip,
		  uint16_t *port)
{
	int k = family == AF_INET6, one = 1, r;
	struct sockaddr_storage ss;
	socklen_t len;

	for (;;) {
		int fd = n->dns.tcp_lfd[k];

		memset(ip, 0, sizeof(*ip));
		ip->family = k ? 6 : 4;
		if (k) {
			ip->a[15] = 1;
		} else {
			ip->a[0] = 127;
			ip->a[3] = 1;
		}
		if (fd < 0) {
			len = sockaddr_make(ip, 0, &ss);
			fd = socket(k ? AF_INET6 : AF_INET, SOCK_STREAM |
				    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd >= 0 && ((k && setsockopt(fd, IPPROTO_IPV6,
					 IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
					bind(fd, (struct sockaddr *)&ss, len) < 0 ||
					listen(fd, 64) < 0 ||
					sys_epoll_add(n->epfd, fd, EPOLLIN,
						      tag(n, IDX_TCP_L + k)) < 0))
				close_fd(&fd);
			if (fd < 0 && k) {
				k = 0;      /* no ::1: IPv4-mapped */
				continue;
			}
			if (fd < 0)
				return -errno;
			n->dns.tcp_lfd[k] = fd;
		}
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
		if (sockaddr_parse(&ss, len, ip, port) < 0)
			return -EINVAL;
		r = tcp_expect(n, tfd, ip);
		return r;
	}
}

static void tcp_free(struct notify_ctx *n, int c)
{
	struct dnsd_tcp *t = &n->dns.tcp[c];

	if (t->fd < 0)
		return;
	(void)epoll_ctl(n->epfd, EPOLL_CTL_DEL, t->fd, NULL);
	close_fd(&t->fd);
	for (int k = 0; k < DNSD_WAITS; k++)
		if (n->dns.waits[k].tcp == c)
			n->dns.waits[k].tcp = -1;
}

static void tcp_accept(struct notify_ctx *n, int k)
{
	for (int tries = 0; tries < 16; tries++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(n->dns.tcp_lfd[k], (struct sockaddr *)&peer,
				 &pl, SOCK_NONBLOCK | SOCK_CLOEXEC), c, old = 0;
		struct sb_ip ip;
		uint16_t port = 0;
		int64_t now = now_ms();

		if (fd < 0)
			return;
		/* Only a socket we connected here: its local port. Anyone
		 * else on the machine who finds the port is turned away. */
		(void)sockaddr_parse(&peer, pl, &ip, &port);
		for (c = 0; c < DNSD_MAX_TCP; c++)
			if (port && n->dns.expect[c] == port &&
			    now <= n->dns.expect_until[c])
				break;
		if (c == DNSD_MAX_TCP) {
			(void)close(fd);
			continue;
		}
		n->dns.expect[c] = 0;
		c = 0;
		for (c = 0; c < DNSD_MAX_TCP && n->dns.tcp[c].fd >= 0; c++)
			if (n->dns.tcp[c].deadline < n->dns.tcp[old].deadline)
				old = c;
		if (c == DNSD_MAX_TCP) {
			tcp_free(n, old);
			c = old;
		}
		n->dns.tcp[c].fd = fd;
		n->dns.tcp[c].in_len = n->dns.tcp[c].out_len = 0;
		n->dns.tcp[c].out_off = 0;
		n->dns.tcp[c].parked = n->dns.tcp[c].asked = 0;
		n->dns.tcp[c].pin_err = 0;
		n->dns.tcp[c].deadline = now_ms() + TCP_IDLE_MS;
		if (sys_epoll_add(n->epfd, fd, EPOLLIN | EPOLLOUT | EPOLLET,
				  tag(n, IDX_TCP + c)) < 0)
			tcp_free(n, c);
	}
}

static void tcp_event(struct notify_ctx *n, int c)
{
	struct dnsd_tcp *t = &n->dns.tcp[c];

	if (t->fd < 0 || t->parked)
		return;
	for (;;) {
		ssize_t k;
		uint32_t mlen;

		/* Write what is pending first. */
		while (t->out_off < t->out_len) {
			k = send(t->fd, t->out + t->out_off,
				 t->out_len - t->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
			if (k < 0 && errno == EAGAIN)
				return;
			if (k <= 0) {
				tcp_free(n, c);
				return;
			}
			t->out_off += (uint32_t)k;
		}
		t->out_off = t->out_len = 0;
		/* A whole query in? */
		if (t->in_len >= 2) {
			mlen = get16(t->in);
			if (mlen > DNSD_MSG_MAX || mlen < 12) {
				tcp_free(n, c);
				return;
			}
			if (t->in_len >= mlen + 2) {
				struct dnsd_info in;
				int a = dnsd_answer(n->p, n->pins, t->in + 2,
						    mlen, 1, t->out + 2,
						    DNSD_MSG_MAX, &in);

				if (a < 0) {
					tcp_free(n, c);
					return;
				}
				if (in.wildcard && !t->asked &&
				    (t->pin_err = wait_add(n, -1, c, in.name,
							   NULL, 0, NULL,
							   0)) == 0) {
					t->parked = 1;
					return;
				}
				pin_failed(t->out + 2, &in, t->pin_err);
				t->asked = 0;
				t->pin_err = 0;
				log_query(n, 0, "tcp", &in);
				put16(t->out, (uint16_t)a);
				t->out_len = (uint32_t)a + 2;
				memmove(t->in, t->in + mlen + 2,
					t->in_len - mlen - 2);
				t->in_len -= mlen + 2;
				t->deadline = now_ms() + TCP_IDLE_MS;
				continue;
			}
		}
		k = recv(t->fd, t->in + t->in_len, sizeof(t->in) - t->in_len,
			 MSG_DONTWAIT);
		if (k < 0 && errno == EAGAIN)
			return;
		if (k <= 0) {
			tcp_free(n, c);
			return;
		}
		t->in_len += (uint32_t)k;
	}
}

/* ---- names a wildcard entry allows, pinned on first use ----
 *
 * The proxy pins them (lib/proxy.h struct proxy_pin): one table, so the
 * addresses the sandbox is told are those the proxy checks a transparent
 * connection or a CONNECT against, and the connect decision here sees
 * them too (n->pinned). A query waits for the proxy's answer, at most
 * DNSD_WAIT_MS; the name is asked once however many queries wait. */

static int busy(const struct dnsd_wait *w)
{
	return w->sock >= 0 || w->tcp >= 0;
}

/* 0: parked (answered later); else answer now, and say why: -ENOTCONN
 * no proxy of ours to ask, -EBUSY no room to wait, -ENOSPC our pin table
 * full, -E2BIG a query too large to keep, -errno the proxy unreachable. */
static int wait_add(struct notify_ctx *n, int sock, int tcp,
		    const char *name, const uint8_t *q, size_t qlen,
		    const uint8_t *from, int flen)
{
	struct dnsd_wait *w = NULL;
	int asked = 0;
	size_t nl = strlen(name);

	if (n->pin_fd < 0)
		return -ENOTCONN;
	if (qlen > sizeof(n->dns.waits[0].q) || nl >= SB_HOST_MAX + 1 ||
	    flen > (int)sizeof(n->dns.waits[0].from))
		return -E2BIG;
	for (int k = 0; k < DNSD_WAITS; k++) {
		struct dnsd_wait *x = &n->dns.waits[k];

		if (busy(x))
			asked |= !strcmp(x->name, name);
		else if (!w)
			w = x;
	}
	if (!w)
		return -EBUSY;
	if (n->pinned.n >= PIN_MAX)
		return -ENOSPC;     /* it could not be kept: nothing asked */
	if (!n->dns.pin_watched) {
		int r = sys_epoll_add(n->epfd, n->pin_fd, EPOLLIN,
				      tag(n, IDX_PIN));

		if (r < 0)
			return r;
		n->dns.pin_watched = 1;
	}
	if (!asked) {
		struct proxy_pin m;

		memset(&m, 0, sizeof(m));
		memcpy(m.name, name, nl + 1);
		if (send(n->pin_fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(m))
			return errno ? -errno : -EIO;
	}
	memset(w, 0, sizeof(*w));
	w->sock = (int16_t)sock;
	w->tcp = (int16_t)tcp;
	w->qlen = (uint16_t)qlen;
	if (qlen)
		memcpy(w->q, q, qlen);
	w->flen = (uint8_t)flen;
	if (flen)
		memcpy(w->from, from, (size_t)flen);
	memcpy(w->name, name, nl + 1);
	w->deadline = now_ms() + DNSD_WAIT_MS;
	return 0;
}

/* The proxy has said for name (err 0: pinned now): every query waiting
 * for it is answered, from the table as it is now. All of them leave the
 * table first: a connection resumed here may park a query of its own for
 * the name, which must then be asked anew, not join one answered. */
static void wait_over(struct notify_ctx *n, const char *asked, int err)
{
	char name[SB_HOST_MAX + 2];
	static struct dnsd_wait ws[DNSD_WAITS];   /* the loop is ours alone */
	int nw = 0;

	memcpy(name, asked, sizeof(name));    /* asked may be a wait's */
	for (int k = 0; k < DNSD_WAITS; k++) {
		struct dnsd_wait *x = &n->dns.waits[k];

		if (!busy(x) || strcmp(x->name, name))
			continue;
		ws[nw++] = *x;
		x->sock = x->tcp = -1;
	}
	for (int k = 0; k < nw; k++) {
		struct dnsd_wait w = ws[k];

		if (w.sock >= 0 && n->dns.socks[w.sock].t >= 0) {
			(void)answer_query(n, w.sock, w.q, w.qlen, w.from,
					   w.flen, 1, err);
		} else if (w.tcp >= 0 && n->dns.tcp[w.tcp].fd >= 0) {
			struct dnsd_tcp *t = &n->dns.tcp[w.tcp];

			t->parked = 0;
			t->asked = 1;
			t->pin_err = err;
			t->deadline = now_ms() + TCP_IDLE_MS;
			tcp_event(n, w.tcp);
		}
	}
}

static void pin_event(struct notify_ctx *n, uint32_t events)
{
	for (int k = 0; k < 64; k++) {
		struct proxy_pin m;
		ssize_t r = recv(n->pin_fd, &m, sizeof(m), MSG_DONTWAIT);
		int err, known = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (events & (EPOLLHUP | EPOLLERR)) {
				(void)epoll_ctl(n->epfd, EPOLL_CTL_DEL,
						n->pin_fd, NULL);
				n->pin_fd = -1;  /* no proxy: waits time out */
			}
			return;
		}
		if (r != (ssize_t)sizeof(m))
			continue;
		m.name[sizeof(m.name) - 1] = 0;
		for (int i = 0; i < DNSD_WAITS; i++)
			known |= busy(&n->dns.waits[i]) &&
				 !strcmp(n->dns.waits[i].name, m.name);
		if (!known)
			continue;           /* not asked, or answered already */
		err = m.err > 0 ? -EIO : m.err;
		if (!err)
			err = pin_commit(&n->pinned, m.name, 0, m.ips,
					 m.nips < PIN_MAX_IPS ? m.nips
							      : PIN_MAX_IPS,
					 1, NULL);
		wait_over(n, m.name, err);
	}
}

/* ---- the loop's side ---- */

void dnsd_init(struct notify_ctx *n, uint32_t ev_kind)
{
	memset(&n->dns, 0, sizeof(n->dns));
	n->dns.ev = ev_kind;
	n->dns.tcp_lfd[0] = n->dns.tcp_lfd[1] = -1;
	for (int i = 0; i < DNSD_MAX_SOCKS; i++)
		n->dns.socks[i].t = n->dns.socks[i].a = -1;
	for (int i = 0; i < DNSD_MAX_TCP; i++)
		n->dns.tcp[i].fd = -1;
	for (int i = 0; i < DNSD_WAITS; i++)
		n->dns.waits[i].sock = n->dns.waits[i].tcp = -1;
}

void dnsd_close(struct notify_ctx *n)
{
	for (int i = 0; i < DNSD_MAX_SOCKS; i++)
		sock_free(n, i);
	for (int i = 0; i < DNSD_MAX_TCP; i++)
		tcp_free(n, i);
	for (int k = 0; k < 2; k++) {
		if (n->dns.tcp_lfd[k] >= 0)
			(void)epoll_ctl(n->epfd, EPOLL_CTL_DEL,
					n->dns.tcp_lfd[k], NULL);
		close_fd(&n->dns.tcp_lfd[k]);
	}
}

void dnsd_drop_listener(struct notify_ctx *n, int li)
{
	for (int i = 0; i < DNSD_MAX_SOCKS; i++)
		if (n->dns.socks[i].t >= 0 && n->dns.socks[i].lis == li)
			sock_free(n, i);
}

void dnsd_event(struct notify_ctx *n, int i, uint32_t events)
{
	(void)events;
	if (i >= 0 && i < DNSD_MAX_SOCKS) {
		if (n->dns.socks[i].t >= 0)
			sock_readable(n, i);
	} else if (i == IDX_TCP_L || i == IDX_TCP_L + 1) {
		tcp_accept(n, i - IDX_TCP_L);
	} else if (i >= IDX_TCP && i < IDX_TCP + DNSD_MAX_TCP) {
		tcp_event(n, i - IDX_TCP);
	} else if (i == IDX_PIN) {
		pin_event(n, events);
	}
}

/* Once a second (now < 0: at once, for room): stand-ins their creator no
 * longer holds are dropped, waits past SO_RCVTIMEO answered EAGAIN, idle
 * TCP connections closed. */
void dnsd_sweep(struct notify_ctx *n, int64_t now)
{
	int urgent = now < 0;

	if (urgent)
		now = now_ms();
	for (int i = 0; i < DNSD_MAX_SOCKS; i++) {
		struct dnsd_sock *s = &n->dns.socks[i];

		if (s->t < 0)
			continue;
		if (s->wait_id && !valid(n, s->wait_lis, s->wait_id))
			s->wait_id = 0;
		if (s->wait_id && s->wait_deadline && now >= s->wait_deadline) {
			(void)resp(n, s->wait_lis, s->wait_id, 0, -EAGAIN, 0);
			s->wait_id = 0;
		}
		if (s->wait_id || (!urgent && now - s->checked < CHECK_MS))
			continue;
		s->checked = now;
		if (!sock_held(s))
			sock_free(n, i);
	}
	for (int c = 0; c < DNSD_MAX_TCP; c++)
		if (n->dns.tcp[c].fd >= 0 && !n->dns.tcp[c].parked &&
		    now >= n->dns.tcp[c].deadline)
			tcp_free(n, c);
	for (int k = 0; k < DNSD_WAITS; k++) {
		struct dnsd_wait *w = &n->dns.waits[k];

		if ((w->sock >= 0 || w->tcp >= 0) && now >= w->deadline)
			wait_over(n, w->name, -ETIME);
	}
}
