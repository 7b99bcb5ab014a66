/* tests/fuzz/upstream_fuzz.c - what sb reads from an upstream proxy (its
 * reply head to CONNECT, fed as the proxy peeks it: growing prefixes)
 * and the credentials it encodes. The first byte chooses the step. The
 * properties: a head length is within what was fed and stable as more
 * bytes come; a status is 100-599; "need more" only below HTTP_HEAD_MAX;
 * base64 decodes back to its input; the Basic header is one line. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream.h"

static int unb64(const char *s, size_t n, uint8_t *out)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int o = 0;

	if (n % 4)
		abort();
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		int pad = 0;

		for (int k = 0; k < 4; k++) {
			const char *c = s[i + k] == '=' ? NULL
							: memchr(al, s[i + k], 64);

			if (!c && s[i + k] != '=')
				abort();
			pad += !c;
			v = v << 6 | (uint32_t)(c ? c - al : 0);
		}
		out[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)v;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_resp r;
	static struct upstream u;
	static char enc[4 * (HTTP_HEAD_MAX / 3 + 2) + 1];
	static uint8_t dec[HTTP_HEAD_MAX + 4];
	size_t step, first = 0;
	const char *why;
	int len = 0, e;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] & 31) + 1;
	if (data[0] & 0x80)
		step = size;
	data++;
	size--;
	for (size_t n = step < size ? step : size;; n += step) {
		if (n > size)
			n = size;
		e = upstream_reply((const char *)data, n, &r);
		if (e > 0) {
			if ((size_t)e > n || e > HTTP_HEAD_MAX ||
			    r.status < 100 || r.status > 599)
				abort();
			if (!first)
				first = (size_t)e;
			else if ((size_t)e != first)
				abort();   /* more bytes never change the head */
		} else if (e == 0) {
			if (n >= HTTP_HEAD_MAX || first)
				abort();
		} else if ((e != -EINVAL && e != -EMSGSIZE) || !r.why || first) {
			abort();
		} else {
			len = e;
			break;
		}
		if (n == size)
			break;
	}
	(void)len;
	if (size <= HTTP_HEAD_MAX) {
		int k = base64_encode(data, size, enc, sizeof(enc));

		if (k < 0 || (size_t)unb64(enc, (size_t)k, dec) != size ||
		    memcmp(dec, data, size))
			abort();
	}
	memset(&u, 0, sizeof(u));
	if (upstream_auth(&u, (const char *)data, size, &why) == 0) {
		if (u.auth_len < 30 || memcmp(u.auth + u.auth_len - 2, "\r\n", 2) ||
		    memchr(u.auth, '\n', (size_t)u.auth_len - 1) ||
		    memchr(u.auth, '\r', (size_t)u.auth_len - 2))
			abort();
	} else if (!why) {
		abort();
	}
	return 0;
}
