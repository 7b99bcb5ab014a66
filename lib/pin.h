/* lib/pin.h - the DNS-pinned allowlist: each name resolved once (A and
 * AAAA; /etc/hosts first, then the resolvers), frozen for the life of the
 * sandbox. A wildcard entry's names are pinned on first use. */
#ifndef SB_PIN_H
#define SB_PIN_H

#include <stdint.h>

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

#endif
