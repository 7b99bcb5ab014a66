/* tests/helpers/t-nattack.c - what a sandboxed program may try against the
 * supervisor. Each prints what happened and exits 77 when the attempt was
 * refused as it should be (EACCES unless said otherwise), 0 when a
 * legitimate operation worked, 1 otherwise.
 * usage: t-nattack ATTACK [ARG...] (see main) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *en(int e)
{
	const char *s = strerrorname_np(e);

	return s ? s : "E?";
}

/* IP literal + port into a sockaddr of its own family. */
static socklen_t mkaddr(const char *ip, const char *port,
			struct sockaddr_storage *ss)
{
	struct sockaddr_in *a = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *b = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &a->sin_addr) == 1) {
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(port));
		return sizeof(*a);
	}
	if (inet_pton(AF_INET6, ip, &b->sin6_addr) == 1) {
		b->sin6_family = AF_INET6;
		b->sin6_port = htons((uint16_t)atoi(port));
		return sizeof(*b);
	}
	fprintf(stderr, "t-nattack: bad address %s\n", ip);
	exit(2);
}

/* connect(); for a non-blocking socket wait for the outcome. 0 or errno. */
static int connect_wait(int fd, const struct sockaddr_storage *ss,
			socklen_t len)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int e = 0;
	socklen_t el = sizeof(e);

	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	if (poll(&p, 1, 10000) != 1)
		return ETIMEDOUT;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
	return e;
}

static int verdict(int e)
{
	puts(e ? en(e) : "ok");
	return e == 0 ? 0 : e == EACCES ? 77 : 1;
}

/* connect IP PORT [nb]: 0 connected, 77 EACCES */
static int do_connect(char **v, int nb)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | (nb ? SOCK_NONBLOCK : 0),
			0);

	if (fd < 0)
		return verdict(errno);
	return verdict(connect_wait(fd, &ss, len));
}

/* faildev IP PORT: a non-blocking connect() that fails after EINPROGRESS
 * (a closed port), then, once the supervisor has seen the failure too,
 * the device the socket is bound to: "lo" for every socket it hands out
 * ("" unconfined; "" was also its direct socket's, which takes the place
 * of ours while still connecting, until the failure bound it to lo). */
static int do_faildev(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss), dl;
	char dev[32] = "";
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), e;

	if (fd < 0)
		return verdict(errno);
	e = connect_wait(fd, &ss, len);
	usleep(300000);
	dl = sizeof(dev) - 1;
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &dl) < 0)
		return verdict(errno);
	printf("%s dev=%s\n", e ? en(e) : "connected", dev);
	return 0;
}

/* echo IP PORT [nb]: a round trip through an echo server */
static int do_echo(char **v, int nb)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	char buf[16] = "";
	int fd = socket(ss.ss_family, SOCK_STREAM | (nb ? SOCK_NONBLOCK : 0),
			0), e;
	struct pollfd p;

	if (fd < 0)
		return verdict(errno);
	e = connect_wait(fd, &ss, len);
	if (e)
		return verdict(e);
	if (write(fd, "ping", 4) != 4)
		return verdict(errno);
	p.fd = fd;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1 || read(fd, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "ping", 4)) {
		puts("no echo");
		return 1;
	}
	puts("echo");
	return 0;
}

/* directopts IP PORT OTHERPORT [nb]: options set before connect() hold
 * after it (the supervisor's socket took the place of ours), the peer is
 * the destination, the descriptor keeps its number and flags, and the
 * socket reaches nothing else: connect again (EISCONN), AF_UNSPEC
 * (refused), OTHERPORT on the same host (refused). */
static int do_directopts(char **v, int nb)
{
	struct sockaddr_storage ss, peer, other;
	socklen_t len = mkaddr(v[0], v[1], &ss), pl = sizeof(peer);
	struct linger lg = { 1, 7 }, lg2;
	int one = 1, idle = 77, tos = 0x20, uto = 12345, rcv = 100000, fd;
	int e, x = 0, fl;
	socklen_t xl = sizeof(x), ll = sizeof(lg2);
	struct sockaddr un = { .sa_family = AF_UNSPEC };

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
		    (nb ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0 || dup2(fd, 50) < 0)
		return verdict(errno);
	close(fd);
	fd = 50;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &uto, sizeof(uto));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (ss.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	e = connect_wait(fd, &ss, len);
	if (e)
		return verdict(e);
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &x, &xl);
	printf("nodelay=%d", x);
	getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &x, &xl);
	printf(" keepalive=%d", x);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &x, &xl);
	printf(" keepidle=%d", x);
	getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg2, &ll);
	printf(" linger=%d/%d", lg2.l_onoff, lg2.l_linger);
	getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &x, &xl);
	printf(" user_timeout=%d", x);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &x, &xl);
	printf(" rcvbuf=%d", x == 2 * rcv);
	if (ss.ss_family == AF_INET) {
		getsockopt(fd, IPPROTO_IP, IP_TOS, &x, &xl);
		printf(" tos=%d", x);
	}
	fl = fcntl(fd, F_GETFL);
	printf(" nonblock=%d cloexec=%d", !!(fl & O_NONBLOCK),
	       !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	getpeername(fd, (struct sockaddr *)&peer, &pl);
	printf(" peer=%s", pl == len && !memcmp(&peer, &ss, len) ? "dest" :
	       "other");
	e = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	printf(" again=%s", e ? en(e) : "ok");
	e = connect(fd, &un, sizeof(un)) < 0 ? errno : 0;
	printf(" unspec=%s", e ? en(e) : "ok");
	mkaddr(v[0], v[2], &other);
	e = connect(fd, (struct sockaddr *)&other, len) < 0 ? errno : 0;
	printf(" other=%s\n", e ? en(e) : "ok");
	return 0;
}

/* directrace IP PORT N: while one thread connects, another writes,
 * closes and reopens the same descriptor number; a dup'ed copy and a
 * forked child hold the socket too. Nothing may crash, hang or connect
 * anywhere else; prints how many connects ended which way. */
struct drace {
	atomic_int stop;
	int fd;
};

static void *dracer(void *p)
{
	struct drace *r = p;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		(void)write(r->fd, "x", 1);
		sched_yield();
	}
	return NULL;
}

static int do_directrace(char **v)
{
	static struct drace r;
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int n = atoi(v[2]), ok = 0, bad = 0, dupc = 0;
	pthread_t th;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM, 0), d = dup(fd), e;
		pid_t k;

		r.fd = fd;
		atomic_store(&r.stop, 0);
		pthread_create(&th, NULL, dracer, &r);
		if (i % 3 == 1)
			close(fd);           /* closed while it connects */
		e = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
		atomic_store(&r.stop, 1);
		pthread_join(th, NULL);
		if (e == 0 || e == EBADF)
			ok++;
		else
			bad++;
		/* a copy dup'ed before connect(): under sb it keeps the
		 * old socket, unconnected (the number was replaced) */
		if (write(d, "y", 1) == 1)
			dupc++;
		k = fork();
		if (k == 0)
			_exit(connect(d, (struct sockaddr *)&ss, len) == 0 ? 0 : 1);
		waitpid(k, NULL, 0);
		close(fd);
		close(d);
	}
	printf("ok=%d bad=%d dup-connected=%d\n", ok, bad, dupc);
	return bad ? 1 : 0;
}

/* socket TYPE: raw, udp, packet-like requests the supervisor refuses */
static int do_socket(const char *what)
{
	int fd;

	if (!strcmp(what, "raw"))
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	else if (!strcmp(what, "udp"))
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
	else if (!strcmp(what, "sctp"))
		fd = socket(AF_INET, SOCK_STREAM, 132);
	else
		fd = socket(AF_INET, SOCK_STREAM, 262);   /* MPTCP */
	return verdict(fd < 0 ? errno : 0);
}

/* flags: SOCK_NONBLOCK and SOCK_CLOEXEC are honoured, and their absence */
static int do_flags(void)
{
	int a = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int b = socket(AF_INET6, SOCK_STREAM, 0);

	if (a < 0 || b < 0)
		return verdict(errno);
	printf("%s %s %s %s\n",
	       fcntl(a, F_GETFL) & O_NONBLOCK ? "nonblock" : "block",
	       fcntl(a, F_GETFD) & FD_CLOEXEC ? "cloexec" : "keep",
	       fcntl(b, F_GETFL) & O_NONBLOCK ? "nonblock" : "block",
	       fcntl(b, F_GETFD) & FD_CLOEXEC ? "cloexec" : "keep");
	return 0;
}

/* lockdev: the handed-out socket is bound to lo and stays so */
static int do_lockdev(void)
{
	char dev[32] = "";
	socklen_t len = sizeof(dev);
	int fd = socket(AF_INET, SOCK_STREAM, 0), d, e1, e2;

	if (fd < 0)
		return verdict(errno);
	getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len);
	e1 = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "", 0) < 0 ? errno : 0;
	e2 = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 4) < 0 ?
	     errno : 0;
	d = dup(fd);
	printf("%s clear=%s change=%s", dev[0] ? dev : "(none)",
	       e1 ? en(e1) : "ok", e2 ? en(e2) : "ok");
	len = sizeof(dev);
	memset(dev, 0, sizeof(dev));
	getsockopt(d, SOL_SOCKET, SO_BINDTODEVICE, dev, &len);
	printf(" dup=%s\n", dev[0] ? dev : "(none)");
	return 0;
}

/* unspec IP PORT: AF_UNSPEC on a fresh socket, then on a connected one,
 * then a connect elsewhere. Prints the three results. */
static int do_unspec(char **v)
{
	struct sockaddr_storage ss, bad;
	struct sockaddr un = { AF_UNSPEC, { 0 } };
	socklen_t len = mkaddr(v[0], v[1], &ss);
	socklen_t blen = mkaddr(v[2], v[1], &bad);
	int a = socket(ss.ss_family, SOCK_STREAM, 0), r1, r2, r3;

	r1 = connect(a, &un, sizeof(un)) < 0 ? errno : 0;
	r2 = connect_wait(a, &ss, len);
	r3 = connect(a, &un, sizeof(un)) < 0 ? errno : 0;
	printf("fresh=%s proxy=%s connected=%s", r1 ? en(r1) : "ok",
	       r2 ? en(r2) : "ok", r3 ? en(r3) : "ok");
	r1 = connect(a, (struct sockaddr *)&bad, blen) < 0 ? errno : 0;
	printf(" then=%s\n", r1 ? en(r1) : "ok");
	return 0;
}

/* family IP PORT: an AF_INET6 address on an AF_INET socket and back */
static int do_family(char **v)
{
	struct sockaddr_in6 b;
	struct sockaddr_in a;
	int s4 = socket(AF_INET, SOCK_STREAM, 0);
	int s6 = socket(AF_INET6, SOCK_STREAM, 0), r1, r2;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	b.sin6_family = AF_INET6;
	b.sin6_port = htons((uint16_t)atoi(v[1]));
	b.sin6_addr.s6_addr[10] = b.sin6_addr.s6_addr[11] = 0xff;
	inet_pton(AF_INET, v[0], &b.sin6_addr.s6_addr[12]);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)atoi(v[1]));
	inet_pton(AF_INET, v[0], &a.sin_addr);
	r1 = connect(s4, (struct sockaddr *)&b, sizeof(b)) < 0 ? errno : 0;
	r2 = connect(s6, (struct sockaddr *)&a, sizeof(a)) < 0 ? errno : 0;
	printf("v6-on-v4=%s v4-on-v6=%s\n", r1 ? en(r1) : "ok",
	       r2 ? en(r2) : "ok");
	return 0;
}

/* race OK BAD PORT N: a thread rewrites the address between OK and BAD
 * in a tight loop while we connect; where did each connect land? */
struct race {
	struct sockaddr_storage ss;
	struct sockaddr_storage ok, bad;
	atomic_int stop;
	int fd;                     /* dup2race: the fd number swapped */
	atomic_int inet;            /* dup2race: socket to swap in */
	int unix_fd;
};

static void *flipper(void *p)
{
	struct race *r = p;
	volatile char *dst = (volatile char *)&r->ss;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (size_t i = 0; i < sizeof(r->ok); i++)
			dst[i] = ((char *)&r->bad)[i];
		for (size_t i = 0; i < sizeof(r->ok); i++)
			dst[i] = ((char *)&r->ok)[i];
	}
	return NULL;
}

static int do_race(char **v)
{
	static struct race r;
	socklen_t len = mkaddr(v[0], v[2], &r.ok);
	int n = atoi(v[3]), allowed = 0, denied = 0, forbidden = 0, other = 0;
	pthread_t th;

	mkaddr(v[1], v[2], &r.bad);
	r.ss = r.ok;
	pthread_create(&th, NULL, flipper, &r);
	for (int i = 0; i < n; i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int fd = socket(r.ok.ss_family, SOCK_STREAM, 0);

		if (fd < 0) {
			other++;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&r.ss, len) < 0) {
			if (errno == EACCES)
				denied++;
			else
				other++;
		} else if (getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 &&
			   !memcmp(&peer, &r.bad, len)) {
			forbidden++;
		} else {
			allowed++;
		}
		close(fd);
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	printf("allowed=%s denied=%s forbidden=%d other=%d\n",
	       allowed ? ">0" : "0", denied ? ">0" : "0", forbidden, other);
	return forbidden ? 1 : 0;
}

/* dup2race BAD PORT N: a thread swaps an AF_UNIX socket and one of our
 * Internet sockets onto the same fd number while we connect it to BAD.
 * Whatever wins, nothing may reach BAD (the listener there counts). */
static void *swapper(void *p)
{
	struct race *r = p;

	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		dup2(atomic_load(&r->inet), r->fd);
		dup2(r->unix_fd, r->fd);
	}
	return NULL;
}

static int do_dup2race(char **v)
{
	static struct race r;
	socklen_t len = mkaddr(v[0], v[1], &r.bad);
	int n = atoi(v[2]), counts[4] = { 0 };
	pthread_t th;

	r.fd = 100;
	r.unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	atomic_store(&r.inet, socket(r.bad.ss_family,
				     SOCK_STREAM | SOCK_NONBLOCK, 0));
	pthread_create(&th, NULL, swapper, &r);
	for (int i = 0; i < n; i++) {
		int e = connect(r.fd, (struct sockaddr *)&r.bad, len) < 0 ?
			errno : 0;
		int old;

		counts[e == EACCES ? 0 : e == EINPROGRESS || e == 0 ? 1 :
		       e == EINVAL || e == EAFNOSUPPORT ? 2 : 3]++;
		if (e == 0 || e == EINPROGRESS) {
			/* That socket is spent: a fresh one. */
			old = atomic_exchange(&r.inet,
					      socket(r.bad.ss_family,
						     SOCK_STREAM | SOCK_NONBLOCK,
						     0));
			close(old);
		}
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	usleep(300000);
	printf("eacces=%s kernel-connect=%s unix=%s other=%d\n",
	       counts[0] ? ">0" : "0", counts[1] ? ">0" : "0",
	       counts[2] ? ">0" : "0", counts[3]);
	return 0;
}

/* unspecrace IP PORT MS: connect a TCP socket to IP:PORT, then, while a
 * thread swaps it and an AF_UNIX socket onto one fd number, try for MS
 * milliseconds to disconnect whatever that number is with AF_UNSPEC.
 * Prints whether the TCP socket is still connected. */
static int do_unspecrace(char **v)
{
	static struct race r;
	struct sockaddr_storage ss, peer;
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	socklen_t len = mkaddr(v[0], v[1], &ss), pl;
	struct timespec t0, t;
	long ms = atol(v[2]);
	int tcp, conn = 1;
	pthread_t th;

	tcp = socket(ss.ss_family, SOCK_STREAM, 0);
	if (tcp < 0 || connect(tcp, (struct sockaddr *)&ss, len) < 0)
		return verdict(errno);
	r.fd = 100;
	r.unix_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	atomic_store(&r.inet, tcp);
	pthread_create(&th, NULL, swapper, &r);
	while (fcntl(r.fd, F_GETFD) < 0)     /* the swapper has begun */
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		(void)connect(r.fd, &un, sizeof(un));
		pl = sizeof(peer);
		conn = getpeername(tcp, (struct sockaddr *)&peer, &pl) == 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (conn && (t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
	puts(conn ? "connected" : "disconnected");
	return 0;
}

/* sharer IP PORT: a socket shared by two children: A connects it (a slow
 * destination: the call waits) and is killed meanwhile by B, which holds
 * the socket at another descriptor number and makes the same connect().
 * B's call must end connected at its own number. */
static int do_sharer(char **v)
{
	struct sockaddr_storage ss, peer;
	socklen_t len = mkaddr(v[0], v[1], &ss), pl = sizeof(peer);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), st = 0, e;
	pid_t a, b;

	if (fd < 0)
		return verdict(errno);
	a = fork();
	if (a == 0) {
		(void)connect(fd, (struct sockaddr *)&ss, len);
		_exit(0);
	}
	b = fork();
	if (b == 0) {
		if (dup2(fd, 50) < 0)
			_exit(2);
		close(fd);
		usleep(300000);
		kill(a, SIGKILL);
		e = connect(50, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
		printf("connect=%s peer=%s\n", e ? en(e) : "ok",
		       getpeername(50, (struct sockaddr *)&peer, &pl) < 0 ?
		       en(errno) : "ok");
		_exit(0);
	}
	close(fd);
	waitpid(a, NULL, 0);
	waitpid(b, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* selfapprove: nothing in our fd table but 0-2, no new listener, no way
 * to take the supervisor's. 77 when all is refused. */
static int do_selfapprove(void)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K,
					    SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, f };
	const char *sp = getenv("SB_SUPERVISOR_PID");
	int extra = 0, got = 0, pfd, l;
	char path[64], link[64];

	for (int fd = 3; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			extra++;
	l = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			 SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	printf("fds>2=%d new-listener=%s", extra, l >= 0 ? "ok" : en(errno));
	pfd = sp ? (int)syscall(SYS_pidfd_open, atoi(sp), 0) : -1;
	printf(" pidfd=%s", pfd >= 0 ? "ok" : en(errno));
	for (int fd = 0; pfd >= 0 && fd < 64; fd++) {
		int s = (int)syscall(438 /* pidfd_getfd */, pfd, fd, 0);
		ssize_t n;

		if (s < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		if (strstr(link, "seccomp"))
			got++;
	}
	printf(" stolen=%d\n", got);
	return !extra && l < 0 && !got ? 77 : 1;
}

/* killsup IP PORT READY: connect works; READY is created; once the test
 * killed the supervisor, socket() and connect() fail with ENOSYS. */
static int do_killsup(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int a = socket(ss.ss_family, SOCK_STREAM, 0), b, e, fd;

	if (a < 0 || connect_wait(a, &ss, len))
		return verdict(errno);
	b = socket(ss.ss_family, SOCK_STREAM, 0);
	fd = open(v[2], O_WRONLY | O_CREAT, 0644);
	if (b < 0 || fd < 0)
		return verdict(errno);
	close(fd);
	for (int i = 0; i < 500; i++) {
		fd = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fd < 0)
			break;
		close(fd);
		usleep(20000);
	}
	e = errno;
	printf("socket=%s", fd < 0 ? en(e) : "ok");
	e = connect(b, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	printf(" connect=%s\n", e ? en(e) : "ok");
	return e == ENOSYS && fd < 0 ? 77 : 1;
}

/* sigconnect IP PORT RELEASE [norestart]: a blocking connect that takes
 * a second (the server's queue is full until RELEASE exists) while
 * SIGALRM arrives every 50 ms. */
static atomic_int alarms;

static void on_alarm(int s)
{
	(void)s;
	atomic_fetch_add(&alarms, 1);
}

static void *releaser(void *p)
{
	int fd;

	usleep(300000);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int do_sigconnect(char **v, int restart)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	struct sigaction sa;
	struct itimerval it = { { 0, 50000 }, { 0, 50000 } };
	pthread_t th;
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), r, eintr = 0;
	struct timespec t0, t1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	pthread_create(&th, NULL, releaser, v[2]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	setitimer(ITIMER_REAL, &it, NULL);
	while ((r = connect(fd, (struct sockaddr *)&ss, len)) < 0 &&
	       errno == EINTR)
		eintr++;
	r = r < 0 ? errno : 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_join(th, NULL);
	if (r == EALREADY || r == EISCONN)
		printf("connect=%s\n", en(r));
	else
		printf("connect=%s signals=%s write=%s\n", r ? en(r) : "ok",
		       alarms ? ">0" : "0",
		       write(fd, "x", 1) == 1 ? "ok" : en(errno));
	fprintf(stderr, "took %ld ms, %d alarms, %d EINTR\n",
		(t1.tv_sec - t0.tv_sec) * 1000 +
		(t1.tv_nsec - t0.tv_nsec) / 1000000, alarms, eintr);
	return r ? 1 : 0;
}

/* nondump IP PORT: a non-dumpable target gets sockets, not connects */
static int do_nondump(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int fd;

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("socket=%s\n", en(errno));
		return 1;
	}
	return verdict(connect_wait(fd, &ss, len));
}

/* clonefd / unsharefd IP PORT: a thread with its own fd table, in which
 * the fd number of one of our sockets names another socket; the
 * thread's connect must reach the proxy on the thread's socket. */
struct fdt {
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;
	int unshare;
	atomic_int done;
	int result;
	char what[64];
};

static int fdt_body(void *p)
{
	struct fdt *t = p;
	char buf[8];
	long s;

	if (t->unshare && syscall(SYS_unshare, CLONE_FILES) < 0) {
		t->result = -(int)errno;
		snprintf(t->what, sizeof(t->what), "unshare=%s", en(errno));
		goto out;
	}
	/* In our own table now: the number names a socket of our own. */
	syscall(SYS_close, t->fd);
	s = syscall(SYS_socket, t->ss.ss_family, SOCK_STREAM, 0);
	if (s != t->fd) {
		snprintf(t->what, sizeof(t->what), "socket=%ld", s);
		t->result = 1;
		goto out;
	}
	if (syscall(SYS_connect, t->fd, &t->ss, t->len) < 0 ||
	    syscall(SYS_write, t->fd, "hi", 2) != 2 ||
	    syscall(SYS_read, t->fd, buf, 2) != 2) {
		snprintf(t->what, sizeof(t->what), "thread=%s", en(errno));
		t->result = 1;
		goto out;
	}
	snprintf(t->what, sizeof(t->what), "thread=ok");
out:
	atomic_store(&t->done, 1);
	return 0;
}

static void *fdt_pthread(void *p)
{
	fdt_body(p);
	return NULL;
}

static int do_fdtable(char **v, int unshare)
{
	static struct fdt t;
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	int mine;

	t.len = mkaddr(v[0], v[1], &t.ss);
	t.unshare = unshare;
	mine = socket(t.ss.ss_family, SOCK_STREAM, 0);
	t.fd = mine;
	if (unshare) {
		pthread_t th;

		pthread_create(&th, NULL, fdt_pthread, &t);
		pthread_join(th, NULL);
	} else {
		/* A thread without CLONE_FILES: allowed by every filter
		 * (it carries no namespace flag), its own fd table. */
		size_t sz = 1 << 16;
		char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
				   -1, 0);

		if (clone(fdt_body, stack + sz, CLONE_VM | CLONE_FS |
			  CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
			  &t) < 0) {
			printf("clone=%s\n", en(errno));
			return 1;
		}
		while (!atomic_load(&t.done))
			usleep(1000);
		usleep(10000);
	}
	printf("%s main=%s\n", t.what,
	       getpeername(mine, (struct sockaddr *)&peer, &pl) < 0 ?
	       en(errno) : "connected");
	return t.result ? 1 : 0;
}

/* closeeof IP PORT LOG: after our close(), the server sees EOF while we
 * are still alive (LOG is the server's) */
static int do_closeeof(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), e;
	char buf[4096];

	e = connect_wait(fd, &ss, len);
	if (e)
		return verdict(e);
	/* The echo read back first: no unread byte turns our close into a
	 * reset. */
	if (write(fd, "bye", 3) != 3 || read(fd, buf, 3) != 3)
		return verdict(errno);
	close(fd);
	for (int i = 0; i < 300; i++) {
		int l = open(v[2], O_RDONLY);
		ssize_t n = l >= 0 ? read(l, buf, sizeof(buf) - 1) : -1;

		if (l >= 0)
			close(l);
		buf[n > 0 ? n : 0] = 0;
		if (strstr(buf, "eof ")) {
			puts("eof");
			return 0;
		}
		usleep(10000);
	}
	puts("no eof");
	return 1;
}

/* eisconn IP PORT: non-blocking connect, then connect() again twice */
static int do_eisconn(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), e[3];
	struct pollfd p = { fd, POLLOUT, 0 };

	e[0] = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	poll(&p, 1, 5000);
	usleep(20000);
	e[1] = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	e[2] = connect(fd, (struct sockaddr *)&ss, len) < 0 ? errno : 0;
	for (int i = 0; i < 3; i++)
		printf("%s%s", i ? " " : "", e[i] ? en(e[i]) : "ok");
	putchar('\n');
	return 0;
}

/* unix PATH: an AF_UNIX connect is the kernel's (CONTINUE). "@NAME" is
 * abstract. HOW: "" as is; "thread": from a process with a second thread
 * alive; "shared": the address in a MAP_SHARED mapping. */
static void *idle_thread(void *p)
{
	pause();
	return p;
}

static int do_unix(const char *path, const char *how)
{
	static struct sockaddr_un mine;
	struct sockaddr_un *a = &mine;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	socklen_t len = sizeof(*a);
	pthread_t th;

	if (!strcmp(how, "shared"))
		a = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!strcmp(how, "thread"))
		pthread_create(&th, NULL, idle_thread, NULL);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	if (path[0] == '@') {
		a->sun_path[0] = 0;
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				  strlen(path));
	}
	return verdict(connect(fd, (struct sockaddr *)a, len) < 0 ?
		       errno : 0);
}

/* vforkunix NAME MS: for MS milliseconds, vfork children connect to an
 * AF_UNIX address whose first byte a thread of the parent keeps flipping
 * between 'X' (a pathname, nowhere) and 0 (the abstract socket NAME).
 * The children share our memory: the thread can rewrite the address
 * after the supervisor's check. Prints how many reached NAME (0 or >0). */
static struct sockaddr_un vu_addr;
static socklen_t vu_len;
static atomic_int vu_stop;

static void *vu_flipper(void *p)
{
	while (!atomic_load_explicit(&vu_stop, memory_order_relaxed)) {
		((volatile char *)vu_addr.sun_path)[0] = 'X';
		((volatile char *)vu_addr.sun_path)[0] = 0;
	}
	return p;
}

static int vu_child(void *p)
{
	long fd = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);

	(void)p;
	syscall(SYS_exit, fd >= 0 && syscall(SYS_connect, fd, &vu_addr,
					     vu_len) == 0 ? 0 : 1);
	return 0;
}

/* vforkparent: a vfork child that CLONE_PARENT makes our sibling, so
 * that its parent is not the process whose memory it shares. */
static int vu_exit(void *p)
{
	(void)p;
	syscall(SYS_exit, 0);
	return 0;
}

static int do_vforkparent(void)
{
	size_t sz = 1 << 16;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t k = clone(vu_exit, stack + sz, CLONE_VM | CLONE_VFORK |
			CLONE_PARENT | SIGCHLD, NULL);

	return verdict(k < 0 ? errno : 0);
}

static int do_vforkunix(char **v)
{
	size_t sz = 1 << 16;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	struct timespec t0, t;
	long ms = atol(v[1]);
	int reached = 0, st;
	pthread_t th;
	pid_t k;

	vu_addr.sun_family = AF_UNIX;
	snprintf(vu_addr.sun_path + 1, sizeof(vu_addr.sun_path) - 1, "%s",
		 v[0]);
	vu_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     strlen(v[0]));
	pthread_create(&th, NULL, vu_flipper, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		k = clone(vu_child, stack + sz, CLONE_VM | CLONE_VFORK |
			  SIGCHLD, NULL);
		if (k < 0) {
			printf("clone=%s\n", en(errno));
			return 1;
		}
		if (waitpid(k, &st, 0) == k && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0)
			reached++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 +
		 (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	atomic_store(&vu_stop, 1);
	pthread_join(th, NULL);
	printf("reached=%s\n", reached ? ">0" : "0");
	return 0;
}

/* badaddr IP PORT: the address pointer is unmapped, or straddles into an
 * unmapped page: EFAULT, never a connection */
static int do_badaddr(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[0], v[1], &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), e1, e2;
	long pg = sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	munmap(m + pg, (size_t)pg);
	memcpy(m + pg - 4, &ss, 4);
	e1 = connect(fd, (struct sockaddr *)8, len) < 0 ? errno : 0;
	e2 = connect(fd, (struct sockaddr *)(m + pg - 4), len) < 0 ? errno : 0;
	printf("null=%s short=%s\n", e1 ? en(e1) : "ok", e2 ? en(e2) : "ok");
	return 0;
}

/* churn N IP PORT: N sockets made and closed unconnected, then an echo
 * (the supervisor's table of references must not stay full of them) */
static int do_churn(char **v)
{
	int n = atoi(v[0]);

	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			printf("socket %d: %s\n", i, en(errno));
			return 1;
		}
		close(fd);
	}
	return do_echo(v + 1, 0);
}

/* hold N IP PORT: N sockets kept open unconnected, then connect the last
 * and the first */
static int do_hold(char **v)
{
	struct sockaddr_storage ss;
	socklen_t len = mkaddr(v[1], v[2], &ss);
	int n = atoi(v[0]), *fds = calloc((size_t)n, sizeof(int)), a, b;

	for (int i = 0; i < n; i++) {
		fds[i] = socket(ss.ss_family, SOCK_STREAM, 0);
		if (fds[i] < 0) {
			printf("socket %d: %s\n", i, en(errno));
			return 1;
		}
	}
	a = connect_wait(fds[n - 1], &ss, len);
	b = connect_wait(fds[0], &ss, len);
	printf("last=%s first=%s\n", a ? en(a) : "ok", b ? en(b) : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";
	int nb = argc > 4 && !strcmp(argv[argc - 1], "nb");

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(a, "connect") && argc >= 4)
		return do_connect(argv + 2, nb);
	if (!strcmp(a, "echo") && argc >= 4)
		return do_echo(argv + 2, nb);
	if (!strcmp(a, "faildev") && argc == 4)
		return do_faildev(argv + 2);
	if (!strcmp(a, "socket") && argc == 3)
		return do_socket(argv[2]);
	if (!strcmp(a, "flags"))
		return do_flags();
	if (!strcmp(a, "lockdev"))
		return do_lockdev();
	if (!strcmp(a, "unspec") && argc == 5)
		return do_unspec(argv + 2);
	if (!strcmp(a, "family") && argc == 4)
		return do_family(argv + 2);
	if (!strcmp(a, "race") && argc == 6)
		return do_race(argv + 2);
	if (!strcmp(a, "dup2race") && argc == 5)
		return do_dup2race(argv + 2);
	if (!strcmp(a, "vforkparent"))
		return do_vforkparent();
	if (!strcmp(a, "vforkunix") && argc == 4)
		return do_vforkunix(argv + 2);
	if (!strcmp(a, "sharer") && argc == 4)
		return do_sharer(argv + 2);
	if (!strcmp(a, "unspecrace") && argc == 5)
		return do_unspecrace(argv + 2);
	if (!strcmp(a, "selfapprove"))
		return do_selfapprove();
	if (!strcmp(a, "killsup") && argc == 5)
		return do_killsup(argv + 2);
	if (!strcmp(a, "sigconnect") && argc >= 5)
		return do_sigconnect(argv + 2, argc != 6);
	if (!strcmp(a, "nondump") && argc == 4)
		return do_nondump(argv + 2);
	if (!strcmp(a, "clonefd") && argc == 4)
		return do_fdtable(argv + 2, 0);
	if (!strcmp(a, "unsharefd") && argc == 4)
		return do_fdtable(argv + 2, 1);
	if (!strcmp(a, "closeeof") && argc == 5)
		return do_closeeof(argv + 2);
	if (!strcmp(a, "eisconn") && argc == 4)
		return do_eisconn(argv + 2);
	if (!strcmp(a, "directopts") && (argc == 5 || argc == 6))
		return do_directopts(argv + 2, argc == 6);
	if (!strcmp(a, "directrace") && argc == 5)
		return do_directrace(argv + 2);
	if (!strcmp(a, "unix") && (argc == 3 || argc == 4))
		return do_unix(argv[2], argc == 4 ? argv[3] : "");
	if (!strcmp(a, "churn") && argc == 5)
		return do_churn(argv + 2);
	if (!strcmp(a, "hold") && argc == 5)
		return do_hold(argv + 2);
	if (!strcmp(a, "badaddr") && argc == 4)
		return do_badaddr(argv + 2);
	fprintf(stderr, "t-nattack: unknown attack or arguments\n");
	return 2;
}
