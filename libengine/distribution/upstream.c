/*
 * Pull-through: what the store cannot answer is fetched from the upstream
 * with the registry client a pull uses (the context's mirrors of the
 * upstream first, stored credentials, TLS policy, timeouts), verified,
 * stored and recorded in the registry's index. A blob is fetched once by a
 * thread of its own, whoever asked first: every reader follows the bytes
 * it writes, a reader leaving does not stop it, and its last byte is only
 * readable once the whole blob matched its digest, so a corrupt blob is
 * never served complete, nor stored.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "core/log.h"
#include "distribution/internal.h"
#include "registry/endpoint.h"
#include "registry/regconfig.h"
#include "registry/resolve.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

/* The context's mirrors of the upstream, then the upstream at the URL given. */
static int endpoints(engine_distribution *d, engine__endpoint **out, size_t *n)
{
	engine__endpoint *eps = NULL;
	char *url;
	int r = engine__endpoints_for(d->ctx, d->upstream_domain, true, &eps, n);

	if (r < 0)
		return r;
	url = strdup(d->upstream_url);
	if (!url) {
		engine__endpoints_free(eps, *n);
		return engine__error_oom();
	}
	free(eps[*n - 1].url);
	eps[*n - 1].url = url;
	eps[*n - 1].tls_verify = !engine__regconfig_insecure(
	    engine__context_config(d->ctx, "insecure-registries"), d->upstream_domain);
	*out = eps;
	return 0;
}

static int client_for(engine_distribution *d, const engine__endpoint *ep, const char *path,
		      engine__regclient **c)
{
	cleanup_free char *scope = engine__strdup_printf("repository:%s:pull", path);
	char *scopes[] = {scope, NULL};
	int r;

	if (!scope)
		return ENGINE_ENOMEM;
	r = engine__endpoint_client(d->ctx, ep, d->upstream_domain, d->timeout, NULL, NULL, c);
	if (r == 0)
		r = engine__regclient_set_scopes(*c, scopes);
	return r;
}

/* Run @fn against each endpoint until one answers; a mirror that fails is
 * logged and skipped. */
typedef int (*endpoint_fn)(engine_distribution *d, engine__regclient *c, void *arg);
/* Whether a failed @fn may be tried on the next endpoint (NULL: always). */
typedef bool (*retry_fn)(void *arg);

static int each_endpoint(engine_distribution *d, const char *path, endpoint_fn fn, retry_fn may_retry,
			 void *arg)
{
	engine__endpoint *eps = NULL;
	size_t n = 0;
	int r = endpoints(d, &eps, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		engine__regclient *c = NULL;

		r = client_for(d, &eps[i], path, &c);
		if (r == 0)
			r = fn(d, c, arg);
		engine__regclient_free(c);
		if (r < 0 && !strstr(engine_error_last()->message, eps[i].label))
			r = engine__error_wrap("%s", eps[i].label);
		if (r == 0 || !eps[i].mirror || r == ENGINE_ENOMEM || (may_retry && !may_retry(arg)))
			break;
		engine__warn(d->ctx, "pull-through %s: %s; trying %s", path, engine_error_last()->message,
			     eps[i + 1].label);
		r = 0;
		engine_error_clear();
		if (i + 1 == n)
			break;
	}
	engine__endpoints_free(eps, n);
	return r;
}

/* --- manifests ------------------------------------------------------------------ */

struct mget {
	const char *path, *reference;
	char *data;
	size_t len;
	char digest[ENGINE__DIGEST_LEN + 1];
};

static int mget_one(engine_distribution *d, engine__regclient *c, void *arg)
{
	struct mget *m = arg;
	engine__http_response resp = {.content_length = -1};
	int r;

	(void)d;
	r = engine__pull_get_manifest(c, m->path, m->reference,
				      strchr(m->reference, ':') ? m->reference : NULL, &resp, m->digest);
	if (r == 0) {
		m->data = steal_ptr(resp.body);
		m->len = resp.len;
	}
	engine__http_response_clear(&resp);
	return r;
}

int engine__dist_upstream_manifest(engine_distribution *d, const char *name, const char *canonical,
				   const char *reference, char **data, size_t *len,
				   char digest[ENGINE__DIGEST_LEN + 1])
{
	cleanup_free char *path = engine__dist_upstream_path(d, name);
	struct mget m = {.path = path, .reference = reference};
	bool by_digest = strchr(reference, ':') != NULL;
	int lock, r;

	if (!path)
		return engine__error_oom();
	r = each_endpoint(d, path, mget_one, NULL, &m);
	if (r < 0)
		return engine__error_wrap("pull-through %s%s%s", name, by_digest ? "@" : ":", reference);
	lock = r = engine__store_lock(d->ctx, false);
	if (lock >= 0) {
		char stored[ENGINE__DIGEST_LEN + 1];
		engine__dist_index_change c = {
		    .tag = by_digest ? NULL : reference, .manifest = m.digest, .fetched = true};

		r = engine__blob_put_buf(d->ctx, m.data ? m.data : "", m.len, m.digest, stored);
		if (r == 0)
			r = engine__dist_index_update(d, canonical, &c);
		engine__store_unlock(lock);
	}
	if (r < 0) {
		free(m.data);
		return engine__error_wrap("pull-through %s: store manifest %s", name, m.digest);
	}
	memcpy(digest, m.digest, ENGINE__DIGEST_LEN + 1);
	*data = m.data;
	*len = m.len;
	return 0;
}

struct tget {
	const char *path;
	char **tags;
};

static int tget_one(engine_distribution *d, engine__regclient *c, void *arg)
{
	struct tget *t = arg;
	cleanup_free char *url = engine__strdup_printf("/v2/%s/tags/list", t->path);
	cleanup_json json_object *doc = NULL;
	engine__http_response resp = {.content_length = -1};
	json_object *list;
	int r;

	(void)d;
	if (!url)
		return ENGINE_ENOMEM;
	r = engine__regclient_request(c, "GET", url, NULL, NULL, 0, &resp);
	if (r == 0 && resp.status != 200)
		r = engine__regclient_status_error(c, &resp, "tags");
	if (r == 0)
		r = engine__json_parse(resp.body ? resp.body : "", resp.len, "tag list", &doc);
	engine__http_response_clear(&resp);
	if (r < 0)
		return r;
	list = engine__json_get_type(doc, "tags", json_type_array);
	return engine__json_to_strv(list, &t->tags);
}

int engine__dist_upstream_tags(engine_distribution *d, const char *name, char ***out)
{
	cleanup_free char *path = engine__dist_upstream_path(d, name);
	struct tget t = {.path = path};
	int r;

	if (!path)
		return engine__error_oom();
	r = each_endpoint(d, path, tget_one, NULL, &t);
	if (r < 0) {
		engine__strv_free(t.tags);
		return engine__error_wrap("pull-through %s: tags", name);
	}
	*out = t.tags ? t.tags : calloc(1, sizeof(char *));
	return *out ? 0 : engine__error_oom();
}

/* --- blobs --------------------------------------------------------------------------- */

struct bget {
	engine__dist_fetch *f;
	engine__blob_writer *w;
	CURL *h;
	long status;
	bool checked, bad_status;
	char *www_auth;
	char errbody[1024];
	size_t errlen;
	engine__error_saved saved;
	bool write_failed;
};

/* Publish what the fetch learnt (under the lock) and wake its readers. */
static void publish(engine__dist_fetch *f, int64_t written, bool started, int64_t size)
{
	engine_distribution *d = f->dist;

	pthread_mutex_lock(&d->lock);
	if (started && !f->started) {
		f->size = size;
		f->started = true;
	}
	f->written = written;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *p)
{
	struct bget *b = p;
	size_t len = size * nmemb;

	if (!b->checked) {
		curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &b->status);
		b->checked = true;
		b->bad_status = b->status != 200;
		if (!b->bad_status) {
			curl_off_t cl = -1;

			curl_easy_getinfo(b->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
			publish(b->f, 0, true, cl >= 0 ? (int64_t)cl : -1);
		}
	}
	if (b->bad_status) {
		size_t room = sizeof(b->errbody) - 1 - b->errlen;
		size_t take = len < room ? len : room;

		memcpy(b->errbody + b->errlen, data, take);
		b->errlen += take;
		b->errbody[b->errlen] = '\0';
		return len;
	}
	if (b->f->dist->closing)
		return 0;
	if (engine__blob_writer_write(b->w, data, len) < 0) {
		b->write_failed = true;
		engine__error_save(&b->saved);
		return 0;
	}
	publish(b->f, engine__blob_writer_size(b->w), false, 0);
	return len;
}

static size_t on_head(char *data, size_t size, size_t nmemb, void *p)
{
	struct bget *b = p;
	size_t len = size * nmemb;

	engine__regclient_track_challenge(data, len, &b->www_auth);
	return len;
}

static int on_progress(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct bget *b = p;

	(void)dt, (void)dn, (void)ut, (void)un;
	return b->f->dist->closing ? 1 : 0;
}

/* One GET of the blob through @c; answers one 401 by authenticating. */
static int bget_one(engine_distribution *d, engine__regclient *c, void *arg)
{
	struct bget *b = arg;
	engine__dist_fetch *f = b->f;
	cleanup_free char *url = engine__strdup_printf("/v2/%s/blobs/%s", f->path, f->digest);
	char what[128];
	int r = 0;

	(void)d;
	if (!url)
		return ENGINE_ENOMEM;
	snprintf(what, sizeof(what), "blob %s", f->digest);
	for (int attempt = 0; attempt < 2; attempt++) {
		struct curl_slist *hdrs = NULL;
		CURLcode cc;
		char *errbuf = NULL;

		b->checked = b->bad_status = b->write_failed = false;
		b->status = 0;
		b->errlen = 0;
		b->errbody[0] = '\0';
		r = engine__regclient_stream(c, url, &b->h, &hdrs);
		if (r < 0)
			return r;
		curl_easy_setopt(b->h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(b->h, CURLOPT_WRITEDATA, b);
		curl_easy_setopt(b->h, CURLOPT_HEADERFUNCTION, on_head);
		curl_easy_setopt(b->h, CURLOPT_HEADERDATA, b);
		curl_easy_setopt(b->h, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(b->h, CURLOPT_XFERINFODATA, b);
		curl_easy_setopt(b->h, CURLOPT_NOPROGRESS, 0L);
		cc = curl_easy_perform(b->h);
		if (!b->checked)
			curl_easy_getinfo(b->h, CURLINFO_RESPONSE_CODE, &b->status);
		curl_easy_getinfo(b->h, CURLINFO_PRIVATE, &errbuf);
		if (b->write_failed) {
			engine__error_restore(&b->saved);
			r = engine__error_wrap("%s", what);
		} else if (f->dist->closing) {
			r = engine__error_set(ENGINE_EIO, 0, "%s: the server is shutting down", what);
		} else if (b->status == 401 && attempt == 0 && b->www_auth &&
			   engine__blob_writer_size(b->w) == 0) {
			r = engine__regclient_reauth(c, b->www_auth);
			if (r == 0) {
				free(errbuf);
				curl_easy_cleanup(b->h);
				curl_slist_free_all(hdrs);
				b->h = NULL;
				continue;
			}
		} else if (b->status != 200 && b->status != 0) {
			engine__http_response resp = {
			    .status = b->status, .body = b->errbody, .len = b->errlen, .content_length = -1};
			r = engine__regclient_status_error(c, &resp, what);
		} else if (cc != CURLE_OK) {
			r = engine__regclient_curl_error(c, cc, errbuf, what);
		}
		free(errbuf);
		curl_easy_cleanup(b->h);
		curl_slist_free_all(hdrs);
		b->h = NULL;
		break;
	}
	return r;
}

/* Bytes readers have seen cannot be taken back: no other endpoint then. */
static bool bget_retry(void *arg)
{
	struct bget *b = arg;

	return engine__blob_writer_size(b->w) == 0;
}

static int fetch_run(engine__dist_fetch *f)
{
	engine_distribution *d = f->dist;
	struct bget b = {.f = f};
	char got[ENGINE__DIGEST_LEN + 1];
	char *blobs[] = {f->digest, NULL};
	engine__dist_index_change c = {.add_blobs = blobs};
	int r;

	r = engine__blob_writer_new_detached(d->ctx, &b.w);
	if (r < 0)
		return r;
	pthread_mutex_lock(&d->lock);
	f->fd = dup(engine__blob_writer_fd(b.w));
	pthread_mutex_unlock(&d->lock);
	if (f->fd < 0) {
		engine__blob_writer_free(b.w);
		return engine__error_errno(errno, "blob %s: temp file", f->digest);
	}
	r = each_endpoint(d, f->path, bget_one, bget_retry, &b);
	if (r == 0)
		r = engine__blob_writer_expect(b.w, f->digest);
	if (r == 0 && f->size >= 0 && engine__blob_writer_size(b.w) != f->size)
		r = engine__error_set(ENGINE_EIO, 0, "blob %s: %lld bytes of %lld", f->digest,
				      (long long)engine__blob_writer_size(b.w), (long long)f->size);
	if (r == 0)
		r = engine__blob_writer_commit(b.w, got);
	/* The writer holds the store lock from its commit: link the blob into
	 * the repository before a GC can see it unreferenced. */
	if (r == 0)
		r = engine__dist_index_update(d, f->canonical, &c);
	if (r == 0)
		publish(f, engine__blob_writer_size(b.w), true, engine__blob_writer_size(b.w));
	engine__blob_writer_free(b.w);
	free(b.www_auth);
	return r;
}

static void *fetch_thread(void *arg)
{
	engine__dist_fetch *f = arg;
	engine_distribution *d = f->dist;
	int r = fetch_run(f);

	if (r < 0)
		engine__warn(d->ctx, "pull-through: %s", engine_error_last()->message);
	pthread_mutex_lock(&d->lock);
	if (r < 0) {
		f->err = r;
		snprintf(f->message, sizeof(f->message), "%s", engine_error_last()->message);
	}
	f->done = f->started = true;
	for (engine__dist_fetch **p = &d->fetches; *p; p = &(*p)->next)
		if (*p == f) {
			*p = f->next;
			break;
		}
	d->threads--;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	engine__dist_fetch_put(f);
	return NULL;
}

int engine__dist_fetch_get(engine_distribution *d, const char *name, const char *canonical,
			   const char *digest, engine__dist_fetch **out)
{
	engine__dist_fetch *f;
	pthread_attr_t attr;
	pthread_t th;
	int r;

	for (f = d->fetches; f; f = f->next)
		if (strcmp(f->digest, digest) == 0) {
			f->refs++;
			*out = f;
			return 0;
		}
	if (d->closing)
		return engine__error_set(ENGINE_EIO, 0, "blob %s: the server is shutting down", digest);
	f = calloc(1, sizeof(*f));
	if (!f)
		return engine__error_oom();
	f->dist = d;
	f->fd = -1;
	f->size = -1;
	f->refs = 2;
	memcpy(f->digest, digest, ENGINE__DIGEST_LEN + 1);
	f->path = engine__dist_upstream_path(d, name);
	f->canonical = strdup(canonical);
	if (!f->path || !f->canonical) {
		free(f->path);
		free(f->canonical);
		free(f);
		return engine__error_oom();
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&th, &attr, fetch_thread, f);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		free(f->path);
		free(f->canonical);
		free(f);
		return engine__error_errno(r, "blob %s: start the fetch", digest);
	}
	f->next = d->fetches;
	d->fetches = f;
	d->threads++;
	*out = f;
	return 0;
}

void engine__dist_fetch_put(engine__dist_fetch *f)
{
	engine_distribution *d = f->dist;
	bool last;

	pthread_mutex_lock(&d->lock);
	last = --f->refs == 0;
	pthread_mutex_unlock(&d->lock);
	if (!last)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->canonical);
	free(f);
}
