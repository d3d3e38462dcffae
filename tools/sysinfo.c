/* Engine and host facts shared by the CLI's version/info and the daemon. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "sysinfo.h"

const char *sysinfo_arch(void)
{
	static _Thread_local struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

char *sysinfo_os_name(void)
{
	FILE *f = fopen("/etc/os-release", "re");
	char line[512];

	if (!f)
		return strdup("Linux");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
			char *v = line + 12, *end;

			fclose(f);
			if (*v == '"')
				v++;
			end = v + strcspn(v, "\"\n");
			*end = '\0';
			return strdup(v);
		}
	}
	fclose(f);
	return strdup("Linux");
}

static void add(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

json_object *sysinfo_version(void)
{
	json_object *o = json_object_new_object(), *comps = json_object_new_array(), *eng, *det, *p;
	struct utsname u;

	uname(&u);
	det = json_object_new_object();
	add(det, "ApiVersion", SYSINFO_API_VERSION);
	add(det, "Arch", sysinfo_arch());
	add(det, "BuildTime", __DATE__ " " __TIME__);
	add(det, "Experimental", "false");
	add(det, "GitCommit", "");
	add(det, "GoVersion", "C (libengine)");
	add(det, "KernelVersion", u.release);
	add(det, "MinAPIVersion", SYSINFO_MIN_API_VERSION);
	add(det, "Os", "linux");
	eng = json_object_new_object();
	add(eng, "Name", "Engine");
	add(eng, "Version", engine_version());
	json_object_object_add(eng, "Details", det);
	json_object_array_add(comps, eng);
	p = json_object_new_object();
	add(p, "Name", "libengine");
	json_object_object_add(o, "Platform", p);
	json_object_object_add(o, "Components", comps);
	add(o, "Version", engine_version());
	add(o, "ApiVersion", SYSINFO_API_VERSION);
	add(o, "MinAPIVersion", SYSINFO_MIN_API_VERSION);
	add(o, "GitCommit", "");
	add(o, "GoVersion", "C (libengine)");
	add(o, "Os", "linux");
	add(o, "Arch", sysinfo_arch());
	add(o, "KernelVersion", u.release);
	add(o, "BuildTime", __DATE__ " " __TIME__);
	return o;
}

void sysinfo_counts(engine_context *ctx, json_object *o)
{
	engine_strarray all = {NULL, 0}, running = {NULL, 0};
	engine_image_list *imgs = NULL;
	size_t paused = 0;

	engine_container_list_ids(ctx, 1, &all);
	engine_container_list_ids(ctx, 0, &running);
	for (size_t i = 0; i < running.count; i++) {
		engine_container *c = NULL;

		if (engine_container_open(ctx, running.strings[i], &c) == 0 &&
		    strcmp(engine_container_status(c), "paused") == 0)
			paused++;
		engine_container_free(c);
	}
	engine_image_list_new(ctx, &imgs);
	json_object_object_add(o, "Containers", json_object_new_int64((int64_t)all.count));
	json_object_object_add(o, "ContainersRunning",
			       json_object_new_int64((int64_t)(running.count - paused)));
	json_object_object_add(o, "ContainersPaused", json_object_new_int64((int64_t)paused));
	json_object_object_add(o, "ContainersStopped",
			       json_object_new_int64((int64_t)(all.count - running.count)));
	json_object_object_add(o, "Images",
			       json_object_new_int64(imgs ? (int64_t)engine_image_list_count(imgs) : 0));
	engine_strarray_dispose(&all);
	engine_strarray_dispose(&running);
	engine_image_list_free(imgs);
	engine_error_clear();
}
