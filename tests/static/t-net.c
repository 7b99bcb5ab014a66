/* tests/static/t-net.c - the command under test in an empty root (the
 * scratch OCI bundle of make check-oci): static, no shell, no libc on the
 * image. Each action prints one line; exit 0 when what was asked worked,
 * 77 when it was refused with EACCES or EPERM, 1 otherwise.
 *   t-net connect IP PORT [MSG]  TCP connect (then send MSG, expect it back)
 *   t-net proxy HOST:PORT        CONNECT through $HTTPS_PROXY: the status
 *                                code, and "echo" when a tunnel echoes
 *   t-net orphans N              N grandchildren orphaned; after they exit,
 *                                the zombies left in /proc ("zombies=K")
 *   t-net sleep                  print "ready", then wait for a signal
 *   t-net id                     real and effective uid and gid
 *   t-net sys NR...              errno name (or "ok") of each syscall with
 *                                zero arguments: what the profile decides */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e)
{
	static const struct {
		int e;
		const char *n;
	} t[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EBADF, "EBADF" },
		{ EFAULT, "EFAULT" }, { EINVAL, "EINVAL" }, { EACCES, "EACCES" },
		{ ENOSYS, "ENOSYS" }, { ECONNREFUSED, "ECONNREFUSED" },
		{ ENETUNREACH, "ENETUNREACH" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EHOSTUNREACH, "EHOSTUNREACH" }, { ESRCH, "ESRCH" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { E2BIG, "E2BIG" },
		{ ENOMEM, "ENOMEM" }, { ECHILD, "ECHILD" }, { EAGAIN, "EAGAIN" },
		{ ECONNRESET, "ECONNRESET" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	};
	static char buf[16];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == e)
			return t[i].n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static int refused(int e)
{
	return e == EACCES || e == EPERM ? 77 : 1;
}

static int tcp(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 5, 0 };
	int s;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "t-net: bad address %s\n", ip);
		exit(2);
	}
	a.sin_port = htons((uint16_t)atoi(port));
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;

		close(s);
		return -e;
	}
	return s;
}

/* Send msg, expect it back. */
static int echo(int s, const char *msg)
{
	char buf[256];
	size_t n = strlen(msg), got = 0;

	if (write(s, msg, n) != (ssize_t)n)
		return 0;
	while (got < n) {
		ssize_t r = read(s, buf + got, sizeof(buf) - got);

		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return got == n && !memcmp(buf, msg, n);
}

static int do_connect(int argc, char **argv)
{
	int s = tcp(argv[2], argv[3]);

	if (s < 0) {
		printf("%s\n", en(-s));
		return refused(-s);
	}
	if (argc > 4) {
		int ok = echo(s, argv[4]);

		printf("%s\n", ok ? "echo" : "no echo");
		return ok ? 0 : 1;
	}
	printf("ok\n");
	return 0;
}

static int do_proxy(const char *dest)
{
	const char *px = getenv("HTTPS_PROXY");
	char ip[64], port[8], req[300], resp[512];
	size_t got = 0;
	int s, code;

	if (!px || sscanf(px, "http://%63[0-9.]:%7[0-9]", ip, port) != 2) {
		printf("no HTTPS_PROXY\n");
		return 1;
	}
	s = tcp(ip, port);
	if (s < 0) {
		printf("proxy %s\n", en(-s));
		return 1;
	}
	snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n",
		 dest, dest);
	if (write(s, req, strlen(req)) != (ssize_t)strlen(req))
		return 1;
	/* The head, byte by byte: nothing of the tunnel is read with it. */
	while (got + 1 < sizeof(resp)) {
		if (read(s, resp + got, 1) != 1)
			break;
		got++;
		if (got >= 4 && !memcmp(resp + got - 4, "\r\n\r\n", 4))
			break;
	}
	resp[got] = 0;
	if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1) {
		printf("bad response\n");
		return 1;
	}
	if (code != 200) {
		printf("%d\n", code);
		return 1;
	}
	printf("200 %s\n", echo(s, "ping\n") ? "echo" : "no echo");
	return 0;
}

static int zombies(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], buf[512], *p;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    p[1] == ' ' && p[2] == 'Z')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static int do_orphans(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t c = fork();

		if (c < 0)
			return 1;
		if (c == 0) {
			if (fork() == 0) {
				usleep(200000);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(c, NULL, 0);
	}
	usleep(1000000);   /* the grandchildren have exited by now */
	int z = zombies();
	printf("zombies=%d\n", z);
	return z == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(a, "connect") && argc >= 4)
		return do_connect(argc, argv);
	if (!strcmp(a, "proxy") && argc == 3)
		return do_proxy(argv[2]);
	if (!strcmp(a, "orphans") && argc == 3)
		return do_orphans(atoi(argv[2]));
	if (!strcmp(a, "sleep")) {
		printf("ready\n");
		for (;;)
			pause();
	}
	if (!strcmp(a, "id")) {
		printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(),
		       (int)geteuid(), (int)getgid(), (int)getegid());
		return 0;
	}
	if (!strcmp(a, "sys") && argc >= 3) {
		for (int i = 2; i < argc; i++) {
			long r = syscall(atol(argv[i]), 0, 0, 0, 0, 0, 0);

			printf("%s%s", i > 2 ? " " : "", r < 0 ? en(errno) : "ok");
		}
		printf("\n");
		return 0;
	}
	fprintf(stderr, "usage: t-net connect IP PORT [MSG] | proxy HOST:PORT | "
		"orphans N | sleep | id | sys NR...\n");
	return 2;
}
