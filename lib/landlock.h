/* lib/landlock.h - rulesets built in the parent, applied in the child.
 * Ask the kernel for its ABI once, clip what it lacks, report every loss
 * (the kernel sandboxer's logic, written as a table). */
#ifndef SB_LANDLOCK_H
#define SB_LANDLOCK_H

#include <stdint.h>

#include "policy.h"

struct ll_rights {
	uint64_t fs, net, scope;
};

struct ll_plan {
	int abi;                    /* 0: no Landlock */
	int fd;                     /* ruleset, or -1 */
	struct ll_rights handled;   /* what the ruleset handles (clipped) */
	struct ll_rights lost;      /* wanted but not in this kernel */
	int paths_added, paths_skipped;
	uint16_t connect[POLICY_MAX_PORTS + POLICY_MAX_DEST + 1];
	int nconnect;
	uint16_t bind[POLICY_MAX_PORTS];
	int nbind;
};

/* Rights each ABI brings, and the clip. */
void landlock_clip(struct ll_rights *want, int abi, struct ll_rights *lost);
/* Build the ruleset for p: ro/rw paths (or the LL_FS_* variables), TCP
 * bind to bind ports, both scopes, and TCP connect: no port at all when
 * supervised (the supervisor performs allowed connects outside the
 * domain), else the proxy and direct ports (or LL_TCP_CONNECT). cwd
 * replaces "@cwd". Skipped paths and lost rights are logged to log_fd as
 * degrade events. 0, or -errno (nothing is half-built). */
int landlock_build(struct ll_plan *pl, const struct policy *p,
		   const char *cwd, int supervised, int log_fd);
/* In the child, after no_new_privs. 0 or -errno. */
int landlock_apply(const struct ll_plan *pl);
/* Read LL_FS_RO, LL_FS_RW, LL_TCP_BIND, LL_TCP_CONNECT, LL_SCOPED (the
 * kernel sandboxer's variables) from envp into p. Returns 1 if any was
 * set, 0 if none, -1 with e filled on a bad value. */
int landlock_env(struct policy *p, char **envp, struct policy_err *e);

/* A helper's own domain (the proxy's, SPEC "sb confines itself"): no
 * file access but reading read_file (NULL: none), no TCP bind, TCP
 * connect to these ports only (any_port: any), no abstract UNIX socket
 * or signal outside. As far as the kernel's ABI goes: *what says how far
 * ("fs net scopes", "fs", ...). 0 applied, 1 no Landlock here, -errno. */
int landlock_helper(const uint16_t *ports, int nports, int any_port,
		    const char *read_file, const char **what);

#endif
