/* engine CLI: image input/output commands (load, import, save, default image). */
#include "cli.h"

const struct cli_command cli_image_io_commands[] = {
	{ NULL, NULL, NULL },
};
