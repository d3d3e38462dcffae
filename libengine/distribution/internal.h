/*
 * The distribution subsystem's shared state and the pieces its files share:
 * the handle, repository names and how they map onto store tags, the
 * registry's own index of repositories (repoindex.c), and pull-through
 * fetches from the upstream (upstream.c).
 */
#ifndef ENGINE_DISTRIBUTION_INTERNAL_H
#define ENGINE_DISTRIBUTION_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <engine/distribution.h>

#include "core/error.h"
#include "image/store.h"
#include "util/digest.h"

struct engine__dist_fetch;

struct engine_distribution {
	engine_context *ctx;
	bool read_only;
	/* Pull-through: the upstream as given, and the registry name its
	 * content is known by (credentials, mirrors, store tags). */
	char *upstream_url;    /* "http://127.0.0.1:5000" (no trailing slash) */
	char *upstream_domain; /* "127.0.0.1:5000", "docker.io" */
	long timeout;

	pthread_mutex_t lock;			    /* guards everything below */
	pthread_cond_t cond;			    /* fetch progress, upload holds, threads ending */
	struct engine_distribution_upload *uploads; /* uploads.c's sessions */
	size_t n_uploads;
	struct engine__dist_fetch *fetches; /* blob fetches in flight */
	unsigned threads;		    /* fetch threads still running */
	bool closing;
};

/* Seconds a tag fetched from the upstream is served before the upstream is
 * asked again where it points (a pull-through cache must follow moves). */
#define ENGINE__DIST_TAG_TTL 60

/* The registry name store tags are relative to when serving: the upstream's
 * in pull-through mode, else Docker Hub (where familiar names point). */
static inline const char *engine__dist_domain(const engine_distribution *d)
{
	return d->upstream_domain ? d->upstream_domain : "docker.io";
}

/* 0 when @d takes pushes (@deleting: deletes), else ENGINE_EPERM saying
 * why: read-only, or a pull-through cache. */
static inline int engine__dist_writable(const engine_distribution *d, bool deleting)
{
	if (!d->read_only && !d->upstream_domain)
		return 0;
	return engine__error_set(ENGINE_EPERM, 0, "%s",
				 d->read_only ? "the registry is read-only"
				 : deleting   ? "a pull-through cache deletes nothing"
					      : "a pull-through cache takes no pushes");
}

/* --- names (distribution.c) ------------------------------------------------ */

/* Checks a tag (Distribution's grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
int engine__dist_tag_check(const char *tag);
/* The canonical spelling of repository @name, under which the registry's
 * index keeps it ("library/busybox" -> "busybox" for Docker Hub), after
 * checking it. *out is malloc'd. */
int engine__dist_canonical(const engine_distribution *d, const char *name, char **out);
/* The store tag key ("busybox:latest", "127.0.0.1:5000/a:1") for @name:@tag. */
int engine__dist_store_ref(const engine_distribution *d, const char *name, const char *tag, char **out);
/* The repository a store tag key is served as, or NULL when it is not
 * served (another registry, a name the grammar refuses). *tag_out (may be
 * NULL) receives its tag. Both malloc'd. */
char *engine__dist_served_name(const engine_distribution *d, const char *store_key, char **tag_out);
/* The path to ask the upstream for ("busybox" -> "library/busybox" on Hub). */
char *engine__dist_upstream_path(const engine_distribution *d, const char *name);

/* --- the registry's index (repoindex.c) -------------------------------------
 * <root>/distribution/repositories/CANONICAL-NAME/_index.json:
 *   {"tags": {"1": "sha256:.."}, "manifests": ["sha256:..", ..],
 *    "blobs": ["sha256:..", ..], "fetched": {"1": <unix seconds>},
 *    "deleted": ["sha256:..", ..]}
 * "manifests" are manifests this repository holds outside the store's
 * images (indexes, by-digest pushes, artifacts, pull-through copies);
 * "blobs" the blobs they reference, plus uploads no manifest references
 * yet. Both are roots for garbage collection (image/gc.c reads them).
 * "deleted" are manifests and blobs a DELETE unlinked from this
 * repository: the store is shared by every repository (and image), so a
 * DELETE leaves the content to other users and the GC, and the repository
 * answers "unknown" for them until they are pushed or mounted again. */

/* Read @canonical's index (an empty one when it has none). */
int engine__dist_index_read(engine_distribution *d, const char *canonical, json_object **out);

/* What an index update does. Every field may be NULL / empty. */
typedef struct engine__dist_index_change {
	const char *tag;	   /* set tags[tag] = manifest, or drop it with manifest NULL */
	const char *manifest;	   /* add to "manifests" */
	bool fetched;		   /* record fetched[tag] = now (pull-through) */
	char *const *add_blobs;	   /* add to "blobs" (NULL-terminated) */
	char *const *drop_blobs;   /* remove from "blobs" (now held by a store image) */
	bool drop_tag;		   /* remove tags[tag] */
	const char *drop_manifest; /* remove from "manifests" (deleted) */
	const char *forget;	   /* DELETE: out of "manifests" and "blobs", into "deleted" */
	const char *revive;	   /* out of "deleted" (pushed again; "manifest" and
				      "add_blobs" revive theirs too) */
} engine__dist_index_change;

/* Apply @c to @canonical's index atomically (a lock across processes). */
int engine__dist_index_update(engine_distribution *d, const char *canonical,
			      const engine__dist_index_change *c);
/* 1 when a DELETE unlinked @digest from @canonical (and nothing linked it
 * again), 0 when not, or an error. */
int engine__dist_index_deleted(engine_distribution *d, const char *canonical, const char *digest);
/* Every repository the index knows with at least one tag (canonical names,
 * NULL-terminated, malloc'd). */
int engine__dist_index_repos(engine_distribution *d, char ***out);

/* --- pull-through (upstream.c) ----------------------------------------------- */

/* Fetch manifest @reference of @name from the upstream, verify it, store it
 * and record it in the index; its bytes into *@data and *@len, its digest into @digest. */
int engine__dist_upstream_manifest(engine_distribution *d, const char *name, const char *canonical,
				   const char *reference, char **data, size_t *len,
				   char digest[ENGINE__DIGEST_LEN + 1]);
/* The upstream's tags of @name (NULL-terminated, malloc'd). */
int engine__dist_upstream_tags(engine_distribution *d, const char *name, char ***out);

/* A blob being fetched from the upstream, shared by every reader of it. */
typedef struct engine__dist_fetch {
	struct engine__dist_fetch *next;
	engine_distribution *dist;
	char digest[ENGINE__DIGEST_LEN + 1];
	char *path;	 /* upstream repository path */
	char *canonical; /* index entry to link it into */
	int fd;		 /* the temp file, for readers (pread) */
	int64_t size;	 /* -1 until the upstream says */
	int64_t written;
	bool started; /* the upstream answered (size known, or failed) */
	bool done;    /* stored, or failed */
	int err;
	char message[1024];
	unsigned refs; /* readers plus the fetching thread; under dist->lock */
} engine__dist_fetch;

/* Find or start the fetch of @digest (dist->lock held): a new reference. */
int engine__dist_fetch_get(engine_distribution *d, const char *name, const char *canonical,
			   const char *digest, engine__dist_fetch **out);
/* Drop a reference (takes dist->lock). */
void engine__dist_fetch_put(engine__dist_fetch *f);

/* --- uploads (uploads.c) ----------------------------------------------------- */
/* Discard every session (at free). dist->lock held. */
void engine__dist_uploads_clear(engine_distribution *d);

#endif
