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
	struct sc_prog one;      /* both as one program, what the command
				    gets: deny's verdict, and where it
				    allows, main's (see seccomp_build) */
};

/* Build the filters for p; notify: connect() and Internet socket()
 * return USER_NOTIF for the supervisor. 0 or -errno. */
int seccomp_build(struct sc_plan *pl, const struct policy *p, int notify);
/* Load one program (no_new_privs must be set). flags as seccomp(2);
 * returns the listener fd with NEW_LISTENER, else 0; or -errno. */
int sc_load(const struct sc_prog *prog, unsigned flags);

/* A helper confines itself once set up (SPEC "sb confines itself"):
 * no_new_privs, then its allow-list from build time (scripts/gen-deny.c:
 * SC_PROXY or SC_SUPER). A call outside it traps: a SIGSYS handler writes
 * one error event naming the call's number to log_fd (and stderr), then
 * the helper exits 159 (128 + SIGSYS), and the sandbox fails closed. The
 * filter binds the calling thread and what it starts. 0 or -errno. */
enum { SC_PROXY, SC_SUPER };
int sc_confine_helper(int which, int log_fd);
/* The allow-list's size in instructions, for the report. */
int sc_helper_len(int which);

#endif
