/*
 * Run a command in a container and print what it wrote.
 *
 *   run [--root DIR] IMAGE [CMD...]      e.g.  run busybox echo hello
 *
 * Build: cc run.c $(pkg-config --cflags --libs libengine)
 */
#include <stdio.h>
#include <string.h>

#include <engine.h>

int main(int argc, char **argv)
{
	engine_context_options opts = ENGINE_CONTEXT_OPTIONS_INIT;
	engine_context *ctx = NULL;
	engine_spec *spec = NULL;
	engine_run_result *res = NULL;
	int i = 1, status = 125;

	if (argc > 2 && strcmp(argv[1], "--root") == 0) {
		opts.root = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [--root DIR] IMAGE [CMD...]\n", argv[0]);
		return 2;
	}
	if (engine_context_new(&ctx, &opts) < 0 || engine_spec_new(&spec) < 0)
		goto fail;
	if (engine_spec_set_image(spec, argv[i]) < 0 || engine_spec_set_memory_str(spec, "64m") < 0 ||
	    engine_spec_set_pids_limit(spec, 64) < 0 || engine_spec_set_timeout(spec, 30) < 0)
		goto fail;
	if (i + 1 < argc) {
		engine_strarray cmd = {argv + i + 1, (size_t)(argc - i - 1)};

		if (engine_spec_set_argv(spec, &cmd) < 0)
			goto fail;
	}
	if (engine_run(ctx, spec, &res) < 0)
		goto fail;
	fwrite(res->stdout_data, 1, res->stdout_len, stdout);
	fwrite(res->stderr_data, 1, res->stderr_len, stderr);
	printf("[exit %d%s%s, %.1f ms]\n", res->exit_code, res->oom_killed ? ", OOM-killed" : "",
	       res->timed_out ? ", timed out" : "", res->duration * 1000);
	status = res->exit_code;
	goto out;
fail:
	fprintf(stderr, "run: %s\n", engine_error_last()->message);
	if (res)
		status = res->exit_code;
out:
	engine_run_result_free(res);
	engine_spec_free(spec);
	engine_context_free(ctx);
	return status;
}
