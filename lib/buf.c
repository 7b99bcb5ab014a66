/* lib/buf.c - bounded output buffers */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>   /* rename(2) only: no stdio streams in lib/ */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sys.h"

void buf_init(struct buf *b, char *mem, size_t cap)
{
	b->p = mem;
	b->len = 0;
	b->cap = cap;
	b->over = 0;
}

void buf_putn(struct buf *b, const char *s, size_t n)
{
	size_t room = b->cap - b->len;

	if (n > room) {
		n = room;
		b->over = 1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_putn(b, &c, 1);
}

void buf_putu(struct buf *b, unsigned long long v)
{
	char t[24];
	int i = sizeof(t);

	do
		t[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	buf_putn(b, t + i, sizeof(t) - (size_t)i);
}

void buf_puti(struct buf *b, long long v)
{
	if (v < 0) {
		buf_putc(b, '-');
		buf_putu(b, 0ULL - (unsigned long long)v);
	} else {
		buf_putu(b, (unsigned long long)v);
	}
}

void buf_puthex(struct buf *b, unsigned long long v)
{
	char t[16];
	int i = sizeof(t);

	do
		t[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && i > 0);
	buf_putn(b, t + i, sizeof(t) - (size_t)i);
}

void buf_pad(struct buf *b, size_t from, size_t width)
{
	while (b->len < from + width && !b->over)
		buf_putc(b, ' ');
}

void buf_json_strn(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			buf_puts(b, "\\u00");
			buf_putc(b, "0123456789abcdef"[c >> 4]);
			buf_putc(b, "0123456789abcdef"[c & 15]);
		} else {
			buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

void buf_json_str(struct buf *b, const char *s)
{
	if (!s)
		buf_puts(b, "null");
	else
		buf_json_strn(b, s, strlen(s));
}

const char *buf_str(struct buf *b)
{
	if (b->cap == 0)
		return "";
	if (b->len == b->cap) {
		b->len--;
		b->over = 1;
	}
	b->p[b->len] = 0;
	return b->p;
}

void buf_put_utc(struct buf *b, int64_t ms)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	int v[6];

	gmtime_r(&t, &tm);
	v[0] = tm.tm_year + 1900;
	v[1] = tm.tm_mon + 1;
	v[2] = tm.tm_mday;
	v[3] = tm.tm_hour;
	v[4] = tm.tm_min;
	v[5] = tm.tm_sec;
	buf_putu(b, (unsigned)v[0]);
	for (int i = 1; i < 6; i++) {
		buf_putc(b, "--T::"[i - 1]);
		buf_putc(b, (char)('0' + v[i] / 10));
		buf_putc(b, (char)('0' + v[i] % 10));
	}
	buf_putc(b, 'Z');
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EPIPE;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int buf_flush(struct buf *b, int fd)
{
	int r = write_all(fd, b->p, b->len);

	b->len = 0;
	return r;
}

ssize_t file_read(const char *path, char *mem, size_t cap)
{
	int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, mem + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got == cap)
		return -EFBIG;
	mem[got] = 0;
	if (memchr(mem, 0, got))
		return -EINVAL;
	return (ssize_t)got;
}

int file_replace(const char *path, int (*fill)(int fd, const void *arg),
		 const void *arg)
{
	char tmp[4096], dir[4096];
	struct buf b = BUF_ON(tmp);
	const char *slash;
	int fd, dfd, e;

	/* A random, exclusive name: a planted symlink cannot redirect us. */
	buf_puts(&b, path);
	buf_puts(&b, ".XXXXXX");
	buf_str(&b);
	if (b.over)
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	e = fchmod(fd, 0644) < 0 ? -errno : 0;
	if (e == 0)
		e = fill(fd, arg);
	if (e == 0 && fsync(fd) < 0)
		e = -errno;
	if (close(fd) < 0 && e == 0)
		e = -errno;
	if (e == 0 && rename(tmp, path) < 0)
		e = -errno;
	if (e < 0) {
		unlink(tmp);
		return e;
	}
	/* Make the rename itself durable. */
	slash = strrchr(path, '/');
	b = (struct buf)BUF_ON(dir);
	if (!slash)
		buf_putc(&b, '.');
	else
		buf_putn(&b, path, slash == path ? 1 : (size_t)(slash - path));
	buf_str(&b);
	dfd = sys_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (dfd < 0)
		return -errno;
	e = fsync(dfd) < 0 && errno != EINVAL ? -errno : 0;
	close(dfd);
	return e;
}

struct span {
	const char *p;
	size_t n;
};

static int fill_span(int fd, const void *arg)
{
	const struct span *s = arg;

	return write_all(fd, s->p, s->n);
}

int file_write_atomic(const char *path, const char *data, size_t n)
{
	struct span s = { data, n };

	return file_replace(path, fill_span, &s);
}
