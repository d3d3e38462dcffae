/*
 * Blob upload sessions: bytes go straight into an unnamed temp file of the
 * store while being hashed, across as many requests as the client makes
 * (monolithic PUT, POST-then-PUT, chunked PATCHes); commit checks the
 * digest and links the file into the store, then into the repository, so
 * nothing half-written is ever visible. A session is held by one request
 * at a time; idle ones expire.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "distribution/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#define MAX_SESSIONS 1024
#define IDLE_SECONDS 3600

struct engine_distribution_upload {
	struct engine_distribution_upload *next;
	engine_distribution *dist;
	char id[37];
	char *canonical;
	engine__blob_writer *w;
	time_t used;
	bool held, ended, failed;
};

#define SESSIONS(d) ((d)->uploads)

static void session_free(struct engine_distribution_upload *s)
{
	engine__blob_writer_free(s->w);
	free(s->canonical);
	free(s);
}

static void unlink_session(engine_distribution *d, struct engine_distribution_upload *s)
{
	for (struct engine_distribution_upload **p = &SESSIONS(d); *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			d->n_uploads--;
			return;
		}
}

/* Drop sessions nobody has used for a while (dist->lock held). */
static void expire(engine_distribution *d, time_t now)
{
	struct engine_distribution_upload **p = &SESSIONS(d);

	while (*p) {
		struct engine_distribution_upload *s = *p;

		if (!s->held && now - s->used > IDLE_SECONDS) {
			*p = s->next;
			d->n_uploads--;
			session_free(s);
		} else {
			p = &s->next;
		}
	}
}

void engine__dist_uploads_clear(engine_distribution *d)
{
	while (SESSIONS(d)) {
		struct engine_distribution_upload *s = SESSIONS(d);

		SESSIONS(d) = s->next;
		session_free(s);
	}
	d->n_uploads = 0;
}

/* A random (version 4) UUID, as Distribution names its sessions. */
static int new_id(char out[37])
{
	char hex[33];
	int r = engine__random_hex(hex, 16);

	if (r < 0)
		return r;
	hex[12] = '4';
	hex[16] = "89ab"[(hex[16] >= 'a' ? hex[16] - 'a' + 10 : hex[16] - '0') & 3];
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

static int open_new(engine_distribution *d, const char *canonical, engine_distribution_upload **out)
{
	engine_distribution_upload *s;
	int r;

	if (d->n_uploads >= MAX_SESSIONS)
		return engine__error_set(ENGINE_EBUSY, 0, "too many uploads in progress (%d)", MAX_SESSIONS);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->canonical = strdup(canonical))) {
		free(s);
		return engine__error_oom();
	}
	s->dist = d;
	r = new_id(s->id);
	if (r == 0)
		r = engine__blob_writer_new_detached(d->ctx, &s->w);
	if (r < 0) {
		session_free(s);
		return engine__error_wrap("start an upload");
	}
	s->held = true;
	s->used = time(NULL);
	s->next = SESSIONS(d);
	SESSIONS(d) = s;
	d->n_uploads++;
	*out = s;
	return 0;
}

ENGINE_EXTERN int engine_distribution_upload_open(engine_distribution *d, const char *name, const char *id,
						  engine_distribution_upload **out)
{
	cleanup_free char *canonical = NULL;
	engine_distribution_upload *s;
	int r;

	if (!d || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "upload: NULL argument");
	if ((r = engine__dist_writable(d, false)) < 0)
		return r;
	r = engine__dist_canonical(d, name, &canonical);
	if (r < 0)
		return r;
	pthread_mutex_lock(&d->lock);
	expire(d, time(NULL));
	if (!id) {
		r = open_new(d, canonical, out);
		pthread_mutex_unlock(&d->lock);
		return r;
	}
	for (s = SESSIONS(d); s; s = s->next)
		if (strcmp(s->id, id) == 0 && strcmp(s->canonical, canonical) == 0 && !s->ended)
			break;
	if (!s)
		r = engine__error_set(ENGINE_ENOTFOUND, 0, "upload %s: no such upload in %s", id, name);
	else if (s->held)
		r = engine__error_set(ENGINE_EBUSY, 0, "upload %s: another request is using it", id);
	else {
		s->held = true;
		*out = s;
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

ENGINE_EXTERN const char *engine_distribution_upload_id(const engine_distribution_upload *up)
{
	return up ? up->id : NULL;
}

ENGINE_EXTERN int64_t engine_distribution_upload_offset(const engine_distribution_upload *up)
{
	return up && up->w ? engine__blob_writer_size(up->w) : 0;
}

ENGINE_EXTERN int engine_distribution_upload_write(engine_distribution_upload *up, const char *data,
						   size_t len)
{
	int r;

	if (!up || (!data && len))
		return engine__error_set(ENGINE_EINVALID, 0, "upload write: bad argument");
	if (up->ended || up->failed)
		return engine__error_set(ENGINE_EIO, 0, "upload %s: an earlier write failed", up->id);
	r = engine__blob_writer_write(up->w, data, len);
	if (r < 0) {
		up->failed = true;
		return engine__error_wrap("upload %s", up->id);
	}
	return 0;
}

ENGINE_EXTERN int engine_distribution_upload_commit(engine_distribution_upload *up, const char *digest)
{
	char got[ENGINE__DIGEST_LEN + 1];
	char *blobs[] = {(char *)digest, NULL};
	engine__dist_index_change c = {.add_blobs = blobs};
	int r;

	if (!up)
		return engine__error_set(ENGINE_EINVALID, 0, "upload commit: NULL argument");
	if (up->ended || up->failed)
		return engine__error_set(ENGINE_EIO, 0, "upload %s: an earlier write failed", up->id);
	up->ended = true;
	r = engine__blob_writer_expect(up->w, digest);
	if (r < 0)
		return r;
	r = engine__blob_writer_commit(up->w, got);
	if (r < 0)
		return engine__error_wrap("upload %s", up->id);
	/* The writer holds the store lock since its commit: link the blob into
	 * the repository before a GC could find it unreferenced. */
	if (r == 0)
		r = engine__dist_index_update(up->dist, up->canonical, &c);
	return r;
}

ENGINE_EXTERN void engine_distribution_upload_abort(engine_distribution_upload *up)
{
	if (up)
		up->ended = true;
}

ENGINE_EXTERN void engine_distribution_upload_free(engine_distribution_upload *up)
{
	engine_distribution *d;

	if (!up)
		return;
	d = up->dist;
	pthread_mutex_lock(&d->lock);
	up->held = false;
	up->used = time(NULL);
	if (up->ended || up->failed) {
		unlink_session(d, up);
		session_free(up);
	}
	pthread_mutex_unlock(&d->lock);
}
