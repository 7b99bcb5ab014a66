/* lib/pin.h - the DNS-pinned allowlist: each name resolved once (A and
 * AAAA; /etc/hosts first, then the resolvers), frozen for the life of the
 * sandbox. A wildcard entry's names are pinned on first use. */
#ifndef SB_PIN_H
#define SB_PIN_H

#include <stdint.h>

#include "dns.h"
#include "sockaddr.h"

#define PIN_MAX 128          /* pinned names */
#define PIN_MAX_IPS 8        /* addresses kept per name */

struct pin {
	char host[SB_HOST_MAX + 1];   /* lowercase */
	uint16_t port;                /* 0: any port (from "host:*") */
	uint8_t nips;
	struct sb_ip ips[PIN_MAX_IPS];
};

struct pin_table {
	int n;
	struct pin pins[PIN_MAX];
};

/* The pin for host (and port, 0 matching any), or NULL. */
const struct pin *pin_find(const struct pin_table *t, const char *host,
			   uint16_t port);
/* Is ip among the pinned addresses of any entry allowing port? */
int pin_has_ip(const struct pin_table *t, const struct sb_ip *ip,
	       uint16_t port);
/* The frozen table as text, "HOST PORT IP..." a line (port "*" for any).
 * Returns bytes written, or -1 if it does not fit. */
int pin_format(const struct pin_table *t, char *out, size_t cap);
/* Parse that text back (sb-proxy --pins). 0, or -1 with *line set. */
int pin_parse(struct pin_table *t, const char *text, int *line);

/* What pin_commit and pin_resolve did, for the caller's logs. */
#define PIN_SRC_TABLE 16     /* the name was pinned already: reused */
struct pin_report {
	int source;                        /* DNS_SRC_* or PIN_SRC_TABLE */
	int nfound;                        /* addresses the lookup gave */
	int ndropped;                      /* internal ones left out */
	struct sb_ip dropped[PIN_MAX_IPS]; /* the first of them */
	int nextra;                        /* past PIN_MAX_IPS, left out */
	struct dns_stat dns;               /* when source is DNS_SRC_DNS */
};

/* Freeze host:port (host: a name or an IP literal) to ips: IPv4-mapped
 * folded, duplicates dropped, internal addresses that a name does not
 * name (link-local, multicast...: not ip_nameable) dropped unless
 * allow_internal (listed in r), at most PIN_MAX_IPS kept. If host is
 * pinned already (any port) its frozen addresses are kept and ips are
 * ignored: a name has one set of addresses for the life of the table.
 * r may be NULL. 0, or -EINVAL (bad host), -EADDRNOTAVAIL (no address
 * left), -ENOSPC (table full). */
int pin_commit(struct pin_table *t, const char *host, uint16_t port,
	       const struct sb_ip *ips, int n, int allow_internal,
	       struct pin_report *r);
/* Pin host:port once (blocking): a host already in the table is reused,
 * never resolved again; an IP literal pins to itself (naming it is
 * explicit, so internal literals are kept); else dns_resolve() and
 * pin_commit(). r may be NULL. 0, or the negative code of either, which
 * dns_strerror() names. */
int pin_resolve(struct pin_table *t, const struct dns_conf *c,
		const char *host, uint16_t port, int allow_internal,
		struct pin_report *r);
/* The table as pin_format text to fd, a line at a time. 0 or -errno. */
int pin_write_fd(const struct pin_table *t, int fd);
/* Replace path atomically: a temporary file beside it, fsync, rename,
 * fsync of the directory. Mode 0644. 0 or -errno. */
int pin_write_file(const struct pin_table *t, const char *path);

#endif
