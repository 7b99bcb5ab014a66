/* tests/helpers/t-oldkernel.c - run a command as on a kernel or under a
 * runtime without what sb-exec's supervisor needs (tests/oldkernel.test):
 *   t-oldkernel nolistener CMD...  seccomp(SET_MODE_FILTER) with
 *                                  SECCOMP_FILTER_FLAG_NEW_LISTENER fails
 *                                  EINVAL (no user notification: < 5.0)
 *   t-oldkernel noseccomp CMD...   seccomp() fails ENOSYS, and
 *                                  prctl(PR_SET_SECCOMP) EINVAL (a kernel
 *                                  built without seccomp)
 * A filter of our own answers for the kernel, then CMD runs under it
 * (no_new_privs set). Static-friendly: no sb code, builds with musl too. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LD(f) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		       offsetof(struct seccomp_data, f))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))

int main(int argc, char **argv)
{
	/* seccomp(op, flags, ...): op SET_MODE_FILTER with NEW_LISTENER set
	 * in flags (args[1], low word) -> EINVAL. */
	struct sock_filter nolistener[] = {
		LD(arch),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LD(nr),
		JEQ(SYS_seccomp, 0, 5),
		LD(args[0]),
		JEQ(SECCOMP_SET_MODE_FILTER, 0, 3),
		LD(args[1]),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
			 SECCOMP_FILTER_FLAG_NEW_LISTENER, 0, 1),
		RET(SECCOMP_RET_ERRNO | EINVAL),
		RET(SECCOMP_RET_ALLOW),
	};
	/* seccomp() -> ENOSYS; prctl(PR_SET_SECCOMP) -> EINVAL. */
	struct sock_filter noseccomp[] = {
		LD(arch),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_ALLOW),
		LD(nr),
		JEQ(SYS_seccomp, 4, 0),
		JEQ(SYS_prctl, 0, 2),
		LD(args[0]),
		JEQ(PR_SET_SECCOMP, 2, 0),
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_ERRNO | ENOSYS),
		RET(SECCOMP_RET_ERRNO | EINVAL),
	};
	struct sock_fprog fp;

	if (argc < 3)
		goto usage;
	if (!strcmp(argv[1], "nolistener"))
		fp = (struct sock_fprog){ sizeof(nolistener) /
					  sizeof(nolistener[0]), nolistener };
	else if (!strcmp(argv[1], "noseccomp"))
		fp = (struct sock_fprog){ sizeof(noseccomp) /
					  sizeof(noseccomp[0]), noseccomp };
	else
		goto usage;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0) {
		perror("t-oldkernel: seccomp");
		return 125;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
usage:
	fprintf(stderr, "usage: t-oldkernel nolistener|noseccomp CMD...\n");
	return 2;
}
