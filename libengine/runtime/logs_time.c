/*
 * Time values as Docker's since/until parameters take them (Unix seconds,
 * RFC 3339 and its shorter forms, Go durations before now), and the fixed
 * nanosecond RFC 3339 form its logs and events print.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <engine/logs.h>

#include "core/error.h"
#include "runtime/runtime.h"
#include "util/str.h"

/* "1700000000" or "1700000000.123456789". */
static bool parse_unix(const char *s, int64_t *out)
{
	int64_t sec = 0, frac = 0, scale = 1000000000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (sec > INT64_MAX / 10 / 1000000000)
			return false;
		sec = sec * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		for (; isdigit((unsigned char)*p); p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (*p)
		return false;
	*out = sec * 1000000000 + frac;
	return true;
}

/* Go's time.ParseDuration: "300ms", "1.5h", "2h45m". */
static bool parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1},	 {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
		     {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	double total = 0;
	const char *p = s;

	if (!*p)
		return false;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		size_t best = 0;
		int which = -1;

		if (end == p || v < 0)
			return false;
		p = end;
		for (int i = 0; i < (int)(sizeof(units) / sizeof(units[0])); i++) {
			size_t len = strlen(units[i].unit);

			if (strncmp(p, units[i].unit, len) == 0 && len > best) {
				best = len;
				which = i;
			}
		}
		if (which < 0)
			return false;
		total += v * units[which].ns;
		p += best;
	}
	if (total > 9.2e18)
		return false;
	*out = (int64_t)total;
	return true;
}

/* RFC 3339 and Docker's shorter layouts. */
static bool parse_date(const char *s, int64_t *out)
{
	static const char *const layouts[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H",
					      "%Y-%m-%d"};
	struct tm tm;
	const char *rest = NULL;
	int64_t frac = 0, sec;

	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]) && !rest; i++) {
		memset(&tm, 0, sizeof(tm));
		rest = strptime(s, layouts[i], &tm);
	}
	if (!rest)
		return false;
	if (*rest == '.') {
		int64_t scale = 1000000000;

		rest++;
		if (!isdigit((unsigned char)*rest))
			return false;
		for (; isdigit((unsigned char)*rest); rest++)
			if (scale > 1) {
				scale /= 10;
				frac += (*rest - '0') * scale;
			}
	}
	if (*rest == 'Z' || *rest == 'z') {
		if (rest[1])
			return false;
		sec = (int64_t)timegm(&tm);
	} else if (*rest == '+' || *rest == '-') {
		int hh, mm;

		if (strlen(rest) != 6 || rest[3] != ':' || !isdigit((unsigned char)rest[1]) ||
		    !isdigit((unsigned char)rest[2]) || !isdigit((unsigned char)rest[4]) ||
		    !isdigit((unsigned char)rest[5]))
			return false;
		hh = (rest[1] - '0') * 10 + (rest[2] - '0');
		mm = (rest[4] - '0') * 10 + (rest[5] - '0');
		sec = (int64_t)timegm(&tm) - (rest[0] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
	} else if (!*rest) {
		tm.tm_isdst = -1;
		sec = (int64_t)mktime(&tm);
	} else {
		return false;
	}
	*out = sec * 1000000000 + frac;
	return true;
}

ENGINE_EXTERN int engine_time_parse(const char *value, int64_t now_ns, int64_t *out)
{
	int64_t v;

	if (!value || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_time_parse: NULL argument");
	if (parse_unix(value, &v) || parse_date(value, &v)) {
		*out = v;
		return 0;
	}
	if (parse_duration(value, &v)) {
		*out = now_ns - v;
		return 0;
	}
	return engine__error_set(
	    ENGINE_EINVALID, 0, "invalid time \"%s\": expected Unix seconds, RFC 3339 or a duration like 10m",
	    value);
}

ENGINE_EXTERN int engine_time_format(int64_t ns, char **out)
{
	char buf[64];

	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_time_format: NULL argument");
	engine__format_time(buf, sizeof(buf), ns);
	*out = strdup(buf);
	return *out ? 0 : engine__error_oom();
}

ENGINE_EXTERN int engine_duration_format(int64_t seconds, char **out)
{
	char buf[64];

	if (!out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_duration_format: NULL argument");
	engine__human_duration(seconds, buf, sizeof(buf));
	*out = strdup(buf);
	return *out ? 0 : engine__error_oom();
}
