/* applets/sb.c - the multiplexer: argv[0] names the applet (sb-exec, or
 * exec), or "sb APPLET ARGS..." with the sb- prefix optional. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "sb.h"

#define X(n) extern const struct applet applet_##n;
#include "applets.h"
#undef X
#define X(n) &applet_##n,
static const struct applet *const applets[] = {
#include "applets.h"
};
#undef X

#ifndef SB_VERSION
#define SB_VERSION "0.1"
#endif

const char *sb_prog = "sb";

static const char sb_help[] =
	"usage: sb APPLET [ARG...]   or   sb-APPLET [ARG...]\n"
	"       sb --list | --install [-s] DIR [TARGET] | --version |"
	" --help\n\n"
	"Confine a process with zero capabilities: Landlock, seccomp, and a\n"
	"mandatory egress proxy. Applets:\n";

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static const struct applet *applet_find(const char *name)
{
	if (!strncmp(name, "sb-", 3))
		name += 3;
	for (size_t i = 0; i < LEN(applets); i++)
		if (!strcmp(applets[i]->name, name))
			return applets[i];
	return 0;
}

static int applet_run(const struct applet *a, int argc, char **argv)
{
	static char prog[32];
	struct buf b = BUF_ON(prog);

	buf_puts(&b, "sb-");
	buf_puts(&b, a->name);
	sb_prog = buf_str(&b);
	/* Applets answer --help anywhere among their options too (OPT_HELP). */
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return help_print(a->help);
	return a->main(argc, argv);
}

static int sb_list(int fd, int verbose)
{
	char mem[2048];
	struct buf b = BUF_ON(mem);

	for (size_t i = 0; i < LEN(applets); i++) {
		size_t at = b.len;

		buf_puts(&b, verbose ? "  sb-" : "sb-");
		buf_puts(&b, applets[i]->name);
		if (verbose) {
			buf_pad(&b, at, 16);
			buf_puts(&b, applets[i]->summary);
		}
		buf_putc(&b, '\n');
	}
	return buf_flush(&b, fd) < 0 ? EX_SB : EX_OK;
}

/* Where this binary is, for --install: /proc/self/exe; without /proc
 * (initramfs build chroots), argv[0] when it is a path (made absolute),
 * or the PATH entry that has it. 0, or -1 with a message said. */
static int find_self(const char *argv0, char *self, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", self, cap - 1);
	const char *path = getenv("PATH");
	struct buf b;

	if (n > 0) {
		self[n] = 0;
		return 0;
	}
	buf_init(&b, self, cap);
	if (strchr(argv0, '/')) {
		if (argv0[0] != '/') {
			if (!getcwd(self, cap)) {
				say_err("unable to find my own path: ",
					err_str(errno), NULL);
				return -1;
			}
			b.len = strlen(self);
			buf_putc(&b, '/');
		}
		buf_puts(&b, argv0);
		buf_str(&b);
		if (!b.over && access(self, X_OK) == 0)
			return 0;
	} else {
		for (const char *d = path; d && *d;) {
			size_t k = strcspn(d, ":");

			buf_init(&b, self, cap);
			buf_putn(&b, k ? d : ".", k ? k : 1);
			buf_putc(&b, '/');
			buf_puts(&b, argv0);
			buf_str(&b);
			if (!b.over && self[0] == '/' &&
			    access(self, X_OK) == 0)
				return 0;
			d += k + (d[k] == ':');
		}
	}
	say_err("unable to find my own path (no /proc/self/exe); name it: "
		"sb --install [-s] DIR PATH-OF-SB", NULL);
	return -1;
}

static int sb_install(int argc, char **argv)
{
	char self[4096], path[4096];
	int sym = 0, i = 2;

	if (i < argc && !strcmp(argv[i], "-s")) {
		sym = 1;
		i++;
	}
	if (i + 1 != argc && i + 2 != argc)
		return usage_error("--install needs one directory (and the "
				   "link target, optionally)", 0);
	/* The target, when given, is what the links point at: for -s it
	 * need not exist here (a path in the image being built). */
	if (i + 2 == argc) {
		struct buf b = BUF_ON(self);

		buf_puts(&b, argv[i + 1]);
		buf_str(&b);
		if (b.over || !argv[i + 1][0])
			return usage_error("bad link target", argv[i + 1]);
	} else if (find_self(argv[0], self, sizeof(self)) < 0) {
		return EX_SB;
	}
	for (size_t k = 0; k < LEN(applets); k++) {
		struct buf b = BUF_ON(path);
		int r;

		buf_puts(&b, argv[i]);
		buf_puts(&b, "/sb-");
		buf_puts(&b, applets[k]->name);
		if (b.over) {
			say_err("path too long: ", argv[i], NULL);
			return EX_SB;
		}
		buf_str(&b);
		unlink(path);
		r = sym ? symlink(self, path) : link(self, path);
		if (r < 0) {
			say_err("unable to link ", path, ": ", err_str(errno),
				NULL);
			return EX_SB;
		}
	}
	return EX_OK;
}

static int sb_main(int argc, char **argv)
{
	const struct applet *a;
	char mem[1024];
	struct buf b = BUF_ON(mem);

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		buf_puts(&b, sb_help);
		buf_flush(&b, argc < 2 ? 2 : 1);
		sb_list(argc < 2 ? 2 : 1, 1);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	if (!strcmp(argv[1], "--list"))
		return sb_list(1, 0);
	if (!strcmp(argv[1], "--version")) {
		buf_puts(&b, "sb " SB_VERSION "\n");
		return buf_flush(&b, 1) < 0 ? EX_SB : EX_OK;
	}
	if (!strcmp(argv[1], "--install"))
		return sb_install(argc, argv);
	if (argv[1][0] == '-')
		return usage_error("unknown option", argv[1]);
	a = applet_find(argv[1]);
	if (!a) {
		say_err("unknown applet '", argv[1], "' (sb --list shows them)",
			NULL);
		return EX_NOTFOUND;
	}
	return applet_run(a, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	const char *name = base_name(argc > 0 ? argv[0] : "sb");
	const struct applet *a;

	if (!strcmp(name, "sb"))
		return sb_main(argc, argv);
	a = applet_find(name);
	if (a)
		return applet_run(a, argc, argv);
	sb_prog = name;
	say_err("unknown applet", NULL);
	return EX_NOTFOUND;
}
