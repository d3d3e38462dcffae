/*
 * Shared by the config.json parsers (config.c, config_linux.c, process.c).
 */
#ifndef ENGINE_OCI_OCI_CONFIG_H
#define ENGINE_OCI_OCI_CONFIG_H

#include "oci/oci.h"

/* Keep @s (malloc'd) for the bundle's lifetime; NULL (error set) on failure. */
char *engine__oci_keep(engine__oci_bundle *b, char *s);
/* "rslave" -> MS_SLAVE|MS_REC; -1 when unknown. */
int engine__oci_propagation(const char *name, unsigned long *out);
/* The linux object: namespaces, id maps, devices, cgroupsPath, resources,
 * sysctl, seccomp (checked; compiled with the process), masked and
 * read-only paths, rootfsPropagation, personality, timeOffsets, labels. */
int engine__oci_linux(engine_context *ctx, engine__oci_bundle *b, json_object *lx);

#endif
