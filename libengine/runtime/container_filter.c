/*
 * Which containers a docker ps --filter / container prune --filter list
 * selects: id (prefix), name (regular expression), label, exited, status,
 * ancestor, before, since, volume, health, network; prunes take until,
 * label and label! instead.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/store.h"
#include "runtime/lifecycle.h"
#include "runtime/container_filter.h"
#include "util/cleanup.h"
#include "util/json.h"

static const char *const list_keys[] = {"id",	    "name",    "label", "exited", "status",
					"ancestor", "before",  "since", "volume", "health",
					"network",  "is-task", NULL};
static const char *const prune_keys[] = {"until", "label", "label!", NULL};

static const char *const statuses[] = {"created", "restarting", "running", "removing",
				       "paused",  "exited",	"dead",	   NULL};

/* The creation time of the container named by a before/since filter. */
static int created_of(engine_context *ctx, const char *key, int64_t *out)
{
	engine_container *c = NULL;
	int r = engine_container_open(ctx, key, &c);

	if (r < 0)
		return r;
	*out = engine__json_get_int(c->config, "Created", 0);
	engine_container_free(c);
	return 0;
}

int engine__cfilter_init(engine_context *ctx, const engine_strarray *filters, bool prune, engine__cfilter *f)
{
	int r;

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	r = engine__filters_parse(filters, prune ? prune_keys : list_keys, &f->f);
	if (r < 0)
		return r;
	for (size_t i = 0; i < f->f.n && r == 0; i++) {
		const char *k = f->f.items[i].key, *v = f->f.items[i].value;
		int64_t t;

		if (strcmp(k, "status") == 0) {
			bool ok = false;

			for (size_t s = 0; statuses[s] && !ok; s++)
				ok = strcmp(statuses[s], v) == 0;
			if (!ok)
				r = engine__error_set(ENGINE_EINVALID, 0,
						      "invalid filter 'status=%s': use created, restarting, "
						      "running, removing, paused, exited or dead",
						      v);
		} else if (strcmp(k, "before") == 0 || strcmp(k, "since") == 0) {
			r = created_of(ctx, v, &t);
			if (r == 0 && k[0] == 'b' && (!f->has_before || t < f->before))
				f->before = t, f->has_before = true;
			if (r == 0 && k[0] == 's' && (!f->has_since || t > f->since))
				f->since = t, f->has_since = true;
		} else if (strcmp(k, "until") == 0) {
			r = engine__filter_time(v, &t);
			if (r == 0 && (!f->has_until || t < f->until))
				f->until = t, f->has_until = true;
		} else if (strcmp(k, "health") == 0 && strcmp(v, "starting") != 0 &&
			   strcmp(v, "healthy") != 0 && strcmp(v, "unhealthy") != 0 &&
			   strcmp(v, "none") != 0) {
			r = engine__error_set(
			    ENGINE_EINVALID, 0,
			    "invalid filter 'health=%s': use starting, healthy, unhealthy or none", v);
		}
	}
	if (r < 0)
		engine__filters_clear(&f->f);
	return r;
}

void engine__cfilter_clear(engine__cfilter *f)
{
	engine__filters_clear(&f->f);
}

bool engine__cfilter_wants_stopped(const engine__cfilter *f)
{
	return engine__filters_has(&f->f, "status") || engine__filters_has(&f->f, "exited");
}

typedef struct subject {
	engine__cfilter *f;
	engine_container *c;
	const engine__cstate *st;
	json_object *labels;
} subject;

static bool m_id(const char *v, void *a)
{
	return strncmp(((subject *)a)->c->id, v, strlen(v)) == 0;
}

static bool m_name(const char *v, void *a)
{
	const char *name = ((subject *)a)->c->name;
	char slashed[256];

	snprintf(slashed, sizeof(slashed), "/%s", name);
	return engine__filter_regex(v, name) || engine__filter_regex(v, slashed);
}

static bool m_label(const char *v, void *a)
{
	return engine__filter_label(v, ((subject *)a)->labels);
}

static bool m_not_label(const char *v, void *a)
{
	return !engine__filter_label(v, ((subject *)a)->labels);
}

static bool m_status(const char *v, void *a)
{
	return strcmp(((subject *)a)->st->status, v) == 0;
}

static bool m_exited(const char *v, void *a)
{
	const subject *s = a;
	char *end;
	long code = strtol(v, &end, 10);

	return !*end && strcmp(s->st->status, "exited") == 0 && s->st->exit_code == code;
}

static bool m_ancestor(const char *v, void *a)
{
	const subject *s = a;
	const char *image = engine__json_get_string(s->c->config, "Image");
	const char *image_id = engine__json_get_string(s->c->config, "ImageID");
	char id[ENGINE__DIGEST_LEN + 1];

	if (image && strcmp(image, v) == 0)
		return true;
	if (engine__image_lookup(s->f->ctx, v, id) < 0) {
		engine_error_clear();
		return false;
	}
	return image_id && strcmp(image_id, id) == 0;
}

static bool m_volume(const char *v, void *a)
{
	const engine_spec *s = ((subject *)a)->c->spec;

	for (size_t i = 0; i < s->n_mounts; i++)
		if ((s->mounts[i].src && strcmp(s->mounts[i].src, v) == 0) ||
		    (s->mounts[i].volume && strcmp(s->mounts[i].volume, v) == 0) ||
		    strcmp(s->mounts[i].dst, v) == 0)
			return true;
	return false;
}

static bool m_health(const char *v, void *a)
{
	return strcmp(engine__container_health(((subject *)a)->c), v) == 0;
}

static bool m_network(const char *v, void *a)
{
	const engine_spec *s = ((subject *)a)->c->spec;

	return strcmp(s->network ? s->network : (s->net_host ? "host" : "none"), v) == 0;
}

static bool m_never(const char *v, void *a)
{
	(void)a;
	/* no swarm: no container is a task */
	return strcmp(v, "false") == 0;
}

bool engine__cfilter_match(engine__cfilter *f, engine_container *c, const engine__cstate *st)
{
	static const struct {
		const char *key;
		bool (*fn)(const char *, void *);
	} keys[] = {
	    {"id", m_id},	  {"name", m_name},	  {"label", m_label},	    {"label!", m_not_label},
	    {"status", m_status}, {"exited", m_exited},	  {"ancestor", m_ancestor}, {"volume", m_volume},
	    {"health", m_health}, {"network", m_network}, {"is-task", m_never},
	};
	int64_t created = engine__json_get_int(c->config, "Created", 0);
	subject s = {f, c, st, NULL};
	bool ok = true;

	if (!f || f->f.n == 0)
		return true;
	if ((f->has_before && created >= f->before) || (f->has_since && created <= f->since) ||
	    (f->has_until && created >= f->until))
		return false;
	s.labels = engine__container_labels(c);
	/* label! excludes on any match (docker prune's semantics) */
	for (size_t i = 0; i < f->f.n && ok; i++)
		if (strcmp(f->f.items[i].key, "label!") == 0 && !m_not_label(f->f.items[i].value, &s))
			ok = false;
	for (size_t k = 0; ok && k < sizeof(keys) / sizeof(keys[0]); k++)
		if (strcmp(keys[k].key, "label!") != 0 && strcmp(keys[k].key, "label") != 0)
			ok = engine__filters_any(&f->f, keys[k].key, keys[k].fn, &s);
	/* label: every one given must match (docker's semantics for labels) */
	for (size_t i = 0; i < f->f.n && ok; i++)
		if (strcmp(f->f.items[i].key, "label") == 0 && !m_label(f->f.items[i].value, &s))
			ok = false;
	json_object_put(s.labels);
	return ok;
}
