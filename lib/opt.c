/* lib/opt.c - option parsing */
#include <string.h>

#include "opt.h"
#include "sockaddr.h"

void opt_init(struct optstate *s, int argc, char **argv)
{
	s->argc = argc;
	s->argv = argv;
	s->i = 1;
	s->arg = s->bad = s->why = 0;
}

static int fail(struct optstate *s, const char *why, const char *w)
{
	s->why = why;
	s->bad = w;
	return OPT_ERR;
}

int opt_next(struct optstate *s, const struct opt *tab)
{
	const char *w, *eq;
	const struct opt *o;
	size_t n;

	s->arg = 0;
	if (s->i >= s->argc)
		return OPT_END;
	w = s->argv[s->i];
	if (w[0] != '-' || w[1] == 0)
		return OPT_END;
	s->i++;
	if (strcmp(w, "--") == 0)
		return OPT_END;
	if (w[1] != '-') {
		if (w[2] != 0)
			return fail(s, "unknown option", w);
		if (w[1] == 'h')
			return OPT_HELP;
		for (o = tab; o->name; o++)
			if (o->letter && o->letter == w[1])
				break;
		if (!o->name)
			return fail(s, "unknown option", w);
		eq = 0;
	} else {
		eq = strchr(w + 2, '=');
		n = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
		if (n == 4 && !strncmp(w + 2, "help", 4))
			return OPT_HELP;
		for (o = tab; o->name; o++)
			if (strlen(o->name) == n && !strncmp(o->name, w + 2, n))
				break;
		if (!o->name)
			return fail(s, "unknown option", w);
	}
	if (!o->arg) {
		if (eq)
			return fail(s, "option takes no value", w);
		return o->id;
	}
	if (eq) {
		s->arg = eq + 1;
	} else {
		if (s->i >= s->argc)
			return fail(s, "option needs a value", w);
		s->arg = s->argv[s->i++];
	}
	return o->id;
}

long opt_num(const char *s, long max)
{
	long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

long opt_port(const char *s)
{
	uint16_t v;

	return s && port_parse(s, strlen(s), &v) == 0 ? v : -1;
}
