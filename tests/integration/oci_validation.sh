#!/bin/sh
# A bounded run of the Open Containers runtime-tools validation suite
# against engine-oci (scripts/oci-validation.sh runs all of it, with runc
# and crun beside): the lifecycle, hook, namespace, mount, process and
# cgroup programs engine-oci passes here, which must keep passing (the
# others fail for every runtime on this host, or race: see
# scripts/oci-validation.sh). Debian packages the suite's library but not
# its validation programs: set RUNTIME_TOOLS to a checkout of
# github.com/opencontainers/runtime-tools at Debian's version (0105384);
# skipped without one.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -n "${RUNTIME_TOOLS:-}" ] && [ -d "$RUNTIME_TOOLS/validation" ] ||
	{ echo "skip: RUNTIME_TOOLS is not a runtime-tools checkout"; exit 77; }
top=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=60 VERBOSE=1 sh "$top/scripts/oci-validation.sh" "$RUNTIME_TOOLS" \
	create state kill kill_no_effect delete delete_resources delete_only_create_resources \
	hooks_stdin poststop poststart_fail poststop_fail config_updates_without_affect hostname \
	linux_ns_path linux_ns_path_type linux_ns_nopath linux_rootfs_propagation linux_masked_paths \
	linux_readonly_paths linux_sysctl linux_uid_mappings linux_devices mounts root_readonly_true \
	process_user process_oom_score_adj process_capabilities_fail process_rlimits_fail \
	linux_cgroups_pids linux_cgroups_relative_pids linux_cgroups_cpus
