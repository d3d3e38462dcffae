/* Build: the Dockerfile parser, word expansion and .dockerignore (pure). */
#include "check_helpers.h"
#include "builder/builder.h"
#include "builder/dockerfile.h"
#include "util/json.h"
#include "util/cleanup.h"
#include "util/strv.h"

static engine__dockerfile *parse_ok(const char *text)
{
	engine__dockerfile *df = NULL;

	ck_assert_engine_ok(engine__dockerfile_parse("Dockerfile", text, strlen(text), &df));
	return df;
}

static void parse_fails(const char *text, const char *needle)
{
	engine__dockerfile *df = NULL;

	ck_assert_engine_error(engine__dockerfile_parse("Dockerfile", text, strlen(text), &df),
			       ENGINE_EINVALID, needle);
	ck_assert_ptr_null(df);
}

static void assert_args(const engine__df_instr *in, const char *const *want)
{
	size_t n = 0;

	while (want[n])
		n++;
	ck_assert_msg(engine__strv_len(in->args) == n, "line %d: %zu args, want %zu", in->line,
		      engine__strv_len(in->args), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(in->args[i], want[i]);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_build_parser__instruction_forms)
{
	engine__dockerfile *df = parse_ok("FROM busybox AS Base\n"
					  "RUN echo hi && ls\n"
					  "RUN [\"/bin/echo\", \"a b\"]\n"
					  "CMD [\"sh\"]\n"
					  "CMD echo $HOME\n"
					  "ENTRYPOINT [\"/bin/sh\", \"-c\"]\n"
					  "COPY --from=base --chown=1:2 --chmod=0755 a b /dst/\n"
					  "COPY [\"with space\", \"/x y\"]\n"
					  "ADD --chown=app x.tar.gz /opt\n"
					  "ENV A 1 2 3\n"
					  "ENV B=\"x y\" C=z\\ w\n"
					  "ARG V\n"
					  "ARG W=1 X\n"
					  "LABEL a=b \"c d\"=e\n"
					  "EXPOSE 80 443/udp\n"
					  "VOLUME /data /logs\n"
					  "VOLUME [\"/v\"]\n"
					  "WORKDIR /srv/app\n"
					  "USER 1000:1000\n"
					  "STOPSIGNAL SIGTERM\n"
					  "SHELL [\"/bin/bash\", \"-c\"]\n"
					  "HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://x/\n"
					  "HEALTHCHECK NONE\n"
					  "MAINTAINER Jane <j@x>\n"
					  "onbuild run echo later\n"
					  "RUN [not json\n");
	engine__df_instr *in = df->instrs;

	ck_assert_uint_eq(df->n_instrs, 26);
	ck_assert_int_eq(in[0].kind, ENGINE__DF_FROM);
	assert_args(&in[0], ARGS("busybox", "AS", "base"));
	ck_assert_int_eq(in[1].kind, ENGINE__DF_RUN);
	ck_assert(!in[1].json);
	assert_args(&in[1], ARGS("echo hi && ls"));
	ck_assert(in[2].json);
	assert_args(&in[2], ARGS("/bin/echo", "a b"));
	ck_assert(in[3].json);
	assert_args(&in[4], ARGS("echo $HOME"));
	ck_assert_int_eq(in[5].kind, ENGINE__DF_ENTRYPOINT);
	ck_assert_int_eq(in[6].kind, ENGINE__DF_COPY);
	ck_assert_str_eq(engine__df_flag(&in[6], "from"), "base");
	ck_assert_str_eq(engine__df_flag(&in[6], "chown"), "1:2");
	ck_assert_str_eq(engine__df_flag(&in[6], "chmod"), "0755");
	ck_assert_ptr_null(engine__df_flag(&in[6], "link"));
	assert_args(&in[6], ARGS("a", "b", "/dst/"));
	assert_args(&in[7], ARGS("with space", "/x y"));
	ck_assert_int_eq(in[8].kind, ENGINE__DF_ADD);
	ck_assert_str_eq(engine__df_flag(&in[8], "chown"), "app");
	/* Old ENV form: the key, then the rest of the line. */
	assert_args(&in[9], ARGS("A", "1 2 3"));
	/* New form keeps quotes and escapes for the expansion to remove. */
	assert_args(&in[10], ARGS("B", "\"x y\"", "C", "z\\ w"));
	assert_args(&in[11], ARGS("V"));
	assert_args(&in[12], ARGS("W=1", "X"));
	assert_args(&in[13], ARGS("a", "b", "\"c d\"", "e"));
	assert_args(&in[14], ARGS("80", "443/udp"));
	assert_args(&in[15], ARGS("/data", "/logs"));
	ck_assert(in[16].json);
	assert_args(&in[17], ARGS("/srv/app"));
	assert_args(&in[18], ARGS("1000:1000"));
	assert_args(&in[19], ARGS("SIGTERM"));
	ck_assert(in[20].json);
	assert_args(&in[20], ARGS("/bin/bash", "-c"));
	ck_assert_int_eq(in[21].kind, ENGINE__DF_HEALTHCHECK);
	assert_args(&in[21], ARGS("CMD", "curl -f http://x/"));
	ck_assert_int_eq(in[21].hc_interval, 5000000000LL);
	ck_assert_int_eq(in[21].hc_retries, 3);
	assert_args(&in[22], ARGS("NONE"));
	assert_args(&in[23], ARGS("Jane <j@x>"));
	ck_assert_int_eq(in[24].kind, ENGINE__DF_ONBUILD);
	assert_args(&in[24], ARGS("run echo later"));
	/* Not valid JSON: shell form, as Docker does. */
	ck_assert(!in[25].json);
	assert_args(&in[25], ARGS("[not json"));
	ck_assert_str_eq(in[6].original, "COPY --from=base --chown=1:2 --chmod=0755 a b /dst/");
	ck_assert_int_eq(in[25].line, 26);
	engine__dockerfile_free(df);
}
END_TEST

START_TEST(test_build_parser__continuations_and_comments)
{
	engine__dockerfile *df = parse_ok("# a comment\n"
					  "\n"
					  "FROM busybox\n"
					  "   # indented comment\n"
					  "RUN echo a \\\n"
					  "  && echo b \\\n"
					  "# a comment inside the continuation\n"
					  "   # and an indented one\n"
					  "  && echo c\n"
					  "RUN echo d \\   \n"
					  "\n"
					  "  e\r\n"
					  "ENV X=1 \\\n"
					  "    Y=2\n");

	ck_assert_uint_eq(df->n_instrs, 4);
	assert_args(&df->instrs[1], ARGS("echo a   && echo b   && echo c"));
	ck_assert_int_eq(df->instrs[1].line, 5);
	ck_assert_str_eq(df->instrs[1].original, "RUN echo a   && echo b   && echo c");
	/* An empty line inside a continuation is skipped, with a warning. */
	assert_args(&df->instrs[2], ARGS("echo d   e"));
	ck_assert_int_eq(df->instrs[2].line, 10);
	ck_assert_uint_eq(engine__strv_len(df->warnings), 1);
	assert_args(&df->instrs[3], ARGS("X", "1", "Y", "2"));
	ck_assert_int_eq(df->instrs[3].line, 13);
	engine__dockerfile_free(df);
}
END_TEST

START_TEST(test_build_parser__escape_directive)
{
	engine__dockerfile *df = parse_ok("# syntax=docker/dockerfile:1\n"
					  "# escape=`\n"
					  "\n"
					  "FROM busybox\n"
					  "RUN echo C:\\dir `\n"
					  "    next\n"
					  "ENV P=a`=b\n");

	ck_assert_int_eq(df->escape, '`');
	ck_assert_uint_eq(df->n_instrs, 3);
	/* The backslash is an ordinary character once the escape is a backtick. */
	assert_args(&df->instrs[1], ARGS("echo C:\\dir     next"));
	engine__dockerfile_free(df);

	/* A directive after a comment is only a comment: the escape stays '\'. */
	df = parse_ok("# hello\n# escape=`\nFROM busybox\nRUN a \\\n b\n");
	ck_assert_int_eq(df->escape, '\\');
	assert_args(&df->instrs[1], ARGS("a  b"));
	engine__dockerfile_free(df);

	parse_fails("# escape=x\nFROM busybox\n", "Dockerfile:1: invalid escape token 'x'");
	parse_fails("# escape=`\n# escape=\\\nFROM busybox\n",
		    "Dockerfile:2: only one escape parser directive");
}
END_TEST

START_TEST(test_build_parser__errors_name_file_and_line)
{
	parse_fails("FROM busybox\nRUN true\nRUNN echo\n", "Dockerfile:3: unknown instruction: RUNN");
	parse_fails("FROM busybox\nCOPY onlyone\n", "Dockerfile:2: COPY requires at least two arguments");
	parse_fails("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments");
	parse_fails("FROM busybox AS 1bad\n", "Dockerfile:1: invalid name for build stage: \"1bad\"");
	parse_fails("FROM busybox\nRUN\n", "Dockerfile:2: RUN requires at least one argument");
	parse_fails("FROM busybox\nENV\n", "Dockerfile:2: ENV requires at least one argument");
	parse_fails("FROM busybox\nENV onlykey\n", "Dockerfile:2: ENV must have two arguments");
	parse_fails("FROM busybox\nENV a=1 b\n", "Dockerfile:2: Syntax error - can't find = in \"b\"");
	parse_fails("FROM busybox\nSHELL /bin/sh -c\n",
		    "Dockerfile:2: SHELL requires the arguments to be in JSON form");
	parse_fails("FROM busybox\nRUN --mount=type=cache echo\n", "Dockerfile:2: RUN: Unknown flag: mount");
	parse_fails("FROM busybox\nCOPY --from a b\n", "Dockerfile:2: COPY: Missing a value on flag: from");
	parse_fails("FROM busybox\nHEALTHCHECK --interval=5 CMD true\n",
		    "Dockerfile:2: HEALTHCHECK --interval");
	parse_fails("FROM busybox\nHEALTHCHECK RUN true\n", "Unknown type \"RUN\" in HEALTHCHECK");
	parse_fails("FROM busybox\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments");
	parse_fails("FROM busybox\nWORKDIR\n", "Dockerfile:2: WORKDIR requires exactly one argument");
	parse_fails("FROM busybox\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument");
	parse_fails("FROM busybox\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: Chaining ONBUILD");
	parse_fails("RUN true\n", "Dockerfile:1: RUN: no build stage in current context");
	parse_fails("ARG X\n", "Dockerfile: no FROM instruction");
	parse_fails("# just a comment\n\n", "Dockerfile: file with no instructions");
	/* The line reported is the instruction's first line. */
	parse_fails("FROM busybox\nRUN true\nCOPY \\\n  \\\n x\n",
		    "Dockerfile:3: COPY requires at least two");
}
END_TEST

START_TEST(test_build_parser__args_before_from)
{
	engine__dockerfile *df =
	    parse_ok("ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-latest}\nARG BASE\n");

	ck_assert_uint_eq(df->n_instrs, 4);
	ck_assert_int_eq(df->instrs[0].kind, ENGINE__DF_ARG);
	assert_args(&df->instrs[2], ARGS("${BASE}:${TAG:-latest}"));
	engine__dockerfile_free(df);
}
END_TEST

START_TEST(test_build_parser__durations)
{
	int64_t ns;

	/* Bindings check for the builder before offering it. */
	ck_assert_int_eq(engine_has_feature("build"), 1);

	ck_assert_engine_ok(engine__df_parse_duration("1m30s", &ns));
	ck_assert_int_eq(ns, 90000000000LL);
	ck_assert_engine_ok(engine__df_parse_duration("500ms", &ns));
	ck_assert_int_eq(ns, 500000000LL);
	ck_assert_engine_ok(engine__df_parse_duration("1.5h", &ns));
	ck_assert_int_eq(ns, 5400000000000LL);
	ck_assert_engine_error(engine__df_parse_duration("10", &ns), ENGINE_EINVALID, "missing unit");
	ck_assert_engine_error(engine__df_parse_duration("x1s", &ns), ENGINE_EINVALID, "invalid duration");
}
END_TEST

static void expands(const char *word, char *const *env, const char *want)
{
	cleanup_free char *out = NULL;

	ck_assert_engine_ok(engine__shlex_word(word, '\\', env, &out));
	ck_assert_msg(strcmp(out, want) == 0, "%s -> \"%s\", want \"%s\"", word, out, want);
}

START_TEST(test_build_parser__substitution)
{
	char *env[] = {"A=apple", "E=", "PATH=/bin", "A=shadowed", "N1=x", NULL};
	cleanup_free char *out = NULL;

	expands("$A", env, "apple");
	expands("${A}pie", env, "applepie");
	expands("$Apie", env, "");
	expands("${U:-def}", env, "def");
	expands("${E:-def}", env, "def");
	expands("${E-def}", env, "");
	expands("${A:-def}", env, "apple");
	expands("${A:+alt}", env, "alt");
	expands("${U:+alt}", env, "");
	expands("${E:+alt}", env, "");
	expands("${E+alt}", env, "alt");
	expands("${U:-$A/x}", env, "apple/x");
	expands("\\$A", env, "$A");
	expands("'$A'", env, "$A");
	expands("\"$A b\"", env, "apple b");
	expands("\"\\$A \\\" \\x\"", env, "$A \" \\x");
	expands("a\\ b", env, "a b");
	expands("$", env, "$");
	expands("$1", env, "");
	expands("${N1}", env, "x");
	expands("/usr/local$PATH", env, "/usr/local/bin");
	expands("x y  z", env, "x y  z");
	ck_assert_engine_error(engine__shlex_word("${A", '\\', env, &out), ENGINE_EINVALID, "missing '}'");
	ck_assert_engine_error(engine__shlex_word("${}", '\\', env, &out), ENGINE_EINVALID,
			       "bad substitution");
	ck_assert_engine_error(engine__shlex_word("${A:=x}", '\\', env, &out), ENGINE_EINVALID,
			       "unsupported modifier (=)");
	ck_assert_engine_error(engine__shlex_word("'abc", '\\', env, &out), ENGINE_EINVALID, "single-quote");
	ck_assert_engine_error(engine__shlex_word("\"abc", '\\', env, &out), ENGINE_EINVALID, "double-quote");
	ck_assert_engine_error(engine__shlex_word("${U:?must be set}", '\\', env, &out), ENGINE_EINVALID,
			       "U: must be set");
	/* With the backtick escape, a backslash is literal. */
	ck_assert_engine_ok(engine__shlex_word("C:\\x`$A", '`', env, &out));
	ck_assert_str_eq(out, "C:\\x$A");
}
END_TEST

START_TEST(test_build_parser__glob)
{
	ck_assert(engine__glob_match("*.txt", "a.txt", false));
	ck_assert(!engine__glob_match("*.txt", "d/a.txt", false));
	ck_assert(engine__glob_match("d/?.txt", "d/a.txt", false));
	ck_assert(engine__glob_match("[a-c]x", "bx", false));
	ck_assert(!engine__glob_match("[^a-c]x", "bx", false));
	ck_assert(engine__glob_match("\\*", "*", false));
	ck_assert(!engine__glob_match("[a", "a", false));
	ck_assert(engine__glob_match("**/*.go", "a/b/c.go", true));
	ck_assert(engine__glob_match("**/*.go", "c.go", true));
	ck_assert(engine__glob_match("a/**/b", "a/b", true));
	ck_assert(engine__glob_match("a/**/b", "a/x/y/b", true));
	ck_assert(engine__glob_match("a/**", "a/x/y", true));
	ck_assert(!engine__glob_match("a/**/b", "a/x/c", true));
}
END_TEST

START_TEST(test_build_parser__dockerignore)
{
	engine__ignore *ig = NULL;

	ck_assert_engine_ok(engine__ignore_parse("# comment\n"
						 "\n"
						 "  *.log  \n"
						 "/build\n"
						 "secrets/\n"
						 "**/*.tmp\n"
						 "docs/*\n"
						 "!docs/keep.md\n"
						 "./x/../temp?\n"
						 "!important.log\n",
						 &ig));
	ck_assert(engine__ignore_has_exceptions(ig));
	ck_assert(engine__ignore_match(ig, "a.log"));
	ck_assert(!engine__ignore_match(ig, "sub/a.log")); /* "*" stays in one directory */
	ck_assert(!engine__ignore_match(ig, "important.log"));
	ck_assert(engine__ignore_match(ig, "build"));
	ck_assert(engine__ignore_match(ig, "build/out/x.o")); /* parent matches */
	ck_assert(engine__ignore_match(ig, "secrets/key"));
	ck_assert(engine__ignore_match(ig, "deep/er/f.tmp"));
	ck_assert(engine__ignore_match(ig, "f.tmp"));
	ck_assert(engine__ignore_match(ig, "docs/a.md"));
	ck_assert(!engine__ignore_match(ig, "docs/keep.md"));
	ck_assert(!engine__ignore_match(ig, "docs"));
	ck_assert(engine__ignore_match(ig, "temp1"));
	ck_assert(!engine__ignore_match(ig, "src/main.c"));
	engine__ignore_free(ig);

	/* Excluding a directory, then re-including one file in it. */
	ck_assert_engine_ok(engine__ignore_parse("vendor\n!vendor/keep\n", &ig));
	ck_assert(engine__ignore_match(ig, "vendor"));
	ck_assert(engine__ignore_match(ig, "vendor/x"));
	ck_assert(!engine__ignore_match(ig, "vendor/keep"));
	engine__ignore_free(ig);

	ck_assert_engine_ok(engine__ignore_parse("", &ig));
	ck_assert(!engine__ignore_has_exceptions(ig));
	ck_assert(!engine__ignore_match(ig, "anything"));
	engine__ignore_free(ig);
}
END_TEST

/* Evaluate the first stage of @text like the builder does for metadata
 * steps; the last RUN's argv/env/history text go to the out parameters. */
struct evaluated {
	engine__dockerfile *df;
	engine__build_stage st;
	char **meta, **used;
	char *from;
	char **run_argv, **run_env;
	char *run_created_by;
	char *last_comment;
};

static void eval_df(const char *text, char **build_args, struct evaluated *ev)
{
	size_t n_meta = 0;

	memset(ev, 0, sizeof(*ev));
	ev->df = parse_ok(text);
	ck_assert_engine_ok(engine__build_meta_args(ev->df, build_args, &ev->used, &ev->meta, &n_meta));
	ck_assert_int_eq(ev->df->instrs[n_meta].kind, ENGINE__DF_FROM);
	ck_assert_engine_ok(
	    engine__build_from_ref(&ev->df->instrs[n_meta], ev->meta, ev->df->escape, &ev->from));
	ev->st.image = engine__build_scratch_image();
	ev->st.meta = ev->meta;
	ev->st.build_args = build_args;
	ev->st.escape = ev->df->escape;
	ev->st.used = steal_ptr(ev->used); /* the stage keeps adding to it */
	for (size_t i = n_meta + 1; i < ev->df->n_instrs && ev->df->instrs[i].kind != ENGINE__DF_FROM; i++) {
		engine__df_instr *in = &ev->df->instrs[i];

		if (in->kind == ENGINE__DF_RUN) {
			engine__strv_free(ev->run_argv);
			engine__strv_free(ev->run_env);
			free(ev->run_created_by);
			ck_assert_engine_ok(engine__build_run_argv(&ev->st, in, &ev->run_argv, &ev->run_env,
								   &ev->run_created_by));
			continue;
		}
		free(ev->last_comment);
		ck_assert_engine_ok(engine__build_apply_meta(&ev->st, in, &ev->last_comment));
	}
}

static void evaluated_free(struct evaluated *ev)
{
	engine__dockerfile_free(ev->df);
	json_object_put(ev->st.image);
	engine__strv_free(ev->st.args);
	engine__strv_free(ev->meta);
	engine__strv_free(ev->st.used);
	free(ev->from);
	engine__strv_free(ev->run_argv);
	engine__strv_free(ev->run_env);
	free(ev->run_created_by);
	free(ev->last_comment);
}

static const char *cfg_string(struct evaluated *ev, const char *key)
{
	return engine__json_get_string(engine__build_config(&ev->st), key);
}

static const char *cfg_json(struct evaluated *ev, const char *key)
{
	json_object *o = NULL;

	json_object_object_get_ex(engine__build_config(&ev->st), key, &o);
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "(none)";
}

START_TEST(test_build_parser__arg_scoping)
{
	struct evaluated ev;
	char *cli[] = {"TAG=1.0", "V=cli", "UNUSED=1", NULL};
	const char *df = "ARG BASE=busybox\n"
			 "ARG TAG\n"
			 "ARG V=meta\n"
			 "FROM ${BASE}:${TAG:-latest}\n"
			 /* Meta args are not visible after FROM... */
			 "LABEL before=\"[$V]\"\n"
			 /* ...until redeclared, which takes the meta value. */
			 "ARG V\n"
			 "LABEL after=\"[$V]\"\n"
			 "ARG X=a\n"
			 "ENV X=b\n"
			 "WORKDIR /$X\n"
			 "ARG Y=${V}-y\n"
			 "RUN echo $Y\n";

	eval_df(df, NULL, &ev);
	ck_assert_str_eq(ev.from, "busybox:latest");
	ck_assert_str_eq(cfg_json(&ev, "Labels"), "{\"before\":\"[]\",\"after\":\"[meta]\"}");
	/* ENV wins over an ARG of the same name. */
	ck_assert_str_eq(cfg_string(&ev, "WorkingDir"), "/b");
	/* RUN is not expanded (the shell does it) but sees the args as env. */
	ck_assert_str_eq(ev.run_argv[2], "echo $Y");
	ck_assert_str_eq(ev.run_created_by, "|2 V=meta Y=meta-y /bin/sh -c echo $Y");
	ck_assert_str_eq(ev.run_env[0], "X=b");
	ck_assert_str_eq(ev.run_env[1], "V=meta");
	ck_assert_str_eq(ev.run_env[2], "Y=meta-y");
	ck_assert_ptr_null(ev.run_env[3]);
	evaluated_free(&ev);

	/* --build-arg overrides meta and stage defaults; only declared ones count. */
	eval_df(df, cli, &ev);
	ck_assert_str_eq(ev.from, "busybox:1.0");
	ck_assert_str_eq(cfg_json(&ev, "Labels"), "{\"before\":\"[]\",\"after\":\"[cli]\"}");
	ck_assert_str_eq(ev.run_created_by, "|2 V=cli Y=cli-y /bin/sh -c echo $Y");
	ck_assert_uint_eq(engine__strv_len(ev.st.used), 2);
	evaluated_free(&ev);
}
END_TEST

START_TEST(test_build_parser__metadata_instructions)
{
	struct evaluated ev;

	eval_df("FROM scratch\n"
		"ENV A=1 B=$A\n"
		"ENV C=$A D=\"x y\" E=a\\ b\n"
		"ENV OLD form with spaces\n"
		"LABEL \"com.x\"=\"v 1\" k=$C\n"
		"WORKDIR app\n"
		"WORKDIR ../srv/./x\n"
		"USER ${A}000\n"
		"EXPOSE 80 53/UDP 8000-8001\n"
		"VOLUME [\"/data\", \"$C\"]\n"
		"STOPSIGNAL SIGKILL\n"
		"MAINTAINER Jane\n"
		"HEALTHCHECK --interval=5s --retries=2 CMD wget -q x\n"
		"ONBUILD run echo x\n"
		"CMD echo hi\n"
		"ENTRYPOINT [\"/ep\"]\n"
		"SHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\n"
		"RUN [\"/bin/true\", \"$A\"]\n"
		"RUN echo $A\n",
		NULL, &ev);
	/* Values in one ENV are expanded with the variables from before it. */
	ck_assert_str_eq(cfg_json(&ev, "Env"),
			 "[\"A=1\",\"B=\",\"C=1\",\"D=x y\",\"E=a b\",\"OLD=form with spaces\"]");
	ck_assert_str_eq(cfg_json(&ev, "Labels"), "{\"com.x\":\"v 1\",\"k\":\"1\"}");
	ck_assert_str_eq(cfg_string(&ev, "WorkingDir"), "/srv/x");
	ck_assert_str_eq(cfg_string(&ev, "User"), "1000");
	ck_assert_str_eq(cfg_json(&ev, "ExposedPorts"),
			 "{\"80\\/tcp\":{},\"53\\/udp\":{},\"8000\\/tcp\":{},\"8001\\/tcp\":{}}");
	ck_assert_str_eq(cfg_json(&ev, "Volumes"), "{\"\\/data\":{},\"1\":{}}");
	ck_assert_str_eq(cfg_string(&ev, "StopSignal"), "SIGKILL");
	ck_assert_str_eq(engine__json_get_string(ev.st.image, "author"), "Jane");
	ck_assert_str_eq(cfg_json(&ev, "Healthcheck"),
			 "{\"Test\":[\"CMD-SHELL\",\"wget -q x\"],\"Interval\":5000000000,\"Retries\":2}");
	ck_assert_str_eq(cfg_json(&ev, "OnBuild"), "[\"RUN echo x\"]");
	/* CMD was set in this stage, so ENTRYPOINT keeps it. */
	ck_assert_str_eq(cfg_json(&ev, "Cmd"), "[\"\\/bin\\/sh\",\"-c\",\"echo hi\"]");
	ck_assert_str_eq(cfg_json(&ev, "Entrypoint"), "[\"\\/ep\"]");
	ck_assert_str_eq(ev.last_comment, "SHELL [/bin/ash -eo pipefail -c]");
	/* RUN uses the SHELL; no expansion by the builder. */
	ck_assert_str_eq(ev.run_created_by, "/bin/ash -eo pipefail -c echo $A");
	evaluated_free(&ev);

	/* An ENTRYPOINT drops the CMD inherited from the base image. */
	eval_df("FROM scratch\nENTRYPOINT echo\n", NULL, &ev);
	ck_assert_str_eq(cfg_json(&ev, "Cmd"), "(none)");
	ck_assert_str_eq(ev.last_comment, "ENTRYPOINT [\"/bin/sh\" \"-c\" \"echo\"]");
	evaluated_free(&ev);
}
END_TEST

START_TEST(test_build_parser__metadata_errors)
{
	const char *bad[][2] = {
	    {"FROM scratch\nSTOPSIGNAL SIGNOPE\n", "Dockerfile:2: STOPSIGNAL: invalid signal: SIGNOPE"},
	    {"FROM scratch\nEXPOSE 80/foo\n", "Dockerfile:2: EXPOSE: invalid proto: foo"},
	    {"FROM scratch\nEXPOSE abc\n", "Dockerfile:2: EXPOSE: invalid containerPort: abc"},
	    {"FROM scratch\nENV A=${B\n", "Dockerfile:2: ENV: syntax error: missing '}'"},
	    {"FROM scratch\nWORKDIR ${X:?needs X}\n", "Dockerfile:2: WORKDIR: X: needs X"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		engine__dockerfile *df = parse_ok(bad[i][0]);
		engine__build_stage st = {0};
		char *comment = NULL;

		st.image = engine__build_scratch_image();
		st.escape = '\\';
		ck_assert_engine_error(engine__build_apply_meta(&st, &df->instrs[1], &comment),
				       ENGINE_EINVALID, bad[i][1]);
		ck_assert_ptr_null(comment);
		json_object_put(st.image);
		engine__dockerfile_free(df);
	}
}
END_TEST

START_TEST(test_build_parser__step_key_and_history)
{
	engine__build_stage st = {0};
	cleanup_free char *k1 = NULL, *k2 = NULL, *k3 = NULL;
	json_object *hist;

	st.image = engine__build_scratch_image();
	ck_assert_engine_ok(engine__build_step_key(&st, "/bin/sh -c echo a", &k1));
	ck_assert_engine_ok(engine__build_step_key(&st, "/bin/sh -c echo a", &k2));
	ck_assert_str_eq(k1, k2);
	json_object_object_add(engine__build_config(&st), "Cmd", json_object_new_array());
	/* Same text, different resulting config: a different key. */
	ck_assert_engine_ok(engine__build_step_key(&st, "/bin/sh -c echo a", &k3));
	ck_assert_str_ne(k1, k3);
	ck_assert_engine_ok(
	    engine__build_record_step(&st, "/bin/sh -c #(nop)  ENV a=b", NULL, "2026-01-01T00:00:00Z"));
	ck_assert_engine_ok(
	    engine__build_record_step(&st, "/bin/sh -c echo", "sha256:aa", "2026-01-01T00:00:01Z"));
	hist = engine__json_get_type(st.image, "history", json_type_array);
	ck_assert_uint_eq(json_object_array_length(hist), 2);
	ck_assert(json_object_get_boolean(
	    engine__json_get_type(json_object_array_get_idx(hist, 0), "empty_layer", json_type_boolean)));
	ck_assert_ptr_null(
	    engine__json_get_type(json_object_array_get_idx(hist, 1), "empty_layer", json_type_boolean));
	ck_assert_str_eq(
	    json_object_to_json_string_ext(engine__json_get_type(st.image, "rootfs", json_type_object),
					   JSON_C_TO_STRING_PLAIN),
	    "{\"type\":\"layers\",\"diff_ids\":[\"sha256:aa\"]}");
	json_object_put(st.image);
}
END_TEST

static Suite *build_parser_suite(void)
{
	Suite *s = suite_create("build_parser");
	TCase *tc = tcase_create("parser");

	tcase_add_test(tc, test_build_parser__instruction_forms);
	tcase_add_test(tc, test_build_parser__continuations_and_comments);
	tcase_add_test(tc, test_build_parser__escape_directive);
	tcase_add_test(tc, test_build_parser__errors_name_file_and_line);
	tcase_add_test(tc, test_build_parser__args_before_from);
	tcase_add_test(tc, test_build_parser__durations);
	tcase_add_test(tc, test_build_parser__substitution);
	tcase_add_test(tc, test_build_parser__glob);
	tcase_add_test(tc, test_build_parser__dockerignore);
	suite_add_tcase(s, tc);
	tc = tcase_create("eval");
	tcase_add_test(tc, test_build_parser__arg_scoping);
	tcase_add_test(tc, test_build_parser__metadata_instructions);
	tcase_add_test(tc, test_build_parser__metadata_errors);
	tcase_add_test(tc, test_build_parser__step_key_and_history);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(build_parser_suite(), 0);
}
