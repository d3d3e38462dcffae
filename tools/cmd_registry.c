/* engine CLI: registry commands. */
#include "cli.h"

const struct cli_command cli_registry_commands[] = {
	{ NULL, NULL, NULL },
};
