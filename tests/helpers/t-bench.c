/* tests/helpers/t-bench.c - run a command N times (fork, exec, wait) and
 * print the median and the 10th/90th percentiles of its wall time in
 * microseconds: "median p10 p90". usage: t-bench N CMD [ARG...] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	double *t;

	if (n <= 0) {
		fprintf(stderr, "usage: t-bench N CMD [ARG...]\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		int st;
		pid_t p;

		clock_gettime(CLOCK_MONOTONIC, &a);
		p = fork();
		if (p == 0) {
			int null = open("/dev/null", O_WRONLY);

			/* Only the timing is wanted, not the output. */
			dup2(null, 1);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		waitpid(p, &st, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "t-bench: %s failed\n", argv[2]);
			return 1;
		}
		t[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
		       (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%.0f %.0f %.0f\n", t[n / 2], t[n / 10], t[n * 9 / 10]);
	return 0;
}
