/* Build: the Dockerfile parser, word expansion and .dockerignore (pure). */
#include "check_helpers.h"
#include "build/dockerfile.h"
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

	ck_assert_engine_error(engine__dockerfile_parse("Dockerfile", text, strlen(text), &df), ENGINE_EINVALID,
			       needle);
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

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

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
	parse_fails("# escape=`\n# escape=\\\nFROM busybox\n", "Dockerfile:2: only one escape parser directive");
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
	parse_fails("FROM busybox\nSHELL /bin/sh -c\n", "Dockerfile:2: SHELL requires the arguments to be in JSON form");
	parse_fails("FROM busybox\nRUN --mount=type=cache echo\n", "Dockerfile:2: RUN: Unknown flag: mount");
	parse_fails("FROM busybox\nCOPY --from a b\n", "Dockerfile:2: COPY: Missing a value on flag: from");
	parse_fails("FROM busybox\nHEALTHCHECK --interval=5 CMD true\n", "Dockerfile:2: HEALTHCHECK --interval");
	parse_fails("FROM busybox\nHEALTHCHECK RUN true\n", "Unknown type \"RUN\" in HEALTHCHECK");
	parse_fails("FROM busybox\nHEALTHCHECK NONE x\n", "HEALTHCHECK NONE takes no arguments");
	parse_fails("FROM busybox\nWORKDIR\n", "Dockerfile:2: WORKDIR requires exactly one argument");
	parse_fails("FROM busybox\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument");
	parse_fails("FROM busybox\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: Chaining ONBUILD");
	parse_fails("RUN true\n", "Dockerfile:1: RUN: no build stage in current context");
	parse_fails("ARG X\n", "Dockerfile: no FROM instruction");
	parse_fails("# just a comment\n\n", "Dockerfile: file with no instructions");
	/* The line reported is the instruction's first line. */
	parse_fails("FROM busybox\nRUN true\nCOPY \\\n  \\\n x\n", "Dockerfile:3: COPY requires at least two");
}
END_TEST

START_TEST(test_build_parser__args_before_from)
{
	engine__dockerfile *df = parse_ok("ARG BASE=busybox\nARG TAG\nFROM ${BASE}:${TAG:-latest}\nARG BASE\n");

	ck_assert_uint_eq(df->n_instrs, 4);
	ck_assert_int_eq(df->instrs[0].kind, ENGINE__DF_ARG);
	assert_args(&df->instrs[2], ARGS("${BASE}:${TAG:-latest}"));
	engine__dockerfile_free(df);
}
END_TEST

START_TEST(test_build_parser__durations)
{
	int64_t ns;

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
	char *env[] = { "A=apple", "E=", "PATH=/bin", "A=shadowed", "N1=x", NULL };
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
	ck_assert_engine_error(engine__shlex_word("${}", '\\', env, &out), ENGINE_EINVALID, "bad substitution");
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
	return s;
}

int main(void)
{
	return th_run_suite(build_parser_suite(), 0);
}
