/* lib/ident.c - binary identity for rules per binary: see ident.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "ident.h"
#include "log.h"
#include "sys.h"

void ident_init(struct ident *id)
{
	memset(id, 0, sizeof(*id));
	if (!getcwd(id->cwd, sizeof(id->cwd)))
		id->cwd[0] = 0;
}

const char *ident_exe(const struct ident_who *w)
{
	return w->state == IDENT_HELD ? w->exe : NULL;
}

const char *ident_state_name(int state)
{
	switch (state) {
	case IDENT_HELD: return "held";
	case IDENT_BROKEN: return "broken";
	case IDENT_UNLISTED: return "unlisted";
	case IDENT_FOREIGN: return "foreign";
	default: return "unknown";
	}
}

static int64_t wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void ident_sum_add(struct ident *id, const char *exe, int state,
		   const char *dest, int port)
{
	struct ident_sum *s = NULL;
	size_t el = strlen(exe), dl;

	dest = dest ? dest : "";
	dl = strlen(dest);
	el = el < IDENT_EXE_MAX - 1 ? el : IDENT_EXE_MAX - 1;
	dl = dl < sizeof(s->dest) - 1 ? dl : sizeof(s->dest) - 1;
	for (int i = 0; i < id->nsums && !s; i++)
		if (id->sums[i].state == state && id->sums[i].port == port &&
		    !strncmp(id->sums[i].exe, exe, IDENT_EXE_MAX) &&
		    strlen(id->sums[i].dest) == dl &&
		    !memcmp(id->sums[i].dest, dest, dl))
			s = &id->sums[i];
	if (!s) {
		if (id->nsums >= IDENT_SUMS) {
			id->sums_lost++;
			return;
		}
		s = &id->sums[id->nsums++];
		memset(s, 0, sizeof(*s));
		memcpy(s->exe, exe, el);
		memcpy(s->dest, dest, dl);
		s->port = (uint16_t)port;
		s->state = (uint8_t)state;
		s->first = wall_ms();
	}
	s->count++;
	s->last = wall_ms();
}

static const char *iso(char *mem, size_t cap, int64_t ms)
{
	struct buf b;

	buf_init(&b, mem, cap);
	buf_put_utc(&b, ms);
	return buf_str(&b);
}

void ident_sum_log(struct ident *id, int log_fd, const char *layer)
{
	struct log_ev e;
	char t[40];

	for (int i = 0; i < id->nsums && log_fd >= 0; i++) {
		const struct ident_sum *s = &id->sums[i];

		log_begin(&e, "summary");
		log_s(&e, "layer", layer);
		if (s->dest[0])
			log_s(&e, "host", s->dest);
		if (s->port)
			log_i(&e, "port", s->port);
		log_s(&e, "exe", s->exe[0] ? s->exe : NULL);
		log_s(&e, "pin", ident_state_name(s->state));
		log_i(&e, "count", s->count);
		log_s(&e, "first", iso(t, sizeof(t), s->first));
		log_s(&e, "last", iso(t, sizeof(t), s->last));
		(void)log_end(&e, log_fd);
	}
	if (id->sums_lost && log_fd >= 0) {
		log_begin(&e, "summary");
		log_s(&e, "layer", layer);
		log_i(&e, "unrecorded", id->sums_lost);
		(void)log_end(&e, log_fd);
	}
	id->nsums = 0;
	id->sums_lost = 0;
}

int ident_interpreter(const char *exe)
{
	static const char *const names[] = {
		"python", "perl", "ruby", "node", "nodejs", "sh", "bash",
		"dash", "zsh", "ksh", "mksh", "lua", "luajit", "php", "tclsh",
		"java", "deno", "bun", "pypy", "Rscript", "julia",
	};
	const char *b = strrchr(exe, '/');
	size_t n;

	b = b ? b + 1 : exe;
	n = strlen(b);
	while (n && ((b[n - 1] >= '0' && b[n - 1] <= '9') || b[n - 1] == '.'))
		n--;                /* python3.11, perl5.36.0, lua5.4 */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(names[i], b, n))
			return 1;
	return 0;
}

/* Could the sandbox have written path: under an rw path of p? */
static int writable(const struct ident *id, const struct policy *p,
		    const char *path)
{
	for (int i = 0; i < p->npaths; i++) {
		const char *r = p->paths[i].path;
		size_t n;

		if (p->paths[i].mode != PATH_RW)
			continue;
		if (!strcmp(r, "@cwd")) {
			if (id->cwd[0] != '/')
				return 1;   /* unknown: as if writable */
			r = id->cwd;
		}
		n = strlen(r);
		while (n > 1 && r[n - 1] == '/')
			n--;
		if (!strncmp(path, r, n) &&
		    (path[n] == 0 || path[n] == '/' || n == 1))
			return 1;
	}
	return 0;
}

static const char *say(char *mem, size_t cap, const char *what,
		       const char *path, size_t n)
{
	struct buf b;

	buf_init(&b, mem, cap);
	buf_puts(&b, what);
	buf_putn(&b, path, n);
	return buf_str(&b);
}

/* One line of /proc/TID/maps: "START-END PERMS OFF DEV INODE   PATH". */
static const char *foreign_line(const struct ident *id,
				const struct policy *p, const char *exe,
				int interp, const char *l, size_t n,
				char *mem, size_t cap)
{
	const char *q = l, *end = l + n;
	int field = 0;

	while (q < end && field < 5) {      /* skip to PATH */
		while (q < end && *q != ' ')
			q++;
		while (q < end && *q == ' ')
			q++;
		field++;
		if (field == 1 && (end - q < 4 || q[2] != 'x'))
			return NULL;        /* not executable */
	}
	n = (size_t)(end - q);
	if (n == 0)
		return interp ? NULL :
		       say(mem, cap, "anonymous executable memory (code not "
			   "loaded from a file)", "", 0);
	if (q[0] == '[')
		return NULL;                /* [vdso], [vsyscall] */
	if (strlen(exe) == n && !memcmp(q, exe, n))
		return NULL;                /* the pinned binary itself */
	if (interp)
		return NULL;
	if (q[0] != '/' || (n > 10 && !memcmp(end - 10, " (deleted)", 10)))
		return say(mem, cap, "code from a deleted or unnamed file is "
			   "mapped executable: ", q, n);
	{
		char path[POLICY_PATH_MAX + 1];

		if (n > POLICY_PATH_MAX)
			return say(mem, cap, "code from a file the sandbox "
				   "may have written: ", q, 80);
		memcpy(path, q, n);
		path[n] = 0;
		if (writable(id, p, path))
			return say(mem, cap, "code from a file the sandbox may "
				   "have written is mapped executable "
				   "(LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH?): ",
				   q, n);
	}
	return NULL;
}

const char *ident_foreign(const struct ident *id, const struct policy *p,
			  pid_t tid, const char *exe, char *mem, size_t cap)
{
	char path[40], buf[8192];
	struct buf b = BUF_ON(path);
	const char *why = NULL;
	size_t have = 0;
	int fd, interp = ident_interpreter(exe), lines = 0;

	buf_puts(&b, "/proc/");
	buf_puti(&b, tid);
	buf_puts(&b, "/maps");
	fd = sys_open(buf_str(&b), O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return say(mem, cap, "unable to read /proc/PID/maps", "", 0);
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);
		char *l = buf, *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			why = say(mem, cap, "unable to read /proc/PID/maps", "",
				  0);
			break;
		}
		if (r == 0)
			break;
		have += (size_t)r;
		while (!why && (nl = memchr(l, '\n', have - (size_t)(l - buf)))) {
			why = foreign_line(id, p, exe, interp, l,
					   (size_t)(nl - l), mem, cap);
			l = nl + 1;
			lines++;
		}
		if (why)
			break;
		have -= (size_t)(l - buf);
		memmove(buf, l, have);
		if (have == sizeof(buf)) {
			why = say(mem, cap, "a /proc/PID/maps line too long", "",
				  0);
			break;
		}
	}
	(void)close(fd);
	if (!why && lines == 0)
		why = say(mem, cap, "no mappings (a zombie?)", "", 0);
	return why;
}

int ident_hash_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes)
{
	static uint8_t mem[1 << 16];
	struct sha256 s;
	off_t at = 0;

	/* read, not pread: on every helper's allow-list (gen-deny.c). */
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -errno;
	sha256_init(&s);
	for (;;) {
		ssize_t n = read(fd, mem, sizeof(mem));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		sha256_update(&s, mem, (size_t)n);
		at += n;
	}
	*bytes = (uint64_t)at;
	sha256_final(&s, out);
	return 0;
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The content hash of the file fstat'ed as st: cached, else read. */
static int file_sha(struct ident *id, int fd, const struct stat *st,
		    uint8_t sha[SHA256_LEN])
{
	struct ident_file *f;
	uint64_t bytes = 0;
	int64_t t0;
	int r;

	for (int i = 0; i < IDENT_CACHE; i++) {
		f = &id->cache[i];
		if (f->used && f->dev == (uint64_t)st->st_dev &&
		    f->ino == (uint64_t)st->st_ino &&
		    f->size == (uint64_t)st->st_size &&
		    f->mtime == (int64_t)st->st_mtim.tv_sec &&
		    f->mtime_ns == (int64_t)st->st_mtim.tv_nsec &&
		    f->ctime == (int64_t)st->st_ctim.tv_sec &&
		    f->ctime_ns == (int64_t)st->st_ctim.tv_nsec) {
			memcpy(sha, f->sha, SHA256_LEN);
			id->hits++;
			return 0;
		}
	}
	t0 = mono_ns();
	r = ident_hash_fd(fd, sha, &bytes);
	if (r < 0)
		return r;
	if (bytes != (uint64_t)st->st_size)
		return -EAGAIN;     /* changed while read: no pin of that */
	id->hash_ns += (uint64_t)(mono_ns() - t0);
	id->hashed_bytes += bytes;
	id->hashes++;
	f = &id->cache[id->cache_next];
	id->cache_next = (id->cache_next + 1) % IDENT_CACHE;
	f->used = 1;
	f->dev = (uint64_t)st->st_dev;
	f->ino = (uint64_t)st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->mtime = (int64_t)st->st_mtim.tv_sec;
	f->mtime_ns = (int64_t)st->st_mtim.tv_nsec;
	f->ctime = (int64_t)st->st_ctim.tv_sec;
	f->ctime_ns = (int64_t)st->st_ctim.tv_nsec;
	memcpy(f->sha, sha, SHA256_LEN);
	return 0;
}

void ident_check_fd(struct ident *id, int fd, struct ident_who *w)
{
	uint8_t sha[SHA256_LEN];
	struct ident_pin *pn = NULL;
	struct stat st;

	w->state = IDENT_UNKNOWN;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		w->why = "executable not a regular file";
		return;
	}
	if (file_sha(id, fd, &st, sha) < 0) {
		w->why = "unable to read the executable";
		return;
	}
	for (int i = 0; i < id->npins && !pn; i++)
		if (!strcmp(id->pins[i].path, w->exe))
			pn = &id->pins[i];
	if (!pn) {
		/* First use: this file, this content, from now on. */
		if (id->npins >= IDENT_MAX_PINS) {
			w->why = "too many binaries pinned";
			return;
		}
		pn = &id->pins[id->npins++];
		memcpy(pn->path, w->exe, sizeof(pn->path));
		pn->dev = (uint64_t)st.st_dev;
		pn->ino = (uint64_t)st.st_ino;
		memcpy(pn->sha, sha, SHA256_LEN);
	}
	if (pn->dev != (uint64_t)st.st_dev || pn->ino != (uint64_t)st.st_ino) {
		pn->broken++;
		w->state = IDENT_BROKEN;
		w->why = "pin broken: another file at the pinned path "
			 "(device or inode differ)";
		return;
	}
	if (memcmp(pn->sha, sha, SHA256_LEN)) {
		pn->broken++;
		w->state = IDENT_BROKEN;
		w->why = "pin broken: the binary's content changed since it "
			 "was pinned (SHA-256 differs)";
		return;
	}
	pn->held++;
	w->state = IDENT_HELD;
	w->why = NULL;
}

int ident_of(struct ident *id, const struct policy *p, pid_t tid,
	     int (*valid)(void *), void *arg, struct ident_who *w)
{
	char path[40];
	struct buf b = BUF_ON(path);
	ssize_t len;
	int fd;

	memset(w, 0, sizeof(*w));
	w->tid = tid;
	buf_puts(&b, "/proc/");
	buf_puti(&b, tid);
	buf_puts(&b, "/exe");
	buf_str(&b);
	len = readlink(path, w->exe, sizeof(w->exe) - 1);
	if (len <= 0 || (size_t)len >= sizeof(w->exe) - 1) {
		w->exe[0] = 0;
		w->why = "executable unknown (/proc/PID/exe unreadable)";
	}
	if (!p->nfrom || !w->exe[0] || !policy_bin_listed(p, w->exe)) {
		if (valid && !valid(arg))
			return -ENOENT;
		if (w->exe[0]) {
			w->state = IDENT_UNLISTED;
			w->why = NULL;
		}
		return 0;
	}
	/* The magic link opens the very file the process executes, whatever
	 * its path has become since. The notification still blocking tid
	 * after the open proves it was that process's executable then: an
	 * execve by another thread kills tid before the executable changes. */
	fd = sys_open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
	if (valid && !valid(arg)) {
		if (fd >= 0)
			(void)close(fd);
		return -ENOENT;
	}
	if (fd < 0) {
		w->state = IDENT_UNKNOWN;
		w->why = "unable to open /proc/PID/exe";
		return 0;
	}
	ident_check_fd(id, fd, w);
	(void)close(fd);
	if (w->state == IDENT_HELD) {
		/* The pin holds for the file; now the process: code the
		 * binary did not bring (a preloaded library...). */
		const char *why = ident_foreign(id, p, tid, w->exe, w->whybuf,
						sizeof(w->whybuf));

		if (valid && !valid(arg))
			return -ENOENT;
		if (why) {
			w->state = IDENT_FOREIGN;
			w->why = why;
		}
	}
	return 0;
}
