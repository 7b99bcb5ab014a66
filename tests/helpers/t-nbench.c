/* tests/helpers/t-nbench.c - the costs the supervisor adds, measured from
 * inside (scripts/bench-notify.sh runs it confined and not).
 *   t-nbench connect IP PORT N   median ns of socket()+connect()+close()
 *   t-nbench socket N            median ns of socket()+close()
 *   t-nbench stream IP PORT MB   MB/s written on one connection (to a sink)
 * The medians are over 15 rounds of N/15 operations each. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 15

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void addr(const char *ip, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	inet_pton(AF_INET, ip, &a->sin_addr);
}

int main(int argc, char **argv)
{
	double r[ROUNDS];
	struct sockaddr_in a;

	if (argc == 5 && !strcmp(argv[1], "connect")) {
		int n = atoi(argv[4]) / ROUNDS;

		addr(argv[2], argv[3], &a);
		for (int k = 0; k < ROUNDS; k++) {
			double t0 = now();

			for (int i = 0; i < n; i++) {
				int fd = socket(AF_INET, SOCK_STREAM, 0);

				if (fd < 0 || connect(fd, (struct sockaddr *)&a,
						      sizeof(a)) < 0) {
					perror("t-nbench: connect");
					return 1;
				}
				close(fd);
			}
			r[k] = (now() - t0) / n;
		}
	} else if (argc == 3 && !strcmp(argv[1], "socket")) {
		int n = atoi(argv[2]) / ROUNDS;

		for (int k = 0; k < ROUNDS; k++) {
			double t0 = now();

			for (int i = 0; i < n; i++) {
				int fd = socket(AF_INET, SOCK_STREAM, 0);

				if (fd < 0) {
					perror("t-nbench: socket");
					return 1;
				}
				close(fd);
			}
			r[k] = (now() - t0) / n;
		}
	} else if (argc == 5 && !strcmp(argv[1], "stream")) {
		static char buf[1 << 16];
		long total = atol(argv[4]) << 20;
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		addr(argv[2], argv[3], &a);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a,
				      sizeof(a)) < 0) {
			perror("t-nbench: connect");
			return 1;
		}
		for (int k = 0; k < ROUNDS; k++) {
			double t0 = now();

			for (long done = 0; done < total / ROUNDS;) {
				ssize_t w = write(fd, buf, sizeof(buf));

				if (w < 0) {
					perror("t-nbench: write");
					return 1;
				}
				done += w;
			}
			r[k] = (total / ROUNDS) / ((now() - t0) / 1e9) / 1e6;
		}
	} else {
		fprintf(stderr, "usage: t-nbench connect IP PORT N | socket N |"
			" stream IP PORT MB\n");
		return 2;
	}
	qsort(r, ROUNDS, sizeof(r[0]), cmp);
	printf("%.0f\n", r[ROUNDS / 2]);
	return 0;
}
