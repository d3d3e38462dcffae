/*
 * Verification of an unpacked layer against the blob it came from: the
 * blob is streamed again and every entry compared with the directory (type,
 * mode, owner, size, content, link target, device numbers, whiteouts);
 * entries on disk that the blob does not explain are reported too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "core/error.h"
#include "image/internal.h"
#include "image/pathset.h"
#include "image/store.h"
#include "image/verify.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/str.h"
#include "util/strv.h"

#define MAX_PROBLEMS 20

struct verifier {
	const char *chain;
	int rootfd;
	struct archive *a;
	engine__pathset expected;
	char ***problems;
	size_t count;
};

static int problem(struct verifier *v, const char *rel, const char *what)
{
	if (v->count++ >= MAX_PROBLEMS)
		return 0;
	return engine__strv_push_take(
	    v->problems, rel ? engine__strdup_printf("layer %s: entry \"%s\": %s", v->chain, rel, what)
			     : engine__strdup_printf("layer %s: %s", v->chain, what));
}

static int expect(struct verifier *v, const char *rel)
{
	cleanup_free char *p = strdup(rel);

	if (!p)
		return engine__error_oom();
	for (;;) {
		int r = engine__pathset_add(&v->expected, p);
		char *slash;
		if (r <= 0)
			return r;
		if (!(slash = strrchr(p, '/')))
			return 0;
		*slash = '\0';
	}
}

static int compare_content(struct verifier *v, int fd, const char *rel)
{
	static _Thread_local char a[1 << 16], b[1 << 16];

	for (;;) {
		la_ssize_t n = archive_read_data(v->a, a, sizeof(a));
		if (n < 0)
			return engine__error_set(ENGINE_EINVALID, 0, "read layer blob: %s",
						 archive_error_string(v->a));
		ssize_t got = 0;
		while (got < n) {
			ssize_t m = read(fd, b + got, (size_t)(n - got));
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				break;
			got += m;
		}
		if (got != n || memcmp(a, b, (size_t)n) != 0)
			return problem(v, rel, "content differs");
		if (n == 0)
			return 0;
	}
}

static int check_entry(struct verifier *v, struct archive_entry *e, const char *rel)
{
	mode_t type = archive_entry_filetype(e);
	int flags = type == AE_IFREG && !archive_entry_hardlink(e) ? O_RDONLY : O_PATH;
	cleanup_close int fd = engine__open_beneath(v->rootfd, rel, flags | O_NOFOLLOW, false);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return problem(v, rel, "missing");
	if (archive_entry_hardlink(e)) {
		cleanup_free char *target = NULL;
		struct stat ts;
		if (engine__entry_clean(archive_entry_hardlink(e), "hardlink target", &target) < 0)
			return problem(v, rel, "bad hardlink target");
		cleanup_close int tfd = engine__open_beneath(v->rootfd, target, O_PATH | O_NOFOLLOW, false);
		if (tfd < 0 || fstat(tfd, &ts) < 0 || ts.st_ino != st.st_ino || ts.st_dev != st.st_dev)
			return problem(v, rel, "hardlink broken");
		return 0;
	}
	if ((st.st_mode & S_IFMT) != type)
		return problem(v, rel, "type differs");
	if (type != AE_IFLNK && (st.st_mode & 07777) != (archive_entry_mode(e) & 07777))
		return problem(v, rel, "mode differs");
	if (st.st_uid != (uid_t)archive_entry_uid(e) || st.st_gid != (gid_t)archive_entry_gid(e))
		return problem(v, rel, "owner differs");
	if ((type == AE_IFCHR || type == AE_IFBLK) && st.st_rdev != archive_entry_rdev(e))
		return problem(v, rel, "device numbers differ");
	if (type == AE_IFLNK) {
		char buf[4096];
		ssize_t n = readlinkat(fd, "", buf, sizeof(buf) - 1);
		const char *want = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
		if (n < 0 || (size_t)n != strlen(want) || memcmp(buf, want, (size_t)n) != 0)
			return problem(v, rel, "link target differs");
	}
	if (type == AE_IFREG) {
		if (st.st_size != archive_entry_size(e))
			return problem(v, rel, "size differs");
		return compare_content(v, fd, rel);
	}
	return 0;
}

static int check_whiteout(struct verifier *v, const char *parent, const char *target)
{
	cleanup_free char *rel = parent[0] ? engine__strdup_printf("%s/%s", parent, target) : strdup(target);
	cleanup_close int fd = -EBADF;
	struct stat st;

	if (!rel)
		return engine__error_oom();
	if (expect(v, rel) < 0)
		return ENGINE_ENOMEM;
	fd = engine__open_beneath(v->rootfd, rel, O_PATH | O_NOFOLLOW, false);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
			return 0;
		/* Recreated by the same layer: unpack made it an opaque directory. */
		if (S_ISDIR(st.st_mode)) {
			cleanup_close int dfd =
			    engine__open_beneath(v->rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, false);
			if (dfd >= 0 && engine__overlay_opaque_fd(dfd))
				return 0;
		}
	}
	return problem(v, rel, "whiteout missing");
}

static int check_opaque(struct verifier *v, const char *parent)
{
	cleanup_close int fd = engine__open_beneath(v->rootfd, parent, O_RDONLY | O_DIRECTORY, false);
	if (fd < 0 || !engine__overlay_opaque_fd(fd))
		return problem(v, parent[0] ? parent : ".", "opaque marker missing");
	return 0;
}

/* As deep as commit and export go (diff.c, tree_tar.c): below it a layer
 * is reported, not walked, so a hostile tree cannot exhaust the stack or
 * the fds (one open directory per level) of the daemon's request thread. */
#define MAX_DEPTH 512

/* Everything on disk must be explained by the blob. */
static int find_extra(struct verifier *v, int dfd, const char *prefix, unsigned depth)
{
	int fd = dup(dfd);
	cleanup_closedir DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return problem(v, prefix[0] ? prefix : ".", "unreadable directory");
	}
	while ((de = readdir(d))) {
		cleanup_free char *rel = NULL;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rel = prefix[0] ? engine__strdup_printf("%s/%s", prefix, de->d_name) : strdup(de->d_name);
		if (!rel)
			return engine__error_oom();
		if (!engine__pathset_has(&v->expected, rel)) {
			if (problem(v, rel, "not in the layer blob") < 0)
				return ENGINE_ENOMEM;
			continue;
		}
		if (de->d_type == DT_DIR) {
			cleanup_close int sub = -EBADF;

			if (depth >= MAX_DEPTH) {
				if (problem(v, rel, "nested too deep to check") < 0)
					return ENGINE_ENOMEM;
				continue;
			}
			sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				if (problem(v, rel, "unreadable directory") < 0)
					return ENGINE_ENOMEM;
				continue;
			}
			if (find_extra(v, sub, rel, depth + 1) < 0)
				return ENGINE_ENOMEM;
		}
	}
	return 0;
}

static int walk_blob(struct verifier *v)
{
	struct archive_entry *e;

	for (;;) {
		cleanup_free char *rel = NULL;
		const char *target = NULL, *base;
		int r = archive_read_next_header(v->a, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return problem(v, NULL, "blob unreadable");
		if (engine__entry_clean(archive_entry_pathname(e) ?: "", "entry", &rel) < 0) {
			engine_error_clear();
			return problem(v, archive_entry_pathname(e), "unsafe name in the blob");
		}
		if (!rel[0])
			continue;
		char *slash = strrchr(rel, '/');
		base = slash ? slash + 1 : rel;
		enum engine__whiteout_kind kind = engine__whiteout_classify(base, &target);
		if (kind == ENGINE__WH_META)
			continue;
		if (kind != ENGINE__WH_NONE) {
			cleanup_free char *parent = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
			if (!parent)
				return engine__error_oom();
			r = kind == ENGINE__WH_OPAQUE ? check_opaque(v, parent)
						      : check_whiteout(v, parent, target);
		} else {
			r = expect(v, rel);
			if (r == 0)
				r = check_entry(v, e, rel);
		}
		if (r < 0)
			return r;
	}
}

int engine__layer_verify(engine_context *ctx, const char *chain_id, json_object *rec, char ***problems)
{
	struct verifier v = {.chain = chain_id, .problems = problems};
	cleanup_free char *blob_path = NULL, *diff = NULL;
	cleanup_close int rootfd = -EBADF;
	engine__layer_stream *s = NULL;
	const char *blob = engine__json_get_string(rec, "blob");
	const char *diff_id = engine__json_get_string(rec, "diff_id");
	char got[ENGINE__DIGEST_LEN + 1];
	engine__unpack_options limits = {0};
	int r;

	diff = engine__store_path(ctx, "layers", chain_id, "/diff");
	if (!diff)
		return ENGINE_ENOMEM;
	rootfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return problem(&v, NULL, "diff directory missing");
	if (!blob || engine__blob_path(ctx, blob, &blob_path) < 0) {
		engine_error_clear();
		return problem(&v, NULL, "layer blob missing");
	}
	engine__unpack_limits(ctx, &limits);
	if (engine__layer_stream_open(blob_path, &limits, &s) < 0) {
		engine_error_clear();
		return problem(&v, NULL, "layer blob unreadable");
	}
	v.rootfd = rootfd;
	v.a = engine__layer_stream_archive(s);
	r = walk_blob(&v);
	if (r == 0) {
		if (engine__layer_stream_finish(s, got) < 0) {
			engine_error_clear();
			r = problem(&v, NULL, "layer blob unreadable");
		} else if (!diff_id || strcmp(got, diff_id) != 0) {
			r = problem(&v, NULL, "blob does not match the recorded diff ID");
		}
	}
	if (r == 0)
		r = find_extra(&v, rootfd, "", 0);
	engine__layer_stream_free(s);
	engine__pathset_free(&v.expected);
	if (r == 0 && v.count > MAX_PROBLEMS) {
		char more[64];
		snprintf(more, sizeof(more), "%zu more problems", v.count - MAX_PROBLEMS);
		r = engine__strv_push_take(problems, engine__strdup_printf("layer %s: %s", chain_id, more));
	}
	return r;
}
