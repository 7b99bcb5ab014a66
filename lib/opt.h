/* lib/opt.h - option parsing: long options (--name, --name=VALUE,
 * --name VALUE), single-letter aliases, "--" ends options, and so does the
 * first operand (so "sb-exec -- cmd --flag" and "sb-exec cmd --flag" both
 * leave cmd's flags alone). */
#ifndef SB_OPT_H
#define SB_OPT_H

struct opt {
	const char *name;   /* long name without "--" */
	char letter;        /* short alias, or 0 */
	char arg;           /* 1: takes a value */
	int id;
};

struct optstate {
	int argc, i;
	char **argv;
	const char *arg;    /* the value, when the option takes one */
	const char *bad;    /* the offending word, after OPT_ERR */
	const char *why;
};

enum { OPT_END = -1, OPT_ERR = -2, OPT_HELP = -3 };

void opt_init(struct optstate *s, int argc, char **argv);
/* Next option's id, OPT_END (s->i indexes the first operand), OPT_HELP
 * for --help, or OPT_ERR (s->why, s->bad say what). */
int opt_next(struct optstate *s, const struct opt *tab);
/* Parse "1-65535"; -1 when it is not exactly that. */
long opt_port(const char *s);
/* Parse a decimal in [0, max]; -1 otherwise. */
long opt_num(const char *s, long max);

#endif
