/*
 * Public structs as older versions of the headers declared them, frozen:
 * what a program built against that version passes to this library. When
 * a field is appended to a public struct (see libengine/core/abi.h), its
 * previous layout is copied here and a test runs the library against it.
 */
#ifndef ENGINE_TESTS_ABI_OLD_H
#define ENGINE_TESTS_ABI_OLD_H

#include <stdint.h>

/* include/engine/container.h, ENGINE_CONTAINER_STATS_VERSION 1. */
typedef struct engine_container_stats_v1 {
	unsigned version;
	uint64_t memory_usage;
	uint64_t memory_limit;
	uint64_t cpu_usage_ns;
	uint64_t pids;
} engine_container_stats_v1;

/* include/engine/container.h, ENGINE_CONTAINER_STATS_VERSION 2. */
typedef struct engine_container_stats_v2 {
	unsigned version;
	uint64_t memory_usage;
	uint64_t memory_limit;
	uint64_t cpu_usage_ns;
	uint64_t pids;
	uint64_t memory_max_usage;
	uint64_t memory_inactive_file;
	uint64_t oom_kills;
} engine_container_stats_v2;

/* include/engine/registry.h, ENGINE_REGISTRY_PULL_OPTIONS_VERSION 1 and
 * ENGINE_REGISTRY_PUSH_OPTIONS_VERSION 1 (before the credentials). */
typedef struct engine_registry_pull_options_v1 {
	unsigned version;
	const char *platform;
	int progress_fd;
	int timeout;
} engine_registry_pull_options_v1;

typedef struct engine_registry_push_options_v1 {
	unsigned version;
	int progress_fd;
	int timeout;
	int64_t chunk_size;
} engine_registry_push_options_v1;

#endif
