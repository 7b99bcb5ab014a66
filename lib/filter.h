/* lib/filter.h - seccomp: the deny filter and the user-notification filter.
 * Built in the parent before fork; the child only loads them. */
#ifndef SB_FILTER_H
#define SB_FILTER_H

#include <linux/filter.h>

#include "policy.h"

#define SC_MAX_INSNS 1024

struct sc_prog {
	unsigned short len;
	struct sock_filter insns[SC_MAX_INSNS];
};

struct sc_plan {
	struct sc_prog deny;     /* the syscall deny list, from build time */
	struct sc_prog main;     /* hand-written: socket(), connect() (the
				    supervisor's notifications), listen(),
				    personality() */
};

/* Build the filters for p; notify: connect() and Internet socket()
 * return USER_NOTIF for the supervisor. 0 or -errno. */
int seccomp_build(struct sc_plan *pl, const struct policy *p, int notify);
/* Load one program (no_new_privs must be set). flags as seccomp(2);
 * returns the listener fd with NEW_LISTENER, else 0; or -errno. */
int sc_load(const struct sc_prog *prog, unsigned flags);

#endif
