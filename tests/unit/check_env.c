/* Docker's environment rules: env files, -e items, merge order. Pure logic. */
#include "check_helpers.h"

#include "env/env.h"
#include "util/cleanup.h"
#include "util/strv.h"

static char *tmp;

static void setup(void)
{
	tmp = th_mkdtemp("env");
}

static void teardown(void)
{
	th_cleanup_dir(tmp);
	tmp = NULL;
}

/* Assert @got equals the NULL-terminated @want, in order. */
static void assert_env(char **got, const char *const *want)
{
	size_t i = 0;

	for (; want[i]; i++) {
		ck_assert_msg(got[i] != NULL, "entry %zu missing, want \"%s\"", i, want[i]);
		ck_assert_str_eq(got[i], want[i]);
	}
	ck_assert_msg(got[i] == NULL, "extra entry %zu: \"%s\"", i, got[i]);
}

static char *write_file(const char *name, const char *content)
{
	char *path = engine__path_join(tmp, name);

	ck_assert_ptr_nonnull(path);
	ck_assert_engine_ok(engine__write_file_atomic(path, content, strlen(content), 0644, false));
	return path;
}

/* An env file's text (NUL-terminated) through the parser. */
static int parse_text(const char *path, const char *text, char *const *caller_env, char ***out)
{
	return engine__env_parse_file_mem(path, text, strlen(text), caller_env, out);
}

START_TEST(test_config_env__get)
{
	char *env[] = {"A=1", "AB=2", "B=", "A=3", NULL};

	ck_assert_str_eq(engine__env_get(env, "A"), "3");
	ck_assert_str_eq(engine__env_get(env, "AB"), "2");
	ck_assert_str_eq(engine__env_get(env, "B"), "");
	ck_assert_ptr_null(engine__env_get(env, "C"));
	ck_assert_ptr_null(engine__env_get(NULL, "A"));
}
END_TEST

START_TEST(test_config_env__file_parsing)
{
	const char *text = "\xef\xbb\xbf"
			   "# a comment\n"
			   "\n"
			   "   \t\n"
			   "  LEADING=trimmed key\n"
			   "QUOTED=\"kept\" 'as is' \n"
			   "EMPTY=\n"
			   "EQ=a=b=c\n"
			   "CRLF=value\r\n"
			   "PASS\n"
			   "UNSET\n"
			   "  # indented comment\n"
			   "LAST=no newline";
	char *caller[] = {"PASS=from caller", "OTHER=x", NULL};
	const char *want[] = {
	    "LEADING=trimmed key", "QUOTED=\"kept\" 'as is' ", "EMPTY=",	  "EQ=a=b=c",
	    "CRLF=value",	   "PASS=from caller",	       "LAST=no newline", NULL};
	cleanup_strv char **vars = NULL;

	ck_assert_engine_ok(parse_text("test.env", text, caller, &vars));
	assert_env(vars, want);
}
END_TEST

START_TEST(test_config_env__file_empty)
{
	cleanup_strv char **vars = NULL;
	const char *want[] = {NULL};

	ck_assert_engine_ok(parse_text("e.env", "# only a comment\r\n\r\n", NULL, &vars));
	assert_env(vars, want);
}
END_TEST

START_TEST(test_config_env__file_invalid_lines)
{
	char **vars = NULL;

	ck_assert_engine_error(parse_text("bad.env", "A=1\nB C=2\n", NULL, &vars), ENGINE_EINVALID,
			       "bad.env:2: variable 'B C' contains whitespaces");
	ck_assert_engine_error(parse_text("bad.env", "A=1\n# c\n\n=x\n", NULL, &vars), ENGINE_EINVALID,
			       "bad.env:4: no variable name on line '=x'");
	ck_assert_engine_error(parse_text("bad.env", "KEY \n", NULL, &vars), ENGINE_EINVALID,
			       "bad.env:1: variable 'KEY ' contains whitespaces");
	ck_assert_engine_error(parse_text("bad.env", "A=1\nB=\xff\xfe\n", NULL, &vars), ENGINE_EINVALID,
			       "bad.env:2: contains invalid UTF-8");
	ck_assert_engine_error(engine__env_parse_file_mem("nul.env", "A=1\r\nB=x\0y\n", 11, NULL, &vars),
			       ENGINE_EINVALID, "nul.env:2: contains a NUL byte");
	ck_assert_ptr_null(vars);
}
END_TEST

START_TEST(test_config_env__file_missing)
{
	cleanup_free char *path = engine__path_join(tmp, "missing.env");
	char **vars = NULL;

	ck_assert_engine_error(engine__env_parse_file(path, NULL, &vars), ENGINE_ENOTFOUND, path);
}
END_TEST

START_TEST(test_config_env__validate)
{
	ck_assert_engine_ok(engine__env_validate("A=1"));
	ck_assert_engine_ok(engine__env_validate("A"));
	ck_assert_engine_ok(engine__env_validate("A="));
	ck_assert_engine_error(engine__env_validate("=x"), ENGINE_EINVALID,
			       "invalid environment variable: \"=x\"");
	ck_assert_engine_error(engine__env_validate(""), ENGINE_EINVALID, "empty name");
}
END_TEST

/* moby: the user's variables (files, then -e) come first, replaced in
 * place with the last value; the image's untouched variables follow. */
START_TEST(test_config_env__merge_precedence_and_order)
{
	cleanup_free char *f1 = write_file("one.env", "FILE1=a\nSHARED=file1\nIMG2=from-file\n");
	cleanup_free char *f2 = write_file("two.env", "SHARED=file2\nFILE2=b\n");
	char *image[] = {"PATH=/usr/bin", "IMG1=i1", "IMG2=i2", "IMG3=i3", NULL};
	char *files[] = {f1, f2, NULL};
	char *spec[] = {"SPEC=s", "FILE1=from-e", "IMG3=from-e", "SPEC=s2", NULL};
	const char *want[] = {"FILE1=from-e", "SHARED=file2",  "IMG2=from-file", "FILE2=b", "SPEC=s2",
			      "IMG3=from-e",  "PATH=/usr/bin", "IMG1=i1",	 NULL};
	cleanup_strv char **env = NULL;

	ck_assert_engine_ok(engine__env_merge(image, files, spec, NULL, &env));
	assert_env(env, want);
}
END_TEST

START_TEST(test_config_env__merge_image_only)
{
	char *image[] = {"A=1", "B=2", NULL};
	const char *want[] = {"A=1", "B=2", NULL};
	cleanup_strv char **env = NULL;

	ck_assert_engine_ok(engine__env_merge(image, NULL, NULL, NULL, &env));
	assert_env(env, want);
}
END_TEST

START_TEST(test_config_env__merge_passthrough)
{
	cleanup_free char *f = write_file("p.env", "FROMFILE\nNOTSET\n");
	char *image[] = {"HIDDEN=image", "KEPT=image", "NOTSET=image", NULL};
	char *files[] = {f, NULL};
	/* HIDDEN alone with no caller value unsets it (the image's value too);
	 * a passthrough in an env file with no caller value just disappears. */
	char *spec[] = {"CALLER", "HIDDEN", "EMPTYV", NULL};
	char *caller[] = {"CALLER=c", "FROMFILE=f", "EMPTYV=", NULL};
	const char *want[] = {"FROMFILE=f", "CALLER=c", "EMPTYV=", "KEPT=image", "NOTSET=image", NULL};
	cleanup_strv char **env = NULL;

	ck_assert_engine_ok(engine__env_merge(image, files, spec, caller, &env));
	assert_env(env, want);
}
END_TEST

START_TEST(test_config_env__merge_unset_then_set)
{
	char *image[] = {"X=image", NULL};
	char *spec[] = {"X", "Y=1", "X=again", NULL};
	const char *want[] = {"X=again", "Y=1", NULL};
	cleanup_strv char **env = NULL;

	ck_assert_engine_ok(engine__env_merge(image, NULL, spec, NULL, &env));
	assert_env(env, want);
}
END_TEST

START_TEST(test_config_env__merge_errors)
{
	cleanup_free char *bad = write_file("bad.env", "OK=1\n\n# c\nNOT OK=2\n");
	char *files[] = {bad, NULL};
	char *spec_bad[] = {"A=1", "=oops", NULL};
	char **env = NULL;
	cleanup_free char *where = NULL;

	ck_assert_int_gt(asprintf(&where, "%s:4: variable 'NOT OK' contains whitespaces", bad), 0);
	ck_assert_engine_error(engine__env_merge(NULL, files, NULL, NULL, &env), ENGINE_EINVALID, where);
	ck_assert_engine_error(engine__env_merge(NULL, NULL, spec_bad, NULL, &env), ENGINE_EINVALID,
			       "\"=oops\"");
	ck_assert_ptr_null(env);
}
END_TEST

/* Docker's ReplaceOrAppendEnvValues for the runtime's PATH/HOSTNAME. */
START_TEST(test_config_env__with_defaults)
{
	char *defaults[] = {"PATH=/default", "HOSTNAME=h", NULL};
	char *env[] = {"A=1", "PATH=/mine", "B=2", NULL};
	const char *want[] = {"PATH=/mine", "HOSTNAME=h", "A=1", "B=2", NULL};
	cleanup_strv char **out = NULL;

	ck_assert_engine_ok(engine__env_with_defaults(defaults, env, &out));
	assert_env(out, want);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_env");
	TCase *tc = tcase_create("env");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_env__get);
	tcase_add_test(tc, test_config_env__file_parsing);
	tcase_add_test(tc, test_config_env__file_empty);
	tcase_add_test(tc, test_config_env__file_invalid_lines);
	tcase_add_test(tc, test_config_env__file_missing);
	tcase_add_test(tc, test_config_env__validate);
	tcase_add_test(tc, test_config_env__merge_precedence_and_order);
	tcase_add_test(tc, test_config_env__merge_image_only);
	tcase_add_test(tc, test_config_env__merge_passthrough);
	tcase_add_test(tc, test_config_env__merge_unset_then_set);
	tcase_add_test(tc, test_config_env__merge_errors);
	tcase_add_test(tc, test_config_env__with_defaults);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return th_run_suite(suite(), 0);
}
