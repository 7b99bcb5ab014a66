/* tests/unit/sockaddr_test.c - literals, internal ranges, destinations */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sockaddr.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static int ipok(const char *s)
{
	struct sb_ip ip;

	return ip_parse(s, strlen(s), &ip) == 0;
}

/* Round trip against inet_pton/inet_ntop as an independent oracle. */
static void v6(const char *s)
{
	struct sb_ip ip;
	unsigned char ref[16];
	char out[64], refs[64];

	CHECK(ip_parse(s, strlen(s), &ip) == 0);
	CHECK(inet_pton(AF_INET6, s, ref) == 1);
	CHECK(!memcmp(ip.a, ref, 16));
	ip_format(&ip, out, sizeof(out));
	inet_ntop(AF_INET6, ref, refs, sizeof(refs));
	if (strchr(refs, '.') == NULL)
		CHECK(!strcmp(out, refs));
}

static int internal(const char *s)
{
	struct sb_ip ip;

	if (ip_parse(s, strlen(s), &ip) < 0)
		return -1;
	return ip_is_internal(&ip);
}

static const char *dest(const char *s)
{
	static char out[300];
	struct dest d;
	const char *why;

	if (dest_parse(s, &d, &why) < 0)
		return "ERR";
	dest_format(&d, out, sizeof(out));
	return out;
}

int main(void)
{
	struct dest d;
	const char *why;
	struct sb_ip ip;
	char h[300];

	CHECK(ipok("1.2.3.4"));
	CHECK(ipok("255.255.255.255"));
	CHECK(!ipok("127.1"));
	CHECK(!ipok("0x7f.0.0.1"));
	CHECK(!ipok("2130706433"));
	CHECK(!ipok("01.2.3.4"));
	CHECK(!ipok("1.2.3.256"));
	CHECK(!ipok("1.2.3.4."));
	CHECK(!ipok("1..3.4"));
	CHECK(!ipok(""));
	CHECK(!ipok("fe80::1%eth0"));
	CHECK(!ipok(":::"));
	CHECK(!ipok("1::2::3"));
	CHECK(!ipok("1:2:3:4:5:6:7:8:9"));
	CHECK(!ipok("12345::"));
	CHECK(!ipok("1:2:3:4:5:6:7:"));
	v6("::");
	v6("::1");
	v6("1::");
	v6("2001:db8::8:800:200c:417a");
	v6("1:2:3:4:5:6:7:8");
	v6("::ffff:10.0.0.1");
	v6("1:0:0:2::3");
	v6("fe80::1:2");

	CHECK(internal("127.0.0.1") == 1);
	CHECK(internal("10.1.2.3") == 1);
	CHECK(internal("172.31.255.255") == 1);
	CHECK(internal("172.32.0.1") == 0);
	CHECK(internal("192.168.0.1") == 1);
	CHECK(internal("100.64.0.1") == 1);
	CHECK(internal("169.254.169.254") == 1);
	CHECK(internal("0.0.0.0") == 1);
	CHECK(internal("224.0.0.1") == 1);
	CHECK(internal("255.255.255.255") == 1);
	CHECK(internal("8.8.8.8") == 0);
	CHECK(internal("::") == 1);
	CHECK(internal("::1") == 1);
	CHECK(internal("::ffff:8.8.8.8") == 1);    /* unfolded: refuse */
	CHECK(internal("::10.0.0.1") == 1);
	CHECK(internal("64:ff9b::a00:1") == 1);
	CHECK(internal("fd00::1") == 1);
	CHECK(internal("fe80::1") == 1);
	CHECK(internal("ff02::1") == 1);
	CHECK(internal("2606:4700::1") == 0);

	ip_parse("::ffff:10.0.0.1", 15, &ip);
	ip_fold(&ip);
	CHECK(ip.family == 4 && ip.a[0] == 10 && ip.a[3] == 1);

	CHECK(!strcmp(dest("Example.COM:443"), "example.com:443"));
	CHECK(!strcmp(dest("*.example.com:*"), "*.example.com:*"));
	CHECK(!strcmp(dest("10.0.0.0/8:5432"), "10.0.0.0/8:5432"));
	CHECK(!strcmp(dest("[2001:db8::/32]:443"), "[2001:db8::/32]:443"));
	CHECK(!strcmp(dest("[::1]:80"), "[::1]:80"));
	CHECK(!strcmp(dest("1.2.3.4:80"), "1.2.3.4:80"));
	CHECK(!strcmp(dest("example.com:0"), "ERR"));
	CHECK(!strcmp(dest("example.com:65536"), "ERR"));
	CHECK(!strcmp(dest("example.com:0443"), "ERR"));
	CHECK(!strcmp(dest("example.com:+443"), "ERR"));
	CHECK(!strcmp(dest("example.com"), "ERR"));
	CHECK(!strcmp(dest("a.*.com:443"), "ERR"));
	CHECK(!strcmp(dest("*example.com:443"), "ERR"));
	CHECK(!strcmp(dest("*.com.:443"), "ERR"));
	CHECK(!strcmp(dest("*.com:443"), "ERR"));
	CHECK(!strcmp(dest("example.com.:443"), "ERR"));
	CHECK(!strcmp(dest("127.1:443"), "ERR"));
	CHECK(!strcmp(dest("2130706433:443"), "ERR"));
	CHECK(!strcmp(dest("10.0.0.1/8:443"), "ERR"));
	CHECK(!strcmp(dest("10.0.0.0/33:443"), "ERR"));
	CHECK(!strcmp(dest("::1:80"), "ERR"));
	CHECK(!strcmp(dest("user@host:80"), "ERR"));
	CHECK(!strcmp(dest("-a.com:80"), "ERR"));

	dest_parse("*.example.com:443", &d, &why);
	CHECK(dest_match_host(&d, "a.example.com", 443));
	CHECK(dest_match_host(&d, "a.b.example.com", 443));
	CHECK(!dest_match_host(&d, "example.com", 443));
	CHECK(!dest_match_host(&d, "aexample.com", 443));
	CHECK(!dest_match_host(&d, "a.example.com", 80));
	dest_parse("10.0.0.0/8:*", &d, &why);
	ip_parse("10.9.9.9", 8, &ip);
	CHECK(dest_match_ip(&d, &ip, 1));
	ip_parse("11.0.0.0", 8, &ip);
	CHECK(!dest_match_ip(&d, &ip, 1));

	CHECK(host_parse("a-b.c_d.E", 9, h) == 0 && !strcmp(h, "a-b.c_d.e"));
	CHECK(host_parse("a..b", 4, h) < 0);
	CHECK(host_parse("a b", 3, h) < 0);

	if (fails)
		fprintf(stderr, "%d checks failed\n", fails);
	return fails != 0;
}
