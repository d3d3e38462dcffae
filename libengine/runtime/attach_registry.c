/*
 * Connections to a container's monitor made before it exists: the
 * context's list of queued attachments and waiters that the next
 * engine_container_start() through the same context hands to the new
 * monitor, and the helper every client of a monitor connects through.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/relay.h"
#include "util/cleanup.h"

/* --- attachments waiting for a start (per context) ------------------------ */

typedef struct pending {
	char id[65];
	int fd; /* the monitor's end */
	unsigned long token;
} pending;

typedef struct registry {
	pthread_mutex_t lock;
	pending *items;
	size_t n;
	unsigned long next_token;
} registry;

static void *registry_new(engine_context *ctx)
{
	registry *r = calloc(1, sizeof(*r));

	(void)ctx;
	if (!r) {
		engine__error_oom();
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

static void registry_free(void *data)
{
	registry *r = data;

	for (size_t i = 0; i < r->n; i++)
		close(r->items[i].fd);
	free(r->items);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static registry *get_registry(engine_context *ctx)
{
	return engine__context_ext(ctx, ENGINE__EXT_ATTACH, registry_new, registry_free);
}

int engine__attach_register(engine_context *ctx, const char *id, int fd, unsigned long *token)
{
	registry *r = get_registry(ctx);
	pending *g;

	if (!r)
		return engine_error_last()->code ? engine_error_last()->code : ENGINE_ENOMEM;
	pthread_mutex_lock(&r->lock);
	g = realloc(r->items, (r->n + 1) * sizeof(*g));
	if (!g) {
		pthread_mutex_unlock(&r->lock);
		return engine__error_oom();
	}
	r->items = g;
	snprintf(g[r->n].id, sizeof(g[r->n].id), "%s", id);
	g[r->n].fd = fd;
	g[r->n].token = *token = ++r->next_token;
	r->n++;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

bool engine__attach_unregister(engine_context *ctx, unsigned long token)
{
	registry *r = get_registry(ctx);
	bool found = false;

	if (!r)
		return false;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n; i++)
		if (r->items[i].token == token) {
			close(r->items[i].fd);
			r->items[i] = r->items[--r->n];
			found = true;
			break;
		}
	pthread_mutex_unlock(&r->lock);
	return found;
}

int engine__attach_take_pending(engine_context *ctx, const char *id, int **fds, size_t *n)
{
	registry *r;
	int *out = NULL;

	*fds = NULL;
	*n = 0;
	r = get_registry(ctx);
	if (!r)
		return engine_error_last()->code ? engine_error_last()->code : ENGINE_ENOMEM;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n;) {
		int *g;

		if (strcmp(r->items[i].id, id) != 0) {
			i++;
			continue;
		}
		g = realloc(out, (*n + 1) * sizeof(*g));
		if (!g) {
			pthread_mutex_unlock(&r->lock);
			for (size_t k = 0; k < *n; k++)
				close(out[k]);
			free(out);
			*n = 0;
			return engine__error_oom();
		}
		out = g;
		out[(*n)++] = r->items[i].fd;
		r->items[i] = r->items[--r->n];
	}
	pthread_mutex_unlock(&r->lock);
	*fds = out;
	return 0;
}

/* --- connecting ----------------------------------------------------------- */

int engine__relay_send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return engine__error_set(ENGINE_EIO, errno, "write to the container's monitor: %s",
						 strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, void *data, size_t len)
{
	char *p = data;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_set(ENGINE_EIO, errno, "read from the container's monitor: %s",
						 strerror(errno));
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

int engine__relay_open(const char *dir, const engine__relay_req *req, engine__relay_rep *rep)
{
	cleanup_close int fd = engine__relay_connect(dir);
	int r;

	if (fd < 0)
		return fd;
	r = engine__relay_send_all(fd, req, sizeof(*req));
	if (r == 0 && rep) {
		r = recv_all(fd, rep, sizeof(*rep));
		if (r == 1)
			r = rep->magic == ENGINE__RELAY_MAGIC ? 0
							      : engine__error_set(ENGINE_EIO, 0, "bad reply");
		else if (r == 0)
			r = ENGINE_ENOTFOUND;
	}
	/* The monitor closed its socket with us in its backlog: it is on its
	 * way out, as if it were not there. */
	if (r == ENGINE_ENOTFOUND || (r < 0 && (engine_error_last()->sys_errno == ECONNRESET ||
						engine_error_last()->sys_errno == EPIPE)))
		return engine__error_set(ENGINE_ENOTFOUND, 0, "the container's monitor is not running");
	if (r < 0)
		return r;
	return steal_fd(fd);
}
