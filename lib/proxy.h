/* lib/proxy.h - sb-proxy's engine: the loopback HTTP CONNECT proxy that
 * enforces the allowlist (SPEC "sb-proxy"). One epoll loop, non-blocking
 * throughout; a fixed connection table allocated once; tunnels spliced
 * through pipes (no user-space copy). Used by applets/proxy.c and, in a
 * forked child, by sb-exec:
 *
 *	struct proxy_cfg pc;
 *	int ready[2], lfd;
 *
 *	proxy_cfg_init(&pc);
 *	lfd = proxy_listen(&pol.proxy_ip, pol.proxy_port);  -errno or fd;
 *					bound and listening at once: the
 *					kernel queues connections from here
 *	pipe2(ready, O_CLOEXEC);
 *	pc.pol = &pol;                  allow entries (the caller's copy)
 *	pc.pins = &pins;                pinned names, or NULL
 *	pc.dns = &dns;                  for *.domain names, or NULL
 *	pc.listen_fd = lfd;
 *	pc.ready_fd = ready[1];
 *	pc.log_fd = log_fd;
 *	pid = fork();
 *	if (pid == 0) {
 *		close(ready[0]);
 *		_exit(proxy_run(&pc) < 0 ? 125 : 0);
 *	}
 *	close(ready[1]);
 *	read(ready[0], &c, 1) == 1     serving; 0 bytes: it failed (exited)
 *	...
 *	kill(pid, SIGTERM);             stop accepting, drain, exit 0
 *	waitpid(pid, ...);
 *
 * What it lets through (SPEC "sb-proxy"): "CONNECT host:port" and
 * absolute-form "METHOD http://host[:port]/path", parsed strictly (lib/http.h)
 * and answered 400 otherwise; host and port checked against the allow
 * entries before any DNS query (403); a name connected only to its pinned
 * addresses (pc.pins, else pinned on first use through pc.dns, then frozen);
 * an internal address only when an allow entry lying wholly inside an
 * internal range names it for that port. A CONNECT client that sends
 * anything past its head before the 200 gets 400: those bytes could only
 * be a second request. A tunnel whose first client bytes are a TLS
 * ClientHello is closed (a deny event) unless its SNI is the CONNECT host.
 * A forwarded request gets one request per connection: origin form,
 * hop-by-hop fields removed, Connection: close; Host must agree with the
 * URI; the body by Content-Length or chunked framing, nothing after it.
 * Head over 8 KiB: 431; whole head not in head_ms: 408; table full: 503.
 * Every allow and deny is logged with the client's pid and exe when they
 * can be found; the denials are summed up per (host, port, exe) in
 * "summary" events on SIGUSR1 and at exit.
 *
 * Signals, while proxy_run runs: SIGTERM and SIGINT stop accepting, let the
 * open connections finish (at most drain_ms), then return 0; a second one
 * returns at once. SIGUSR1 logs the denial summary. SIGPIPE is ignored.
 * proxy_run blocks these four and restores the mask and SIGPIPE before it
 * returns.
 *
 * Memory: idle, about the policy plus a few pages; each connection costs
 * sizeof(struct conn) (under 512 bytes) of user space, allocated up front
 * and touched on first use; its bytes stay in the kernel (socket buffers
 * and two pipes). File descriptors: six per tunnel; proxy_run raises
 * RLIMIT_NOFILE's soft limit to fit max_conns, or lowers max_conns (and
 * logs a degrade event) when the hard limit is too low. */
#ifndef SB_PROXY_H
#define SB_PROXY_H

#include <stdint.h>

#include "dns.h"
#include "pin.h"
#include "policy.h"
#include "sockaddr.h"
#include "upstream.h"

struct proxy_cfg {
	const struct policy *pol;       /* required: allow entries */
	const struct pin_table *pins;   /* names pinned ahead, or NULL */
	int listen_fd;                  /* listening TCP socket, or -1:
					   proxy_run listens on listen_ip */
	struct sb_ip listen_ip;         /* default: the policy's proxy */
	uint16_t listen_port;
	int ready_fd;                   /* -1, or gets one byte ('R') once
					   serving, then is closed */
	int log_fd;                     /* JSON Lines (default 2) */
	int max_conns;                  /* table size: 503 past it (1024) */
	int head_ms;                    /* whole request head (10 s) */
	int connect_ms;                 /* upstream connect (10 s) */
	int hello_ms;                   /* rest of a started ClientHello
					   (10 s) */
	int idle_ms;                    /* tunnel without traffic (300 s) */
	int drain_ms;                   /* after SIGTERM (30 s) */
	int dns_ms;                     /* one name on first use (5 s) */
	int no_sni_deny;                /* ClientHello without SNI: 0 let
					   through (logged), 1 deny */
	int who;                        /* find the client's pid and exe
					   for the log (1) */
	int confine;                    /* confine ourselves once set up:
					   Landlock and a seccomp allow-list
					   (lib/filter.h sc_confine_helper) */
	int who_fd;                     /* the supervisor's records
					   (struct proxy_who), or -1: the
					   proxy looks in /proc itself */
	/* For names allowed but not pinned ahead (a *.domain entry's
	 * names): resolved on first use in the loop (the hosts file, then
	 * A and AAAA over UDP to these servers, 127.0.0.1 when none), then
	 * frozen for the life of the proxy, never resolved again. NULL:
	 * such names are denied. */
	const struct dns_conf *dns;
	/* An upstream HTTP proxy (lib/upstream.h), or NULL: what
	 * policy_via_upstream() sends there is reached with "CONNECT
	 * host:port" by name after the same checks, the upstream's reply
	 * head read within connect_ms (at most HTTP_HEAD_MAX bytes); a
	 * refusal is a 502 naming it. */
	const struct upstream *up;
	/* The supervisor's questions for names a wildcard entry allows
	 * (struct proxy_pin, both ways on a SOCK_DGRAM UNIX socketpair
	 * sb-exec makes; notify_ctx.pin_fd), or -1. */
	int pin_fd;
};

/* What the supervisor tells the proxy of each connection it makes to the
 * proxy on the sandbox's behalf, over a SOCK_DGRAM UNIX socketpair that
 * sb-exec makes for the two (proxy_cfg.who_fd; notify_ctx.who_fd): the
 * client socket's own address, which the proxy sees as its peer, and who
 * asked for it. The sandbox holds neither end, so what it says cannot be
 * forged, and the proxy needs no look into /proc (which a confined proxy
 * could not take) nor a scan per connection. */
struct proxy_who {
	struct sb_ip ip;                /* the client's end */
	uint16_t port;
	int32_t pid;                    /* the thread that called connect() */
	char exe[256];                  /* its executable, "" if unknown */
	int32_t pin;                    /* lib/ident.h enum ident_state:
					   IDENT_HELD: exe may match a
					   "from" entry */
	/* Transparent mode: the client connected to dst:dport (a pinned
	 * address of an allowed name), not to the proxy; it sends no
	 * request, and the proxy names the host by its TLS SNI or HTTP
	 * Host. */
	struct sb_ip dst;
	uint16_t dport;
	uint8_t transparent;
};

/* "dns on" and wildcard entries: the sandbox asks for a name a wildcard
 * entry allows before anything pinned it. One table must hold it, or the
 * address the answerer gives would not be the one the proxy checks a
 * transparent connection against (or, later, a CONNECT): the proxy's,
 * which pins such names on first use already. The supervisor sends the
 * name (err 0, nips 0); the proxy answers from its tables, or after a
 * lookup of its own (the hosts file, then the resolvers), with the
 * frozen addresses, or err < 0 (dns_strerror; -EACCES: no entry allows
 * the name). The sandbox holds neither end. */
struct proxy_pin {
	int32_t err;
	uint8_t nips;
	struct sb_ip ips[PIN_MAX_IPS];
	char name[SB_HOST_MAX + 1];
};

/* The defaults above; pol, pins and the listener left for the caller. */
void proxy_cfg_init(struct proxy_cfg *c);
/* A non-blocking, close-on-exec TCP socket listening on ip:port
 * (SO_REUSEADDR). The fd, or -errno. */
int proxy_listen(const struct sb_ip *ip, uint16_t port);
/* Serve until SIGTERM/SIGINT and the drain. 0, or -errno when it cannot
 * start (then an error event is logged and ready_fd is closed unwritten). */
int proxy_run(const struct proxy_cfg *c);

#endif
