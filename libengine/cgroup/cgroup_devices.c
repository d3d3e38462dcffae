/*
 * Docker's default device policy, for both hierarchies: deny every device
 * but mknod and the harmless nodes a container's /dev holds. v1 writes it
 * to devices.deny/devices.allow; v2 has no device files, so the same list
 * is compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program (loaded once per
 * context, attached to each container's cgroup).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"

typedef struct dev_rule {
	char type;    /* 'c', 'b' or 'a' */
	int major;    /* -1: any */
	int minor;    /* -1: any */
	unsigned acc; /* BPF_DEVCG_ACC_* bits */
	bool deny;
} dev_rule;

#define RWM (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

/* runc's and Docker's defaults but the host's console (c 5:1): a
 * container's /dev/console is its own pty (c 136:N) when it has one, so
 * the rule served only a node made with mknod, which opened the host's
 * console (a serial line's login prompt: its input read, its screen
 * written). mknod of anything is fine: using a node needs read or write,
 * which only the listed ones get. */
static const dev_rule rules[] = {
    {'c', -1, -1, BPF_DEVCG_ACC_MKNOD, false}, /* mknod of any char device */
    {'b', -1, -1, BPF_DEVCG_ACC_MKNOD, false}, /* mknod of any block device */
    {'c', 1, 3, RWM, false},		       /* null */
    {'c', 1, 5, RWM, false},		       /* zero */
    {'c', 1, 7, RWM, false},		       /* full */
    {'c', 1, 8, RWM, false},		       /* random */
    {'c', 1, 9, RWM, false},		       /* urandom */
    {'c', 5, 0, RWM, false},		       /* tty */
    {'c', 5, 2, RWM, false},		       /* ptmx */
    {'c', 136, -1, RWM, false},		       /* pty slaves */
    {'c', 10, 200, RWM, false},		       /* tun/tap (usable only with NET_ADMIN) */
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static void v1_rule(const dev_rule *r, char *buf, size_t size)
{
	char major[12] = "*", minor[12] = "*";

	if (r->major >= 0)
		snprintf(major, sizeof(major), "%d", r->major);
	if (r->minor >= 0)
		snprintf(minor, sizeof(minor), "%d", r->minor);
	snprintf(buf, size, "%c %s:%s %s%s%s", r->type, major, minor, r->acc & BPF_DEVCG_ACC_READ ? "r" : "",
		 r->acc & BPF_DEVCG_ACC_WRITE ? "w" : "", r->acc & BPF_DEVCG_ACC_MKNOD ? "m" : "");
}

static unsigned acc_bits(const char *access)
{
	unsigned acc = 0;

	for (const char *c = access; *c; c++)
		acc |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	return acc;
}

static dev_rule from_config(const engine__cgroup_device_rule *c)
{
	return (dev_rule){c->type, c->type == 'a' || c->major < 0 ? -1 : (int)c->major,
			  c->type == 'a' || c->minor < 0 ? -1 : (int)c->minor,
			  c->access[0] ? acc_bits(c->access) : RWM, !c->allow};
}

int engine__cgroup_devices_v1(int dirfd, const char *dir, const engine__cgroup_limits *l)
{
	cleanup_close int allow = -EBADF, deny = -EBADF;
	size_t n = l->device_rules ? l->n_device_rules : N_RULES + 1;

	/* One open per file, one rule per write(2): the kernel parses a rule a write. */
	allow = openat(dirfd, "devices.allow", O_WRONLY | O_CLOEXEC);
	if (allow < 0)
		return engine__error_errno(errno, "cgroup %s/devices.allow: open", dir);
	deny = openat(dirfd, "devices.deny", O_WRONLY | O_CLOEXEC);
	if (deny < 0)
		return engine__error_errno(errno, "cgroup %s/devices.deny: open", dir);
	for (size_t i = 0; i < n; i++) {
		dev_rule r = l->device_rules ? from_config(&l->device_rules[i])
			     : i == 0	     ? (dev_rule){'a', -1, -1, RWM, true}
					     : rules[i - 1];
		char buf[64];

		if (r.type == 'a')
			snprintf(buf, sizeof(buf), "a");
		else
			v1_rule(&r, buf, sizeof(buf));
		if (write(r.deny ? deny : allow, buf, strlen(buf)) < 0)
			return engine__error_errno(errno, "cgroup %s/devices.%s: write \"%s\"", dir,
						   r.deny ? "deny" : "allow", buf);
	}
	return 0;
}

#define INSN(c, d, s, o, i)                                                                                  \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The program: r2 = device type, r3 = requested access, r4/r5 = major and
 * minor (struct bpf_cgroup_dev_ctx); one block per rule that returns 1
 * (allow) on a match or jumps to the next block; 0 (deny) at the end. */
static size_t compile(struct bpf_insn *p, const dev_rule *list, size_t n_list)
{
	size_t n = 0;
	bool deny_default = false;

	p[n++] = LDX_W(BPF_REG_2, BPF_REG_1, 0);
	p[n++] = ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff);
	p[n++] = LDX_W(BPF_REG_3, BPF_REG_1, 0);
	p[n++] = ALU32_IMM(BPF_RSH, BPF_REG_3, 16);
	p[n++] = LDX_W(BPF_REG_4, BPF_REG_1, 4);
	p[n++] = LDX_W(BPF_REG_5, BPF_REG_1, 8);
	/* The last matching rule decides, as in v1 where each rule edits the
	 * list: walk them from the end. An allow rule matches a request
	 * within its access, a deny rule one that wants any of its access. */
	for (size_t k = n_list; k-- > 0;) {
		const dev_rule *r = &list[k];
		bool acc_check = r->acc != RWM;
		size_t len = (r->type != 'a') + (acc_check ? 3 : 0) + (r->major >= 0) + (r->minor >= 0) + 2,
		       end = n + len;

		if (r->type == 'a' && !acc_check) {
			deny_default = r->deny;
			break; /* matches every request: what comes before never counts */
		}
		/* Each jump skips to @end, the next rule's first instruction. */
		if (r->type != 'a') {
			p[n] = JNE_IMM(BPF_REG_2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK,
				       (short)(end - n - 1));
			n++;
		}
		if (acc_check) {
			p[n++] = MOV32_REG(BPF_REG_1, BPF_REG_3);
			if (r->deny) {
				p[n++] = ALU32_IMM(BPF_AND, BPF_REG_1, (int)r->acc);
				p[n] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, (short)(end - n - 1), 0);
			} else {
				p[n++] = ALU32_IMM(BPF_AND, BPF_REG_1, (int)(~r->acc & RWM));
				p[n] = JNE_IMM(BPF_REG_1, 0, (short)(end - n - 1));
			}
			n++;
		}
		if (r->major >= 0) {
			p[n] = JNE_IMM(BPF_REG_4, r->major, (short)(end - n - 1));
			n++;
		}
		if (r->minor >= 0) {
			p[n] = JNE_IMM(BPF_REG_5, r->minor, (short)(end - n - 1));
			n++;
		}
		p[n++] = MOV64_IMM(BPF_REG_0, r->deny ? 0 : 1);
		p[n++] = EXIT();
	}
	p[n++] = MOV64_IMM(BPF_REG_0, deny_default ? 0 : 1);
	p[n++] = EXIT();
	return n;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int program_load(const dev_rule *list, size_t n_list)
{
	cleanup_free struct bpf_insn *insns = calloc(8 + n_list * 8, sizeof(*insns));
	char log[512] = "";
	union bpf_attr attr;
	int fd;

	if (!insns)
		return engine__error_oom();
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insn_cnt = (unsigned)compile(insns, list, n_list);
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC) { /* the log was too small, not the program */
		attr.log_buf = attr.log_size = attr.log_level = 0;
		fd = bpf(BPF_PROG_LOAD, &attr);
	}
	if (fd < 0)
		return engine__error_set(errno == ENOSYS || errno == EINVAL
					     ? ENGINE_ENOTSUP
					     : engine__error_code_from_errno(errno),
					 errno, "device policy: load the BPF device program: %s%s%.200s",
					 strerror(errno), log[0] ? ": " : "", log);
	/* O_CLOEXEC is implied: BPF fds are close-on-exec. */
	return fd;
}

/* Docker's policy: loaded once per context (the verifier's work is not
 * free), under the host lock: containers may be created from several
 * threads. The default list starts with "deny all". */
static int program(cg_host *h)
{
	dev_rule list[N_RULES + 1];
	int fd;

	list[0] = (dev_rule){'a', -1, -1, RWM, true};
	memcpy(list + 1, rules, sizeof(rules));
	pthread_mutex_lock(&h->lock);
	if (h->v2_dev_prog_fd < 0 && (fd = program_load(list, N_RULES + 1)) >= 0)
		h->v2_dev_prog_fd = fd;
	fd = h->v2_dev_prog_fd >= 0 ? h->v2_dev_prog_fd : engine_error_last()->code;
	pthread_mutex_unlock(&h->lock);
	return fd;
}

int engine__cgroup_devices_v2(engine__cgroup *cg, const engine__cgroup_limits *l)
{
	cleanup_close int own = -EBADF;
	union bpf_attr attr;
	int prog;

	if (l->device_rules) {
		cleanup_free dev_rule *list = calloc(l->n_device_rules + 1, sizeof(*list));

		if (!list)
			return engine__error_oom();
		for (size_t i = 0; i < l->n_device_rules; i++)
			list[i] = from_config(&l->device_rules[i]);
		prog = own = program_load(list, l->n_device_rules);
	} else {
		prog = program(cg->host);
	}
	if (prog < 0)
		return prog;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (unsigned)cg->v2_fd;
	attr.attach_bpf_fd = (unsigned)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	/* No flags: nothing below the container's cgroup may attach another
	 * device program, so the policy cannot be widened from inside. */
	attr.attach_flags = 0;
	if (bpf(BPF_PROG_ATTACH, &attr) < 0)
		return engine__error_errno(errno, "device policy: attach the BPF device program to %s",
					   cg->v2_path);
	return 0;
}

size_t engine__cgroup_default_device_rules(engine__cgroup_device_rule *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < N_RULES && n < max; i++, n++) {
		out[n] =
		    (engine__cgroup_device_rule){true, rules[i].type, rules[i].major, rules[i].minor, ""};
		snprintf(out[n].access, sizeof(out[n].access), "%s%s%s",
			 rules[i].acc & BPF_DEVCG_ACC_READ ? "r" : "",
			 rules[i].acc & BPF_DEVCG_ACC_WRITE ? "w" : "",
			 rules[i].acc & BPF_DEVCG_ACC_MKNOD ? "m" : "");
	}
	return n;
}
