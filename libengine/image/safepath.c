/*
 * Path-safety decisions for layer tars: lexical cleaning of entry names and
 * whiteout names. Opening paths without leaving the root is util/safepath.c,
 * shared with the builder and the runtime.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

int engine__entry_clean(const char *name, const char *what, char **out)
{
	size_t len = strlen(name);
	cleanup_free char *buf = malloc(len + 1);
	size_t o = 0;
	const char *p = name;

	if (!buf)
		return engine__error_oom();
	/* Docker joins entry names onto the destination, so a leading "/" only
	 * means "from the root"; ".." past the root is what escapes. */
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." component */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0)
				return engine__error_set(ENGINE_EPERM, EXDEV,
							 "%s \"%s\": escapes the layer root", what, name);
			while (o > 0 && buf[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the slash before the dropped component */
		} else {
			if (o > 0)
				buf[o++] = '/';
			memcpy(buf + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	buf[o] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

enum engine__whiteout_kind engine__whiteout_classify(const char *base, const char **target)
{
	if (strncmp(base, ".wh.", 4) != 0)
		return ENGINE__WH_NONE;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return ENGINE__WH_OPAQUE;
	if (strncmp(base, ".wh..wh.", 8) == 0)
		return ENGINE__WH_META;
	*target = base + 4;
	return ENGINE__WH_FILE;
}

bool engine__whiteout_target_ok(const char *target)
{
	return target[0] && strcmp(target, ".") != 0 && strcmp(target, "..") != 0 && !strchr(target, '/');
}

bool engine__xattr_is_overlay(const char *name)
{
	return engine__str_starts_with(name, "trusted.overlay.") ||
	       engine__str_starts_with(name, "user.overlay.");
}
