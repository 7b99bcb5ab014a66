/* lib/dnsd.h - "dns on": the sandbox's DNS queries answered by the
 * supervisor from the pinned table (SPEC sb-notifyd, DNS). No query ever
 * reaches a real resolver, and no real UDP socket is ever handed out.
 *
 * The pure half (dnsd_answer) parses a query and builds the answer from
 * the pin table: it reads hostile bytes, and is fuzzed
 * (tests/fuzz/dnsd_fuzz.c). The I/O half is the supervisor's: stand-in
 * UDP sockets, the emulated calls that carry an Internet address on them,
 * and a TCP answerer on loopback. How each stub resolver was made to
 * accept the answers is in lib/dnsd.c's header comment. */
#ifndef SB_DNSD_H
#define SB_DNSD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pin.h"
#include "policy.h"
#include "sockaddr.h"

#define DNSD_MAX_SOCKS 64         /* stand-in UDP sockets, every sandbox */
#define DNSD_SOCKS_PER_LISTENER 48
#define DNSD_MAX_TCP 8            /* TCP answerer connections */
#define DNSD_FROM 8               /* answers remembered per stand-in */
#define DNSD_MSG_MAX 4096         /* a larger query is no query */
#define DNSD_UDP_PAYLOAD 1232     /* what our OPT record says */
#define DNSD_TTL 300
#define DNSD_WAITS 16             /* queries waiting for a wildcard pin */
#define DNSD_WAIT_MS 10000        /* then SERVFAIL, whatever the proxy */

/* What a query asked and how it was answered, for the log. */
struct dnsd_info {
	char name[SB_HOST_MAX + 2];   /* lowercase, dotted; "" if unparsed */
	uint16_t qtype;
	int rcode;                    /* DNS_R_* or 4 (NOTIMP) */
	int naddrs;                   /* records in the answer */
	int truncated;                /* TC set */
	int wildcard;                 /* a wildcard entry's name, not pinned */
	int forbin;                   /* pinned, but for other binaries only */
	int pin_err;                  /* the wildcard pin failed: why */
	const char *pin;              /* the asker's pin state, for the log */
};

/* Answer the DNS message q (n bytes) from pins: the pinned A or AAAA
 * records of a pinned name, an empty NOERROR answer for its other types,
 * SERVFAIL for a name an entry of p allows (a wildcard's) but that is
 * not pinned (info->wildcard: the supervisor asks the proxy to pin it
 * and answers again once it did), NXDOMAIN for every other name, FORMERR/NOTIMP/REFUSED for what
 * is no plain query. EDNS0: an OPT record is answered with ours. Over UDP
 * (tcp 0) an answer larger than the client's limit (512, or its EDNS
 * size) is truncated (TC). Returns the answer's length, or -1 when q is
 * nothing to answer (shorter than a header, or itself a response). */
int dnsd_answer(const struct policy *p, const struct pin_table *pins,
		const uint8_t *q, size_t n, int tcp, uint8_t *out, size_t cap,
		struct dnsd_info *info);

/* dnsd_answer for the binary exe (NULL: not established): a pinned name
 * that no entry for every binary and none of exe's reaches (policy.h
 * policy_host_for) is NXDOMAIN. dnsd_answer is dnsd_answer_by(NULL). */
int dnsd_answer_by(const struct policy *p, const struct pin_table *pins,
		   const char *exe, const uint8_t *q, size_t n, int tcp,
		   uint8_t *out, size_t cap, struct dnsd_info *info);

/* A stand-in for a UDP socket the sandbox asked for: an AF_UNIX datagram
 * pair; t is the end the sandbox holds (our reference), a ours. */
struct dnsd_from {
	uint16_t id;                  /* DNS id of an answer sent */
	uint8_t len, used;
	uint8_t addr[28];             /* the address it comes "from" */
};

struct dnsd_sock {
	int t, a;                     /* -1: free */
	int16_t lis;
	uint8_t family;               /* AF_INET or AF_INET6, as asked */
	uint8_t peerlen;              /* connect()ed to: 0 none */
	uint8_t locallen;             /* bind()ed to: 0 none */
	uint8_t from_next;
	uint8_t said;                 /* a non-DNS datagram was logged */
	uint8_t aname_len;
	uint16_t peer_port;
	uint8_t peer[28], local[28];
	char aname[16];               /* a's autobound abstract name */
	struct dnsd_from from[DNSD_FROM];
	pid_t tid, tgid;              /* who made it */
	uint64_t ino;
	int64_t born, checked;
	/* a blocking recvfrom() waiting for an answer */
	uint64_t wait_id;
	pid_t wait_tid;
	int16_t wait_lis;
	uint64_t wait_args[6];
	int64_t wait_deadline;        /* 0: none */
	/* Its creator's binary when its pin held (rules per binary), ""
	 * otherwise: a name only another binary may reach is NXDOMAIN. */
	char exe[256];
	uint8_t pin;                  /* its creator's enum ident_state */
};

struct dnsd_tcp {
	int fd;                       /* -1: free */
	uint32_t in_len, out_len, out_off;
	int64_t deadline;
	uint8_t parked;               /* its query waits for a pin */
	uint8_t asked;                /* and the proxy said (pin_err) */
	int pin_err;
	uint8_t in[DNSD_MSG_MAX + 2];
	uint8_t out[DNSD_MSG_MAX + 2];     /* one answer at a time */
};

/* A query for a name a wildcard entry allows, not pinned yet: asked of
 * the proxy (lib/proxy.h struct proxy_pin), answered when it says. */
struct dnsd_wait {
	int16_t sock, tcp;            /* the stand-in, or the TCP connection
					 (-1); both -1: free */
	uint8_t flen;
	uint16_t qlen;
	int64_t deadline;
	uint8_t from[28];             /* where the query went (UDP) */
	char name[SB_HOST_MAX + 2];
	uint8_t q[512];               /* the query (UDP; TCP keeps its own) */
};

struct dnsd {
	uint32_t ev;                  /* the epoll tag kind notify.c gave */
	int tcp_lfd[2];               /* [0] 127.0.0.1, [1] ::1 */
	int nsocks;
	struct dnsd_sock socks[DNSD_MAX_SOCKS];
	struct dnsd_tcp tcp[DNSD_MAX_TCP];
	/* local ports of the sockets we connected to the TCP answerer: only
	 * those are served (not any process of the machine) */
	uint16_t expect[DNSD_MAX_TCP];
	int64_t expect_until[DNSD_MAX_TCP];
	int expect_next;
	int pin_watched;              /* notify_ctx.pin_fd is in our epoll */
	struct dnsd_wait waits[DNSD_WAITS];
};

/* The supervisor's side (lib/notify.c calls these). */
struct notify_ctx;
struct seccomp_notif;
void dnsd_init(struct notify_ctx *n, uint32_t ev_kind);
void dnsd_close(struct notify_ctx *n);
void dnsd_drop_listener(struct notify_ctx *n, int li);
/* socket(AF_INET or AF_INET6, SOCK_DGRAM, 0 or IPPROTO_UDP). */
void dnsd_socket(struct notify_ctx *n, int li, const struct seccomp_notif *r);
/* A connect() on the socket whose inode is ino, address already read
 * (addr, len): 1 when it is a stand-in (answered), else 0. */
int dnsd_connect(struct notify_ctx *n, int li, const struct seccomp_notif *r,
		 uint64_t ino, const void *addr, int len);
/* bind(), sendto() with an address, recvfrom() with an address,
 * getsockname(), setsockopt() at the IP levels: emulated on a stand-in; any other socket's call is the
 * kernel's own (CONTINUE: none of them decides a destination). */
void dnsd_call(struct notify_ctx *n, int li, const struct seccomp_notif *r);
/* Where a TCP connect to port 53 goes instead: our answerer, for our
 * reference fd to a socket of family (AF_INET, AF_INET6), which is bound
 * to loopback first if it is not bound yet: the answerer serves only the
 * local ports it was told. 0 or -errno. */
int dnsd_tcp_addr(struct notify_ctx *n, int fd, int family, struct sb_ip *ip,
		  uint16_t *port);
void dnsd_event(struct notify_ctx *n, int i, uint32_t events);
/* lib/notify.c: our reference to a TCP socket handed out and not yet
 * connected, or -1. */
int notify_fresh_ref(struct notify_ctx *n, int li, uint64_t ino);
void dnsd_sweep(struct notify_ctx *n, int64_t now);

#endif
