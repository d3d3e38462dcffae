/*
 * Capabilities: Docker's default set and its add/drop rules (parent side),
 * and the bounding-set drop and capset() a cloned child makes before exec.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/error.h"
#include "runtime/security.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* Indexed by capability number (linux/capability.h). */
static const char *const cap_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};
#define N_CAP_NAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

/* moby daemon/pkg/oci/caps/defaults.go */
static const char *const default_names[] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
    NULL,
};

const char *const *engine__caps_default_names(void)
{
	return default_names;
}

const char *engine__cap_name(int cap)
{
	return cap >= 0 && cap < N_CAP_NAMES ? cap_names[cap] : NULL;
}

int engine__cap_from_name(const char *name, int *out)
{
	const char *bare = name;

	if (!name)
		return engine__error_set(ENGINE_EINVALID, 0, "capability: NULL name");
	if (strncasecmp(bare, "CAP_", 4) == 0)
		bare += 4;
	for (int i = 0; i < N_CAP_NAMES; i++) {
		if (strcasecmp(cap_names[i] + 4, bare) == 0) {
			*out = i;
			return 0;
		}
	}
	return engine__error_set(ENGINE_EINVALID, 0, "unknown capability: \"%s\"", name);
}

static bool is_all(const char *name)
{
	return strcasecmp(name, "ALL") == 0 || strcasecmp(name, "CAP_ALL") == 0;
}

/* The running kernel's last capability, read once: it is fixed at boot,
 * and every run's plan asks for it. */
static int read_last_cap(int *out)
{
	static atomic_int known = -1;
	cleanup_free char *text = NULL;
	char *end;
	long v;
	int r = atomic_load(&known);

	if (r >= 0) {
		*out = r;
		return 0;
	}
	r = engine__read_file("/proc/sys/kernel/cap_last_cap", &text, NULL);
	if (r < 0)
		return engine__error_wrap("capabilities");
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || v < 0 || v > 63)
		return engine__error_set(
		    ENGINE_ERROR, 0, "capabilities: /proc/sys/kernel/cap_last_cap: bad value \"%s\"", text);
	*out = (int)v;
	atomic_store(&known, (int)v);
	return 0;
}

/* The mask of @names (ignoring "ALL"), and whether "ALL" was among them. */
static int names_to_mask(char *const *names, int last_cap, const char *what, uint64_t *mask, bool *all)
{
	*mask = 0;
	*all = false;
	for (size_t i = 0; names && names[i]; i++) {
		int cap, r;

		if (is_all(names[i])) {
			*all = true;
			continue;
		}
		r = engine__cap_from_name(names[i], &cap);
		if (r < 0)
			return engine__error_wrap("%s", what);
		if (cap > last_cap)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "%s: capability %s: not supported by this kernel", what,
						 cap_names[cap]);
		*mask |= UINT64_C(1) << cap;
	}
	return 0;
}

/* The capabilities this process may hand on (its bounding set): ALL is all
 * of those, since a trimmed host or a nested engine allows no more and
 * capset() would refuse the rest. */
uint64_t engine__caps_bounding_set(void)
{
	cleanup_free char *status = NULL;
	const char *line;

	if (engine__read_file("/proc/self/status", &status, NULL) < 0 ||
	    !(line = strstr(status, "\nCapBnd:"))) {
		engine_error_clear();
		return UINT64_MAX;
	}
	return strtoull(line + 8, NULL, 16);
}

static uint64_t all_mask(int last_cap)
{
	return (last_cap >= 63 ? UINT64_MAX : (UINT64_C(1) << (last_cap + 1)) - 1) &
	       engine__caps_bounding_set();
}

int engine__caps_prepare(char *const *add, char *const *drop, engine__caps *out)
{
	uint64_t add_mask, drop_mask, defaults = 0, set;
	bool add_all, drop_all;
	int last_cap = 0, r;

	r = read_last_cap(&last_cap);
	if (r < 0)
		return r;
	r = names_to_mask(add, last_cap, "cap-add", &add_mask, &add_all);
	if (r < 0)
		return r;
	r = names_to_mask(drop, last_cap, "cap-drop", &drop_mask, &drop_all);
	if (r < 0)
		return r;
	for (size_t i = 0; default_names[i]; i++) {
		int cap;

		if (engine__cap_from_name(default_names[i], &cap) == 0 && cap <= last_cap)
			defaults |= UINT64_C(1) << cap;
	}

	/* moby's TweakCapabilities: ALL in add wins over ALL in drop. */
	if (add_all)
		set = all_mask(last_cap) & ~drop_mask;
	else if (drop_all)
		set = add_mask;
	else
		set = (defaults & ~drop_mask) | add_mask;

	*out = (engine__caps){
	    .bounding = set,
	    .effective = set,
	    .permitted = set,
	    .last_cap = last_cap,
	};
	return 0;
}

void engine__caps_for_user(engine__caps *caps, uid_t uid)
{
	if (uid != 0) {
		caps->effective = 0;
		caps->permitted = 0;
	}
}

/* --- child side: system calls only ----------------------------------------- */

int engine__caps_apply_bounding(const engine__caps *caps)
{
	for (int cap = 0; cap <= caps->last_cap && cap < 64; cap++) {
		if (caps->bounding & (UINT64_C(1) << cap))
			continue;
		/* EINVAL: a capability this kernel does not know; nothing to drop. */
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0UL, 0UL, 0UL) < 0 && errno != EINVAL)
			return -errno;
	}
	if (prctl(PR_SET_KEEPCAPS, 1UL, 0UL, 0UL, 0UL) < 0)
		return -errno;
	return 0;
}

int engine__caps_apply_sets(const engine__caps *caps)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_SET_KEEPCAPS, 0UL, 0UL, 0UL, 0UL) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(caps->effective >> (32 * i));
		data[i].permitted = (uint32_t)(caps->permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(caps->inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;

	/* Ambient capabilities survive execve for non-root users: clear what
	 * the parent may have had, then raise only the requested ones. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) < 0) {
		if (errno != EINVAL || caps->ambient)
			return -errno;
		return 0; /* a kernel without ambient capabilities */
	}
	for (int cap = 0; cap <= caps->last_cap && cap < 64; cap++) {
		if (!(caps->ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0UL, 0UL) < 0)
			return -errno;
	}
	return 0;
}

int engine__caps_apply(const engine__caps *caps)
{
	int r = engine__caps_apply_bounding(caps);

	return r < 0 ? r : engine__caps_apply_sets(caps);
}
