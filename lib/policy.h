/* lib/policy.h - the policy: SPEC "Policy". A line format, the same
 * directives as sb-exec flags, the embedded default, and the kernel
 * sandboxer's LL_* variables. Pure: parsing touches only memory; the caller
 * reads files. */
#ifndef SB_POLICY_H
#define SB_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

#define POLICY_MAX_PATHS 64
#define POLICY_MAX_DEST 64
#define POLICY_MAX_PORTS 32
#define POLICY_MAX_ENV 32
#define POLICY_PATH_MAX 256
#define POLICY_MAX_BINS 32          /* distinct paths after "from" */
#define POLICY_ENV_NAME_MAX 64

enum { PATH_RO = 1, PATH_RW = 2 };

struct policy_path {
	uint8_t mode;                /* PATH_RO or PATH_RW */
	uint8_t optional;            /* from the embedded default: a system
					directory this image may lack */
	char path[POLICY_PATH_MAX];  /* absolute */
};

struct policy {
	int best_effort;             /* 0: enforce */
	int dns;                     /* dns on */
	int ipc;                     /* ipc on: SysV IPC allowed */
	int metadata;                /* metadata on: chown, xattr writes,
					inode flags allowed */
	int npaths, nallow, ndirect, nbind, nenv;
	int env_set;                 /* an env directive replaced the default */
	struct sb_ip proxy_ip;
	uint16_t proxy_port;
	struct policy_path paths[POLICY_MAX_PATHS];
	struct dest allow[POLICY_MAX_DEST];
	struct dest direct[POLICY_MAX_DEST];
	uint16_t bind[POLICY_MAX_PORTS];
	char env[POLICY_MAX_ENV][POLICY_PATH_MAX];  /* NAME or NAME=VALUE */
	/* Landlock rules from LL_FS_RO etc. (the kernel sandboxer's
	 * variables), used in place of ro/rw when ll_vars is set. */
	int ll_vars;
	uint16_t ll_connect[POLICY_MAX_PORTS];
	int nll_connect;
	uint8_t parsing_default;
	/* Entries with "from BINARY...": lib/from.c. Kept apart from
	 * allow[] and direct[], so that whatever asks without naming a
	 * binary (the functions above) never matches them: fail closed.
	 * from_bins[i] is a mask of bins[] (bit k: bins[k]). */
	int nfrom, nbins;
	struct dest from[POLICY_MAX_DEST];
	uint32_t from_bins[POLICY_MAX_DEST];
	uint8_t from_direct[POLICY_MAX_DEST];   /* 0 allow, 1 direct */
	char bins[POLICY_MAX_BINS][POLICY_PATH_MAX];
	/* upstream http://HOST:PORT: destinations reached through this
	 * HTTP proxy (CONNECT by name) unless direct or excepted; its
	 * credentials from a file or an environment variable of sb's. */
	int has_upstream;
	struct dest upstream;        /* DEST_HOST, or DEST_CIDR of one IP */
	char up_auth_file[POLICY_PATH_MAX];
	char up_auth_env[POLICY_ENV_NAME_MAX];
	int nup_except;
	struct dest up_except[POLICY_MAX_DEST];  /* port 0: any */
};

struct policy_err {
	const char *file;
	int line;
	char what[160];
};

/* Defaults per SPEC: enforce, proxy 127.0.0.1:3128, dns on, env PATH HOME
 * LANG TERM; no paths (see policy_default_paths). */
void policy_init(struct policy *p);
/* The embedded default policy's text. */
extern const char policy_default_text[];
/* Parse text (NUL-terminated) named file into p, adding to what is there.
 * 0, or -1 with e filled ("file:line: what"). */
int policy_parse(struct policy *p, const char *text, const char *file,
		 struct policy_err *e);
/* One directive as a flag: name is the directive ("ro", "allow", ...),
 * value its words. Same checks as the file. */
int policy_directive(struct policy *p, const char *name, const char *value,
		     struct policy_err *e);
/* Does host:port (lowercase) match an allow entry? An IP literal? */
int policy_allows_host(const struct policy *p, const char *host,
		       uint16_t port);
int policy_allows_ip(const struct policy *p, const struct sb_ip *ip,
		     uint16_t port);
int policy_direct_ip(const struct policy *p, const struct sb_ip *ip,
		     uint16_t port);
/* Reachable through the proxy: an allow or a direct entry (a direct
 * destination is also reachable by a direct connect). */
int policy_proxy_host(const struct policy *p, const char *host,
		      uint16_t port);
int policy_proxy_ip(const struct policy *p, const struct sb_ip *ip,
		    uint16_t port);
/* SPEC sb-proxy "What names an internal address", for every applet: does
 * an entry of the tables tabs (POL_ALLOW, POL_DIRECT) name the internal
 * address ip on port (0: any port), reached as host (the name pinned to
 * it; NULL for an address given as such)? See dest_names_ip. */
enum { POL_ALLOW = 1, POL_DIRECT = 2, POL_BOTH = 3 };
int policy_names_ip(const struct policy *p, int tabs, const char *host,
		    const struct sb_ip *ip, uint16_t port);
/* May ip be reached: a public address, or an internal one named so. */
int policy_ip_ok(const struct policy *p, int tabs, const char *host,
		 const struct sb_ip *ip, uint16_t port);
/* Which entry would name ip (for host on port, under directive dir), as
 * text for a message: "only an IP or CIDR entry ... 'allow IP:PORT'". */
void policy_name_hint(const char *dir, const char *host,
		      const struct sb_ip *ip, uint16_t port, char *out,
		      size_t cap);
/* p in the policy format, one directive a line, such that parsing it
 * gives p again (sb-exec --print-policy). Bytes written, or -1 if it does
 * not fit. */
int policy_format(const struct policy *p, char *out, size_t cap);
/* Does the connection to host:port (a name, or ip when ip is not NULL)
 * go through the upstream proxy? Only with an upstream, and not for a
 * direct destination or one upstream-except lists (a CIDR exception
 * matches IP literals only: names are not resolved to decide this). */
int policy_via_upstream(const struct policy *p, const char *host,
			const struct sb_ip *ip, uint16_t port);
/* After every file and flag: the upstream directives agree (auth or
 * except without upstream, auth both ways, the auth variable also
 * passed by env). 0, or -1 with e filled. */
int policy_upstream_check(const struct policy *p, struct policy_err *e);
/* "http://HOST:PORT" of the upstream, for logs and reports. */
void policy_upstream_url(const struct policy *p, char *out, size_t cap);
/* ---- rules per binary (lib/from.c) ----
 * "allow DEST... from PATH..." / "direct DEST... from PATH...": the entry
 * is for the binaries whose executable, as the kernel reports it
 * (/proc/PID/exe), matches one of the paths; '*' matches any run of
 * characters within one path component (never a '/'). exe below is that
 * path, only once its pin held (lib/ident.h); NULL when the binary could
 * not be established: then only entries for every binary match.
 * POLICY_ANY_EXE: as if every from entry applied (pinning names ahead). */
#define POLICY_ANY_EXE ((const char *)1)
int policy_from_directive(struct policy *p, int direct, char **w, int nw,
			  struct policy_err *e);
int policy_glob(const char *pat, const char *path);
/* Is from entry i (of table tabs: POL_ALLOW, POL_DIRECT) for exe? */
int policy_from_applies(const struct policy *p, int i, int tabs,
			const char *exe);
/* Does exe match any path a from entry names (so it must be pinned)? */
int policy_bin_listed(const struct policy *p, const char *exe);
int policy_allows_host_by(const struct policy *p, const char *exe,
			  const char *host, uint16_t port);
int policy_allows_ip_by(const struct policy *p, const char *exe,
			const struct sb_ip *ip, uint16_t port);
int policy_direct_ip_by(const struct policy *p, const char *exe,
			const struct sb_ip *ip, uint16_t port);
int policy_direct_host_by(const struct policy *p, const char *exe,
			  const char *host, uint16_t port);
int policy_proxy_host_by(const struct policy *p, const char *exe,
			 const char *host, uint16_t port);
int policy_proxy_ip_by(const struct policy *p, const char *exe,
		       const struct sb_ip *ip, uint16_t port);
int policy_names_ip_by(const struct policy *p, const char *exe, int tabs,
		       const char *host, const struct sb_ip *ip,
		       uint16_t port);
int policy_ip_ok_by(const struct policy *p, const char *exe, int tabs,
		    const char *host, const struct sb_ip *ip, uint16_t port);
/* Is host (any port) reachable at all by exe: an entry for every binary
 * or one of exe's (dns on: a name only git may reach is NXDOMAIN to
 * curl). */
int policy_host_for(const struct policy *p, const char *exe,
		    const char *host);
/* Is host a name a wildcard entry for exe allows, and one sb pins itself
 * on first use (dns on: the answerer asks the proxy to), not one the
 * upstream proxy resolves (policy_via_upstream)? */
int policy_pins_later(const struct policy *p, const char *exe,
		      const char *host);
/* The from entries in the policy format, appended to b (policy_format). */
struct buf;
void policy_format_from(const struct policy *p, struct buf *b);
/* Format e as "file:line: what" into out. */
void policy_err_format(const struct policy_err *e, char *out, size_t cap);

#endif
