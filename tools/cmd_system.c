/* engine CLI: system commands. */
#include "cli.h"

const struct cli_command cli_system_commands[] = {
	{ NULL, NULL, NULL },
};
