/* The CLI's --format engine (tools/template): Go's text/template subset
 * over JSON, with the answers Go gives for the same template and data. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template.h"

static const char *data =
    "{\"ID\":\"abc123\",\"Names\":\"web\",\"Count\":3,\"Zero\":0,\"Ratio\":0.5,\"Big\":1000000.0,"
    "\"On\":true,\"Off\":false,\"None\":null,\"Empty\":\"\",\"List\":[\"a\",\"b\",\"c\"],"
    "\"Nums\":[1,2],\"NoList\":[],\"State\":{\"Status\":\"running\",\"Pid\":42,"
    "\"Health\":{\"Status\":\"healthy\"}},\"Labels\":{\"b\":\"2\",\"a\":\"1\"},"
    "\"Path\":\"/usr/bin/env\",\"Words\":\"hello big world\"}";

/* Render @tmpl over @data (the one above unless given); the result or the
 * error, in a static buffer. */
static const char *render_opts(const char *text, const char *json, const struct tmpl_exec_options *o)
{
	static char result[1024];
	json_object *dot = json_tokener_parse(json ? json : data);
	char *err = NULL, *out = NULL;
	tmpl *t = tmpl_parse(text, &err);

	ck_assert_ptr_nonnull(dot);
	if (t)
		out = tmpl_exec(t, dot, o, &err);
	snprintf(result, sizeof(result), "%s%s", out ? "" : "ERR ", out ? out : err);
	free(out);
	free(err);
	tmpl_free(t);
	json_object_put(dot);
	return result;
}

static const char *render(const char *text)
{
	return render_opts(text, NULL, NULL);
}

START_TEST(test_template__fields_and_printing)
{
	ck_assert_str_eq(render("id={{.ID}} {{.Names}}"), "id=abc123 web");
	ck_assert_str_eq(render("{{.State.Status}}/{{.State.Pid}}/{{.State.Health.Status}}"),
			 "running/42/healthy");
	ck_assert_str_eq(render("{{.Count}} {{.Ratio}} {{.Big}} {{.On}} {{.None}}"),
			 "3 0.5 1e+06 true <nil>");
	ck_assert_str_eq(render("{{.List}} {{.Nums}} {{.NoList}}"), "[a b c] [1 2] []");
	/* A map prints with sorted keys, as Go's fmt does. */
	ck_assert_str_eq(render("{{.Labels}}"), "map[a:1 b:2]");
	/* A key the map lacks: Go's <no value>; json of it is null. */
	ck_assert_str_eq(render("{{.Nope}}|{{json .Nope}}"), "<no value>|null");
	ck_assert_str_eq(render("{{.}}"), render("{{$}}"));
	ck_assert_str_eq(render("plain text only"), "plain text only");
	ck_assert_str_eq(render(""), "");
}
END_TEST

START_TEST(test_template__json)
{
	ck_assert_str_eq(render("{{json .State.Health}}"), "{\"Status\":\"healthy\"}");
	ck_assert_str_eq(render("{{json .List}} {{json .Path}} {{json .None}}"),
			 "[\"a\",\"b\",\"c\"] \"/usr/bin/env\" null");
	ck_assert_str_eq(render_opts("{{json .}}", "{\"a\":[1,{\"b\":\"<x>\"}]}", NULL),
			 "{\"a\":[1,{\"b\":\"<x>\"}]}");
	ck_assert_str_eq(render("{{.State | json}}"),
			 "{\"Status\":\"running\",\"Pid\":42,\"Health\":{\"Status\":"
			 "\"healthy\"}}");
}
END_TEST

START_TEST(test_template__functions)
{
	ck_assert_str_eq(render("{{upper .Names}} {{lower \"ABC\"}} {{title .Words}}"),
			 "WEB abc Hello Big World");
	ck_assert_str_eq(render("{{join .List \", \"}}"), "a, b, c");
	ck_assert_str_eq(render("{{split .Path \"/\"}} {{len (split .Path \"/\")}}"), "[ usr bin env] 4");
	ck_assert_str_eq(render("{{println .ID .Count}}"), "abc123 3\n");
	ck_assert_str_eq(render("{{print .ID .Count 1 2}}"), "abc1233 1 2");
	ck_assert_str_eq(render("{{printf \"%-6s|%3d|%v|%q\" .Names .Count .List .ID}}"),
			 "web   |  3|[a b c]|\"abc123\"");
	ck_assert_str_eq(render("{{pad .Names 2 1}}|{{truncate .ID 3}}"), "  web |abc");
	ck_assert_str_eq(render("{{len .List}} {{len .Labels}} {{len .Names}}"), "3 2 3");
	ck_assert_str_eq(render("{{index .List 1}} {{index .Labels \"b\"}} {{index .State \"Pid\"}}"),
			 "b 2 42");
	ck_assert_str_eq(render("{{.Names | upper | printf \"<%s>\"}}"), "<WEB>");
	ck_assert_str_eq(render("{{eq .Count 3}} {{eq .Names \"x\" \"web\"}} {{ne .Count 3}} {{lt 1 2}} "
				"{{ge .Count 4}} {{gt .Ratio 0.25}}"),
			 "true true false true false true");
	ck_assert_str_eq(render("{{and .On .Count}} {{and .Off .Count}} {{or .Empty .Names}} {{not .Zero}}"),
			 "3 false web true");
}
END_TEST

START_TEST(test_template__control)
{
	ck_assert_str_eq(render("{{if .On}}yes{{else}}no{{end}} {{if .Off}}yes{{else}}no{{end}}"), "yes no");
	ck_assert_str_eq(render("{{if .Zero}}a{{else if .Empty}}b{{else if .Count}}c{{end}}"), "c");
	ck_assert_str_eq(render("{{if eq .State.Status \"running\"}}up{{end}}"), "up");
	ck_assert_str_eq(render("{{range .List}}<{{.}}>{{end}}"), "<a><b><c>");
	ck_assert_str_eq(render("{{range $i, $e := .List}}{{$i}}={{$e}} {{end}}"), "0=a 1=b 2=c ");
	ck_assert_str_eq(render("{{range $k, $v := .Labels}}{{$k}}:{{$v}},{{end}}"), "a:1,b:2,");
	ck_assert_str_eq(render("{{range $v := .Nums}}{{$v}}{{$.Names}}{{end}}"), "1web2web");
	ck_assert_str_eq(render("{{range .NoList}}x{{else}}empty{{end}}"), "empty");
	ck_assert_str_eq(render("{{range .List}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}"), "ac");
	ck_assert_str_eq(render("{{range .List}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}"), "a");
	ck_assert_str_eq(render("{{with .State}}{{.Status}}{{end}}{{with .Empty}}x{{else}}none{{end}}"),
			 "runningnone");
	ck_assert_str_eq(render("{{$n := .Names}}{{$n}}{{$n = \"x\"}}{{$n}}"), "webx");
	ck_assert_str_eq(render("{{/* a comment */}}a {{- /* trimmed */ -}} b"), "ab");
	ck_assert_str_eq(render("a  {{- .Names -}}  \n b"), "awebb");
	ck_assert_str_eq(render("{{(index .List 2)}}{{(.State).Status}}"), "crunning");
	ck_assert_str_eq(render("{{-3}} {{\"q\\\"\\n\"}}{{`raw\\n`}}"), "-3 q\"\nraw\\n");
}
END_TEST

START_TEST(test_template__parse_errors)
{
	ck_assert_str_eq(render("{{.ID"), "ERR template: :1: unclosed action");
	ck_assert_str_eq(render("{{nosuch .ID}}"), "ERR template: :1: function \"nosuch\" not defined");
	ck_assert_str_eq(render("{{if .On}}x"), "ERR template: :1: unexpected EOF");
	ck_assert_str_eq(render("{{end}}"), "ERR template: :1: unexpected {{end}}");
	ck_assert_str_eq(render("x\n{{.A | }}"), "ERR template: :2: missing command after |");
	ck_assert_str_eq(render("{{\"abc}}"), "ERR template: :1: unterminated quoted string");
	ck_assert_str_eq(render("{{(.A}}"), "ERR template: :1: unclosed left paren");
	ck_assert_str_eq(render("{{break}}"), "ERR template: :1: {{break}} outside {{range}}");
	ck_assert_str_eq(render("{{define \"x\"}}{{end}}"),
			 "ERR template: :1: {{define}} is not supported here");
	ck_assert_str_eq(render("{{/* open"), "ERR template: :1: unclosed comment");
	ck_assert_str_eq(render("{{}}"), "ERR template: :1: missing value for command");
}
END_TEST

static bool label_method(void *ud, json_object *dot, const char *name, json_object *const *args, size_t nargs,
			 json_object **out, const char **err)
{
	json_object *labels, *v;

	(void)ud;
	if (strcmp(name, "Label") != 0)
		return false;
	if (nargs != 1 || !json_object_is_type(args[0], json_type_string)) {
		*err = "Label takes one name";
		return false;
	}
	*out = json_object_object_get_ex(dot, "Labels", &labels) &&
		       json_object_object_get_ex(labels, json_object_get_string(args[0]), &v)
		   ? json_object_new_string(json_object_get_string(v))
		   : json_object_new_string("");
	return true;
}

START_TEST(test_template__exec_errors_and_methods)
{
	struct tmpl_exec_options strict = {true, label_method, NULL};

	ck_assert_str_eq(render_opts("{{.Foo}}", NULL, &strict),
			 "ERR template: :1:2: executing \"\" at <.Foo>: can't evaluate field Foo in type "
			 "map[string]interface {}");
	ck_assert_str_eq(render_opts("{{.Label \"a\"}}/{{.Label \"zz\"}}", NULL, &strict), "1/");
	ck_assert_str_eq(
	    render_opts("{{.Label 1 2}}", NULL, &strict),
	    "ERR template: :1:2: executing \"\" at <.Label>: error calling Label: Label takes one name");
	ck_assert_str_eq(render("{{.Names 1}}"),
			 "ERR template: :1:2: executing \"\" at <.Names>: Names has arguments but cannot be "
			 "invoked as function");
	ck_assert_str_eq(
	    render("{{.None.X}}"),
	    "ERR template: :1:2: executing \"\" at <.None.X>: nil pointer evaluating interface {}.X");
	ck_assert_str_eq(
	    render("{{.Names.X}}"),
	    "ERR template: :1:2: executing \"\" at <.Names.X>: can't evaluate field X in type string");
	ck_assert_str_eq(render("{{$x}}"),
			 "ERR template: :1:2: executing \"\" at <$x>: undefined variable: $x");
	ck_assert_str_eq(
	    render("{{upper .Count}}"),
	    "ERR template: :1:2: executing \"\" at <upper>: error calling upper: wrong type for value; "
	    "expected string; got int");
	ck_assert_str_eq(render("{{join .List}}"),
			 "ERR template: :1:2: executing \"\" at <join>: error calling "
			 "join: wrong number of args for join: want 2 got 1");
	ck_assert_str_eq(render("{{eq .Names 1}}"),
			 "ERR template: :1:2: executing \"\" at <eq>: error calling eq: "
			 "incompatible types for comparison");
	ck_assert_str_eq(render("{{range .Names}}{{end}}"),
			 "ERR template: :1:8: executing \"\" at <.Names>: range can't iterate over web");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("template");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_template__fields_and_printing);
	tcase_add_test(tc, test_template__json);
	tcase_add_test(tc, test_template__functions);
	tcase_add_test(tc, test_template__control);
	tcase_add_test(tc, test_template__parse_errors);
	tcase_add_test(tc, test_template__exec_errors_and_methods);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
