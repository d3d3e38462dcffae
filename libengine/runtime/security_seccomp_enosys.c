/*
 * ENOSYS for syscalls newer than the profile, as runc does (its patchbpf):
 * a syscall number above the highest one the profile names, on each of the
 * filter's architectures, answers ENOSYS instead of the default EPERM, so
 * a libc built for a newer kernel falls back to the old call the way it
 * would on an older kernel. Done by prepending a short BPF prologue to the
 * program libseccomp exported.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "core/error.h"
#include "runtime/security_seccomp_profile.h"

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_PROLOGUE 64

/* Jump targets before they are resolved to offsets. */
enum { TO_NEXT = -1, TO_ENOSYS = -2, TO_MAIN = -3 };

typedef struct insn {
	struct sock_filter f;
	int jt, jf; /* absolute index, or one of the TO_* targets */
} insn;

typedef struct prologue {
	insn code[MAX_PROLOGUE];
	size_t n;
} prologue;

static void emit(prologue *p, uint16_t code, uint32_t k, int jt, int jf)
{
	if (p->n < MAX_PROLOGUE)
		p->code[p->n++] = (insn){.f = {code, 0, 0, k}, .jt = jt, .jf = jf};
}

/* The highest syscall number the applied rules name on @arch, or -1. */
static int max_nr(const engine__seccomp_profile *p, const bool *applies, uint32_t arch)
{
	int max = -1;

	for (size_t i = 0; i < p->n_rules; i++) {
		if (!applies[i])
			continue;
		for (size_t n = 0; p->rules[i].names[n]; n++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, p->rules[i].names[n]);

			if (nr >= 0 && nr != __NR_SCMP_ERROR)
				max = nr > max ? nr : max;
		}
	}
	return max;
}

static bool has_arch(const uint32_t *arches, size_t n, uint32_t arch)
{
	for (size_t i = 0; i < n; i++)
		if (arches[i] == arch)
			return true;
	return false;
}

static int build(const engine__seccomp_profile *p, const bool *applies, const uint32_t *arches,
		 size_t n_arches, bool x32_off, prologue *out)
{
	emit(out, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (size_t a = 0; a < n_arches; a++) {
		uint32_t arch = arches[a];
		size_t start = out->n;
		int max;

		/* x32 shares x86_64's audit arch: it is handled in that block. */
		if (arch == SCMP_ARCH_X32)
			continue;
		max = max_nr(p, applies, arch);
		if (max < 0 && !(x32_off && arch == SCMP_ARCH_X86_64))
			continue;
		emit(out, BPF_JMP | BPF_JEQ | BPF_K, arch, (int)start + 1, TO_NEXT);
		emit(out, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
		if (arch == SCMP_ARCH_X86_64 && x32_off) {
			/* The kernel's own answer to each of them. */
			emit(out, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, TO_ENOSYS,
			     max < 0 ? TO_MAIN : (int)out->n + 1);
			if (max >= 0)
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_MAIN);
		} else if (arch == SCMP_ARCH_X86_64) {
			int x32_max = has_arch(arches, n_arches, SCMP_ARCH_X32)
					  ? max_nr(p, applies, SCMP_ARCH_X32)
					  : -1;

			if (x32_max >= 0) {
				/* x32 numbers carry X32_SYSCALL_BIT, so they are
				 * compared on their own. */
				emit(out, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, (int)out->n + 2,
				     (int)out->n + 1);
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_MAIN);
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)x32_max, TO_ENOSYS, TO_MAIN);
			} else {
				emit(out, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, TO_MAIN,
				     (int)out->n + 1);
				emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_MAIN);
			}
		} else {
			emit(out, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_MAIN);
		}
		/* The block's "not this arch" exit goes to whatever follows. */
		for (size_t i = start; i < out->n; i++)
			if (out->code[i].jf == TO_NEXT)
				out->code[i].jf = (int)out->n;
	}
	emit(out, BPF_JMP | BPF_JA, 0, 0, 0); /* k resolved below: to main */
	emit(out, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA), 0, 0);
	if (out->n >= MAX_PROLOGUE)
		return engine__error_set(ENGINE_ERROR, 0, "seccomp: ENOSYS prologue too long");
	return 0;
}

static int resolve(int target, size_t pc, size_t n)
{
	size_t abs = target == TO_ENOSYS ? n - 1 : target == TO_MAIN ? n : (size_t)target;

	return (int)(abs - (pc + 1));
}

bool engine__seccomp_enosys_applies(const engine__seccomp_profile *p)
{
	/* With ALLOW or LOG as the default, unknown syscalls already go
	 * through; with ENOSYS as the default there is nothing to change. */
	return p->default_action != SCMP_ACT_ALLOW && p->default_action != SCMP_ACT_LOG &&
	       p->default_action != SCMP_ACT_ERRNO(ENOSYS);
}

int engine__seccomp_add_enosys(const engine__seccomp_profile *p, const bool *applies, const uint32_t *arches,
			       size_t n_arches, bool x32_off, struct sock_fprog *prog)
{
	prologue pro = {.n = 0};
	struct sock_filter *joined;
	size_t n;
	int r;

	if (!engine__seccomp_enosys_applies(p))
		return 0;
	r = build(p, applies, arches, n_arches, x32_off, &pro);
	if (r < 0)
		return r;
	n = pro.n;
	if (n + prog->len > BPF_MAXINSNS)
		return engine__error_set(ENGINE_ERROR, 0, "seccomp: program of %zu instructions is too long",
					 n + prog->len);
	joined = malloc((n + prog->len) * sizeof(*joined));
	if (!joined)
		return engine__error_oom();
	for (size_t pc = 0; pc < n; pc++) {
		insn *in = &pro.code[pc];

		joined[pc] = in->f;
		if (BPF_CLASS(in->f.code) == BPF_JMP && BPF_OP(in->f.code) == BPF_JA) {
			joined[pc].k = (uint32_t)resolve(TO_MAIN, pc, n);
		} else if (BPF_CLASS(in->f.code) == BPF_JMP) {
			int jt = resolve(in->jt, pc, n), jf = resolve(in->jf, pc, n);

			if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
				free(joined);
				return engine__error_set(ENGINE_ERROR, 0,
							 "seccomp: ENOSYS prologue jump out of range");
			}
			joined[pc].jt = (uint8_t)jt;
			joined[pc].jf = (uint8_t)jf;
		}
	}
	memcpy(joined + n, prog->filter, prog->len * sizeof(*joined));
	free(prog->filter);
	prog->filter = joined;
	prog->len = (unsigned short)(n + prog->len);
	return 0;
}
