/*
 * `engine daemon`: the Docker Engine API server, a user of the public
 * library API only. Shared state and helpers of its resource files
 * (system.c, containers.c, create.c, streams.c, exec.c, images.c).
 */
#ifndef ENGINE_TOOLS_DAEMON_H
#define ENGINE_TOOLS_DAEMON_H

#include <pthread.h>
#include <stdbool.h>

#include <engine.h>
#include <json-c/json.h>

#include "httpserver/httpserver.h"
#include "sysinfo.h"

#define DAEMON_API_VERSION SYSINFO_API_VERSION
/* The one runtime (/info's Runtimes, HostConfig.Runtime). */
#define DAEMON_RUNTIME_NAME "engine"
#define DAEMON_MIN_API_VERSION SYSINFO_MIN_API_VERSION

/* daemon.json, merged with the command line (config.c). */
struct dconfig {
	json_object *file;   /* the config file's object (validated), or an empty one */
	json_object *merged; /* what the library context is opened with */
	char **hosts;	     /* NULL-terminated */
	char *data_root;
	char *exec_root;
	char *pidfile;
	char *group;
	char *log_level;
	bool live_restore;
	bool tls, tlsverify;
	char *tlscacert, *tlscert, *tlskey;
};

/* A reference-counted library context: SIGHUP swaps in a new one, requests
 * in flight keep theirs. */
struct dctx {
	engine_context *ctx;
	int refs;
};

struct daemon {
	pthread_mutex_t lock; /* guards cur, the container table and exec table */
	pthread_cond_t cond;  /* broadcast on every container state change */
	struct dctx *cur;
	struct dconfig cfg;
	char *config_path;
	char *state_dir; /* <data-root>/daemon: the daemon's own records */
	char *effective_config;
	int log_level;
	struct dcont *containers;
	struct dexec *execs;
	hs_server *server;
	struct regserve *registry; /* the "registry" section's server, or NULL */
	struct dctx *registry_ctx; /* its context (kept across reloads) */
	char id[65];
};

extern struct daemon *the_daemon;

/* Log a line to stderr as dockerd does (level=info msg="..."). */
void dlog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current context with a reference; give it back with dctx_put. */
struct dctx *dctx_get(struct daemon *d);
void dctx_put(struct daemon *d, struct dctx *c);

/* The HTTP status for a library error code. */
int derr_status(int code);
/* runc's wording of why a process did not start (what dockerd passes on):
 * exec: "X": permission denied, chdir to cwd ("X") set in config.json failed */
void runc_wording(const char *msg, char *buf, size_t size);
/* Reply with the last library error, prefixed by @what when not NULL. */
void reply_engine_error(hs_request *req, const char *what);
/* 404 "No such image: busybox:latest", the reference as dockerd spells it. */
void reply_no_such_image(hs_request *req, const char *name);
/* 409 for a container name @name already holds, in dockerd's words after
 * @prefix (or the engine's error when @name names none). */
void reply_name_conflict(hs_request *req, engine_context *ctx, const char *name, const char *prefix);
/* Open the container {id} of the path; replies 404 itself and returns NULL. */
engine_container *open_container_param(hs_request *req, engine_context *ctx);

/* The h and w query values of a resize; replies 400 itself and returns -1. */
int resize_params(hs_request *req, unsigned *h, unsigned *w);

/* --- config.c --- */
int dconfig_load(struct dconfig *cfg, const char *path, char *err, size_t errlen);
void dconfig_free(struct dconfig *cfg);
/* Write the merged config for the library context to @path. */
int dconfig_write_effective(struct dconfig *cfg, const char *path, char *err, size_t errlen);
/* SIGHUP: reload the file, apply the reloadable keys, log what changed. */
int daemon_reload(struct daemon *d);

/* --- registry.c: the daemon's view of containers --- */

/* The daemon's record of a container: the Docker create body it came from
 * (Config, HostConfig, NetworkingConfig), plus what waits need. */
struct dcont {
	struct dcont *next;
	char id[65];
	json_object *meta; /* {"Config":..,"HostConfig":..,"Name":..} */
	unsigned exits;	   /* exits seen since the daemon started */
	int exit_code;
	bool running, watching, removed, removing;
	int exit_pipe[2]; /* write end closed at exit: pollable by attach/logs */
	int attachers;	  /* streams still draining output (AutoRemove waits) */
};

/* Load the records of every container and watch the running ones (live restore). */
int registry_restore(struct daemon *d, engine_context *ctx);
/* The record for @id, created when missing (caller holds d->lock). */
struct dcont *registry_get(struct daemon *d, const char *id);
/* Record the create body of a new container (persisted under state_dir). */
int registry_store_meta(struct daemon *d, const char *id, json_object *meta);
/* A borrowed reference to the stored record's field, or NULL (d->lock held). */
json_object *registry_meta(struct daemon *d, const char *id, const char *key);
/* The container was started: watch it until it exits (handles AutoRemove). */
void registry_started(struct daemon *d, const char *id);
/* The container was removed (drop the record, wake "removed" waiters). */
void registry_removed(struct daemon *d, const char *id);
/* Remove a container: kill when @force, drop records. Replies nothing. */
int registry_remove_container(struct daemon *d, engine_container *c, bool force, bool volumes);
/* A dup of the read end of the exit pipe of the current run, or of the
 * next one when the container is not running (EOF once that run ends). */
int registry_exit_fd(struct daemon *d, const char *id);

/* --- starter.c: containers are started from a clean single-threaded child --- */
/* Fork the starter (before any thread or listener exists). */
int starter_spawn(const char *root, const char *run_dir, const char *config_path);
/* engine_container_start() of container @id in the starter: 0, or the
 * negative ENGINE_E* code with the library's message in @message. */
int starter_start(const char *id, char *message, size_t mlen);
void starter_stop(void);

/* --- events.c --- */
/* Record an event: attribute pairs ("key", "value", ..., NULL). */
void events_emit(const char *type, const char *action, const char *id, ...) __attribute__((sentinel));
/* How many /events streams are open. */
int events_listeners(void);
/* A container event with its image and name, plus at most one more
 * attribute pair (or NULL). */
void events_container(engine_container *c, const char *action, ...);
/* dockerd's network connect/disconnect and volume mount/unmount events of
 * a container that starts (@up) or stops */
void events_resources(engine_container *c, bool up);

/* --- route tables, one per resource file, each ending with {NULL} --- */
extern const struct hs_route daemon_system_routes[];
extern const struct hs_route daemon_container_routes[];
extern const struct hs_route daemon_stream_routes[];
extern const struct hs_route daemon_exec_routes[];
extern const struct hs_route daemon_image_routes[];
extern const struct hs_route daemon_file_routes[];
extern const struct hs_route daemon_stats_routes[];
extern const struct hs_route daemon_event_routes[];
extern const struct hs_route daemon_image_io_routes[];
extern const struct hs_route daemon_build_routes[];
extern const struct hs_route daemon_network_routes[];
extern const struct hs_route daemon_volume_routes[];
extern const struct hs_route daemon_auth_routes[];
/* X-Registry-Auth's credentials (auth.c): *@user and *@pass malloc'd, both
 * NULL when the header has none. */
void registry_auth_header(hs_request *req, char **user, char **pass);

/* create.c */
void handle_container_create(hs_request *req, void *app);

/* --- netconfig.c: a container's networking in the API's terms --- */
struct neterr {
	int status;
	char msg[512];
};
/* "" and "default" are the default bridge, "bridge". */
const char *netconfig_mode_network(const char *mode);
/* The create body's network settings into @spec; -1 with @e set (status, message naming the field). */
int netconfig_apply(engine_context *ctx, engine_spec *spec, json_object *body, json_object *warnings,
		    struct neterr *e);
/* Connect a new container to the EndpointsConfig networks beyond its NetworkMode's. */
int netconfig_connect_extra(engine_context *ctx, const char *cid, json_object *body, struct neterr *e);
/* Complete inspect's NetworkSettings as dockerd fills them; @meta is the create body record (or NULL). */
void netconfig_settings(engine_context *ctx, json_object *ins, json_object *meta);
/* The list's filters network (name or ID), publish and expose ("80",
 * "80/udp", "8000-8080/tcp") on a completed inspect object: 1 or 0, -1
 * for another key. */
int netconfig_filter(json_object *ins, const char *key, const char *want);
/* The container list's Ports array from a completed inspect object. */
json_object *netconfig_list_ports(json_object *ins);

/* The "filters" query as a JSON object (NULL when absent); every key must be
 * in @known, and the old form {"key": {"value": true}} is turned into the
 * list form {"key": ["value"]}. Replies 400 itself and returns -1. */
int filters_parse(hs_request *req, const char *const *known, json_object **out);
/* The first value of filter @key ("true" when it is given without one), or NULL. */
const char *filter_first(json_object *filters, const char *key);
/* A prune filter's `until` as dockerd reads it: a Go duration before now
 * ("10m", "1h30m"), unix seconds ("1700000000.5") or RFC 3339; nanoseconds
 * since the epoch, -1 when @s is none of those. */
int64_t parse_until(const char *s);

/* Docker's time formats. */
void format_rfc3339(int64_t ns, char *buf, size_t len);
/* "Up 3 seconds", "Exited (7) 2 minutes ago" */
void format_status(const char *state, int exit_code, int64_t started_ns, int64_t finished_ns, char *buf,
		   size_t len);
/* Parse an RFC 3339 time ("2024-01-02T03:04:05.123456789Z") into ns; 0 for "". */
int64_t parse_rfc3339(const char *s);

/* The library's inspect JSON for @c as an object (NULL with the error set). */
json_object *container_inspect_obj(engine_container *c);
/* ?size=1 of inspect and list: SizeRw (the writable layer) and SizeRootFs
 * (that plus the image) added to @dst. */
void container_add_sizes(engine_context *ctx, engine_container *c, json_object *ins, json_object *dst);
/* The IDs of @container_id's exec instances that have not ended (inspect's
 * ExecIDs), or NULL when there are none (exec.c). */
json_object *exec_ids(struct daemon *d, const char *container_id);
/* Drop the exec records of a removed container (in-use ones at their end). */
void exec_container_removed(struct daemon *d, const char *container_id);

/* A present member of object @o, or NULL; jget_str: NULL unless it is a string. */
json_object *jget(json_object *o, const char *key);
const char *jget_str(json_object *o, const char *key);
/* Whether @v holds other than its type's zero (false, 0, "", [], {}, null). */
bool jis_set(json_object *v);
/* Add @v as @key unless @o has that member (then @v is released). */
void jput_default(json_object *o, const char *key, json_object *v);
/* Add string members: jset_strs(o, "Key", "value", ..., NULL). */
void jset_strs(json_object *o, ...) __attribute__((sentinel));

/* The 8-byte stream header of Docker's multiplexed streams. */
void frame_header(unsigned char hdr[8], int stream, size_t len);

#endif
