/* tests/fuzz/http_fuzz.c - the request-head parser (proxy and origin
 * form, the latter transparent mode's), the forwarding head, the response head and chunked framing, on hostile bytes. The first byte
 * chooses how the rest is fed to http_scan (all at once, or in pieces). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

static void chunked(const uint8_t *p, size_t n, size_t step)
{
	struct http_chunked c;
	size_t i = 0;

	memset(&c, 0, sizeof(c));
	while (i < n) {
		size_t k = n - i < step ? n - i : step;
		uint64_t d = http_chunked_data(&c);
		int r;

		if (d && (i & 1)) {
			/* skip data bytes unseen, as the proxy does */
			k = d < k ? (size_t)d : k;
			http_chunked_skip(&c, k);
			i += k;
			continue;
		}
		r = http_chunked_feed(&c, p + i, k);
		if (r < 0)
			return;
		if ((size_t)r > k)
			abort();
		i += (size_t)r;
		if (http_chunked_done(&c))
			return;
		if ((size_t)r < k)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[HTTP_HEAD_MAX + 600];
	static struct http_req req;
	static struct http_resp resp;
	struct http_scan s;
	size_t step, i = 0;
	int r = 0;

	if (size < 1)
		return 0;
	step = (size_t)(data[0] & 15) + 1;
	if (data[0] & 0x80)
		step = size;
	data++;
	size--;
	memset(&s, 0, sizeof(s));
	while (i < size) {
		size_t k = size - i < step ? size - i : step;

		r = http_scan(&s, (const char *)data + i, k);
		if (r != 0)
			break;
		i += k;
	}
	if (r > 0) {
		/* The head must be a prefix of what was fed. */
		if ((size_t)r > size || (size_t)r > HTTP_HEAD_MAX)
			abort();
		if (http_parse_request((const char *)data, (size_t)r, &req) ==
		    0) {
			int n;

			if (req.kind == HTTP_FORWARD) {
				n = http_forward_head((const char *)data, &req,
						      out, sizeof(out));
				if (n < 0 && n != -EMSGSIZE)
					abort();
			}
			if (!req.port || !req.host[0])
				abort();
		}
		/* Transparent mode: the port the client connected to. */
		if (http_parse_origin((const char *)data, (size_t)r,
				      (uint16_t)(data[0] | 1), &req) == 0 &&
		    (req.port != (uint16_t)(data[0] | 1) || !req.host[0] ||
		     req.kind != HTTP_FORWARD))
			abort();
		if (http_parse_response((const char *)data, (size_t)r, &resp) ==
		    0)
			http_response_head((const char *)data, &resp, out,
					   sizeof(out));
		chunked(data + r, size - (size_t)r, step);
	} else {
		chunked(data, size, step);
	}
	return 0;
}
