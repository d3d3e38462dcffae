/* Docker-format seccomp profiles (runtime/security_seccomp_json.c), then
 * compiled to BPF the way a container would get them. */
#include "fuzz.h"

#include <linux/filter.h>

#include "runtime/security_seccomp_profile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	engine__seccomp_profile *p = NULL;

	if (engine__seccomp_profile_parse("fuzz profile", (const char *)data, size, &p) == 0) {
		struct sock_fprog prog = {0};

		if (engine__seccomp_compile("fuzz profile", p, ~0ULL, &prog) == 0)
			free(prog.filter);
		prog.filter = NULL;
		if (engine__seccomp_compile("fuzz profile", p, 0, &prog) == 0)
			free(prog.filter);
		engine__seccomp_profile_free(p);
	}
	engine_error_clear();
	return 0;
}
