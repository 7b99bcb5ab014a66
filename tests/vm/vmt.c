/* tests/vm/vmt.c - the VM's one static test helper (musl): attacks from
 * inside the sandbox and listeners outside it. An attack prints "ok" when
 * it worked, else the errno's name; a listener prints one line per
 * connection or datagram it gets. usage: vmt MODE [ARG...]
 *
 *   connect IP PORT       TCP connect
 *   udp IP PORT           one UDP datagram
 *   abstract NAME         connect to the abstract UNIX socket @NAME
 *   bind PORT | listen    TCP bind 127.0.0.1:PORT / listen() unbound
 *   truncate PATH         truncate(2) PATH to 0 bytes (no open for write)
 *   unixrace IP PORT N    N connects of an fd a thread flips between an
 *                         AF_UNIX and a TCP socket; prints the successes
 *   killsb                SIGKILL sb's helpers (the other children of the
 *                         sb process this one descends from); "killed N"
 *   tlisten IP PORT | ulisten IP PORT | alisten NAME   listeners
 *   asuser UID CMD...     run CMD as UID:UID without capabilities */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const struct { int e; const char *n; } names[] = {
	{ EACCES, "EACCES" }, { EPERM, "EPERM" }, { ENOSYS, "ENOSYS" },
	{ ECONNREFUSED, "ECONNREFUSED" }, { EINVAL, "EINVAL" },
	{ ENOENT, "ENOENT" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ ENETUNREACH, "ENETUNREACH" }, { EHOSTUNREACH, "EHOSTUNREACH" },
	{ EAFNOSUPPORT, "EAFNOSUPPORT" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
	{ EADDRINUSE, "EADDRINUSE" }, { EBADF, "EBADF" },
	{ ECONNRESET, "ECONNRESET" }, { EISCONN, "EISCONN" },
	{ ENOTSOCK, "ENOTSOCK" }, { ESRCH, "ESRCH" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" },
};

static int report(long r)
{
	if (r >= 0) {
		puts("ok");
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == errno) {
			puts(names[i].n);
			return 1;
		}
	printf("E%d\n", errno);
	return 1;
}

static void sa4(struct sockaddr_in *a, const char *ip, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	inet_pton(AF_INET, ip, &a->sin_addr);
}

static socklen_t sun_abs(struct sockaddr_un *a, const char *name)
{
	size_t n = strlen(name);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static int do_connect(char **v)
{
	struct sockaddr_in a;
	struct timeval tv = { 3, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return report(fd);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sa4(&a, v[0], v[1]);
	return report(connect(fd, (struct sockaddr *)&a, sizeof(a)));
}

static int do_udp(char **v)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return report(fd);
	sa4(&a, v[0], v[1]);
	return report(sendto(fd, "udp", 3, 0, (struct sockaddr *)&a,
			     sizeof(a)));
}

static int do_abstract(char **v)
{
	struct sockaddr_un a;
	socklen_t n = sun_abs(&a, v[0]);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return report(fd);
	return report(connect(fd, (struct sockaddr *)&a, n));
}

static int do_bind(char **v)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return report(fd);
	sa4(&a, "127.0.0.1", v[0]);
	return report(bind(fd, (struct sockaddr *)&a, sizeof(a)));
}

static int do_listen(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return report(fd);
	return report(listen(fd, 1));
}

static volatile int flip_stop, flip_runs;
static int flip_u, flip_t;

static void *flipper(void *arg)
{
	(void)arg;
	while (!flip_stop) {
		dup2(flip_u, 100);
		dup2(flip_t, 100);
		flip_runs++;
	}
	return 0;
}

static int do_unixrace(char **v)
{
	struct sockaddr_in a;
	int tries = atoi(v[2]), ok = 0;

	sa4(&a, v[0], v[1]);
	for (int i = 0; i < tries; i++) {
		pthread_t th;

		flip_t = socket(AF_INET, SOCK_STREAM, 0);
		flip_u = socket(AF_UNIX, SOCK_STREAM, 0);
		if (flip_t < 0 || flip_u < 0)
			return report(-1);
		dup2(flip_u, 100);
		flip_stop = 0;
		flip_runs = 0;
		pthread_create(&th, 0, flipper, 0);
		while (flip_runs < 2)
			;
		if (connect(100, (struct sockaddr *)&a, sizeof(a)) == 0)
			ok++;
		flip_stop = 1;
		pthread_join(th, 0);
		close(100);
		close(flip_t);
		close(flip_u);
	}
	printf("%d\n", ok);
	return 0;
}

/* /proc/PID/stat: the name between the parentheses and the ppid. */
static int proc_stat(int pid, char *comm, size_t n)
{
	char path[64], t[512], *l, *r;
	int fd, ppid = -1;
	ssize_t k;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	k = read(fd, t, sizeof(t) - 1);
	close(fd);
	if (k <= 0)
		return -1;
	t[k] = 0;
	l = strchr(t, '(');
	r = strrchr(t, ')');
	if (!l || !r || r < l)
		return -1;
	snprintf(comm, n, "%.*s", (int)(r - l - 1), l + 1);
	sscanf(r + 2, "%*c %d", &ppid);
	return ppid;
}

static int do_killsb(void)
{
	char comm[64];
	int sb = getppid(), killed = 0;
	struct dirent *e;
	DIR *d;

	/* The nearest ancestor named sb or sb-exec is sb-exec. */
	while (sb > 1) {
		int pp = proc_stat(sb, comm, sizeof(comm));

		if (!strncmp(comm, "sb", 2))
			break;
		sb = pp;
	}
	if (sb <= 1 || !(d = opendir("/proc"))) {
		puts("no sb-exec above us");
		return 1;
	}
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);

		if (pid <= 0 || proc_stat(pid, comm, sizeof(comm)) != sb ||
		    strncmp(comm, "sb", 2))
			continue;
		if (kill(pid, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	printf("killed %d\n", killed);
	usleep(300000);
	return 0;
}

static int listener(int fam, int type, char **v)
{
	struct sockaddr_un u;
	struct sockaddr_in a;
	struct sockaddr *sa = (struct sockaddr *)&a;
	socklen_t n = sizeof(a);
	int fd = socket(fam, type, 0), one = 1;
	char b[64];

	if (fam == AF_UNIX)
		n = sun_abs(&u, v[0]), sa = (struct sockaddr *)&u;
	else
		sa4(&a, v[0], v[1]);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, sa, n) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0))
		return report(-1);
	setvbuf(stdout, 0, _IOLBF, 0);
	puts("ready");
	for (;;) {
		if (type == SOCK_DGRAM) {
			if (recv(fd, b, sizeof(b), 0) >= 0)
				puts("dgram");
			continue;
		}
		int c = accept(fd, 0, 0);

		if (c >= 0) {
			puts("conn");
			close(c);
		}
	}
}

static int asuser(char **v)
{
	gid_t id = (gid_t)atoi(v[0]);

	if (setgroups(0, 0) < 0 || setresgid(id, id, id) < 0 ||
	    setresuid(id, id, id) < 0)
		return report(-1);
	execvp(v[1], v + 1);
	return report(-1);
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	char **v = argv + 2;

	setvbuf(stdout, 0, _IONBF, 0);
	if (!strcmp(m, "connect") && argc == 4)
		return do_connect(v);
	if (!strcmp(m, "udp") && argc == 4)
		return do_udp(v);
	if (!strcmp(m, "abstract") && argc == 3)
		return do_abstract(v);
	if (!strcmp(m, "bind") && argc == 3)
		return do_bind(v);
	if (!strcmp(m, "listen"))
		return do_listen();
	if (!strcmp(m, "truncate") && argc == 3)
		return report(truncate(v[0], 0));
	if (!strcmp(m, "unixrace") && argc == 5)
		return do_unixrace(v);
	if (!strcmp(m, "killsb"))
		return do_killsb();
	if (!strcmp(m, "tlisten") && argc == 4)
		return listener(AF_INET, SOCK_STREAM, v);
	if (!strcmp(m, "ulisten") && argc == 4)
		return listener(AF_INET, SOCK_DGRAM, v);
	if (!strcmp(m, "alisten") && argc == 3)
		return listener(AF_UNIX, SOCK_STREAM, v);
	if (!strcmp(m, "asuser") && argc >= 4)
		return asuser(v);
	fprintf(stderr, "usage: vmt MODE [ARG...] (see tests/vm/vmt.c)\n");
	return 2;
}
