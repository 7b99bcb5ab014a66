/* lib/ident.c - binary identity for rules per binary: see ident.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "ident.h"

void ident_init(struct ident *id)
{
	memset(id, 0, sizeof(*id));
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
	default: return "unknown";
	}
}

int ident_hash_fd(int fd, uint8_t out[SHA256_LEN], uint64_t *bytes)
{
	static uint8_t mem[1 << 16];
	struct sha256 s;
	off_t at = 0;

	sha256_init(&s);
	for (;;) {
		ssize_t n = pread(fd, mem, sizeof(mem), at);

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
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
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
	return 0;
}
