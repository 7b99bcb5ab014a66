/* tests/helpers/t-attack.c - one escape attempt per invocation.
 * Prints "ok" when the attempt worked, else the errno's name (EACCES,
 * EPERM, ...); dies by a signal when the kernel kills it. The tests run
 * each attack unconfined first (it must print ok: the positive control),
 * then confined. usage: t-attack ATTACK [ARG...] */
#include <stddef.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

static int report(long r)
{
	if (r >= 0) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 1;
}

static int sa4(struct sockaddr_in *a, const char *ip, const char *port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static int do_connect(char **v)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a;
	int fd;

	if (strchr(v[0], ':')) {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)atoi(v[1]));
		inet_pton(AF_INET6, v[0], &a6.sin6_addr);
		fd = socket(AF_INET6, SOCK_STREAM, 0);
		if (fd < 0)
			return report(fd);
		return report(connect(fd, (struct sockaddr *)&a6, sizeof(a6)));
	}
	sa4(&a, v[0], v[1]);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return report(fd);
	return report(connect(fd, (struct sockaddr *)&a, sizeof(a)));
}

static int do_bind(char **v)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return report(fd);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa4(&a, "127.0.0.1", v[0]);
	return report(bind(fd, (struct sockaddr *)&a, sizeof(a)));
}

static int do_listen(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return report(fd);
	return report(listen(fd, 1));   /* autobinds a random port */
}

static int do_abstract(char **v)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	size_t n = strlen(v[0]);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path + 1, v[0], n);
	return report(connect(fd, (struct sockaddr *)&a,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)));
}

static int do_tfo(char **v)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa4(&a, v[0], v[1]);
	return report(sendto(fd, "TFO", 3, MSG_FASTOPEN, (struct sockaddr *)&a,
			     sizeof(a)));
}

/* socketcall(SYS_SOCKET, {AF_INET, SOCK_STREAM, 0}) through int $0x80. */
static int do_int80(void)
{
	/* The arguments must sit below 4 GiB for the 32-bit entry. */
	unsigned int *args = mmap(0, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long r;

	if (args == MAP_FAILED)
		return report(-1);
	args[0] = AF_INET;
	args[1] = SOCK_STREAM;
	args[2] = 0;
	__asm__ volatile("int $0x80" : "=a"(r)
			 : "a"(102), "b"(1), "c"(args) : "memory");
	if (r < 0) {
		errno = (int)-r;
		return report(-1);
	}
	return report(r);
}

static int do_x32(void)
{
	return report(syscall(0x40000000 | SYS_socket, AF_INET, SOCK_STREAM, 0));
}

static int do_clone3(void)
{
	struct clone_args ca;
	long r;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, 0, 0);
	return report(r);
}

static int do_clone_newnet(void)
{
	long r = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);

	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, 0, 0);
	return report(r);
}

static int do_vmwrite(void)
{
	char src[8] = "attack", dst[8] = "";
	struct iovec l = { src, sizeof(src) }, r = { dst, sizeof(dst) };

	return report(process_vm_writev(getpid(), &l, 1, &r, 1, 0));
}

static int do_ptrace(char **v)
{
	pid_t p = (pid_t)atoi(v[0]);
	long r = ptrace(PTRACE_SEIZE, p, 0, 0);

	if (r == 0)
		ptrace(PTRACE_DETACH, p, 0, 0);
	return report(r);
}

static int do_iouring(void)
{
	char params[120];
	long fd;

	memset(params, 0, sizeof(params));
	fd = syscall(SYS_io_uring_setup, 1, params);
	return report(fd);
}

static int do_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int first = 1;

	if (!d)
		return report(-1);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		printf("%s%s", first ? "" : " ", e->d_name);
		first = 0;
	}
	printf("\n");
	return 0;
}

/* A thread flips fd 100 between an AF_UNIX and a TCP socket while the
 * main thread connects it to IP:PORT: a supervisor that answers CONTINUE
 * for AF_UNIX would let the kernel connect the TCP socket. Prints how many
 * of TRIES connects succeeded. */
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

/* Are orphans re-parented to our parent (a subreaper) and reaped? */
static int do_orphan(void)
{
	pid_t me = getppid(), c, g = 0;
	int p[2], st;
	char buf[64];

	if (pipe(p) < 0)
		return report(-1);
	c = fork();
	if (c == 0) {
		g = fork();
		if (g == 0) {
			usleep(100000);
			dprintf(p[1], "%d %d", getpid(), getppid() == me);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(c, &st, 0);
	close(p[1]);
	memset(buf, 0, sizeof(buf));
	if (read(p[0], buf, sizeof(buf) - 1) <= 0)
		return report(-1);
	sscanf(buf, "%d %d", &g, &st);
	usleep(300000);
	printf("reparented=%d reaped=%d\n", st, kill(g, 0) < 0 && errno == ESRCH);
	return 0;
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";
	char **v = argv + 2;

	setvbuf(stdout, 0, _IONBF, 0);
	if (!strcmp(a, "connect") && argc == 4)
		return do_connect(v);
	if (!strcmp(a, "bind") && argc == 3)
		return do_bind(v);
	if (!strcmp(a, "listen"))
		return do_listen();
	if (!strcmp(a, "abstract") && argc == 3)
		return do_abstract(v);
	if (!strcmp(a, "kill") && argc == 3)
		return report(kill(atoi(v[0]), 0));
	if (!strcmp(a, "ptrace") && argc == 3)
		return do_ptrace(v);
	if (!strcmp(a, "vmwrite"))
		return do_vmwrite();
	if (!strcmp(a, "io_uring"))
		return do_iouring();
	if (!strcmp(a, "socket") && argc == 5)
		return report(socket(atoi(v[0]), atoi(v[1]), atoi(v[2])));
	if (!strcmp(a, "tfo") && argc == 4)
		return do_tfo(v);
	if (!strcmp(a, "int80"))
		return do_int80();
	if (!strcmp(a, "x32"))
		return do_x32();
	if (!strcmp(a, "unshare"))
		return report(unshare(CLONE_NEWUSER));
	if (!strcmp(a, "clone-newnet"))
		return do_clone_newnet();
	if (!strcmp(a, "clone3"))
		return do_clone3();
	if (!strcmp(a, "memfd"))
		return report(memfd_create("x", 0));
	if (!strcmp(a, "dumpable"))
		return report(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
	if (!strcmp(a, "euid"))
		return printf("%d\n", geteuid()) < 0;
	if (!strcmp(a, "fds"))
		return do_fds();
	if (!strcmp(a, "unixrace") && argc == 5)
		return do_unixrace(v);
	if (!strcmp(a, "orphan"))
		return do_orphan();
	if (!strcmp(a, "write") && argc == 3)
		return report(open(v[0], O_WRONLY | O_CREAT | O_TRUNC, 0644));
	if (!strcmp(a, "read") && argc == 3)
		return report(open(v[0], O_RDONLY));
	fprintf(stderr, "usage: t-attack ATTACK [ARG...]\n");
	return 2;
}
