/* lib/dns.h - a stub resolver that needs no libc NSS: A and AAAA over UDP
 * (TCP when the answer is truncated), /etc/hosts first, the nameservers of
 * /etc/resolv.conf or given ones. Every answer is hostile input.
 *
 * The pure half (dns_query_build, dns_answer_parse, the text parsers) only
 * touches memory, so an event loop can drive its own non-blocking socket
 * with it; dns_resolve is the blocking client built on top. */
#ifndef SB_DNS_H
#define SB_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

#define DNS_T_A 1
#define DNS_T_CNAME 5
#define DNS_T_AAAA 28
#define DNS_C_IN 1

#define DNS_R_NOERROR 0
#define DNS_R_FORMERR 1
#define DNS_R_SERVFAIL 2
#define DNS_R_NXDOMAIN 3
#define DNS_R_REFUSED 5

#define DNS_PORT 53
#define DNS_MAX_NS 4          /* nameservers used */
#define DNS_MAX_CNAME 8       /* CNAME links followed inside an answer */
#define DNS_MAX_HOPS 127      /* compression pointers followed per name */
#define DNS_QUERY_MAX 272     /* 12 header + 255 name + 4 */
#define DNS_UDP_MAX 4096      /* datagram buffer; larger ones are dropped */
#define DNS_TCP_MAX 16384     /* a larger TCP answer is refused */
#define DNS_MAX_ADDRS 32      /* addresses kept per query type */

#define DNS_HOSTS_PATH "/etc/hosts"
#define DNS_RESOLV_PATH "/etc/resolv.conf"

struct dns_ns {
	struct sb_ip ip;
	uint16_t port;
};

struct dns_conf {
	int nns;
	struct dns_ns ns[DNS_MAX_NS];
	int timeout_ms;       /* per try and server */
	int attempts;         /* tries of the whole server list */
	const char *hosts;    /* hosts file; NULL: none */
	int hosts_required;   /* an explicit file must exist */
};

/* Where dns_resolve found the addresses. */
enum { DNS_SRC_NONE, DNS_SRC_LITERAL, DNS_SRC_HOSTS, DNS_SRC_DNS };

/* What dns_resolve did, for logs; all optional. */
struct dns_stat {
	int source;           /* DNS_SRC_* */
	int queries;          /* messages sent (UDP and TCP) */
	int tcp;              /* answers taken over TCP */
	int ignored;          /* replies dropped: wrong id, question, size */
	int rcode;            /* rcode of the last answer parsed */
};

/*
 * Pure: memory only.
 */

/* A recursive query for name (a host name, no trailing dot) into out.
 * Returns its length, or -1 when name is not a host name or cap is short. */
int dns_query_build(uint8_t *out, size_t cap, uint16_t id, const char *name,
		    uint16_t qtype);

/* Parse an answer to the query (id, name, qtype). Checks id, QR, opcode,
 * the question echo (name case-insensitive, type, class IN), every count
 * and length, compression pointers (strictly backwards, bounded hops) and
 * trailing bytes. Addresses count only when their owner is name or a
 * CNAME target reached from it inside the answer.
 * *rcode and *truncated are set once the header is trusted; a truncated
 * answer or an rcode other than NOERROR yields 0 addresses.
 * Returns the addresses stored in ips (at most max, IPv4-mapped folded), or
 *   -EPROTO   not an answer to this question (a resolver drops it and waits)
 *   -EBADMSG  malformed
 *   -ELOOP    CNAME chain too long or looping */
int dns_answer_parse(const uint8_t *msg, size_t len, uint16_t id,
		     const char *name, uint16_t qtype, struct sb_ip *ips,
		     int max, int *rcode, int *truncated);

/* Defaults: no server, 2 s per try, 2 tries, hosts DNS_HOSTS_PATH. */
void dns_conf_init(struct dns_conf *c);
/* "IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT", or a bare IPv6 address.
 * 0, -EINVAL, or -ENOSPC when DNS_MAX_NS are there already. */
int dns_conf_add_ns(struct dns_conf *c, const char *spec);
/* resolv.conf text: "nameserver IP" lines (IPv4 and IPv6; a %zone is
 * not supported and such a line is skipped) and "options timeout:N
 * attempts:N". Adds to c; 0. */
int dns_conf_parse(struct dns_conf *c, const char *text, size_t n);
/* hosts text: every address of every line naming name (case-insensitive).
 * Returns how many were stored (at most max). */
int dns_hosts_parse(const char *text, size_t n, const char *name,
		    struct sb_ip *ips, int max);

/* Error text for what dns_resolve and dns_answer_parse return. */
const char *dns_strerror(int err);

/*
 * I/O.
 */

/* Read path with dns_conf_parse; a missing file is not an error (glibc and
 * musl use 127.0.0.1 then: so does dns_resolve when c has no server).
 * 0 or -errno. */
int dns_conf_load(struct dns_conf *c, const char *path);
/* Look name up in a hosts file. Count (>= 0) or -errno. */
int dns_hosts_lookup(const char *path, const char *name, struct sb_ip *ips,
		     int max);
/* Two random bytes from getrandom(): a query id. 0 or -errno. */
int dns_random_id(uint16_t *id);

/* Resolve name once: an IP literal is itself; then the hosts file; then A
 * and AAAA from each server in turn, over UDP from a fresh socket (the
 * kernel picks the source port) with random ids, retried, over TCP when
 * truncated. IPv4 addresses come first. st may be NULL.
 * Returns the count (> 0), or
 *   -ENXIO NXDOMAIN, -ENODATA no A/AAAA record, -EAGAIN SERVFAIL,
 *   -ECONNREFUSED refused, -ETIMEDOUT no answer, -EPROTO only answers that
 *   did not match, -EBADMSG malformed, -ELOOP CNAME loop, -EINVAL bad
 *   name, -EMSGSIZE answer too large, or another -errno. */
int dns_resolve(const struct dns_conf *c, const char *name,
		struct sb_ip *ips, int max, struct dns_stat *st);

#endif
