/*
 * The loopback forwarder, like docker-proxy: DNAT never sees connections
 * to 127.0.0.1 (they do not leave the host's loopback), so a thread of the
 * process that owns the container (the engine_run caller, or the detached
 * container's monitor) accepts on the published address and relays bytes
 * to the container's address. Its listening sockets also hold the host
 * ports, so a second container cannot publish the same one. TCP streams
 * are relayed with half-close; UDP datagrams through one upstream socket
 * per client, dropped after a minute of silence.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "net/internal.h"

#define BUF 16384
#define UDP_IDLE_SECONDS 60

typedef struct conn {
	int fd[2]; /* client, upstream */
	char buf[2][BUF];
	size_t len[2], off[2];
	bool eof[2], shut[2], connecting;
} conn;

typedef struct udp_peer {
	int lfd; /* the listening socket it came in on */
	int up;	 /* connected to the container */
	struct sockaddr_in client;
	time_t last;
} udp_peer;

struct engine__forwarder {
	pthread_t thread;
	int stop_fd;
	size_t n;
	int *lfd;
	engine__port *ports;
	uint32_t ip;
	conn **conns;
	size_t nconns;
	udp_peer *peers;
	size_t npeers;
};

static int upstream(const engine__forwarder *f, size_t i, int type)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(f->ip);
	sa.sin_port = htons(f->ports[i].ctr_port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(conn *c)
{
	close(c->fd[0]);
	close(c->fd[1]);
	free(c);
}

static void accept_tcp(engine__forwarder *f, size_t i)
{
	for (;;) {
		int cfd = accept4(f->lfd[i], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		conn *c, **grown;

		if (cfd < 0)
			return;
		c = calloc(1, sizeof(*c));
		grown = c ? realloc(f->conns, (f->nconns + 1) * sizeof(*grown)) : NULL;
		if (!grown) {
			free(c);
			close(cfd);
			return;
		}
		f->conns = grown;
		c->fd[0] = cfd;
		c->fd[1] = upstream(f, i, SOCK_STREAM);
		if (c->fd[1] < 0) {
			close(cfd);
			free(c);
			continue;
		}
		c->connecting = true;
		f->conns[f->nconns++] = c;
	}
}

/* Move bytes one way; false when the connection is finished or broken. */
static bool pump(conn *c, int d, short rev_src, short rev_dst)
{
	int src = c->fd[d], dst = c->fd[1 - d];

	if ((rev_src & (POLLIN | POLLHUP | POLLERR)) && c->len[d] == 0 && !c->eof[d]) {
		ssize_t n = read(src, c->buf[d], BUF);

		if (n > 0) {
			c->len[d] = (size_t)n;
			c->off[d] = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			c->eof[d] = true;
			if (n < 0)
				return false;
		}
	}
	(void)rev_dst;
	if (c->len[d]) {
		ssize_t n = write(dst, c->buf[d] + c->off[d], c->len[d]);

		if (n > 0) {
			c->off[d] += (size_t)n;
			c->len[d] -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			return false;
		}
	}
	if (c->eof[d] && !c->len[d] && !c->shut[d]) {
		shutdown(dst, SHUT_WR);
		c->shut[d] = true;
	}
	return !(c->shut[0] && c->shut[1]);
}

static void udp_in(engine__forwarder *f, size_t i)
{
	char buf[65536];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(f->lfd[i], buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) >= 0) {
		udp_peer *p = NULL;

		for (size_t k = 0; k < f->npeers && !p; k++)
			if (f->peers[k].lfd == f->lfd[i] && f->peers[k].client.sin_port == from.sin_port &&
			    f->peers[k].client.sin_addr.s_addr == from.sin_addr.s_addr)
				p = &f->peers[k];
		if (!p) {
			udp_peer *grown = realloc(f->peers, (f->npeers + 1) * sizeof(*grown));
			int up;

			if (!grown)
				return;
			f->peers = grown;
			up = upstream(f, i, SOCK_DGRAM);
			if (up < 0)
				continue;
			p = &f->peers[f->npeers++];
			*p = (udp_peer){f->lfd[i], up, from, 0};
		}
		p->last = time(NULL);
		if (send(p->up, buf, (size_t)n, 0) < 0) {
			/* dropped, as UDP may be */
		}
		fl = sizeof(from);
	}
}

static void udp_back(udp_peer *p)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(p->up, buf, sizeof(buf), 0)) >= 0) {
		p->last = time(NULL);
		if (sendto(p->lfd, buf, (size_t)n, 0, (struct sockaddr *)&p->client, sizeof(p->client)) < 0) {
			/* dropped */
		}
	}
}

static void service_conns(engine__forwarder *f, const struct pollfd *pfd, size_t polled)
{
	size_t keep = 0;

	for (size_t k = 0; k < f->nconns; k++) {
		conn *c = f->conns[k];
		bool alive = true;

		if (k < polled) {
			short r0 = pfd[2 * k].revents, r1 = pfd[2 * k + 1].revents;

			if (c->connecting && r1) {
				int err = 0;
				socklen_t el = sizeof(err);

				getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &el);
				c->connecting = false;
				alive = err == 0;
			} else if (!c->connecting && (r0 || r1)) {
				alive = pump(c, 0, r0, r1) && pump(c, 1, r1, r0);
			}
		}
		if (alive)
			f->conns[keep++] = c;
		else
			conn_close(c);
	}
	f->nconns = keep;
}

static void service_peers(engine__forwarder *f, const struct pollfd *pfd, size_t polled, time_t now)
{
	size_t keep = 0;

	for (size_t k = 0; k < f->npeers; k++) {
		udp_peer *p = &f->peers[k];

		if (k < polled && pfd[k].revents)
			udp_back(p);
		if (p->last && now - p->last > UDP_IDLE_SECONDS)
			close(p->up);
		else
			f->peers[keep++] = *p;
	}
	f->npeers = keep;
}

static void *loop(void *arg)
{
	engine__forwarder *f = arg;

	for (;;) {
		size_t nconns = f->nconns, npeers = f->npeers, np = 0;
		struct pollfd *pfd = calloc(1 + f->n + 2 * nconns + npeers, sizeof(*pfd));
		time_t now = time(NULL);

		if (!pfd) {
			sleep(1);
			continue;
		}
		pfd[np++] = (struct pollfd){.fd = f->stop_fd, .events = POLLIN};
		for (size_t i = 0; i < f->n; i++)
			pfd[np++] = (struct pollfd){.fd = f->lfd[i], .events = POLLIN};
		for (size_t k = 0; k < nconns; k++) {
			conn *c = f->conns[k];

			for (int d = 0; d < 2; d++) {
				short ev = 0;

				if (c->connecting) {
					ev = d == 1 ? POLLOUT : 0;
				} else {
					if (!c->len[d] && !c->eof[d])
						ev |= POLLIN;
					if (c->len[1 - d])
						ev |= POLLOUT;
				}
				pfd[np++] = (struct pollfd){.fd = c->fd[d], .events = ev};
			}
		}
		for (size_t k = 0; k < npeers; k++)
			pfd[np++] = (struct pollfd){.fd = f->peers[k].up, .events = POLLIN};
		if (poll(pfd, np, 5000) < 0) {
			free(pfd);
			continue;
		}
		if (pfd[0].revents) {
			free(pfd);
			return NULL;
		}
		/* Existing connections first: accepting grows the arrays. */
		service_conns(f, pfd + 1 + f->n, nconns);
		service_peers(f, pfd + 1 + f->n + 2 * nconns, npeers, now);
		for (size_t i = 0; i < f->n; i++)
			if (pfd[1 + i].revents & POLLIN) {
				if (f->ports[i].proto == IPPROTO_UDP)
					udp_in(f, i);
				else
					accept_tcp(f, i);
			}
		free(pfd);
	}
}

int engine__forwarder_start(const int *fds, const engine__port *ports, size_t n, uint32_t ctr_ip,
			    engine__forwarder **out)
{
	engine__forwarder *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return engine__error_oom();
	f->lfd = calloc(n ? n : 1, sizeof(int));
	f->ports = calloc(n ? n : 1, sizeof(*ports));
	f->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!f->lfd || !f->ports || f->stop_fd < 0) {
		r = f->stop_fd < 0 ? engine__error_errno(errno, "eventfd") : engine__error_oom();
		goto fail;
	}
	memcpy(f->lfd, fds, n * sizeof(int));
	memcpy(f->ports, ports, n * sizeof(*ports));
	f->n = n;
	f->ip = ctr_ip;
	r = pthread_create(&f->thread, NULL, loop, f);
	if (r != 0) {
		r = engine__error_errno(r, "start the port forwarder");
		goto fail;
	}
	*out = f;
	return 0;
fail:
	if (f->stop_fd >= 0)
		close(f->stop_fd);
	free(f->lfd);
	free(f->ports);
	free(f);
	return r;
}

void engine__forwarder_stop(engine__forwarder *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	if (write(f->stop_fd, &one, sizeof(one)) != sizeof(one)) {
		/* an eventfd write of 1 cannot fail short of overflow */
	}
	pthread_join(f->thread, NULL);
	close(f->stop_fd);
	for (size_t k = 0; k < f->nconns; k++)
		conn_close(f->conns[k]);
	for (size_t k = 0; k < f->npeers; k++)
		close(f->peers[k].up);
	for (size_t i = 0; i < f->n; i++)
		close(f->lfd[i]);
	free(f->conns);
	free(f->peers);
	free(f->lfd);
	free(f->ports);
	free(f);
}
