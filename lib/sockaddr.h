/* lib/sockaddr.h - addresses: strict literal parsing, internal ranges,
 * destination entries (host:port, *.domain:port, IP:port, CIDR:port), and
 * sockaddr parsing for the supervisor. Pure: touches only memory. */
#ifndef SB_SOCKADDR_H
#define SB_SOCKADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IP address; IPv4 is kept as IPv4 (family 4), never as mapped v6. */
struct sb_ip {
	uint8_t family;      /* 4 or 6 */
	uint8_t a[16];       /* network order; first 4 bytes for IPv4 */
};

#define SB_HOST_MAX 253

enum dest_kind { DEST_HOST, DEST_WILD, DEST_CIDR };

/* One allow/direct entry. port 0 means any port ("*"). */
struct dest {
	uint8_t kind;
	uint8_t prefix;                 /* CIDR prefix length (32/128 = IP) */
	uint16_t port;
	struct sb_ip ip;                /* DEST_CIDR */
	char host[SB_HOST_MAX + 1];     /* DEST_HOST: the name, lowercase;
					   DEST_WILD: the domain after "*." */
};

/* Canonical literals only: dotted quad of four decimal parts 0-255 without
 * leading zeros; IPv6 per RFC 4291 text (no zone). 0 or -1. */
int ip_parse(const char *s, size_t n, struct sb_ip *ip);
/* Text form into out (>= 46 bytes). */
void ip_format(const struct sb_ip *ip, char *out, size_t cap);
/* Fold IPv4-mapped IPv6 (::ffff:a.b.c.d) to IPv4. */
void ip_fold(struct sb_ip *ip);
/* Loopback, unspecified, RFC 1918, CGNAT, link-local (169.254/16, fe80::/10),
 * ULA, multicast, broadcast, 0/8, documentation/benchmark/reserved, and the
 * IPv4-compatible, mapped and NAT64 forms: internal. 1 or 0. */
int ip_is_internal(const struct sb_ip *ip);
/* Does ip/prefix lie wholly inside one internal range? */
int cidr_is_internal(const struct sb_ip *ip, int prefix);
/* The internal addresses an exact host name names when it pins to them
 * (SPEC sb-proxy "What names an internal address"): loopback, RFC 1918,
 * CGNAT, ULA, and NAT64's forms (DNS64). Never link-local (metadata),
 * unspecified, multicast, broadcast or the other special ranges: only an
 * IP or CIDR entry names those. 1 or 0 (0 for a public address too). */
int ip_nameable(const struct sb_ip *ip);
/* IPv6 forms that embed an IPv4 address other than mapped (::a.b.c.d,
 * 64:ff9b::/96, 64:ff9b:1::/48, 2002::/16 6to4). */
int ip_is_embedding(const struct sb_ip *ip);
int ip_equal(const struct sb_ip *a, const struct sb_ip *b);
/* 0.0.0.0 or ::. */
int ip_unspecified(const struct sb_ip *ip);
int ip_in_cidr(const struct sb_ip *ip, const struct sb_ip *net, int prefix);

/* A port: 1-65535 in decimal, no sign, no leading zero. 0 or -1. */
int port_parse(const char *s, size_t n, uint16_t *port);

/* A host name: 1-253 chars, labels 1-63 of [A-Za-z0-9-_], not starting or
 * ending with '-', no trailing dot. Lowercased into out. 0 or -1. */
int host_parse(const char *s, size_t n, char *out);

/* "host:port", "*.domain:port", "IP:port", "[v6]:port", "CIDR:port",
 * "[v6/len]:port"; port "*" means any. 0, or -1 with *why set. */
int dest_parse(const char *s, struct dest *d, const char **why);
/* Does d name host (lowercase) on port? Exact, or a proper subdomain for
 * "*.domain". IP literals match DEST_CIDR entries only. */
int dest_match_host(const struct dest *d, const char *host, uint16_t port);
int dest_match_ip(const struct dest *d, const struct sb_ip *ip, uint16_t port);
/* Does entry d name the internal address ip, reached on port (0: any) as
 * host (the name it was pinned for; NULL when given as an address)? An IP
 * or CIDR entry lying wholly inside internal space names what it covers
 * (0.0.0.0/0 names nothing); an exact host-name entry names the
 * ip_nameable() addresses its name pins to; a wildcard names none. */
int dest_names_ip(const struct dest *d, const char *host,
		  const struct sb_ip *ip, uint16_t port);
/* Entry back to text (for logs and reports). */
void dest_format(const struct dest *d, char *out, size_t cap);

/* A sockaddr from untrusted memory (the supervisor): AF_INET/AF_INET6 only,
 * len checked, mapped IPv6 folded. 0, or -EAFNOSUPPORT / -EINVAL. */
int sockaddr_parse(const void *sa, size_t len, struct sb_ip *ip,
		   uint16_t *port);
/* Build a sockaddr_in/in6 for ip:port; returns its length. */
socklen_t sockaddr_make(const struct sb_ip *ip, uint16_t port,
			struct sockaddr_storage *ss);

#endif
