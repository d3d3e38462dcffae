/* Fixtures shared by the security suites (unprivileged and privileged). */
#ifndef ENGINE_TESTS_CHECK_SECURITY_H
#define ENGINE_TESTS_CHECK_SECURITY_H

#include "check_helpers.h"

#include <linux/capability.h>

#include "runtime/security.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define BIT(c) (UINT64_C(1) << (c))

static char *tmp;
static engine_context *ctx;

static inline void setup(void)
{
	tmp = th_mkdtemp("security");
	ctx = th_context(tmp);
}

static inline void teardown(void)
{
	engine_context_free(ctx);
	ctx = NULL;
	th_cleanup_dir(tmp);
	tmp = NULL;
}

static inline char *write_file(const char *name, const char *content)
{
	char *path = engine__path_join(tmp, name);

	ck_assert_ptr_nonnull(path);
	ck_assert_engine_ok(engine__write_file_atomic(path, content, strlen(content), 0644, false));
	return path;
}

static inline int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int v = -1;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

/* Docker's default capability set. */
#define DOCKER_DEFAULT_CAPS                                                                                  \
	(BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) | BIT(CAP_MKNOD) |       \
	 BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |        \
	 BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE))

/* A Docker-format profile: errno rules, an arg rule, a cap condition, and a
 * syscall name libseccomp does not know (skipped, as Docker does). */
static const char custom_profile[] =
    "{\n"
    "  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
    "  \"archMap\": [ { \"architecture\": \"SCMP_ARCH_X86_64\",\n"
    "                 \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"] } ],\n"
    "  \"syscalls\": [\n"
    "    { \"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13 },\n"
    "    { \"name\": \"getppid\", \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 99,\n"
    "      \"includes\": { \"caps\": [\"CAP_SYS_ADMIN\"] } },\n"
    "    { \"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\",\n"
    "      \"args\": [ { \"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\" } ] },\n"
    "    { \"names\": [\"not_a_syscall_we_know\"], \"action\": \"SCMP_ACT_KILL\",\n"
    "      \"excludes\": { \"minKernel\": \"99.0\" }, \"comment\": \"skipped: unknown\" }\n"
    "  ]\n"
    "}\n";

#endif
