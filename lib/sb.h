/* lib/sb.h - what every applet and module shares: the applet table entry,
 * exit codes, and the one process-wide value (the applet name). */
#ifndef SB_H
#define SB_H

#include <stddef.h>
#include <stdint.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes: the contract of SPEC "Applets" and STYLE "Errors". */
enum {
	EX_OK = 0,
	EX_MISSING = 1,   /* --require found something missing */
	EX_USAGE = 2,
	EX_SB = 125,      /* sb's own failure, or a policy error */
	EX_NOEXEC = 126,
	EX_NOTFOUND = 127,
};

struct applet {
	const char *name;     /* without the sb- prefix */
	const char *summary;
	const char *help;
	int (*main)(int argc, char **argv);
};

#define SB_APPLET(n, sum, hlp, fn) \
	const struct applet applet_##n = { #n, sum, hlp, fn }

/* Set once by the dispatcher: "sb-probe", "sb-exec", ... */
extern const char *sb_prog;

#endif
