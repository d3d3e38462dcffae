/*
 * What each Dockerfile instruction does to an image config, without side
 * effects: ARG scoping (meta args before FROM, stage ARGs, --build-arg),
 * variable expansion where Docker applies it, the metadata instructions,
 * RUN's argv/env, and the history and cache-key texts Docker's classic
 * builder records.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builder/builder.h"
#include "builder/sbuf.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

json_object *engine__build_scratch_image(void)
{
	json_object *img = json_object_new_object();
	json_object *rootfs = json_object_new_object();

	if (!img || !rootfs) {
		json_object_put(img);
		json_object_put(rootfs);
		engine__error_oom();
		return NULL;
	}
	json_object_object_add(img, "architecture", json_object_new_string("amd64"));
	json_object_object_add(img, "os", json_object_new_string("linux"));
	json_object_object_add(img, "config", json_object_new_object());
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", json_object_new_array());
	json_object_object_add(img, "rootfs", rootfs);
	return img;
}

json_object *engine__build_config(engine__build_stage *st)
{
	json_object *c = engine__json_get_type(st->image, "config", json_type_object);

	if (!c) {
		c = json_object_new_object();
		json_object_object_add(st->image, "config", c);
	}
	return c;
}

/* A member object of the config, created when missing (borrowed). */
static json_object *config_object(engine__build_stage *st, const char *key)
{
	json_object *c = engine__build_config(st);
	json_object *o = engine__json_get_type(c, key, json_type_object);

	if (!o) {
		o = json_object_new_object();
		json_object_object_add(c, key, o);
	}
	return o;
}

static const char *kv_value(char *const *v, const char *key, size_t klen, bool *found)
{
	for (size_t i = 0; v && v[i]; i++)
		if (strncmp(v[i], key, klen) == 0 && (v[i][klen] == '=' || v[i][klen] == '\0')) {
			*found = true;
			return v[i][klen] == '=' ? v[i] + klen + 1 : NULL;
		}
	*found = false;
	return NULL;
}

/* Set "K=V" (or "K") in @v, replacing an entry for the same key in place. */
static int kv_set(char ***v, const char *key, const char *value)
{
	size_t klen = strlen(key);
	char *item = value ? engine__strdup_printf("%s=%s", key, value) : strdup(key);

	if (!item)
		return engine__error_oom();
	for (size_t i = 0; *v && (*v)[i]; i++)
		if (strncmp((*v)[i], key, klen) == 0 && ((*v)[i][klen] == '=' || (*v)[i][klen] == '\0')) {
			free((*v)[i]);
			(*v)[i] = item;
			return 0;
		}
	return engine__strv_push_take(v, item);
}

static void mark_used(char ***used, const char *name, char *const *build_args)
{
	bool found;

	kv_value(build_args, name, strlen(name), &found);
	if (!found)
		return;
	for (size_t i = 0; *used && (*used)[i]; i++)
		if (strcmp((*used)[i], name) == 0)
			return;
	engine__strv_push(used, name);
}

/* Where an ARG is declared: before the first FROM (the meta args) or in a
 * stage. */
typedef struct arg_scope {
	char escape;
	char *const *env;	 /* what a default may expand */
	char *const *build_args; /* --build-arg "K=V" */
	char *const *fallback;	 /* the values without a default (a stage's: the meta args) */
	char ***args;		 /* where the declaration goes */
	char ***used;		 /* the build args consumed so far */
} arg_scope;

/* Declare ARG @word ("name" or "name=default") into @sc->args. The value:
 * the --build-arg, else the default (expanded with @sc->env), else the
 * fallback's. */
static int declare_arg(const arg_scope *sc, const engine__df_instr *in, const char *word, char **comment)
{
	const char *eq = strchr(word, '=');
	cleanup_free char *name = eq ? strndup(word, (size_t)(eq - word)) : strdup(word);
	cleanup_free char *def = NULL;
	const char *value;
	bool found;
	int r;

	if (!name)
		return engine__error_oom();
	if (eq && (r = engine__shlex_word(eq + 1, sc->escape, sc->env, &def)) < 0)
		return engine__error_wrap("Dockerfile:%d: ARG %s", in->line, name);
	if (comment)
		*comment = def ? engine__strdup_printf("%s=%s", name, def) : strdup(name);
	value = kv_value(sc->build_args, name, strlen(name), &found);
	if (found)
		mark_used(sc->used, name, sc->build_args);
	else if (def)
		value = def;
	else
		value = kv_value(sc->fallback, name, strlen(name), &found);
	return kv_set(sc->args, name, value);
}

/* The "K=V" entries of @v (declared-but-unset "K" ones are invisible). */
static char **with_values(char *const *v)
{
	char **out = calloc(1, sizeof(char *));

	for (size_t i = 0; out && v && v[i]; i++)
		if (strchr(v[i], '=') && engine__strv_push(&out, v[i]) < 0) {
			engine__strv_free(out);
			return NULL;
		}
	if (!out)
		engine__error_oom();
	return out;
}

int engine__build_meta_args(const engine__dockerfile *df, char *const *build_args, char ***used, char ***out,
			    size_t *n_meta)
{
	cleanup_strv char **meta = calloc(1, sizeof(char *));
	size_t i;
	int r;

	if (!meta)
		return engine__error_oom();
	for (i = 0; i < df->n_instrs && df->instrs[i].kind == ENGINE__DF_ARG; i++) {
		const engine__df_instr *in = &df->instrs[i];

		for (size_t j = 0; in->args[j]; j++) {
			/* Defaults may use the meta args declared before them. */
			cleanup_strv char **env = with_values(meta);
			arg_scope sc = {df->escape, env, build_args, NULL, &meta, used};

			if (!env)
				return ENGINE_ENOMEM;
			r = declare_arg(&sc, in, in->args[j], NULL);
			if (r < 0)
				return r;
		}
	}
	*n_meta = i;
	*out = steal_ptr(meta);
	return 0;
}

int engine__build_from_ref(const engine__df_instr *in, char *const *meta, char escape, char **out)
{
	cleanup_strv char **env = with_values(meta);
	int r;

	if (!env)
		return ENGINE_ENOMEM;
	r = engine__shlex_word(in->args[0], escape, env, out);
	if (r < 0)
		return engine__error_wrap("Dockerfile:%d: FROM %s", in->line, in->args[0]);
	if (!**out) {
		free(*out);
		*out = NULL;
		return engine__error_set(ENGINE_EINVALID, 0,
					 "Dockerfile:%d: FROM %s: base name should not be blank", in->line,
					 in->args[0]);
	}
	return 0;
}

int engine__build_env(engine__build_stage *st, char ***out)
{
	cleanup_strv char **env = NULL;
	json_object *e = engine__json_get_type(engine__build_config(st), "Env", json_type_array);
	int r;

	if ((r = engine__json_to_strv(e, &env)) < 0)
		return r;
	for (size_t i = 0; st->args && st->args[i]; i++) {
		const char *a = st->args[i];
		size_t kl = strcspn(a, "=");
		bool found;

		if (!a[kl])
			continue; /* declared without a value */
		kv_value(env, a, kl, &found);
		if (!found && engine__strv_push(&env, a) < 0)
			return ENGINE_ENOMEM;
	}
	*out = steal_ptr(env);
	return 0;
}

int engine__build_expand(engine__build_stage *st, const engine__df_instr *in, const char *word, char **out)
{
	cleanup_strv char **env = NULL;
	int r = engine__build_env(st, &env);

	if (r < 0)
		return r;
	if (engine__shlex_word(word, st->escape, env, out) < 0)
		return engine__error_wrap("Dockerfile:%d: %s", in->line, engine__df_kind_name(in->kind));
	return 0;
}

char *engine__build_shell_string(engine__build_stage *st)
{
	json_object *sh = engine__json_get_type(engine__build_config(st), "Shell", json_type_array);
	cleanup_sbuf engine__sbuf b = {0};

	if (!sh || json_object_array_length(sh) == 0)
		return strdup("/bin/sh -c");
	for (size_t i = 0; i < json_object_array_length(sh); i++)
		if ((i && engine__sbuf_addc(&b, ' ') < 0) ||
		    engine__sbuf_add(&b, json_object_get_string(json_object_array_get_idx(sh, i))) < 0)
			return NULL;
	return engine__sbuf_steal(&b);
}

/* SHELL + [command] for the shell form, the array itself for the exec form. */
static int command_argv(engine__build_stage *st, const engine__df_instr *in, size_t skip, char ***out)
{
	cleanup_strv char **argv = NULL;
	json_object *sh = engine__json_get_type(engine__build_config(st), "Shell", json_type_array);
	int r;

	if (in->json)
		return (*out = engine__strv_dup(in->args + skip)) ? 0 : ENGINE_ENOMEM;
	if (sh && json_object_array_length(sh) > 0) {
		if ((r = engine__json_to_strv(sh, &argv)) < 0)
			return r;
	} else if (engine__strv_push(&argv, "/bin/sh") < 0 || engine__strv_push(&argv, "-c") < 0) {
		return ENGINE_ENOMEM;
	}
	if (engine__strv_push(&argv, in->args[skip]) < 0)
		return ENGINE_ENOMEM;
	*out = steal_ptr(argv);
	return 0;
}

/* Go's %q of a string slice: ["a" "b"], as Docker writes CMD/ENTRYPOINT history. */
static char *quoted_list(char *const *v)
{
	cleanup_sbuf engine__sbuf b = {0};

	if (engine__sbuf_addc(&b, '[') < 0)
		return NULL;
	for (size_t i = 0; v && v[i]; i++) {
		if (i && engine__sbuf_addc(&b, ' ') < 0)
			return NULL;
		if (engine__sbuf_addc(&b, '"') < 0)
			return NULL;
		for (const char *p = v[i]; *p; p++) {
			if ((*p == '"' || *p == '\\') && engine__sbuf_addc(&b, '\\') < 0)
				return NULL;
			if (engine__sbuf_addc(&b, *p) < 0)
				return NULL;
		}
		if (engine__sbuf_addc(&b, '"') < 0)
			return NULL;
	}
	if (engine__sbuf_addc(&b, ']') < 0)
		return NULL;
	return engine__sbuf_steal(&b);
}

/* Go's %v of a string slice: [a b]. */
static char *plain_list(char *const *v)
{
	cleanup_sbuf engine__sbuf b = {0};

	if (engine__sbuf_addc(&b, '[') < 0)
		return NULL;
	for (size_t i = 0; v && v[i]; i++)
		if ((i && engine__sbuf_addc(&b, ' ') < 0) || engine__sbuf_add(&b, v[i]) < 0)
			return NULL;
	if (engine__sbuf_addc(&b, ']') < 0)
		return NULL;
	return engine__sbuf_steal(&b);
}

static int expand_all(engine__build_stage *st, const engine__df_instr *in, char ***out)
{
	cleanup_strv char **v = calloc(1, sizeof(char *));

	if (!v)
		return engine__error_oom();
	for (size_t i = 0; in->args[i]; i++) {
		char *w;
		int r = engine__build_expand(st, in, in->args[i], &w);

		if (r < 0)
			return r;
		if (engine__strv_push_take(&v, w) < 0)
			return ENGINE_ENOMEM;
	}
	*out = steal_ptr(v);
	return 0;
}

static int config_set_strv(engine__build_stage *st, const char *key, char *const *v)
{
	json_object *a = engine__json_from_strv(v);

	if (!a)
		return ENGINE_ENOMEM;
	json_object_object_add(engine__build_config(st), key, a);
	return 0;
}

static int config_set_string(engine__build_stage *st, const char *key, const char *value)
{
	json_object *s = json_object_new_string(value);

	if (!s)
		return engine__error_oom();
	json_object_object_add(engine__build_config(st), key, s);
	return 0;
}

static int set_env(engine__build_stage *st, const char *key, const char *value)
{
	cleanup_strv char **v = NULL;
	int r =
	    engine__json_to_strv(engine__json_get_type(engine__build_config(st), "Env", json_type_array), &v);

	if (r < 0 || (r = kv_set(&v, key, value)) < 0)
		return r;
	return config_set_strv(st, "Env", v);
}

/* Docker's nat.ParsePortSpecs for one EXPOSE item: "80", "80/udp", "8000-8002/tcp". */
static int expose_port(engine__build_stage *st, const engine__df_instr *in, const char *item, char **norm)
{
	const char *slash = strchr(item, '/');
	cleanup_free char *num = slash ? strndup(item, (size_t)(slash - item)) : strdup(item);
	cleanup_free char *proto = strdup(slash ? slash + 1 : "tcp");
	json_object *ports = config_object(st, "ExposedPorts");
	char *dash, *end;
	long lo, hi;

	if (!num || !proto)
		return engine__error_oom();
	for (char *c = proto; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "Dockerfile:%d: EXPOSE: invalid proto: %s",
					 in->line, proto);
	dash = strchr(num, '-');
	lo = strtol(num, &end, 10);
	if (end == num || (dash ? end != dash : *end != '\0'))
		goto bad;
	hi = lo;
	if (dash) {
		hi = strtol(dash + 1, &end, 10);
		if (end == dash + 1 || *end)
			goto bad;
	}
	if (lo < 0 || hi > 65535 || hi < lo)
		goto bad;
	for (long p = lo; p <= hi; p++) {
		char key[32];

		snprintf(key, sizeof(key), "%ld/%s", p, proto);
		json_object_object_add(ports, key, json_object_new_object());
	}
	*norm = strdup(item);
	return *norm ? 0 : engine__error_oom();
bad:
	return engine__error_set(ENGINE_EINVALID, 0, "Dockerfile:%d: EXPOSE: invalid containerPort: %s",
				 in->line, num);
}

static bool valid_signal(const char *s)
{
	static const char *const names[] = {
	    "HUP",  "INT",  "QUIT", "ILL",  "TRAP",   "ABRT",	"IOT",	 "BUS",	 "FPE",	 "KILL", "USR1",
	    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",	 "CONT", "STOP", "TSTP", "TTIN",
	    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",	"WINCH", "IO",	 "POLL", "PWR",	 "SYS"};
	char *end;
	long n = strtol(s, &end, 10);

	if (*s && !*end)
		return n > 0 && n <= 64;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return true;
	return false;
}

static int apply_healthcheck(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	json_object *hc = json_object_new_object();
	cleanup_strv char **test = NULL;
	cleanup_free char *q = NULL;
	const int64_t d[] = {in->hc_interval, in->hc_timeout, in->hc_start_period, in->hc_start_interval};
	static const char *const keys[] = {"Interval", "Timeout", "StartPeriod", "StartInterval"};
	int r;

	if (!hc)
		return engine__error_oom();
	json_object_object_add(engine__build_config(st), "Healthcheck", hc);
	if (strcmp(in->args[0], "NONE") == 0) {
		r = engine__strv_push(&test, "NONE");
	} else if (in->json) {
		test = engine__strv_dup(in->args);
		r = test ? 0 : ENGINE_ENOMEM;
	} else {
		r = engine__strv_push(&test, "CMD-SHELL");
		if (r == 0)
			r = engine__strv_push(&test, in->args[1]);
	}
	if (r < 0)
		return r;
	json_object_object_add(hc, "Test", engine__json_from_strv(test));
	for (size_t i = 0; i < 4; i++)
		if (d[i])
			json_object_object_add(hc, keys[i], json_object_new_int64(d[i]));
	if (in->hc_retries)
		json_object_object_add(hc, "Retries", json_object_new_int(in->hc_retries));
	q = quoted_list(test);
	*comment =
	    q ? engine__strdup_printf("HEALTHCHECK &{%s %lld %lld %lld %lld %d}", q, (long long)d[0],
				      (long long)d[1], (long long)d[2], (long long)d[3], in->hc_retries)
	      : NULL;
	return *comment ? 0 : ENGINE_ENOMEM;
}

/* WORKDIR: relative paths are relative to the current one; the result is clean. */
static int apply_workdir(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_free char *w = NULL, *joined = NULL;
	cleanup_sbuf engine__sbuf clean = {0};
	const char *cur = engine__json_get_string(engine__build_config(st), "WorkingDir");
	char *save = NULL;
	int r;

	if ((r = engine__build_expand(st, in, in->args[0], &w)) < 0)
		return r;
	joined = w[0] == '/' ? strdup(w) : engine__strdup_printf("%s/%s", cur && *cur ? cur : "", w);
	if (!joined)
		return engine__error_oom();
	/* Lexical clean: "." dropped, ".." pops, never above "/". */
	{
		cleanup_strv char **parts = calloc(1, sizeof(char *));

		if (!parts)
			return engine__error_oom();
		for (char *t = strtok_r(joined, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
			size_t n = engine__strv_len(parts);

			if (strcmp(t, ".") == 0)
				continue;
			if (strcmp(t, "..") == 0) {
				if (n) {
					free(parts[n - 1]);
					parts[n - 1] = NULL;
				}
				continue;
			}
			if (engine__strv_push(&parts, t) < 0)
				return ENGINE_ENOMEM;
		}
		for (size_t i = 0; parts[i]; i++)
			if (engine__sbuf_addc(&clean, '/') < 0 || engine__sbuf_add(&clean, parts[i]) < 0)
				return ENGINE_ENOMEM;
		if (!parts[0] && engine__sbuf_addc(&clean, '/') < 0)
			return ENGINE_ENOMEM;
	}
	if ((r = config_set_string(st, "WorkingDir", clean.s)) < 0)
		return r;
	*comment = engine__strdup_printf("WORKDIR %s", clean.s);
	return *comment ? 0 : ENGINE_ENOMEM;
}

/* Join @v with single spaces after @prefix. */
static char *join_words(const char *prefix, char *const *v)
{
	cleanup_sbuf engine__sbuf b = {0};

	if (engine__sbuf_add(&b, prefix) < 0)
		return NULL;
	for (size_t i = 0; v && v[i]; i++)
		if ((i && engine__sbuf_addc(&b, ' ') < 0) || engine__sbuf_add(&b, v[i]) < 0)
			return NULL;
	return engine__sbuf_steal(&b);
}

/* ENV and LABEL: every value is expanded with the variables from before
 * the instruction. */
static int apply_env_label(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_strv char **v = NULL, **parts = NULL;
	int r;

	if ((r = expand_all(st, in, &v)) < 0)
		return r;
	for (size_t i = 0; v[i]; i += 2) {
		if (!*v[i])
			return engine__error_set(ENGINE_EINVALID, 0,
						 "Dockerfile:%d: %s names can not be blank", in->line,
						 engine__df_kind_name(in->kind));
		if (in->kind == ENGINE__DF_ENV)
			r = set_env(st, v[i], v[i + 1]);
		else
			json_object_object_add(config_object(st, "Labels"), v[i],
					       json_object_new_string(v[i + 1]));
		if (r < 0 ||
		    engine__strv_push_take(&parts, engine__strdup_printf("%s=%s", v[i], v[i + 1])) < 0)
			return r < 0 ? r : ENGINE_ENOMEM;
	}
	*comment = join_words(in->kind == ENGINE__DF_ENV ? "ENV " : "LABEL ", parts);
	return 0;
}

/* USER and STOPSIGNAL: one expanded word. */
static int apply_user_stopsignal(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_free char *w = NULL;
	int r;

	if ((r = engine__build_expand(st, in, in->args[0], &w)) < 0)
		return r;
	if (in->kind == ENGINE__DF_STOPSIGNAL && !valid_signal(w))
		return engine__error_set(ENGINE_EINVALID, 0, "Dockerfile:%d: STOPSIGNAL: invalid signal: %s",
					 in->line, w);
	if ((r = config_set_string(st, in->kind == ENGINE__DF_USER ? "User" : "StopSignal", w)) < 0)
		return r;
	*comment = engine__strdup_printf("%s %s", engine__df_kind_name(in->kind), w);
	return 0;
}

/* CMD and ENTRYPOINT; a new ENTRYPOINT drops the base image's CMD. */
static int apply_command(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *list = NULL;
	int r;

	if ((r = command_argv(st, in, 0, &v)) < 0)
		return r;
	if ((r = config_set_strv(st, in->kind == ENGINE__DF_CMD ? "Cmd" : "Entrypoint", v)) < 0)
		return r;
	if (in->kind == ENGINE__DF_CMD)
		st->cmd_set = true;
	else if (!st->cmd_set)
		json_object_object_del(engine__build_config(st), "Cmd");
	list = quoted_list(v);
	*comment = list ? engine__strdup_printf("%s %s", engine__df_kind_name(in->kind), list) : NULL;
	return 0;
}

static int apply_expose(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_strv char **v = NULL, **parts = NULL;
	int r;

	if ((r = expand_all(st, in, &v)) < 0)
		return r;
	for (size_t i = 0; v[i]; i++) {
		char *norm;

		if ((r = expose_port(st, in, v[i], &norm)) < 0)
			return r;
		if (engine__strv_push_take(&parts, norm) < 0)
			return ENGINE_ENOMEM;
	}
	*comment = join_words("EXPOSE ", parts);
	return 0;
}

static int apply_volume(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_strv char **v = NULL;
	cleanup_free char *list = NULL;
	int r;

	if ((r = expand_all(st, in, &v)) < 0)
		return r;
	for (size_t i = 0; v[i]; i++) {
		if (!*v[i])
			return engine__error_set(ENGINE_EINVALID, 0,
						 "Dockerfile:%d: VOLUME specified can not be an empty string",
						 in->line);
		json_object_object_add(config_object(st, "Volumes"), v[i], json_object_new_object());
	}
	list = plain_list(v);
	*comment = list ? engine__strdup_printf("VOLUME %s", list) : NULL;
	return 0;
}

/* ARG inside a stage: declared with the stage's environment, the build
 * args and the meta ARGs (those before the first FROM). */
static int apply_arg(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_strv char **env = NULL, **parts = NULL;
	arg_scope sc;
	int r;

	if ((r = engine__build_env(st, &env)) < 0)
		return r;
	sc = (arg_scope){st->escape, env, st->build_args, st->meta, &st->args, &st->used};
	for (size_t i = 0; in->args[i]; i++) {
		char *text = NULL;

		r = declare_arg(&sc, in, in->args[i], &text);
		if (r < 0 || engine__strv_push_take(&parts, text) < 0) {
			free(r < 0 ? text : NULL);
			return r < 0 ? r : ENGINE_ENOMEM;
		}
	}
	*comment = join_words("ARG ", parts);
	return 0;
}

/* ONBUILD: the trigger is stored for the images built FROM this one. */
static int apply_onbuild(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	json_object *c = engine__build_config(st);
	json_object *ob = engine__json_get_type(c, "OnBuild", json_type_array);
	cleanup_free char *w = strdup(in->args[0]);
	size_t kl = strcspn(in->args[0], " \t");

	if (!w)
		return engine__error_oom();
	for (size_t i = 0; i < kl; i++) /* Docker stores the trigger's keyword upper-cased */
		w[i] = (char)toupper((unsigned char)w[i]);
	if (!ob) {
		ob = json_object_new_array();
		json_object_object_add(c, "OnBuild", ob);
	}
	json_object_array_add(ob, json_object_new_string(w));
	*comment = engine__strdup_printf("ONBUILD %s", w);
	return 0;
}

int engine__build_apply_meta(engine__build_stage *st, const engine__df_instr *in, char **comment)
{
	cleanup_free char *list = NULL;
	int r;

	*comment = NULL;
	switch (in->kind) {
	case ENGINE__DF_ENV:
	case ENGINE__DF_LABEL:
		r = apply_env_label(st, in, comment);
		break;
	case ENGINE__DF_MAINTAINER:
		json_object_object_add(st->image, "author", json_object_new_string(in->args[0]));
		*comment = engine__strdup_printf("MAINTAINER %s", in->args[0]);
		r = 0;
		break;
	case ENGINE__DF_WORKDIR:
		return apply_workdir(st, in, comment);
	case ENGINE__DF_USER:
	case ENGINE__DF_STOPSIGNAL:
		r = apply_user_stopsignal(st, in, comment);
		break;
	case ENGINE__DF_CMD:
	case ENGINE__DF_ENTRYPOINT:
		r = apply_command(st, in, comment);
		break;
	case ENGINE__DF_EXPOSE:
		r = apply_expose(st, in, comment);
		break;
	case ENGINE__DF_VOLUME:
		r = apply_volume(st, in, comment);
		break;
	case ENGINE__DF_SHELL:
		if ((r = config_set_strv(st, "Shell", in->args)) < 0)
			return r;
		list = plain_list(in->args);
		*comment = list ? engine__strdup_printf("SHELL %s", list) : NULL;
		break;
	case ENGINE__DF_HEALTHCHECK:
		return apply_healthcheck(st, in, comment);
	case ENGINE__DF_ARG:
		r = apply_arg(st, in, comment);
		break;
	case ENGINE__DF_ONBUILD:
		r = apply_onbuild(st, in, comment);
		break;
	default:
		return engine__error_set(ENGINE_EINVALID, 0,
					 "Dockerfile:%d: %s is not a metadata instruction", in->line,
					 engine__df_kind_name(in->kind));
	}
	if (r < 0)
		return r;
	return *comment ? 0 : engine__error_oom();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int engine__build_run_argv(engine__build_stage *st, const engine__df_instr *in, char ***argv, char ***env,
			   char **created_by)
{
	cleanup_strv char **a = NULL, **e = NULL, **cfg_env = NULL, **in_effect = NULL;
	cleanup_free char *cmd = NULL, *prefix = NULL;
	int r;

	if ((r = command_argv(st, in, 0, &a)) < 0 || (r = engine__build_env(st, &e)) < 0)
		return r;
	if ((r = engine__json_to_strv(engine__json_get_type(engine__build_config(st), "Env", json_type_array),
				      &cfg_env)) < 0)
		return r;
	/* The build args a RUN sees are part of its identity: a different
	 * --build-arg value must not hit the cache. */
	in_effect = calloc(1, sizeof(char *));
	if (!in_effect)
		return engine__error_oom();
	for (size_t i = 0; st->args && st->args[i]; i++) {
		size_t kl = strcspn(st->args[i], "=");
		bool found;

		if (!st->args[i][kl])
			continue;
		kv_value(cfg_env, st->args[i], kl, &found);
		if (!found && engine__strv_push(&in_effect, st->args[i]) < 0)
			return ENGINE_ENOMEM;
	}
	qsort(in_effect, engine__strv_len(in_effect), sizeof(char *), cmp_str);
	cmd = join_words("", a);
	if (!cmd)
		return ENGINE_ENOMEM;
	if (in_effect[0]) {
		cleanup_free char *head = engine__strdup_printf("|%zu ", engine__strv_len(in_effect));

		prefix = head ? join_words(head, in_effect) : NULL;
		*created_by = prefix ? engine__strdup_printf("%s %s", prefix, cmd) : NULL;
	} else {
		*created_by = steal_ptr(cmd);
	}
	if (!*created_by)
		return ENGINE_ENOMEM;
	*argv = steal_ptr(a);
	*env = steal_ptr(e);
	return 0;
}

int engine__build_step_key(engine__build_stage *st, const char *created_by, char **out)
{
	const char *cfg = json_object_to_json_string_ext(engine__build_config(st), JSON_C_TO_STRING_PLAIN);

	*out = engine__strdup_printf("%s\n%s", created_by, cfg ? cfg : "");
	return *out ? 0 : ENGINE_ENOMEM;
}

int engine__build_record_step(engine__build_stage *st, const char *created_by, const char *diff_id,
			      const char *created)
{
	json_object *hist = engine__json_get_type(st->image, "history", json_type_array);
	json_object *rootfs = engine__json_get_type(st->image, "rootfs", json_type_object);
	json_object *h = json_object_new_object();

	if (!h)
		return engine__error_oom();
	if (!hist) {
		hist = json_object_new_array();
		json_object_object_add(st->image, "history", hist);
	}
	json_object_object_add(h, "created", json_object_new_string(created));
	json_object_object_add(h, "created_by", json_object_new_string(created_by));
	if (!diff_id)
		json_object_object_add(h, "empty_layer", json_object_new_boolean(1));
	json_object_array_add(hist, h);
	if (diff_id) {
		json_object *ids;

		if (!rootfs) {
			rootfs = json_object_new_object();
			json_object_object_add(rootfs, "type", json_object_new_string("layers"));
			json_object_object_add(st->image, "rootfs", rootfs);
		}
		ids = engine__json_get_type(rootfs, "diff_ids", json_type_array);
		if (!ids) {
			ids = json_object_new_array();
			json_object_object_add(rootfs, "diff_ids", ids);
		}
		json_object_array_add(ids, json_object_new_string(diff_id));
	}
	json_object_object_add(st->image, "created", json_object_new_string(created));
	return 0;
}
