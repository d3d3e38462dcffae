/*
 * engine_spec setters for what happens around the command rather than in
 * it: the restart policy the monitor applies when the container exits, how
 * it is stopped, and the labels that describe the container.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "util/str.h"
#include "util/strv.h"

int engine__restart_policy_parse(const char *policy, char *name, int *max)
{
	const char *colon;
	char *end;
	size_t len;
	long n = 0;

	if (!policy || !*policy)
		policy = "no";
	colon = strchr(policy, ':');
	len = colon ? (size_t)(colon - policy) : strlen(policy);
	if (colon) {
		n = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || n < 0 || n > 1000000)
			return engine__error_set(ENGINE_EINVALID, 0,
						 "restart policy \"%s\": the maximum retry count must be a "
						 "number >= 0",
						 policy);
	}
	static const char *const names[] = {"no", "always", "unless-stopped", "on-failure"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) != len || strncmp(names[i], policy, len) != 0)
			continue;
		if (colon && i != 3)
			return engine__error_set(
			    ENGINE_EINVALID, 0,
			    "restart policy \"%s\": a maximum retry count only goes with "
			    "on-failure",
			    policy);
		strcpy(name, names[i]);
		*max = (int)n;
		return 0;
	}
	return engine__error_set(ENGINE_EINVALID, 0,
				 "invalid restart policy \"%s\": use no, always, unless-stopped or "
				 "on-failure[:max-retries]",
				 policy);
}

ENGINE_EXTERN int engine_spec_set_restart_policy(engine_spec *s, const char *policy)
{
	char name[16];
	int max, r;

	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	r = engine__restart_policy_parse(policy, name, &max);
	if (r < 0)
		return r;
	strcpy(s->restart, name);
	s->restart_max = max;
	return 0;
}

ENGINE_EXTERN int engine_spec_add_label(engine_spec *s, const char *label)
{
	size_t klen;

	if (!s || !label)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_spec_add_label: NULL argument");
	klen = strcspn(label, "=");
	if (klen == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid label \"%s\": empty name", label);
	/* A later value for the same key replaces the earlier one. */
	for (size_t i = 0; s->labels && s->labels[i]; i++)
		if (strncmp(s->labels[i], label, klen) == 0 &&
		    (s->labels[i][klen] == '=' || s->labels[i][klen] == '\0')) {
			char *copy = label[klen] ? strdup(label) : engine__strdup_printf("%s=", label);

			if (!copy)
				return engine__error_oom();
			free(s->labels[i]);
			s->labels[i] = copy;
			return 0;
		}
	if (label[klen])
		return engine__strv_push(&s->labels, label);
	return engine__strv_push_take(&s->labels, engine__strdup_printf("%s=", label));
}

ENGINE_EXTERN int engine_spec_set_stop_signal(engine_spec *s, const char *signal)
{
	char *copy;
	int sig;

	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	if (signal && engine__signal_parse(signal, &sig) < 0)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid stop signal \"%s\"", signal);
	copy = signal ? strdup(signal) : NULL;
	if (signal && !copy)
		return engine__error_oom();
	free(s->stop_signal);
	s->stop_signal = copy;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_stop_timeout(engine_spec *s, int seconds)
{
	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	if (seconds < -1)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "invalid stop timeout %d: seconds >= 0, or -1 for the default",
					 seconds);
	s->stop_timeout = seconds;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_cancel_fd(engine_spec *s, int fd)
{
	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	if (fd < -1)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid cancel fd %d", fd);
	s->cancel_fd = fd;
	return 0;
}

ENGINE_EXTERN int engine_spec_set_privileged(engine_spec *s, int enable)
{
	if (!s)
		return engine__error_set(ENGINE_EINVALID, 0, "spec is NULL");
	s->privileged = enable != 0;
	return 0;
}
