/* tests/unit/sha256_test.c - lib/sha256.c against the FIPS 180-4 / NIST
 * vectors; a property test (any split of the input into update() calls
 * gives the one-shot digest; one changed bit changes it); its cost per
 * MiB; and lib/ident.c's pins (first use, held, content swap, other
 * inode, the cache) and lib/from.c's globs and "from" parsing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"
#include "policy.h"
#include "sha256.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

static const char *hex(const void *d, size_t n)
{
	static char out[65];
	uint8_t md[SHA256_LEN];

	sha256(d, n, md);
	sha256_hex(md, out);
	return out;
}

static uint32_t rnd = 12345;
static uint32_t next(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

static void vectors(void)
{
	static const char abc448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char abc896[] =
		"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char *m = malloc(1000000);

	CHECK(!strcmp(hex("", 0), "e3b0c44298fc1c149afbf4c8996fb924"
				  "27ae41e4649b934ca495991b7852b855"));
	CHECK(!strcmp(hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223"
				     "b00361a396177a9cb410ff61f20015ad"));
	CHECK(!strcmp(hex(abc448, 56), "248d6a61d20638b8e5c026930c3e6039"
				       "a33ce45964ff2167f6ecedd419db06c1"));
	CHECK(!strcmp(hex(abc896, 112), "cf5b16a778af8380036ce59e7b049237"
					"0b249b11e8f07a51afac45037afee9d1"));
	memset(m, 'a', 1000000);
	CHECK(!strcmp(hex(m, 1000000), "cdc76e5c9914fb9281a1c7e284d73e67"
				       "f1809a48a497200e046d39ccc7112cd0"));
	/* Lengths around the padding boundary (55, 56, 63, 64 bytes). */
	CHECK(!strcmp(hex(m, 55), "9f4390f8d30c2dd92ec9f095b65e2b9a"
				  "e9b0a925a5258e241c9f1e910f734318"));
	CHECK(!strcmp(hex(m, 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f"
				  "590ce20f1bde7090ef7970686ec6738a"));
	CHECK(!strcmp(hex(m, 64), "ffe054fe7ae0cb6dc65c3af9b61d5209"
				  "f439851db43d0ba5997337df154668eb"));
	free(m);
}

static void property(void)
{
	uint8_t *m = malloc(5000), one[SHA256_LEN], two[SHA256_LEN];

	for (int t = 0; t < 300; t++) {
		size_t n = next() % 5000, at = 0;
		struct sha256 s;

		for (size_t i = 0; i < n; i++)
			m[i] = (uint8_t)next();
		sha256(m, n, one);
		sha256_init(&s);
		while (at < n) {
			size_t k = next() % 130;

			if (k > n - at)
				k = n - at;
			sha256_update(&s, m + at, k);
			at += k;
		}
		sha256_final(&s, two);
		CHECK(!memcmp(one, two, SHA256_LEN));
		if (n) {
			size_t bit = next() % (n * 8);

			m[bit / 8] ^= (uint8_t)(1 << bit % 8);
			sha256(m, n, two);
			CHECK(memcmp(one, two, SHA256_LEN));
		}
	}
	free(m);
}

static void cost(void)
{
	size_t n = 16 << 20;
	uint8_t *m = calloc(1, n), md[SHA256_LEN];
	struct timespec a, b;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	sha256(m, n, md);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 +
	     (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	printf("sha256: %.2f ms per MiB (unit-test build, -O1 + sanitizers)\n",
	       ms / 16);
	free(m);
}

static void globs(void)
{
	CHECK(policy_glob("/usr/bin/git", "/usr/bin/git"));
	CHECK(!policy_glob("/usr/bin/git", "/usr/bin/gitk"));
	CHECK(policy_glob("/usr/lib/git-core/*", "/usr/lib/git-core/git"));
	CHECK(!policy_glob("/usr/lib/git-core/*", "/usr/lib/git-core/a/b"));
	CHECK(policy_glob("/usr/bin/python3*", "/usr/bin/python3.11"));
	CHECK(policy_glob("/opt/*/bin/tool", "/opt/x/bin/tool"));
	CHECK(!policy_glob("/opt/*/bin/tool", "/opt/x/y/bin/tool"));
	CHECK(policy_glob("/a/*x*y", "/a/1x2x3y"));
	CHECK(!policy_glob("/a/*", "/a"));
	CHECK(policy_glob("/a/*", "/a/"));   /* the kernel never says it */
	CHECK(!policy_glob("/a/b", "/a/b (deleted)"));
}

static void from(void)
{
	static struct policy p;
	struct policy_err e;
	struct sb_ip ip = { 4, { 10, 1, 2, 3 } };
	char out[8192];

	policy_init(&p);
	CHECK(policy_parse(&p, "allow github.com:443 from /usr/bin/git "
			   "/usr/lib/git-core/*\nallow example.com:443\n"
			   "direct 10.0.0.0/8:5432 from /usr/bin/psql\n",
			   "t", &e) == 0);
	CHECK(p.nallow == 1 && p.nfrom == 2 && p.nbins == 3);
	/* Unaware callers never see a from entry: fail closed. */
	CHECK(!policy_allows_host(&p, "github.com", 443));
	CHECK(!policy_allows_host_by(&p, NULL, "github.com", 443));
	CHECK(!policy_allows_host_by(&p, "/usr/bin/curl", "github.com", 443));
	CHECK(policy_allows_host_by(&p, "/usr/bin/git", "github.com", 443));
	CHECK(policy_allows_host_by(&p, "/usr/lib/git-core/git-remote-http",
				    "github.com", 443));
	CHECK(policy_allows_host_by(&p, NULL, "example.com", 443));
	CHECK(!policy_direct_ip_by(&p, "/usr/bin/git", &ip, 5432));
	CHECK(policy_direct_ip_by(&p, "/usr/bin/psql", &ip, 5432));
	CHECK(policy_names_ip_by(&p, "/usr/bin/psql", POL_DIRECT, NULL, &ip,
				 5432));
	CHECK(!policy_names_ip_by(&p, "/usr/bin/git", POL_DIRECT, NULL, &ip,
				  5432));
	CHECK(policy_host_for(&p, "/usr/bin/git", "github.com"));
	CHECK(!policy_host_for(&p, "/usr/bin/curl", "github.com"));
	CHECK(!policy_host_for(&p, NULL, "github.com"));
	CHECK(policy_host_for(&p, NULL, "example.com"));
	CHECK(policy_bin_listed(&p, "/usr/bin/git"));
	CHECK(!policy_bin_listed(&p, "/usr/bin/curl"));
	CHECK(policy_allows_host_by(&p, POLICY_ANY_EXE, "github.com", 443));
	/* Round trip. */
	CHECK(policy_format(&p, out, sizeof(out)) > 0);
	CHECK(strstr(out, "allow github.com:443 from /usr/bin/git "
		     "/usr/lib/git-core/*\n") != NULL);
	{
		static struct policy q;

		policy_init(&q);
		CHECK(policy_parse(&q, out, "fmt", &e) == 0);
		CHECK(q.nfrom == p.nfrom && q.nbins == p.nbins &&
		      !memcmp(q.from, p.from, sizeof(p.from)) &&
		      !memcmp(q.from_bins, p.from_bins, sizeof(p.from_bins)));
	}
	/* As a flag, through the same parser. */
	policy_init(&p);
	CHECK(policy_directive(&p, "allow", "github.com:443 from /usr/bin/git",
			       &e) == 0 && p.nfrom == 1);
	/* Mistakes. */
	policy_init(&p);
	CHECK(policy_parse(&p, "allow from /usr/bin/git\n", "t", &e) < 0);
	CHECK(policy_parse(&p, "allow a.b:443 from\n", "t", &e) < 0);
	CHECK(policy_parse(&p, "allow a.b:443 from git\n", "t", &e) < 0);
	CHECK(policy_parse(&p, "allow a.b:443 from /a/../b\n", "t", &e) < 0);
	CHECK(policy_parse(&p, "allow a.b:443 from /a from /b\n", "t", &e) < 0);
	CHECK(policy_parse(&p, "direct a.b from /a\n", "t", &e) < 0);
}

static void pins(void)
{
	static struct ident id;
	char dir[] = "/tmp/sbidentXXXXXX", a[64], b[64];
	struct ident_who w;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(a, sizeof(a), "%s/tool", dir);
	snprintf(b, sizeof(b), "%s/tool.new", dir);
	ident_init(&id);
	fd = open(a, O_RDWR | O_CREAT | O_TRUNC, 0755);
	CHECK(write(fd, "one", 3) == 3);
	memset(&w, 0, sizeof(w));
	strcpy(w.exe, a);
	ident_check_fd(&id, fd, &w);
	CHECK(w.state == IDENT_HELD && id.npins == 1 && id.hashes == 1);
	ident_check_fd(&id, fd, &w);
	CHECK(w.state == IDENT_HELD && id.hashes == 1 && id.hits == 1);
	/* Same inode, other content (cp over it). */
	CHECK(pwrite(fd, "two", 3, 0) == 3);
	ident_check_fd(&id, fd, &w);
	CHECK(w.state == IDENT_BROKEN && id.hashes == 2);
	CHECK(pwrite(fd, "one", 3, 0) == 3);
	ident_check_fd(&id, fd, &w);
	CHECK(w.state == IDENT_HELD);   /* the pinned content again */
	close(fd);
	/* Another inode at the path, same content (mv over it). */
	fd = open(b, O_RDWR | O_CREAT | O_TRUNC, 0755);
	CHECK(write(fd, "one", 3) == 3);
	CHECK(rename(b, a) == 0);
	ident_check_fd(&id, fd, &w);
	CHECK(w.state == IDENT_BROKEN);
	CHECK(ident_exe(&w) == NULL);
	close(fd);
	unlink(a);
	rmdir(dir);
}

int main(void)
{
	vectors();
	property();
	cost();
	globs();
	from();
	pins();
	if (fails)
		fprintf(stderr, "sha256_test: %d failed\n", fails);
	return fails != 0;
}
