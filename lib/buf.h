/* lib/buf.h - bounded output buffers: lib/ writes through these, never stdio.
 * A buffer never grows; text that does not fit sets .over and is cut. */
#ifndef SB_BUF_H
#define SB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf {
	char *p;
	size_t len, cap;
	int over;       /* something did not fit */
};

#define BUF_ON(arr) { (arr), 0, sizeof(arr), 0 }

void buf_init(struct buf *b, char *mem, size_t cap);
void buf_putn(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_putu(struct buf *b, unsigned long long v);
/* ms since the epoch as UTC "YYYY-MM-DDTHH:MM:SSZ". */
void buf_put_utc(struct buf *b, int64_t ms);
void buf_puti(struct buf *b, long long v);
void buf_puthex(struct buf *b, unsigned long long v);
void buf_pad(struct buf *b, size_t from, size_t width);
/* A JSON string, quoted and escaped. */
void buf_json_str(struct buf *b, const char *s);
void buf_json_strn(struct buf *b, const char *s, size_t n);
/* NUL-terminate (cutting the last byte if needed) and return b->p. */
const char *buf_str(struct buf *b);
/* Write all of it to fd, retrying short writes and EINTR. 0 or -errno. */
int buf_flush(struct buf *b, int fd);
int write_all(int fd, const void *p, size_t n);
/* Exactly n bytes: 0, -errno, or -EPIPE at end of file. */
int read_all(int fd, void *p, size_t n);

#endif

/* Read a whole file into mem (NUL-terminated). Returns its length, or
 * -errno; -EFBIG if it does not fit, -EINVAL if it holds a NUL byte. */
ssize_t file_read(const char *path, char *mem, size_t cap);
/* Replace path atomically: fill() writes a temporary file beside it
 * (random name, O_EXCL), then fsync, rename, fsync of the directory. Mode
 * 0644. 0 or -errno. */
int file_replace(const char *path, int (*fill)(int fd, const void *arg),
		 const void *arg);
int file_write_atomic(const char *path, const char *data, size_t n);
