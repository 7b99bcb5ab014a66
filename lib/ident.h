/* lib/ident.h - who a process is, for rules per binary (policy.h "from"):
 * the path the kernel reports for its executable, and a pin of that
 * binary taken on first use: device, inode and a SHA-256 of its content
 * (lib/sha256.c). A later use of the same path by another file (other
 * dev/ino) or other content is refused: the pin is broken, and the
 * process counts as an unknown binary (only entries for every binary
 * match it), which the log says. Content is hashed once per (dev, ino,
 * size, mtime, ctime): the cache. */
#ifndef SB_IDENT_H
#define SB_IDENT_H

#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "sha256.h"

#define IDENT_MAX_PINS 64
#define IDENT_CACHE 64
#define IDENT_EXE_MAX 256
#define IDENT_SUMS 64               /* denial summary entries */

enum ident_state {
	IDENT_UNKNOWN = 0,          /* not established: matches no from */
	IDENT_HELD,                 /* a listed binary, its pin held */
	IDENT_BROKEN,               /* a listed path, other file or content */
	IDENT_UNLISTED,             /* no from entry names it: not pinned */
	IDENT_FOREIGN,              /* pin held, but code the sandbox could
				       have written runs in it (LD_PRELOAD,
				       LD_AUDIT, LD_LIBRARY_PATH, injected
				       anonymous code): ident_foreign() */
};

struct ident_pin {
	char path[IDENT_EXE_MAX];
	uint64_t dev, ino;
	uint8_t sha[SHA256_LEN];
	uint32_t held, broken;      /* uses */
};

struct ident_file {
	uint64_t dev, ino, size;
	int64_t mtime, mtime_ns, ctime, ctime_ns;
	uint8_t sha[SHA256_LEN];
	uint8_t used;
};

/* Denials summed per binary, pin state and destination (the supervisor's
 * "summary" events, with from entries in the policy). */
struct ident_sum {
	char exe[IDENT_EXE_MAX];
	char dest[64];              /* host, or the IP as text */
	uint16_t port;
	uint8_t state;
	uint32_t count;
	int64_t first, last;        /* CLOCK_REALTIME ms */
};

struct ident {
	int npins, cache_next;
	struct ident_pin pins[IDENT_MAX_PINS];
	struct ident_file cache[IDENT_CACHE];
	uint64_t hashed_bytes, hash_ns;   /* cost, for the bench */
	uint32_t hashes, hits;
	char cwd[POLICY_PATH_MAX];        /* "@cwd", read by ident_init */
	int nsums;
	uint32_t sums_lost;
	struct ident_sum sums[IDENT_SUMS];
};

/* One process's identity, as a decision uses it. */
struct ident_who {
	int state;                  /* enum ident_state */
	pid_t tid;
	char exe[IDENT_EXE_MAX];    /* as /proc/TID/exe reads; "" unknown */
	const char *why;            /* why not held */
	char whybuf[320];
};

/* Zero id and note the working directory (what "@cwd" means): before
 * the caller confines itself (getcwd is not on the allow-list). */
void ident_init(struct ident *id);
/* The path a decision may use: w->exe when the pin held, else NULL (only
 * entries for every binary match). */
const char *ident_exe(const struct ident_who *w);
/* "held", "broken", "unlisted", "unknown": the log's "pin" field. */
const char *ident_state_name(int state);
/* Pin check of the file open at fd (the executable, opened through
 * /proc/TID/exe) for path exe. Sets w->state and w->why. */
void ident_check_fd(struct ident *id, int fd, struct ident_who *w);
/* Establish who thread tid is, for policy p: readlink and, when a from
 * entry lists the path, open /proc/TID/exe and check the pin. valid(arg)
 * is called after the reads (ID_VALID of the notification that blocks
 * tid): -ENOENT when it says the notification died (decide nothing), else
 * 0 with *w filled. Without from entries in p it only reads the path. */
int ident_of(struct ident *id, const struct policy *p, pid_t tid,
	     int (*valid)(void *), void *arg, struct ident_who *w);
/* Is code in tid's address space that the pinned binary did not bring?
 * Every executable mapping of /proc/TID/maps must be the executable
 * itself or a file outside the policy's rw paths (Landlock keeps the
 * sandbox from writing anywhere else), not deleted; and, but for an
 * interpreter (ident_interpreter), no anonymous executable memory. NULL,
 * or why not (into mem). "@cwd" is id->cwd (sb-exec's working directory;
 * unknown: as if everything were writable). */
const char *ident_foreign(const struct ident *id, const struct policy *p,
			  pid_t tid, const char *exe, char *mem, size_t cap);
/* python*, perl*, ruby*, node, sh, bash, ... by the executable's name:
 * it runs whatever code it is given, so code loaded into it (extension
 * modules in a writable venv, JIT memory) adds nothing and is not held
 * against it. */
int ident_interpreter(const char *exe);
/* One more denial of exe (state: its pin) to dest:port. */
void ident_sum_add(struct ident *id, const char *exe, int state,
		   const char *dest, int port);
/* The "summary" events (layer as given), one per entry, to log_fd; then
 * the table is empty again. */
void ident_sum_log(struct ident *id, int log_fd, const char *layer);
/* SHA-256 of what fd holds (pread from 0): 0 or -errno. */
int ident_hash_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes);

#endif
