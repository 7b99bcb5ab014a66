/* lib/upstream.h - chaining to an upstream HTTP proxy (policy "upstream
 * http://HOST:PORT"): sb still decides every destination; what it
 * allows it reaches through the upstream with "CONNECT host:port" by
 * name, and the upstream resolves the name.
 *
 *	struct upstream u;
 *	upstream_prepare(&u, &pol, &dns, why, sizeof(why));   at start,
 *				before the sandbox: the upstream's address
 *				pinned once, the credentials read once
 *	pc.up = &u;                                  lib/proxy.c uses it:
 *	n = upstream_request(&u, host, v6, port, out, cap);   sent once
 *	r = upstream_reply(peeked, len, &resp);      > 0: head length
 *
 * The credentials ("user:password", from upstream-auth-file or the
 * variable upstream-auth-env names) become one header line,
 * "Proxy-Authorization: Basic base64(user:password)", kept in sb's
 * memory only and sent to the upstream only; the variable is removed
 * from sb's environment once read. */
#ifndef SB_UPSTREAM_H
#define SB_UPSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"
#include "http.h"
#include "pin.h"
#include "policy.h"
#include "sockaddr.h"

#define UPSTREAM_CRED_MAX 512   /* user:password, bytes */
#define UPSTREAM_AUTH_MAX (40 + 4 * ((UPSTREAM_CRED_MAX + 2) / 3))

struct upstream {
	char url[SB_HOST_MAX + 24];     /* "http://HOST:PORT" */
	char hostport[SB_HOST_MAX + 16];/* "HOST:PORT", for messages */
	uint16_t port;
	int nips;
	struct sb_ip ips[PIN_MAX_IPS];  /* pinned at start, tried in turn */
	const char *auth_from;          /* "file", "env", or NULL: none */
	int auth_len;
	char auth[UPSTREAM_AUTH_MAX];   /* the header line, CRLF included */
};

/* RFC 4648 base64 (with padding) of in[0..n) into out, NUL-terminated.
 * Its length, or -1 when cap is too small. */
int base64_encode(const void *in, size_t n, char *out, size_t cap);
/* cred: "user:password" (one trailing LF or CR LF dropped; no other
 * control byte; a user without ':'; 1..UPSTREAM_CRED_MAX bytes) into
 * u->auth. 0, or -1 with *why. */
int upstream_auth(struct upstream *u, const char *cred, size_t n,
		  const char **why);
/* "CONNECT host:port HTTP/1.1", Host, the credentials, CRLF: the whole
 * request for the upstream (an IPv6 literal host in brackets when v6).
 * Its length, or -EMSGSIZE. */
int upstream_request(const struct upstream *u, const char *host, int v6,
		     uint16_t port, char *out, size_t cap);
/* The upstream's reply to it, from the first n bytes it sent (hostile):
 * > 0 the head's length (CRLF CRLF included; r->status set; what follows
 * belongs to the tunnel), 0 when more bytes are needed, -EINVAL for a
 * malformed head, -EMSGSIZE for one over HTTP_HEAD_MAX (r->why says
 * what, either way). */
int upstream_reply(const char *p, size_t n, struct http_resp *r);
/* For a non-2xx status: its usual reason phrase ("Proxy Authentication
 * Required"), our own text, never the upstream's. */
const char *upstream_status_text(int status);
/* At start, blocking, before anything runs: fill u from p's upstream.
 * The host is pinned once (an IP pins to itself; a name is resolved
 * through dns, and keeps the addresses that are public or that the
 * upstream entry names as an exact name would, SPEC sb-proxy); the
 * credentials are read (the file whole; the variable then unset). 0, or
 * -1 with why filled. */
int upstream_prepare(struct upstream *u, const struct policy *p,
		     const struct dns_conf *dns, char *why, size_t cap);

#endif
