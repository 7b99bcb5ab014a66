/* tests/unit/filter_test.c - the command's seccomp program as one
 * (lib/filter.c build_one) decides every call as the two filters it joins
 * would, loaded deny last: the kernel's rule (seccomp(2): the strongest
 * action of all filters; among equals, the data of the most recently
 * installed) applied to deny and main, against the joined program, both
 * run by a classic-BPF interpreter of our own over every syscall number of
 * the three x86 ABIs and a spread of arguments, with and without the
 * supervisor. That the kernel runs the programs as this interpreter does
 * is the applet tests' part (tests/confine.test and the others). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "filter.h"
#include "policy.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fails++; \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); } } while (0)

/* Run p over d; a program that misbehaves (a jump out, a load out of
 * seccomp_data, the end reached) is a failure, as the kernel refuses it. */
static uint32_t run(const struct sc_prog *p, const struct seccomp_data *d,
		    int *bad)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < p->len; pc++) {
		const struct sock_filter *f = &p->insns[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS) {
				if (f->k + 4 > sizeof(*d) || f->k % 4)
					goto out;
				memcpy(&a, (const char *)d + f->k, 4);
			} else if (BPF_MODE(f->code) == BPF_IMM) {
				a = f->k;
			} else if (BPF_MODE(f->code) == BPF_MEM &&
				   f->k < BPF_MEMWORDS) {
				a = mem[f->k];
			} else if (BPF_MODE(f->code) == BPF_LEN) {
				a = sizeof(*d);
			} else {
				goto out;
			}
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_IMM)
				x = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM &&
				 f->k < BPF_MEMWORDS)
				x = mem[f->k];
			else if (BPF_MODE(f->code) == BPF_LEN)
				x = sizeof(*d);
			else
				goto out;
			break;
		case BPF_ST:
			if (f->k >= BPF_MEMWORDS)
				goto out;
			mem[f->k] = a;
			break;
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				goto out;
			mem[f->k] = x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) goto out; a /= src; break;
			case BPF_MOD: if (!src) goto out; a %= src; break;
			case BPF_AND: a &= src; break;
			case BPF_OR: a |= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src < 32 ? a << src : 0; break;
			case BPF_RSH: a = src < 32 ? a >> src : 0; break;
			case BPF_NEG: a = -a; break;
			default: goto out;
			}
			break;
		case BPF_JMP: {
			int t;

			if (BPF_OP(f->code) == BPF_JA) {
				pc += f->k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: t = a == src; break;
			case BPF_JGT: t = a > src; break;
			case BPF_JGE: t = a >= src; break;
			case BPF_JSET: t = (a & src) != 0; break;
			default: goto out;
			}
			pc += t ? f->jt : f->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
out:
	*bad = 1;
	return 0;
}

/* The kernel's choice between two filters' verdicts, first the most
 * recently installed (seccomp(2) "Filter return values"). */
static uint32_t strongest(uint32_t recent, uint32_t older)
{
	int32_t r = (int32_t)(recent & SECCOMP_RET_ACTION_FULL);
	int32_t o = (int32_t)(older & SECCOMP_RET_ACTION_FULL);

	return r <= o ? recent : older;
}

static const uint32_t arg_pool[] = {
	0, 1, 2, 3, 4, 5, 6, 10, 16, 17, 28, 41, 0x800, 0x80000, 0x80800,
	0x5401, 0x40086602, 0x40046602, 0x401c5820, 0xffffffff, 0x7fffffff,
	0x40000000, 0x80000000, 0x100, 0x1000,
};
#define NPOOL (sizeof(arg_pool) / sizeof(arg_pool[0]))

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Every call of every ABI, many argument sets: one verdict both ways. */
static int compare(const struct sc_plan *pl, int say)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386,
					   0xdeadbeef };
	uint32_t seed = 0x5b5b5b5b;
	int differ = 0, checked = 0;

	for (size_t ai = 0; ai < sizeof(arches) / sizeof(arches[0]); ai++)
		for (uint32_t nr = 0; nr < 600; nr++)
			for (int k = 0; k < 48; k++) {
				struct seccomp_data d;
				int bad = 0;
				uint32_t two, one;

				memset(&d, 0, sizeof(d));
				d.arch = arches[ai];
				d.nr = (int)(k == 47 && ai == 0 ? nr | 0x40000000
								 : nr);
				for (int i = 0; i < 6; i++) {
					uint32_t lo = arg_pool[rnd(&seed) % NPOOL];
					uint32_t hi = rnd(&seed) % 4 ? 0 :
						      arg_pool[rnd(&seed) % NPOOL];

					d.args[i] = k ? ((uint64_t)hi << 32 | lo) : 0;
				}
				two = strongest(run(&pl->deny, &d, &bad),
						run(&pl->main, &d, &bad));
				one = run(&pl->one, &d, &bad);
				checked++;
				if (bad || one != two) {
					if (differ++ < 5 && say)
						fprintf(stderr, "arch %x nr %d "
							"arg0 %llx arg1 %llx "
							"arg2 %llx: two %x one "
							"%x%s\n", d.arch, d.nr,
							(unsigned long long)d.args[0],
							(unsigned long long)d.args[1],
							(unsigned long long)d.args[2],
							two, one,
							bad ? " (bad)" : "");
				}
			}
	return differ ? -differ : checked;
}

int main(void)
{
	static struct policy pol;
	static struct policy_err e;
	static struct sc_plan pl;
	static const char *const policies[] = {
		NULL,                                   /* the default */
		"allow example.com:443\ndirect 10.0.0.0/8:5432\nbind 8080\n",
		"dns off\nallow 127.0.0.1:9\n",
	};

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		for (int notify = 0; notify < 2; notify++) {
			int r;

			policy_init(&pol);
			CHECK(policy_parse(&pol, policies[i] ? policies[i] :
					   policy_default_text, "t", &e) == 0);
			CHECK(seccomp_build(&pl, &pol, notify) == 0);
			CHECK(pl.one.len == pl.deny.len + pl.main.len);
			r = compare(&pl, 1);
			CHECK(r > 0);
			/* The positive control: a program that is not the
			 * two (main alone) is told apart. */
			{
				struct sc_prog keep = pl.one;

				pl.one = pl.main;
				CHECK(compare(&pl, 0) < 0);
				pl.one = keep;
			}
		}
	if (fails)
		fprintf(stderr, "%d checks failed\n", fails);
	return fails != 0;
}
