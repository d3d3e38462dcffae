/*
 * Garbage collection and disk usage. Roots are the image records (and,
 * through them, manifests, configs, layer blobs and chains); containers
 * keep their image through containers/<id>/image-id. Everything else under
 * blobs/, layers/ and tmp/ is garbage once the exclusive lock shows that no
 * writer is mid-way.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <engine/store.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "image/internal.h"
#include "image/pathset.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/str.h"
#include "util/strv.h"

struct live {
	engine__pathset blobs, layers;
};

static int mark_array(engine__pathset *set, json_object *arr)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
		if (s && engine__pathset_add(set, s) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

/* The registry's index (libengine/distribution, see store.h): every
 * _index.json under @dir names manifests and blobs that are roots. */
static int mark_distribution(const char *dir, struct live *l, int depth)
{
	cleanup_closedir DIR *d = depth < 64 ? opendir(dir) : NULL;
	struct dirent *de;
	int r;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		cleanup_free char *sub = NULL;

		if (de->d_name[0] == '.')
			continue;
		sub = engine__path_join(dir, de->d_name);
		if (!sub)
			return ENGINE_ENOMEM;
		if (strcmp(de->d_name, ENGINE__DISTRIBUTION_INDEX) == 0) {
			cleanup_json json_object *idx = NULL;

			if (engine__json_parse_file(sub, &idx) < 0) {
				engine_error_clear(); /* unreadable: nothing it names is kept */
				continue;
			}
			if (mark_array(&l->blobs, engine__json_get_type(idx, "manifests", json_type_array)) <
				0 ||
			    mark_array(&l->blobs, engine__json_get_type(idx, "blobs", json_type_array)) < 0)
				return ENGINE_ENOMEM;
		} else if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
			if ((r = mark_distribution(sub, l, depth + 1)) < 0)
				return r;
		}
	}
	return 0;
}

static int mark(engine_context *ctx, struct live *l)
{
	cleanup_strv char **ids = NULL;
	cleanup_free char *dist = engine__context_path(ctx, ENGINE__DISTRIBUTION_REPOS);
	int r = engine__image_ids(ctx, &ids);

	if (r < 0)
		return r;
	if (!dist)
		return ENGINE_ENOMEM;
	r = mark_distribution(dist, l, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; ids[i]; i++) {
		cleanup_json json_object *rec = NULL;
		json_object *chains;
		const char *m;

		if (engine__pathset_add(&l->blobs, ids[i]) < 0)
			return ENGINE_ENOMEM;
		if (engine__image_record(ctx, ids[i], &rec) < 0)
			continue; /* unreadable: check reports it */
		if ((m = engine__json_get_string(rec, "manifest")) && engine__pathset_add(&l->blobs, m) < 0)
			return ENGINE_ENOMEM;
		if (mark_array(&l->blobs, engine__json_get_type(rec, "layers", json_type_array)) < 0)
			return ENGINE_ENOMEM;
		chains = engine__json_get_type(rec, "chain_ids", json_type_array);
		if (mark_array(&l->layers, chains) < 0)
			return ENGINE_ENOMEM;
		for (size_t j = 0; chains && j < json_object_array_length(chains); j++) {
			cleanup_json json_object *lrec = NULL;
			const char *b;
			if (engine__layer_record(ctx,
						 json_object_get_string(json_object_array_get_idx(chains, j)),
						 &lrec) == 0 &&
			    (b = engine__json_get_string(lrec, "blob")) &&
			    engine__pathset_add(&l->blobs, b) < 0)
				return ENGINE_ENOMEM;
		}
	}
	return 0;
}

static void live_free(struct live *l)
{
	engine__pathset_free(&l->blobs);
	engine__pathset_free(&l->layers);
}

/* Apparent size of a tree (regular files, each inode once: busybox-style
 * hardlink farms would count hundreds of times), for reports. Not below
 * 256 levels, as util/fs.c's tree_size: a container's tree can be nested
 * without bound, and a frame and a DIR per level ran the daemon's 1 MiB
 * thread stacks out. */
static int64_t tree_size_seen(int dfd, const char *name, engine__pathset *inodes, int depth)
{
	struct stat st;
	int64_t total = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISREG(st.st_mode)) {
		char key[64];

		if (st.st_nlink < 2)
			return st.st_size;
		snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
		return engine__pathset_add(inodes, key) == 1 ? st.st_size : 0;
	}
	if (!S_ISDIR(st.st_mode) || depth >= 256)
		return 0;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			total += tree_size_seen(dirfd(d), de->d_name, inodes, depth + 1);
	closedir(d);
	return total;
}

static int64_t tree_size(int dfd, const char *name)
{
	engine__pathset inodes = {0};
	int64_t n = tree_size_seen(dfd, name, &inodes, 0);

	engine__pathset_free(&inodes);
	return n;
}

/* Remove every entry of <root>/<rel> not in @keep (all of them without one). */
static int sweep_dir(engine_context *ctx, const char *rel, const char *prefix, const engine__pathset *keep,
		     int64_t *reclaimed, char ***removed)
{
	cleanup_free char *dir = engine__context_path(ctx, rel);
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	if (!dir)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : engine__error_errno(errno, "open %s", dir);
	while ((de = readdir(d))) {
		char key[16 + 256];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(key, sizeof(key), "%s%s", prefix, de->d_name);
		if (keep && engine__pathset_has(keep, key))
			continue;
		if (reclaimed)
			*reclaimed += tree_size(dirfd(d), de->d_name);
		int r = engine__rm_rf_at(dirfd(d), de->d_name);
		if (r < 0)
			return engine__error_wrap("prune %s", rel);
		if (removed && (r = engine__strv_push(removed, key)) < 0)
			return r;
	}
	return 0;
}

/* Files that engine__write_file_atomic was killed in the middle of writing
 * ("<name>.tmp-XXXXXX" next to image records and repositories.json). The
 * exclusive store lock rules out record writers; the tags lock, taggers. */
static int sweep_leftovers_in(engine_context *ctx, const char *rel)
{
	cleanup_free char *dir = engine__context_path(ctx, rel);
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	if (!dir)
		return ENGINE_ENOMEM;
	d = opendir(dir);
	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".tmp-") && de->d_type != DT_DIR &&
		    unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return engine__error_errno(errno, "prune %s/%s", dir, de->d_name);
	return 0;
}

static int sweep_atomic_leftovers(engine_context *ctx)
{
	int lock, r = sweep_leftovers_in(ctx, "images");

	if (r < 0)
		return r;
	lock = engine__tags_lock(ctx);
	if (lock < 0)
		return lock;
	r = sweep_leftovers_in(ctx, ".");
	engine__lock_release(lock);
	return r;
}

int engine__gc_sweep(engine_context *ctx, bool tmp, int64_t *reclaimed, char ***removed_layers)
{
	struct live l = {0};
	int r = mark(ctx, &l);

	if (r == 0)
		r = sweep_dir(ctx, "layers", "sha256:", &l.layers, reclaimed, removed_layers);
	if (r == 0)
		r = sweep_dir(ctx, "blobs/sha256", "sha256:", &l.blobs, reclaimed, NULL);
	if (r == 0 && tmp)
		r = sweep_dir(ctx, "tmp", "", NULL, reclaimed, NULL);
	if (r == 0 && tmp)
		r = sweep_atomic_leftovers(ctx);
	live_free(&l);
	return r;
}

int engine__container_image_ids(engine_context *ctx, char ***out)
{
	cleanup_free char *dir = engine__context_path(ctx, "containers");
	cleanup_strv char **ids = calloc(1, sizeof(char *));
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;

	if (!dir || !ids)
		return engine__error_oom();
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		cleanup_free char *path = NULL, *data = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = engine__strdup_printf("%s/%s/image-id", dir, de->d_name);
		if (!path)
			return ENGINE_ENOMEM;
		if (engine__read_file(path, &data, NULL) < 0)
			continue;
		data[strcspn(data, " \t\r\n")] = '\0';
		if (engine__digest_valid(data) && engine__strv_push(&ids, data) < 0)
			return ENGINE_ENOMEM;
	}
	engine_error_clear();
	*out = steal_ptr(ids);
	return 0;
}

static bool strv_has(char **v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

/* Delete the records of unused images (untagged ones, or all with @all);
 * their tags go too. Caller holds the exclusive lock. */
static int drop_unused(engine_context *ctx, bool all, char ***report)
{
	cleanup_strv char **ids = NULL, **used = NULL;
	int r = engine__image_ids(ctx, &ids);

	if (r == 0)
		r = engine__container_image_ids(ctx, &used);
	for (size_t i = 0; r == 0 && ids[i]; i++) {
		cleanup_strv char **tags = NULL;
		cleanup_free char *path = NULL;

		if ((r = engine__tags_of(ctx, ids[i], &tags)) < 0)
			break;
		if ((tags[0] && !all) || strv_has(used, ids[i]))
			continue;
		if (tags[0]) {
			cleanup_strv char **gone = NULL;
			r = engine__tags_remove_image(ctx, ids[i], &gone);
			for (size_t j = 0; r == 0 && report && gone[j]; j++)
				r = engine__strv_push_take(report,
							   engine__strdup_printf("untagged: %s", gone[j]));
			if (r < 0)
				break;
		}
		path = engine__store_path(ctx, "images", ids[i], ".json");
		if (!path)
			return ENGINE_ENOMEM;
		if (unlink(path) < 0 && errno != ENOENT)
			return engine__error_errno(errno, "remove image %s", ids[i]);
		if (report)
			r = engine__strv_push_take(report, engine__strdup_printf("deleted: %s", ids[i]));
	}
	return r;
}

static int prune(engine_context *ctx, int images, engine_strarray *report, int64_t *reclaimed)
{
	cleanup_strv char **lines = calloc(1, sizeof(char *)), **layers = NULL;
	int64_t freed = 0;
	int lock, r = 0;

	if (!ctx)
		return engine__error_set(ENGINE_EINVALID, 0, "store prune: NULL context");
	if (!lines)
		return engine__error_oom();
	lock = engine__store_lock(ctx, true);
	if (lock < 0)
		return lock;
	if (images)
		r = drop_unused(ctx, images > 1, &lines);
	if (r == 0)
		r = engine__gc_sweep(ctx, true, &freed, report ? &layers : NULL);
	for (size_t i = 0; r == 0 && layers && layers[i]; i++)
		r = engine__strv_push_take(&lines, engine__strdup_printf("deleted: %s", layers[i]));
	engine__store_unlock(lock);
	if (r < 0)
		return engine__error_wrap("prune");
	if (reclaimed)
		*reclaimed = freed;
	if (report)
		engine__strv_to_report(steal_ptr(lines), report);
	return 0;
}

ENGINE_EXTERN int engine_store_prune(engine_context *ctx, int all_untagged, int64_t *reclaimed)
{
	return prune(ctx, all_untagged ? 1 : 0, NULL, reclaimed);
}

ENGINE_EXTERN int engine_store_prune_images(engine_context *ctx, int all, engine_strarray *report,
					    int64_t *reclaimed)
{
	return prune(ctx, all ? 2 : 1, report, reclaimed);
}

static int64_t count_dir(engine_context *ctx, const char *rel, int64_t *size)
{
	cleanup_free char *dir = engine__context_path(ctx, rel);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *de;
	int64_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (size)
			*size += tree_size(dirfd(d), de->d_name);
	}
	closedir(d);
	return n;
}

ENGINE_EXTERN int engine_store_usage_init(engine_store_usage *usage, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_store_usage, usage, version, ENGINE_STORE_USAGE_INIT);
}

ENGINE_EXTERN int engine_store_usage_get(engine_context *ctx, engine_store_usage *out)
{
	struct live l = {0};
	cleanup_strv char **ids = NULL;
	cleanup_free char *cdir = NULL;
	engine_store_usage u = ENGINE_STORE_USAGE_INIT;
	int lock, r;

	if (!ctx || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "store usage: NULL argument");
	if ((r = engine__abi_check(ENGINE__ABI(engine_store_usage), out->version)) < 0)
		return r;
	lock = engine__store_lock(ctx, false);
	if (lock < 0)
		return lock;
	r = engine__image_ids(ctx, &ids);
	if (r == 0)
		r = mark(ctx, &l);
	if (r < 0)
		goto out;
	u.images = (int64_t)engine__strv_len(ids);
	/* Shared layers count once. */
	for (size_t i = 0; i < l.layers.cap; i++) {
		cleanup_json json_object *rec = NULL;
		if (l.layers.slots[i] && engine__layer_record(ctx, l.layers.slots[i], &rec) == 0)
			u.images_size += engine__json_get_int(rec, "size", 0);
	}
	engine_error_clear();
	u.layers = count_dir(ctx, "layers", NULL);
	u.blobs = count_dir(ctx, "blobs/sha256", &u.blobs_size);
	cdir = engine__context_path(ctx, "containers");
	if (!cdir) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	{
		DIR *d = opendir(cdir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			u.containers++;
			cleanup_free char *upper = engine__strdup_printf("%s/upper", de->d_name);
			if (upper)
				u.containers_size += tree_size(dirfd(d), upper);
		}
		if (d)
			closedir(d);
	}
	/* What prune would free: unreferenced layers, blobs and temp files. */
	{
		cleanup_free char *ldir = engine__context_path(ctx, "layers");
		cleanup_free char *bdir = engine__context_path(ctx, "blobs/sha256");
		DIR *d;
		struct dirent *de;
		char key[16 + 256];

		if ((d = ldir ? opendir(ldir) : NULL)) {
			while ((de = readdir(d))) {
				snprintf(key, sizeof(key), "sha256:%s", de->d_name);
				if (de->d_name[0] != '.' && !engine__pathset_has(&l.layers, key))
					u.reclaimable += tree_size(dirfd(d), de->d_name);
			}
			closedir(d);
		}
		if ((d = bdir ? opendir(bdir) : NULL)) {
			while ((de = readdir(d))) {
				snprintf(key, sizeof(key), "sha256:%s", de->d_name);
				if (de->d_name[0] != '.' && !engine__pathset_has(&l.blobs, key))
					u.reclaimable += tree_size(dirfd(d), de->d_name);
			}
			closedir(d);
		}
		int64_t tmp = 0;
		count_dir(ctx, "tmp", &tmp);
		u.reclaimable += tmp;
	}
	r = engine__abi_write(ENGINE__ABI(engine_store_usage), out, &u);
out:
	live_free(&l);
	engine__store_unlock(lock);
	return r;
}
