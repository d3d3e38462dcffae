/* Facts about this engine and host that `engine version` / `engine info`
 * print and the daemon's /version and /info serve: one builder for both. */
#ifndef ENGINE_TOOLS_SYSINFO_H
#define ENGINE_TOOLS_SYSINFO_H

#include <json-c/json.h>

#include <engine.h>

/* The API version the daemon speaks and the oldest it accepts. */
#define SYSINFO_API_VERSION "1.41"
#define SYSINFO_MIN_API_VERSION "1.12"

/* GOARCH's name for the machine: amd64, arm64, else uname's. */
const char *sysinfo_arch(void);
/* /etc/os-release's PRETTY_NAME ("Linux" without one); malloc'd. */
char *sysinfo_os_name(void);
/* The Engine API's /version body (Platform, Components, Version,
 * ApiVersion, MinAPIVersion, Os, Arch, KernelVersion, ...). */
json_object *sysinfo_version(void);
/* Add Containers, ContainersRunning, ContainersPaused, ContainersStopped
 * and Images of @ctx to @o. */
void sysinfo_counts(engine_context *ctx, json_object *o);

#endif
