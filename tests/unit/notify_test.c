/* tests/unit/notify_test.c - the supervisor's decision (notify_decide):
 * the proxy, direct entries literal and pinned, internal addresses, the
 * IPv4-embedding forms. The rest of lib/notify is tested against the real
 * kernel by tests/notifyd.test. */
#include <stdio.h>
#include <string.h>

#include "notify.h"
#include "pin.h"
#include "policy.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static struct policy pol;
static struct pin_table pins;

static int decide(const char *ip, unsigned port, const char **host)
{
	struct sb_ip a;
	const char *why = NULL, *h = NULL;
	int v;

	if (ip_parse(ip, strlen(ip), &a) < 0) {
		fprintf(stderr, "bad literal %s\n", ip);
		fails++;
		return -1;
	}
	ip_fold(&a);
	v = notify_decide(&pol, &pins, &a, (uint16_t)port, &why, &h);
	if (!why) {
		fprintf(stderr, "%s:%u: no reason\n", ip, port);
		fails++;
	}
	if (host)
		*host = h;
	return v;
}

static void setup(const char *text, const char *pintext)
{
	struct policy_err e;
	int line;

	memset(&e, 0, sizeof(e));
	policy_init(&pol);
	if (policy_parse(&pol, text, "test", &e) < 0) {
		fprintf(stderr, "policy: %s\n", e.what);
		fails++;
	}
	memset(&pins, 0, sizeof(pins));
	if (pintext && pin_parse(&pins, pintext, &line) < 0) {
		fprintf(stderr, "pins: line %d\n", line);
		fails++;
	}
}

int main(void)
{
	const char *host;

	setup("proxy 127.0.0.1:3128\n"
	      "allow example.com:443 93.184.216.34:443\n"
	      "direct db.example.net:5432 198.51.100.0/24:6379 8.8.8.8:53\n"
	      "direct nat64.example.org:443 [2001:db8:1::/48]:*\n",
	      "db.example.net 5432 203.0.113.7 2001:db8::7\n"
	      "nat64.example.org 443 64:ff9b::5db8:d822\n"
	      "example.com 443 93.184.216.34\n");

	/* The proxy, and only exactly it. */
	CHECK(decide("127.0.0.1", 3128, NULL) == NOTIFY_PROXY);
	CHECK(decide("::ffff:127.0.0.1", 3128, NULL) == NOTIFY_PROXY);
	CHECK(decide("127.0.0.1", 3129, NULL) == NOTIFY_DENY);
	CHECK(decide("127.0.0.2", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("::1", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("0.0.0.0", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("::", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("10.255.255.1", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("192.0.2.2", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("::127.0.0.1", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("64:ff9b::7f00:1", 3128, NULL) == NOTIFY_DENY);
	CHECK(decide("127.0.0.1", 0, NULL) == NOTIFY_DENY);

	/* allow entries go through the proxy, never directly: a pinned
	 * address of an allowed name on its port is connected to the proxy
	 * (transparent mode), which checks the name the client sends. */
	CHECK(decide("93.184.216.34", 443, &host) == NOTIFY_TRANSPARENT);
	CHECK(host && !strcmp(host, "example.com"));
	CHECK(decide("93.184.216.34", 444, NULL) == NOTIFY_DENY);
	CHECK(decide("::ffff:93.184.216.34", 443, NULL) ==
	      NOTIFY_TRANSPARENT);
	CHECK(decide("93.184.216.35", 443, NULL) == NOTIFY_DENY);

	/* direct, literal: a public address; an internal range the policy
	 * names (198.51.100.0/24 is TEST-NET-2, internal). */
	CHECK(decide("8.8.8.8", 53, NULL) == NOTIFY_DIRECT);
	CHECK(decide("8.8.8.8", 54, NULL) == NOTIFY_DENY);
	CHECK(decide("::ffff:8.8.8.8", 53, NULL) == NOTIFY_DIRECT);
	CHECK(decide("198.51.100.9", 6379, NULL) == NOTIFY_DIRECT);
	CHECK(decide("198.51.100.9", 6380, NULL) == NOTIFY_DENY);
	CHECK(decide("2001:db8:1::5", 22, NULL) == NOTIFY_DIRECT);

	/* direct, pinned: the pinned addresses of the name, on its port. */
	host = NULL;
	CHECK(decide("203.0.113.7", 5432, &host) == NOTIFY_DENY);
	CHECK(decide("203.0.113.8", 5432, NULL) == NOTIFY_DENY);
	CHECK(decide("93.184.216.34", 5432, NULL) == NOTIFY_DENY);
	/* ... but internal ones only when named (203.0.113/24, 2001:db8::/32
	 * are documentation ranges: internal). */
	CHECK(decide("2001:db8::7", 5432, NULL) == NOTIFY_DENY);
	/* The embedding forms: a NAT64 address is allowed when pinned... */
	host = NULL;
	CHECK(decide("64:ff9b::5db8:d822", 443, &host) == NOTIFY_DIRECT);
	CHECK(host && !strcmp(host, "nat64.example.org"));
	/* ... and never when only its embedded IPv4 is pinned. */
	CHECK(decide("64:ff9b::5db8:d822", 5432, NULL) == NOTIFY_DENY);
	CHECK(decide("::93.184.216.34", 443, NULL) == NOTIFY_DENY);
	CHECK(decide("64:ff9b::808:808", 53, NULL) == NOTIFY_DENY);

	/* A public pinned address. */
	setup("direct db.example.net:5432 *.svc.example:443\n",
	      "db.example.net 5432 1.2.3.4\n"
	      "api.svc.example 443 5.6.7.8\n"
	      "other.example 443 9.9.9.9\n");
	host = NULL;
	CHECK(decide("1.2.3.4", 5432, &host) == NOTIFY_DIRECT);
	CHECK(host && !strcmp(host, "db.example.net"));
	CHECK(decide("1.2.3.4", 5433, NULL) == NOTIFY_DENY);
	CHECK(decide("::ffff:1.2.3.4", 5432, NULL) == NOTIFY_DIRECT);
	CHECK(decide("5.6.7.8", 443, NULL) == NOTIFY_DIRECT);
	CHECK(decide("9.9.9.9", 443, NULL) == NOTIFY_DENY);
	/* The default proxy. */
	CHECK(decide("127.0.0.1", 3128, NULL) == NOTIFY_PROXY);
	/* No pins at all. */
	{
		struct sb_ip a = { 4, { 1, 2, 3, 4 } };
		const char *why, *h;

		CHECK(notify_decide(&pol, NULL, &a, 5432, &why, &h) ==
		      NOTIFY_DENY);
	}
	/* Internal destinations named explicitly. */
	setup("direct 10.0.0.0/8:5432 127.0.0.1:6379 0.0.0.0/0:22\n", NULL);
	CHECK(decide("10.1.2.3", 5432, NULL) == NOTIFY_DIRECT);
	CHECK(decide("127.0.0.1", 6379, NULL) == NOTIFY_DIRECT);
	CHECK(decide("1.1.1.1", 22, NULL) == NOTIFY_DIRECT);
	/* 0.0.0.0/0 names no internal address. */
	CHECK(decide("169.254.169.254", 22, NULL) == NOTIFY_DENY);
	CHECK(decide("127.0.0.1", 22, NULL) == NOTIFY_DENY);
	CHECK(decide("0.0.0.0", 22, NULL) == NOTIFY_DENY);

	/* Names pinned to internal addresses (SPEC "What names an internal
	 * address"): an exact name names loopback, RFC 1918, CGNAT and ULA,
	 * never link-local (metadata); a wildcard names none. */
	setup("direct postgres.db.svc.cluster.local:5432 cache.local:6379\n"
	      "direct meta.corp:80 *.svc.corp:443\n",
	      "postgres.db.svc.cluster.local 5432 10.96.12.7 fd00::7\n"
	      "cache.local 6379 127.0.0.9\n"
	      "meta.corp 80 169.254.169.254\n"
	      "api.svc.corp 443 10.1.1.1\n");
	host = NULL;
	CHECK(decide("10.96.12.7", 5432, &host) == NOTIFY_DIRECT);
	CHECK(host && !strcmp(host, "postgres.db.svc.cluster.local"));
	CHECK(decide("fd00::7", 5432, NULL) == NOTIFY_DIRECT);
	CHECK(decide("10.96.12.7", 5433, NULL) == NOTIFY_DENY);
	CHECK(decide("10.96.12.8", 5432, NULL) == NOTIFY_DENY);
	CHECK(decide("127.0.0.9", 6379, NULL) == NOTIFY_DIRECT);
	CHECK(decide("169.254.169.254", 80, NULL) == NOTIFY_DENY);
	CHECK(decide("10.1.1.1", 443, NULL) == NOTIFY_DENY);

	if (fails)
		fprintf(stderr, "notify_test: %d failed\n", fails);
	return fails != 0;
}
