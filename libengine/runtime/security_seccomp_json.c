/*
 * Docker-format seccomp profiles (JSON, as `--security-opt seccomp=FILE`
 * takes them) parsed with json-c into the in-memory profile the compiler
 * uses. Errors name the profile and the entry at fault.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>

#include "core/error.h"
#include "runtime/security.h"
#include "runtime/security_seccomp_profile.h"
#include "util/cleanup.h"
#include "util/json.h"

/* A condition naming a capability this build does not know can never be
 * satisfied (Docker compares names): this bit is never in a bounding set. */
#define UNKNOWN_CAP_BIT (UINT64_C(1) << 63)

/* Everything a parsed profile owns: the JSON tree (names point into it) and
 * the arrays built from it. */
typedef struct storage {
	json_object *root;
	void **blocks;
	size_t n_blocks;
} storage;

static void *store_alloc(storage *st, size_t n, size_t size)
{
	void **grown;
	void *p;

	grown = realloc(st->blocks, (st->n_blocks + 1) * sizeof(void *));
	if (!grown)
		return NULL;
	st->blocks = grown;
	p = calloc(n ? n : 1, size);
	if (!p)
		return NULL;
	st->blocks[st->n_blocks++] = p;
	return p;
}

void engine__seccomp_profile_free(engine__seccomp_profile *p)
{
	storage *st;

	if (!p)
		return;
	st = p->storage;
	if (st) {
		for (size_t i = 0; i < st->n_blocks; i++)
			free(st->blocks[i]);
		free(st->blocks);
		json_object_put(st->root);
		free(st);
	}
	free(p);
}

static const struct {
	const char *name;
	uint32_t action;
	bool takes_errno;
} actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static const struct {
	const char *name;
	unsigned flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
};

/* An errno value from a JSON member (errnoRet / defaultErrnoRet). */
static int get_errno(json_object *obj, const char *key, const char *what, const char *entry, uint32_t *out,
		     bool *present)
{
	json_object *v;
	int64_t n;

	*present = json_object_object_get_ex(obj, key, &v) && v;
	if (!*present)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return engine__error_set(ENGINE_EINVALID, 0, "seccomp profile %s: %s%s: not a number", what,
					 entry, key);
	n = json_object_get_int64(v);
	if (n < 0 || n > 0xffff)
		return engine__error_set(ENGINE_EINVALID, 0, "seccomp profile %s: %s%s: %lld out of range",
					 what, entry, key, (long long)n);
	*out = (uint32_t)n;
	return 0;
}

static int parse_action(json_object *obj, const char *key, const char *what, const char *entry,
			uint32_t errno_key_default, const char *errno_key, uint32_t *out)
{
	const char *name = engine__json_get_string(obj, key);
	uint32_t err = errno_key_default;
	bool has_errno;
	int r;

	if (!name)
		return engine__error_set(ENGINE_EINVALID, 0, "seccomp profile %s: %s%s: missing", what, entry,
					 key);
	r = get_errno(obj, errno_key, what, entry, &err, &has_errno);
	if (r < 0)
		return r;
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "seccomp profile %s: %saction \"%s\": not supported (no notify listener)", what, entry,
		    name);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(actions[i].name, name) != 0)
			continue;
		*out = actions[i].takes_errno ? actions[i].action | (err & 0xffff) : actions[i].action;
		return 0;
	}
	return engine__error_set(ENGINE_EINVALID, 0, "seccomp profile %s: %sunknown action \"%s\"", what,
				 entry, name);
}

static int parse_arch_name(const char *name, const char *what, const char *entry, uint32_t *out)
{
	char lower[64];
	size_t i = 0;
	const char *bare = strncmp(name, "SCMP_ARCH_", 10) == 0 ? name + 10 : name;

	for (; bare[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)((bare[i] >= 'A' && bare[i] <= 'Z') ? bare[i] - 'A' + 'a' : bare[i]);
	lower[i] = '\0';
	*out = seccomp_arch_resolve_name(lower);
	if (!*out)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "seccomp profile %s: %sunknown architecture \"%s\"", what, entry,
					 name);
	return 0;
}

static int parse_arch_list(storage *st, json_object *arr, const char *what, const char *entry,
			   const uint32_t **out, size_t *n)
{
	size_t len = json_object_array_length(arr);
	uint32_t *arches = store_alloc(st, len, sizeof(uint32_t));

	if (!arches)
		return engine__error_oom();
	for (size_t i = 0; i < len; i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
		char sub[96];
		int r;

		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_string))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %s[%zu]: not a string", what, entry, i);
		snprintf(sub, sizeof(sub), "%s[%zu]: ", entry, i);
		r = parse_arch_name(name, what, sub, &arches[i]);
		if (r < 0)
			return r;
	}
	*out = arches;
	*n = len;
	return 0;
}

/* A JSON array of strings as a NULL-terminated vector borrowed from the tree. */
static int string_list(storage *st, json_object *arr, const char *what, const char *entry,
		       const char *const **out)
{
	size_t len = json_object_array_length(arr);
	const char **v = store_alloc(st, len + 1, sizeof(char *));

	if (!v)
		return engine__error_oom();
	for (size_t i = 0; i < len; i++) {
		json_object *s = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(s, json_type_string))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %s[%zu]: not a string", what, entry, i);
		v[i] = json_object_get_string(s);
	}
	*out = v;
	return 0;
}

static int parse_cond(storage *st, json_object *obj, const char *what, const char *entry,
		      const engine__seccomp_cond **out)
{
	engine__seccomp_cond *c;
	json_object *caps, *arches;
	const char *kernel;
	char sub[160];
	int r;

	*out = NULL;
	if (!obj)
		return 0;
	if (!json_object_is_type(obj, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0, "seccomp profile %s: %s: not an object", what,
					 entry);
	c = store_alloc(st, 1, sizeof(*c));
	if (!c)
		return engine__error_oom();
	caps = engine__json_get_type(obj, "caps", json_type_array);
	for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(caps, i));
		int cap;

		if (name && engine__cap_from_name(name, &cap) == 0)
			c->caps |= UINT64_C(1) << cap;
		else
			c->caps |= UNKNOWN_CAP_BIT;
	}
	arches = engine__json_get_type(obj, "arches", json_type_array);
	if (arches) {
		snprintf(sub, sizeof(sub), "%s.arches", entry);
		r = string_list(st, arches, what, sub, &c->arches);
		if (r < 0)
			return r;
	}
	kernel = engine__json_get_string(obj, "minKernel");
	if (kernel && *kernel) {
		char tail;

		if (sscanf(kernel, "%u.%u%c", &c->min_kernel[0], &c->min_kernel[1], &tail) != 2 ||
		    (c->min_kernel[0] == 0 && c->min_kernel[1] == 0))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %s.minKernel: invalid kernel version "
						 "\"%s\", expected \"<kernel>.<major>\"",
						 what, entry, kernel);
	}
	*out = c;
	return 0;
}

/* An argument value: an unsigned 64-bit integer, 0 when absent (as Go's
 * decoder leaves it). json-c keeps integers above INT64_MAX as uint64. */
static int arg_value(json_object *a, const char *key, uint64_t *out)
{
	json_object *v = json_object_object_get(a, key);

	*out = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	*out = json_object_get_uint64(v);
	return 0;
}

static int parse_args(storage *st, json_object *arr, const char *what, const char *entry,
		      engine__seccomp_rule *rule)
{
	size_t len = arr ? json_object_array_length(arr) : 0;
	engine__seccomp_arg *args;

	if (len > 6)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "seccomp profile %s: %sargs: %zu conditions (at most 6)", what,
					 entry, len);
	args = store_alloc(st, len, sizeof(*args));
	if (!args)
		return engine__error_oom();
	for (size_t i = 0; i < len; i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		const char *op = engine__json_get_string(a, "op");
		int64_t index = engine__json_get_int(a, "index", -1);
		bool found = false;

		if (!json_object_is_type(a, json_type_object) || index < 0 || index > 5)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %sargs[%zu]: bad or missing index",
						 what, entry, i);
		args[i].index = (unsigned)index;
		if (arg_value(a, "value", &args[i].value) < 0 ||
		    arg_value(a, "valueTwo", &args[i].value_two) < 0)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "seccomp profile %s: %sargs[%zu]: value is not an unsigned 64-bit integer", what,
			    entry, i);
		for (size_t k = 0; op && k < sizeof(ops) / sizeof(ops[0]); k++) {
			if (strcmp(ops[k].name, op) == 0) {
				args[i].op = ops[k].op;
				found = true;
			}
		}
		if (!found)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %sargs[%zu]: unknown op \"%s\"", what,
						 entry, i, op ? op : "(missing)");
	}
	rule->args = args;
	rule->n_args = len;
	return 0;
}

static int parse_rule(storage *st, json_object *obj, size_t idx, const char *what, engine__seccomp_rule *rule)
{
	json_object *names = engine__json_get_type(obj, "names", json_type_array);
	const char *name = engine__json_get_string(obj, "name");
	char entry[128], sub[160];
	int r;

	if (!json_object_is_type(obj, json_type_object))
		return engine__error_set(ENGINE_EINVALID, 0,
					 "seccomp profile %s: syscalls[%zu]: not an object", what, idx);
	if (name && names)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "seccomp profile %s: syscalls[%zu]: both \"name\" and \"names\" are specified", what,
		    idx);
	if (names) {
		json_object *first = json_object_array_get_idx(names, 0);

		snprintf(entry, sizeof(entry), "syscalls[%zu] (\"%s\"): ", idx,
			 first ? json_object_get_string(first) : "");
		snprintf(sub, sizeof(sub), "syscalls[%zu].names", idx);
		r = string_list(st, names, what, sub, &rule->names);
		if (r < 0)
			return r;
	} else if (name) {
		const char **v = store_alloc(st, 2, sizeof(char *));

		if (!v)
			return engine__error_oom();
		v[0] = name;
		rule->names = v;
		snprintf(entry, sizeof(entry), "syscalls[%zu] (\"%s\"): ", idx, name);
	} else {
		return engine__error_set(ENGINE_EINVALID, 0,
					 "seccomp profile %s: syscalls[%zu]: no \"names\"", what, idx);
	}
	r = parse_action(obj, "action", what, entry, EPERM, "errnoRet", &rule->action);
	if (r < 0)
		return r;
	r = parse_args(st, engine__json_get_type(obj, "args", json_type_array), what, entry, rule);
	if (r < 0)
		return r;
	snprintf(sub, sizeof(sub), "syscalls[%zu].includes", idx);
	r = parse_cond(st, json_object_object_get(obj, "includes"), what, sub, &rule->includes);
	if (r < 0)
		return r;
	snprintf(sub, sizeof(sub), "syscalls[%zu].excludes", idx);
	return parse_cond(st, json_object_object_get(obj, "excludes"), what, sub, &rule->excludes);
}

static int parse_archmap(storage *st, json_object *arr, const char *what, engine__seccomp_profile *p)
{
	size_t len = json_object_array_length(arr);
	engine__seccomp_archmap *map = store_alloc(st, len, sizeof(*map));

	if (!map)
		return engine__error_oom();
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *arch = engine__json_get_string(e, "architecture");
		json_object *subs = engine__json_get_type(e, "subArchitectures", json_type_array);
		char entry[64];
		int r;

		snprintf(entry, sizeof(entry), "archMap[%zu]: ", i);
		if (!arch)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: %sno \"architecture\"", what, entry);
		/* An arch this libseccomp does not know cannot be the native
		 * one, and Docker only ever uses the native entry: skip it
		 * (Docker's own profile lists loongarch64, unknown to 2.5). */
		if (parse_arch_name(arch, what, entry, &map[i].arch) < 0) {
			engine_error_clear();
			map[i].arch = 0;
			continue;
		}
		if (subs && map[i].arch == seccomp_arch_native()) {
			snprintf(entry, sizeof(entry), "archMap[%zu].subArchitectures", i);
			r = parse_arch_list(st, subs, what, entry, &map[i].subarches, &map[i].n_subarches);
			if (r < 0)
				return r;
		}
	}
	p->archmap = map;
	p->n_archmap = len;
	return 0;
}

static int parse_flags(json_object *arr, const char *what, engine__seccomp_profile *p)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(arr, i));
		bool found = false;

		for (size_t k = 0; name && k < sizeof(filter_flags) / sizeof(filter_flags[0]); k++) {
			if (strcmp(filter_flags[k].name, name) == 0) {
				p->flags |= filter_flags[k].flag;
				found = true;
			}
		}
		if (!found)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "seccomp profile %s: flags[%zu]: unknown flag \"%s\"", what,
						 i, name ? name : "");
	}
	return 0;
}

int engine__seccomp_profile_parse(const char *what, const char *json, size_t len,
				  engine__seccomp_profile **out)
{
	engine__seccomp_profile *p = calloc(1, sizeof(*p));
	storage *st = calloc(1, sizeof(*st));
	json_object *arches, *archmap, *syscalls;
	engine__seccomp_rule *rules;
	cleanup_free char *label = NULL;
	size_t n;
	int r;

	if (!p || !st) {
		free(p);
		free(st);
		return engine__error_oom();
	}
	p->storage = st;
	label = malloc(strlen(what) + 32);
	if (!label) {
		r = engine__error_oom();
		goto fail;
	}
	sprintf(label, "seccomp profile %s", what);
	r = engine__json_parse(json, len, label, &st->root);
	if (r < 0)
		goto fail;
	if (!json_object_is_type(st->root, json_type_object)) {
		r = engine__error_set(ENGINE_EINVALID, 0, "%s: not a JSON object", label);
		goto fail;
	}

	syscalls = json_object_object_get(st->root, "syscalls");
	if (syscalls && !json_object_is_type(syscalls, json_type_array)) {
		r = engine__error_set(ENGINE_EINVALID, 0, "%s: \"syscalls\" is not an array", label);
		goto fail;
	}
	n = syscalls ? json_object_array_length(syscalls) : 0;
	/* Docker: no default action and no rules means no filtering. */
	if (!engine__json_get_string(st->root, "defaultAction") && n == 0) {
		p->default_action = SCMP_ACT_ALLOW;
		*out = p;
		return 0;
	}
	r = parse_action(st->root, "defaultAction", what, "", EPERM, "defaultErrnoRet", &p->default_action);
	if (r < 0)
		goto fail;

	arches = engine__json_get_type(st->root, "architectures", json_type_array);
	archmap = engine__json_get_type(st->root, "archMap", json_type_array);
	if (arches && archmap && json_object_array_length(arches) && json_object_array_length(archmap)) {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "%s: both \"architectures\" and \"archMap\" are specified, use either",
				      label);
		goto fail;
	}
	if (arches)
		r = parse_arch_list(st, arches, what, "architectures", &p->arches, &p->n_arches);
	else if (archmap)
		r = parse_archmap(st, archmap, what, p);
	if (r < 0)
		goto fail;
	r = parse_flags(engine__json_get_type(st->root, "flags", json_type_array), what, p);
	if (r < 0)
		goto fail;

	rules = store_alloc(st, n, sizeof(*rules));
	if (!rules) {
		r = engine__error_oom();
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		r = parse_rule(st, json_object_array_get_idx(syscalls, i), i, what, &rules[i]);
		if (r < 0)
			goto fail;
	}
	p->rules = rules;
	p->n_rules = n;
	*out = p;
	return 0;

fail:
	engine__seccomp_profile_free(p);
	return r;
}
