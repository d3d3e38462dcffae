/* Routing: the optional /vN.NN prefix, and patterns with {param} and
 * {param*} (several segments, for image names like "reg:5000/a/b:1"). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int hs__strip_version(const char *url, char *version, size_t vlen, const char **rest)
{
	const char *p = url + 2;
	size_t n;

	version[0] = '\0';
	*rest = url;
	if (strncmp(url, "/v", 2) != 0 || !(*p >= '0' && *p <= '9'))
		return 0;
	n = strspn(p, "0123456789.");
	if (p[n] != '/' && p[n] != '\0')
		return 0;
	/* "/v1.41": digits, one dot, digits. */
	if (n >= vlen || !strchr(p, '.') || strchr(p, '.') > p + n || p[n - 1] == '.' ||
	    strspn(strchr(p, '.') + 1, "0123456789") != (size_t)(p + n - strchr(p, '.') - 1))
		return -1;
	memcpy(version, p, n);
	version[n] = '\0';
	*rest = p[n] ? p + n : "/";
	return 0;
}

int hs__version_cmp(const char *a, const char *b)
{
	long amaj = strtol(a, NULL, 10), bmaj = strtol(b, NULL, 10);
	long amin = strchr(a, '.') ? strtol(strchr(a, '.') + 1, NULL, 10) : 0;
	long bmin = strchr(b, '.') ? strtol(strchr(b, '.') + 1, NULL, 10) : 0;

	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	return amin < bmin ? -1 : amin > bmin;
}

/* Split "/a/b/c" into segments (in place in @buf). */
static size_t split(char *buf, char **segs, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(buf, "/", &save); tok && n < max; tok = strtok_r(NULL, "/", &save))
		segs[n++] = tok;
	return n;
}

static void clear_params(hs_request *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i][0]);
		free(req->params[i][1]);
	}
	req->nparams = 0;
}

static int add_param(hs_request *req, const char *name, size_t nlen, char **segs, size_t from, size_t to)
{
	size_t len = 0;
	char *v;

	if (req->nparams >= HS_MAX_PARAMS)
		return -1;
	for (size_t i = from; i < to; i++)
		len += strlen(segs[i]) + 1;
	v = malloc(len + 1);
	if (!v)
		return -1;
	v[0] = '\0';
	for (size_t i = from; i < to; i++) {
		if (i > from)
			strcat(v, "/");
		strcat(v, segs[i]);
	}
	req->params[req->nparams][0] = strndup(name, nlen);
	req->params[req->nparams][1] = v;
	if (!req->params[req->nparams][0]) {
		free(v);
		return -1;
	}
	req->nparams++;
	return 0;
}

/* Match pattern segments @ps against path segments @xs, binding params. */
static bool match(hs_request *req, char **ps, size_t np, char **xs, size_t nx)
{
	if (np == 0)
		return nx == 0;
	if (ps[0][0] == '{') {
		size_t len = strlen(ps[0]);
		bool greedy = len > 3 && ps[0][len - 2] == '*';
		size_t nlen = len - 2 - (greedy ? 1 : 0);

		if (!greedy) {
			if (nx == 0)
				return false;
			if (add_param(req, ps[0] + 1, nlen, xs, 0, 1) < 0)
				return false;
			if (match(req, ps + 1, np - 1, xs + 1, nx - 1))
				return true;
			free(req->params[--req->nparams][0]);
			free(req->params[req->nparams][1]);
			return false;
		}
		/* Longest first: "/images/a/json/json" names image "a/json". */
		for (size_t take = nx; take >= 1; take--) {
			if (nx - take < np - 1)
				continue;
			if (add_param(req, ps[0] + 1, nlen, xs, 0, take) < 0)
				return false;
			if (match(req, ps + 1, np - 1, xs + take, nx - take))
				return true;
			free(req->params[--req->nparams][0]);
			free(req->params[req->nparams][1]);
		}
		return false;
	}
	if (nx == 0 || strcmp(ps[0], xs[0]) != 0)
		return false;
	return match(req, ps + 1, np - 1, xs + 1, nx - 1);
}

static bool method_ok(const char *route, const char *method)
{
	return strcmp(route, method) == 0 || (strcmp(route, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

int hs__route(hs_request *req, const struct hs_route *routes, const char *path)
{
	char *pbuf = strdup(path), *xs[64];
	size_t nx;
	int found = -1;

	if (!pbuf)
		return -1;
	nx = split(pbuf, xs, 64);
	for (int pass = 0; pass < 2 && found != 0; pass++) {
		for (const struct hs_route *r = routes; r->method; r++) {
			char *rbuf, *ps[32];
			size_t np;
			bool ok;

			/* Exact method matches first, so an explicit HEAD route wins over GET. */
			if (pass == 0 ? strcmp(r->method, req->method) != 0
				      : !method_ok(r->method, req->method))
				continue;
			rbuf = strdup(r->pattern);
			if (!rbuf)
				break;
			np = split(rbuf, ps, 32);
			ok = match(req, ps, np, xs, nx);
			free(rbuf);
			if (ok) {
				req->route = r;
				found = 0;
				break;
			}
			clear_params(req);
		}
	}
	if (found != 0) {
		/* Does any route have this path under another method? */
		for (const struct hs_route *r = routes; r->method; r++) {
			char *rbuf = strdup(r->pattern), *ps[32];
			size_t np;
			bool ok;

			if (!rbuf)
				break;
			np = split(rbuf, ps, 32);
			ok = match(req, ps, np, xs, nx);
			free(rbuf);
			clear_params(req);
			if (ok) {
				found = -2;
				break;
			}
		}
	}
	free(pbuf);
	return found;
}
