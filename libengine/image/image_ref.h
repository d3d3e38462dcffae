/* Image references as the archive formats write and read them. */
#ifndef ENGINE_IMAGE_REF_H
#define ENGINE_IMAGE_REF_H

#include <stdbool.h>

/* Whether @ref names a tag ("name:tag" after the last '/'), not just a name. */
bool engine__ref_has_tag(const char *ref);
/* "docker.io/library/busybox:latest" -> "busybox:latest", as docker prints
 * (malloc'd, NULL on OOM). */
char *engine__ref_familiar(const char *ref);
/* "busybox" -> "docker.io/library/busybox:latest", as containerd names
 * images in io.containerd.image.name (malloc'd, NULL on OOM). */
char *engine__ref_qualify(const char *ref);
/* The tag of a tagged reference (borrowed), "latest" when it has none. */
const char *engine__ref_tag(const char *ref);

#endif
