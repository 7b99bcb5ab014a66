/* lib/log.c - JSON Lines events and one-line messages */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sb.h"

static void put2(struct buf *b, int v, char sep)
{
	buf_putc(b, (char)('0' + v / 10 % 10));
	buf_putc(b, (char)('0' + v % 10));
	if (sep)
		buf_putc(b, sep);
}

/* RFC 3339 UTC with milliseconds: 2026-11-28T20:49:21.123Z */
static void put_ts(struct buf *b)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	buf_putu(b, (unsigned)tm.tm_year + 1900);
	buf_putc(b, '-');
	put2(b, tm.tm_mon + 1, '-');
	put2(b, tm.tm_mday, 'T');
	put2(b, tm.tm_hour, ':');
	put2(b, tm.tm_min, ':');
	put2(b, tm.tm_sec, '.');
	buf_putc(b, (char)('0' + ts.tv_nsec / 100000000));
	put2(b, (int)(ts.tv_nsec / 1000000 % 100), 'Z');
}

void log_begin(struct log_ev *e, const char *event)
{
	buf_init(&e->b, e->mem, sizeof(e->mem) - 2); /* room for "}\n" */
	buf_puts(&e->b, "{\"ts\":\"");
	put_ts(&e->b);
	buf_puts(&e->b, "\",\"applet\":");
	buf_json_str(&e->b, sb_prog);
	buf_puts(&e->b, ",\"event\":");
	buf_json_str(&e->b, event);
	e->loud = !strcmp(event, "deny") || !strcmp(event, "degrade") ||
		  !strcmp(event, "error");
}

static void key(struct log_ev *e, const char *k)
{
	buf_putc(&e->b, ',');
	buf_json_str(&e->b, k);
	buf_putc(&e->b, ':');
}

void log_s(struct log_ev *e, const char *k, const char *v)
{
	if (!v)
		return;
	key(e, k);
	buf_json_str(&e->b, v);
}

void log_sn(struct log_ev *e, const char *k, const char *v, size_t n)
{
	key(e, k);
	buf_json_strn(&e->b, v, n);
}

void log_i(struct log_ev *e, const char *k, long long v)
{
	key(e, k);
	buf_puti(&e->b, v);
}

void log_json(struct log_ev *e, const char *k, const char *v)
{
	key(e, k);
	buf_puts(&e->b, v);
}

int log_end(struct log_ev *e, int fd)
{
	if (e->b.over) {
		/* Cut mid-value: drop back to a well-formed line. */
		char *cut = memrchr(e->b.p, ',', e->b.len);

		e->b.len = cut ? (size_t)(cut - e->b.p) : e->b.len;
		e->b.over = 0;
		buf_puts(&e->b, ",\"truncated\":true");
	}
	e->b.cap += 2;
	buf_puts(&e->b, "}\n");
	if (fd < 0)
		return 0;
	if (fd == LOG_STDERR_QUIET) {
		if (!e->loud)
			return 0;
		fd = 2;
	}
	return buf_flush(&e->b, fd);
}

void log_advisory(struct log_ev *e)
{
	e->loud = 0;
	log_json(e, "advisory", "true");
}

int log_event(int fd, const char *event, const char *layer,
	      const char *reason)
{
	struct log_ev e;

	log_begin(&e, event);
	log_s(&e, "layer", layer);
	log_s(&e, "reason", reason);
	return log_end(&e, fd);
}

void say_err(const char *s, ...)
{
	char mem[1024];
	struct buf b = BUF_ON(mem);
	va_list ap;

	buf_puts(&b, sb_prog);
	buf_puts(&b, ": ");
	va_start(ap, s);
	for (; s; s = va_arg(ap, const char *))
		buf_puts(&b, s);
	va_end(ap);
	if (b.over)
		b.len--;
	b.over = 0;
	buf_putc(&b, '\n');
	buf_flush(&b, 2);
}

int usage_error(const char *what, const char *arg)
{
	if (arg)
		say_err(what, " '", arg, "'\nTry '", sb_prog, " --help'.",
			NULL);
	else
		say_err(what, "\nTry '", sb_prog, " --help'.", NULL);
	return EX_USAGE;
}

int help_print(const char *text)
{
	return write_all(1, text, strlen(text)) < 0 ? EX_SB : EX_OK;
}

const char *err_str(int e)
{
	return strerror(e < 0 ? -e : e);
}
