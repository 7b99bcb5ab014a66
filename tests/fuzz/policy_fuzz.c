/* tests/fuzz/policy_fuzz.c - libFuzzer target: the policy parser on
 * arbitrary text, plus the properties that make it safe: a parse either
 * fails with a message or leaves every table within bounds, every path
 * absolute (or @cwd), every port in 1-65535, each entry re-parsable
 * from its own text, and the policy from policy_format's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct policy p, q;
	struct policy_err e;
	char text[8192], out[320];

	if (n >= sizeof(text))
		return 0;
	memcpy(text, d, n);
	text[n] = 0;
	policy_init(&p);
	if (policy_parse(&p, text, "fuzz", &e) < 0) {
		if (!e.what[0] || e.line < 1)
			abort();
		return 0;
	}
	if (p.npaths > POLICY_MAX_PATHS || p.nallow > POLICY_MAX_DEST ||
	    p.ndirect > POLICY_MAX_DEST || p.nbind > POLICY_MAX_PORTS ||
	    p.nenv > POLICY_MAX_ENV || p.proxy_port == 0)
		abort();
	for (int i = 0; i < p.npaths; i++)
		if (p.paths[i].path[0] != '/' && strcmp(p.paths[i].path, "@cwd"))
			abort();
	for (int i = 0; i < p.nbind; i++)
		if (p.bind[i] == 0)
			abort();
	for (int i = 0; i < p.nallow; i++) {
		/* An entry's text parses back to the same entry. */
		dest_format(&p.allow[i], out, sizeof(out));
		policy_init(&q);
		if (policy_directive(&q, "allow", out, &e) < 0 ||
		    memcmp(&q.allow[0], &p.allow[i], sizeof(q.allow[0])))
			abort();
	}
	/* The whole policy's text (--print-policy) parses back to itself. */
	{
		static char t1[65536], t2[65536];

		if (policy_format(&p, t1, sizeof(t1)) < 0)
			abort();
		policy_init(&q);
		if (policy_parse(&q, t1, "format", &e) < 0 ||
		    policy_format(&q, t2, sizeof(t2)) < 0 || strcmp(t1, t2))
			abort();
	}
	return 0;
}
