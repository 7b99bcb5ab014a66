/* tests/unit/upstream_test.c - the upstream proxy: base64 (RFC 4648
 * vectors), the Basic header, the CONNECT request, the reply head, and
 * the policy directives (what goes through the upstream, what does not). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "upstream.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static struct policy P;
static struct policy_err E;

static const char *perr(const char *t)
{
	static char out[300];

	policy_init(&P);
	if (policy_parse(&P, t, "t", &E) == 0 && policy_upstream_check(&P, &E) == 0)
		return "OK";
	policy_err_format(&E, out, sizeof(out));
	return out;
}

static int reply(const char *s, int *status)
{
	static struct http_resp r;
	int n = upstream_reply(s, strlen(s), &r);

	*status = r.status;
	return n;
}

int main(void)
{
	static const char *const v[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static struct upstream u;
	char out[1024];
	const char *why;
	struct sb_ip ip;
	int st;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(base64_encode(v[i][0], strlen(v[i][0]), out, sizeof(out)) ==
		      (int)strlen(v[i][1]));
		CHECK(!strcmp(out, v[i][1]));
	}
	CHECK(base64_encode("foo", 3, out, 4) == -1);
	CHECK(base64_encode("foo", 3, out, 5) == 4);

	CHECK(upstream_auth(&u, "Aladdin:open sesame\n", 20, &why) == 0);
	CHECK(!strcmp(u.auth, "Proxy-Authorization: Basic "
			      "QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
	CHECK(upstream_auth(&u, "user:pw\r\n", 9, &why) == 0);
	CHECK(upstream_auth(&u, "nocolon", 7, &why) < 0);
	CHECK(upstream_auth(&u, ":pw", 3, &why) < 0);
	CHECK(upstream_auth(&u, "u:p\nX-Evil: 1", 13, &why) < 0);
	CHECK(upstream_auth(&u, "u:p\r\n\n", 6, &why) < 0);
	CHECK(upstream_auth(&u, "\n", 1, &why) < 0);
	memset(out, 'a', 600);
	out[0] = 'u';
	out[1] = ':';
	CHECK(upstream_auth(&u, out, 512, &why) == 0);
	CHECK(upstream_auth(&u, out, 513, &why) < 0);

	memset(&u, 0, sizeof(u));
	CHECK(upstream_request(&u, "example.com", 0, 443, out, sizeof(out)) == 59);
	CHECK(!memcmp(out, "CONNECT example.com:443 HTTP/1.1\r\nHost: "
			   "example.com:443\r\n\r\n", 59));
	CHECK(upstream_auth(&u, "a:b", 3, &why) == 0);
	st = upstream_request(&u, "::1", 1, 8080, out, sizeof(out));
	CHECK(st > 0 && !memcmp(out, "CONNECT [::1]:8080 HTTP/1.1\r\nHost: "
				      "[::1]:8080\r\nProxy-Authorization: Basic "
				      "YTpi\r\n\r\n", (size_t)st));
	CHECK(upstream_request(&u, "example.com", 0, 443, out, 20) == -EMSGSIZE);

	CHECK(reply("HTTP/1.1 200 Connection established\r\n\r\nXY", &st) == 39 &&
	      st == 200);
	CHECK(reply("HTTP/1.0 200\r\n\r\n", &st) == 16 && st == 200);
	CHECK(reply("HTTP/1.1 407 Proxy Authentication Required\r\n"
		    "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n", &st) > 0 &&
	      st == 407);
	CHECK(reply("HTTP/1.1 200 OK\r\n", &st) == 0);
	CHECK(reply("HTTP/1.1 200 OK\n\n", &st) == -EINVAL);
	CHECK(reply("HTTP/2 200\r\n\r\n", &st) == -EINVAL);
	CHECK(reply("HTTP/1.1 20 OK\r\n\r\n", &st) == -EINVAL);
	CHECK(reply("HTTP/1.1 200 OK\r\nBad Field\r\n\r\n", &st) == -EINVAL);
	CHECK(reply("SSH-2.0-OpenSSH\r\n\r\n", &st) == -EINVAL);
	{
		static char big[HTTP_HEAD_MAX + 100];

		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
		CHECK(reply(big, &st) == -EMSGSIZE);
		big[HTTP_HEAD_MAX - 1] = 0;
		CHECK(reply(big, &st) == 0);
	}
	CHECK(!strcmp(upstream_status_text(407), "Proxy Authentication Required"));

	/* the policy */
	CHECK(!strcmp(perr("upstream http://proxy.corp:3128\n"), "OK"));
	CHECK(P.has_upstream && P.upstream.kind == DEST_HOST &&
	      P.upstream.port == 3128 && !strcmp(P.upstream.host, "proxy.corp"));
	CHECK(!strcmp(perr("upstream http://10.1.2.3:8080/\n"), "OK"));
	CHECK(P.upstream.kind == DEST_CIDR && P.upstream.prefix == 32);
	CHECK(!strcmp(perr("upstream http://[fd00::1]:3128\n"), "OK"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream http://b:1\n"),
		      "t:2: upstream given twice: 'http://b:1'"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream http://a:1\n"), "OK"));
	CHECK(!strcmp(perr("upstream http://a:0\n"),
		      "t:1: port must be 1-65535 or *: 'http://a:0'"));
	CHECK(!strcmp(perr("upstream http://a:*\n"),
		      "t:1: upstream must be http://HOST:PORT: 'http://a:*'"));
	CHECK(!strcmp(perr("upstream http://10.0.0.0/8:1\n"),
		      "t:1: upstream must be http://HOST:PORT: 'http://10.0.0.0/8:1'"));
	CHECK(!strcmp(perr("upstream http://127.0.0.1:3128\n"),
		      "t: upstream is sb's own proxy address"));
	CHECK(!strcmp(perr("upstream http://a:1 http://b:1\n"),
		      "t:1: takes one argument: 'upstream'"));
	CHECK(!strcmp(perr("upstream-except 10.0.0.0/8\n"),
		      "t: upstream-except without upstream"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream-auth-file /x\n"
			   "upstream-auth-env X\n"),
		      "t: both upstream-auth-file and upstream-auth-env"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream-auth-env 1X\n"),
		      "t:2: bad environment name: '1X'"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream-auth-env HOME\n"),
		      "t: upstream-auth-env names a variable env passes to the "
		      "command: 'HOME'"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream-auth-env X\nenv X=1\n"),
		      "t: upstream-auth-env names a variable env passes to the "
		      "command: 'X'"));
	CHECK(!strcmp(perr("upstream http://a:1\nupstream-auth-env X\nenv XY=1\n"),
		      "OK"));

	CHECK(!strcmp(perr("upstream http://a:1\nallow 0.0.0.0/0:443\n"
			   "upstream-except 10.0.0.0/8 *.corp db.example fd00::/8 "
			   "[fe80::1] 192.0.2.1 git.example:22\n"
			   "direct pg.example:5432\n"), "OK"));
	CHECK(P.nup_except == 7);
	CHECK(policy_via_upstream(&P, "example.com", NULL, 443));
	CHECK(!policy_via_upstream(&P, "x.corp", NULL, 443));
	CHECK(policy_via_upstream(&P, "corp", NULL, 443));
	CHECK(!policy_via_upstream(&P, "db.example", NULL, 1));
	CHECK(!policy_via_upstream(&P, "git.example", NULL, 22));
	CHECK(policy_via_upstream(&P, "git.example", NULL, 443));
	CHECK(!policy_via_upstream(&P, "pg.example", NULL, 5432));
	CHECK(policy_via_upstream(&P, "pg.example", NULL, 443));
	ip_parse("10.9.8.7", 8, &ip);
	CHECK(!policy_via_upstream(&P, "10.9.8.7", &ip, 443));
	ip_parse("192.0.2.1", 9, &ip);
	CHECK(!policy_via_upstream(&P, "192.0.2.1", &ip, 1));
	ip_parse("203.0.113.9", 11, &ip);
	CHECK(policy_via_upstream(&P, "203.0.113.9", &ip, 443));
	ip_parse("fd00::5", 7, &ip);
	CHECK(!policy_via_upstream(&P, "fd00::5", &ip, 443));
	{
		static char t1[65536], t2[65536];
		static struct policy q;

		CHECK(policy_format(&P, t1, sizeof(t1)) > 0);
		CHECK(strstr(t1, "upstream http://a:1\n") != NULL);
		CHECK(strstr(t1, "upstream-except *.corp:*\n") != NULL);
		policy_init(&q);
		CHECK(policy_parse(&q, t1, "f", &E) == 0);
		CHECK(policy_format(&q, t2, sizeof(t2)) > 0 && !strcmp(t1, t2));
	}
	policy_init(&P);
	CHECK(!policy_via_upstream(&P, "example.com", NULL, 443));

	if (fails)
		fprintf(stderr, "upstream_test: %d failed\n", fails);
	return fails != 0;
}
