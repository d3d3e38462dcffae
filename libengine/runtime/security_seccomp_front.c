/*
 * A front for the seccomp program: the syscalls a profile allows without
 * conditions, as ranges of numbers per architecture, answered before the
 * program libseccomp makes for the rest. libseccomp spends one comparison
 * per allowed syscall and architecture (Docker's profile on x86_64, with
 * i386 and x32: 969 of its 1,257 instructions), and the kernel converts and
 * JITs every instruction at each container's seccomp(2) (0.6 ms of a run
 * here). Docker's allowed numbers form a few dozen runs per architecture,
 * so the same decisions take a fraction of the instructions.
 *
 * The front is exact: it allows only a number that libseccomp would allow
 * whatever the arguments (a name with one unconditional ALLOW rule, named by
 * no other applied rule, not multiplexed on any architecture, sharing its
 * number with no other rule's name), and sends everything else, unknown
 * architectures included, to libseccomp's program compiled without those
 * names. It uses only loads of arch and nr and constant comparisons, so the
 * kernel's action cache still sees every allowed number as always allowed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "core/error.h"
#include "runtime/security_seccomp_profile.h"
#include "util/cleanup.h"

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_FRONT 1024
#define PNR_NOT_ON_ARCH (-10000)

static int resolve(uint32_t arch, const char *name)
{
	return seccomp_syscall_resolve_name_arch(arch, name);
}

static bool counted(const engine__seccomp_profile *p, const bool *applies, size_t i)
{
	/* compile skips a rule that repeats the default action */
	return applies[i] && p->rules[i].action != p->default_action;
}

/* Whether the front may take name @n of rule @i: see the file comment.
 * @nrs/@n_nrs: per arch, the numbers the other rules' names resolve to. */
static bool takeable(const engine__seccomp_profile *p, const bool *applies, size_t i, size_t n,
		     const uint32_t *arches, size_t n_arches)
{
	const engine__seccomp_rule *rule = &p->rules[i];
	const char *name = rule->names[n];

	if (!counted(p, applies, i) || rule->action != SCMP_ACT_ALLOW || rule->n_args)
		return false;
	if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
		return false; /* compile skips it */
	for (size_t a = 0; a < n_arches; a++) {
		int nr = resolve(arches[a], name);

		/* libseccomp's pseudo numbers: -1 unknown, -10000 and below
		 * not on this arch, the others multiplexed (i386's socketcall
		 * and ipc, which libseccomp rewrites into argument checks) */
		if (nr == __NR_SCMP_ERROR || nr <= PNR_NOT_ON_ARCH)
			continue;
		if (nr < 0)
			return false;
		/* Any other applied rule naming this number on this arch. */
		for (size_t k = 0; k < p->n_rules; k++) {
			if (!counted(p, applies, k))
				continue;
			for (size_t m = 0; p->rules[k].names[m]; m++) {
				int other;

				if (k == i && m == n)
					continue;
				if (p->rules[k].action == SCMP_ACT_ALLOW && !p->rules[k].n_args)
					continue; /* the same answer either way */
				other = resolve(arches[a], p->rules[k].names[m]);
				if (other == nr)
					return false;
			}
		}
	}
	return true;
}

int engine__seccomp_front_plan(const engine__seccomp_profile *p, const bool *applies, const uint32_t *arches,
			       size_t n_arches, bool ***out)
{
	bool **taken = calloc(p->n_rules + 1, sizeof(*taken));
	size_t n_taken = 0;

	if (!taken)
		return engine__error_oom();
	/* With ALLOW or LOG as the default there are no allow rules to take. */
	for (size_t i = 0; i < p->n_rules; i++) {
		size_t n_names = 0;

		while (p->rules[i].names[n_names])
			n_names++;
		taken[i] = calloc(n_names + 1, sizeof(bool));
		if (!taken[i]) {
			engine__seccomp_front_free(taken, p->n_rules);
			return engine__error_oom();
		}
		for (size_t n = 0; n < n_names; n++)
			if ((taken[i][n] = takeable(p, applies, i, n, arches, n_arches)))
				n_taken++;
	}
	if (!n_taken) {
		engine__seccomp_front_free(taken, p->n_rules);
		taken = NULL;
	}
	*out = taken;
	return 0;
}

void engine__seccomp_front_free(bool **taken, size_t n_rules)
{
	if (!taken)
		return;
	for (size_t i = 0; i < n_rules; i++)
		free(taken[i]);
	free(taken);
}

/* --- code generation ------------------------------------------------------- */

typedef struct range {
	uint32_t lo, hi;
} range;

/* Jump targets that are resolved per tree: the tree's RET ALLOW and its
 * way on to libseccomp's program. */
enum { T_ALLOW = -1, T_REST = -2 };

typedef struct gen {
	struct sock_filter code[MAX_FRONT];
	int jt[MAX_FRONT], jf[MAX_FRONT]; /* absolute, or T_* */
	size_t n;
	bool overflow;
} gen;

static size_t emit(gen *g, uint16_t code, uint32_t k, int jt, int jf)
{
	if (g->n >= MAX_FRONT) {
		g->overflow = true;
		return g->n;
	}
	g->code[g->n] = (struct sock_filter){code, 0, 0, k};
	g->jt[g->n] = jt;
	g->jf[g->n] = jf;
	return g->n++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A binary search over @r[l..h] (sorted, disjoint): A within one → T_ALLOW,
 * else T_REST. Paths are O(log n) long, for the kernel's action cache. */
static void search(gen *g, const range *r, size_t l, size_t h)
{
	if (h - l < 2) {
		for (size_t i = l; i <= h; i++) {
			/* above this range: the next one (or nothing) */
			size_t gt = emit(g, BPF_JMP | BPF_JGT | BPF_K, r[i].hi, 0, 0);

			emit(g, BPF_JMP | BPF_JGE | BPF_K, r[i].lo, T_ALLOW, T_REST);
			g->jt[gt] = (int)g->n;
			g->jf[gt] = (int)gt + 1;
		}
		emit(g, BPF_JMP | BPF_JA, 0, T_REST, T_REST);
		return;
	}
	size_t mid = l + (h - l) / 2, node = emit(g, BPF_JMP | BPF_JGT | BPF_K, r[mid].hi, 0, 0);

	g->jf[node] = (int)node + 1;
	search(g, r, l, mid);
	g->jt[node] = (int)g->n;
	search(g, r, mid + 1, h);
}

/* One tree: the numbers @nrs as ranges, then its RET ALLOW and its JA on
 * to libseccomp's program (resolved at the end: T_REST of the whole). */
static void tree(gen *g, uint32_t *nrs, size_t n)
{
	cleanup_free range *r = calloc(n ? n : 1, sizeof(*r));
	size_t n_r = 0, start = g->n, allow, rest;

	if (!r) {
		g->overflow = true;
		return;
	}
	qsort(nrs, n, sizeof(*nrs), cmp_u32);
	for (size_t i = 0; i < n; i++) {
		if (n_r && (nrs[i] == r[n_r - 1].hi || nrs[i] == r[n_r - 1].hi + 1))
			r[n_r - 1].hi = nrs[i];
		else
			r[n_r++] = (range){nrs[i], nrs[i]};
	}
	if (n_r)
		search(g, r, 0, n_r - 1);
	allow = emit(g, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	rest = emit(g, BPF_JMP | BPF_JA, 0, T_REST, T_REST);
	for (size_t i = start; i < allow && i < MAX_FRONT; i++) {
		if (g->jt[i] == T_ALLOW)
			g->jt[i] = (int)allow;
		if (g->jt[i] == T_REST)
			g->jt[i] = (int)rest;
		if (g->jf[i] == T_REST)
			g->jf[i] = (int)rest;
	}
}

/* The numbers the front takes on @arch (x32: with X32_SYSCALL_BIT). */
static size_t arch_nrs(const engine__seccomp_profile *p, bool **taken, uint32_t arch, uint32_t *out,
		       size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; taken[i] && p->rules[i].names[k]; k++) {
			int nr;

			if (!taken[i][k] || (nr = resolve(arch, p->rules[i].names[k])) < 0 || n >= max)
				continue;
			out[n++] = (uint32_t)nr;
		}
	return n;
}

static bool has_nr(const uint32_t *nrs, size_t n, uint32_t nr)
{
	for (size_t i = 0; i < n; i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

/* Whether x32's numbers below 512 may be answered by x86_64's tree: x32
 * shares x86_64's "common" entries, number for number; x86_64's own ("64")
 * are no system call on x32 (ENOSYS whatever a filter says) and x32's own
 * start at 512. Checked, not assumed: every x32 number the front takes
 * below 512 is in @native, and each number of @native is, on x32, no
 * system call or one the front takes. Moves x32's numbers of 512 and up
 * to the front of @x32 and returns how many there are, or -1. */
static long x32_shares(const uint32_t *native, size_t n_native, uint32_t *x32, size_t n_x32)
{
	size_t high = 0;

	for (size_t i = 0; i < n_native; i++) {
		char *name;
		bool ok;

		if (native[i] >= 512)
			return -1;
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, (int)(native[i] | X32_SYSCALL_BIT));
		ok = !name || has_nr(x32, n_x32, native[i] | X32_SYSCALL_BIT);
		free(name);
		if (!ok)
			return -1;
	}
	for (size_t i = 0; i < n_x32; i++)
		if ((x32[i] & ~X32_SYSCALL_BIT) < 512 && !has_nr(native, n_native, x32[i] & ~X32_SYSCALL_BIT))
			return -1;
	for (size_t i = 0; i < n_x32; i++)
		if ((x32[i] & ~X32_SYSCALL_BIT) >= 512)
			x32[high++] = x32[i];
	return (long)high;
}

static bool listed(const uint32_t *arches, size_t n, uint32_t arch)
{
	for (size_t i = 0; i < n; i++)
		if (arches[i] == arch)
			return true;
	return false;
}

int engine__seccomp_front_add(const engine__seccomp_profile *p, bool **taken, const uint32_t *arches,
			      size_t n_arches, struct sock_fprog *prog)
{
	cleanup_free gen *g = calloc(1, sizeof(*g));
	cleanup_free uint32_t *nrs = NULL, *x32_nrs = NULL;
	size_t max_nrs = 0, n_x32;
	long high;
	struct sock_filter *joined;

	if (!g)
		return engine__error_oom();
	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; p->rules[i].names[k]; k++)
			max_nrs++;
	nrs = calloc(max_nrs + 1, sizeof(*nrs));
	x32_nrs = calloc(max_nrs + 1, sizeof(*x32_nrs));
	if (!nrs || !x32_nrs)
		return engine__error_oom();
	emit(g, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (size_t a = 0; a < n_arches; a++) {
		uint32_t arch = arches[a];
		size_t test, n;

		/* x32 shares x86_64's audit arch: it is handled in that block. */
		if (arch == SCMP_ARCH_X32 || listed(arches, a, arch))
			continue;
		/* Blocks and trees are longer than a conditional jump reaches:
		 * those jump over a JA. */
		emit(g, BPF_JMP | BPF_JEQ | BPF_K, arch, (int)g->n + 2, (int)g->n + 1);
		test = emit(g, BPF_JMP | BPF_JA, 0, 0, 0);
		emit(g, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
		if (arch == SCMP_ARCH_X86_64 && listed(arches, n_arches, SCMP_ARCH_X32) &&
		    (n = arch_nrs(p, taken, arch, nrs, max_nrs),
		     n_x32 = arch_nrs(p, taken, SCMP_ARCH_X32, x32_nrs, max_nrs),
		     (high = x32_shares(nrs, n, x32_nrs, n_x32)) >= 0)) {
			size_t to_high;

			/* x32 below 512 goes through x86_64's tree with its bit
			 * cleared, the rest to a tree of its own (jumps only go
			 * forward: the way in comes first). */
			emit(g, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, (int)g->n + 1, (int)g->n + 4);
			emit(g, BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT, 0, 0);
			emit(g, BPF_JMP | BPF_JGE | BPF_K, 512, (int)g->n + 1, (int)g->n + 2);
			to_high = emit(g, BPF_JMP | BPF_JA, 0, 0, 0);
			tree(g, nrs, n);
			g->jt[to_high] = g->jf[to_high] = (int)g->n;
			/* (A holds the number without its x32 bit here) */
			for (long i = 0; i < high; i++)
				x32_nrs[i] &= ~X32_SYSCALL_BIT;
			tree(g, x32_nrs, (size_t)high);
		} else if (arch == SCMP_ARCH_X86_64) {
			size_t x32;

			emit(g, BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, (int)g->n + 1, (int)g->n + 2);
			x32 = emit(g, BPF_JMP | BPF_JA, 0, 0, 0);
			n = arch_nrs(p, taken, arch, nrs, max_nrs);
			tree(g, nrs, n);
			g->jt[x32] = g->jf[x32] = (int)g->n;
			if (listed(arches, n_arches, SCMP_ARCH_X32)) {
				n = arch_nrs(p, taken, SCMP_ARCH_X32, nrs, max_nrs);
				tree(g, nrs, n);
			} else {
				emit(g, BPF_JMP | BPF_JA, 0, T_REST, T_REST);
			}
		} else {
			n = arch_nrs(p, taken, arch, nrs, max_nrs);
			tree(g, nrs, n);
		}
		g->jt[test] = g->jf[test] = (int)g->n; /* not this arch: the next block */
	}
	emit(g, BPF_JMP | BPF_JA, 0, T_REST, T_REST); /* an arch of none: libseccomp's */
	if (g->overflow || g->n + prog->len > BPF_MAXINSNS)
		return engine__error_set(ENGINE_ENOTSUP, 0, "seccomp: the front does not fit");
	/* Offsets: JA takes 32 bits, a conditional jump 8. */
	for (size_t pc = 0; pc < g->n; pc++) {
		struct sock_filter *f = &g->code[pc];
		int jt = g->jt[pc] == T_REST ? (int)g->n : g->jt[pc];
		int jf = g->jf[pc] == T_REST ? (int)g->n : g->jf[pc];

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (uint32_t)(jt - (int)(pc + 1));
			continue;
		}
		jt -= (int)(pc + 1);
		jf -= (int)(pc + 1);
		if (jt < 0 || jt > 255 || jf < 0 || jf > 255)
			return engine__error_set(ENGINE_ENOTSUP, 0,
						 "seccomp: a jump of the front out of range");
		f->jt = (uint8_t)jt;
		f->jf = (uint8_t)jf;
	}
	joined = malloc((g->n + prog->len) * sizeof(*joined));
	if (!joined)
		return engine__error_oom();
	memcpy(joined, g->code, g->n * sizeof(*joined));
	memcpy(joined + g->n, prog->filter, prog->len * sizeof(*joined));
	free(prog->filter);
	prog->filter = joined;
	prog->len = (unsigned short)(g->n + prog->len);
	return 0;
}
