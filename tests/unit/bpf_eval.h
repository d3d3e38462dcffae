/*
 * A classic-BPF interpreter over struct seccomp_data, for tests: it tells
 * what a compiled seccomp program decides for a syscall without loading it,
 * so two programs built differently can be compared by behaviour.
 */
#ifndef ENGINE_TESTS_BPF_EVAL_H
#define ENGINE_TESTS_BPF_EVAL_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>

/* The program's return value, or 0xffffffff for a malformed program. */
static inline uint32_t bpf_eval(const struct sock_fprog *prog, const struct seccomp_data *data)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
	const unsigned char *d = (const unsigned char *)data;

	for (unsigned pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *f = &prog->filter[pc];
		uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? x : k;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W &&
			    k + 4 <= sizeof(*data))
				memcpy(&a, d + k, 4);
			else if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				a = mem[k];
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = k;
			else if (BPF_MODE(f->code) == BPF_LEN)
				a = sizeof(*data);
			else
				return 0xffffffffu;
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_MEM && k < BPF_MEMWORDS)
				x = mem[k];
			else if (BPF_MODE(f->code) == BPF_IMM)
				x = k;
			else if (BPF_MODE(f->code) == BPF_LEN)
				x = sizeof(*data);
			else
				return 0xffffffffu;
			break;
		case BPF_ST:
		case BPF_STX:
			if (k >= BPF_MEMWORDS)
				return 0xffffffffu;
			mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD:
				a += src;
				break;
			case BPF_SUB:
				a -= src;
				break;
			case BPF_MUL:
				a *= src;
				break;
			case BPF_DIV:
				if (!src)
					return 0xffffffffu;
				a /= src;
				break;
			case BPF_AND:
				a &= src;
				break;
			case BPF_OR:
				a |= src;
				break;
			case BPF_XOR:
				a ^= src;
				break;
			case BPF_LSH:
				a <<= (src & 31);
				break;
			case BPF_RSH:
				a >>= (src & 31);
				break;
			case BPF_NEG:
				a = -a;
				break;
			default:
				return 0xffffffffu;
			}
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += k;
				break;
			}
			{
				int t;
				switch (BPF_OP(f->code)) {
				case BPF_JEQ:
					t = a == src;
					break;
				case BPF_JGT:
					t = a > src;
					break;
				case BPF_JGE:
					t = a >= src;
					break;
				case BPF_JSET:
					t = (a & src) != 0;
					break;
				default:
					return 0xffffffffu;
				}
				pc += t ? f->jt : f->jf;
			}
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return 0xffffffffu;
		}
	}
	return 0xffffffffu;
}

#endif
