/*
 * The one SWIG interface for every language binding of libengine.
 *
 * It %includes the public headers unchanged and adds only the conventions
 * that the headers document in prose, so that each language can follow them:
 *   - a non-const `engine_strarray *` parameter is an output list the caller
 *     disposes; a `const engine_strarray *` parameter is an input list;
 *   - a `char **` parameter is an output string freed with engine_free();
 *   - a `T **` parameter is an output handle;
 *   - functions returning int return 0 or a negative ENGINE_E* code, and the
 *     details are in engine_error_last() on the same thread.
 * How each convention looks in a language lives in python.i / go.i.
 *
 * Options structs own the strings the binding stores in them (copied on set,
 * freed with the struct), so a language never has to keep C memory alive.
 */
%module(package="engine") capi

%{
#include <stdlib.h>
#include <string.h>
#include <engine.h>
%}

/* The export macro and the C++ guards mean nothing to SWIG. */
#define ENGINE_EXTERN
#define ENGINE_BEGIN_DECLS
#define ENGINE_END_DECLS

%include <stdint.i>

/* Helpers every language's typemaps use: owned copies of input lists. */
%{
static void capi_strarray_clear(engine_strarray *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->count; i++)
		free(a->strings[i]);
	free(a->strings);
	a->strings = NULL;
	a->count = 0;
}

/* Deep-copy @src into @dst (which must be empty); 0 or -1 on ENOMEM. */
static int capi_strarray_copy(engine_strarray *dst, const engine_strarray *src)
{
	dst->strings = NULL;
	dst->count = 0;
	if (!src || src->count == 0)
		return 0;
	dst->strings = calloc(src->count + 1, sizeof(char *));
	if (!dst->strings)
		return -1;
	for (size_t i = 0; i < src->count; i++) {
		dst->strings[i] = strdup(src->strings[i] ? src->strings[i] : "");
		if (!dst->strings[i]) {
			dst->count = i;
			capi_strarray_clear(dst);
			return -1;
		}
	}
	dst->count = src->count;
	return 0;
}

static char *capi_strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}
%}

/*
 * Memory the library hands back is released by the typemaps, and the log
 * callback is a C function pointer that Python and Go cannot provide safely
 * from arbitrary threads: bindings use engine_context_set_log_fd() instead.
 */
%ignore engine_free;
%ignore engine_strarray_dispose;
%ignore engine_context_set_log_callback;
%ignore engine_strarray; /* lists convert to native lists */
%ignore engine_log_fn;

/* Read-only structs the library fills in. */
%immutable engine_error::code;
%immutable engine_error::sys_errno;
%immutable engine_error::message;
%immutable engine_image_summary::id;
%immutable engine_image_summary::tags;
%immutable engine_image_summary::created;
%immutable engine_image_summary::size;

/*
 * Options structs: string members are copied on set and freed with the
 * struct, list members are set through set_<member>(list) with the same
 * ownership. Lists are write-only (nothing reads options back).
 */
%typemap(memberin) const char * {
	free((char *)$1);
	$1 = capi_strdup_or_null($input);
}

%define ENGINE_STRARRAY_MEMBER(STRUCT, MEMBER)
%ignore STRUCT::MEMBER;
%extend STRUCT {
	void set_ ## MEMBER(const engine_strarray *value) {
		capi_strarray_clear(&$self->MEMBER);
		capi_strarray_copy(&$self->MEMBER, value);
	}
}
%enddef

/* A destructor that frees what the setters copied. FREE_MEMBERS is a
 * statement list over `o`. */
%define ENGINE_OWNING_STRUCT(STRUCT, FREE_MEMBERS)
%extend STRUCT {
	~STRUCT() {
		STRUCT *o = $self;
		FREE_MEMBERS
		free(o);
	}
}
%enddef

#ifdef SWIGPYTHON
%include "python.i"
#endif
#ifdef SWIGGO
%include "go.i"
#endif

/* ---- common, errors, context ------------------------------------------ */
%include "engine/common.h"
%include "engine/errors.h"

ENGINE_OWNING_STRUCT(engine_context_options,
	free((char *)o->root); free((char *)o->run_dir); free((char *)o->config_path);)
%include "engine/context.h"

/* ---- images and store ------------------------------------------------- */
ENGINE_OWNING_STRUCT(engine_image_load_options, free((char *)o->tag); free((char *)o->platform);)

ENGINE_STRARRAY_MEMBER(engine_image_import_options, env)
ENGINE_STRARRAY_MEMBER(engine_image_import_options, cmd)
ENGINE_STRARRAY_MEMBER(engine_image_import_options, entrypoint)
ENGINE_STRARRAY_MEMBER(engine_image_import_options, labels)
ENGINE_STRARRAY_MEMBER(engine_image_import_options, exposed_ports)
ENGINE_STRARRAY_MEMBER(engine_image_import_options, volumes)
ENGINE_OWNING_STRUCT(engine_image_import_options,
	free((char *)o->ref); free((char *)o->working_dir); free((char *)o->user);
	free((char *)o->comment); capi_strarray_clear(&o->env); capi_strarray_clear(&o->cmd);
	capi_strarray_clear(&o->entrypoint); capi_strarray_clear(&o->labels);
	capi_strarray_clear(&o->exposed_ports); capi_strarray_clear(&o->volumes);)
%include "engine/image.h"
%include "engine/store.h"

/* ---- specs and containers --------------------------------------------- */
/* A byte buffer with its length (captured output): bytes / []byte. */
%inline %{
typedef struct capi_bytes {
	const char *data;
	size_t len;
} capi_bytes;
%}
%ignore capi_bytes;

%ignore engine_run_result::stdout_data;
%ignore engine_run_result::stdout_len;
%ignore engine_run_result::stderr_data;
%ignore engine_run_result::stderr_len;
%immutable engine_run_result::id;
%immutable engine_run_result::exit_code;
%immutable engine_run_result::signal;
%immutable engine_run_result::oom_killed;
%immutable engine_run_result::timed_out;
%immutable engine_run_result::duration;
%extend engine_run_result {
	/* Proxies own their result: dropping one frees it. */
	~engine_run_result() {
		engine_run_result_free($self);
	}
	capi_bytes stdout_bytes() {
		capi_bytes b = { $self->stdout_data, $self->stdout_len };
		return b;
	}
	capi_bytes stderr_bytes() {
		capi_bytes b = { $self->stderr_data, $self->stderr_len };
		return b;
	}
}
%immutable engine_container_stats::memory_usage;
%immutable engine_container_stats::memory_limit;
%immutable engine_container_stats::cpu_usage_ns;
%immutable engine_container_stats::pids;
%immutable engine_container_stats::memory_max_usage;
%immutable engine_container_stats::memory_inactive_file;
%immutable engine_container_stats::oom_kills;
%immutable engine_container_stats::cpu_user_ns;
%immutable engine_container_stats::cpu_system_ns;
%immutable engine_container_stats::cpu_periods;
%immutable engine_container_stats::cpu_throttled_periods;
%immutable engine_container_stats::cpu_throttled_ns;
%immutable engine_container_stats::blkio_read_bytes;
%immutable engine_container_stats::blkio_write_bytes;
%immutable engine_container_stats::net_rx_bytes;
%immutable engine_container_stats::net_tx_bytes;
%immutable engine_container_stats::net_rx_packets;
%immutable engine_container_stats::net_tx_packets;

ENGINE_STRARRAY_MEMBER(engine_exec_options, argv)
ENGINE_STRARRAY_MEMBER(engine_exec_options, env)
ENGINE_OWNING_STRUCT(engine_exec_options,
	free((char *)o->user); free((char *)o->working_dir);
	capi_strarray_clear(&o->argv); capi_strarray_clear(&o->env);)
ENGINE_STRARRAY_MEMBER(engine_commit_options, changes)
ENGINE_OWNING_STRUCT(engine_commit_options,
	free((char *)o->ref); free((char *)o->comment); free((char *)o->author);
	capi_strarray_clear(&o->changes);)
ENGINE_OWNING_STRUCT(engine_update_options,
	free((char *)o->cpuset_cpus); free((char *)o->restart_policy);)

%immutable engine_wait_result::exit_code;
%immutable engine_wait_result::oom_killed;
%immutable engine_wait_result::finished_ns;

%include "engine/spec.h"
%include "engine/container.h"

/* ---- networks --------------------------------------------------------- */
ENGINE_STRARRAY_MEMBER(engine_network_create_options, labels)
ENGINE_OWNING_STRUCT(engine_network_create_options,
	free((char *)o->name); free((char *)o->subnet); free((char *)o->gateway);
	capi_strarray_clear(&o->labels);)
ENGINE_STRARRAY_MEMBER(engine_network_connect_options, aliases)
ENGINE_OWNING_STRUCT(engine_network_connect_options,
	free((char *)o->ip); capi_strarray_clear(&o->aliases);)
%include "engine/network.h"

/* ---- volumes ---------------------------------------------------------- */
ENGINE_STRARRAY_MEMBER(engine_volume_create_options, labels)
ENGINE_STRARRAY_MEMBER(engine_volume_create_options, options)
ENGINE_OWNING_STRUCT(engine_volume_create_options,
	free((char *)o->name); free((char *)o->driver);
	capi_strarray_clear(&o->labels); capi_strarray_clear(&o->options);)
%include "engine/volume.h"
%include "engine/pool.h"

/* ---- attach and logs -------------------------------------------------- */
ENGINE_OWNING_STRUCT(engine_attach_options, free((char *)o->detach_keys);)
/* The options take the key string; the parsed bytes are C's business. */
%ignore engine_detach_keys_parse;
/* Entries are borrowed until the next read: bindings copy the bytes out. */
%ignore engine_log_entry::data;
%ignore engine_log_entry::len;
%immutable engine_log_entry::stream;
%immutable engine_log_entry::time;
%immutable engine_log_entry::partial;
%extend engine_log_entry {
	capi_bytes data_bytes() {
		capi_bytes b = { $self->data, $self->len };
		return b;
	}
}
%include "engine/attach.h"
%include "engine/logs.h"
%include "engine/events.h"

/* ---- exec instances --------------------------------------------------- */
ENGINE_STRARRAY_MEMBER(engine_exec_config, argv)
ENGINE_STRARRAY_MEMBER(engine_exec_config, env)
ENGINE_OWNING_STRUCT(engine_exec_config,
	free((char *)o->user); free((char *)o->working_dir);
	capi_strarray_clear(&o->argv); capi_strarray_clear(&o->env);)
%immutable engine_exec_state::started;
%immutable engine_exec_state::running;
%immutable engine_exec_state::pid;
%immutable engine_exec_state::exit_code;
%immutable engine_exec_state::tty;
%include "engine/exec.h"

/* ---- registry --------------------------------------------------------- */
/* Progress goes to the options' progress_fd (JSON lines) instead. */
%ignore engine_registry_set_progress_callback;
%ignore engine_registry_progress_fn;
%ignore engine_registry_event;
ENGINE_OWNING_STRUCT(engine_registry_pull_options, free((char *)o->platform);)
%include "engine/registry.h"

/* ---- build ------------------------------------------------------------ */
/* Events go to opts->event_fd (JSON lines) instead of the callback. */
%ignore engine_build_event_fn;
%ignore engine_build_event;
%typemap(in, numinputs=0) (engine_build_event_fn fn, void *payload) {
	$1 = NULL;
	$2 = NULL;
}
ENGINE_STRARRAY_MEMBER(engine_build_options, tags)
ENGINE_STRARRAY_MEMBER(engine_build_options, build_args)
ENGINE_OWNING_STRUCT(engine_build_options,
	free((char *)o->dockerfile); free((char *)o->target); free((char *)o->network);
	capi_strarray_clear(&o->tags); capi_strarray_clear(&o->build_args);)
%include "engine/build.h"
