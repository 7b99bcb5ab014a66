/* tests/static/t-profile.c - run a command under a real container seccomp
 * profile, as runc would install it: the profile evaluated for a capability
 * set by tests/profile.py (--format lines), compiled here with libseccomp
 * (default action and errno, architectures x86_64/x86/x32, argument
 * comparisons, per-rule errnoRet; rules whose action is the default are
 * dropped and unknown syscall names skipped, as runc does), preceded by
 * runc's -ENOSYS stub (a syscall numbered above every syscall the profile
 * names, for its architecture, gets ENOSYS rather than the default errno),
 * loaded after PR_SET_NO_NEW_PRIVS. Static (musl), so it also runs in an
 * empty root.
 * usage: t-profile [--dump] FILE CMD [ARG...]
 *   --dump  print the number of rules and the stub's bounds, run nothing */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define X32_BIT 0x40000000u
#define NONE 0xffffffffu

static const char *prog = "t-profile";

static void die(const char *what, int err)
{
	fprintf(stderr, "%s: %s%s%s\n", prog, what, err ? ": " : "",
		err ? strerror(err) : "");
	exit(125);
}

static int parse_action(const char *a, const char *e, uint32_t *out)
{
	long n = strtol(e, NULL, 10);

	if (!strcmp(a, "ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(a, "ERRNO"))
		*out = SCMP_ACT_ERRNO((uint32_t)n);
	else if (!strcmp(a, "KILL"))
		*out = SCMP_ACT_KILL;
	else if (!strcmp(a, "KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(a, "TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(a, "LOG"))
		*out = SCMP_ACT_LOG;
	else
		return -1;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "NE", SCMP_CMP_NE }, { "LT", SCMP_CMP_LT },
		{ "LE", SCMP_CMP_LE }, { "EQ", SCMP_CMP_EQ },
		{ "GE", SCMP_CMP_GE }, { "GT", SCMP_CMP_GT },
		{ "MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

static struct {
	uint32_t token, audit;
	uint32_t last;
	int present;
} arches[] = {
	{ SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, NONE, 0 },
	{ SCMP_ARCH_X86, AUDIT_ARCH_I386, NONE, 0 },
	{ SCMP_ARCH_X32, AUDIT_ARCH_X86_64, NONE, 0 },
};

/* The highest number a named syscall has on each architecture present. */
static void note_last(const char *name)
{
	for (int i = 0; i < 3; i++) {
		int nr;

		if (!arches[i].present)
			continue;
		nr = seccomp_syscall_resolve_name_arch(arches[i].token, name);
		if (nr < 0)
			continue;
		if (arches[i].last == NONE || (uint32_t)nr > arches[i].last)
			arches[i].last = (uint32_t)nr;
	}
}

int main(int argc, char **argv)
{
	char line[1024], *tok[40];
	uint32_t def = SCMP_ACT_KILL;
	scmp_filter_ctx ctx = NULL;
	int dump = 0, rules = 0, unknown = 0, lineno = 0;
	FILE *f;

	if (argc > 1 && !strcmp(argv[1], "--dump")) {
		dump = 1;
		argv++, argc--;
	}
	if (argc < 2 + !dump) {
		fprintf(stderr, "usage: t-profile [--dump] FILE CMD [ARG...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f)
		die(argv[1], errno);
	while (fgets(line, sizeof(line), f)) {
		int n = 0;
		char *save = NULL;

		lineno++;
		for (char *t = strtok_r(line, " \t\n", &save); t && n < 40;
		     t = strtok_r(NULL, " \t\n", &save))
			tok[n++] = t;
		if (!n)
			continue;
		if (!strcmp(tok[0], "default") && n == 3 && !ctx) {
			if (parse_action(tok[1], tok[2], &def) < 0)
				die("bad default action", 0);
			ctx = seccomp_init(def);
			if (!ctx)
				die("seccomp_init failed", 0);
			/* The filter is loaded by hand below; NNP is ours. */
			seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
			arches[0].present = seccomp_arch_native() == SCMP_ARCH_X86_64;
			if (!arches[0].present)
				die("only x86_64 hosts are supported", 0);
		} else if (!strcmp(tok[0], "arch") && n == 2 && ctx) {
			uint32_t a = seccomp_arch_resolve_name(tok[1]);
			int r;

			if (!a)
				die("unknown architecture", 0);
			r = seccomp_arch_add(ctx, a);
			if (r < 0 && r != -EEXIST)
				die("seccomp_arch_add", -r);
			for (int i = 0; i < 3; i++)
				if (arches[i].token == a)
					arches[i].present = 1;
		} else if (!strcmp(tok[0], "rule") && n >= 4 && ctx &&
			   (n - 4) % 4 == 0) {
			struct scmp_arg_cmp c[6];
			unsigned nc = (unsigned)(n - 4) / 4;
			uint32_t act;
			int nr, r;

			if (nc > 6 || parse_action(tok[1], tok[2], &act) < 0)
				goto bad;
			for (unsigned i = 0; i < nc; i++) {
				char **a = tok + 4 + 4 * i;

				c[i].arg = (unsigned)strtoul(a[0], NULL, 10);
				if (parse_op(a[1], &c[i].op) < 0 || c[i].arg > 5)
					goto bad;
				c[i].datum_a = strtoull(a[2], NULL, 10);
				c[i].datum_b = strtoull(a[3], NULL, 10);
			}
			note_last(tok[3]);
			nr = seccomp_syscall_resolve_name(tok[3]);
			if (nr == __NR_SCMP_ERROR) {
				unknown++;
				continue;
			}
			if (act == def)
				continue;
			r = seccomp_rule_add_array(ctx, act, nr, nc, c);
			if (r < 0) {
				fprintf(stderr, "%s: %s:%d: %s: %s\n", prog, argv[1],
					lineno, tok[3], strerror(-r));
				return 125;
			}
			rules++;
		} else {
bad:
			fprintf(stderr, "%s: %s:%d: bad line\n", prog, argv[1], lineno);
			return 125;
		}
	}
	fclose(f);
	if (!ctx)
		die("no default action", 0);
	if (dump) {
		printf("rules %d unknown %d last x86_64 %u x86 %u x32 %u\n", rules,
		       unknown, arches[0].last, arches[1].last,
		       arches[2].last == NONE ? NONE : arches[2].last & ~X32_BIT);
		return 0;
	}

	/* Export libseccomp's program and put runc's stub in front of it. */
	int mfd = (int)syscall(SYS_memfd_create, "t-profile", 0);
	struct stat st;
	if (mfd < 0 || seccomp_export_bpf(ctx, mfd) < 0 || fstat(mfd, &st) < 0)
		die("seccomp_export_bpf", errno);
	size_t nmain = (size_t)st.st_size / sizeof(struct sock_filter);
	int stub = def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG;
	enum { NSTUB = 11 };
	struct sock_filter *p = calloc(nmain + NSTUB, sizeof(*p));
	if (!p || pread(mfd, p + (stub ? NSTUB : 0), (size_t)st.st_size, 0) !=
			  st.st_size)
		die("reading the exported filter", errno);
	if (stub) {
		/* Offsets are relative to the next instruction; 10 is ENOSYS,
		 * 11 the first instruction of libseccomp's program. */
		struct sock_filter s[NSTUB] = {
			/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4 /* arch */),
			/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
			/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0 /* nr */),
			/* 3 */ BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_BIT, 1, 0),
			/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, arches[0].last, 5, 6),
			/* 5 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, arches[2].last, 4, 5),
			/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 4),
			/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0 /* nr */),
			/* 8 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, arches[1].last, 1, 2),
			/* 9 */ BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), /* not reached */
			/* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		};
		memcpy(p, s, sizeof(s));
	}
	struct sock_fprog fp = { (unsigned short)(nmain + (stub ? NSTUB : 0)), p };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS", errno);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		die("seccomp(SET_MODE_FILTER)", errno);
	close(mfd);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "%s: %s: %s\n", prog, argv[2], strerror(errno));
	return 127;
}
