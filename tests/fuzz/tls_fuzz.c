/* tests/fuzz/tls_fuzz.c - the ClientHello reader, on hostile bytes: whole,
 * and every prefix a slow client could have sent so far. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t tmp[TLS_HELLO_MAX];
	char sni[SB_HOST_MAX + 1];
	size_t need;
	int r;

	r = tls_client_hello(data, size, tmp, sizeof(tmp), sni, &need);
	if (r == TLS_NEED_MORE && (need <= size || need > TLS_PEEK_MAX))
		abort();
	if (r == TLS_SNI && (strlen(sni) == 0 || strlen(sni) > SB_HOST_MAX))
		abort();
	/* A prefix never gives a final answer the whole contradicts. */
	if (size > 1) {
		size_t k = (size_t)data[0] % size;
		int p = tls_client_hello(data, k, tmp, sizeof(tmp), sni, &need);

		if ((p == TLS_SNI || p == TLS_NO_SNI) && p != r)
			abort();
	}
	return 0;
}
