/* engine_registry_push: upload the blobs of a stored image that the
 * registry lacks, then its manifest. Each blob is checked with HEAD first;
 * a blob the same registry holds in another repository this image came
 * from is mounted instead of uploaded; the rest go up in one PUT or in
 * PATCH chunks. The stored manifest is pushed as is when there is one, so
 * the repository digest stays the same; otherwise one is synthesised. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <engine/registry.h>

#include "core/abi.h"
#include "core/context.h"
#include "core/error.h"
#include "image/store.h"
#include "registry/endpoint.h"
#include "registry/manifest.h"
#include "registry/progress.h"
#include "util/reference.h"
#include "registry/resolve.h"
#include "registry/sources.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define PROGRESS_STEP (512 * 1024)

struct push {
	engine_context *ctx;
	engine__reference *ref;
	engine__regclient *c;
	engine__progress prog;
	int64_t chunk;
	char **mount_from; /* other repositories of this registry holding the image */
};

struct upload_progress {
	const engine__progress *prog;
	const char *id;
	int64_t base, total, last;
};

ENGINE_EXTERN int engine_registry_push_options_init(engine_registry_push_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_registry_push_options, opts, version,
					  ENGINE_REGISTRY_PUSH_OPTIONS_INIT);
}

static const char *sniff_layer_type(engine_context *ctx, const char *digest)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -EBADF;
	unsigned char magic[4] = {0};

	if (engine__blob_path(ctx, digest, &path) < 0)
		return ENGINE__MT_OCI_LAYER_GZIP;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, magic, sizeof(magic)) != (ssize_t)sizeof(magic))
		return ENGINE__MT_OCI_LAYER;
	if (magic[0] == 0x1f && magic[1] == 0x8b)
		return ENGINE__MT_OCI_LAYER_GZIP;
	if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return ENGINE__MT_OCI_LAYER_ZSTD;
	return ENGINE__MT_OCI_LAYER;
}

static int blob_size(engine_context *ctx, const char *digest, int64_t *out)
{
	cleanup_free char *path = NULL;
	struct stat st;
	int r = engine__blob_path(ctx, digest, &path);

	if (r < 0)
		return r;
	if (stat(path, &st) < 0)
		return engine__error_errno(errno, "stat blob %s", digest);
	*out = st.st_size;
	return 0;
}

/* An OCI manifest for an image whose record names no stored manifest. */
static int synthesise(engine_context *ctx, const char *id, json_object *layers, char **out, size_t *len)
{
	cleanup_json json_object *m = json_object_new_object();
	json_object *cfg = json_object_new_object(), *arr = json_object_new_array();
	int64_t size;
	const char *s;
	int r;

	if (!m || !cfg || !arr) {
		json_object_put(cfg);
		json_object_put(arr);
		return engine__error_oom();
	}
	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	engine__json_add_string(m, "mediaType", ENGINE__MT_OCI_MANIFEST);
	json_object_object_add(m, "config", cfg);
	json_object_object_add(m, "layers", arr);
	if ((r = blob_size(ctx, id, &size)) < 0)
		return r;
	engine__json_add_string(cfg, "mediaType", ENGINE__MT_OCI_CONFIG);
	engine__json_add_string(cfg, "digest", id);
	json_object_object_add(cfg, "size", json_object_new_int64(size));
	for (size_t i = 0; layers && i < json_object_array_length(layers); i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(layers, i));
		json_object *l = json_object_new_object();
		if (!l)
			return engine__error_oom();
		json_object_array_add(arr, l);
		if (!d || !engine__digest_valid(d))
			return engine__error_set(ENGINE_EINVALID, 0,
						 "image %s: record lists a bad layer digest", id);
		if ((r = blob_size(ctx, d, &size)) < 0)
			return r;
		engine__json_add_string(l, "mediaType", sniff_layer_type(ctx, d));
		engine__json_add_string(l, "digest", d);
		json_object_object_add(l, "size", json_object_new_int64(size));
	}
	s = json_object_to_json_string_length(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
					      len);
	*out = s ? strdup(s) : NULL;
	return *out ? 0 : engine__error_oom();
}

/* The manifest the store recorded for the image (images/<id>.json, see
 * image/store.h) when it describes this image, else a synthesised one. */
static int image_manifest(engine_context *ctx, const char *id, char **out, size_t *len)
{
	cleanup_free char *rel = engine__strdup_printf("images/%s.json", engine__digest_hex(id));
	cleanup_free char *path = rel ? engine__context_path(ctx, rel) : NULL;
	cleanup_json json_object *rec = NULL;
	const char *md;
	int r;

	if (!path)
		return ENGINE_ENOMEM;
	r = engine__json_parse_file(path, &rec);
	if (r < 0)
		return engine__error_wrap("image %s", id);
	md = engine__json_get_string(rec, "manifest");
	if (md && engine__digest_valid(md)) {
		cleanup_free char *data = NULL;
		engine__manifest *m = NULL;
		size_t n = 0;
		bool ok;

		if (engine__blob_read(ctx, md, &data, &n) == 0) {
			ok = engine__manifest_parse(data, n, NULL, &m) == 0 && !m->is_index &&
			     strcmp(m->config.digest, id) == 0;
			engine__manifest_free(m);
			if (ok) {
				*out = steal_ptr(data);
				*len = n;
				return 0;
			}
		}
		engine_error_clear();
	}
	return synthesise(ctx, id, engine__json_get_type(rec, "layers", json_type_array), out, len);
}

static void on_sent(void *p, int64_t sent)
{
	struct upload_progress *u = p;
	int64_t done = u->base + sent;

	if (done - u->last >= PROGRESS_STEP || done == u->total) {
		u->last = done;
		engine__progress_emit(u->prog, ENGINE_REGISTRY_EVENT_PROGRESS, u->id, "Pushing", done,
				      u->total);
	}
}

static char *with_query(const char *location, const char *query)
{
	return engine__strdup_printf("%s%s%s", location, strchr(location, '?') ? "&" : "?", query);
}

/* Send the blob's bytes to an upload session at @location. */
static int upload(struct push *p, const char *digest, int64_t size, const char *id, char *location)
{
	cleanup_free char *path = NULL, *loc = location, *final = NULL, *dq = NULL;
	cleanup_close int fd = -EBADF;
	char *octet[] = {"Content-Type: application/octet-stream", NULL};
	struct upload_progress up = {&p->prog, id, 0, size, 0};
	engine__http_response resp = {.content_length = -1};
	int r;

	r = engine__blob_path(p->ctx, digest, &path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open blob %s", digest);
	if (p->chunk > 0) {
		for (int64_t off = 0; off < size; off += p->chunk) {
			int64_t n = size - off < p->chunk ? size - off : p->chunk;
			char range[96];
			char *hdrs[] = {octet[0], range, NULL};
			snprintf(range, sizeof(range), "Content-Range: %lld-%lld", (long long)off,
				 (long long)(off + n - 1));
			up.base = off;
			r = engine__regclient_upload(p->c, "PATCH", loc, hdrs, fd, off, n, on_sent, &up,
						     &resp);
			if (r == 0 && resp.status != 202)
				r = engine__regclient_status_error(p->c, &resp, "upload chunk");
			if (r == 0 && !resp.location)
				r = engine__error_set(ENGINE_EINVALID, 0,
						      "%s: upload chunk: no Location in the answer",
						      engine__regclient_label(p->c));
			if (r < 0) {
				engine__http_response_clear(&resp);
				return r;
			}
			free(loc);
			loc = steal_ptr(resp.location);
			engine__http_response_clear(&resp);
		}
	}
	dq = engine__strdup_printf("digest=%s", digest);
	final = dq ? with_query(loc, dq) : NULL;
	if (!final)
		return ENGINE_ENOMEM;
	up.base = 0;
	if (p->chunk > 0)
		r = engine__regclient_request(p->c, "PUT", final, NULL, "", 0, &resp);
	else
		r = engine__regclient_upload(p->c, "PUT", final, octet, fd, 0, size, on_sent, &up, &resp);
	if (r == 0 && resp.status != 201)
		r = engine__regclient_status_error(p->c, &resp, "finish upload");
	engine__http_response_clear(&resp);
	return r;
}

/* Where the registry may already have @digest: repositories learnt from
 * earlier pulls and pushes, then other tags of the image. */
static int mount_candidates(struct push *p, const char *digest, char ***out)
{
	cleanup_strv char **c = NULL;
	int r = engine__sources_get(p->ctx, digest, p->ref->domain, p->ref->path, &c);

	if (r < 0)
		return r;
	for (char **m = p->mount_from; m && *m; m++) {
		bool dup = false;
		for (char **k = c; *k; k++)
			dup = dup || strcmp(*k, *m) == 0;
		if (!dup && (r = engine__strv_push(&c, *m)) < 0)
			return r;
	}
	*out = steal_ptr(c);
	return 0;
}

static int push_blob_to(struct push *p, const char *digest, int64_t size, const char *id, char **froms,
			const char *head, const char *post)
{
	engine__http_response resp = {.content_length = -1};
	int r;

	r = engine__regclient_request(p->c, "HEAD", head, NULL, NULL, 0, &resp);
	if (r < 0)
		return r;
	if (resp.status == 200) {
		engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_EXISTS, id, "Layer already exists", 0,
				      0);
		engine__http_response_clear(&resp);
		return 0;
	}
	for (char **from = froms; *from; from++) {
		cleanup_free char *url = engine__strdup_printf("%s?mount=%s&from=%s", post, digest, *from);
		if (!url)
			return ENGINE_ENOMEM;
		r = engine__regclient_request(p->c, "POST", url, NULL, "", 0, &resp);
		if (r < 0)
			return r;
		if (resp.status == 201) {
			cleanup_free char *s = engine__strdup_printf("Mounted from %s", *from);
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_EXISTS, id, s ? s : "Mounted",
					      0, 0);
			engine__http_response_clear(&resp);
			return 0;
		}
		if (resp.status == 202 && resp.location) {
			/* The registry could not mount but opened an upload: use it. */
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_PROGRESS, id, "Pushing", 0,
					      size);
			r = upload(p, digest, size, id, steal_ptr(resp.location));
			goto done;
		}
		engine__http_response_clear(&resp);
	}
	r = engine__regclient_request(p->c, "POST", post, NULL, "", 0, &resp);
	if (r < 0)
		return r;
	if (resp.status != 202 || !resp.location) {
		r = resp.status == 202
			? engine__error_set(ENGINE_EINVALID, 0, "%s: start upload: no Location",
					    engine__regclient_label(p->c))
			: engine__regclient_status_error(p->c, &resp, "start upload");
		engine__http_response_clear(&resp);
		return r;
	}
	engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_PROGRESS, id, "Pushing", 0, size);
	r = upload(p, digest, size, id, steal_ptr(resp.location));
done:
	engine__http_response_clear(&resp);
	if (r < 0)
		return engine__error_wrap("blob %s", digest);
	engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_DOWNLOADED, id, "Pushed", 0, 0);
	return 0;
}

/* @quiet: the config, which Docker does not show as a layer. */
static int push_blob(struct push *p, const char *digest, int64_t size, bool quiet)
{
	cleanup_strv char **froms = NULL;
	cleanup_free char *head = engine__strdup_printf("/v2/%s/blobs/%s", p->ref->path, digest);
	cleanup_free char *post = engine__strdup_printf("/v2/%s/blobs/uploads/", p->ref->path);
	char id[13];
	int r;

	if (!head || !post)
		return ENGINE_ENOMEM;
	r = mount_candidates(p, digest, &froms);
	if (r < 0)
		return r;
	engine__progress_short_id(digest, id);
	engine__progress prog = p->prog;
	if (quiet) {
		/* Progress goes nowhere for this blob. */
		p->prog.fn = NULL;
		p->prog.fd = -1;
	}
	r = push_blob_to(p, digest, size, id, froms, head, post);
	p->prog = prog;
	return r;
}

/* Collect the names tagged with @id from the store's tag file (any
 * nesting: the keys whose value is the ID). */
static void tags_of(json_object *o, const char *id, char ***out)
{
	if (!json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, v)
	{
		if (json_object_is_type(v, json_type_string) && strcmp(json_object_get_string(v), id) == 0)
			engine__strv_push(out, key);
		else
			tags_of(v, id, out);
	}
}

/* Other repositories on the same registry this image is tagged in: the
 * registry can mount its blobs from there instead of receiving them. */
static int mount_sources(struct push *p, const char *id, const char *def)
{
	cleanup_free char *path = engine__context_path(p->ctx, "repositories.json");
	cleanup_json json_object *doc = NULL;
	cleanup_strv char **tags = calloc(1, sizeof(char *));

	p->mount_from = calloc(1, sizeof(char *));
	if (!p->mount_from || !path || !tags)
		return engine__error_oom();
	if (engine__json_parse_file(path, &doc) < 0) {
		engine_error_clear();
		return 0;
	}
	tags_of(doc, id, &tags);
	for (char **t = tags; *t; t++) {
		engine__reference *r = NULL;
		bool dup = false;
		if (engine__reference_parse(*t, def, &r) < 0) {
			engine_error_clear();
			continue;
		}
		for (char **m = p->mount_from; *m; m++)
			dup = dup || strcmp(*m, r->path) == 0;
		if (!dup && strcmp(r->domain, p->ref->domain) == 0 && strcmp(r->path, p->ref->path) != 0)
			engine__strv_push(&p->mount_from, r->path);
		engine__reference_free(r);
	}
	return 0;
}

static int push_all(struct push *p, const char *id, char digest[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *body = NULL, *murl = NULL, *ctype = NULL, *line = NULL;
	cleanup_strv char **scopes = NULL;
	engine__manifest *m = NULL;
	engine__http_response resp = {.content_length = -1};
	size_t len = 0;
	int r;

	r = image_manifest(p->ctx, id, &body, &len);
	if (r == 0)
		r = engine__manifest_parse(body, len, NULL, &m);
	if (r < 0)
		return engine__error_wrap("image %s", id);
	if ((r = engine__strv_push_take(&scopes,
					engine__strdup_printf("repository:%s:pull,push", p->ref->path))) < 0)
		goto out;
	/* Pull access to every repository a blob may be mounted from. */
	for (size_t i = 0; i <= m->n_layers; i++) {
		cleanup_strv char **froms = NULL;
		r = mount_candidates(p, i < m->n_layers ? m->layers[i].digest : m->config.digest, &froms);
		if (r < 0)
			goto out;
		for (char **f = froms; *f; f++) {
			cleanup_free char *sc = engine__strdup_printf("repository:%s:pull", *f);
			bool dup = false;
			if (!sc) {
				r = ENGINE_ENOMEM;
				goto out;
			}
			for (char **k = scopes; k && *k; k++)
				dup = dup || strcmp(*k, sc) == 0;
			if (!dup && (r = engine__strv_push(&scopes, sc)) < 0)
				goto out;
		}
	}
	r = engine__regclient_set_scopes(p->c, scopes);
	if (r == 0)
		r = engine__pull_ping(p->c);
	for (size_t i = 0; r == 0 && i < m->n_layers; i++) {
		char sid[13];
		engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_WAITING,
				      engine__progress_short_id(m->layers[i].digest, sid), "Preparing", 0, 0);
	}
	for (size_t i = 0; r == 0 && i < m->n_layers; i++)
		r = push_blob(p, m->layers[i].digest, m->layers[i].size, false);
	if (r == 0)
		r = push_blob(p, m->config.digest, m->config.size, true);
	if (r < 0)
		goto out;
	murl = engine__strdup_printf("/v2/%s/manifests/%s", p->ref->path, p->ref->tag);
	ctype = engine__strdup_printf("Content-Type: %s", m->media_type);
	if (!murl || !ctype) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	char *hdrs[] = {ctype, NULL};
	r = engine__regclient_request(p->c, "PUT", murl, hdrs, body, len, &resp);
	if (r == 0 && resp.status != 201)
		r = engine__regclient_status_error(p->c, &resp, "put manifest");
	if (r == 0)
		r = engine__sha256_buf(body, len, digest);
	if (r == 0 && resp.docker_digest && strcmp(resp.docker_digest, digest) != 0)
		r = engine__error_set(ENGINE_EINVALID, 0,
				      "%s: the registry stored the manifest as %s, expected %s",
				      engine__regclient_label(p->c), resp.docker_digest, digest);
	if (r == 0) {
		engine__sources_record(p->ctx, p->ref->domain, p->ref->path, m);
		line = engine__strdup_printf("%s: digest: %s size: %zu", p->ref->tag, digest, len);
		if (line)
			engine__progress_emit(&p->prog, ENGINE_REGISTRY_EVENT_STATUS, NULL, line, 0, 0);
	}
out:
	engine__http_response_clear(&resp);
	engine__manifest_free(m);
	return r;
}

ENGINE_EXTERN int engine_registry_push(engine_context *ctx, const char *ref,
				       const engine_registry_push_options *opts, char **digest_out)
{
	engine_registry_push_options def = ENGINE_REGISTRY_PUSH_OPTIONS_INIT;
	struct push p = {.ctx = ctx};
	engine__endpoint *eps = NULL;
	size_t n = 0;
	const char *domain;
	cleanup_free char *familiar = NULL, *name = NULL, *line = NULL;
	char id[ENGINE__DIGEST_LEN + 1], digest[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!ctx || !ref)
		return engine__error_set(ENGINE_EINVALID, 0, "push: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_registry_push_options), &def, opts)) < 0)
		return r;
	opts = &def;
	r = engine__endpoint_default_domain(ctx, &domain);
	if (r == 0)
		r = engine__reference_parse(ref, domain, &p.ref);
	if (r < 0)
		return engine__error_wrap("push");
	if (p.ref->digest) {
		r = engine__error_set(ENGINE_EINVALID, 0, "push %s: give a tag, not a digest", ref);
		goto out;
	}
	familiar = engine__reference_familiar(p.ref, domain, false);
	name = engine__reference_name(p.ref);
	if (!familiar || !name) {
		r = ENGINE_ENOMEM;
		goto out;
	}
	r = engine__image_lookup(ctx, familiar, id);
	if (r < 0) {
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "push %s: no such image tagged %s", ref, familiar);
		goto out;
	}
	p.chunk = opts->chunk_size;
	engine__progress_init(&p.prog, ctx, opts->progress_fd);
	line = engine__strdup_printf("The push refers to repository [%s]", name);
	if (line)
		engine__progress_emit(&p.prog, ENGINE_REGISTRY_EVENT_STATUS, NULL, line, 0, 0);
	r = mount_sources(&p, id, domain);
	if (r == 0)
		r = engine__endpoints_for(ctx, p.ref->domain, false, &eps, &n);
	if (r == 0)
		r = engine__endpoint_client(ctx, &eps[n - 1], p.ref->domain,
					    engine__endpoint_timeout(ctx, opts->timeout), opts->username,
					    opts->password, &p.c);
	if (r == 0)
		r = push_all(&p, id, digest);
	if (r < 0) {
		cleanup_free char *full = engine__reference_string(p.ref);
		r = engine__error_wrap("push %s", full ? full : ref);
		goto out;
	}
	if (digest_out && !(*digest_out = strdup(digest)))
		r = engine__error_oom();
out:
	engine__regclient_free(p.c);
	engine__endpoints_free(eps, n);
	engine__strv_free(p.mount_from);
	engine__reference_free(p.ref);
	return r;
}
