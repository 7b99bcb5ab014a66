/* tests/helpers/t-nserve.c - listeners outside the sandbox that record what
 * reaches them. Binds every ADDR at one port (-p PORT, or one picked for
 * all), prints the port, then serves in the background until killed:
 * each connection logs "accept ADDR" (the local address it reached) and,
 * at its end, "eof ADDR"; its bytes are echoed back (or dropped, --sink).
 *
 * usage: t-nserve [-o LOG] [-p PORT] [-P PIDFILE] [--sink] [--full FILE]
 *                 ADDR...
 *   --full FILE  a listen queue of one, kept full by a connection of our
 *                own until FILE exists: a connect() meanwhile sees its SYN
 *                dropped and retried a second later. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXL 8
#define MAXC 1024

struct conn {
	int fd;
	char addr[64];
};

static int logfd = -1;

static void logline(const char *what, const char *addr)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%s %s\n", what, addr);

	if (logfd >= 0 && write(logfd, line, (size_t)n) < 0)
		perror("t-nserve: log");
}

static int make_addr(const char *ip, int port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *b = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &b->sin6_addr) == 1) {
		b->sin6_family = AF_INET6;
		b->sin6_port = htons((uint16_t)port);
		*len = sizeof(*b);
		return 0;
	}
	return -1;
}

static void local_name(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	out[0] = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out,
			  (socklen_t)cap);
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			  out, (socklen_t)cap);
}

int main(int argc, char **argv)
{
	const char *log = NULL, *pidfile = NULL, *full = NULL;
	int port = 0, sink = 0, nl = 0, i, one = 1, self = -1;
	int lfd[MAXL];
	static struct conn c[MAXC];
	static struct pollfd pf[MAXL + MAXC];
	pid_t pid;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			log = argv[++i];
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-P") && i + 1 < argc)
			pidfile = argv[++i];
		else if (!strcmp(argv[i], "--sink"))
			sink = 1;
		else if (!strcmp(argv[i], "--full") && i + 1 < argc)
			full = argv[++i];
		else
			break;
	}
	if (i >= argc || argc - i > MAXL) {
		fprintf(stderr, "usage: t-nserve [-o LOG] [-p PORT] "
			"[-P PIDFILE] [--sink] [--full FILE] ADDR...\n");
		return 2;
	}
	for (int tries = 0; tries < 50; tries++) {
		int p = port;

		for (nl = 0; nl < argc - i; nl++) {
			struct sockaddr_storage ss;
			socklen_t len;
			int fd;

			if (make_addr(argv[i + nl], p, &ss, &len) < 0) {
				fprintf(stderr, "t-nserve: bad address %s\n",
					argv[i + nl]);
				return 2;
			}
			fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC,
				    0);
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
				   sizeof(one));
			if (ss.ss_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
					   sizeof(one));
			if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0 ||
			    listen(fd, full ? 0 : 512) < 0) {
				if (fd >= 0)
					close(fd);
				break;
			}
			len = sizeof(ss);
			getsockname(fd, (struct sockaddr *)&ss, &len);
			p = ntohs(ss.ss_family == AF_INET ?
				  ((struct sockaddr_in *)&ss)->sin_port :
				  ((struct sockaddr_in6 *)&ss)->sin6_port);
			lfd[nl] = fd;
		}
		if (nl == argc - i) {
			port = p;
			break;
		}
		while (nl-- > 0)
			close(lfd[nl]);
		if (port) {
			perror("t-nserve: bind");
			return 1;
		}
	}
	if (nl != argc - i) {
		fprintf(stderr, "t-nserve: no common port\n");
		return 1;
	}
	if (log && (logfd = open(log, O_WRONLY | O_CREAT | O_APPEND |
				 O_CLOEXEC, 0666)) < 0) {
		perror(log);
		return 1;
	}
	if (full) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(lfd[0], (struct sockaddr *)&ss, &len);
		self = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(self, (struct sockaddr *)&ss, len) < 0) {
			perror("t-nserve: filling the queue");
			return 1;
		}
	}
	printf("%d\n", port);
	fflush(stdout);
	pid = fork();
	if (pid != 0) {
		if (pidfile) {
			FILE *f = fopen(pidfile, "w");

			if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f))
				perror(pidfile);
		}
		return pid < 0;
	}
	setsid();
	freopen("/dev/null", "w", stdout);
	signal(SIGPIPE, SIG_IGN);
	for (int k = 0; k < MAXC; k++)
		c[k].fd = -1;
	for (;;) {
		int np = 0;

		if (full && access(full, F_OK) == 0) {
			full = NULL;
			close(self);
		}
		for (int k = 0; k < nl; k++, np++) {
			pf[np].fd = full ? -1 : lfd[k];
			pf[np].events = POLLIN;
		}
		for (int k = 0; k < MAXC; k++, np++) {
			pf[np].fd = c[k].fd;
			pf[np].events = POLLIN;
		}
		if (poll(pf, (nfds_t)np, full ? 20 : 1000) < 0 && errno != EINTR)
			return 1;
		for (int k = 0; k < nl; k++) {
			int fd, slot;

			if (!(pf[k].revents & POLLIN))
				continue;
			fd = accept4(lfd[k], NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			for (slot = 0; slot < MAXC && c[slot].fd >= 0; slot++)
				;
			if (slot == MAXC) {
				close(fd);
				continue;
			}
			c[slot].fd = fd;
			local_name(fd, c[slot].addr, sizeof(c[slot].addr));
			logline("accept", c[slot].addr);
		}
		for (int k = 0; k < MAXC; k++) {
			char buf[65536];
			ssize_t n;

			if (c[k].fd < 0 || !(pf[nl + k].revents &
					     (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(c[k].fd, buf, sizeof(buf));
			if (n > 0 && !sink && write(c[k].fd, buf, (size_t)n) < 0)
				n = -1;
			if (n > 0)
				continue;
			logline(n == 0 ? "eof" : "reset", c[k].addr);
			close(c[k].fd);
			c[k].fd = -1;
		}
	}
}
