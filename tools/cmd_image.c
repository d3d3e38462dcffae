/* engine CLI: image commands. */
#include "cli.h"

const struct cli_command cli_image_commands[] = {
	{ NULL, NULL, NULL },
};
