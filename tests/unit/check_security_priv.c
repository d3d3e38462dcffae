/*
 * Security, as root: a forked child applies capabilities, rlimits,
 * no_new_privs and a seccomp filter in the order security.h gives the
 * runtime, then probes what it can and cannot do, reporting each broken
 * expectation over a pipe.
 */
#include "check_security.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/keyctl.h>
#include <linux/sched.h>

/* What the child applies, in the order security.h tells the runtime. */
struct child_cfg {
	const engine__caps *caps;
	const engine__seccomp *seccomp;
	bool nnp;
	const engine__rlimit *rlimits;
	size_t n_rlimits;
	bool switch_user; /* to 1000:1000, as the runtime's setgroups/setgid/setuid */
};

#define REPORT(fd, ...) dprintf(fd, __VA_ARGS__)

static int child_apply(int fd, const struct child_cfg *c)
{
	int r;

	if ((r = engine__rlimits_apply(c->rlimits, c->n_rlimits)) < 0)
		return REPORT(fd, "rlimits: %s\n", strerror(-r)), -1;
	if (!c->nnp && (r = engine__seccomp_apply(c->seccomp)) < 0)
		return REPORT(fd, "seccomp (before caps): %s\n", strerror(-r)), -1;
	if (c->caps && (r = engine__caps_apply_bounding(c->caps)) < 0)
		return REPORT(fd, "bounding set: %s\n", strerror(-r)), -1;
	if (c->switch_user && (setgroups(0, NULL) < 0 || setgid(1000) < 0 || setuid(1000) < 0))
		return REPORT(fd, "user switch: %s\n", strerror(errno)), -1;
	if (c->caps && (r = engine__caps_apply_sets(c->caps)) < 0)
		return REPORT(fd, "capset: %s\n", strerror(-r)), -1;
	if (c->nnp && (r = engine__no_new_privs_apply()) < 0)
		return REPORT(fd, "no_new_privs: %s\n", strerror(-r)), -1;
	if (c->nnp && (r = engine__seccomp_apply(c->seccomp)) < 0)
		return REPORT(fd, "seccomp: %s\n", strerror(-r)), -1;
	return 0;
}

/* Run @body in a forked child after applying @cfg; the child writes one
 * line per failed expectation to the pipe. Returns what it wrote. */
static char *run_child(const struct child_cfg *cfg, void (*body)(int fd, const void *arg), const void *arg,
		       int *status)
{
	int p[2];
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	char buf[512];
	ssize_t n;
	pid_t pid;

	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (child_apply(p[1], cfg) == 0)
			body(p[1], arg);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, mem);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, status, 0), pid);
	fclose(mem);
	return out;
}

static void assert_child(const struct child_cfg *cfg, void (*body)(int fd, const void *arg), const void *arg)
{
	int status;
	cleanup_free char *out = run_child(cfg, body, arg, &status);

	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x: %s", status, out);
	ck_assert_msg(out[0] == '\0', "child reported:\n%s", out);
}

/* Probes: 0 on success, else the errno. */
static int ok_or_errno(long r)
{
	return r < 0 ? errno : 0;
}

static int p_getpid(void)
{
	return ok_or_errno(syscall(SYS_getpid));
}

static int p_pipe_rw(void)
{
	int fds[2];
	char c = 'x';

	if (pipe(fds) < 0)
		return errno;
	if (write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1)
		return errno;
	close(fds[0]);
	close(fds[1]);
	return 0;
}

static int wait_child(pid_t pid)
{
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? 0 : ECHILD;
}

static int p_fork(void)
{
	return wait_child(fork());
}

static int p_clone_newuts(void)
{
	return wait_child((pid_t)syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0));
}

static int p_clone3(void)
{
	struct clone_args args = {.exit_signal = SIGCHLD};

	return wait_child((pid_t)syscall(SYS_clone3, &args, sizeof(args)));
}

static int p_unshare_ns(void)
{
	return ok_or_errno(unshare(CLONE_NEWNS));
}

/* A missing mount point: without seccomp the lookup fails first (ENOENT),
 * so nothing can ever be mounted by this probe. */
static int p_mount(void)
{
	return ok_or_errno(mount("none", "/nonexistent/engine-test", "tmpfs", 0, NULL));
}

static int p_keyctl(void)
{
	return ok_or_errno(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0));
}

static int p_add_key(void)
{
	return ok_or_errno(syscall(SYS_add_key, "user", NULL, NULL, 0, 0));
}

static int p_kexec_load(void)
{
	return ok_or_errno(syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0xdead0000UL));
}

/* Bad magic numbers: EINVAL whenever the call is allowed at all. */
static int p_reboot(void)
{
	return ok_or_errno(syscall(SYS_reboot, 0, 0, 0, NULL));
}

/* A bad fd: EBADF where modules exist, ENOSYS where they do not; EPERM
 * only from a filter or a missing CAP_SYS_MODULE. Never loads anything. */
static int p_finit_module(void)
{
	return ok_or_errno(syscall(SYS_finit_module, -1, "", 0));
}

static int p_kcmp(void)
{
	return ok_or_errno(syscall(SYS_kcmp, getpid(), getpid(), 0 /* KCMP_FILE */, 0, 0));
}

static int p_ptrace_attach(void)
{
	return ok_or_errno(syscall(SYS_ptrace, PTRACE_ATTACH, 0x7ffffff0, 0, 0));
}

static int p_personality_query(void)
{
	return ok_or_errno(personality(0xffffffff));
}

static int p_personality_bsd(void)
{
	return ok_or_errno(personality(0x0006 /* PER_BSD */));
}

/* A syscall number past every one the profile names: ENOSYS, as runc
 * answers, so a libc falls back as it would on an older kernel. */
static int p_beyond_profile(void)
{
	return ok_or_errno(syscall(1000, 0, 0, 0));
}

#ifdef __x86_64__
/* mseal (462, kernel 6.10), newer than this libseccomp and the profile. */
static int p_mseal(void)
{
	return ok_or_errno(syscall(462, 0, 0, 0));
}
#endif

static int p_socket_vsock(void)
{
	int fd = socket(40 /* AF_VSOCK */, SOCK_STREAM, 0);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

static int p_socket_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? errno : 0;
}

static int p_mknod(void)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/null-%d", tmp, getpid());
	return ok_or_errno(mknod(path, S_IFCHR | 0600, makedev(1, 3)));
}

static int p_chown(void)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/owned-%d", tmp, getpid());
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	return ok_or_errno(chown(path, 1000, 1000));
}

struct probe {
	const char *name;
	int (*fn)(void);
	int want; /* errno, 0 for success, NOT_EPERM when the kernel's answer varies by host */
};

#define NOT_EPERM (-1)

static void run_probes(int fd, const void *arg)
{
	for (const struct probe *p = arg; p->name; p++) {
		int got = p->fn();

		if (p->want == NOT_EPERM ? got == EPERM : got != p->want)
			REPORT(fd, "%s: got %s, want %s\n", p->name, got ? strerror(got) : "success",
			       p->want == NOT_EPERM ? "anything but EPERM"
			       : p->want	    ? strerror(p->want)
						    : "success");
	}
}

static const engine__seccomp *prepare_seccomp(const char *profile, const engine__caps *caps)
{
	const engine__seccomp *s = NULL;

	ck_assert_engine_ok(engine__seccomp_prepare(ctx, profile, caps, &s));
	return s;
}

START_TEST(test_security__default_profile_blocks)
{
	static const struct probe probes[] = {
	    {"getpid", p_getpid, 0},
	    {"pipe read/write", p_pipe_rw, 0},
	    {"fork", p_fork, 0},
	    {"socket(AF_UNIX)", p_socket_unix, 0},
	    {"personality(query)", p_personality_query, 0},
	    {"ptrace (allowed since 4.8, as Docker)", p_ptrace_attach, ESRCH},
	    {"unshare(CLONE_NEWNS)", p_unshare_ns, EPERM},
	    {"clone(CLONE_NEWUTS)", p_clone_newuts, EPERM},
	    {"clone3", p_clone3, ENOSYS},
	    {"mount", p_mount, EPERM},
	    {"keyctl", p_keyctl, EPERM},
	    {"add_key", p_add_key, EPERM},
	    {"kexec_load", p_kexec_load, EPERM},
	    {"reboot", p_reboot, EPERM},
	    {"kcmp", p_kcmp, EPERM},
	    {"finit_module", p_finit_module, EPERM},
	    {"personality(PER_BSD)", p_personality_bsd, EPERM},
	    {"socket(AF_VSOCK)", p_socket_vsock, EPERM},
	    {"syscall 1000", p_beyond_profile, ENOSYS},
#ifdef __x86_64__
	    {"mseal", p_mseal, ENOSYS},
#endif
	    {NULL, NULL, 0},
	};
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true};

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);
	assert_child(&cfg, run_probes, probes);
}
END_TEST

/* The capabilities this test process cannot grant (a sandbox may have
 * taken some away): "ALL" minus these is what a child can really get. */
static char **caps_we_lack(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	char **names = NULL;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		sscanf(line, "CapEff: %llx", &eff);
	fclose(f);
	for (int cap = 0; cap <= last_cap(); cap++)
		if (!(eff & BIT(cap)))
			ck_assert_engine_ok(engine__strv_push(&names, engine__cap_name(cap)));
	if (!names)
		names = calloc(1, sizeof(char *));
	return names;
}

/* With every capability, the same probes reach the kernel: the errors come
 * from the arguments, not from a filter. */
START_TEST(test_security__unconfined_does_not_filter)
{
	static const struct probe probes[] = {
	    {"fork", p_fork, 0},
	    {"clone(CLONE_NEWUTS)", p_clone_newuts, 0},
	    {"clone3", p_clone3, 0},
	    {"unshare(CLONE_NEWNS)", p_unshare_ns, 0},
	    {"mount", p_mount, ENOENT},
	    {"keyctl", p_keyctl, ENOKEY},
	    {"add_key", p_add_key, EINVAL},
	    {"reboot", p_reboot, EINVAL},
	    {"kcmp", p_kcmp, 0},
	    {"personality(PER_BSD)", p_personality_bsd, 0},
	    {NULL, NULL, 0},
	};
	char *all[] = {"ALL", NULL};
	cleanup_strv char **missing = caps_we_lack();
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true};

	ck_assert_engine_ok(engine__caps_prepare(all, missing, &caps));
	cfg.seccomp = prepare_seccomp("unconfined", &caps);
	ck_assert_ptr_null(cfg.seccomp);
	assert_child(&cfg, run_probes, probes);
}
END_TEST

/* Docker's profile opens syscalls for the capabilities a container holds. */
START_TEST(test_security__default_profile_follows_caps)
{
	static const struct probe probes[] = {
	    {"unshare(CLONE_NEWNS)", p_unshare_ns, 0},
	    {"clone(CLONE_NEWUTS)", p_clone_newuts, 0},
	    {"mount", p_mount, ENOENT},
	    {"reboot", p_reboot, EINVAL},
	    {"kcmp", p_kcmp, 0},
	    {"finit_module", p_finit_module, NOT_EPERM},
	    {"keyctl (never allowed)", p_keyctl, EPERM},
	    {NULL, NULL, 0},
	};
	char *add[] = {"SYS_ADMIN", "SYS_BOOT", "SYS_PTRACE", "SYS_MODULE", NULL};
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true};

	ck_assert_engine_ok(engine__caps_prepare(add, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);
	assert_child(&cfg, run_probes, probes);
}
END_TEST

START_TEST(test_security__dropped_caps_are_gone)
{
	static const struct probe with_defaults[] = {
	    {"mknod", p_mknod, 0},
	    {"chown", p_chown, 0},
	    {NULL, NULL, 0},
	};
	static const struct probe dropped[] = {
	    {"mknod", p_mknod, EPERM},
	    {"chown", p_chown, EPERM},
	    {NULL, NULL, 0},
	};
	char *drop[] = {"MKNOD", "CAP_CHOWN", NULL};
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true};

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	assert_child(&cfg, run_probes, with_defaults);
	ck_assert_engine_ok(engine__caps_prepare(NULL, drop, &caps));
	assert_child(&cfg, run_probes, dropped);
}
END_TEST

/* The sets the kernel reports for the child, as /proc/self/status shows. */
struct status_want {
	uint64_t bnd, eff, prm, inh, amb;
	int nnp, seccomp;
	uid_t uid;
};

static void check_status(int fd, const void *arg)
{
	const struct status_want *w = arg;
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long v;
	int iv;

	if (!f) {
		REPORT(fd, "open /proc/self/status: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "CapBnd: %llx", &v) == 1 && v != w->bnd)
			REPORT(fd, "CapBnd %llx, want %llx\n", v, (unsigned long long)w->bnd);
		if (sscanf(line, "CapEff: %llx", &v) == 1 && v != w->eff)
			REPORT(fd, "CapEff %llx, want %llx\n", v, (unsigned long long)w->eff);
		if (sscanf(line, "CapPrm: %llx", &v) == 1 && v != w->prm)
			REPORT(fd, "CapPrm %llx, want %llx\n", v, (unsigned long long)w->prm);
		if (sscanf(line, "CapInh: %llx", &v) == 1 && v != w->inh)
			REPORT(fd, "CapInh %llx, want %llx\n", v, (unsigned long long)w->inh);
		if (sscanf(line, "CapAmb: %llx", &v) == 1 && v != w->amb)
			REPORT(fd, "CapAmb %llx, want %llx\n", v, (unsigned long long)w->amb);
		if (sscanf(line, "NoNewPrivs: %d", &iv) == 1 && iv != w->nnp)
			REPORT(fd, "NoNewPrivs %d, want %d\n", iv, w->nnp);
		if (sscanf(line, "Seccomp: %d", &iv) == 1 && iv != w->seccomp)
			REPORT(fd, "Seccomp %d, want %d\n", iv, w->seccomp);
	}
	fclose(f);
	if (getuid() != w->uid || geteuid() != w->uid)
		REPORT(fd, "uid %u, want %u\n", getuid(), w->uid);
}

START_TEST(test_security__bounding_set_reduced)
{
	char *drop[] = {"NET_RAW", NULL};
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps};
	struct status_want want;

	ck_assert_engine_ok(engine__caps_prepare(NULL, drop, &caps));
	want = (struct status_want){.bnd = DOCKER_DEFAULT_CAPS & ~BIT(CAP_NET_RAW),
				    .eff = DOCKER_DEFAULT_CAPS & ~BIT(CAP_NET_RAW),
				    .prm = DOCKER_DEFAULT_CAPS & ~BIT(CAP_NET_RAW)};
	assert_child(&cfg, check_status, &want);
}
END_TEST

static void check_rlimit(int fd, const void *arg)
{
	struct rlimit rl;

	(void)arg;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur != 64 || rl.rlim_max != 128)
		REPORT(fd, "RLIMIT_NOFILE %llu:%llu, want 64:128\n", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
	if (dup2(0, 100) >= 0 || errno != EBADF)
		REPORT(fd, "dup2 to fd 100 beyond the limit: %s\n", strerror(errno));
}

START_TEST(test_security__rlimit_applied)
{
	engine__rlimit rl;
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .rlimits = &rl, .n_rlimits = 1, .nnp = true};

	ck_assert_engine_ok(engine__rlimit_parse("nofile=64:128", &rl));
	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);
	assert_child(&cfg, check_rlimit, NULL);
}
END_TEST

static void check_status_then_exec(int fd, const void *arg)
{
	char *argv[] = {"/bin/sh", "-c", "exit 7", NULL};
	char *envp[] = {NULL};

	check_status(fd, arg);
	execve(argv[0], argv, envp);
	REPORT(fd, "execve under the filter: %s\n", strerror(errno));
}

/* The whole order of security.h, with a user switch, ending in execve. */
START_TEST(test_security__apply_order_like_runtime)
{
	engine__rlimit rl;
	engine__caps caps;
	struct child_cfg cfg = {
	    .caps = &caps, .rlimits = &rl, .n_rlimits = 1, .nnp = true, .switch_user = true};
	struct status_want want = {.bnd = DOCKER_DEFAULT_CAPS, .nnp = 1, .seccomp = 2, .uid = 1000};
	cleanup_free char *out = NULL;
	int status;

	ck_assert_engine_ok(engine__rlimit_parse("nproc=512", &rl));
	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);

	/* Docker: a non-root user keeps only the bounding set. */
	engine__caps_for_user(&caps, 1000);
	out = run_child(&cfg, check_status_then_exec, &want, &status);
	ck_assert_msg(out[0] == '\0', "child reported:\n%s", out);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 7, "child status 0x%x", status);
}
END_TEST

/* KEEPCAPS carries the permitted set across setuid when it is wanted. */
START_TEST(test_security__caps_kept_across_setuid)
{
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true, .switch_user = true};
	struct status_want want = {.bnd = DOCKER_DEFAULT_CAPS,
				   .eff = DOCKER_DEFAULT_CAPS,
				   .prm = DOCKER_DEFAULT_CAPS,
				   .nnp = 1,
				   .seccomp = 2,
				   .uid = 1000};

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);
	assert_child(&cfg, check_status, &want);
}
END_TEST

/* Without no_new_privs the filter goes in first, while CAP_SYS_ADMIN is held. */
START_TEST(test_security__seccomp_without_nnp)
{
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = false};
	struct status_want want = {.bnd = DOCKER_DEFAULT_CAPS,
				   .eff = DOCKER_DEFAULT_CAPS,
				   .prm = DOCKER_DEFAULT_CAPS,
				   .nnp = 0,
				   .seccomp = 2};

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(NULL, &caps);
	assert_child(&cfg, check_status, &want);
}
END_TEST

/* A custom profile's errno reaches the process; its cap condition holds. */
static void check_custom(int fd, const void *arg)
{
	char path[4096];

	(void)arg;
	snprintf(path, sizeof(path), "%s/dir-%d", tmp, getpid());
	if (mkdir(path, 0700) == 0 || errno != EACCES)
		REPORT(fd, "mkdir: %s, want EACCES\n", strerror(errno));
	if (syscall(SYS_getpgid, 1) >= 0 || errno != EPERM)
		REPORT(fd, "getpgid(1): %s, want EPERM\n", strerror(errno));
	if (syscall(SYS_getpgid, 0) < 0)
		REPORT(fd, "getpgid(0): %s, want success\n", strerror(errno));
	if (syscall(SYS_getppid) < 0)
		REPORT(fd, "getppid: %s, want success (rule needs CAP_SYS_ADMIN)\n", strerror(errno));
}

START_TEST(test_security__custom_profile_applied)
{
	cleanup_free char *path = write_file("profile.json", custom_profile);
	engine__caps caps;
	struct child_cfg cfg = {.caps = &caps, .nnp = true};

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	cfg.seccomp = prepare_seccomp(path, &caps);
	assert_child(&cfg, check_custom, NULL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("security (privileged)");
	TCase *tc = tcase_create("child");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_security__default_profile_blocks);
	tcase_add_test(tc, test_security__unconfined_does_not_filter);
	tcase_add_test(tc, test_security__default_profile_follows_caps);
	tcase_add_test(tc, test_security__dropped_caps_are_gone);
	tcase_add_test(tc, test_security__bounding_set_reduced);
	tcase_add_test(tc, test_security__rlimit_applied);
	tcase_add_test(tc, test_security__apply_order_like_runtime);
	tcase_add_test(tc, test_security__caps_kept_across_setuid);
	tcase_add_test(tc, test_security__seccomp_without_nnp);
	tcase_add_test(tc, test_security__custom_profile_applied);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 1);
}
