/* tests/helpers/t-dnsbench.c - DNS lookups timed (scripts/bench-dns.sh).
 *   t-dnsbench serve PORTFILE    a local resolver on 127.0.0.1 (UDP), a free
 *                                port written to PORTFILE; it answers with
 *                                sb's own answerer (lib/dnsd.c) from a pin
 *                                table holding bench.test, so that the two
 *                                sides of the comparison build the same
 *                                answers
 *   t-dnsbench lookup IP PORT N  N lookups of bench.test (A), each as glibc
 *                                makes it: socket, IP_RECVERR, connect,
 *                                send, poll, recvfrom with an address,
 *                                close; prints "us_per_lookup N" */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dns.h"
#include "dnsd.h"

static int serve(const char *portfile)
{
	static struct pin_table pins;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct policy pol;
	FILE *f;
	int fd;

	policy_init(&pol);
	memcpy(pins.pins[0].host, "bench.test", 11);
	pins.pins[0].nips = 1;
	pins.pins[0].ips[0].family = 4;
	memcpy(pins.pins[0].ips[0].a, "\x0b\x16\x21\x2c", 4);
	pins.n = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) < 0)
		return 1;
	f = fopen(portfile, "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	for (;;) {
		uint8_t q[DNSD_MSG_MAX], out[DNSD_MSG_MAX];
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		struct dnsd_info in;
		ssize_t n = recvfrom(fd, q, sizeof(q), 0,
				     (struct sockaddr *)&peer, &pl);
		int len;

		if (n < 0)
			continue;
		len = dnsd_answer(&pol, &pins, q, (size_t)n, 0, out,
				  sizeof(out), &in);
		if (len > 0)
			(void)sendto(fd, out, (size_t)len, 0,
				     (struct sockaddr *)&peer, pl);
	}
}

static int lookup(const char *ip, int port, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timespec t0, t1;
	uint8_t q[DNS_QUERY_MAX], ans[512];
	int one = 1;

	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct pollfd p;
		int fd, ql;
		ssize_t k;

		ql = dns_query_build(q, sizeof(q), (uint16_t)i, "bench.test",
				     DNS_T_A);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0 || ql < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one,
			       sizeof(one)) < 0 ||
		    connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    send(fd, q, (size_t)ql, 0) != ql) {
			fprintf(stderr, "t-dnsbench: %s\n", strerror(errno));
			return 1;
		}
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 2000) != 1 ||
		    (k = recvfrom(fd, ans, sizeof(ans), 0,
				  (struct sockaddr *)&from, &fl)) < 12 ||
		    from.sin_port != a.sin_port ||
		    from.sin_addr.s_addr != a.sin_addr.s_addr) {
			fprintf(stderr, "t-dnsbench: no answer from %s:%d\n",
				ip, port);
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("us_per_lookup %.1f\n", ((t1.tv_sec - t0.tv_sec) * 1e9 +
					(t1.tv_nsec - t0.tv_nsec)) / 1e3 / n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "lookup"))
		return lookup(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: t-dnsbench serve PORTFILE | lookup IP PORT N\n");
	return 2;
}
