/* The context: root and run directories, config file, subsystem slots. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "net/net.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

ENGINE_EXTERN int engine_context_options_init(engine_context_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_context_options, opts, version, ENGINE_CONTEXT_OPTIONS_INIT);
}

static int load_config(engine_context *ctx)
{
	int r;

	if (!ctx->config_path) {
		ctx->config = json_object_new_object();
		return ctx->config ? 0 : engine__error_oom();
	}
	r = engine__json_parse_file(ctx->config_path, &ctx->config);
	if (r < 0)
		return engine__error_wrap("config file");
	if (!json_object_is_type(ctx->config, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "config file %s: expected a JSON object",
					 ctx->config_path);
	return 0;
}

/* An absolute directory from the environment, or NULL: XDG says a relative
 * value is invalid and must be ignored. */
static const char *env_dir(const char *name)
{
	const char *v = getenv(name);

	return v && v[0] == '/' ? v : NULL;
}

/* A non-root caller's defaults, as rootless podman's: the store under
 * $XDG_DATA_HOME (else ~/.local/share), runtime state under
 * $XDG_RUNTIME_DIR (a per-user tmpfs the login manager made), else in the
 * root. The environment is read only when the caller left these unset. */
static int rootless_dirs(const engine_context_options *opts, char **root, char **run_dir)
{
	const char *data = env_dir("XDG_DATA_HOME"), *home = env_dir("HOME"),
		   *run = env_dir("XDG_RUNTIME_DIR");
	struct passwd pw, *found = NULL;
	char buf[4096];

	if (opts->root) {
		*root = strdup(opts->root);
	} else if (data) {
		*root = engine__path_join(data, "engine");
	} else {
		if (!home && getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &found) == 0 && found &&
		    found->pw_dir[0] == '/')
			home = found->pw_dir;
		if (!home)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "context: running rootless (uid %u) with no root given, and "
						 "neither $XDG_DATA_HOME nor $HOME names a directory",
						 (unsigned)geteuid());
		*root = engine__path_join(home, ".local/share/engine");
	}
	if (!*root)
		return engine__error_oom();
	if (opts->run_dir)
		*run_dir = strdup(opts->run_dir);
	else if (run && !opts->root)
		*run_dir = engine__path_join(run, "engine");
	else
		*run_dir = engine__path_join(*root, "run");
	return *run_dir ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_context_new(engine_context **out, const engine_context_options *opts)
{
	engine_context_options o = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx;
	int r;

	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "context: NULL output");
	if ((r = engine__abi_read(ENGINE__ABI(engine_context_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (opts->root && opts->root[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "context root \"%s\": must be an absolute path",
					 opts->root);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return engine__error_oom();
	pthread_mutex_init(&ctx->ext_lock, NULL);
	pthread_mutex_init(&ctx->log_lock, NULL);
	ctx->log_level = opts->log_level;
	ctx->log_fd = opts->log_fd;
	/* Detection, not configuration: a caller that is not root runs
	 * rootless (a user namespace per container, its own store). */
	ctx->rootless = geteuid() != 0;
	if (ctx->rootless) {
		if ((r = rootless_dirs(opts, &ctx->root, &ctx->run_dir)) < 0)
			goto free_ctx;
	} else {
		ctx->root = strdup(opts->root ? opts->root : ENGINE_DEFAULT_ROOT);
		if (opts->run_dir)
			ctx->run_dir = strdup(opts->run_dir);
		else if (opts->root)
			ctx->run_dir = engine__path_join(opts->root, "run");
		else
			ctx->run_dir = strdup(ENGINE_DEFAULT_RUN_DIR);
	}
	if (opts->config_path)
		ctx->config_path = strdup(opts->config_path);
	if (!ctx->root || !ctx->run_dir || (opts->config_path && !ctx->config_path)) {
		r = engine__error_oom();
		goto free_ctx;
	}
	/* Trailing slashes would make every derived path differ in spelling. */
	for (size_t n = strlen(ctx->root); n > 1 && ctx->root[n - 1] == '/'; n--)
		ctx->root[n - 1] = '\0';
	r = load_config(ctx);
	if (r < 0)
		goto free_ctx;
	/* Rootless: nobody else needs to traverse the caller's store. */
	r = engine__mkdir_p(ctx->root, ctx->rootless ? 0700 : 0711);
	if (r < 0 || (r = engine__mkdir_p(ctx->run_dir, ctx->rootless ? 0700 : 0711)) < 0) {
		engine__error_wrap("context");
		goto free_ctx;
	}
	/* After a kill -9 the next user of the root frees what the dead held
	 * (addresses, NAT entries); a stat when no network was ever used. */
	engine__net_reconcile(ctx);
	*out = ctx;
	return 0;

free_ctx:
	engine_context_free(ctx);
	return r;
}

ENGINE_EXTERN void engine_context_free(engine_context *ctx)
{
	if (!ctx)
		return;
	for (int i = ENGINE__EXT_MAX - 1; i >= 0; i--)
		if (ctx->ext[i].data && ctx->ext[i].free_fn)
			ctx->ext[i].free_fn(ctx->ext[i].data);
	if (ctx->config)
		json_object_put(ctx->config);
	engine__log_sinks_free(ctx);
	pthread_mutex_destroy(&ctx->log_lock);
	pthread_mutex_destroy(&ctx->ext_lock);
	free(ctx->root);
	free(ctx->run_dir);
	free(ctx->config_path);
	free(ctx);
}

ENGINE_EXTERN const char *engine_context_root(const engine_context *ctx)
{
	return ctx ? ctx->root : NULL;
}

bool engine__context_rootless(const engine_context *ctx)
{
	return ctx && ctx->rootless;
}

ENGINE_EXTERN const char *engine_context_run_dir(const engine_context *ctx)
{
	return ctx ? ctx->run_dir : NULL;
}

json_object *engine__context_config(engine_context *ctx, const char *key)
{
	json_object *v;

	if (!ctx->config || !json_object_object_get_ex(ctx->config, key, &v))
		return NULL;
	return v;
}

void *engine__context_ext(engine_context *ctx, enum engine__ext_slot slot,
			  void *(*create)(engine_context *ctx), void (*free_fn)(void *data))
{
	void *data = __atomic_load_n(&ctx->ext[slot].data, __ATOMIC_ACQUIRE);

	if (data || !create)
		return data;
	pthread_mutex_lock(&ctx->ext_lock);
	data = ctx->ext[slot].data;
	if (!data) {
		data = create(ctx);
		if (data) {
			ctx->ext[slot].free_fn = free_fn;
			__atomic_store_n(&ctx->ext[slot].data, data, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&ctx->ext_lock);
	return data;
}

void engine__context_forked(engine_context *ctx)
{
	pthread_mutex_init(&ctx->ext_lock, NULL);
	pthread_mutex_init(&ctx->log_lock, NULL);
}

char *engine__context_path(const engine_context *ctx, const char *rel)
{
	return engine__path_join(ctx->root, rel);
}
