/* lib/log.h - JSON Lines events (SPEC "Logs") and one-line messages.
 *
 *	struct log_ev e;
 *	log_begin(&e, "deny");
 *	log_s(&e, "host", host);
 *	log_i(&e, "port", port);
 *	log_end(&e, fd);          one write(): lines never interleave
 */
#ifndef SB_LOG_H
#define SB_LOG_H

#include "buf.h"

struct log_ev {
	struct buf b;
	int loud;       /* deny, degrade, error: shown even when quiet */
	char mem[2048];
};

/* A log fd meaning "stderr, but only deny, degrade and error events":
 * what sb-exec uses without --log, so that a command's own stderr is not
 * drowned in allow lines. Not a real descriptor; log_end maps it. */
#define LOG_STDERR_QUIET 0x40000002

void log_begin(struct log_ev *e, const char *event);
void log_s(struct log_ev *e, const char *key, const char *val);
void log_sn(struct log_ev *e, const char *key, const char *val, size_t n);
void log_i(struct log_ev *e, const char *key, long long val);
/* val is already JSON (an array, object, true/false). */
void log_json(struct log_ev *e, const char *key, const char *val);
int log_end(struct log_ev *e, int fd);
/* An advisory (SPEC Logs: capacity, "the command runs as uid 0"): to a
 * log file, never to the quiet stderr, whatever its event. Call after
 * log_begin. */
void log_advisory(struct log_ev *e);
/* The common case: one event with a layer and a reason. */
int log_event(int fd, const char *event, const char *layer,
	      const char *reason);

/* "sb-APPLET: a b c\n" on stderr; the arguments end with NULL. */
void say_err(const char *s, ...) __attribute__((sentinel));
/* One line naming the problem and the usage hint; returns EX_USAGE. */
int usage_error(const char *what, const char *arg);
/* Usage text to stdout; returns EX_OK (or EX_SB if stdout fails). */
int help_print(const char *text);
/* strerror() of a -errno or errno value. */
const char *err_str(int e);

#endif
