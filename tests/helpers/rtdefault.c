/* tests/helpers/rtdefault.c - run a command under a seccomp filter that
 * mimics what Kubernetes' RuntimeDefault profile (Docker's default) denies
 * to a pod without CAP_SYS_ADMIN or CAP_SYS_PTRACE:
 *   pidfd_getfd, kcmp, process_madvise      EPERM (need CAP_SYS_PTRACE)
 *   unshare, setns, mount, umount2, pivot_root  EPERM (need CAP_SYS_ADMIN)
 *   clone with any namespace flag            EPERM
 *   clone3                                   ENOSYS (so libc falls back)
 * and sets no_new_privs, as allowPrivilegeEscalation: false does.
 * usage: rtdefault CMD [ARG...] */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define DENY(nr, err) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
		  CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

int main(int argc, char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		LD_NR,
		DENY(438 /* pidfd_getfd */, EPERM),
		DENY(SYS_kcmp, EPERM),
		DENY(440 /* process_madvise */, EPERM),
		DENY(SYS_unshare, EPERM),
		DENY(SYS_setns, EPERM),
		DENY(SYS_mount, EPERM),
		DENY(SYS_umount2, EPERM),
		DENY(SYS_pivot_root, EPERM),
		DENY(435 /* clone3 */, ENOSYS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = { sizeof(f) / sizeof(f[0]), f };

	if (argc < 2) {
		fprintf(stderr, "usage: rtdefault CMD [ARG...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p) < 0) {
		fprintf(stderr, "rtdefault: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "rtdefault: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
