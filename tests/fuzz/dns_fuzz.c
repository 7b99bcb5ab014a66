/* tests/fuzz/dns_fuzz.c - libFuzzer target: dns_answer_parse on hostile
 * bytes. The message's own id is used, so the fuzzer gets past the id
 * check at once; the question name is fixed (the seeds carry it). The
 * same bytes also go through the resolv.conf and hosts parsers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dns.h"

static void check(const uint8_t *d, size_t n, uint16_t qtype)
{
	struct sb_ip ips[DNS_MAX_ADDRS];
	uint16_t id = n >= 2 ? (uint16_t)(d[0] << 8 | d[1]) : 0;
	int rcode, tc, r;

	r = dns_answer_parse(d, n, id, "www.example.com", qtype, ips,
			     DNS_MAX_ADDRS, &rcode, &tc);
	if (r > DNS_MAX_ADDRS)
		abort();
	for (int i = 0; i < r; i++)
		if (ips[i].family != (qtype == DNS_T_A ? 4 : 6) &&
		    !(qtype == DNS_T_AAAA && ips[i].family == 4))
			abort();
	if (r > 0 && (rcode != 0 || tc))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct dns_conf c;
	struct sb_ip ips[4];

	check(d, n, DNS_T_A);
	check(d, n, DNS_T_AAAA);
	dns_conf_init(&c);
	dns_conf_parse(&c, (const char *)d, n);
	if (c.nns > DNS_MAX_NS)
		abort();
	if (dns_hosts_parse((const char *)d, n, "www.example.com", ips, 4) > 4)
		abort();
	return 0;
}
