/* tests/unit/policy_test.c - the policy parser: every mistake is an error
 * naming file:line, and nothing widens access. */
#include <stdio.h>
#include <string.h>

#include "policy.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static struct policy P;
static struct policy_err E;

static int parse(const char *t)
{
	policy_init(&P);
	return policy_parse(&P, t, "t.policy", &E);
}

static const char *err(const char *t)
{
	static char out[256];

	if (parse(t) == 0)
		return "OK";
	policy_err_format(&E, out, sizeof(out));
	return out;
}

int main(void)
{
	struct sb_ip ip;

	CHECK(parse(policy_default_text) == 0);
	CHECK(P.best_effort == 0 && P.dns == 1 && P.nallow == 0);
	CHECK(P.proxy_port == 3128 && P.nenv == 4);

	CHECK(parse("# only a comment\n\n   \n") == 0);
	CHECK(parse("allow example.com:443 *.pypi.org:443 # trailing\n") == 0);
	CHECK(P.nallow == 2);
	CHECK(policy_allows_host(&P, "example.com", 443));
	CHECK(policy_allows_host(&P, "files.pypi.org", 443));
	CHECK(!policy_allows_host(&P, "pypi.org", 443));
	CHECK(!policy_allows_host(&P, "example.com", 80));

	CHECK(!strcmp(err("ro /usr\nrw /usr\n"),
		      "t.policy:2: path listed both ro and rw: '/usr'"));
	CHECK(!strcmp(err("ro usr\n"),
		      "t.policy:1: path must be absolute: 'usr'"));
	CHECK(!strcmp(err("\nfrobnicate x\n"),
		      "t.policy:2: unknown directive: 'frobnicate'"));
	CHECK(!strcmp(err("allow example.com:0\n"),
		      "t.policy:1: port must be 1-65535 or *: 'example.com:0'"));
	CHECK(!strcmp(err("allow example.com:65536\n"),
		      "t.policy:1: port must be 1-65535 or *: 'example.com:65536'"));
	CHECK(!strcmp(err("bind 0\n"), "t.policy:1: port must be 1-65535: '0'"));
	CHECK(!strcmp(err("bind 70000\n"),
		      "t.policy:1: port must be 1-65535: '70000'"));
	CHECK(strcmp(err("allow a.*.com:443\n"), "OK"));
	CHECK(strcmp(err("allow *:443\n"), "OK"));
	CHECK(strcmp(err("direct 10.0.0.0/33:5432\n"), "OK"));
	CHECK(strcmp(err("direct 10.0.0.1/8:5432\n"), "OK"));
	CHECK(strcmp(err("allow\n"), "OK"));
	CHECK(strcmp(err("enforce\nbest-effort\n"), "OK"));
	CHECK(strcmp(err("dns on\ndns off\n"), "OK"));
	CHECK(strcmp(err("dns maybe\n"), "OK"));
	CHECK(strcmp(err("proxy 127.0.0.1:3128\nproxy 127.0.0.1:3129\n"), "OK"));
	CHECK(strcmp(err("proxy localhost:3128\n"), "OK"));
	CHECK(strcmp(err("env 1X=2\n"), "OK"));
	CHECK(strcmp(err("env A=1\nenv A=2\n"), "OK"));
	CHECK(!strcmp(err("enforce\nenforce\nro /a /a\n"), "OK"));

	CHECK(parse("env FOO=bar PATH\n") == 0 && P.nenv == 2);
	CHECK(parse("best-effort\ndns on\nbind 8080\n") == 0 &&
	      P.best_effort && P.dns && P.nbind == 1 && P.bind[0] == 8080);
	CHECK(parse("proxy [::1]:8080\n") == 0 && P.proxy_ip.family == 6);

	/* Explicit naming of internal addresses. */
	CHECK(parse("allow 10.0.0.0/8:443 0.0.0.0/0:*\n") == 0);
	ip_parse("10.1.1.1", 8, &ip);
	CHECK(policy_names_ip(&P, POL_ALLOW, NULL, &ip, 443));
	CHECK(policy_names_ip(&P, POL_ALLOW, NULL, &ip, 0));
	CHECK(!policy_names_ip(&P, POL_ALLOW, NULL, &ip, 444));
	CHECK(!policy_names_ip(&P, POL_DIRECT, NULL, &ip, 443));
	ip_parse("192.168.1.1", 11, &ip);
	CHECK(!policy_names_ip(&P, POL_BOTH, NULL, &ip, 1)); /* 0/0: none */
	CHECK(policy_allows_ip(&P, &ip, 1));

	/* SPEC "What names an internal address": an exact name names the
	 * loopback, RFC 1918, CGNAT and ULA addresses it pins to; never
	 * link-local, unspecified, multicast or broadcast; a wildcard none. */
	policy_init(&P);
	CHECK(parse("allow localhost:8080 registry.corp:443 *.svc.corp:*\n"
		    "direct db.svc.corp:5432 169.254.169.254:80\n") == 0);
	{
		static const struct { const char *ip, *host; int port, tabs, ok; }
		    t[] = {
			{ "127.0.0.1", "localhost", 8080, POL_ALLOW, 1 },
			{ "127.0.0.1", "localhost", 8081, POL_ALLOW, 0 },
			{ "127.0.0.1", "localhost", 8080, POL_DIRECT, 0 },
			{ "::1", "localhost", 8080, POL_ALLOW, 1 },
			{ "127.0.0.1", NULL, 8080, POL_ALLOW, 0 },
			{ "10.96.0.10", "db.svc.corp", 5432, POL_DIRECT, 1 },
			{ "10.96.0.10", "db.svc.corp", 5432, POL_BOTH, 1 },
			{ "10.96.0.10", "x.svc.corp", 5432, POL_BOTH, 0 },
			{ "100.64.0.1", "registry.corp", 443, POL_ALLOW, 1 },
			{ "172.16.0.1", "registry.corp", 443, POL_ALLOW, 1 },
			{ "192.168.0.1", "registry.corp", 443, POL_ALLOW, 1 },
			{ "fd12::1", "registry.corp", 443, POL_ALLOW, 1 },
			{ "169.254.169.254", "registry.corp", 443, POL_ALLOW, 0 },
			{ "fe80::1", "registry.corp", 443, POL_ALLOW, 0 },
			{ "0.0.0.0", "registry.corp", 443, POL_ALLOW, 0 },
			{ "224.0.0.1", "registry.corp", 443, POL_ALLOW, 0 },
			{ "255.255.255.255", "registry.corp", 443, POL_ALLOW, 0 },
			{ "ff02::1", "registry.corp", 443, POL_ALLOW, 0 },
			{ "192.0.2.1", "registry.corp", 443, POL_ALLOW, 0 },
			{ "169.254.169.254", NULL, 80, POL_DIRECT, 1 },
			{ "169.254.169.254", "meta.corp", 80, POL_DIRECT, 1 },
			{ "169.254.169.254", NULL, 80, POL_ALLOW, 0 },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			ip_parse(t[i].ip, strlen(t[i].ip), &ip);
			if (policy_names_ip(&P, t[i].tabs, t[i].host, &ip,
					    (uint16_t)t[i].port) != t[i].ok) {
				fprintf(stderr, "names %s %s %d\n", t[i].ip,
					t[i].host ? t[i].host : "-", t[i].port);
				fails++;
			}
		}
		ip_parse("93.184.216.34", 13, &ip);
		CHECK(policy_ip_ok(&P, POL_BOTH, NULL, &ip, 1));
		CHECK(policy_proxy_host(&P, "db.svc.corp", 5432));
		ip_parse("169.254.169.254", 15, &ip);
		CHECK(policy_proxy_ip(&P, &ip, 80));   /* direct: proxy too */
		CHECK(!policy_allows_ip(&P, &ip, 80));
	}

	/* policy_format: parsing its text gives the same policy back. */
	{
		static struct policy Q;
		static char t1[16384], t2[16384];

		CHECK(parse(policy_default_text) == 0);
		CHECK(policy_parse(&P, "best-effort\nproxy [::1]:8080\nallow a.b:443 "
			    "*.c.d:* 10.0.0.0/8:5 [fd00::/8]:*\n"
			    "direct db.example:5432\nbind 80 81\nenv A=1 B\n"
			    "dns on\nrw /srv\n", "t2", &E) == 0);
		CHECK(policy_format(&P, t1, sizeof(t1)) > 0);
		policy_init(&Q);
		CHECK(policy_parse(&Q, t1, "fmt", &E) == 0);
		CHECK(policy_format(&Q, t2, sizeof(t2)) > 0);
		CHECK(!strcmp(t1, t2));
		CHECK(Q.nallow == 4 && Q.ndirect == 1 && Q.nbind == 2 &&
		      Q.nenv == 2 && Q.best_effort && Q.dns &&
		      Q.proxy_port == 8080 && Q.npaths == P.npaths);
		CHECK(policy_format(&P, t1, 10) == -1);
	}

	/* Flags go through the same parser. */
	policy_init(&P);
	CHECK(policy_directive(&P, "allow", "example.com:443", &E) == 0);
	CHECK(policy_directive(&P, "allow", "bad host:443", &E) < 0);
	CHECK(policy_directive(&P, "ro", "/x\nrw /", &E) < 0);

	/* Names sb pins on first use (dns on): a wildcard's, for the binary
	 * its entry is for, and not those the upstream resolves. */
	CHECK(parse("allow *.w.test:443 x.test:443\ndirect *.d.test:5432\n"
		    "allow *.f.test:443 from /usr/bin/curl\n") == 0);
	CHECK(policy_pins_later(&P, NULL, "a.w.test"));
	CHECK(policy_pins_later(&P, NULL, "a.b.d.test"));
	CHECK(!policy_pins_later(&P, NULL, "w.test"));
	CHECK(!policy_pins_later(&P, NULL, "x.test"));   /* pinned ahead */
	CHECK(!policy_pins_later(&P, NULL, "a.other.test"));
	CHECK(policy_pins_later(&P, "/usr/bin/curl", "a.f.test"));
	CHECK(!policy_pins_later(&P, "/usr/bin/python3", "a.f.test"));
	CHECK(policy_pins_later(&P, POLICY_ANY_EXE, "a.f.test"));
	CHECK(parse("upstream http://127.0.0.1:3129\nallow *.w.test:443\n"
		    "direct *.d.test:5432\nupstream-except *.e.test\n"
		    "allow *.e.test:443\n") == 0);
	CHECK(!policy_pins_later(&P, NULL, "a.w.test"));  /* the upstream's */
	CHECK(policy_pins_later(&P, NULL, "a.d.test"));
	CHECK(policy_pins_later(&P, NULL, "a.e.test"));

	if (fails)
		fprintf(stderr, "%d checks failed\n", fails);
	return fails != 0;
}
