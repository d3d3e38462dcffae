/*
 * Spawning the way posix_spawn does: clone3 with CLONE_VM|CLONE_VFORK on a
 * private stack. The child shares the caller's memory until it execs, so
 * no page table is copied: the cost of a run does not grow with the
 * caller's heap (a 2 GiB Python or Go process, a big test harness). The
 * caller is suspended until the exec, so there is no round trip: the child
 * is born in its v2 cgroup (CLONE_INTO_CGROUP) and moves itself into its v1
 * ones; user namespaces (whose maps the parent writes), --init (PID 1
 * never execs) and prepared sandboxes (they wait for a job) keep the
 * copying clone in spawn.c.
 *
 * Sharing memory is why the child (child.c) only makes system calls on
 * what the parent prepared: it must not allocate, lock, or change anything
 * the parent will read, and every signal stays blocked until it has reset
 * the handlers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "net/net.h"
#include "runtime/runtime.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The child's code runs on its own stack (the caller's is in use by the
 * suspended caller); a guard page below it. */
#define STACK_SIZE (256 * 1024)

/* Not under ASan or TSan: their runtimes cannot follow a child that runs
 * on the parent's memory (TSan reports its every write as a race). */
#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define HAVE_SPAWN_VM 1

struct vm_start {
	engine__plan *plan;
	int err_w;
};

static int vm_child(void *arg)
{
	struct vm_start *s = arg;

	engine__child_main(s->plan, -1, s->err_w);
}

/* clone3, then @fn(@arg) in the child on the stack the kernel switched to:
 * C cannot return from the syscall onto a new stack, so the child's side
 * is a few instructions here. It never returns (exit(2) if @fn does). */
static long clone3_run(struct clone_args *args, int (*fn)(void *), void *arg)
{
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %[arg], %%rdi\n\t"
			 "call *%[fn]\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov %[nr_exit], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(args),
			   "S"(sizeof(*args)), [fn] "r"(fn), [arg] "r"(arg), [nr_exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}
#endif

bool engine__spawn_vm_possible(const engine__plan *p)
{
#ifdef HAVE_SPAWN_VM
	/* A bridge network's veth is wired on the round trip (engine__net_attach);
	 * a rootless user namespace is mapped there;
	 * a tty needs it too: the child sends its pty's master back; so do an
	 * OCI bundle's hooks. Outside a PID namespace of its own (--pid host
	 * or container:<x>), a child sharing the caller's memory, dumpable
	 * until it execs, would be in reach of others: the copying clone. */
	return p->join_pidfd < 0 && (p->clone_flags & CLONE_NEWPID) && p->join_pidns_fd < 0 &&
	       !p->userns_count && !p->rootless && !p->init && !p->job && !p->tty &&
	       !engine__net_needs_attach(p->net) &&
	       !(p->oci && (p->oci->before_pivot || p->oci->userns_fd >= 0));
#else
	(void)p;
	return false;
#endif
}

int engine__spawn_vm(engine__plan *p, engine__cgroup *cg, engine__spawning *sp)
{
#ifdef HAVE_SPAWN_VM
	struct clone_args args;
	struct vm_start start;
	sigset_t all, old;
	int fds[2], pidfd = -1, v2_fd = -1, r;
	char *stack;
	long pid;

	sp->pid = 0;
	sp->pidfd = sp->go_w = sp->err_r = sp->console = -1;
	p->n_attach_fds = 0;
	if (cg && (r = engine__cgroup_self_attach_fds(cg, &v2_fd, p->attach_fds,
						      sizeof(p->attach_fds) / sizeof(p->attach_fds[0]),
						      &p->n_attach_fds)) < 0)
		return engine__error_wrap("place the container in its cgroup");
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = engine__error_errno(errno, "create error pipe");
		goto close_attach;
	}
	stack =
	    mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		r = engine__error_errno(errno, "allocate the child's stack");
		close(fds[0]);
		close(fds[1]);
		goto close_attach;
	}
	mprotect(stack, 4096, PROT_NONE);
	p->vm = true;
	start = (struct vm_start){p, fds[1]};
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | p->clone_flags;
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* No exit signal until exec, as in spawn.c. */
	args.exit_signal = 0;
	args.stack = (uint64_t)(uintptr_t)stack;
	args.stack_size = STACK_SIZE;
	if (v2_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)v2_fd;
	}
	/* No handler of the caller's may run on the child's side of the
	 * shared memory: everything blocked until the child resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone3_run(&args, vm_child, &start);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Back here only once the child exec'd or died: its stack is free. */
	munmap(stack, STACK_SIZE);
	p->vm = false;
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		r = engine__error_errno((int)-pid, "clone3 (namespaces 0x%llx)",
					(unsigned long long)args.flags);
		goto close_attach;
	}
	sp->pid = (pid_t)pid;
	sp->pidfd = pidfd;
	sp->err_r = fds[0];
	r = 0;
close_attach:
	for (size_t i = 0; i < p->n_attach_fds; i++)
		close(p->attach_fds[i]);
	p->n_attach_fds = 0;
	return r;
#else
	(void)cg;
	(void)sp;
	(void)p;
	return engine__error_set(ENGINE_ENOTSUP, 0, "spawn with CLONE_VM: not in this build");
#endif
}
