/* lib/sha256.h - SHA-256 (FIPS 180-4), small and self-contained: the
 * content pin of a binary (lib/ident.c). Checked against the FIPS and
 * NIST vectors in tests/unit/sha256_test.c. */
#ifndef SB_SHA256_H
#define SB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;              /* bytes hashed */
	uint8_t buf[64];
	size_t have;                 /* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One call: out = SHA-256(data). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
/* 64 lowercase hex digits and a NUL into out (65 bytes). */
void sha256_hex(const uint8_t d[SHA256_LEN], char out[2 * SHA256_LEN + 1]);

#endif
