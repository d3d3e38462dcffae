/*
 * The header deadline (slowloris): a connection must deliver a request's
 * headers within cfg.header_timeout seconds of opening (the TLS handshake
 * included) or of the end of its previous request, however slowly it keeps
 * sending. libmicrohttpd's own timeout only counts idle time, so a client
 * sending a byte now and then would hold its connection (and thread)
 * forever. A watchdog thread shuts the socket of a connection past its
 * deadline down; libmicrohttpd's thread then sees the end of the stream
 * and closes it. Bodies, streamed replies and upgraded connections are not
 * bounded: the deadline is off from the headers until the request ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "internal.h"

struct hs_conn {
	struct hs_conn *prev, *next;
	int fd;
	time_t deadline; /* CLOCK_MONOTONIC seconds; 0: waiting for nothing */
	bool cut;
};

static time_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void *watchdog(void *arg)
{
	hs_server *s = arg;
	struct timespec until;

	pthread_mutex_lock(&s->conn_lock);
	while (!s->stopping) {
		time_t now = now_mono();
		unsigned cut = 0;

		for (struct hs_conn *c = s->conns; c; c = c->next)
			if (c->deadline && !c->cut && now >= c->deadline) {
				/* The fd stays open until the CLOSED notification,
				 * which takes conn_lock: it is still this socket. */
				shutdown(c->fd, SHUT_RDWR);
				c->cut = true;
				cut++;
			}
		if (cut)
			hs__log(s, 2, "closed %u connection(s) that sent no complete request headers in %u s",
				cut, s->cfg.header_timeout);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&s->conn_cond, &s->conn_lock, &until);
	}
	pthread_mutex_unlock(&s->conn_lock);
	return NULL;
}

int hs__deadline_init(hs_server *s)
{
	pthread_condattr_t attr;
	int r;

	pthread_mutex_init(&s->conn_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->conn_cond, &attr);
	pthread_condattr_destroy(&attr);
	r = pthread_create(&s->watchdog, NULL, watchdog, s);
	if (r != 0) {
		pthread_cond_destroy(&s->conn_cond);
		pthread_mutex_destroy(&s->conn_lock);
		errno = r;
		return -1;
	}
	s->watchdog_running = true;
	return 0;
}

void hs__deadline_fini(hs_server *s)
{
	if (!s->watchdog_running)
		return;
	pthread_mutex_lock(&s->conn_lock);
	s->stopping = true;
	pthread_cond_signal(&s->conn_cond);
	pthread_mutex_unlock(&s->conn_lock);
	pthread_join(s->watchdog, NULL);
	/* The listeners are stopped: every connection was notified closed. */
	pthread_cond_destroy(&s->conn_cond);
	pthread_mutex_destroy(&s->conn_lock);
	s->watchdog_running = false;
}

void hs__deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			 enum MHD_ConnectionNotificationCode code)
{
	hs_listener *l = cls;
	hs_server *s = l->server;
	struct hs_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		c = calloc(1, sizeof(*c));
		if (!c || !ci) {
			free(c);
			return; /* not watched: bounded by the idle timeout only */
		}
		c->fd = ci->connect_fd;
		pthread_mutex_lock(&s->conn_lock);
		c->deadline = now_mono() + s->cfg.header_timeout;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->conn_lock);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&s->conn_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->conn_lock);
	free(c);
	*socket_context = NULL;
}

/* Headers in (@armed false), or the request over (true: the next one's
 * headers have until the deadline). */
void hs__deadline_set(hs_server *s, struct MHD_Connection *conn, bool armed)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct hs_conn *c = ci ? ci->socket_context : NULL;

	if (!c)
		return;
	pthread_mutex_lock(&s->conn_lock);
	c->deadline = armed ? now_mono() + s->cfg.header_timeout : 0;
	pthread_mutex_unlock(&s->conn_lock);
}
