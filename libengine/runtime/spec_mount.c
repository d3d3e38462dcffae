/*
 * A spec's mounts: bind mounts of host paths, volumes (named, or anonymous
 * and created for the container) and tmpfs, from the setters, Docker's -v
 * "SRC:DST[:OPTS]" and --mount "type=...,src=...,dst=..." forms, and their
 * JSON in config.json (Docker's Mounts entries plus what a start needs).
 * Volumes are resolved to host directories when the container is created
 * (runtime/mounts.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

void engine__mount_clear(engine__mount *m)
{
	free(m->src);
	free(m->volume);
	free(m->dst);
	free(m->data);
	engine__strv_free(m->volume_opts);
	memset(m, 0, sizeof(*m));
}

/* Append @m (its strings owned by the spec from here on, whatever happens). */
static int push(engine_spec *s, engine__mount *m)
{
	engine__mount *grown;

	if (!m->dst || m->dst[0] != '/') {
		int r =
		    engine__error_set(ENGINE_EINVALID, 0, "mount destination \"%s\": not an absolute path",
				      m->dst ? m->dst : "(null)");
		engine__mount_clear(m);
		return r;
	}
	if (strcmp(m->dst, "/") == 0) {
		engine__mount_clear(m);
		return engine__error_set(ENGINE_EINVALID, 0,
					 "mount destination \"/\": cannot mount over the root");
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].dst, m->dst) == 0) {
			int r = engine__error_set(ENGINE_EINVALID, 0, "duplicate mount point: %s", m->dst);

			engine__mount_clear(m);
			return r;
		}
	grown = realloc(s->mounts, (s->n_mounts + 1) * sizeof(*grown));
	if (!grown) {
		engine__mount_clear(m);
		return engine__error_oom();
	}
	s->mounts = grown;
	s->mounts[s->n_mounts++] = *m;
	memset(m, 0, sizeof(*m));
	return 0;
}

static int dup_into(char **field, const char *v)
{
	if (!v)
		return 0;
	*field = strdup(v);
	return *field ? 0 : engine__error_oom();
}

int engine__spec_push_mount(engine_spec *s, const engine__mount *tpl)
{
	engine__mount m = *tpl;

	m.src = m.volume = m.dst = m.data = NULL;
	m.volume_opts = NULL;
	if (dup_into(&m.src, tpl->src) < 0 || dup_into(&m.volume, tpl->volume) < 0 ||
	    dup_into(&m.dst, tpl->dst) < 0 || dup_into(&m.data, tpl->data) < 0 ||
	    (tpl->volume_opts && !(m.volume_opts = engine__strv_dup(tpl->volume_opts)))) {
		engine__mount_clear(&m);
		return engine__error_oom();
	}
	return push(s, &m);
}

#define CHECK_SPEC(s)                                                                                        \
	do {                                                                                                 \
		if (!(s))                                                                                    \
			return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");                        \
	} while (0)

ENGINE_EXTERN int engine_spec_add_mount(engine_spec *s, const char *src, const char *dst, int read_only)
{
	engine__mount m = {.src = (char *)src, .dst = (char *)dst, .read_only = read_only != 0};

	CHECK_SPEC(s);
	if (!src || src[0] != '/')
		return engine__error_set(ENGINE_EINVALID, 0, "mount source \"%s\": not an absolute path",
					 src ? src : "(null)");
	return engine__spec_push_mount(s, &m);
}

ENGINE_EXTERN int engine_spec_add_tmpfs(engine_spec *s, const char *dst, const char *options)
{
	engine__mount m = {
	    .dst = (char *)dst, .data = options && *options ? (char *)options : NULL, .tmpfs = true};

	CHECK_SPEC(s);
	return engine__spec_push_mount(s, &m);
}

/* -v's options: "ro", "rw", "nocopy" and SELinux/propagation words that
 * change nothing here, comma-separated. */
static int volume_mode(const char *whole, const char *mode, engine__mount *m)
{
	cleanup_free char *copy = strdup(mode);
	char *save = NULL;

	if (!copy)
		return engine__error_oom();
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "ro") == 0)
			m->read_only = true;
		else if (strcmp(w, "nocopy") == 0 && m->is_volume)
			m->nocopy = true;
		else if (strcmp(w, "rw") != 0 && strcmp(w, "z") != 0 && strcmp(w, "Z") != 0 &&
			 strcmp(w, "rprivate") != 0 && strcmp(w, "private") != 0 &&
			 strcmp(w, "delegated") != 0 && strcmp(w, "cached") != 0 &&
			 strcmp(w, "consistent") != 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid volume \"%s\": unknown mode \"%s\"", whole, w);
	}
	return 0;
}

ENGINE_EXTERN int engine_spec_add_volume(engine_spec *s, const char *volume)
{
	cleanup_free char *copy = NULL;
	char *dst, *mode = NULL;
	engine__mount m = {0};

	CHECK_SPEC(s);
	if (!volume || !*volume || !(copy = strdup(volume)))
		return volume && *volume ? engine__error_oom()
					 : engine__error_set(ENGINE_EINVALID, 0, "volume is empty");
	if (copy[0] == '/' && !strchr(copy, ':')) {
		/* "-v /data": an anonymous volume */
		m.is_volume = m.anonymous = true;
		m.dst = copy;
		return engine__spec_push_mount(s, &m);
	}
	dst = strchr(copy, ':');
	if (!dst || !dst[1])
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "invalid volume \"%s\": expected [SRC:]DST[:OPTS] (SRC a host path or a "
		    "volume name)",
		    volume);
	*dst++ = '\0';
	if (dst[0] != '/') {
		/* "/data:ro": an anonymous volume with options */
		if (copy[0] != '/')
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid volume \"%s\": destination must be absolute",
						 volume);
		mode = dst;
		dst = copy;
		m.is_volume = m.anonymous = true;
	} else {
		mode = strchr(dst, ':');
		if (mode)
			*mode++ = '\0';
		if (copy[0] == '/') {
			m.src = copy;
			m.create_src = true; /* Docker makes a missing host directory for -v */
		} else if (strlen(copy) < 2 ||
			   strspn(copy,
				  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			       strlen(copy) ||
			   copy[0] == '_' || copy[0] == '.' || copy[0] == '-') {
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "invalid volume name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are "
			    "allowed (at least 2 characters); a host path must be absolute",
			    copy);
		} else {
			m.volume = copy;
			m.is_volume = true;
		}
	}
	m.dst = dst;
	if (mode && volume_mode(volume, mode, &m) < 0)
		return engine_error_last()->code;
	return engine__spec_push_mount(s, &m);
}

/* One "key[=value]" of --mount. */
static int mount_field(const char *whole, const char *k, const char *v, engine__mount *m, char **type,
		       int64_t *tmpfs_size, const char **tmpfs_mode)
{
	bool on = !v || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;

	if (!v && strcmp(k, "readonly") != 0 && strcmp(k, "ro") != 0 && strcmp(k, "volume-nocopy") != 0)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid mount \"%s\": \"%s\" needs a value",
					 whole, k);
	if (strcmp(k, "type") == 0)
		*type = (char *)v;
	else if (strcmp(k, "source") == 0 || strcmp(k, "src") == 0)
		m->src = (char *)v;
	else if (strcmp(k, "destination") == 0 || strcmp(k, "dst") == 0 || strcmp(k, "target") == 0)
		m->dst = (char *)v;
	else if (strcmp(k, "readonly") == 0 || strcmp(k, "ro") == 0)
		m->read_only = on;
	else if (strcmp(k, "volume-nocopy") == 0)
		m->nocopy = on;
	else if (strcmp(k, "volume-opt") == 0)
		return engine__strv_push(&m->volume_opts, v);
	else if (strcmp(k, "tmpfs-size") == 0) {
		if (engine__parse_size(v, tmpfs_size) < 0 || *tmpfs_size <= 0)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "invalid mount \"%s\": tmpfs-size \"%s\"", whole, v);
	} else if (strcmp(k, "tmpfs-mode") == 0)
		*tmpfs_mode = v;
	else if (strcmp(k, "bind-propagation") == 0 || strcmp(k, "consistency") == 0 ||
		 strcmp(k, "volume-driver") == 0) {
		if (strcmp(k, "volume-driver") == 0 && strcmp(v, "local") != 0)
			return engine__error_set(ENGINE_ENOTSUP, 0, "volume driver \"%s\" is not supported",
						 v);
	} else
		return engine__error_set(ENGINE_EINVALID, 0, "invalid mount \"%s\": unknown field \"%s\"",
					 whole, k);
	return 0;
}

ENGINE_EXTERN int engine_spec_add_mount_str(engine_spec *s, const char *mount)
{
	cleanup_free char *copy = NULL, *data = NULL;
	char *save = NULL, *type = NULL, **opts = NULL;
	const char *tmpfs_mode = NULL;
	int64_t tmpfs_size = 0;
	engine__mount m = {0};
	int r = 0;

	CHECK_SPEC(s);
	if (!mount || !(copy = strdup(mount)))
		return mount ? engine__error_oom() : engine__error_set(ENGINE_EINVALID, 0, "mount is NULL");
	for (char *f = strtok_r(copy, ",", &save); f && r == 0; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '=');

		if (eq)
			*eq++ = '\0';
		r = mount_field(mount, f, eq, &m, &type, &tmpfs_size, &tmpfs_mode);
	}
	opts = m.volume_opts;
	m.volume_opts = NULL;
	if (r < 0)
		goto out;
	if (!type)
		type = "volume";
	if (!m.dst) {
		r = engine__error_set(ENGINE_EINVALID, 0, "invalid mount \"%s\": target is required", mount);
	} else if (strcmp(type, "bind") == 0) {
		if (!m.src || m.src[0] != '/')
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "invalid mount \"%s\": a bind needs an absolute source", mount);
		else if (access(m.src, F_OK) < 0)
			r = engine__error_set(ENGINE_ENOTFOUND, 0,
					      "invalid mount \"%s\": bind source path does not exist: %s",
					      mount, m.src);
	} else if (strcmp(type, "volume") == 0) {
		m.is_volume = true;
		m.volume = m.src;
		m.src = NULL;
		m.anonymous = !m.volume || !*m.volume;
		if (m.anonymous)
			m.volume = NULL;
		m.volume_opts = opts;
	} else if (strcmp(type, "tmpfs") == 0) {
		if (m.src)
			r = engine__error_set(ENGINE_EINVALID, 0,
					      "invalid mount \"%s\": a tmpfs has no source", mount);
		m.tmpfs = true;
		if (tmpfs_size > 0 && tmpfs_mode)
			data = engine__strdup_printf("size=%lld,mode=%s", (long long)tmpfs_size, tmpfs_mode);
		else if (tmpfs_size > 0)
			data = engine__strdup_printf("size=%lld", (long long)tmpfs_size);
		else if (tmpfs_mode)
			data = engine__strdup_printf("mode=%s", tmpfs_mode);
		if ((tmpfs_size > 0 || tmpfs_mode) && !data)
			r = engine__error_oom();
		m.data = data;
	} else {
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "invalid mount \"%s\": type \"%s\" (use bind, volume or tmpfs)", mount,
				      type);
	}
	if (r == 0 && m.nocopy && !m.is_volume)
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "invalid mount \"%s\": volume-nocopy needs type=volume", mount);
	if (r == 0 && opts && !m.is_volume)
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "invalid mount \"%s\": volume-opt needs type=volume", mount);
	if (r == 0)
		r = engine__spec_push_mount(s, &m);
out:
	engine__strv_free(opts);
	return r;
}

/* --- JSON --------------------------------------------------------------- */

static const char *type_of(const engine__mount *m)
{
	return m->is_volume ? "volume" : m->tmpfs ? "tmpfs" : "bind";
}

int engine__spec_mounts_to_json(const engine_spec *s, json_object *mounts)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const engine__mount *m = &s->mounts[i];
		json_object *o = json_object_new_object();

		if (!o || json_object_array_add(mounts, o) < 0)
			return engine__error_oom();
		engine__json_add_string(o, "Type", type_of(m));
		if (m->is_volume) {
			engine__json_add_string(o, "Name", m->volume);
			engine__json_add_string(o, "Driver", "local");
		}
		engine__json_add_string(o, "Source", m->src ? m->src : "");
		engine__json_add_string(o, "Destination", m->dst);
		engine__json_add_string(o, "Mode", m->read_only ? "ro" : "");
		json_object_object_add(o, "RW", json_object_new_boolean(!m->read_only));
		engine__json_add_string(o, "Propagation", m->is_volume || m->tmpfs ? "" : "rprivate");
		engine__json_add_string(o, "Options", m->data);
		if (m->is_volume && m->tmpfs)
			json_object_object_add(o, "VolumeTmpfs", json_object_new_boolean(true));
		if (m->anonymous)
			json_object_object_add(o, "Anonymous", json_object_new_boolean(true));
		if (m->nocopy)
			json_object_object_add(o, "NoCopy", json_object_new_boolean(true));
		if (m->create_src)
			json_object_object_add(o, "CreateSource", json_object_new_boolean(true));
		if (engine__spec_add_strv(o, "VolumeOptions", m->volume_opts) < 0)
			return ENGINE_ENOMEM;
	}
	return 0;
}

static bool flag(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int engine__spec_mounts_from_json(json_object *a, engine_spec *s)
{
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);
		const char *type = engine__json_get_string(o, "Type"),
			   *src = engine__json_get_string(o, "Source");
		cleanup_strv char **vopts = NULL;
		engine__mount m = {
		    .src = src && *src ? (char *)src : NULL,
		    .volume = (char *)engine__json_get_string(o, "Name"),
		    .dst = (char *)engine__json_get_string(o, "Destination"),
		    .data = (char *)engine__json_get_string(o, "Options"),
		    .read_only = !flag(o, "RW"),
		    .is_volume = type && strcmp(type, "volume") == 0,
		    .tmpfs = (type && strcmp(type, "tmpfs") == 0) || flag(o, "VolumeTmpfs"),
		    .anonymous = flag(o, "Anonymous"),
		    .nocopy = flag(o, "NoCopy"),
		    .create_src = flag(o, "CreateSource"),
		};
		int r;

		if (engine__spec_get_strv(o, "VolumeOptions", &vopts) < 0)
			return ENGINE_ENOMEM;
		m.volume_opts = vopts;
		if (!m.is_volume && !m.tmpfs && !m.src)
			return engine__error_set(ENGINE_EINVALID, 0, "mount %s: a bind without a source",
						 m.dst ? m.dst : "?");
		if ((r = engine__spec_push_mount(s, &m)) < 0)
			return r;
	}
	return 0;
}
