/*
 * The "registry" section of daemon.json: `engine daemon` serves its store
 * as a registry too, with the options of `engine registry serve`:
 *   "registry": {"addr": "127.0.0.1:5000", "tls-cert": FILE, "tls-key": FILE,
 *                "read-only": false, "htpasswd": FILE, "mirror-of": URL,
 *                "allow-delete": false}
 * Every key is checked, as the daemon checks its own.
 */
#include <stdio.h>
#include <string.h>

#include "registry/regserve.h"

static const struct {
	const char *name;
	json_type type;
} keys[] = {
    {"addr", json_type_string},		 {"tls-cert", json_type_string}, {"tls-key", json_type_string},
    {"read-only", json_type_boolean},	 {"htpasswd", json_type_string}, {"mirror-of", json_type_string},
    {"allow-delete", json_type_boolean},
};

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

int regserve_config_from_json(json_object *section, struct regserve_config *cfg, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_is_type(section, json_type_object)) {
		snprintf(err, errlen, "\"registry\" must be an object");
		return -1;
	}
	json_object_object_foreach(section, k, val)
	{
		size_t i;

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, k) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			snprintf(
			    err, errlen,
			    "\"registry\": unknown key \"%s\" (addr, tls-cert, tls-key, read-only, htpasswd, "
			    "mirror-of, allow-delete)",
			    k);
			return -1;
		}
		if (!json_object_is_type(val, keys[i].type)) {
			snprintf(err, errlen, "\"registry\": \"%s\" must be %s", k,
				 keys[i].type == json_type_boolean ? "a boolean" : "a string");
			return -1;
		}
	}
	memset(cfg, 0, sizeof(*cfg));
	cfg->addr = str(section, "addr");
	cfg->tls_cert = str(section, "tls-cert");
	cfg->tls_key = str(section, "tls-key");
	cfg->htpasswd = str(section, "htpasswd");
	cfg->mirror_of = str(section, "mirror-of");
	cfg->read_only = json_object_object_get_ex(section, "read-only", &v) && json_object_get_boolean(v);
	cfg->allow_delete =
	    json_object_object_get_ex(section, "allow-delete", &v) && json_object_get_boolean(v);
	if (!cfg->tls_cert != !cfg->tls_key) {
		snprintf(err, errlen, "\"registry\": TLS needs both \"tls-cert\" and \"tls-key\"");
		return -1;
	}
	return 0;
}
