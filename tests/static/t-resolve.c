/* tests/static/t-resolve.c - musl's stub resolver, statically linked:
 * t-resolve NAME... prints "NAME ADDR..." (sorted) or "NAME notfound" /
 * "NAME error TEXT" for each, through getaddrinfo() (A and AAAA from the
 * nameservers of /etc/resolv.conf: socket(SOCK_DGRAM), bind, sendto,
 * recvfrom). tests/dns.test runs it inside the sandbox with "dns on". */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		struct addrinfo hints, *res, *p;
		char txt[32][64], *list[32];
		int n = 0, r;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		r = getaddrinfo(argv[i], NULL, &hints, &res);
		if (r == EAI_NONAME) {
			printf("%s notfound\n", argv[i]);
			continue;
		}
		if (r) {
			printf("%s error %s\n", argv[i], gai_strerror(r));
			bad = 1;
			continue;
		}
		for (p = res; p && n < 32; p = p->ai_next) {
			const void *a = p->ai_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;

			inet_ntop(p->ai_family, a, txt[n], sizeof(txt[n]));
			list[n] = txt[n];
			n++;
		}
		freeaddrinfo(res);
		qsort(list, (size_t)n, sizeof(list[0]), cmp);
		printf("%s", argv[i]);
		for (int k = 0; k < n; k++)
			printf(" %s", list[k]);
		printf("\n");
	}
	return bad;
}
