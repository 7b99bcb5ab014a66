/* tests/helpers/t-outside.c - one attempt per invocation to reach outside
 * the sandbox by a call that neither Landlock nor the path rules govern:
 * another process's rlimits and scheduling, SysV IPC objects, file modes,
 * ownership and attributes. Prints "ok" when it worked, else the errno's
 * name. tests/outside.test runs each one unconfined first (the positive
 * control), then confined. usage: t-outside ATTACK [ARG...]
 *
 * The "-make" commands are set-up run outside: they create the IPC object
 * that the attack then reaches, and print its id. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int report(long r)
{
	if (r >= 0) {
		puts("ok");
		return 0;
	}
	puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	return 1;
}

static long num(const char *s)
{
	return strtol(s, NULL, 0);
}

static int res_of(const char *s)
{
	return !strcmp(s, "cpu") ? RLIMIT_CPU : !strcmp(s, "fsize") ?
	       RLIMIT_FSIZE : !strcmp(s, "nofile") ? RLIMIT_NOFILE : -1;
}

/* prlimit PID cpu|fsize|nofile VALUE: set both limits of PID. */
static int do_prlimit(char **v)
{
	struct rlimit rl = { (rlim_t)num(v[2]), (rlim_t)num(v[2]) };
	int res = res_of(v[1]);

	if (res < 0)
		return 2;
	/* soft only, for nofile: the hard limit stays, so the test can
	 * give the process its descriptors back as a non-root user */
	if (res == RLIMIT_NOFILE) {
		struct rlimit old;

		if (prlimit((pid_t)num(v[0]), RLIMIT_NOFILE, NULL, &old) < 0)
			return report(-1);
		rl.rlim_max = old.rlim_max;
	}
	return report(prlimit((pid_t)num(v[0]), res, &rl, NULL));
}

static int do_sched(const char *a, pid_t pid)
{
	struct sched_param sp = { 0 };
	cpu_set_t set;
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t nice;
		uint32_t prio;
		uint64_t runtime, deadline, period;
	} attr = { sizeof(attr), SCHED_IDLE, 0, 0, 0, 0, 0, 0 };

	if (!strcmp(a, "sched-idle"))
		return report(sched_setscheduler(pid, SCHED_IDLE, &sp));
	if (!strcmp(a, "sched-param")) {
		/* the process's own policy and priority: no change needed
		 * for the call to reach it */
		if (sched_getparam(pid, &sp) < 0)
			return report(-1);
		return report(sched_setparam(pid, &sp));
	}
	if (!strcmp(a, "sched-attr"))
		return report(syscall(SYS_sched_setattr, pid, &attr, 0));
	if (!strcmp(a, "affinity")) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		return report(sched_setaffinity(pid, sizeof(set), &set));
	}
	if (!strcmp(a, "ioprio"))
		return report(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid,
				      IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0)));
	if (!strcmp(a, "migrate")) {
		unsigned long m = 1;

		return report(syscall(SYS_migrate_pages, pid, 2, &m, &m));
	}
	if (!strcmp(a, "move-pages"))
		return report(syscall(SYS_move_pages, pid, 0, NULL, NULL,
				      NULL, 0));
	return 2;
}

/* setpriority WHICH WHO: WHICH process|pgrp|user; nice 19. */
static int do_prio(char **v)
{
	int w = !strcmp(v[0], "process") ? PRIO_PROCESS :
		!strcmp(v[0], "pgrp") ? PRIO_PGRP : PRIO_USER;

	return report(setpriority(w, (id_t)num(v[1]), 19));
}

/* ---- SysV IPC: KEY is a number; -make creates, the rest reach ---- */

static int do_ipc(const char *a, char **v)
{
	key_t key = (key_t)num(v[0]);
	struct { long type; char text[16]; } m = { 1, "from inside" };
	int id;
	char *p;

	if (!strcmp(a, "msg-make"))
		return report(msgget(key, IPC_CREAT | IPC_EXCL | 0600));
	if (!strcmp(a, "shm-make"))
		return report(shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600));
	if (!strcmp(a, "sem-make"))
		return report(semget(key, 1, IPC_CREAT | IPC_EXCL | 0600));
	if (!strcmp(a, "msgsnd")) {
		if ((id = msgget(key, 0)) < 0)
			return report(-1);
		return report(msgsnd(id, &m, sizeof(m.text), IPC_NOWAIT));
	}
	if (!strcmp(a, "msgrcv")) {
		if ((id = msgget(key, 0)) < 0)
			return report(-1);
		return report(msgrcv(id, &m, sizeof(m.text), 0, IPC_NOWAIT));
	}
	if (!strcmp(a, "shmat")) {
		/* read and overwrite the outside segment */
		if ((id = shmget(key, 0, 0)) < 0)
			return report(-1);
		p = shmat(id, NULL, 0);
		if (p == (void *)-1)
			return report(-1);
		memcpy(p, "owned", 6);
		return report(shmdt(p));
	}
	if (!strcmp(a, "shmread")) {
		if ((id = shmget(key, 0, 0)) < 0)
			return report(-1);
		p = shmat(id, NULL, SHM_RDONLY);
		if (p == (void *)-1)
			return report(-1);
		puts(p[0] ? p : "(empty)");
		return 0;
	}
	if (!strcmp(a, "semop")) {
		struct sembuf op = { 0, 1, IPC_NOWAIT };

		if ((id = semget(key, 0, 0)) < 0)
			return report(-1);
		return report(semop(id, &op, 1));
	}
	if (!strcmp(a, "ipc-rm")) {
		if ((id = msgget(key, 0)) >= 0)
			msgctl(id, IPC_RMID, NULL);
		if ((id = shmget(key, 0, 0)) >= 0)
			shmctl(id, IPC_RMID, NULL);
		if ((id = semget(key, 0, 0)) >= 0)
			semctl(id, 0, IPC_RMID);
		return 0;
	}
	return 2;
}

/* ---- file metadata: PATH [MODE] ---- */

static int do_file(const char *a, char **v, int n)
{
	mode_t mode = n > 1 ? (mode_t)strtoul(v[1], NULL, 8) : 0;
	int fd, fl;

	if (!strcmp(a, "chmod"))
		return report(chmod(v[0], mode));
	if (!strcmp(a, "fchmod")) {
		if ((fd = open(v[0], O_RDONLY)) < 0)
			return report(-1);
		return report(fchmod(fd, mode));
	}
	if (!strcmp(a, "fchmodat"))
		return report(syscall(SYS_fchmodat, AT_FDCWD, v[0], mode));
	if (!strcmp(a, "fchmodat2"))
		return report(syscall(SYS_fchmodat2, AT_FDCWD, v[0], mode, 0));
	if (!strcmp(a, "open-creat"))
		return report(syscall(SYS_openat, AT_FDCWD, v[0],
				      O_CREAT | O_WRONLY | O_EXCL, mode));
	if (!strcmp(a, "open-tmpfile")) {
		/* v[0] is a directory; the file is then linked in */
		char path[4096];

		fd = (int)syscall(SYS_openat, AT_FDCWD, v[0],
				  O_TMPFILE | O_WRONLY, mode);
		if (fd < 0)
			return report(-1);
		snprintf(path, sizeof(path), "%s/tmpfile", v[0]);
		return report(linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH));
	}
	if (!strcmp(a, "creat"))
		return report(syscall(SYS_creat, v[0], mode));
	if (!strcmp(a, "mknod"))
		return report(syscall(SYS_mknodat, AT_FDCWD, v[0],
				      S_IFREG | mode, 0));
	if (!strcmp(a, "openat2")) {
		uint64_t how[3] = { O_CREAT | O_WRONLY, mode, 0 };

		return report(syscall(SYS_openat2, AT_FDCWD, v[0], how,
				      sizeof(how)));
	}
	if (!strcmp(a, "mode")) {
		struct stat st;

		if (stat(v[0], &st) < 0)
			return report(-1);
		printf("%o\n", (unsigned)st.st_mode & 07777);
		return 0;
	}
	if (!strcmp(a, "chown"))   /* PATH GID: chown -1:GID */
		return report(chown(v[0], (uid_t)-1, (gid_t)num(v[1])));
	if (!strcmp(a, "lchown"))
		return report(lchown(v[0], (uid_t)-1, (gid_t)num(v[1])));
	if (!strcmp(a, "fchown")) {
		if ((fd = open(v[0], O_RDONLY)) < 0)
			return report(-1);
		return report(fchown(fd, (uid_t)-1, (gid_t)num(v[1])));
	}
	if (!strcmp(a, "setxattr"))
		return report(setxattr(v[0], "user.x", "1", 1, 0));
	if (!strcmp(a, "fsetxattr")) {
		if ((fd = open(v[0], O_RDONLY)) < 0)
			return report(-1);
		return report(fsetxattr(fd, "user.x", "1", 1, 0));
	}
	if (!strcmp(a, "removexattr"))
		return report(removexattr(v[0], "user.x"));
	if (!strcmp(a, "setflags")) {
		/* FS_NODUMP_FL: an owner may set it, no capability */
		if ((fd = open(v[0], O_RDONLY)) < 0)
			return report(-1);
		if (ioctl(fd, FS_IOC_GETFLAGS, &fl) < 0)
			return report(-1);
		fl |= FS_NODUMP_FL;
		return report(ioctl(fd, FS_IOC_SETFLAGS, &fl));
	}
	return 2;
}

int main(int argc, char **argv)
{
	const char *a = argc > 1 ? argv[1] : "";

	if (!strcmp(a, "prlimit") && argc == 5)
		return do_prlimit(argv + 2);
	if (!strcmp(a, "setpriority") && argc == 4)
		return do_prio(argv + 2);
	if (!strncmp(a, "sched-", 6) || !strcmp(a, "affinity") ||
	    !strcmp(a, "ioprio") || !strcmp(a, "migrate") ||
	    !strcmp(a, "move-pages")) {
		if (argc == 3)
			return do_sched(a, (pid_t)num(argv[2]));
	}
	if ((strstr(a, "msg") || strstr(a, "shm") || strstr(a, "sem") ||
	     !strcmp(a, "ipc-rm")) && argc == 3)
		return do_ipc(a, argv + 2);
	if (argc >= 3 && argc <= 4) {
		int r = do_file(a, argv + 2, argc - 2);

		if (r != 2)
			return r;
	}
	fprintf(stderr, "usage: t-outside ATTACK [ARG...]\n");
	return 2;
}
