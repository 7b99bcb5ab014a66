/* lib/from.c - rules per binary: "allow DEST... from PATH..." and
 * "direct DEST... from PATH..." (policy.h). Pure, like the rest of the
 * policy: which entry is for which executable path. Whether a process
 * really runs that binary (the pin) is lib/ident.c's. */
#include <string.h>

#include "buf.h"
#include "policy.h"

static int fail(struct policy_err *e, const char *what, const char *word)
{
	struct buf b = BUF_ON(e->what);

	buf_puts(&b, what);
	if (word) {
		buf_puts(&b, ": '");
		buf_puts(&b, word);
		buf_putc(&b, '\'');
	}
	buf_str(&b);
	return -1;
}

/* '*' matches any run of characters but '/'; everything else itself. */
int policy_glob(const char *pat, const char *path)
{
	const char *star = NULL, *back = NULL;

	while (*path) {
		if (*pat == '*') {
			star = ++pat;
			back = path;
			continue;
		}
		if (*pat == *path) {
			pat++;
			path++;
			continue;
		}
		/* Backtrack: the last star takes one more character, never
		 * a '/' (a star stays within its component). */
		if (!star || *back == '/')
			return 0;
		pat = star;
		path = ++back;
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static int bin_path_ok(const char *w)
{
	if (w[0] != '/')
		return 0;
	/* No "." or ".." components, no "//": the kernel reports a
	 * canonical path, which such a pattern could never match. */
	for (const char *c = w; *c; c++) {
		if (c[0] != '/')
			continue;
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || !c[2])) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || !c[3])))
			return 0;
	}
	return w[1] != 0;
}

int policy_from_directive(struct policy *p, int direct, char **w, int nw,
			  struct policy_err *e)
{
	uint32_t mask = 0;
	int at = -1;

	for (int i = 0; i < nw; i++)
		if (!strcmp(w[i], "from")) {
			if (at >= 0)
				return fail(e, "'from' given twice", 0);
			at = i;
		}
	if (at == 0)
		return fail(e, "no destination before 'from'", 0);
	if (at == nw - 1)
		return fail(e, "no binary after 'from'", 0);
	for (int i = at + 1; i < nw; i++) {
		size_t n = strlen(w[i]);
		int k;

		if (!bin_path_ok(w[i]))
			return fail(e, "binary must be an absolute, canonical "
				    "path ('*' within a component)", w[i]);
		if (n >= POLICY_PATH_MAX)
			return fail(e, "path too long", w[i]);
		for (k = 0; k < p->nbins && strcmp(p->bins[k], w[i]); k++)
			;
		if (k == p->nbins) {
			if (p->nbins >= POLICY_MAX_BINS)
				return fail(e, "too many binaries", w[i]);
			memcpy(p->bins[p->nbins++], w[i], n + 1);
		}
		mask |= 1U << k;
	}
	for (int i = 0; i < at; i++) {
		struct dest d;
		const char *why;
		int k;

		if (dest_parse(w[i], &d, &why) < 0)
			return fail(e, why, w[i]);
		for (k = 0; k < p->nfrom; k++)
			if (!memcmp(&p->from[k], &d, sizeof(d)) &&
			    p->from_direct[k] == direct)
				break;
		if (k < p->nfrom) {
			p->from_bins[k] |= mask;   /* the same entry, more bins */
			continue;
		}
		if (p->nfrom >= POLICY_MAX_DEST)
			return fail(e, "too many destinations", w[i]);
		p->from[p->nfrom] = d;
		p->from_bins[p->nfrom] = mask;
		p->from_direct[p->nfrom++] = (uint8_t)direct;
	}
	return 0;
}

static int bin_ok(const struct policy *p, uint32_t mask, const char *exe)
{
	if (exe == POLICY_ANY_EXE)
		return 1;
	if (!exe || !exe[0])
		return 0;
	for (int k = 0; k < p->nbins; k++)
		if ((mask >> k & 1) && policy_glob(p->bins[k], exe))
			return 1;
	return 0;
}

int policy_from_applies(const struct policy *p, int i, int tabs,
			const char *exe)
{
	return i >= 0 && i < p->nfrom &&
	       (tabs & (p->from_direct[i] ? POL_DIRECT : POL_ALLOW)) &&
	       bin_ok(p, p->from_bins[i], exe);
}

int policy_bin_listed(const struct policy *p, const char *exe)
{
	return p->nfrom > 0 && bin_ok(p, ~0U, exe);
}

/* tabs: 1 allow entries, 2 direct entries (POL_ALLOW, POL_DIRECT). */
static int from_host(const struct policy *p, const char *exe, int tabs,
		     const char *host, uint16_t port)
{
	for (int i = 0; i < p->nfrom; i++)
		if ((tabs & (p->from_direct[i] ? POL_DIRECT : POL_ALLOW)) &&
		    dest_match_host(&p->from[i], host, port) &&
		    bin_ok(p, p->from_bins[i], exe))
			return 1;
	return 0;
}

static int from_ip(const struct policy *p, const char *exe, int tabs,
		   const struct sb_ip *ip, uint16_t port)
{
	for (int i = 0; i < p->nfrom; i++)
		if ((tabs & (p->from_direct[i] ? POL_DIRECT : POL_ALLOW)) &&
		    dest_match_ip(&p->from[i], ip, port) &&
		    bin_ok(p, p->from_bins[i], exe))
			return 1;
	return 0;
}

int policy_allows_host_by(const struct policy *p, const char *exe,
			  const char *host, uint16_t port)
{
	return policy_allows_host(p, host, port) ||
	       from_host(p, exe, POL_ALLOW, host, port);
}

int policy_allows_ip_by(const struct policy *p, const char *exe,
			const struct sb_ip *ip, uint16_t port)
{
	return policy_allows_ip(p, ip, port) ||
	       from_ip(p, exe, POL_ALLOW, ip, port);
}

int policy_direct_ip_by(const struct policy *p, const char *exe,
			const struct sb_ip *ip, uint16_t port)
{
	return policy_direct_ip(p, ip, port) ||
	       from_ip(p, exe, POL_DIRECT, ip, port);
}

int policy_direct_host_by(const struct policy *p, const char *exe,
			  const char *host, uint16_t port)
{
	for (int i = 0; i < p->ndirect; i++)
		if (dest_match_host(&p->direct[i], host, port))
			return 1;
	return from_host(p, exe, POL_DIRECT, host, port);
}

int policy_proxy_host_by(const struct policy *p, const char *exe,
			 const char *host, uint16_t port)
{
	return policy_proxy_host(p, host, port) ||
	       from_host(p, exe, POL_BOTH, host, port);
}

int policy_proxy_ip_by(const struct policy *p, const char *exe,
		       const struct sb_ip *ip, uint16_t port)
{
	return policy_proxy_ip(p, ip, port) ||
	       from_ip(p, exe, POL_BOTH, ip, port);
}

int policy_names_ip_by(const struct policy *p, const char *exe, int tabs,
		       const char *host, const struct sb_ip *ip,
		       uint16_t port)
{
	if (policy_names_ip(p, tabs, host, ip, port))
		return 1;
	for (int i = 0; i < p->nfrom; i++)
		if ((tabs & (p->from_direct[i] ? POL_DIRECT : POL_ALLOW)) &&
		    dest_names_ip(&p->from[i], host, ip, port) &&
		    bin_ok(p, p->from_bins[i], exe))
			return 1;
	return 0;
}

int policy_ip_ok_by(const struct policy *p, const char *exe, int tabs,
		    const char *host, const struct sb_ip *ip, uint16_t port)
{
	return !ip_is_internal(ip) ||
	       policy_names_ip_by(p, exe, tabs, host, ip, port);
}

int policy_host_for(const struct policy *p, const char *exe,
		    const char *host)
{
	for (int i = 0; i < p->nallow; i++)
		if (dest_match_host(&p->allow[i], host, p->allow[i].port))
			return 1;
	for (int i = 0; i < p->ndirect; i++)
		if (dest_match_host(&p->direct[i], host, p->direct[i].port))
			return 1;
	for (int i = 0; i < p->nfrom; i++)
		if (dest_match_host(&p->from[i], host, p->from[i].port) &&
		    bin_ok(p, p->from_bins[i], exe))
			return 1;
	return 0;
}

int policy_pins_later(const struct policy *p, const char *exe,
		      const char *host)
{
	const struct dest *tabs[3] = { p->allow, p->direct, p->from };
	int ns[3] = { p->nallow, p->ndirect, p->nfrom };

	for (int t = 0; t < 3; t++)
		for (int i = 0; i < ns[t]; i++) {
			const struct dest *d = &tabs[t][i];

			if (d->kind != DEST_WILD ||
			    !dest_match_host(d, host, d->port) ||
			    (t == 2 && !bin_ok(p, p->from_bins[i], exe)))
				continue;
			if (t == 1 || (t == 2 && p->from_direct[i]) ||
			    !policy_via_upstream(p, host, NULL, d->port))
				return 1;
		}
	return 0;
}

void policy_format_from(const struct policy *p, struct buf *b)
{
	char d[SB_HOST_MAX + 16];

	for (int i = 0; i < p->nfrom; i++) {
		dest_format(&p->from[i], d, sizeof(d));
		buf_puts(b, p->from_direct[i] ? "direct " : "allow ");
		buf_puts(b, d);
		buf_puts(b, " from");
		for (int k = 0; k < p->nbins; k++)
			if (p->from_bins[i] >> k & 1) {
				buf_putc(b, ' ');
				buf_puts(b, p->bins[k]);
			}
		buf_putc(b, '\n');
	}
}
