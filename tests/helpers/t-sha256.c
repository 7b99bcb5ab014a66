/* tests/helpers/t-sha256.c - lib/sha256.c on a file: "HEX CPU_MS_PER_MIB"
 * (tests/binary.test compares HEX with sha256sum; the cost goes in the
 * README). -n N: hash it N times. */
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
