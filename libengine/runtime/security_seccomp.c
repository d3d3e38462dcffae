/*
 * Seccomp: compile a profile to BPF with libseccomp in the parent, cache the
 * program on the context (one per profile and relevant capabilities), and
 * load it in the child with nothing but the seccomp() system call.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "runtime/security.h"
#include "runtime/security_seccomp_profile.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/str.h"

struct engine__seccomp {
	char *key;
	struct sock_fprog prog;
	unsigned flags;
	struct engine__seccomp *next;
};

/* The context's security slot: the filter cache. */
typedef struct security_ext {
	pthread_mutex_t lock;
	engine__seccomp *filters;
} security_ext;

static void filter_free(engine__seccomp *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->prog.filter);
	free(s);
}

static void ext_free(void *data)
{
	security_ext *ext = data;

	while (ext->filters) {
		engine__seccomp *next = ext->filters->next;

		filter_free(ext->filters);
		ext->filters = next;
	}
	pthread_mutex_destroy(&ext->lock);
	free(ext);
}

static void *ext_create(engine_context *ctx)
{
	security_ext *ext = calloc(1, sizeof(*ext));

	(void)ctx;
	if (!ext) {
		engine__error_oom();
		return NULL;
	}
	pthread_mutex_init(&ext->lock, NULL);
	return ext;
}

/* --- compiling ------------------------------------------------------------ */

const char *engine__seccomp_native_arch_name(void)
{
	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86:
		return "x86";
	case SCMP_ARCH_X86_64:
		return "amd64";
	case SCMP_ARCH_ARM:
		return "arm";
	case SCMP_ARCH_AARCH64:
		return "arm64";
	case SCMP_ARCH_MIPS64:
		return "mips64";
	case SCMP_ARCH_MIPS64N32:
		return "mips64n32";
	case SCMP_ARCH_MIPSEL64:
		return "mipsel64";
	case SCMP_ARCH_MIPSEL64N32:
		return "mips3l64n32";
	case SCMP_ARCH_MIPSEL:
		return "mipsel";
	case SCMP_ARCH_PPC:
		return "ppc";
	case SCMP_ARCH_PPC64:
		return "ppc64";
	case SCMP_ARCH_PPC64LE:
		return "ppc64le";
	case SCMP_ARCH_RISCV64:
		return "riscv64";
	case SCMP_ARCH_S390:
		return "s390";
	case SCMP_ARCH_S390X:
		return "s390x";
	default:
		return "unknown";
	}
}

static bool kernel_at_least(const unsigned want[2])
{
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > want[0] || (major == want[0] && minor >= want[1]);
}

static bool arch_listed(const char *const *arches, const char *native)
{
	for (size_t i = 0; arches[i]; i++)
		if (strcmp(arches[i], native) == 0)
			return true;
	return false;
}

/* moby's setupSeccomp: a rule is dropped when an exclude matches (native
 * arch listed, any listed cap held, kernel new enough) or an include does
 * not (arch not listed, a listed cap missing, kernel too old). Caps are
 * judged on the bounding set. */
static bool rule_applies(const engine__seccomp_rule *rule, uint64_t bounding, const char *native)
{
	const engine__seccomp_cond *ex = rule->excludes, *in = rule->includes;

	if (ex) {
		if (ex->arches && ex->arches[0] && arch_listed(ex->arches, native))
			return false;
		if (ex->caps && (bounding & ex->caps))
			return false;
		if ((ex->min_kernel[0] || ex->min_kernel[1]) && kernel_at_least(ex->min_kernel))
			return false;
	}
	if (in) {
		if (in->arches && in->arches[0] && !arch_listed(in->arches, native))
			return false;
		if ((bounding & in->caps) != in->caps)
			return false;
		if ((in->min_kernel[0] || in->min_kernel[1]) && !kernel_at_least(in->min_kernel))
			return false;
	}
	return true;
}

/* The filter's architectures: the native one, then the profile's flat
 * list or its archMap entry for the native arch (at most 16). */
static size_t filter_arches(const engine__seccomp_profile *p, uint32_t out[16])
{
	uint32_t native = seccomp_arch_native();
	size_t n = 0;

	out[n++] = native;
	for (size_t i = 0; i < p->n_arches && n < 16; i++)
		out[n++] = p->arches[i];
	for (size_t i = 0; i < p->n_archmap; i++) {
		if (p->archmap[i].arch != native)
			continue;
		for (size_t k = 0; k < p->archmap[i].n_subarches && n < 16; k++)
			out[n++] = p->archmap[i].subarches[k];
	}
	return n;
}

static int add_arches(scmp_filter_ctx sc, const char *what, const uint32_t *arches, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int r = seccomp_arch_add(sc, arches[i]);

		if (r < 0 && r != -EEXIST)
			return engine__error_errno(-r, "seccomp profile %s: add architecture 0x%" PRIx32,
						   what, arches[i]);
	}
	return 0;
}

static bool args_share_index(const engine__seccomp_rule *rule)
{
	for (size_t i = 0; i < rule->n_args; i++)
		for (size_t k = i + 1; k < rule->n_args; k++)
			if (rule->args[i].index == rule->args[k].index)
				return true;
	return false;
}

static int add_rule(scmp_filter_ctx sc, const char *what, const engine__seccomp_rule *rule, const char *name,
		    int nr)
{
	struct scmp_arg_cmp cmps[6];
	int r;

	for (size_t i = 0; i < rule->n_args && i < 6; i++)
		cmps[i] = (struct scmp_arg_cmp){rule->args[i].index, rule->args[i].op, rule->args[i].value,
						rule->args[i].value_two};

	/* libseccomp takes one comparison per argument per rule: conditions
	 * on the same argument become separate (OR'd) rules, as runc does. */
	if (args_share_index(rule)) {
		for (size_t i = 0; i < rule->n_args; i++) {
			r = seccomp_rule_add_array(sc, rule->action, nr, 1, &cmps[i]);
			if (r < 0)
				return engine__error_errno(-r, "seccomp profile %s: syscall \"%s\"", what,
							   name);
		}
		return 0;
	}
	r = seccomp_rule_add_array(sc, rule->action, nr, (unsigned)rule->n_args, cmps);
	if (r < 0)
		return engine__error_errno(-r, "seccomp profile %s: syscall \"%s\"", what, name);
	return 0;
}

static int export_bpf(scmp_filter_ctx sc, const char *what, struct sock_fprog *out)
{
	cleanup_close int fd = memfd_create("engine-seccomp", MFD_CLOEXEC);
	cleanup_free struct sock_filter *filter = NULL;
	struct stat st;
	size_t done = 0;
	int r;

	if (fd < 0)
		return engine__error_errno(errno, "seccomp profile %s: memfd_create", what);
	r = seccomp_export_bpf(sc, fd);
	if (r < 0)
		return engine__error_errno(-r, "seccomp profile %s: export BPF", what);
	if (fstat(fd, &st) < 0)
		return engine__error_errno(errno, "seccomp profile %s: stat BPF", what);
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return engine__error_set(ENGINE_ERROR, 0, "seccomp profile %s: BPF program of %lld bytes",
					 what, (long long)st.st_size);
	filter = malloc((size_t)st.st_size);
	if (!filter)
		return engine__error_oom();
	while (done < (size_t)st.st_size) {
		ssize_t n = pread(fd, (char *)filter + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return engine__error_errno(n < 0 ? errno : EIO, "seccomp profile %s: read BPF", what);
		done += (size_t)n;
	}
	out->len = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	out->filter = steal_ptr(filter);
	return 0;
}

static void seccomp_releasep(scmp_filter_ctx *sc)
{
	if (*sc)
		seccomp_release(*sc);
}

/* libseccomp's program for @p's applied rules (@applies), but the names
 * @taken (may be NULL) that the front answers. */
static int compile_rest(const char *what, const engine__seccomp_profile *p, const bool *applies, bool **taken,
			const uint32_t *arches, size_t n_arches, struct sock_fprog *out)
{
	__attribute__((cleanup(seccomp_releasep))) scmp_filter_ctx sc = NULL;
	int r;

	sc = seccomp_init(p->default_action);
	if (!sc)
		return engine__error_set(ENGINE_ERROR, 0,
					 "seccomp profile %s: cannot create filter (default action 0x%x)",
					 what, p->default_action);
	/* The child sets no_new_privs itself, in the documented order. */
	r = seccomp_attr_set(sc, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return engine__error_errno(-r, "seccomp profile %s: attribute", what);
	/* A binary tree over syscall numbers: shorter paths per syscall, which
	 * is also what the kernel walks when it precomputes its action cache. */
	r = seccomp_attr_set(sc, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return engine__error_errno(-r, "seccomp profile %s: attribute", what);
	r = add_arches(sc, what, arches, n_arches);
	if (r < 0)
		return r;

	for (size_t i = 0; i < p->n_rules; i++) {
		const engine__seccomp_rule *rule = &p->rules[i];

		if (!applies[i])
			continue;
		/* libseccomp refuses a rule that repeats the default action. */
		if (rule->action == p->default_action)
			continue;
		for (size_t n = 0; rule->names[n]; n++) {
			int nr = seccomp_syscall_resolve_name(rule->names[n]);

			/* A name this libseccomp does not know (newer than it):
			 * skipped, like runc does, so the default action applies. */
			if (nr == __NR_SCMP_ERROR || (taken && taken[i] && taken[i][n]))
				continue;
			r = add_rule(sc, what, rule, rule->names[n], nr);
			if (r < 0)
				return r;
		}
	}
	return export_bpf(sc, what, out);
}

/* Drop x32 from @arches (x86_64 hosts): true if it was there. */
static bool drop_x32(uint32_t *arches, size_t *n)
{
	size_t k = 0;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return false;
	for (size_t i = 0; i < *n; i++)
		if (arches[i] != SCMP_ARCH_X32)
			arches[k++] = arches[i];
	if (k == *n)
		return false;
	*n = k;
	return true;
}

int engine__seccomp_compile_with(const char *what, const engine__seccomp_profile *p, uint64_t bounding,
				 unsigned opts, struct sock_fprog *out)
{
	const char *native = engine__seccomp_native_arch_name();
	cleanup_free bool *applies = calloc(p->n_rules + 1, sizeof(bool));
	bool **taken = NULL, front = opts & ENGINE__SECCOMP_FRONT, x32_off = false;
	uint32_t arches[16];
	size_t n_arches = filter_arches(p, arches);
	int r;

	if (!applies)
		return engine__error_oom();
	/* (without the prologue, libseccomp would answer x32 as a foreign arch) */
	if ((opts & ENGINE__SECCOMP_NO_X32) && engine__seccomp_enosys_applies(p))
		x32_off = drop_x32(arches, &n_arches);
	for (size_t i = 0; i < p->n_rules; i++)
		applies[i] = rule_applies(&p->rules[i], bounding, native);
	if (front && (r = engine__seccomp_front_plan(p, applies, arches, n_arches, &taken)) < 0)
		return r;
	r = compile_rest(what, p, applies, taken, arches, n_arches, out);
	if (r == 0 && taken && (r = engine__seccomp_front_add(p, taken, arches, n_arches, out)) < 0) {
		free(steal_ptr(out->filter));
		/* a front that does not fit: libseccomp's program alone */
		if (r == ENGINE_ENOTSUP) {
			engine_error_clear();
			r = compile_rest(what, p, applies, NULL, arches, n_arches, out);
		}
	}
	engine__seccomp_front_free(taken, p->n_rules);
	if (r < 0)
		return r;
	r = engine__seccomp_add_enosys(p, applies, arches, n_arches, x32_off, out);
	if (r < 0) {
		free(steal_ptr(out->filter));
		return engine__error_wrap("seccomp profile %s", what);
	}
	return 0;
}

int engine__seccomp_compile(const char *what, const engine__seccomp_profile *p, uint64_t bounding,
			    struct sock_fprog *out)
{
	return engine__seccomp_compile_with(what, p, bounding, ENGINE__SECCOMP_FRONT, out);
}

#if defined(__x86_64__)
static bool x32_off;

static void x32_probe(void)
{
	int status, saved = errno;
	pid_t pid = fork();

	if (pid == 0) {
		long r = syscall(0x40000000L | SYS_getpid);

		_exit(r == -1 && errno == ENOSYS ? 0 : 1);
	}
	/* (killed by a filter around us, or anything else: unsure) */
	x32_off = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	errno = saved;
}

bool engine__seccomp_x32_off(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, x32_probe);
	return x32_off;
}
#else
bool engine__seccomp_x32_off(void)
{
	return false;
}
#endif

/* --- the cache -------------------------------------------------------------- */

static bool is_inline_json(const char *profile)
{
	while (*profile == ' ' || *profile == '\t' || *profile == '\n' || *profile == '\r')
		profile++;
	return *profile == '{';
}

static engine__seccomp *cache_find(security_ext *ext, const char *key)
{
	for (engine__seccomp *s = ext->filters; s; s = s->next)
		if (strcmp(s->key, key) == 0)
			return s;
	return NULL;
}

/* Insert @s unless another thread compiled the same key meanwhile; returns
 * the cached entry either way (and frees @s when it lost the race). */
static const engine__seccomp *cache_insert(security_ext *ext, engine__seccomp *s)
{
	engine__seccomp *found;

	pthread_mutex_lock(&ext->lock);
	found = cache_find(ext, s->key);
	if (!found) {
		s->next = ext->filters;
		ext->filters = s;
		found = s;
		s = NULL;
	}
	pthread_mutex_unlock(&ext->lock);
	filter_free(s);
	return found;
}

/* A new cache entry for @key: from the disk cache, else compiled (from the
 * default table, or from the JSON @text) and written to the disk cache. The
 * JSON is parsed either way: the disk cache is keyed by the parsed profile,
 * so what a file means, not only its bytes, picks the program. */
static int make_entry(engine_context *ctx, const char *what, const char *text, size_t len, uint64_t bounding,
		      unsigned opts, char **key, engine__seccomp **out)
{
	engine__seccomp_profile *parsed = NULL;
	const engine__seccomp_profile *p = engine__seccomp_default_profile();
	char disk_id[ENGINE__DIGEST_LEN + 1];
	engine__seccomp *s;
	bool have_id;
	int r;

	if (text) {
		r = engine__seccomp_profile_parse(what, text, len, &parsed);
		if (r < 0)
			return r;
		p = parsed;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		engine__seccomp_profile_free(parsed);
		return engine__error_oom();
	}
	s->flags = p->flags;
	have_id = engine__seccomp_disk_id(p, *key, disk_id) == 0;
	if (have_id && engine__seccomp_disk_load(ctx, disk_id, &s->prog, &s->flags) == 0) {
		engine__debug(ctx, "seccomp profile %s: %u instructions from the disk cache", what,
			      s->prog.len);
	} else {
		r = engine__seccomp_compile_with(what, p, bounding, opts, &s->prog);
		if (r < 0) {
			engine__seccomp_profile_free(parsed);
			filter_free(s);
			return r;
		}
		engine__debug(ctx, "seccomp profile %s: compiled to %u instructions", what, s->prog.len);
		if (have_id)
			engine__seccomp_disk_store(ctx, disk_id, &s->prog, s->flags);
	}
	engine__seccomp_profile_free(parsed);
	s->key = steal_ptr(*key);
	*out = s;
	return 0;
}

int engine__seccomp_prepare(engine_context *ctx, const char *profile, const engine__caps *caps,
			    const engine__seccomp **out)
{
	security_ext *ext;
	cleanup_free char *key = NULL;
	cleanup_free char *text = NULL;
	const char *what = profile;
	uint64_t bounding = caps ? caps->bounding : 0;
	unsigned opts = ENGINE__SECCOMP_FRONT;
	engine__seccomp *s;
	size_t len = 0;
	int r;

	*out = NULL;
	if (profile && strcmp(profile, "unconfined") == 0)
		return 0;
	if (profile && !*profile)
		return engine__error_set(
		    ENGINE_EINVALID, 0, "seccomp profile: empty (use \"default\", \"unconfined\" or a path)");

	/* (in the key: a root's disk cache may outlive a boot with x32 on) */
	if (engine__seccomp_x32_off())
		opts |= ENGINE__SECCOMP_NO_X32;
	ext = engine__context_ext(ctx, ENGINE__EXT_SECURITY, ext_create, ext_free);
	if (!ext)
		return engine__error_wrap("seccomp");

	if (!profile || strcmp(profile, "default") == 0) {
		what = "default";
		key = engine__strdup_printf("default:%" PRIx64 ":%x",
					    bounding & engine__seccomp_default_caps_mask(), opts);
	} else {
		char digest[ENGINE__DIGEST_LEN + 1];

		if (is_inline_json(profile)) {
			what = "(inline)";
			text = strdup(profile);
			if (!text)
				return engine__error_oom();
			len = strlen(text);
		} else {
			r = engine__read_file(profile, &text, &len);
			if (r < 0)
				return engine__error_wrap("seccomp profile");
		}
		/* Keyed by content, so an edited file is recompiled. */
		r = engine__sha256_buf(text, len, digest);
		if (r < 0)
			return r;
		key = engine__strdup_printf("json:%s:%" PRIx64 ":%x", digest, bounding, opts);
	}
	if (!key)
		return ENGINE_ENOMEM;

	pthread_mutex_lock(&ext->lock);
	s = cache_find(ext, key);
	pthread_mutex_unlock(&ext->lock);
	if (s) {
		*out = s;
		return 0;
	}

	/* Compile outside the lock: other profiles need not wait. */
	r = make_entry(ctx, what, text, len, bounding, opts, &key, &s);
	if (r < 0)
		return r;
	*out = cache_insert(ext, s);
	return 0;
}

const struct sock_fprog *engine__seccomp_prog(const engine__seccomp *s)
{
	return s ? &s->prog : NULL;
}

/* --- child side ------------------------------------------------------------- */

int engine__seccomp_apply(const engine__seccomp *s)
{
	if (!s)
		return 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &s->prog) == 0)
		return 0;
	/* Kernels before 3.17 only have the prctl form (and no flags). */
	if (errno == ENOSYS && s->flags == 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (unsigned long)&s->prog, 0UL, 0UL) == 0)
		return 0;
	return -errno;
}
