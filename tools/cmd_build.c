/* engine CLI: build commands. */
#include "cli.h"

const struct cli_command cli_build_commands[] = {
	{ NULL, NULL, NULL },
};
