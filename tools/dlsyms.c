/* Loading a library's functions on first use (see dlsyms.h). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>

#include "dlsyms.h"

int tools_dlsyms_load(const char *soname, int global, const tools_dlsym *syms, size_t n, char *err,
		      size_t errlen)
{
	void *lib = dlopen(soname, RTLD_NOW | (global ? RTLD_GLOBAL : RTLD_LOCAL));

	if (!lib) {
		const char *why = dlerror();

		snprintf(err, errlen, "cannot load %s: %s", soname, why ? why : "dlopen failed");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		void *f = dlsym(lib, syms[i].name);

		if (!f) {
			snprintf(err, errlen, "%s lacks %s (too old a version?)", soname, syms[i].name);
			return -1;
		}
		*syms[i].slot = f;
	}
	return 0;
}
