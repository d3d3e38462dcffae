/*
 * Security, unprivileged: capability sets, the default and custom seccomp
 * profiles and their cache, rlimit parsing, Docker's path lists.
 */
#include "check_security.h"
#include "bpf_eval.h"
#include "runtime/security_seccomp_profile.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ALL: every capability of the kernel this process may hand on (its
 * bounding set, trimmed on some hosts). */
static uint64_t all_caps(void)
{
	char line[256];
	uint64_t bnd = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapBnd:", 7))
			bnd = strtoull(line + 7, NULL, 16);
	if (f)
		fclose(f);
	return ((BIT(last_cap()) << 1) - 1) & bnd;
}

/* --- capabilities ---------------------------------------------------------- */

START_TEST(test_security__cap_names)
{
	int cap = -1;

	ck_assert_engine_ok(engine__cap_from_name("CAP_CHOWN", &cap));
	ck_assert_int_eq(cap, CAP_CHOWN);
	ck_assert_engine_ok(engine__cap_from_name("net_raw", &cap));
	ck_assert_int_eq(cap, CAP_NET_RAW);
	ck_assert_engine_ok(engine__cap_from_name("cap_Sys_Admin", &cap));
	ck_assert_int_eq(cap, CAP_SYS_ADMIN);
	ck_assert_engine_error(engine__cap_from_name("CAP_FLY", &cap), ENGINE_EINVALID,
			       "unknown capability: \"CAP_FLY\"");
	ck_assert_str_eq(engine__cap_name(CAP_MKNOD), "CAP_MKNOD");
	ck_assert_ptr_null(engine__cap_name(200));
}
END_TEST

START_TEST(test_security__caps_default_set)
{
	engine__caps caps;
	size_t n = 0;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_uint_eq(caps.bounding, DOCKER_DEFAULT_CAPS);
	ck_assert_uint_eq(caps.effective, DOCKER_DEFAULT_CAPS);
	ck_assert_uint_eq(caps.permitted, DOCKER_DEFAULT_CAPS);
	ck_assert_uint_eq(caps.inheritable, 0);
	ck_assert_uint_eq(caps.ambient, 0);
	ck_assert_int_eq(caps.last_cap, last_cap());
	for (const char *const *p = engine__caps_default_names(); *p; p++)
		n++;
	ck_assert_uint_eq(n, 14);

	engine__caps_for_user(&caps, 1000);
	ck_assert_uint_eq(caps.bounding, DOCKER_DEFAULT_CAPS);
	ck_assert_uint_eq(caps.effective, 0);
	ck_assert_uint_eq(caps.permitted, 0);
}
END_TEST

START_TEST(test_security__caps_add_drop)
{
	char *add[] = {"sys_admin", "CAP_NET_ADMIN", NULL};
	char *drop[] = {"MKNOD", "cap_chown", NULL};
	char *all[] = {"ALL", NULL};
	char *all_lower[] = {"all", NULL};
	char *kill[] = {"kill", NULL};
	engine__caps caps;

	ck_assert_engine_ok(engine__caps_prepare(add, drop, &caps));
	ck_assert_uint_eq(caps.bounding, (DOCKER_DEFAULT_CAPS & ~(BIT(CAP_MKNOD) | BIT(CAP_CHOWN))) |
					     BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_ADMIN));
	ck_assert_uint_eq(caps.effective, caps.bounding);

	/* Add ALL: everything the kernel has, minus the drops. */
	ck_assert_engine_ok(engine__caps_prepare(all, drop, &caps));
	ck_assert_uint_eq(caps.bounding, all_caps() & ~(BIT(CAP_MKNOD) | BIT(CAP_CHOWN)));
	/* Drop ALL: only the adds. */
	ck_assert_engine_ok(engine__caps_prepare(kill, all_lower, &caps));
	ck_assert_uint_eq(caps.bounding, BIT(CAP_KILL));
	ck_assert_engine_ok(engine__caps_prepare(NULL, all, &caps));
	ck_assert_uint_eq(caps.bounding, 0);
	/* A cap both added and dropped stays (Docker appends the adds). */
	ck_assert_engine_ok(engine__caps_prepare(kill, kill, &caps));
	ck_assert_uint_eq(caps.bounding, DOCKER_DEFAULT_CAPS);
}
END_TEST

START_TEST(test_security__caps_unknown)
{
	char *bad[] = {"CHOWN", "CAP_TELEPORT", NULL};
	engine__caps caps;

	ck_assert_engine_error(engine__caps_prepare(bad, NULL, &caps), ENGINE_EINVALID,
			       "cap-add: unknown capability: \"CAP_TELEPORT\"");
	ck_assert_engine_error(engine__caps_prepare(NULL, bad, &caps), ENGINE_EINVALID,
			       "cap-drop: unknown capability: \"CAP_TELEPORT\"");
}
END_TEST

/* --- seccomp: compile and cache -------------------------------------------- */

START_TEST(test_security__seccomp_default_compiles)
{
	const engine__seccomp *s = NULL;
	const struct sock_fprog *prog;
	engine__caps caps;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &caps, &s));
	ck_assert_ptr_nonnull(s);
	prog = engine__seccomp_prog(s);
	ck_assert_ptr_nonnull(prog);
	ck_assert_ptr_nonnull(prog->filter);
	/* Hundreds of syscalls on three x86 ABIs. */
	ck_assert_uint_gt(prog->len, 300);
	ck_assert_uint_le(prog->len, BPF_MAXINSNS);
}
END_TEST

START_TEST(test_security__seccomp_unconfined)
{
	const engine__seccomp *s = (const engine__seccomp *)1;

	ck_assert_engine_ok(engine__seccomp_prepare(ctx, "unconfined", NULL, &s));
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(engine__seccomp_prog(NULL));
	ck_assert_int_eq(engine__seccomp_apply(NULL), 0);
}
END_TEST

START_TEST(test_security__seccomp_cached)
{
	char *admin[] = {"SYS_ADMIN", NULL};
	char *net_admin[] = {"NET_ADMIN", NULL};
	const engine__seccomp *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	engine__caps caps, with_admin, with_net_admin;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(engine__caps_prepare(admin, NULL, &with_admin));
	ck_assert_engine_ok(engine__caps_prepare(net_admin, NULL, &with_net_admin));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, "default", &caps, &a));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &caps, &b));
	ck_assert_ptr_eq(a, b);
	/* CAP_SYS_ADMIN changes the filter; CAP_NET_ADMIN does not. */
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &with_admin, &c));
	ck_assert_ptr_ne(a, c);
	ck_assert_uint_ne(engine__seccomp_prog(a)->len, engine__seccomp_prog(c)->len);
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &with_net_admin, &d));
	ck_assert_ptr_eq(a, d);
}
END_TEST

#define N_THREADS 8

struct race {
	pthread_barrier_t *barrier;
	engine__caps caps;
	const engine__seccomp *got;
	int r;
};

static void *race_prepare(void *arg)
{
	struct race *rc = arg;

	pthread_barrier_wait(rc->barrier);
	rc->r = engine__seccomp_prepare(ctx, NULL, &rc->caps, &rc->got);
	return NULL;
}

START_TEST(test_security__seccomp_cache_threads)
{
	pthread_barrier_t barrier;
	pthread_t threads[N_THREADS];
	struct race rc[N_THREADS];
	engine__caps caps;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	pthread_barrier_init(&barrier, NULL, N_THREADS);
	for (int i = 0; i < N_THREADS; i++) {
		rc[i] = (struct race){.barrier = &barrier, .caps = caps};
		ck_assert_int_eq(pthread_create(&threads[i], NULL, race_prepare, &rc[i]), 0);
	}
	for (int i = 0; i < N_THREADS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&barrier);
	for (int i = 0; i < N_THREADS; i++) {
		ck_assert_int_eq(rc[i].r, 0);
		ck_assert_ptr_nonnull(rc[i].got);
		ck_assert_ptr_eq(rc[i].got, rc[0].got);
	}
}
END_TEST

/* The only file in <root>/cache/seccomp (malloc'd path), or NULL. */
static char *only_cached_file(void)
{
	cleanup_free char *dir = engine__path_join(tmp, "cache/seccomp");
	cleanup_closedir DIR *d = opendir(dir);
	char *found = NULL;
	struct dirent *de;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ck_assert_msg(!found, "more than one cached program");
		found = engine__path_join(dir, de->d_name);
	}
	return found;
}

static engine_context *other_context(void)
{
	return th_context(tmp);
}

/* A new context (a new process) on the same root reads the compiled
 * program back instead of compiling; a damaged file is recompiled. */
START_TEST(test_security__seccomp_disk_cache)
{
	const engine__seccomp *a = NULL, *b = NULL, *c = NULL;
	engine_context *ctx2, *ctx3;
	cleanup_free char *file = NULL;
	engine__caps caps;
	struct stat st;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &caps, &a));
	file = only_cached_file();
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_size, 16 + engine__seccomp_prog(a)->len * 8);

	ctx2 = other_context();
	ck_assert_engine_ok(engine__seccomp_prepare(ctx2, NULL, &caps, &b));
	ck_assert_ptr_ne(a, b);
	ck_assert_uint_eq(engine__seccomp_prog(a)->len, engine__seccomp_prog(b)->len);
	ck_assert_int_eq(memcmp(engine__seccomp_prog(a)->filter, engine__seccomp_prog(b)->filter,
				engine__seccomp_prog(a)->len * 8),
			 0);

	ck_assert_engine_ok(engine__write_file_atomic(file, "garbage", 7, 0600, false));
	ctx3 = other_context();
	ck_assert_engine_ok(engine__seccomp_prepare(ctx3, NULL, &caps, &c));
	ck_assert_int_eq(memcmp(engine__seccomp_prog(a)->filter, engine__seccomp_prog(c)->filter,
				engine__seccomp_prog(a)->len * 8),
			 0);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_size, 16 + engine__seccomp_prog(a)->len * 8);
	engine_context_free(ctx2);
	engine_context_free(ctx3);
}
END_TEST

/* Docker's own default.json — the copy Debian ships with Docker 20.10
 * (package golang-github-docker-docker-dev) — parsed as a custom profile,
 * decides like the built-in table: every syscall Docker allows for a set of
 * capabilities, ours allows too, and what Docker denies that we allow is
 * only what newer Docker releases added (and io_uring, which they removed). Compared by evaluating both BPF
 * programs for every x86_64 syscall number, so the two may be built
 * differently. */
#define DEBIAN_DOCKER_PROFILE "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json"

/* Allowed by current moby's default.json, not yet by Docker 20.10's. */
static const char *const newer_in_moby[] = {
    "cachestat",  "fchmodat2",	      "futex_requeue",	   "futex_wait",
    "futex_wake", "map_shadow_stack", "name_to_handle_at", "pkey_alloc",
    "pkey_free",  "pkey_mprotect",    "process_vm_readv",  "process_vm_writev",
    NULL,
};

/* Allowed by Docker 20.10, denied by current moby (io_uring, since Docker 25). */
static const char *const removed_in_moby[] = {
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    NULL,
};

static int in_list(const char *const *list, const char *name)
{
	for (size_t i = 0; name && list[i]; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

START_TEST(test_security__default_matches_docker_json)
{
	static char *const sets[][4] = {
	    {NULL},
	    {"SYS_ADMIN", NULL},
	    {"SYS_PTRACE", "SYS_BOOT", "DAC_READ_SEARCH", NULL},
	    {"SYS_MODULE", "SYS_TIME", "SYSLOG", NULL},
	};
	char *drop_all[] = {"ALL", NULL};

	if (access(DEBIAN_DOCKER_PROFILE, R_OK) != 0)
		TH_SKIP("%s not installed (scripts/setup.sh installs it)", DEBIAN_DOCKER_PROFILE);
	for (size_t i = 0; i <= sizeof(sets) / sizeof(sets[0]); i++) {
		const engine__seccomp *ours = NULL, *docker = NULL;
		engine__caps caps;

		if (i < sizeof(sets) / sizeof(sets[0]))
			ck_assert_engine_ok(engine__caps_prepare(sets[i], NULL, &caps));
		else
			ck_assert_engine_ok(engine__caps_prepare(NULL, drop_all, &caps));
		ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &caps, &ours));
		ck_assert_engine_ok(engine__seccomp_prepare(ctx, DEBIAN_DOCKER_PROFILE, &caps, &docker));
		for (int nr = 0; nr < 460; nr++) {
			struct seccomp_data sd = {.nr = nr, .arch = AUDIT_ARCH_X86_64};
			uint32_t a = bpf_eval(engine__seccomp_prog(ours), &sd);
			uint32_t b = bpf_eval(engine__seccomp_prog(docker), &sd);
			int ours_allow = (a & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
			int docker_allow = (b & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
			char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);

			ck_assert_msg(a != 0xffffffffu && b != 0xffffffffu, "syscall %d: malformed program",
				      nr);
			ck_assert_msg(!docker_allow || ours_allow || in_list(removed_in_moby, name),
				      "cap set %zu: Docker allows %s (%d), we deny it", i, name ? name : "?",
				      nr);
			ck_assert_msg(!ours_allow || docker_allow || in_list(newer_in_moby, name),
				      "cap set %zu: we allow %s (%d), Docker denies it", i, name ? name : "?",
				      nr);
			free(name);
		}
	}
}
END_TEST

/* An x32 number below 512 that names no syscall on x32 (x86_64's "64"
 * entries): the front answers x32 through x86_64's tree and may allow it. */
static bool x32_no_syscall(const struct seccomp_data *sd)
{
	char *name;

	if (sd->arch != AUDIT_ARCH_X86_64 || !(sd->nr & 0x40000000) || (sd->nr & ~0x40000000) >= 512)
		return false;
	name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, sd->nr);
	free(name);
	return name == NULL;
}

/* ...and the kernel agrees: each such number the front allows is ENOSYS
 * (tried in a child, arguments 0: should one exist after all, it is
 * harmless there). */
START_TEST(test_security__seccomp_front_x32_extra_is_enosys)
{
	engine__caps caps;
	struct sock_fprog with = {0}, without = {0};
	int tried = 0;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(engine__seccomp_compile_with("default", engine__seccomp_default_profile(),
							 caps.bounding, ENGINE__SECCOMP_FRONT, &with));
	ck_assert_engine_ok(engine__seccomp_compile_with("default", engine__seccomp_default_profile(),
							 caps.bounding, 0, &without));
	for (int nr = 0; nr < 512; nr++) {
		struct seccomp_data sd = {.nr = nr | 0x40000000, .arch = AUDIT_ARCH_X86_64};
		pid_t pid;
		int status;

		if (bpf_eval(&with, &sd) == bpf_eval(&without, &sd))
			continue;
		ck_assert_msg(x32_no_syscall(&sd), "x32 %d: the front differs on a syscall", nr);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			long r = syscall(nr | 0x40000000, 0, 0, 0, 0, 0, 0);

			_exit(r == -1 && errno == ENOSYS ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "x32 %d: not ENOSYS", nr);
		tried++;
	}
	/* (that the front does take this way is in its length, above) */
	ck_assert_int_gt(tried, 0);
	free(with.filter);
	free(without.filter);
}
END_TEST

/* Whether @got decides like @ref (libseccomp's program alone) on every
 * syscall number of x86_64 (x32's too), i386 and an unknown arch, with
 * arguments that meet and miss the profiles' conditions. @x32_enosys: @got
 * answers every x32 number ENOSYS instead; else it may allow x32's numbers
 * of x86_64's own syscalls (no syscall there). */
static void compare_programs(const char *what, const struct sock_fprog *got, const struct sock_fprog *ref,
			     bool x32_enosys)
{
	static const uint32_t arches[] = {AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64};
	static const uint64_t values[] = {0,	      1,	  2,	      8,	  0x20000,
					  0x20008,    0xffffffff, 0x7e020000, 0x10000000, 0x40,
					  0x80000000, 40,	  16,	      ~0ULL};

	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++)
		for (uint32_t nr = 0; nr < 1100; nr++)
			for (uint32_t bit = 0; bit <= (arches[a] == AUDIT_ARCH_X86_64 ? 1u : 0u); bit++)
				for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
					struct seccomp_data sd = {.nr = (int)(nr | (bit << 30)),
								  .arch = arches[a]};
					uint32_t x, y;

					for (int i = 0; i < 6; i++)
						sd.args[i] = values[v];
					x = bpf_eval(got, &sd);
					y = bit && x32_enosys ? (SECCOMP_RET_ERRNO | ENOSYS)
							      : bpf_eval(ref, &sd);
					if (!x32_enosys && x == SECCOMP_RET_ALLOW && x != y &&
					    x32_no_syscall(&sd))
						continue;
					ck_assert_msg(x != 0xffffffffu && x == y,
						      "%s: arch %x nr %#x args %#llx: 0x%x, not 0x%x", what,
						      arches[a], (unsigned)sd.nr,
						      (unsigned long long)values[v], x, y);
				}
}

/* The front (the unconditionally allowed syscalls as ranges before
 * libseccomp's program) decides like libseccomp's program alone, for the
 * default profile under several bounding sets, Docker's and podman's JSON
 * profiles. And it is shorter. */
static void compare_front(const char *what, const engine__seccomp_profile *p, uint64_t bounding)
{
	struct sock_fprog with = {0}, without = {0};

	ck_assert_engine_ok(engine__seccomp_compile_with(what, p, bounding, ENGINE__SECCOMP_FRONT, &with));
	ck_assert_engine_ok(engine__seccomp_compile_with(what, p, bounding, 0, &without));
	ck_assert_uint_lt(with.len, without.len);
	compare_programs(what, &with, &without, false);
	free(with.filter);
	free(without.filter);
}

START_TEST(test_security__seccomp_front_decides_alike)
{
	static const char *const files[] = {DEBIAN_DOCKER_PROFILE, "/usr/share/containers/seccomp.json"};
	engine__caps caps;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	compare_front("default", engine__seccomp_default_profile(), caps.bounding);
	compare_front("default, all caps", engine__seccomp_default_profile(), ~0ULL);
	compare_front("default, no caps", engine__seccomp_default_profile(), 0);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cleanup_free char *json = NULL;
		engine__seccomp_profile *p = NULL;
		size_t len = 0;
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		json = malloc(1 << 20);
		ck_assert_ptr_nonnull(json);
		len = fread(json, 1, (1 << 20) - 1, f);
		fclose(f);
		ck_assert_engine_ok(engine__seccomp_profile_parse(files[i], json, len, &p));
		compare_front(files[i], p, caps.bounding);
		compare_front(files[i], p, ~0ULL);
		engine__seccomp_profile_free(p);
	}
}
END_TEST

/* Without x32 (ENGINE__SECCOMP_NO_X32, for kernels that answer every x32
 * syscall ENOSYS): every x32 number is ENOSYS up front, everything else is
 * decided as by libseccomp's program alone; shorter than the front alone.
 * A profile whose default lets unknown syscalls through keeps x32 as it
 * was, and so does one that does not list x32. */
static void compare_no_x32(const char *what, const engine__seccomp_profile *p, uint64_t bounding)
{
	struct sock_fprog no_x32 = {0}, front = {0}, plain = {0};

	ck_assert_engine_ok(engine__seccomp_compile_with(
	    what, p, bounding, ENGINE__SECCOMP_FRONT | ENGINE__SECCOMP_NO_X32, &no_x32));
	ck_assert_engine_ok(engine__seccomp_compile_with(what, p, bounding, ENGINE__SECCOMP_FRONT, &front));
	ck_assert_engine_ok(engine__seccomp_compile_with(what, p, bounding, 0, &plain));
	ck_assert_msg(no_x32.len < front.len, "%s: %u instructions without x32, %u with", what, no_x32.len,
		      front.len);
	compare_programs(what, &no_x32, &plain, true);
	free(no_x32.filter);
	free(front.filter);
	free(plain.filter);
}

START_TEST(test_security__seccomp_no_x32)
{
	static const char allow_default[] =
	    "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
	    "\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"acct\"],\"action\":\"SCMP_ACT_ERRNO\"}]}";
	static const char no_x32_listed[] =
	    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
	    "\"syscalls\":[{\"names\":[\"read\",\"write\",\"exit\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
	const char *const same[] = {allow_default, no_x32_listed};
	engine__caps caps;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		TH_SKIP("x32 is an x86_64 ABI");
		return;
	}
	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	compare_no_x32("default", engine__seccomp_default_profile(), caps.bounding);
	compare_no_x32("default, all caps", engine__seccomp_default_profile(), ~0ULL);
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		engine__seccomp_profile *p = NULL;
		struct sock_fprog a = {0}, b = {0};

		ck_assert_engine_ok(engine__seccomp_profile_parse("inline", same[i], strlen(same[i]), &p));
		ck_assert_engine_ok(engine__seccomp_compile_with(
		    "inline", p, caps.bounding, ENGINE__SECCOMP_FRONT | ENGINE__SECCOMP_NO_X32, &a));
		ck_assert_engine_ok(
		    engine__seccomp_compile_with("inline", p, caps.bounding, ENGINE__SECCOMP_FRONT, &b));
		ck_assert_msg(a.len == b.len && memcmp(a.filter, b.filter, a.len * sizeof(*a.filter)) == 0,
			      "profile %zu: x32 left out", i);
		free(a.filter);
		free(b.filter);
		engine__seccomp_profile_free(p);
	}
}
END_TEST

/* The probe says what a process here gets for an x32 syscall; loaded, the
 * program without x32 answers x32 ENOSYS, lets getpid through and refuses
 * what the profile refuses. */
START_TEST(test_security__seccomp_x32_probe)
{
	struct sock_fprog prog = {0};
	engine__caps caps;
	pid_t pid;
	int status;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		TH_SKIP("x32 is an x86_64 ABI");
		return;
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		long r = syscall(0x40000000L | SYS_getpid);

		_exit(r == -1 && errno == ENOSYS ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(engine__seccomp_x32_off(), WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(engine__seccomp_x32_off(), engine__seccomp_x32_off());

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(
	    engine__seccomp_compile_with("default", engine__seccomp_default_profile(), caps.bounding,
					 ENGINE__SECCOMP_FRONT | ENGINE__SECCOMP_NO_X32, &prog));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		long x32, own, acct;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(2);
		x32 = syscall(0x40000000L | SYS_getpid) == -1 && errno == ENOSYS;
		own = syscall(SYS_getpid) == getpid();
		acct = syscall(SYS_acct, NULL) == -1 && errno == EPERM;
		_exit(x32 && own && acct ? 0 : 3);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	free(prog.filter);
}
END_TEST

/* --- seccomp: custom profiles ---------------------------------------------- */

START_TEST(test_security__seccomp_custom_profile)
{
	cleanup_free char *path = write_file("profile.json", custom_profile);
	const engine__seccomp *a = NULL, *b = NULL, *inl = NULL, *def = NULL;
	engine__caps caps;

	ck_assert_engine_ok(engine__caps_prepare(NULL, NULL, &caps));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, path, &caps, &a));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_gt(engine__seccomp_prog(a)->len, 5);
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, path, &caps, &b));
	ck_assert_ptr_eq(a, b);
	/* The same document inline (as Docker's API sends it) compiles to the
	 * same cache entry: the key is the content. */
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, custom_profile, &caps, &inl));
	ck_assert_ptr_eq(a, inl);
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, NULL, &caps, &def));
	ck_assert_ptr_ne(a, def);
}
END_TEST

/* An edited file is a different profile. */
START_TEST(test_security__seccomp_custom_profile_changed)
{
	cleanup_free char *path =
	    write_file("p.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}");
	const engine__seccomp *a = NULL, *b = NULL;

	ck_assert_engine_ok(engine__seccomp_prepare(ctx, path, NULL, &a));
	free(write_file("p.json", "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
				  "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\"}]}"));
	ck_assert_engine_ok(engine__seccomp_prepare(ctx, path, NULL, &b));
	ck_assert_ptr_ne(a, b);
}
END_TEST

struct bad_profile {
	const char *json;
	int code;
	const char *needle;
};

static const struct bad_profile bad_profiles[] = {
    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", ", ENGINE_EINVALID, "invalid JSON"},
    {"[]", ENGINE_EINVALID, "not a JSON object"},
    {"{\"defaultAction\": \"SCMP_ACT_MAYBE\"}", ENGINE_EINVALID, "unknown action \"SCMP_ACT_MAYBE\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\"},"
     " {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_NOPE\"}]}",
     ENGINE_EINVALID, "syscalls[1] (\"mount\"): unknown action \"SCMP_ACT_NOPE\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}", ENGINE_EINVALID,
     "syscalls[0] (\"read\"): action: missing"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", \"names\": [\"write\"],"
     " \"action\": \"SCMP_ACT_ALLOW\"}]}",
     ENGINE_EINVALID, "syscalls[0]: both \"name\" and \"names\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
     "\"SCMP_ACT_ALLOW\","
     " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_ABOUT\"}]}]}",
     ENGINE_EINVALID, "syscalls[0] (\"socket\"): args[0]: unknown op \"SCMP_CMP_ABOUT\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_Z80\"]}", ENGINE_EINVALID,
     "architectures[0]: unknown architecture \"SCMP_ARCH_Z80\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_NOTIFY\"}]}",
     ENGINE_ENOTSUP, "SCMP_ACT_NOTIFY"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": "
     "\"SCMP_ACT_ALLOW\","
     " \"includes\": {\"minKernel\": \"five\"}}]}",
     ENGINE_EINVALID, "syscalls[0].includes.minKernel: invalid kernel version \"five\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"SECCOMP_FILTER_FLAG_FAST\"]}", ENGINE_EINVALID,
     "flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_FAST\""},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
     ENGINE_EINVALID, "syscalls[0] (\"socket\"): args[0]: value is not an unsigned 64-bit integer"},
    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
     "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": \"2\", \"op\": \"SCMP_CMP_EQ\"}]}]}",
     ENGINE_EINVALID, "args[0]: value is not an unsigned 64-bit integer"},
};

START_TEST(test_security__seccomp_custom_profile_errors)
{
	const struct bad_profile *bp = &bad_profiles[_i];
	cleanup_free char *path = write_file("bad.json", bp->json);
	const engine__seccomp *s = NULL;

	ck_assert_engine_error(engine__seccomp_prepare(ctx, path, NULL, &s), bp->code, bp->needle);
	/* Every message names the file. */
	ck_assert_msg(strstr(engine_error_last()->message, path), "\"%s\" does not name %s",
		      engine_error_last()->message, path);
	ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_security__seccomp_missing_profile)
{
	cleanup_free char *path = engine__path_join(tmp, "nope.json");
	const engine__seccomp *s = NULL;

	ck_assert_engine_error(engine__seccomp_prepare(ctx, path, NULL, &s), ENGINE_ENOTFOUND, path);
	ck_assert_engine_error(engine__seccomp_prepare(ctx, "", NULL, &s), ENGINE_EINVALID,
			       "seccomp profile: empty");
}
END_TEST

/* --- rlimits and paths -------------------------------------------------------- */

START_TEST(test_security__rlimit_parse)
{
	engine__rlimit rl;

	ck_assert_engine_ok(engine__rlimit_parse("nofile=1024:2048", &rl));
	ck_assert_int_eq(rl.resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(rl.limit.rlim_cur, 1024);
	ck_assert_uint_eq(rl.limit.rlim_max, 2048);
	ck_assert_engine_ok(engine__rlimit_parse("nproc=64", &rl));
	ck_assert_int_eq(rl.resource, RLIMIT_NPROC);
	ck_assert_uint_eq(rl.limit.rlim_cur, 64);
	ck_assert_uint_eq(rl.limit.rlim_max, 64);
	ck_assert_engine_ok(engine__rlimit_parse("core=0:-1", &rl));
	ck_assert_uint_eq(rl.limit.rlim_cur, 0);
	ck_assert_uint_eq(rl.limit.rlim_max, RLIM_INFINITY);
	ck_assert_engine_ok(engine__rlimit_parse("memlock=unlimited", &rl));
	ck_assert_uint_eq(rl.limit.rlim_cur, RLIM_INFINITY);

	ck_assert_engine_error(engine__rlimit_parse("files=10", &rl), ENGINE_EINVALID,
			       "invalid ulimit type \"files\"");
	ck_assert_engine_error(engine__rlimit_parse("nofile", &rl), ENGINE_EINVALID,
			       "expected name=soft[:hard]");
	ck_assert_engine_error(engine__rlimit_parse("nofile=10x", &rl), ENGINE_EINVALID,
			       "invalid limit \"10x\"");
	ck_assert_engine_error(engine__rlimit_parse("nofile=20:10", &rl), ENGINE_EINVALID,
			       "soft limit must be less than or equal to hard limit");
	ck_assert_engine_error(engine__rlimit_parse("nofile=1:2:3", &rl), ENGINE_EINVALID, "too many");
	ck_assert_engine_error(engine__rlimit_parse("nofile=", &rl), ENGINE_EINVALID, "invalid limit");
}
END_TEST

static bool listed(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

START_TEST(test_security__paths)
{
	const char *masked[] = {"/proc/asound",
				"/proc/acpi",
				"/proc/kcore",
				"/proc/keys",
				"/proc/latency_stats",
				"/proc/timer_list",
				"/proc/timer_stats",
				"/proc/sched_debug",
				"/proc/scsi",
				"/sys/firmware",
				"/sys/devices/virtual/powercap"};
	const char *ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++)
		ck_assert_msg(listed(engine__masked_paths(), masked[i]), "%s not masked", masked[i]);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		ck_assert_msg(listed(engine__readonly_paths(), ro[i]), "%s not read-only", ro[i]);
	ck_assert_uint_eq(engine__strv_len((char *const *)engine__readonly_paths()), 5);
}
END_TEST

START_TEST(test_security__masked_paths_host)
{
	cleanup_strv char **paths = NULL;
	size_t base = engine__strv_len((char *const *)engine__masked_paths());

	ck_assert_engine_ok(engine__masked_paths_host(&paths));
	ck_assert_uint_ge(engine__strv_len(paths), base);
	for (size_t i = 0; i < base; i++)
		ck_assert_str_eq(paths[i], engine__masked_paths()[i]);
	for (size_t i = base; paths[i]; i++) {
		ck_assert_msg(strstr(paths[i], "/thermal_throttle") != NULL, "unexpected %s", paths[i]);
		ck_assert_msg(engine__path_exists(paths[i]), "%s does not exist", paths[i]);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("security");
	TCase *tc = tcase_create("unprivileged");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_security__cap_names);
	tcase_add_test(tc, test_security__caps_default_set);
	tcase_add_test(tc, test_security__caps_add_drop);
	tcase_add_test(tc, test_security__caps_unknown);
	tcase_add_test(tc, test_security__seccomp_default_compiles);
	tcase_add_test(tc, test_security__seccomp_unconfined);
	tcase_add_test(tc, test_security__seccomp_cached);
	tcase_add_test(tc, test_security__seccomp_cache_threads);
	tcase_add_test(tc, test_security__seccomp_disk_cache);
	tcase_add_test(tc, test_security__default_matches_docker_json);
	tcase_add_test(tc, test_security__seccomp_custom_profile);
	tcase_add_test(tc, test_security__seccomp_custom_profile_changed);
	tcase_add_loop_test(tc, test_security__seccomp_custom_profile_errors, 0,
			    (int)(sizeof(bad_profiles) / sizeof(bad_profiles[0])));
	tcase_add_test(tc, test_security__seccomp_missing_profile);
	tcase_add_test(tc, test_security__rlimit_parse);
	tcase_add_test(tc, test_security__paths);
	tcase_add_test(tc, test_security__masked_paths_host);
	suite_add_tcase(s, tc);
	/* Some 900,000 evaluations of two programs: seconds, many more under
	 * ASan on a loaded machine (its default 4 s timeout expired in CI). */
	tc = tcase_create("front");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_security__seccomp_front_decides_alike);
	tcase_add_test(tc, test_security__seccomp_front_x32_extra_is_enosys);
	tcase_add_test(tc, test_security__seccomp_no_x32);
	tcase_add_test(tc, test_security__seccomp_x32_probe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 0);
}
