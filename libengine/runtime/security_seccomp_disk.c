/*
 * Compiled seccomp programs kept on disk under <root>/cache/seccomp, so a
 * process that starts one container (the CLI, a script) does not pay
 * libseccomp's compile on every run. A file is named after everything the
 * program depends on: the parsed profile (the default table, or the JSON
 * document), the relevant capabilities, the engine and libseccomp versions
 * and a compiler revision, the kernel release and the arch. The cache is
 * best-effort: a missing, unreadable or malformed file means compiling.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/filter.h>

#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "runtime/security_seccomp_profile.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/str.h"

#define MAGIC "ENGSECC1"
/* Bump when the compiler's output for the same profile changes (rule
 * translation, filter attributes, the ENOSYS prologue), so programs cached
 * by an older build are not reused. */
#define COMPILER_REVISION 3

typedef struct disk_header {
	char magic[8];
	uint32_t flags;
	uint32_t len;
} disk_header;

static int hash_str(engine__sha256 *h, const char *s)
{
	/* NUL included, so "ab","c" and "a","bc" differ. */
	return engine__sha256_update(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static int hash_u64(engine__sha256 *h, uint64_t v)
{
	return engine__sha256_update(h, &v, sizeof(v));
}

static int hash_u64s(engine__sha256 *h, const uint64_t *v, size_t n)
{
	return engine__sha256_update(h, v, n * sizeof(*v));
}

static int hash_cond(engine__sha256 *h, const engine__seccomp_cond *c)
{
	int r = hash_u64(h, c ? 1 : 0);

	if (!c || r < 0)
		return r;
	r = hash_u64s(h, (const uint64_t[]){c->caps, c->min_kernel[0], c->min_kernel[1]}, 3);
	for (size_t i = 0; r == 0 && c->arches && c->arches[i]; i++)
		r = hash_str(h, c->arches[i]);
	return r < 0 ? r : hash_str(h, "end-arches");
}

/* Everything in @p that the compiled program depends on. */
static int hash_profile(engine__sha256 *h, const engine__seccomp_profile *p)
{
	int r = hash_u64s(h, (const uint64_t[]){p->default_action, p->flags}, 2);

	for (size_t i = 0; r == 0 && i < p->n_arches; i++)
		r = hash_u64(h, p->arches[i]);
	for (size_t i = 0; r == 0 && i < p->n_archmap; i++) {
		r = hash_u64(h, p->archmap[i].arch);
		for (size_t k = 0; r == 0 && k < p->archmap[i].n_subarches; k++)
			r = hash_u64(h, p->archmap[i].subarches[k]);
	}
	for (size_t i = 0; r == 0 && i < p->n_rules; i++) {
		const engine__seccomp_rule *rule = &p->rules[i];

		r = hash_u64(h, rule->action);
		for (size_t n = 0; r == 0 && rule->names[n]; n++)
			r = hash_str(h, rule->names[n]);
		for (size_t a = 0; r == 0 && a < rule->n_args; a++)
			r = hash_u64s(h,
				      (const uint64_t[]){rule->args[a].index, rule->args[a].value,
							 rule->args[a].value_two, (uint64_t)rule->args[a].op},
				      4);
		if (r == 0)
			r = hash_cond(h, rule->includes);
		if (r == 0)
			r = hash_cond(h, rule->excludes);
	}
	return r;
}

int engine__seccomp_disk_id(const engine__seccomp_profile *p, const char *key,
			    char out[ENGINE__DIGEST_LEN + 1])
{
	const struct scmp_version *v = seccomp_version();
	engine__sha256 *h = NULL;
	struct utsname u;
	int r;

	if (uname(&u) < 0)
		return engine__error_errno(errno, "seccomp cache: uname");
	r = engine__sha256_new(&h);
	if (r < 0)
		return r;
	{
		const char *parts[] = {key, PACKAGE_VERSION, u.release, u.machine};

		for (size_t i = 0; r == 0 && i < sizeof(parts) / sizeof(parts[0]); i++)
			r = hash_str(h, parts[i]);
	}
	if (r == 0)
		r = hash_u64(h, COMPILER_REVISION);
	if (r == 0)
		r = hash_u64(h, ((uint64_t)v->major << 32) | (v->minor << 16) | v->micro);
	if (r == 0 && p)
		r = hash_profile(h, p);
	if (r == 0)
		r = engine__sha256_final(h, out);
	engine__sha256_free(h);
	return r;
}

int engine__seccomp_disk_load(engine_context *ctx, const char *id, struct sock_fprog *prog, unsigned *flags)
{
	cleanup_free char *dir = engine__context_path(ctx, "cache/seccomp");
	cleanup_free char *path = NULL;
	cleanup_free char *data = NULL;
	disk_header hdr;
	size_t len;

	if (!dir)
		return ENGINE_ENOMEM;
	path = engine__strdup_printf("%s/%s.bpf", dir, engine__digest_hex(id));
	if (!path)
		return ENGINE_ENOMEM;
	if (engine__read_file(path, &data, &len) < 0)
		return ENGINE_ENOTFOUND;
	if (len < sizeof(hdr))
		goto malformed;
	memcpy(&hdr, data, sizeof(hdr));
	if (memcmp(hdr.magic, MAGIC, 8) != 0 || hdr.len == 0 || hdr.len > BPF_MAXINSNS ||
	    len != sizeof(hdr) + hdr.len * sizeof(struct sock_filter))
		goto malformed;
	prog->filter = malloc(hdr.len * sizeof(struct sock_filter));
	if (!prog->filter)
		return engine__error_oom();
	memcpy(prog->filter, data + sizeof(hdr), hdr.len * sizeof(struct sock_filter));
	prog->len = (unsigned short)hdr.len;
	*flags = hdr.flags;
	return 0;

malformed:
	engine__debug(ctx, "seccomp cache %s: malformed, recompiling", path);
	return ENGINE_ENOTFOUND;
}

void engine__seccomp_disk_store(engine_context *ctx, const char *id, const struct sock_fprog *prog,
				unsigned flags)
{
	cleanup_free char *dir = engine__context_path(ctx, "cache/seccomp");
	cleanup_free char *path = NULL;
	cleanup_free char *data = NULL;
	disk_header hdr = {.flags = flags, .len = prog->len};
	size_t len = sizeof(hdr) + prog->len * sizeof(struct sock_filter);
	engine__error_saved saved;

	/* A cache that cannot be written is not the caller's failure. */
	engine__error_save(&saved);
	memcpy(hdr.magic, MAGIC, 8);
	if (!dir || !(path = engine__strdup_printf("%s/%s.bpf", dir, engine__digest_hex(id))) ||
	    !(data = malloc(len)))
		goto out;
	memcpy(data, &hdr, sizeof(hdr));
	memcpy(data + sizeof(hdr), prog->filter, prog->len * sizeof(struct sock_filter));
	if (engine__mkdir_p(dir, 0700) < 0 || engine__write_file_atomic(path, data, len, 0600, false) < 0)
		engine__debug(ctx, "seccomp cache %s: not written: %s", path, engine_error_last()->message);
out:
	engine__error_restore(&saved);
}
