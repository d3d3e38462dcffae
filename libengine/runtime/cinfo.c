/*
 * A container's footprint on disk: ID, containers/<id>/ with the overlay's
 * upper/work dirs and mount point, and the image-id file that GC and rmi
 * read to keep the image's layers.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "image/store.h"
#include "runtime/container_int.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/strv.h"

char *engine__container_dir(engine_context *ctx, const char *id)
{
	cleanup_free char *rel = malloc(strlen(id) + 16);

	if (!rel) {
		engine__error_oom();
		return NULL;
	}
	strcpy(rel, "containers/");
	strcat(rel, id);
	return engine__context_path(ctx, rel);
}

bool engine__limits_set(const engine__cgroup_limits *l)
{
	return l->memory || l->cpu_shares || l->cpu_quota || l->pids || l->cpuset_cpus || l->cpuset_mems ||
	       l->devices_allow_all || l->oom_kill_disable;
}

void engine__cinfo_free(engine__cinfo *ci)
{
	if (!ci)
		return;
	free(ci->dir);
	engine__strv_free(ci->layers);
	if (ci->config)
		json_object_put(ci->config);
	free(ci->image_id);
	free(ci);
}

int engine__cinfo_load_image(engine_context *ctx, const engine_spec *spec, engine__cinfo *ci)
{
	if (spec->rootfs) {
		struct stat st;

		if (stat(spec->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
			return engine__error_set(ENGINE_ENOTFOUND, errno, "rootfs \"%s\": not a directory",
						 spec->rootfs);
		ci->layers = engine__strv_dup(NULL);
		ci->config = json_object_new_object();
		ci->image_id = ci->image_id ? ci->image_id : strdup("");
		if (!ci->layers || !ci->config || !ci->image_id ||
		    engine__strv_push(&ci->layers, spec->rootfs) < 0)
			return engine__error_oom();
		return 0;
	}
	if (!spec->image)
		return engine__error_set(ENGINE_EINVALID, 0, "no image specified");
	{
		engine__image_rootfs *rf = NULL;
		int r = engine__image_rootfs_get(ctx, spec->image, &rf);

		if (r < 0)
			return r;
		ci->layers = steal_ptr(rf->layer_dirs);
		ci->config = rf->config ? json_object_get(rf->config) : json_object_new_object();
		free(ci->image_id);
		ci->image_id = strdup(rf->id);
		engine__image_rootfs_free(rf);
		if (!ci->layers || !ci->config || !ci->image_id)
			return engine__error_oom();
	}
	return 0;
}

int engine__cinfo_prepare(engine_context *ctx, const engine_spec *spec, bool keep, engine__cinfo **out)
{
	engine__cinfo *ci = calloc(1, sizeof(*ci));
	static const char *const sub[] = {"upper", "work", "rootfs"};
	int r;

	if (!ci)
		return engine__error_oom();
	r = engine__cinfo_load_image(ctx, spec, ci);
	if (r < 0)
		goto fail;
	r = engine__random_hex(ci->id, 32);
	if (r < 0)
		goto fail;
	ci->dir = engine__container_dir(ctx, ci->id);
	if (!ci->dir) {
		r = ENGINE_ENOMEM;
		goto fail;
	}
	r = engine__mkdir_p(ci->dir, 0700);
	if (r < 0) {
		r = engine__error_wrap("create container directory");
		goto fail;
	}
	/* Ephemeral runs keep upper/work/rootfs on a tmpfs inside the child. */
	for (size_t i = 0; keep && i < 3; i++) {
		cleanup_free char *p = engine__path_join(ci->dir, sub[i]);

		if (!p) {
			r = ENGINE_ENOMEM;
			goto remove;
		}
		if (mkdir(p, 0755) < 0) {
			r = engine__error_errno(errno, "mkdir %s", p);
			goto remove;
		}
	}
	if (keep) {
		cleanup_free char *upper = engine__path_join(ci->dir, "upper");
		cleanup_free char *work = engine__path_join(ci->dir, "work");

		r = upper && work ? engine__storage_quota_apply(spec, upper, work) : ENGINE_ENOMEM;
		if (r < 0)
			goto remove;
	}
	if (*ci->image_id) {
		cleanup_free char *p = engine__path_join(ci->dir, "image-id");

		if (!p) {
			r = ENGINE_ENOMEM;
			goto remove;
		}
		/* A fresh directory nobody reads yet: no need for write+rename. */
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

		if (fd < 0 || engine__write_all(fd, ci->image_id, strlen(ci->image_id)) < 0) {
			r = fd < 0 ? engine__error_errno(errno, "create %s", p)
				   : engine__error_wrap("write %s", p);
			if (fd >= 0)
				close(fd);
			goto remove;
		}
		close(fd);
	}
	*out = ci;
	return 0;
remove:
	engine__rm_rf(ci->dir);
fail:
	engine__cinfo_free(ci);
	return r;
}

int engine__cinfo_ephemeral(engine_context *ctx, const engine_spec *spec, engine__cinfo **out)
{
	engine__cinfo *ci = calloc(1, sizeof(*ci));
	int r;

	if (!ci)
		return engine__error_oom();
	r = engine__cinfo_load_image(ctx, spec, ci);
	if (r == 0)
		r = engine__random_hex(ci->id, 32);
	if (r == 0)
		r = engine__ephemeral_mark(ctx, ci->image_id);
	if (r == 0 && !(ci->dir = engine__container_dir(ctx, ci->id)))
		r = ENGINE_ENOMEM;
	if (r < 0) {
		engine__cinfo_free(ci);
		return r;
	}
	*out = ci;
	return 0;
}

int engine__cinfo_remove(engine__cinfo *ci)
{
	int r;

	if (!ci || !ci->dir)
		return 0;
	r = engine__rm_rf(ci->dir);
	if (r < 0)
		return engine__error_wrap("remove container %.12s", ci->id);
	return 0;
}
