/* engine CLI: image input/output commands (load, import, save, default image). */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"

/* A growable list of strings for the options struct; freed with strlist_free. */
struct strlist {
	char **v;
	size_t n;
};

static int strlist_add(struct strlist *l, const char *s, size_t len)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(char *));
	char *copy = strndup(s, len);

	if (!nv || !copy) {
		free(copy);
		if (nv)
			l->v = nv;
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = copy;
	return 0;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static engine_strarray strlist_array(struct strlist *l)
{
	return (engine_strarray){l->v, l->n};
}

/* --- load ---------------------------------------------------------------- */

/* Whether the library named @loaded after --tag @tag already: the tag
 * itself, or its repository with a tag the layout gave ("app" + "v1"). */
static bool tag_used(const char *loaded, const char *tag)
{
	size_t n = strlen(tag);

	return !strcmp(loaded, tag) || (!strncmp(loaded, tag, n) && loaded[n] == ':');
}

/* Whether the loaded names are all one image (a docker save archive names
 * an image once per tag: buildah's and skopeo's carry "docker.io/x:1" and
 * "localhost/x:1"), and whether one of them already is @tag. 1 yes, 0 no,
 * -1 when a name cannot be opened. */
static int one_image(engine_context *ctx, const engine_strarray *loaded, const char *tag, bool *used)
{
	char first[80] = "";

	*used = false;
	for (size_t i = 0; i < loaded->count; i++) {
		engine_image *img = NULL;
		bool same;

		if (engine_image_open(ctx, loaded->strings[i], &img) < 0)
			return -1;
		if (!i)
			snprintf(first, sizeof(first), "%s", engine_image_id(img));
		same = !strcmp(first, engine_image_id(img));
		engine_image_free(img);
		if (!same)
			return 0;
		*used = *used || tag_used(loaded->strings[i], tag);
	}
	return loaded->count > 0;
}

static int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"input", required_argument, NULL, 'i'},	{"tag", required_argument, NULL, 't'},
	    {"platform", required_argument, NULL, 'p'}, {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},		{NULL, 0, NULL, 0},
	};
	engine_image_load_options o = ENGINE_IMAGE_LOAD_OPTIONS_INIT;
	engine_strarray loaded = {NULL, 0};
	const char *input = NULL;
	engine_context *ctx;
	bool quiet = false, used = false;
	int c, one = 0;

	while ((c = cli_getopt_long(argc, argv, "i:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 't':
			o.tag = optarg;
			break;
		case 'p':
			o.platform = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			printf("Usage: engine load [-i FILE|DIR] [--tag REF] [--platform OS/ARCH] [-q]\n\n"
			       "Load images from an OCI layout (directory or tar) or a docker save archive.\n"
			       "Without -i, the archive is read from standard input.\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc)
		return cli_failf(1, "load: unexpected argument \"%s\"", argv[optind]);
	if (!input || !strcmp(input, "-")) {
		if (isatty(0))
			return cli_failf(1,
					 "load: requested load from stdin, but stdin is empty (use -i FILE)");
		input = "/dev/stdin";
	}
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_load(ctx, input, &o, &loaded) < 0)
		return cli_fail(1, NULL);
	/* --tag names the image also when the archive names it itself (a
	 * docker save archive, under one name or several): one more tag,
	 * reported with the others. */
	if (o.tag && loaded.count >= 1) {
		one = one_image(ctx, &loaded, o.tag, &used);
		if (one < 0) {
			engine_strarray_dispose(&loaded);
			return cli_fail(1, "load --tag");
		}
	}
	if (one > 0 && !used) {
		if (engine_image_tag(ctx, loaded.strings[0], o.tag) < 0) {
			engine_strarray_dispose(&loaded);
			return cli_fail(1, "load --tag");
		}
	} else if (o.tag && one == 0) {
		for (size_t i = 0; i < loaded.count; i++)
			fprintf(stderr, "%s%s",
				i ? ", " : "Error: load --tag: the archive holds several images: ",
				loaded.strings[i]);
		fputc('\n', stderr);
		engine_strarray_dispose(&loaded);
		return 1;
	}
	for (size_t i = 0; !quiet && i < loaded.count; i++) {
		if (!strncmp(loaded.strings[i], "sha256:", 7))
			printf("Loaded image ID: %s\n", loaded.strings[i]);
		else
			printf("Loaded image: %s\n", loaded.strings[i]);
	}
	if (!quiet && one > 0 && !used)
		printf("Loaded image: %s\n", o.tag);
	engine_strarray_dispose(&loaded);
	return 0;
}

/* --- import: Dockerfile-style --change instructions ----------------------- */

struct changes {
	struct strlist env, cmd, entrypoint, labels, ports, volumes;
	char *workdir, *user;
};

static void changes_free(struct changes *ch)
{
	strlist_free(&ch->env);
	strlist_free(&ch->cmd);
	strlist_free(&ch->entrypoint);
	strlist_free(&ch->labels);
	strlist_free(&ch->ports);
	strlist_free(&ch->volumes);
	free(ch->workdir);
	free(ch->user);
}

/* Split @s into words like the Dockerfile key=value forms do: whitespace
 * separates, quotes group (and are removed), backslash escapes. */
static int split_words(const char *s, struct strlist *out)
{
	size_t cap = strlen(s) + 1;
	char *buf = malloc(cap);

	if (!buf)
		return -1;
	while (*s) {
		size_t n = 0;
		char quote = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (; *s && (quote || !isspace((unsigned char)*s)); s++) {
			if (quote && *s == quote) {
				quote = 0;
			} else if (!quote && (*s == '"' || *s == '\'')) {
				quote = *s;
			} else if (*s == '\\' && s[1] && quote != '\'') {
				buf[n++] = *++s;
			} else {
				buf[n++] = *s;
			}
		}
		if (quote) {
			free(buf);
			return -2;
		}
		if (strlist_add(out, buf, n) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* ["a", "b"] (exec form) or a shell command, run by /bin/sh -c. */
static int parse_command(const char *arg, struct strlist *out)
{
	if (*arg == '[') {
		json_object *arr = json_tokener_parse(arg);
		size_t n =
		    arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
		int r = arr && json_object_is_type(arr, json_type_array) ? 0 : -2;

		strlist_free(out);
		for (size_t i = 0; r == 0 && i < n; i++) {
			json_object *s = json_object_array_get_idx(arr, i);

			if (!json_object_is_type(s, json_type_string))
				r = -2;
			else
				r = strlist_add(out, json_object_get_string(s),
						strlen(json_object_get_string(s)));
		}
		json_object_put(arr);
		/* Not JSON after all: Docker runs it as a shell command too. */
		if (r != -2)
			return r;
		strlist_free(out);
	}
	strlist_free(out);
	if (strlist_add(out, "/bin/sh", 7) < 0 || strlist_add(out, "-c", 2) < 0 ||
	    strlist_add(out, arg, strlen(arg)) < 0)
		return -1;
	return 0;
}

static int parse_change(const char *change, struct changes *ch)
{
	const char *p = change;
	size_t kwlen;
	char kw[16];
	const char *arg;

	while (isspace((unsigned char)*p))
		p++;
	kwlen = strcspn(p, " \t");
	if (kwlen == 0 || kwlen >= sizeof(kw))
		return cli_failf(1, "import: change \"%s\": expected INSTRUCTION ARGS", change);
	for (size_t i = 0; i < kwlen; i++)
		kw[i] = (char)toupper((unsigned char)p[i]);
	kw[kwlen] = '\0';
	arg = p + kwlen;
	while (isspace((unsigned char)*arg))
		arg++;
	if (!*arg)
		return cli_failf(1, "import: change \"%s\": %s needs an argument", change, kw);

	if (!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT")) {
		if (parse_command(arg, !strcmp(kw, "CMD") ? &ch->cmd : &ch->entrypoint) < 0)
			return cli_failf(1, "import: out of memory");
		return 0;
	}
	if (!strcmp(kw, "WORKDIR") || !strcmp(kw, "USER")) {
		char **dst = !strcmp(kw, "USER") ? &ch->user : &ch->workdir;

		free(*dst);
		*dst = strdup(arg);
		return *dst ? 0 : cli_failf(1, "import: out of memory");
	}
	if (!strcmp(kw, "VOLUME") && *arg == '[') {
		struct strlist tmp = {NULL, 0};
		json_object *arr = json_tokener_parse(arg);

		if (!arr || !json_object_is_type(arr, json_type_array)) {
			json_object_put(arr);
			return cli_failf(1, "import: change \"%s\": invalid JSON array", change);
		}
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(arr, i));

			strlist_add(&tmp, s, strlen(s));
		}
		json_object_put(arr);
		for (size_t i = 0; i < tmp.n; i++)
			strlist_add(&ch->volumes, tmp.v[i], strlen(tmp.v[i]));
		strlist_free(&tmp);
		return 0;
	}

	struct strlist words = {NULL, 0};
	struct strlist *dst = NULL;
	int r;

	if (!strcmp(kw, "ENV") || !strcmp(kw, "LABEL")) {
		dst = !strcmp(kw, "ENV") ? &ch->env : &ch->labels;
		/* The legacy form "ENV KEY value with spaces". */
		size_t keylen = strcspn(arg, " \t=");
		if (arg[keylen] != '=') {
			const char *val = arg + keylen;
			char *kv;

			while (isspace((unsigned char)*val))
				val++;
			if (asprintf(&kv, "%.*s=%s", (int)keylen, arg, val) < 0)
				return cli_failf(1, "import: out of memory");
			r = strlist_add(dst, kv, strlen(kv));
			free(kv);
			return r < 0 ? cli_failf(1, "import: out of memory") : 0;
		}
	} else if (!strcmp(kw, "EXPOSE")) {
		dst = &ch->ports;
	} else if (!strcmp(kw, "VOLUME")) {
		dst = &ch->volumes;
	} else {
		return cli_failf(
		    1,
		    "import: change \"%s\": unsupported instruction %s (ENV, CMD, ENTRYPOINT, WORKDIR, "
		    "USER, LABEL, EXPOSE, VOLUME)",
		    change, kw);
	}
	r = split_words(arg, &words);
	if (r == -2) {
		strlist_free(&words);
		return cli_failf(1, "import: change \"%s\": unterminated quote", change);
	}
	for (size_t i = 0; r == 0 && i < words.n; i++) {
		if ((dst == &ch->env || dst == &ch->labels) && !strchr(words.v[i], '=')) {
			r = cli_failf(1, "import: change \"%s\": \"%s\" is not KEY=VALUE", change,
				      words.v[i]);
			break;
		}
		r = strlist_add(dst, words.v[i], strlen(words.v[i]));
	}
	strlist_free(&words);
	return r < 0 ? 1 : r;
}

static void changes_to_options(struct changes *ch, engine_image_import_options *o)
{
	o->env = strlist_array(&ch->env);
	o->cmd = strlist_array(&ch->cmd);
	o->entrypoint = strlist_array(&ch->entrypoint);
	o->labels = strlist_array(&ch->labels);
	o->exposed_ports = strlist_array(&ch->ports);
	o->volumes = strlist_array(&ch->volumes);
	o->working_dir = ch->workdir;
	o->user = ch->user;
}

int cli_import_changes(const char *const *changes, size_t n, engine_image_import_options *o, void **owner)
{
	struct changes *ch = calloc(1, sizeof(*ch));

	*owner = ch;
	if (!ch)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parse_change(changes[i], ch) != 0)
			return -1;
	changes_to_options(ch, o);
	return 0;
}

void cli_import_changes_free(void *owner)
{
	if (owner)
		changes_free(owner);
	free(owner);
}

static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"change", required_argument, NULL, 'c'},
	    {"message", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	engine_image_import_options o = ENGINE_IMAGE_IMPORT_OPTIONS_INIT;
	struct changes ch;
	engine_context *ctx;
	char *id = NULL;
	const char *src;
	int c, status = 0;

	memset(&ch, 0, sizeof(ch));
	while ((c = cli_getopt_long(argc, argv, "c:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((status = parse_change(optarg, &ch)) != 0)
				goto out;
			break;
		case 'm':
			o.comment = optarg;
			break;
		case 'h':
			printf(
			    "Usage: engine import [-c 'INSTRUCTION ARGS']... [-m MESSAGE] TARBALL|- [REF]\n\n"
			    "Make a one-layer image from a rootfs tarball (any compression).\n"
			    "-c takes ENV, CMD, ENTRYPOINT, WORKDIR, USER, LABEL, EXPOSE, VOLUME.\n");
			goto out;
		default:
			status = 1;
			goto out;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		status = cli_failf(1, "import: expected TARBALL|- [REF]");
		goto out;
	}
	src = argv[optind];
	o.ref = argc - optind == 2 ? argv[optind + 1] : NULL;
	changes_to_options(&ch, &o);
	if (cli_open_context(&ctx) < 0) {
		status = 1;
		goto out;
	}
	if (engine_image_import(ctx, strcmp(src, "-") ? src : NULL, 0, &o, &id) < 0) {
		status = cli_fail(1, NULL);
		goto out;
	}
	printf("%s\n", id);
	engine_free(id);
out:
	changes_free(&ch);
	return status;
}

/* --- save ---------------------------------------------------------------- */

/* Like docker save without -o: the archive streams to standard output
 * (no temporary file, which would sit in a shared /tmp). */
static int save_to_stdout(engine_context *ctx, const engine_strarray *refs, int format)
{
	if (engine_image_save_fd(ctx, refs, STDOUT_FILENO, format) < 0)
		return cli_fail(1, NULL);
	return 0;
}

static int cmd_save(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int format = ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE;
	const char *output = NULL;
	engine_strarray refs;
	engine_context *ctx;
	int c;

	while ((c = cli_getopt_long(argc, argv, "o:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "oci") || !strcmp(optarg, "oci-archive"))
				format = ENGINE_IMAGE_FORMAT_OCI;
			else if (!strcmp(optarg, "docker-archive") || !strcmp(optarg, "docker"))
				format = ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE;
			else
				return cli_failf(1, "save: unknown format \"%s\" (oci, docker-archive)",
						 optarg);
			break;
		case 'h':
			printf("Usage: engine save [-o FILE] [--format oci|docker-archive] IMAGE...\n\n"
			       "Write images to a tar archive (default: docker-archive, which OCI tools read "
			       "too);\n"
			       "without -o, to standard output.\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind >= argc)
		return cli_failf(1, "save: no image given");
	if ((!output || !strcmp(output, "-")) && isatty(1))
		return cli_failf(1,
				 "save: cowardly refusing to write to a terminal (use -o FILE or redirect)");
	refs.strings = argv + optind;
	refs.count = (size_t)(argc - optind);
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (output && strcmp(output, "-"))
		return engine_image_save(ctx, &refs, output, format) < 0 ? cli_fail(1, NULL) : 0;
	return save_to_stdout(ctx, &refs, format);
}

/* --- the default image ------------------------------------------------------ */

static int cmd_default(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"busybox", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *busybox = NULL;
	engine_context *ctx;
	char *id = NULL;
	int c;

	while ((c = cli_getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			busybox = optarg;
			break;
		case 'h':
			printf("Usage: engine image default [--busybox PATH]\n\n"
			       "Create the built-in busybox:latest image from a static busybox (default "
			       "/bin/busybox).\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc)
		return cli_failf(1, "default: unexpected argument \"%s\"", argv[optind]);
	if (cli_open_context(&ctx) < 0)
		return 1;
	if (engine_image_create_default(ctx, busybox, &id) < 0)
		return cli_fail(1, NULL);
	printf("%s\n", id);
	engine_free(id);
	return 0;
}

const struct cli_command cli_image_io_commands[] = {
    {"load", cmd_load, "Load images from an OCI layout or a docker save archive"},
    {"import", cmd_import, "Make an image from a rootfs tarball"},
    {"save", cmd_save, "Save images to a tar archive (docker-archive or OCI)"},
    {"default", cmd_default, "Create the default busybox:latest image (also: engine image default)"},
    {NULL, NULL, NULL},
};
