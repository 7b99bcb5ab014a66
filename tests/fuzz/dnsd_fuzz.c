/* tests/fuzz/dnsd_fuzz.c - libFuzzer target: dnsd_answer, the supervisor's
 * DNS answerer, on hostile queries from the sandbox, over UDP and TCP,
 * against a pin table with IPv4 and IPv6 addresses and a policy with a
 * wildcard. Checks what the answer must be: never longer than the buffer
 * or (UDP) than the client's limit, its id and question echoed, QR set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnsd.h"

static struct pin_table pins;
static struct policy pol;

static void setup(void)
{
	struct pin *p = &pins.pins[0];
	struct policy_err e;

	if (pins.n)
		return;
	policy_init(&pol);
	if (policy_parse(&pol, "allow www.example.com:443 *.wild.test:443\n",
			 "fuzz", &e) < 0)
		abort();
	memcpy(p->host, "www.example.com", 16);
	p->port = 443;
	p->nips = PIN_MAX_IPS;
	for (int i = 0; i < PIN_MAX_IPS; i++) {
		p->ips[i].family = i & 1 ? 6 : 4;
		p->ips[i].a[0] = (uint8_t)(i + 1);
	}
	pins.n = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint8_t out[DNSD_MSG_MAX];
	struct dnsd_info in;

	setup();
	for (int tcp = 0; tcp < 2; tcp++) {
		int r = dnsd_answer(&pol, &pins, d, n, tcp, out, sizeof(out),
				    &in);

		if (r < 0)
			continue;
		if (r < 12 || (size_t)r > sizeof(out))
			abort();
		if (!tcp && r > 512 && r > DNSD_UDP_PAYLOAD + 600)
			abort();
		if (n < 2 || out[0] != d[0] || out[1] != d[1] || !(out[2] & 0x80))
			abort();
		if (in.naddrs > PIN_MAX_IPS || strlen(in.name) > SB_HOST_MAX + 1)
			abort();
	}
	return 0;
}
