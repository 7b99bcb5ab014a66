/* tests/fuzz/sockaddr_fuzz.c - libFuzzer target: the address parsers.
 * The first byte picks one: an IP literal (must round-trip through
 * ip_format), a destination entry (must round-trip through dest_format),
 * or a raw sockaddr as the supervisor reads it from a target (mapped IPv6
 * must come out folded). */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sockaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char s[512], out[512];
	struct sb_ip ip, ip2;
	struct dest de, de2;
	const char *why;
	uint16_t port;

	if (n < 1 || n >= sizeof(s))
		return 0;
	memcpy(s, d + 1, n - 1);
	s[n - 1] = 0;
	switch (d[0] % 3) {
	case 0:
		if (ip_parse(s, n - 1, &ip) == 0) {
			ip_format(&ip, out, sizeof(out));
			if (ip_parse(out, strlen(out), &ip2) < 0 ||
			    !ip_equal(&ip, &ip2))
				abort();
			(void)ip_is_internal(&ip);
		}
		break;
	case 1:
		if (dest_parse(s, &de, &why) == 0) {
			dest_format(&de, out, sizeof(out));
			if (dest_parse(out, &de2, &why) < 0 ||
			    memcmp(&de, &de2, sizeof(de)))
				abort();
		} else if (!why) {
			abort();
		}
		break;
	default:
		if (sockaddr_parse(d + 1, n - 1, &ip, &port) == 0) {
			if (ip.family == 6 && !memcmp(ip.a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))
				abort();   /* mapped must be folded */
		}
		break;
	}
	return 0;
}
