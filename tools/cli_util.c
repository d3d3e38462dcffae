/* Docker-style formatting helpers and the confirmation prompt. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"

const char *cli_short_id(const char *id)
{
	static _Thread_local char buf[13];
	const char *hex = strchr(id, ':');

	snprintf(buf, sizeof(buf), "%.12s", hex ? hex + 1 : id);
	return buf;
}

void cli_format_size(int64_t bytes, char *buf, size_t len)
{
	static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(*units)) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

void cli_format_since(int64_t t, char *buf, size_t len)
{
	int64_t s = (int64_t)time(NULL) - t;
	int64_t h = (s + 1800) / 3600;

	if (t <= 0) {
		snprintf(buf, len, "N/A");
		return;
	}
	if (s < 1)
		snprintf(buf, len, "Less than a second ago");
	else if (s == 1)
		snprintf(buf, len, "1 second ago");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds ago", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, len, "About a minute ago");
	else if (s < 3600)
		snprintf(buf, len, "%lld minutes ago", (long long)(s / 60));
	else if (h == 1)
		snprintf(buf, len, "About an hour ago");
	else if (h < 48)
		snprintf(buf, len, "%lld hours ago", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days ago", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks ago", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months ago", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years ago", (long long)(h / 24 / 365));
}

bool cli_confirm(const char *warning)
{
	char line[16];

	fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}
