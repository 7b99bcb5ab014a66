/* tests/helpers/t-sha256.c - lib/sha256.c on a file: "HEX CPU_MS_PER_MIB"
 * (the cost goes in the README). -n N: hash it N times.
 * t-sha256 --ident N: what rules per binary add to one connect() of a
 * listed binary, the hash cached: ident_of() on ourselves N times
 * (readlink and open of /proc/PID/exe, fstat, the pin, /proc/PID/maps),
 * "US_PER_CALL STATE". */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ident.h"

int main(int argc, char **argv)
{
	uint8_t md[SHA256_LEN];
	char hx[65];
	struct timespec a, b;
	uint64_t bytes = 0, total = 0;
	int times = 1, fd;

	if (argc == 3 && !strcmp(argv[1], "--ident")) {
		static struct policy p;
		static struct ident id;
		struct policy_err e;
		struct ident_who w;
		char exe[256], dir[300];
		ssize_t l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		int n = atoi(argv[2]);

		if (l <= 0)
			return 1;
		exe[l] = 0;
		snprintf(dir, sizeof(dir), "127.0.0.1:1 from %s", exe);
		policy_init(&p);
		if (policy_directive(&p, "direct", dir, &e) < 0)
			return 1;
		ident_init(&id);
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++)
			(void)ident_of(&id, &p, getpid(), NULL, NULL, &w);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%.1f %s (%u hashed)\n", ((double)(b.tv_sec - a.tv_sec) * 1e6 +
			(double)(b.tv_nsec - a.tv_nsec) / 1e3) / n,
		       ident_state_name(w.state), id.hashes);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "-n")) {
		times = atoi(argv[2]);
		argv += 2;
	} else if (argc != 2) {
		fprintf(stderr, "usage: t-sha256 [-n N] FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (int i = 0; i < times; i++) {
		if (ident_hash_fd(fd, md, &bytes) < 0)
			return 1;
		total += bytes;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	sha256_hex(md, hx);
	printf("%s %.3f\n", hx, ((double)(b.tv_sec - a.tv_sec) * 1e3 +
			       (double)(b.tv_nsec - a.tv_nsec) / 1e6) /
			      ((double)total / 1048576.0));
	return 0;
}
