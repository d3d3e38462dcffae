/*
 * Named volumes in the store (layout in volume/volume.h): the public API
 * of include/engine/volume.h and the references containers take. Every
 * change happens under volumes/lock; a volume appears only once its record
 * is in place (written to a temp dir, renamed), and a removal first renames
 * it away, so a crash never leaves a half volume visible.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <engine/volume.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/filters.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"
#include "volume/volume.h"

ENGINE_EXTERN int engine_volume_create_options_init(engine_volume_create_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_volume_create_options, opts, version,
					  ENGINE_VOLUME_CREATE_OPTIONS_INIT);
}

static int check_name(const char *name)
{
	size_t n = strlen(name);

	if (n < 2 || n > 255 ||
	    !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
	      (name[0] >= '0' && name[0] <= '9')) ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "invalid volume name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed "
		    "(at least 2 characters)",
		    name);
	return 0;
}

static char *vol_path(engine_context *ctx, const char *name, const char *sub)
{
	cleanup_free char *rel =
	    engine__strdup_printf("volumes/%s%s%s", name ? name : "", sub ? "/" : "", sub ? sub : "");

	return rel ? engine__context_path(ctx, rel) : NULL;
}

/* volumes/lock; the volumes dir is created on first use. */
static int take_lock(engine_context *ctx, bool exclusive)
{
	cleanup_free char *dir = vol_path(ctx, NULL, NULL), *lock = vol_path(ctx, "lock", NULL);

	if (!dir || !lock)
		return engine__error_oom();
	if (engine__mkdir_p(dir, 0700) < 0)
		return engine_error_last()->code;
	/* "volumes/lock" is a file, not a volume: names are at least 2 chars
	 * and "lock" would be one, so it is kept out by exists(). */
	return engine__lock_take(lock, exclusive);
}

static bool is_volume(engine_context *ctx, const char *name)
{
	cleanup_free char *rec = vol_path(ctx, name, "volume.json");

	return rec && engine__path_exists(rec);
}

static int load_record(engine_context *ctx, const char *name, json_object **out)
{
	cleanup_free char *rec = vol_path(ctx, name, "volume.json");

	if (!rec)
		return engine__error_oom();
	if (!engine__path_exists(rec))
		return engine__error_set(ENGINE_ENOTFOUND, ENOENT, "no such volume: %s", name);
	return engine__json_parse_file(rec, out);
}

/* The local driver's options: type, device, o; what this engine can mount. */
static int parse_options(const engine_strarray *in, json_object *out)
{
	const char *type, *device, *o;

	for (size_t i = 0; i < in->count; i++) {
		const char *s = in->strings[i], *eq = s ? strchr(s, '=') : NULL;
		cleanup_free char *key = eq ? strndup(s, (size_t)(eq - s)) : NULL;

		if (!eq)
			return engine__error_set(ENGINE_EINVALID, 0, "volume option \"%s\": want KEY=VALUE",
						 s ? s : "");
		if (!key)
			return engine__error_oom();
		if (strcmp(key, "type") != 0 && strcmp(key, "device") != 0 && strcmp(key, "o") != 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid option key: \"%s\" (the local driver knows type, "
						 "device and o)",
						 key);
		json_object_object_add(out, key, json_object_new_string(eq + 1));
	}
	type = engine__json_get_string(out, "type");
	device = engine__json_get_string(out, "device");
	o = engine__json_get_string(out, "o");
	if (!type && (device || o))
		return engine__error_set(ENGINE_EINVALID, 0, "volume options device and o need a type");
	if (type && strcmp(type, "tmpfs") == 0)
		return 0;
	if (type && strcmp(type, "none") == 0) {
		if (!device || device[0] != '/' || !o || !strstr(o, "bind"))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "volume type=none needs o=bind and an absolute device=DIR");
		if (!engine__path_exists(device))
			return engine__error_set(ENGINE_ENOTFOUND, ENOENT,
						 "volume device \"%s\": no such file or directory", device);
		return 0;
	}
	if (type)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0, "volume type \"%s\" is not supported (use tmpfs, or none with o=bind)",
		    type);
	return 0;
}

static void now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Create @name (lock held; it does not exist). */
static int create_locked(engine_context *ctx, const char *name, json_object *labels, json_object *options)
{
	cleanup_json json_object *rec = json_object_new_object();
	cleanup_free char *parent = vol_path(ctx, NULL, NULL), *dst = vol_path(ctx, name, NULL), *tmp = NULL,
			  *data = NULL, *refs = NULL, *recpath = NULL;
	char when[40];
	int r;

	if (!rec || !parent || !dst)
		return engine__error_oom();
	now_rfc3339(when, sizeof(when));
	engine__json_add_string(rec, "Name", name);
	engine__json_add_string(rec, "Driver", "local");
	engine__json_add_string(rec, "CreatedAt", when);
	json_object_object_add(rec, "Labels", json_object_get(labels));
	json_object_object_add(rec, "Options", options ? json_object_get(options) : NULL);
	r = engine__mkdtemp_in(parent, ".tmp-", &tmp);
	if (r < 0)
		return r;
	data = engine__path_join(tmp, "_data");
	refs = engine__path_join(tmp, "refs");
	recpath = engine__path_join(tmp, "volume.json");
	if (!data || !refs || !recpath)
		r = engine__error_oom();
	/* Docker's _data is 0755 root-owned: containers of any user reach it. */
	else if (mkdir(data, 0755) < 0 || chmod(data, 0755) < 0 || mkdir(refs, 0700) < 0)
		r = engine__error_errno(errno, "create volume %s", name);
	else if ((r = engine__json_write_file(recpath, rec, true)) == 0 && rename(tmp, dst) < 0)
		r = engine__error_errno(errno, "create volume %s", name);
	if (r < 0)
		engine__rm_rf(tmp);
	return r;
}

ENGINE_EXTERN int engine_volume_create(engine_context *ctx, const engine_volume_create_options *in,
				       char **name_out)
{
	engine_volume_create_options full = ENGINE_VOLUME_CREATE_OPTIONS_INIT;
	cleanup_json json_object *labels = json_object_new_object(), *options = json_object_new_object();
	cleanup_close int lock = -EBADF;
	char hex[65];
	const char *name;
	int r;

	if (!ctx || !in)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_volume_create: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_volume_create_options), &full, in)) < 0)
		return r;
	if (!labels || !options)
		return engine__error_oom();
	if (full.driver && *full.driver && strcmp(full.driver, "local") != 0)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0, "volume driver \"%s\" is not supported (only \"local\")", full.driver);
	name = full.name;
	if (!name || !*name) {
		if ((r = engine__random_hex(hex, 32)) < 0)
			return r;
		name = hex;
	}
	if (check_name(name) < 0 || engine__labels_parse(&full.labels, labels) < 0 ||
	    parse_options(&full.options, options) < 0)
		return engine_error_last()->code;
	if ((lock = take_lock(ctx, true)) < 0)
		return lock;
	if (!is_volume(ctx, name) &&
	    (r = create_locked(ctx, name, labels, full.options.count ? options : NULL)) < 0)
		return engine__error_wrap("volume create %s", name);
	if (name_out && !(*name_out = strdup(name)))
		return engine__error_oom();
	return 0;
}

/* Whether the reference file @ref of a volume still stands for a user. */
static bool ref_live(engine_context *ctx, int refs_fd, const char *ref)
{
	char buf[32];
	ssize_t n;
	int fd = openat(refs_fd, ref, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_free char *rel = engine__strdup_printf("containers/%s", ref), *cdir = NULL;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		long pid;

		buf[n] = '\0';
		pid = strtol(buf, NULL, 10);
		return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	}
	cdir = rel ? engine__context_path(ctx, rel) : NULL;
	return cdir && engine__path_exists(cdir);
}

/* How many live users @name has; stale references are dropped (lock held
 * exclusively) or only skipped. */
static int ref_count(engine_context *ctx, const char *name, bool sweep)
{
	cleanup_free char *refs = vol_path(ctx, name, "refs");
	cleanup_closedir DIR *d = refs ? opendir(refs) : NULL;
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (ref_live(ctx, dirfd(d), de->d_name))
			n++;
		else if (sweep)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	return n;
}

/* The inspect object of @name (lock held). */
static int describe(engine_context *ctx, const char *name, json_object **out)
{
	json_object *rec = NULL, *usage;
	cleanup_free char *mp = vol_path(ctx, name, "_data");
	int r = load_record(ctx, name, &rec);

	if (r < 0)
		return r;
	if (!mp || !(usage = json_object_new_object())) {
		json_object_put(rec);
		return engine__error_oom();
	}
	engine__json_add_string(rec, "Mountpoint", mp);
	engine__json_add_string(rec, "Scope", "local");
	json_object_object_add(usage, "RefCount", json_object_new_int(ref_count(ctx, name, false)));
	json_object_object_add(usage, "Size", json_object_new_int(-1));
	json_object_object_add(rec, "UsageData", usage);
	*out = rec;
	return 0;
}

static int to_string(json_object *o, char **out)
{
	*out = strdup(
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return *out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_volume_inspect(engine_context *ctx, const char *name, char **json_out)
{
	cleanup_json json_object *o = NULL;
	cleanup_close int lock = -EBADF;
	int r;

	if (!ctx || !name || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_volume_inspect: NULL argument");
	if (check_name(name) < 0)
		return engine__error_set(ENGINE_ENOTFOUND, 0, "no such volume: %s", name);
	if ((lock = take_lock(ctx, false)) < 0)
		return lock;
	if ((r = describe(ctx, name, &o)) < 0)
		return r;
	return to_string(o, json_out);
}

/* The names of every volume, sorted. */
static int all_names(engine_context *ctx, char ***out)
{
	cleanup_free char *dir = vol_path(ctx, NULL, NULL);
	cleanup_closedir DIR *d = dir ? opendir(dir) : NULL;
	cleanup_strv char **names = calloc(1, sizeof(char *));
	struct dirent *de;

	if (!names || !dir)
		return engine__error_oom();
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && is_volume(ctx, de->d_name) &&
		    engine__strv_push(&names, de->d_name) < 0)
			return ENGINE_ENOMEM;
	engine__strv_sort(names);
	*out = steal_ptr(names);
	return 0;
}

typedef struct vsubject {
	json_object *v;
	int refs;
} vsubject;

static bool m_name(const char *want, void *a)
{
	const char *n = engine__json_get_string(((vsubject *)a)->v, "Name");

	return n && strstr(n, want);
}

static bool m_driver(const char *want, void *a)
{
	return strcmp(want, "local") == 0 && a;
}

static bool m_dangling(const char *want, void *a)
{
	bool dangling = ((vsubject *)a)->refs == 0;

	return (strcmp(want, "true") == 0 || strcmp(want, "1") == 0) ? dangling : !dangling;
}

static bool m_label(const char *want, void *a)
{
	return engine__filter_label(want,
				    engine__json_get_type(((vsubject *)a)->v, "Labels", json_type_object));
}

static bool m_all(const char *want, void *a)
{
	(void)want;
	(void)a;
	return true;
}

static bool selected(const engine__filters *f, vsubject *s, bool prune)
{
	bool all = false;

	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->items[i].key, *v = f->items[i].value;

		if (strcmp(k, "label") == 0 && !m_label(v, s))
			return false;
		if (strcmp(k, "label!") == 0 && m_label(v, s))
			return false;
		if (strcmp(k, "all") == 0)
			all = all || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
	}
	if (prune && !all && !m_label(ENGINE__VOLUME_ANON_LABEL, s))
		return false;
	return engine__filters_any(f, "name", m_name, s) && engine__filters_any(f, "driver", m_driver, s) &&
	       engine__filters_any(f, "dangling", m_dangling, s) && engine__filters_any(f, "all", m_all, s);
}

static int check_filters(const engine__filters *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->items[i].key, *v = f->items[i].value;

		if ((strcmp(k, "dangling") == 0 || strcmp(k, "all") == 0) && strcmp(v, "true") != 0 &&
		    strcmp(v, "false") != 0 && strcmp(v, "1") != 0 && strcmp(v, "0") != 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid filter '%s=%s': use true or false", k, v);
	}
	return 0;
}

ENGINE_EXTERN int engine_volume_list(engine_context *ctx, const engine_strarray *filters, char **json_out)
{
	static const char *const keys[] = {"dangling", "name", "label", "driver", NULL};
	cleanup_json json_object *arr = json_object_new_array();
	cleanup_close int lock = -EBADF;
	cleanup_strv char **names = NULL;
	engine__filters f;
	int r;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_volume_list: NULL argument");
	if (!arr)
		return engine__error_oom();
	if ((r = engine__filters_parse(filters, keys, &f)) < 0)
		return r;
	if ((r = check_filters(&f)) < 0 || (lock = take_lock(ctx, false)) < 0 ||
	    (r = all_names(ctx, &names)) < 0) {
		engine__filters_clear(&f);
		return r < 0 ? r : lock;
	}
	for (size_t i = 0; names[i]; i++) {
		vsubject s = {NULL, 0};

		if (describe(ctx, names[i], &s.v) < 0) {
			engine_error_clear();
			continue;
		}
		s.refs = (int)engine__json_get_int(engine__json_get_type(s.v, "UsageData", json_type_object),
						   "RefCount", 0);
		if (selected(&f, &s, false))
			json_object_array_add(arr, s.v);
		else
			json_object_put(s.v);
	}
	engine__filters_clear(&f);
	return to_string(arr, json_out);
}

/* Rename the volume away, then delete it (lock held). */
static int remove_locked(engine_context *ctx, const char *name, int64_t *bytes)
{
	cleanup_free char *dir = vol_path(ctx, name, NULL), *parent = vol_path(ctx, NULL, NULL), *gone = NULL;
	char hex[17];

	if (!dir || !parent || engine__random_hex(hex, 8) < 0 ||
	    !(gone = engine__strdup_printf("%s/.gone-%s", parent, hex)))
		return engine__error_oom();
	if (bytes) {
		cleanup_free char *data = engine__path_join(dir, "_data");

		*bytes = data ? engine__tree_bytes(data) : 0;
	}
	if (rename(dir, gone) < 0)
		return engine__error_errno(errno, "remove volume %s", name);
	return engine__rm_rf(gone) < 0 ? engine__error_wrap("remove volume %s", name) : 0;
}

ENGINE_EXTERN int engine_volume_remove(engine_context *ctx, const char *name, int force)
{
	cleanup_close int lock = -EBADF;
	int users;

	if (!ctx || !name)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_volume_remove: NULL argument");
	if (check_name(name) < 0 && !force)
		return engine__error_set(ENGINE_ENOTFOUND, 0, "no such volume: %s", name);
	if ((lock = take_lock(ctx, true)) < 0)
		return lock;
	if (!is_volume(ctx, name))
		return force ? 0 : engine__error_set(ENGINE_ENOTFOUND, ENOENT, "no such volume: %s", name);
	users = ref_count(ctx, name, true);
	if (users > 0 && !force)
		return engine__error_set(ENGINE_EBUSY, 0, "remove %s: volume is in use by %d container%s",
					 name, users, users == 1 ? "" : "s");
	return remove_locked(ctx, name, NULL);
}

ENGINE_EXTERN int engine_volume_prune(engine_context *ctx, const engine_strarray *filters,
				      engine_strarray *removed, int64_t *reclaimed)
{
	static const char *const keys[] = {"label", "label!", "all", NULL};
	cleanup_close int lock = -EBADF;
	cleanup_strv char **names = NULL, **gone = calloc(1, sizeof(char *));
	engine__filters f;
	int64_t total = 0;
	int r;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_volume_prune: NULL argument");
	if (!gone)
		return engine__error_oom();
	if ((r = engine__filters_parse(filters, keys, &f)) < 0)
		return r;
	if ((r = check_filters(&f)) < 0 || (lock = take_lock(ctx, true)) < 0 ||
	    (r = all_names(ctx, &names)) < 0) {
		engine__filters_clear(&f);
		return r < 0 ? r : lock;
	}
	for (size_t i = 0; names[i] && r == 0; i++) {
		vsubject s = {NULL, ref_count(ctx, names[i], true)};
		int64_t bytes = 0;

		if (s.refs > 0 || load_record(ctx, names[i], &s.v) < 0) {
			engine_error_clear();
			continue;
		}
		if (selected(&f, &s, true) && (r = remove_locked(ctx, names[i], &bytes)) == 0) {
			total += bytes;
			r = engine__strv_push(&gone, names[i]);
		}
		json_object_put(s.v);
	}
	engine__filters_clear(&f);
	if (r < 0)
		return r;
	if (removed)
		engine__strv_to_array(steal_ptr(gone), removed);
	if (reclaimed)
		*reclaimed = total;
	return 0;
}

/* --- references: containers using volumes ------------------------------- */

void engine__volume_mount_clear(engine__volume_mount *m)
{
	free(m->name);
	free(m->src);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

static bool dir_empty(const char *path)
{
	cleanup_closedir DIR *d = opendir(path);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			return false;
	return d != NULL;
}

/* What mounting @name means, from its record. */
static int mount_of(engine_context *ctx, const char *name, engine__volume_mount *out)
{
	cleanup_json json_object *rec = NULL;
	json_object *opts;
	const char *type;
	int r = load_record(ctx, name, &rec);

	if (r < 0)
		return r;
	opts = engine__json_get_type(rec, "Options", json_type_object);
	type = engine__json_get_string(opts, "type");
	if (!(out->name = strdup(name)))
		return engine__error_oom();
	if (type && strcmp(type, "tmpfs") == 0) {
		const char *o = engine__json_get_string(opts, "o");

		out->tmpfs = true;
		if (o && *o && !(out->data = strdup(o)))
			return engine__error_oom();
		return 0;
	}
	if (type && strcmp(type, "none") == 0)
		out->src = strdup(engine__json_get_string(opts, "device"));
	else if ((out->src = vol_path(ctx, name, "_data")))
		out->empty = dir_empty(out->src);
	return out->src ? 0 : engine__error_oom();
}

int engine__volume_use(engine_context *ctx, const char *name, const char *owner, pid_t pid,
		       engine__volume_mount *out)
{
	cleanup_close int lock = -EBADF, fd = -EBADF;
	cleanup_free char *refs = NULL;
	char hex[65], buf[24];
	int r;

	memset(out, 0, sizeof(*out));
	if (name && check_name(name) < 0)
		return engine_error_last()->code;
	if ((lock = take_lock(ctx, true)) < 0)
		return lock;
	if (!name) {
		cleanup_json json_object *labels = json_object_new_object();

		if (!labels || engine__random_hex(hex, 32) < 0)
			return engine__error_oom();
		json_object_object_add(labels, ENGINE__VOLUME_ANON_LABEL, json_object_new_string(""));
		name = hex;
		if ((r = create_locked(ctx, name, labels, NULL)) < 0)
			return r;
	} else if (!is_volume(ctx, name)) {
		cleanup_json json_object *labels = json_object_new_object();

		if (!labels)
			return engine__error_oom();
		if ((r = create_locked(ctx, name, labels, NULL)) < 0)
			return r;
	}
	refs = vol_path(ctx, name, "refs");
	if (!refs)
		return engine__error_oom();
	fd = openat(AT_FDCWD, refs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		int rf = openat(fd, owner, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (rf >= 0 && pid > 0) {
			int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

			if (write(rf, buf, (size_t)n) != n) {
				close(rf);
				rf = -1;
			}
		}
		if (rf >= 0)
			close(rf);
		else
			return engine__error_errno(errno, "volume %s: record its use by %.12s", name, owner);
	} else {
		return engine__error_errno(errno, "volume %s", name);
	}
	r = mount_of(ctx, name, out);
	if (r < 0)
		engine__volume_mount_clear(out);
	return r;
}

int engine__volume_release(engine_context *ctx, const char *name, const char *owner, bool remove_anonymous)
{
	cleanup_close int lock = -EBADF;
	cleanup_free char *ref = NULL;
	cleanup_json json_object *rec = NULL;

	if (check_name(name) < 0 || (lock = take_lock(ctx, true)) < 0)
		return engine_error_last()->code;
	if (!is_volume(ctx, name))
		return 0;
	ref = engine__strdup_printf("refs/%s", owner);
	if (!ref)
		return engine__error_oom();
	{
		cleanup_free char *path = vol_path(ctx, name, ref);

		if (path)
			unlink(path);
	}
	if (!remove_anonymous || load_record(ctx, name, &rec) < 0) {
		engine_error_clear();
		return 0;
	}
	if (!engine__filter_label(ENGINE__VOLUME_ANON_LABEL,
				  engine__json_get_type(rec, "Labels", json_type_object)) ||
	    ref_count(ctx, name, true) > 0)
		return 0;
	return remove_locked(ctx, name, NULL);
}
