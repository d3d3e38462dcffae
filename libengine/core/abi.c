/*
 * The size of every version of every versioned public struct, and the
 * helpers that let a caller built against any older version use this
 * library (see core/abi.h). Appending a field to a public struct: bump its
 * ENGINE_<X>_VERSION and append sizeof(the struct) to its list below, after
 * turning the previous last entry into ABI_END(type, last field of that
 * version).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <engine.h>

#include "core/abi.h"
#include "core/error.h"

/* The bytes a version ending with @member has. */
#define ABI_END(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

#define ABI_DEFINE(type, label, current_version, ...)                                                        \
	static const size_t type##_sizes[] = {__VA_ARGS__};                                                  \
	_Static_assert(sizeof(type##_sizes) / sizeof(size_t) == (current_version),                           \
		       #type ": one size per version");                                                      \
	_Static_assert(offsetof(type, version) == 0, #type ": version must come first");                     \
	const engine__abi engine__abi_##type = {label, current_version, type##_sizes}

ABI_DEFINE(engine_context_options, "context options", ENGINE_CONTEXT_OPTIONS_VERSION,
	   sizeof(engine_context_options));
ABI_DEFINE(engine_exec_options, "exec options", ENGINE_EXEC_OPTIONS_VERSION, sizeof(engine_exec_options));
ABI_DEFINE(engine_update_options, "update options", ENGINE_UPDATE_OPTIONS_VERSION,
	   sizeof(engine_update_options));
ABI_DEFINE(engine_pool_options, "pool options", ENGINE_POOL_OPTIONS_VERSION, sizeof(engine_pool_options));
ABI_DEFINE(engine_commit_options, "commit options", ENGINE_COMMIT_OPTIONS_VERSION,
	   sizeof(engine_commit_options));
ABI_DEFINE(engine_network_create_options, "network create options", ENGINE_NETWORK_CREATE_OPTIONS_VERSION,
	   sizeof(engine_network_create_options));
ABI_DEFINE(engine_volume_create_options, "volume create options", ENGINE_VOLUME_CREATE_OPTIONS_VERSION,
	   sizeof(engine_volume_create_options));
ABI_DEFINE(engine_network_connect_options, "network connect options", ENGINE_NETWORK_CONNECT_OPTIONS_VERSION,
	   sizeof(engine_network_connect_options));
ABI_DEFINE(engine_image_load_options, "image load options", ENGINE_IMAGE_LOAD_OPTIONS_VERSION,
	   sizeof(engine_image_load_options));
ABI_DEFINE(engine_image_import_options, "image import options", ENGINE_IMAGE_IMPORT_OPTIONS_VERSION,
	   sizeof(engine_image_import_options));
ABI_DEFINE(engine_image_remove_options, "image remove options", ENGINE_IMAGE_REMOVE_OPTIONS_VERSION,
	   sizeof(engine_image_remove_options));
ABI_DEFINE(engine_registry_pull_options, "pull options", ENGINE_REGISTRY_PULL_OPTIONS_VERSION,
	   ABI_END(engine_registry_pull_options, timeout), sizeof(engine_registry_pull_options));
ABI_DEFINE(engine_registry_push_options, "push options", ENGINE_REGISTRY_PUSH_OPTIONS_VERSION,
	   ABI_END(engine_registry_push_options, chunk_size), sizeof(engine_registry_push_options));
ABI_DEFINE(engine_distribution_options, "distribution options", ENGINE_DISTRIBUTION_OPTIONS_VERSION,
	   sizeof(engine_distribution_options));
ABI_DEFINE(engine_build_options, "build options", ENGINE_BUILD_OPTIONS_VERSION, sizeof(engine_build_options));
ABI_DEFINE(engine_container_stats, "container stats", ENGINE_CONTAINER_STATS_VERSION,
	   ABI_END(engine_container_stats, pids), ABI_END(engine_container_stats, oom_kills),
	   sizeof(engine_container_stats));
ABI_DEFINE(engine_store_usage, "store usage", ENGINE_STORE_USAGE_VERSION, sizeof(engine_store_usage));
ABI_DEFINE(engine_attach_options, "attach options", ENGINE_ATTACH_OPTIONS_VERSION,
	   sizeof(engine_attach_options));
ABI_DEFINE(engine_logs_options, "logs options", ENGINE_LOGS_OPTIONS_VERSION, sizeof(engine_logs_options));
ABI_DEFINE(engine_wait_options, "wait options", ENGINE_WAIT_OPTIONS_VERSION, sizeof(engine_wait_options));
ABI_DEFINE(engine_wait_result, "wait result", ENGINE_WAIT_RESULT_VERSION, sizeof(engine_wait_result));
ABI_DEFINE(engine_exec_config, "exec config", ENGINE_EXEC_CONFIG_VERSION, sizeof(engine_exec_config));
ABI_DEFINE(engine_exec_start_options, "exec start options", ENGINE_EXEC_START_OPTIONS_VERSION,
	   sizeof(engine_exec_start_options));
ABI_DEFINE(engine_exec_state, "exec state", ENGINE_EXEC_STATE_VERSION, sizeof(engine_exec_state));

ABI_DEFINE(engine_oci_create_options, "oci create options", ENGINE_OCI_CREATE_OPTIONS_VERSION,
	   sizeof(engine_oci_create_options));
ABI_DEFINE(engine_oci_exec_options, "oci exec options", ENGINE_OCI_EXEC_OPTIONS_VERSION,
	   sizeof(engine_oci_exec_options));

const engine__abi *const engine__abis[] = {
    &engine__abi_engine_context_options,
    &engine__abi_engine_exec_options,
    &engine__abi_engine_update_options,
    &engine__abi_engine_image_load_options,
    &engine__abi_engine_image_import_options,
    &engine__abi_engine_image_remove_options,
    &engine__abi_engine_registry_pull_options,
    &engine__abi_engine_registry_push_options,
    &engine__abi_engine_build_options,
    &engine__abi_engine_container_stats,
    &engine__abi_engine_store_usage,
    &engine__abi_engine_pool_options,
    &engine__abi_engine_commit_options,
    &engine__abi_engine_network_create_options,
    &engine__abi_engine_network_connect_options,
    &engine__abi_engine_volume_create_options,
    &engine__abi_engine_attach_options,
    &engine__abi_engine_logs_options,
    &engine__abi_engine_wait_options,
    &engine__abi_engine_wait_result,
    &engine__abi_engine_exec_config,
    &engine__abi_engine_exec_start_options,
    &engine__abi_engine_exec_state,
    &engine__abi_engine_distribution_options,
    &engine__abi_engine_oci_create_options,
    &engine__abi_engine_oci_exec_options,
    NULL,
};

int engine__abi_check(const engine__abi *abi, unsigned version)
{
	if (version < 1 || version > abi->current)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "%s: unsupported version %u (this library knows 1 to %u; "
					 "initialise the struct with its _INIT macro or _init function)",
					 abi->name, version, abi->current);
	return 0;
}

int engine__abi_init(const engine__abi *abi, void *out, unsigned version, const void *tpl)
{
	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: NULL", abi->name);
	ENGINE__CHECK_VERSION(abi, version);
	memcpy(out, tpl, abi->sizes[version - 1]);
	memcpy(out, &version, sizeof(version));
	return 0;
}

int engine__abi_read(const engine__abi *abi, void *full, const void *in)
{
	unsigned version;

	if (!in)
		return 0;
	memcpy(&version, in, sizeof(version));
	ENGINE__CHECK_VERSION(abi, version);
	memcpy(full, in, abi->sizes[version - 1]);
	memcpy(full, &abi->current, sizeof(abi->current));
	return 0;
}

int engine__abi_write(const engine__abi *abi, void *out, const void *full)
{
	unsigned version;

	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: NULL output", abi->name);
	memcpy(&version, out, sizeof(version));
	ENGINE__CHECK_VERSION(abi, version);
	/* Everything after the version field, as far as the caller's version reaches. */
	memcpy((char *)out + sizeof(version), (const char *)full + sizeof(version),
	       abi->sizes[version - 1] - sizeof(version));
	return 0;
}
