/* The layer pipeline of a pull. This thread drives all transfers with one
 * curl multi handle and delivers progress; a worker thread unpacks layers
 * as soon as each one's blob is committed (several at a time, published
 * in order), so unpacking overlaps the download of the layers above.
 * Errors from either side stop both, and the first one is reported. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/log.h"
#include "image/store.h"
#include "registry/fetch.h"
#include "util/cleanup.h"
#include "util/str.h"

#define PROGRESS_STEP (512 * 1024)
/* Range requests after broken connections, per blob. */
#define MAX_RESUMES 2

struct event {
	int kind;
	char id[13];
	const char *status;
};

struct pipeline {
	engine_context *ctx;
	engine__regclient *c;
	const char *path;
	engine__fetch_layer *layers;
	size_t n;
	const engine__progress *prog;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool *ready; /* blob i is stored */
	bool abort;  /* stop the worker */
	bool worker_done;
	int worker_err;
	engine__error_saved worker_saved;
	CURLM *multi;	      /* woken by the worker when it has news */
	struct event *events; /* worker -> this thread */
	size_t n_events, cap_events;
};

struct xfer {
	struct pipeline *pl;
	size_t idx;
	CURL *h;
	struct curl_slist *hdrs;
	engine__blob_writer *w;
	int64_t got, reported;
	bool checked, bad_status, overflow, write_failed;
	long status;
	char errbody[2048];
	size_t errlen;
	char *www_auth;
	int auth_retries;
	int resumes;	     /* Range requests made after a broken transfer */
	int64_t resume_from; /* bytes kept from the broken transfer(s) */
	engine__error_saved saved;
};

static void post_event(struct pipeline *pl, int kind, const char *digest, const char *status)
{
	pthread_mutex_lock(&pl->lock);
	if (pl->n_events == pl->cap_events) {
		size_t ncap = pl->cap_events * 2 + 8;
		struct event *n = realloc(pl->events, ncap * sizeof(*n));
		if (!n) {
			pthread_mutex_unlock(&pl->lock);
			return; /* progress is best effort */
		}
		pl->events = n;
		pl->cap_events = ncap;
	}
	pl->events[pl->n_events].kind = kind;
	engine__progress_short_id(digest, pl->events[pl->n_events].id);
	pl->events[pl->n_events].status = status;
	pl->n_events++;
	if (pl->multi)
		curl_multi_wakeup(pl->multi);
	pthread_mutex_unlock(&pl->lock);
}

static void drain_events(struct pipeline *pl)
{
	struct event *evs;
	size_t n;

	pthread_mutex_lock(&pl->lock);
	evs = pl->events;
	n = pl->n_events;
	pl->events = NULL;
	pl->n_events = pl->cap_events = 0;
	pthread_mutex_unlock(&pl->lock);
	for (size_t i = 0; i < n; i++)
		engine__progress_emit(pl->prog, evs[i].kind, evs[i].id, evs[i].status, 0, 0);
	free(evs);
}

/* Layers unpack as soon as their blob is stored, several at a time (each
 * on a thread of its own), and are published in order. */
static void *unpack_worker(void *arg)
{
	struct pipeline *pl = arg;
	engine__layer_job **jobs = calloc(pl->n ? pl->n : 1, sizeof(*jobs));
	size_t window = engine__layer_parallelism(), next = 0, done = 0, at = 0;
	int r = jobs ? 0 : engine__error_oom();

	while (r == 0 && done < pl->n) {
		bool stop = false, waiting = false;

		/* Start what is stored, within the window. */
		while (next < pl->n && next - done < window) {
			engine__fetch_layer *l = &pl->layers[next];

			if (l->unpack) {
				pthread_mutex_lock(&pl->lock);
				stop = pl->abort;
				waiting = !pl->ready[next];
				pthread_mutex_unlock(&pl->lock);
				if (stop || waiting)
					break;
				post_event(pl, ENGINE_REGISTRY_EVENT_EXTRACTING, l->desc->digest,
					   "Extracting");
				at = next;
				r = engine__layer_job_start(pl->ctx, l->desc->digest, l->diff_id,
							    next ? pl->layers[next - 1].chain_id : NULL,
							    next > done, &jobs[next]);
				if (r < 0)
					break;
			}
			next++;
		}
		if (r < 0 || stop)
			break;
		if (done < next) {
			engine__fetch_layer *l = &pl->layers[done];
			char chain[ENGINE__DIGEST_LEN + 1];

			if (l->unpack) {
				at = done;
				r = engine__layer_job_finish(jobs[done], chain);
				jobs[done] = NULL;
				if (r < 0)
					break;
				if (strcmp(chain, l->chain_id) != 0)
					memcpy(l->chain_id, chain, sizeof(chain));
				post_event(pl, ENGINE_REGISTRY_EVENT_COMPLETE, l->desc->digest,
					   "Pull complete");
			}
			done++;
			continue;
		}
		/* Nothing in flight: wait for the next blob. */
		pthread_mutex_lock(&pl->lock);
		while (!pl->ready[next] && !pl->abort)
			pthread_cond_wait(&pl->cond, &pl->lock);
		pthread_mutex_unlock(&pl->lock);
	}
	if (r < 0)
		engine__error_wrap("layer %s", pl->layers[at].desc->digest);
	/* A failure or an abort stops the layers in flight: cancelled, their
	 * temp dirs removed. */
	for (size_t i = done; jobs && i < next; i++)
		engine__layer_job_free(jobs[i]);
	free(jobs);
	pthread_mutex_lock(&pl->lock);
	if (r < 0) {
		pl->worker_err = r;
		engine__error_save(&pl->worker_saved);
	}
	pl->worker_done = true;
	if (pl->multi)
		curl_multi_wakeup(pl->multi);
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

/* --- transfers ------------------------------------------------------------ */

static size_t on_data(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	engine__fetch_layer *l = &x->pl->layers[x->idx];
	size_t len = size * nmemb;

	if (!x->checked) {
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
		x->checked = true;
		x->bad_status = x->status != 200 && !(x->resume_from > 0 && x->status == 206);
		if (x->resume_from > 0 && x->status == 200) {
			/* The server ignored the Range: start the blob over. */
			engine__blob_writer_free(x->w);
			x->w = NULL;
			x->got = x->reported = 0;
			if (engine__blob_writer_new(x->pl->ctx, l->desc->digest, &x->w) < 0) {
				x->write_failed = true;
				engine__error_save(&x->saved);
				return 0;
			}
		}
	}
	if (x->bad_status) {
		size_t room = sizeof(x->errbody) - 1 - x->errlen;
		size_t take = len < room ? len : room;
		memcpy(x->errbody + x->errlen, data, take);
		x->errlen += take;
		x->errbody[x->errlen] = '\0';
		return len;
	}
	if (x->got + (int64_t)len > l->desc->size) {
		x->overflow = true;
		return 0;
	}
	if (engine__blob_writer_write(x->w, data, len) < 0) {
		x->write_failed = true;
		engine__error_save(&x->saved);
		return 0;
	}
	x->got += (int64_t)len;
	if (x->got - x->reported >= PROGRESS_STEP || x->got == l->desc->size) {
		char id[13];
		x->reported = x->got;
		engine__progress_emit(x->pl->prog, ENGINE_REGISTRY_EVENT_PROGRESS,
				      engine__progress_short_id(l->desc->digest, id), "Downloading", x->got,
				      l->desc->size);
	}
	return len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t len = size * nmemb;

	engine__regclient_track_challenge(data, len, &x->www_auth);
	return len;
}

static char *curl_errbuf(CURL *h)
{
	char *p = NULL;

	curl_easy_getinfo(h, CURLINFO_PRIVATE, &p);
	return p;
}

static void xfer_reset(struct xfer *x)
{
	if (x->h)
		free(curl_errbuf(x->h));
	curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	engine__blob_writer_free(x->w);
	free(x->www_auth);
	x->h = NULL;
	x->hdrs = NULL;
	x->w = NULL;
	x->www_auth = NULL;
	x->got = x->reported = x->resume_from = 0;
	x->checked = x->bad_status = x->overflow = x->write_failed = false;
	x->errlen = 0;
	x->errbody[0] = '\0';
}

static int xfer_start(struct xfer *x, CURLM *multi)
{
	engine__fetch_layer *l = &x->pl->layers[x->idx];
	cleanup_free char *url = engine__strdup_printf("/v2/%s/blobs/%s", x->pl->path, l->desc->digest);
	int r;

	if (!url)
		return ENGINE_ENOMEM;
	if (!x->w && (r = engine__blob_writer_new(x->pl->ctx, l->desc->digest, &x->w)) < 0)
		return r;
	r = engine__regclient_stream(x->pl->c, url, &x->h, &x->hdrs);
	if (r < 0)
		return r;
	if (x->resume_from > 0) {
		char range[64];
		struct curl_slist *n;
		snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)x->resume_from);
		n = curl_slist_append(x->hdrs, range);
		if (!n)
			return engine__error_oom();
		x->hdrs = n;
		curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
	}
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	if (curl_multi_add_handle(multi, x->h) != CURLM_OK)
		return engine__error_set(ENGINE_ERROR, 0, "layer %s: cannot start the transfer",
					 l->desc->digest);
	return 0;
}

/* Start @x's transfer again, on a fresh handle; with @keep, resume after
 * the bytes already written. Returns 1 (restarted) or negative. */
static int restart(struct xfer *x, CURLM *multi, bool keep)
{
	engine__blob_writer *w = keep ? steal_ptr(x->w) : NULL;
	int64_t got = x->got;
	int r;

	xfer_reset(x);
	x->w = w;
	x->got = x->reported = keep ? got : 0;
	x->resume_from = keep ? got : 0;
	r = xfer_start(x, multi);
	return r < 0 ? r : 1;
}

/* A transfer ended: judge it, commit the blob. Returns 1 when it was
 * restarted (after re-authenticating), 0 when done, negative on error. */
static int xfer_finish(struct xfer *x, CURLM *multi, CURLcode cc)
{
	struct pipeline *pl = x->pl;
	engine__fetch_layer *l = &pl->layers[x->idx];
	char digest[ENGINE__DIGEST_LEN + 1];
	char what[100];
	char id[13];
	int r;

	snprintf(what, sizeof(what), "layer %s", l->desc->digest);
	curl_multi_remove_handle(multi, x->h);
	if (!x->checked)
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->write_failed) {
		engine__error_restore(&x->saved);
		return engine__error_wrap("%s", what);
	}
	if (x->overflow)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "%s: %s: more data than the %lld bytes the manifest gives",
					 engine__regclient_label(pl->c), what, (long long)l->desc->size);
	if (cc != CURLE_OK && !x->bad_status && x->got > 0 && x->got < l->desc->size &&
	    x->resumes < MAX_RESUMES && (cc == CURLE_PARTIAL_FILE || cc == CURLE_RECV_ERROR)) {
		/* A broken connection: ask for the rest, keeping what was verified so far. */
		engine__info(pl->ctx, "%s: %s: %s after %lld bytes; resuming", engine__regclient_label(pl->c),
			     what, curl_easy_strerror(cc), (long long)x->got);
		x->resumes++;
		return restart(x, multi, true);
	}
	if (cc != CURLE_OK &&
	    (cc == CURLE_TOO_MANY_REDIRECTS || !(x->bad_status || (x->status != 200 && x->status != 0))))
		return engine__regclient_curl_error(pl->c, cc, curl_errbuf(x->h), what);
	if (x->status == 401 && x->www_auth && x->auth_retries++ == 0) {
		cleanup_free char *chal = steal_ptr(x->www_auth);
		r = engine__regclient_reauth(pl->c, chal);
		if (r < 0)
			return engine__error_wrap("%s", what);
		return restart(x, multi, false);
	}
	if (x->status != 200 && !(x->status == 206 && x->resume_from > 0)) {
		engine__http_response resp = {.status = x->status, .body = x->errbody, .len = x->errlen};
		return engine__regclient_status_error(pl->c, &resp, what);
	}
	if (x->got < l->desc->size)
		return engine__error_set(
		    ENGINE_EIO, 0, "%s: %s: truncated download: received %lld of %lld bytes",
		    engine__regclient_label(pl->c), what, (long long)x->got, (long long)l->desc->size);
	engine__progress_emit(pl->prog, ENGINE_REGISTRY_EVENT_VERIFYING,
			      engine__progress_short_id(l->desc->digest, id), "Verifying Checksum", 0, 0);
	r = engine__blob_writer_commit(x->w, digest);
	if (r < 0)
		return engine__error_wrap("%s: %s", engine__regclient_label(pl->c), what);
	engine__progress_emit(pl->prog, ENGINE_REGISTRY_EVENT_DOWNLOADED, id, "Download complete", 0, 0);
	pthread_mutex_lock(&pl->lock);
	pl->ready[x->idx] = true;
	pthread_cond_broadcast(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	return 0;
}

static int run_transfers(struct pipeline *pl, struct xfer *xs, int parallel)
{
	CURLM *multi = curl_multi_init();
	size_t next = 0, active = 0;
	int r = 0;

	if (!multi)
		return engine__backend_null(&engine__backend_curl);
	pthread_mutex_lock(&pl->lock);
	pl->multi = multi;
	pthread_mutex_unlock(&pl->lock);
	for (;;) {
		int running = 0, left = 0;
		CURLMsg *msg;

		while (r == 0 && active < (size_t)parallel && next < pl->n) {
			if (pl->layers[next].download) {
				r = xfer_start(&xs[next], multi);
				active++;
			}
			next++;
		}
		if (r < 0)
			break;
		curl_multi_perform(multi, &running);
		while (r == 0 && (msg = curl_multi_info_read(multi, &left))) {
			struct xfer *x = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			for (size_t i = 0; i < pl->n; i++)
				if (xs[i].h == msg->easy_handle)
					x = &xs[i];
			if (!x)
				continue;
			CURLcode cc = msg->data.result;
			r = xfer_finish(x, multi, cc);
			if (r == 0) {
				active--;
				xfer_reset(x);
			} else if (r == 1) {
				r = 0;
			}
		}
		drain_events(pl);
		pthread_mutex_lock(&pl->lock);
		bool worker_failed = pl->worker_err < 0;
		bool finished = active == 0 && next >= pl->n && pl->worker_done;
		pthread_mutex_unlock(&pl->lock);
		if (r < 0 || worker_failed || finished)
			break;
		curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	for (size_t i = 0; i < pl->n; i++) {
		if (xs[i].h)
			curl_multi_remove_handle(multi, xs[i].h);
		/* Also a transfer that failed to start after opening its blob writer. */
		xfer_reset(&xs[i]);
	}
	pthread_mutex_lock(&pl->lock);
	pl->multi = NULL;
	pthread_mutex_unlock(&pl->lock);
	curl_multi_cleanup(multi);
	return r;
}

int engine__fetch_layers(engine_context *ctx, engine__regclient *c, const char *path,
			 engine__fetch_layer *layers, size_t n, const engine__progress *prog, int parallel)
{
	struct pipeline pl = {.ctx = ctx, .c = c, .path = path, .layers = layers, .n = n, .prog = prog};
	cleanup_free struct xfer *xs = calloc(n + 1, sizeof(*xs));
	cleanup_free bool *ready = calloc(n + 1, sizeof(bool));
	engine__error_saved err;
	pthread_t worker;
	int r, rc;

	if (!xs || !ready)
		return engine__error_oom();
	pl.ready = ready;
	for (size_t i = 0; i < n; i++) {
		ready[i] = !layers[i].download;
		xs[i].pl = &pl;
		xs[i].idx = i;
	}
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	rc = pthread_create(&worker, NULL, unpack_worker, &pl);
	if (rc != 0) {
		pthread_mutex_destroy(&pl.lock);
		pthread_cond_destroy(&pl.cond);
		return engine__error_errno(rc, "start the unpack thread");
	}
	r = run_transfers(&pl, xs, parallel > 0 ? parallel : 3);
	if (r < 0)
		engine__error_save(&err);
	pthread_mutex_lock(&pl.lock);
	pl.abort = true;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	pthread_join(worker, NULL);
	drain_events(&pl);
	if (r < 0) {
		engine__error_restore(&err);
	} else if (pl.worker_err < 0) {
		engine__error_restore(&pl.worker_saved);
		r = pl.worker_err;
	}
	free(pl.events);
	pthread_mutex_destroy(&pl.lock);
	pthread_cond_destroy(&pl.cond);
	return r;
}
