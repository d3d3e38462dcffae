/* WWW-Authenticate challenges (RFC 7235) as registries send them, and the
 * token endpoint URL they lead to. Pure. */
#ifndef ENGINE_REGISTRY_CHALLENGE_H
#define ENGINE_REGISTRY_CHALLENGE_H

enum engine__auth_scheme {
	ENGINE__AUTH_NONE = 0,
	ENGINE__AUTH_BASIC,
	ENGINE__AUTH_BEARER,
};

typedef struct engine__challenge {
	int scheme;  /* engine__auth_scheme */
	char *realm; /* Bearer: the token endpoint URL */
	char *service;
	char *scope; /* what the registry asked for, may be NULL */
	char *error; /* error="insufficient_scope" etc., may be NULL */
} engine__challenge;

/* Parse one challenge header value ("Bearer realm=\"..\",service=\"..\"").
 * ENGINE_EINVALID for a malformed value or a Bearer without realm;
 * ENGINE_ENOTSUP for schemes other than Basic and Bearer. */
int engine__challenge_parse(const char *header, engine__challenge *out);
void engine__challenge_clear(engine__challenge *c);

/* "<realm>?service=<svc>&scope=<s1>&scope=<s2>", each value URL-escaped.
 * @scopes is a NULL-terminated vector. */
char *engine__challenge_token_url(const engine__challenge *c, char *const *scopes);

#endif
