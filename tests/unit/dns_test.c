/* tests/unit/dns_test.c - the DNS query builder and answer parser (every
 * check the parser makes, one hostile message each), resolv.conf and hosts
 * parsing, and the pin table: commit, find, format, parse, atomic write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "pin.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

/* A message under construction. */
struct mb {
	uint8_t b[8192];
	size_t n;
};

static void u8(struct mb *m, unsigned v)
{
	m->b[m->n++] = (uint8_t)v;
}

static void u16(struct mb *m, unsigned v)
{
	u8(m, v >> 8);
	u8(m, v & 255);
}

static void set16(struct mb *m, size_t at, unsigned v)
{
	m->b[at] = (uint8_t)(v >> 8);
	m->b[at + 1] = (uint8_t)v;
}

/* Labels of a dotted name; the root label too unless "ptr" follows. */
static void labels(struct mb *m, const char *s, int root)
{
	while (*s) {
		size_t k = strcspn(s, ".");

		u8(m, (unsigned)k);
		memcpy(m->b + m->n, s, k);
		m->n += k;
		s += k + (s[k] == '.');
	}
	if (root)
		u8(m, 0);
}

static void ptr(struct mb *m, unsigned off)
{
	u16(m, 0xc000 | off);
}

static void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd,
		unsigned an, unsigned ns, unsigned ar)
{
	m->n = 0;
	u16(m, id);
	u16(m, flags);
	u16(m, qd);
	u16(m, an);
	u16(m, ns);
	u16(m, ar);
}

static void question(struct mb *m, const char *name, unsigned type)
{
	labels(m, name, 1);
	u16(m, type);
	u16(m, DNS_C_IN);
}

/* Record header after the owner name. */
static void rrh(struct mb *m, unsigned type, unsigned rdlen)
{
	u16(m, type);
	u16(m, DNS_C_IN);
	u16(m, 0);
	u16(m, 300);
	u16(m, rdlen);
}

static void a_rec(struct mb *m, unsigned a, unsigned b, unsigned c,
		  unsigned d)
{
	rrh(m, DNS_T_A, 4);
	u8(m, a);
	u8(m, b);
	u8(m, c);
	u8(m, d);
}

/* A standard answer: question "www.example.com" A, records after it. */
static void std_answer(struct mb *m, unsigned an)
{
	hdr(m, 0x1234, 0x8180, 1, an, 0, 0);
	question(m, "www.example.com", DNS_T_A);
}

static int parse(const struct mb *m, const char *name, unsigned qtype,
		 struct sb_ip *ips, int max, int *rcode, int *tc)
{
	return dns_answer_parse(m->b, m->n, 0x1234, name, (uint16_t)qtype, ips,
				max, rcode, tc);
}

static int count(const struct mb *m)
{
	struct sb_ip ips[16];
	int rcode, tc;

	return parse(m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc);
}

static const char *ipstr(const struct sb_ip *ip)
{
	static char out[64];

	ip_format(ip, out, sizeof(out));
	return out;
}

static void test_build(void)
{
	uint8_t q[DNS_QUERY_MAX];
	static const uint8_t want[] = {
		0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
	};
	char long_label[80], long_name[300];
	int n;

	n = dns_query_build(q, sizeof(q), 0xabcd, "WWW.Example.com",
			    DNS_T_AAAA);
	CHECK(n == (int)sizeof(want) && !memcmp(q, want, sizeof(want)));
	CHECK(dns_query_build(q, sizeof(want) - 1, 1, "www.example.com",
			      DNS_T_A) == -1);
	CHECK(dns_query_build(q, sizeof(q), 1, "", DNS_T_A) == -1);
	CHECK(dns_query_build(q, sizeof(q), 1, "a..b", DNS_T_A) == -1);
	CHECK(dns_query_build(q, sizeof(q), 1, "example.com.", DNS_T_A) == -1);
	CHECK(dns_query_build(q, sizeof(q), 1, "a b.com", DNS_T_A) == -1);
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	CHECK(dns_query_build(q, sizeof(q), 1, long_label, DNS_T_A) == -1);
	memmove(long_label + 63, long_label + 64, 5);
	CHECK(dns_query_build(q, sizeof(q), 1, long_label, DNS_T_A) > 0);
	/* 253 characters is the most a name can have. */
	for (int i = 0; i < 253; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = 0;
	CHECK(dns_query_build(q, sizeof(q), 1, long_name, DNS_T_A) ==
	      12 + 255 + 4);
	long_name[253] = 'a';
	long_name[254] = 0;
	CHECK(dns_query_build(q, sizeof(q), 1, long_name, DNS_T_A) == -1);
}

static void test_parse_ok(void)
{
	struct mb m;
	struct sb_ip ips[16];
	int rcode, tc, n;

	/* Two A records, owner compressed to the question. */
	std_answer(&m, 2);
	ptr(&m, 12);
	a_rec(&m, 93, 184, 216, 34);
	ptr(&m, 12);
	a_rec(&m, 1, 2, 3, 4);
	n = parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc);
	CHECK(n == 2 && rcode == 0 && tc == 0);
	CHECK(!strcmp(ipstr(&ips[0]), "93.184.216.34"));
	CHECK(!strcmp(ipstr(&ips[1]), "1.2.3.4"));
	/* The question echo is case-insensitive. */
	CHECK(parse(&m, "WWW.EXAMPLE.com", DNS_T_A, ips, 16, &rcode, &tc) == 2);
	/* max bounds what is stored. */
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 1, &rcode, &tc) == 1);
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 0, &rcode, &tc) == 0);

	/* Uncompressed owner in other case; a record of another type, a
	 * record of another class and one for another name are ignored. */
	std_answer(&m, 4);
	labels(&m, "WWW.Example.COM", 1);
	a_rec(&m, 8, 8, 8, 8);
	ptr(&m, 12);
	rrh(&m, DNS_T_AAAA, 16);
	for (int i = 0; i < 16; i++)
		u8(&m, i);
	ptr(&m, 12);
	u16(&m, DNS_T_A);
	u16(&m, 3);       /* CH */
	u16(&m, 0);
	u16(&m, 0);
	u16(&m, 4);
	u16(&m, 0x0909);
	u16(&m, 0x0909);
	labels(&m, "evil.example.com", 1);
	a_rec(&m, 6, 6, 6, 6);
	n = parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc);
	CHECK(n == 1 && !strcmp(ipstr(&ips[0]), "8.8.8.8"));

	/* AAAA, and an IPv4-mapped one folded. */
	hdr(&m, 0x1234, 0x8180, 1, 2, 0, 0);
	question(&m, "v6.test", DNS_T_AAAA);
	ptr(&m, 12);
	rrh(&m, DNS_T_AAAA, 16);
	u16(&m, 0x2606);
	u16(&m, 0x4700);
	for (int i = 0; i < 5; i++)
		u16(&m, 0);
	u16(&m, 0x1111);
	ptr(&m, 12);
	rrh(&m, DNS_T_AAAA, 16);
	for (int i = 0; i < 5; i++)
		u16(&m, 0);
	u16(&m, 0xffff);
	u16(&m, 0x0102);
	u16(&m, 0x0304);
	n = parse(&m, "v6.test", DNS_T_AAAA, ips, 16, &rcode, &tc);
	CHECK(n == 2 && !strcmp(ipstr(&ips[0]), "2606:4700::1111"));
	CHECK(ips[1].family == 4 && !strcmp(ipstr(&ips[1]), "1.2.3.4"));

	/* NOERROR without records; NXDOMAIN; SERVFAIL; truncated. */
	std_answer(&m, 0);
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc) == 0
	      && rcode == 0 && !tc);
	set16(&m, 2, 0x8183);
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc) == 0
	      && rcode == 3);
	set16(&m, 2, 0x8182);
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc) == 0
	      && rcode == 2);
	/* Truncated: what follows is not even looked at. */
	std_answer(&m, 9);
	set16(&m, 2, 0x8380);
	CHECK(parse(&m, "www.example.com", DNS_T_A, ips, 16, &rcode, &tc) == 0
	      && tc == 1);

	/* Additional section with an EDNS OPT record (root owner). */
	hdr(&m, 0x1234, 0x8180, 1, 1, 0, 1);
	question(&m, "www.example.com", DNS_T_A);
	ptr(&m, 12);
	a_rec(&m, 5, 6, 7, 8);
	u8(&m, 0);
	u16(&m, 41);
	u16(&m, 1232);
	u16(&m, 0);
	u16(&m, 0);
	u16(&m, 0);
	CHECK(count(&m) == 1);
}

static void test_parse_mismatch(void)
{
	struct mb m;
	struct sb_ip ips[4];
	int rcode, tc;

	std_answer(&m, 1);
	ptr(&m, 12);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == 1);
	CHECK(dns_answer_parse(m.b, m.n, 0x1235, "www.example.com", DNS_T_A,
			       ips, 4, &rcode, &tc) == -EPROTO);
	CHECK(parse(&m, "www.example.org", DNS_T_A, ips, 4, &rcode, &tc) ==
	      -EPROTO);
	CHECK(parse(&m, "example.com", DNS_T_A, ips, 4, &rcode, &tc) ==
	      -EPROTO);
	CHECK(parse(&m, "www.example.com", DNS_T_AAAA, ips, 4, &rcode, &tc) ==
	      -EPROTO);
	CHECK(parse(&m, "bad name", DNS_T_A, ips, 4, &rcode, &tc) < 0);
	set16(&m, 2, 0x0180);                /* a query, not an answer */
	CHECK(count(&m) == -EPROTO);
	set16(&m, 2, 0x8980);                /* opcode 1 */
	CHECK(count(&m) == -EPROTO);
	set16(&m, 2, 0x8180);
	set16(&m, 4, 0);                     /* no question */
	CHECK(count(&m) == -EPROTO);
	set16(&m, 4, 2);                     /* two */
	CHECK(count(&m) == -EPROTO);
	set16(&m, 4, 1);
	/* Class CH in the question. */
	set16(&m, 12 + 17 + 2, 3);
	CHECK(count(&m) == -EPROTO);
}

static void test_parse_malformed(void)
{
	struct mb m;
	size_t at;

	CHECK(dns_answer_parse((const uint8_t *)"\x12\x34\x81\x80", 4, 0x1234,
			       "a.b", 1, 0, 0, &(int){ 0 },
			       &(int){ 0 }) == -EBADMSG);
	/* More answers counted than present. */
	std_answer(&m, 2);
	ptr(&m, 12);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	/* Absurd counts. */
	std_answer(&m, 0xffff);
	set16(&m, 8, 0xffff);
	set16(&m, 10, 0xffff);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 0);
	set16(&m, 10, 1);
	CHECK(count(&m) == -EBADMSG);
	/* RDLENGTH past the end. */
	std_answer(&m, 1);
	ptr(&m, 12);
	rrh(&m, DNS_T_A, 40);
	u16(&m, 0);
	u16(&m, 0);
	CHECK(count(&m) == -EBADMSG);
	/* An A record of 5 bytes, an AAAA of 4. */
	std_answer(&m, 1);
	ptr(&m, 12);
	rrh(&m, DNS_T_A, 5);
	for (int i = 0; i < 5; i++)
		u8(&m, 1);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	ptr(&m, 12);
	rrh(&m, DNS_T_AAAA, 4);
	u16(&m, 0);
	u16(&m, 0);
	CHECK(count(&m) == -EBADMSG);
	/* Trailing bytes. */
	std_answer(&m, 1);
	ptr(&m, 12);
	a_rec(&m, 1, 2, 3, 4);
	u8(&m, 0);
	CHECK(count(&m) == -EBADMSG);
	/* Record header cut short. */
	std_answer(&m, 1);
	ptr(&m, 12);
	u16(&m, DNS_T_A);
	u16(&m, 1);
	CHECK(count(&m) == -EBADMSG);
	/* Question cut short (no type/class), and its name cut short. */
	hdr(&m, 0x1234, 0x8180, 1, 0, 0, 0);
	labels(&m, "www.example.com", 1);
	CHECK(count(&m) == -EBADMSG);
	hdr(&m, 0x1234, 0x8180, 1, 0, 0, 0);
	labels(&m, "www.example.com", 0);
	CHECK(count(&m) == -EBADMSG);
	hdr(&m, 0x1234, 0x8180, 1, 0, 0, 0);
	u8(&m, 20);
	u8(&m, 'a');
	CHECK(count(&m) == -EBADMSG);

	/* Pointers: to itself, forward, into the header, a loop of two,
	 * one byte of a pointer at the end, reserved label types. */
	std_answer(&m, 1);
	at = m.n;
	ptr(&m, (unsigned)at);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	ptr(&m, (unsigned)m.n + 2);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	ptr(&m, 4);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	/* Loop: name A = "x" + ptr->B; name B (later) = ptr->A. */
	std_answer(&m, 2);
	at = m.n;
	labels(&m, "x", 0);
	ptr(&m, (unsigned)at + 2 + 2 + 10 + 4);
	a_rec(&m, 1, 2, 3, 4);
	ptr(&m, (unsigned)at);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	/* A label run that reaches a pointer back to its own start. */
	std_answer(&m, 1);
	at = m.n;
	labels(&m, "www", 0);
	ptr(&m, (unsigned)at);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	u8(&m, 0xc0);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	u8(&m, 0x40);
	u8(&m, 0);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	u8(&m, 0x80);
	u8(&m, 0);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
	/* A name longer than 255 bytes, built from pointers: each name
	 * adds 60 bytes in front of the one before it. */
	std_answer(&m, 5);
	at = 12;
	for (int i = 0; i < 5; i++) {
		size_t here = m.n;
		char lab[61];

		memset(lab, 'a' + i, 59);
		lab[59] = 0;
		labels(&m, lab, 0);
		ptr(&m, (unsigned)at);
		a_rec(&m, 1, 2, 3, 4);
		at = here;
	}
	CHECK(count(&m) == -EBADMSG);
	/* Pointer chains without labels are bounded (strictly backwards,
	 * and DNS_MAX_HOPS). */
	hdr(&m, 0x1234, 0x8180, 1, 1, 0, 0);
	question(&m, "www.example.com", DNS_T_A);
	for (int i = 0; i < 200; i++)
		ptr(&m, i ? (unsigned)m.n - 2 : 12);
	a_rec(&m, 1, 2, 3, 4);
	CHECK(count(&m) == -EBADMSG);
}

static void cname(struct mb *m, const char *owner, const char *target)
{
	size_t at;

	labels(m, owner, 1);
	rrh(m, DNS_T_CNAME, 0);
	at = m->n;
	labels(m, target, 1);
	set16(m, at - 2, (unsigned)(m->n - at));
}

static void test_cname(void)
{
	struct mb m;
	struct sb_ip ips[8];
	int rcode, tc, n;
	char a[32], b[32];

	/* www -> a.cdn.net -> b.cdn.net A; records out of order; an A for
	 * a name outside the chain is ignored. */
	std_answer(&m, 4);
	labels(&m, "b.cdn.net", 1);
	a_rec(&m, 9, 9, 9, 9);
	labels(&m, "evil.net", 1);
	a_rec(&m, 6, 6, 6, 6);
	cname(&m, "a.cdn.net", "b.cdn.net");
	cname(&m, "www.example.com", "a.cdn.net");
	n = parse(&m, "www.example.com", DNS_T_A, ips, 8, &rcode, &tc);
	CHECK(n == 1 && !strcmp(ipstr(&ips[0]), "9.9.9.9"));
	/* The chain leads nowhere with an address. */
	std_answer(&m, 2);
	cname(&m, "www.example.com", "a.cdn.net");
	labels(&m, "evil.net", 1);
	a_rec(&m, 6, 6, 6, 6);
	CHECK(count(&m) == 0);
	/* Compressed target pointing at the owner's suffix. */
	std_answer(&m, 2);
	ptr(&m, 12);
	rrh(&m, DNS_T_CNAME, 6);
	labels(&m, "cdn", 0);
	ptr(&m, 12 + 4);              /* "example.com" of the question */
	labels(&m, "cdn.example.com", 1);
	a_rec(&m, 7, 7, 7, 7);
	n = parse(&m, "www.example.com", DNS_T_A, ips, 8, &rcode, &tc);
	CHECK(n == 1 && !strcmp(ipstr(&ips[0]), "7.7.7.7"));
	/* A loop, a self loop, two CNAMEs for one name, a target with
	 * bytes after it. */
	std_answer(&m, 2);
	cname(&m, "www.example.com", "a.net");
	cname(&m, "a.net", "www.example.com");
	CHECK(count(&m) == -ELOOP);
	std_answer(&m, 1);
	cname(&m, "www.example.com", "www.example.com");
	CHECK(count(&m) == -ELOOP);
	std_answer(&m, 2);
	cname(&m, "www.example.com", "a.net");
	cname(&m, "www.example.com", "b.net");
	CHECK(count(&m) == -EBADMSG);
	std_answer(&m, 1);
	labels(&m, "www.example.com", 1);
	rrh(&m, DNS_T_CNAME, 8);
	labels(&m, "a.net", 1);
	u8(&m, 0);
	CHECK(count(&m) == -EBADMSG);
	/* The longest chain followed, and one link more. */
	for (int len = DNS_MAX_CNAME; len <= DNS_MAX_CNAME + 1; len++) {
		std_answer(&m, (unsigned)len + 1);
		cname(&m, "www.example.com", "c0.net");
		for (int i = 0; i < len - 1; i++) {
			snprintf(a, sizeof(a), "c%d.net", i);
			snprintf(b, sizeof(b), "c%d.net", i + 1);
			cname(&m, a, b);
		}
		snprintf(a, sizeof(a), "c%d.net", len - 1);
		labels(&m, a, 1);
		a_rec(&m, 4, 4, 4, 4);
		n = count(&m);
		CHECK(len == DNS_MAX_CNAME ? n == 1 : n == -ELOOP);
	}
}

static void test_conf(void)
{
	static const char text[] =
		"# comment\n"
		"; another\n"
		"search example.com\n"
		"nameserver 10.0.0.53\n"
		"nameserver\t2001:4860:4860::8888   \r\n"
		"nameserver fe80::1%eth0\n"
		"nameserver 010.1.1.1\n"
		"options ndots:5 timeout:3 attempts:4 rotate\n"
		"nameserver 1.1.1.1\n"
		"nameserver 8.8.8.8\n"
		"nameserver 9.9.9.9";
	struct dns_conf c;
	char ip[64];

	dns_conf_init(&c);
	CHECK(c.nns == 0 && c.timeout_ms == 2000 && c.attempts == 2);
	CHECK(!strcmp(c.hosts, "/etc/hosts"));
	dns_conf_parse(&c, text, strlen(text));
	CHECK(c.nns == 4);
	ip_format(&c.ns[0].ip, ip, sizeof(ip));
	CHECK(!strcmp(ip, "10.0.0.53") && c.ns[0].port == 53);
	ip_format(&c.ns[1].ip, ip, sizeof(ip));
	CHECK(!strcmp(ip, "2001:4860:4860::8888"));
	ip_format(&c.ns[3].ip, ip, sizeof(ip));
	CHECK(!strcmp(ip, "8.8.8.8"));
	CHECK(c.timeout_ms == 3000 && c.attempts == 4);
	dns_conf_parse(&c, "options timeout:0 attempts:99\n", 30);
	CHECK(c.timeout_ms == 3000 && c.attempts == 4);

	dns_conf_init(&c);
	CHECK(dns_conf_add_ns(&c, "127.0.0.1:5353") == 0);
	CHECK(c.ns[0].port == 5353 && c.ns[0].ip.family == 4);
	CHECK(dns_conf_add_ns(&c, "[::1]:53") == 0 && c.ns[1].ip.family == 6);
	CHECK(dns_conf_add_ns(&c, "[::1]") == 0 && c.ns[2].port == 53);
	CHECK(dns_conf_add_ns(&c, "::1") == 0 && c.ns[3].port == 53);
	CHECK(dns_conf_add_ns(&c, "1.1.1.1") == -ENOSPC);
	dns_conf_init(&c);
	CHECK(dns_conf_add_ns(&c, "1.2.3.4:0") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "1.2.3.4:") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "1.2.3.4:053") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "1.2.3.4:65536") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "[1.2.3.4]:53") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "[::1]x") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "[::1") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "127.1") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "resolver.example") == -EINVAL);
	CHECK(dns_conf_add_ns(&c, "") == -EINVAL);
	CHECK(c.nns == 0);
}

static void test_hosts(void)
{
	static const char text[] =
		"127.0.0.1 localhost\n"
		"::1 localhost ip6-localhost\n"
		"# 9.9.9.9 foo.test\n"
		"10.0.0.1\tFoo.Test foo # a comment\n"
		"10.0.0.2 bar.test # foo.test\n"
		"10.0.0.1 foo.test\n"
		"bogus foo.test\n"
		"127.1 foo.test\n"
		"::ffff:1.2.3.4 mapped.test\n"
		"1.2.3.5 foo.test.extra foo.tes\n"
		"1.2.3.6 foo.test";
	struct sb_ip ips[4];

	CHECK(dns_hosts_parse(text, strlen(text), "foo.test", ips, 4) == 2);
	CHECK(!strcmp(ipstr(&ips[0]), "10.0.0.1"));
	CHECK(!strcmp(ipstr(&ips[1]), "1.2.3.6"));
	CHECK(dns_hosts_parse(text, strlen(text), "FOO.test", ips, 1) == 1);
	CHECK(dns_hosts_parse(text, strlen(text), "localhost", ips, 4) == 2);
	CHECK(dns_hosts_parse(text, strlen(text), "mapped.test", ips, 4) == 1
	      && ips[0].family == 4);
	CHECK(dns_hosts_parse(text, strlen(text), "nope.test", ips, 4) == 0);
	CHECK(dns_hosts_parse(text, strlen(text), "comment", ips, 4) == 0);
}

static void ip(struct sb_ip *a, const char *s)
{
	CHECK(ip_parse(s, strlen(s), a) == 0);
}

static void test_pin(void)
{
	static struct pin_table t, u;
	struct pin_report r;
	struct sb_ip in[12], x;
	const struct pin *p;
	char out[4096], small[16], path[] = "/tmp/dns_test.XXXXXX";
	char file[64], back[4096];
	int line, fd;
	ssize_t n;

	memset(&t, 0, sizeof(t));
	ip(&in[0], "169.254.169.254");          /* metadata: never by name */
	ip(&in[1], "93.184.216.34");
	ip(&in[2], "::ffff:93.184.216.34");     /* the same, mapped */
	ip(&in[3], "2606:2800:220:1::1");
	ip(&in[4], "ff02::1");
	CHECK(pin_commit(&t, "Example.COM", 443, in, 5, 0, &r) == 0);
	CHECK(t.n == 1 && !strcmp(t.pins[0].host, "example.com"));
	CHECK(t.pins[0].nips == 2 && r.ndropped == 2 && r.nfound == 5);
	CHECK(!strcmp(ipstr(&r.dropped[1]), "ff02::1"));
	/* Frozen: the same name on another port keeps its addresses. */
	ip(&in[5], "1.1.1.1");
	CHECK(pin_commit(&t, "example.com", 0, &in[5], 1, 0, &r) == 0);
	CHECK(r.source == PIN_SRC_TABLE && t.n == 2 && t.pins[1].nips == 2);
	CHECK(pin_commit(&t, "example.com", 443, &in[5], 1, 0, &r) == 0);
	CHECK(t.n == 2);
	/* Only internal: refused, unless allowed. */
	CHECK(pin_commit(&t, "internal.test", 80, in, 1, 0, &r) ==
	      -EADDRNOTAVAIL && t.n == 2 && r.ndropped == 1);
	CHECK(pin_commit(&t, "internal.test", 80, in, 1, 1, &r) == 0);
	CHECK(pin_commit(&t, "bad..name", 80, in, 1, 1, &r) == -EINVAL);
	CHECK(pin_commit(&t, "2001:db8::1", 80, in, 1, 1, &r) == 0);
	CHECK(!strcmp(t.pins[3].host, "2001:db8::1"));
	/* A name names the private addresses it pins to (loopback, RFC
	 * 1918, CGNAT, ULA), kept without allow_internal. */
	{
		static struct pin_table v;
		struct sb_ip pv[5];

		memset(&v, 0, sizeof(v));
		ip(&pv[0], "10.96.0.10");
		ip(&pv[1], "127.0.0.1");
		ip(&pv[2], "100.64.1.1");
		ip(&pv[3], "fd00::5");
		ip(&pv[4], "169.254.169.254");
		CHECK(pin_commit(&v, "db.svc", 5432, pv, 5, 0, &r) == 0);
		CHECK(v.pins[0].nips == 4 && r.ndropped == 1);
		CHECK(pin_commit(&v, "meta.svc", 80, &pv[4], 1, 0, &r) ==
		      -EADDRNOTAVAIL);
	}
	/* More than PIN_MAX_IPS: the first kept. */
	for (int i = 0; i < 12; i++) {
		char s[32];

		snprintf(s, sizeof(s), "1.0.0.%d", i + 1);
		ip(&in[i], s);
	}
	CHECK(pin_commit(&t, "many.test", 1, in, 12, 0, &r) == 0);
	CHECK(t.pins[4].nips == PIN_MAX_IPS && r.nextra == 12 - PIN_MAX_IPS);

	p = pin_find(&t, "example.com", 443);
	CHECK(p && p->port == 443);
	p = pin_find(&t, "example.com", 80);
	CHECK(p && p->port == 0);
	CHECK(pin_find(&t, "internal.test", 81) == 0);
	CHECK(pin_find(&t, "internal.test", 0) != 0);
	CHECK(pin_find(&t, "nope.test", 80) == 0);
	ip(&x, "93.184.216.34");
	CHECK(pin_has_ip(&t, &x, 1234));       /* via the "*" entry */
	ip(&x, "::ffff:93.184.216.34");
	CHECK(pin_has_ip(&t, &x, 443));
	ip(&x, "169.254.169.254");
	CHECK(pin_has_ip(&t, &x, 80) && !pin_has_ip(&t, &x, 81));
	ip(&x, "1.0.0.9");
	CHECK(!pin_has_ip(&t, &x, 1));

	CHECK(pin_format(&t, small, sizeof(small)) == -1);
	CHECK(pin_format(&t, out, sizeof(out)) > 0);
	CHECK(!strncmp(out, "example.com 443 93.184.216.34 "
			    "2606:2800:220:1::1\n"
			    "example.com * 93.184.216.34 2606:2800:220:1::1\n"
			    "internal.test 80 169.254.169.254\n"
			    "2001:db8::1 80 169.254.169.254\n"
			    "many.test 1 1.0.0.1 ", 180));
	CHECK(pin_parse(&u, out, &line) == 0 && line == 0 && u.n == t.n);
	for (int i = 0; i < t.n && i < u.n; i++) {
		CHECK(!strcmp(u.pins[i].host, t.pins[i].host));
		CHECK(u.pins[i].port == t.pins[i].port);
		CHECK(u.pins[i].nips == t.pins[i].nips);
		for (int k = 0; k < t.pins[i].nips; k++)
			CHECK(ip_equal(&u.pins[i].ips[k], &t.pins[i].ips[k]));
	}

	CHECK(pin_parse(&u, "# c\n\n  a.test  443 1.2.3.4 # x\n"
			    "b.test * \t::1\r\n", &line) == 0 && u.n == 2);
	CHECK(u.pins[1].port == 0 && u.pins[1].ips[0].family == 6);
	CHECK(pin_parse(&u, "a.test 443 1.2.3.4\nb.test 0443 1.2.3.4\n",
			&line) == -1 && line == 2);
	CHECK(pin_parse(&u, "a.test\n", &line) == -1 && line == 1);
	CHECK(pin_parse(&u, "a.test 443 1.2.3\n", &line) == -1);
	CHECK(pin_parse(&u, "a.test 443 127.1\n", &line) == -1);
	CHECK(pin_parse(&u, "a.test 65536 1.2.3.4\n", &line) == -1);
	CHECK(pin_parse(&u, "a..test 443 1.2.3.4\n", &line) == -1);
	CHECK(pin_parse(&u, "a.test 443 1.2.3.4\nA.TEST 443 1.2.3.5\n",
			&line) == -1 && line == 2);
	CHECK(pin_parse(&u, "a.test 1 1.0.0.1 1.0.0.2 1.0.0.3 1.0.0.4 "
			    "1.0.0.5 1.0.0.6 1.0.0.7 1.0.0.8 1.0.0.9\n",
			&line) == -1);

	/* The atomic writer, read back. */
	CHECK(mkdtemp(path) != 0);
	snprintf(file, sizeof(file), "%s/pins", path);
	CHECK(pin_write_file(&t, file) == 0);
	CHECK(pin_write_file(&t, file) == 0);     /* replaces */
	fd = open(file, O_RDONLY);
	CHECK(fd >= 0);
	n = read(fd, back, sizeof(back) - 1);
	close(fd);
	CHECK(n > 0 && !memcmp(back, out, (size_t)n) &&
	      (size_t)n == strlen(out));
	unlink(file);
	CHECK(rmdir(path) == 0);                  /* no temp file left */
	CHECK(pin_write_file(&t, "/nonexistent-dir/pins") == -ENOENT);
}

int main(void)
{
	test_build();
	test_parse_ok();
	test_parse_mismatch();
	test_parse_malformed();
	test_cname();
	test_conf();
	test_hosts();
	test_pin();
	if (fails)
		fprintf(stderr, "%d checks failed\n", fails);
	return fails != 0;
}
