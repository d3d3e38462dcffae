/*
 * The engine CLI as a Docker Engine API client: with -H / ENGINE_HOST the
 * commands below talk to a daemon (engine daemon, or dockerd) instead of
 * using the library directly. libcurl carries the requests (unix sockets,
 * TCP, TLS with client certificates) and is loaded only then; upgraded
 * attach streams use its connect-only mode.
 */
#ifndef ENGINE_TOOLS_CLIENT_H
#define ENGINE_TOOLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

struct client_opts {
	const char *host; /* unix:///path, tcp://host:port */
	bool tls, tlsverify;
	const char *tlscacert, *tlscert, *tlskey;
};

extern struct client_opts client_opts;

/* Run a client command (argv[0] is its name); 127 when unknown. */
int client_dispatch(int argc, char **argv);
/* engine -H ADDR exec (exec.c) and run (run.c). */
int client_exec(int argc, char **argv);
int client_run(int argc, char **argv);
/* POST /containers/{id}/wait[?condition=]: the exit status, -1 after a
 * message (commands.c). */
int client_wait(const char *id, const char *condition);
/* Relay an attached stream until the daemon ends it (exec.c): output to
 * stdout/stderr (8-byte frames unless @tty), stdin in with @use_stdin (its
 * end half-closes the connection), with @tty the terminal raw and its size
 * sent to @base's resize endpoint ("/exec/ID", "/containers/ID") at the
 * start and on SIGWINCH. */
struct client_stream;
void client_relay(struct client_stream *s, bool tty, bool use_stdin, const char *base);

/* A request with an optional JSON body. Returns the HTTP status (the body,
 * NUL-terminated, in *out, freed by the caller), or -1 with a message
 * printed. */
int client_request(const char *method, const char *path, json_object *body, char **out, size_t *out_len);
/* The daemon's error message of a reply body ({"message"}), or the body. */
const char *client_error_message(const char *body);

/* An upgraded (hijacked) connection: POST @path with Upgrade: tcp; the raw
 * stream afterwards. */
typedef struct client_stream client_stream;
int client_stream_open(const char *path, client_stream **out);
/* The same with a JSON request body (exec start's). */
int client_stream_open_body(const char *path, const char *body, client_stream **out);
/* Read up to @len bytes: >0, 0 at EOF, -1 on error. */
long client_stream_read(client_stream *s, void *buf, size_t len);
/* Without waiting: -2 when nothing is there yet (poll client_stream_fd;
 * bytes that came with the reply head first: client_stream_pending). */
long client_stream_read_some(client_stream *s, void *buf, size_t len);
bool client_stream_pending(const client_stream *s);
int client_stream_fd(client_stream *s);
/* Write all of @buf (stdin for the container); -1 when the stream is gone. */
int client_stream_write(client_stream *s, const void *buf, size_t len);
/* The end of stdin: half-close the connection, as docker's CLI does. */
void client_stream_close_write(client_stream *s);
void client_stream_close(client_stream *s);

#endif
