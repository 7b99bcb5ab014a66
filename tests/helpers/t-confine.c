/* tests/helpers/t-confine.c - the helpers' self-confinement, tried for
 * real: confine this process as the proxy or the supervisor confines
 * itself (lib/filter.c sc_confine_helper, lib/landlock.c landlock_helper),
 * then attempt what a hijacked helper would.
 * usage: t-confine none|proxy|super WHAT [ARG]
 *   fork             a call outside both allow-lists: 159 and an event
 *   exec PATH        likewise (execve)
 *   open PATH        the proxy's Landlock: no file (EACCES)
 *   connect PORT OK  the proxy's Landlock: TCP connect to 127.0.0.1:PORT,
 *                    with OK the only port its policy names
 *   loop             the allowed calls still work (a socket, a pipe) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "filter.h"
#include "landlock.h"

static int out(int e)
{
	printf("%s\n", e ? strerrorname_np(e) : "ok");
	return e ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *what;
	uint16_t port;
	int r, fd;

	if (argc < 3)
		return 2;
	what = argv[2];
	port = argc > 4 ? (uint16_t)atoi(argv[4]) : 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (strcmp(argv[1], "none")) {
		int super = !strcmp(argv[1], "super");

		if (!super) {
			const char *ll;

			r = landlock_helper(&port, 1, 0, NULL, &ll);
			if (r < 0)
				return out(-r);
		}
		r = sc_confine_helper(super ? SC_SUPER : SC_PROXY, 1);
		if (r < 0)
			return out(-r);
	}
	if (!strcmp(what, "fork")) {
		pid_t k = fork();

		if (k == 0)
			_exit(0);
		if (k > 0)
			waitpid(k, NULL, 0);
		return out(k < 0 ? errno : 0);
	}
	if (!strcmp(what, "exec") && argc > 3) {
		execl(argv[3], argv[3], (char *)NULL);
		return out(errno);
	}
	if (!strcmp(what, "open") && argc > 3) {
		fd = open(argv[3], O_RDONLY | O_CLOEXEC);
		return out(fd < 0 ? errno : 0);
	}
	if (!strcmp(what, "connect") && argc > 3) {
		struct sockaddr_in a = { .sin_family = AF_INET };

		a.sin_port = htons((uint16_t)atoi(argv[3]));
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return out(errno);
		return out(connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ?
			   errno : 0);
	}
	if (!strcmp(what, "loop")) {
		int p[2];

		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || pipe2(p, O_CLOEXEC) < 0)
			return out(errno);
		return out(0);
	}
	return 2;
}
