/* engine CLI: container commands. */
#include "cli.h"

const struct cli_command cli_container_commands[] = {
	{ NULL, NULL, NULL },
};
