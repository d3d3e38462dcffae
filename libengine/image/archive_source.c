/* Image archives as named members: a directory read in place, or a tar read
 * once with large members streamed into (uncommitted) blob writers. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "image/archive_source.h"
#include "image/archive_util.h"
#include "image/internal.h"
#include "image/store.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/safepath.h"
#include "util/str.h"
#include "util/thread.h"

/* Members up to this size stay in memory (manifests, configs, indexes,
 * empty layers), within a total budget; anything else goes to the store. */
#define MEM_MEMBER_MAX (1024 * 1024)
#define MEM_TOTAL_MAX (256 * 1024 * 1024)
#define CHUNK (1024 * 1024)
#define MAX_LINK_DEPTH 40

struct member {
	char *name;
	char *link; /* a tar symlink or hardlink: the member it stands for */
	char *data; /* content kept in memory */
	size_t len;
	engine__blob_writer *w; /* content streamed into the store, uncommitted */
	bool has_content;
	bool has_digest;
	bool committed;
	int64_t size;
	char digest[ENGINE__DIGEST_LEN + 1];
	unsigned char magic[6]; /* the first bytes, to tell compressed layers */
	size_t magic_len;
};

struct engine__source {
	engine_context *ctx;
	char *path;
	int dirfd; /* directory sources; -1 for a tar */
	struct member *m;
	size_t n, cap;
	size_t mem_total;
};

static void member_clear(struct member *m)
{
	free(m->link);
	free(m->data);
	engine__blob_writer_free(m->w);
	m->link = NULL;
	m->data = NULL;
	m->w = NULL;
	m->len = 0;
	m->magic_len = 0;
	m->has_content = m->has_digest = m->committed = false;
}

void engine__source_free(engine__source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->n; i++) {
		member_clear(&src->m[i]);
		free(src->m[i].name);
	}
	free(src->m);
	if (src->dirfd >= 0)
		close(src->dirfd);
	free(src->path);
	free(src);
}

int engine__source_clean_name(const char *name, const char *what, char **out)
{
	size_t len = strlen(name);
	cleanup_free char *buf = malloc(len + 1);
	const char *p = name;
	size_t o = 0;

	if (!buf)
		return engine__error_oom();
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* empty or "." component */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			return engine__error_set(ENGINE_EINVALID, 0, "%s: path \"%s\" escapes the archive",
						 what, name);
		} else {
			if (o)
				buf[o++] = '/';
			memcpy(buf + o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	if (o == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: empty path \"%s\"", what, name);
	buf[o] = '\0';
	*out = steal_ptr(buf);
	return 0;
}

char *engine__source_blob_name(const char *digest)
{
	const char *colon = strchr(digest, ':');

	if (!colon)
		return engine__strdup_printf("blobs/%s", digest);
	return engine__strdup_printf("blobs/%.*s/%s", (int)(colon - digest), digest, colon + 1);
}

static struct member *find(engine__source *src, const char *name)
{
	for (size_t i = 0; i < src->n; i++)
		if (strcmp(src->m[i].name, name) == 0)
			return &src->m[i];
	return NULL;
}

static struct member *add(engine__source *src, const char *name)
{
	struct member *m = find(src, name);

	if (m) {
		/* A later tar entry of the same name replaces the earlier one. */
		member_clear(m);
		return m;
	}
	if (src->n == src->cap) {
		size_t cap = src->cap ? src->cap * 2 : 32;
		struct member *nm = realloc(src->m, cap * sizeof(*nm));

		if (!nm)
			return NULL;
		src->m = nm;
		src->cap = cap;
	}
	m = &src->m[src->n];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return NULL;
	src->n++;
	return m;
}

/* Follow tar links to the member holding content; NULL when absent. */
static struct member *resolve(engine__source *src, const char *name)
{
	struct member *m = find(src, name);

	for (int depth = 0; m && m->link && depth < MAX_LINK_DEPTH; depth++)
		m = find(src, m->link);
	return m && !m->link ? m : NULL;
}

/* --- tar sources ------------------------------------------------------- */

static void note_magic(struct member *m, const char *data, size_t n)
{
	while (n-- && m->magic_len < sizeof(m->magic))
		m->magic[m->magic_len++] = (unsigned char)*data++;
}

static int read_member(engine__source *src, struct archive *a, struct member *m, int64_t size)
{
	cleanup_free char *buf = NULL;
	engine__sha256 *h = NULL;
	int64_t total = 0;
	bool in_mem = size >= 0 && size <= MEM_MEMBER_MAX && src->mem_total + (size_t)size <= MEM_TOTAL_MAX;
	/* A member streamed into the store is hashed by its writer alone. */
	int r = in_mem ? engine__sha256_new(&h) : 0;

	if (r < 0)
		return r;
	if (!in_mem) {
		const char *expected = NULL;

		/* A member named after its digest is verified by the writer too. */
		if (engine__str_starts_with(m->name, "blobs/sha256/") && strlen(m->name) == 13 + 64) {
			char d[ENGINE__DIGEST_LEN + 1];

			snprintf(d, sizeof(d), "sha256:%s", m->name + 13);
			if (engine__digest_valid(d))
				expected = d;
			r = engine__blob_writer_new(src->ctx, expected, &m->w);
		} else {
			r = engine__blob_writer_new(src->ctx, NULL, &m->w);
		}
		if (r < 0)
			goto out;
	}
	buf = malloc(in_mem ? (size_t)size + 1 : CHUNK);
	if (!buf) {
		r = engine__error_oom();
		goto out;
	}
	for (;;) {
		size_t want = in_mem ? (size_t)(size - total) + 1 : CHUNK;
		la_ssize_t n = archive_read_data(a, in_mem ? buf + total : buf, want ? want : 1);

		if (n < 0) {
			r = engine__archive_error(a, m->name);
			goto out;
		}
		if (n == 0)
			break;
		if (in_mem && (r = engine__sha256_update(h, buf + total, (size_t)n)) < 0)
			goto out;
		note_magic(m, in_mem ? buf + total : buf, (size_t)n);
		if (!in_mem && (r = engine__blob_writer_write(m->w, buf, (size_t)n)) < 0)
			goto out;
		total += n;
		if (in_mem && total > size) {
			r = engine__error_set(ENGINE_EINVALID, 0, "%s: more data than its header says",
					      m->name);
			goto out;
		}
	}
	r = in_mem ? engine__sha256_final(h, m->digest) : engine__blob_writer_digest(m->w, m->digest);
	if (r < 0)
		goto out;
	if (in_mem) {
		buf[total] = '\0';
		m->data = steal_ptr(buf);
		m->len = (size_t)total;
		src->mem_total += m->len;
	}
	m->size = total;
	m->has_content = m->has_digest = true;
out:
	engine__sha256_free(h);
	return r;
}

/* A link target as a member name: hardlinks name a member of the archive,
 * symlinks are relative to the link's own directory. */
static int link_target(const char *name, const char *target, bool symbolic, char **out)
{
	cleanup_free char *joined = NULL;
	const char *slash = strrchr(name, '/');

	if (!symbolic || target[0] == '/' || !slash)
		return engine__source_clean_name(target, name, out);
	joined = engine__strdup_printf("%.*s/%s", (int)(slash - name), name, target);
	if (!joined)
		return engine__error_oom();
	return engine__source_clean_name(joined, name, out);
}

static int read_tar(engine__source *src, int fd)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	engine__unpack_options limits = {0};
	uint64_t bytes = 0, entries = 0;
	int r = engine__archive_reader_fd(fd, &a);

	if (r < 0)
		return r;
	/* The layer limits bound the archive too: a compressed archive that
	 * expands without end is refused, not stored. */
	engine__unpack_limits(src->ctx, &limits);
	for (;;) {
		cleanup_free char *name = NULL;
		const char *hard, *sym;
		struct member *m;
		int ar = archive_read_next_header(a, &e);

		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
			r = engine__archive_error(a, "read archive");
			goto out;
		}
		bytes += archive_entry_size(e) > 0 ? (uint64_t)archive_entry_size(e) : 0;
		if (++entries > limits.max_entries || bytes > limits.max_bytes) {
			r = engine__error_set(
			    ENGINE_EINVALID, 0, "archive exceeds the limit of %llu entries or %llu bytes",
			    (unsigned long long)limits.max_entries, (unsigned long long)limits.max_bytes);
			goto out;
		}
		/* A member whose name escapes can never be referenced: skip it. */
		if (engine__source_clean_name(archive_entry_pathname(e), "member", &name) < 0) {
			engine_error_clear();
			continue;
		}
		hard = archive_entry_hardlink(e);
		sym = archive_entry_filetype(e) == AE_IFLNK ? archive_entry_symlink(e) : NULL;
		if (!hard && !sym && archive_entry_filetype(e) != AE_IFREG)
			continue;
		m = add(src, name);
		if (!m) {
			r = engine__error_oom();
			goto out;
		}
		if (hard || sym) {
			r = link_target(name, hard ? hard : sym, !hard, &m->link);
			if (r < 0) {
				/* Links out of the archive resolve to nothing. */
				engine_error_clear();
				r = 0;
			}
			continue;
		}
		r = read_member(src, a, m, archive_entry_size(e));
		if (r < 0)
			goto out;
	}
out:
	engine__archive_reader_free(a);
	return r;
}

/* --- directory sources ---------------------------------------------------- */

/* Only a regular file is opened: the directory may be someone else's (a
 * layout a container wrote into a volume), and a FIFO there hung the load
 * for good, a device node had the host read (or rewind) a host device. */
static int open_in_dir(engine__source *src, const char *name)
{
	struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	cleanup_close int pfd = (int)syscall(SYS_openat2, src->dirfd, name, &how, sizeof(how));
	int fd;

	/* Without openat2 the name is still clean of "..": links inside the
	 * caller's own directory are followed as the caller would. */
	if (pfd < 0 && (errno == ENOSYS || errno == EPERM))
		pfd = openat(src->dirfd, name, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	fd = engine__reopen_regular(pfd);
	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	return fd;
}

static int dir_missing(engine__source *src, const char *name, int err)
{
	if (err == ENOENT || err == ENOTDIR)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: no such file in %s", name, src->path);
	if (err == EINVAL)
		return engine__error_set(ENGINE_EINVALID, 0, "%s in %s: not a regular file", name, src->path);
	return engine__error_errno(err, "open %s in %s", name, src->path);
}

/* Read an opened directory member in, computing its digest: into memory,
 * or into a blob writer (which hashes it). */
static int dir_fill(engine__source *src, struct member *m, int fd, const struct stat *st, bool in_memory)
{
	cleanup_free char *buf = NULL;
	engine__sha256 *h = NULL;
	int64_t total = 0;
	int r = 0;

	member_clear(m);
	if (in_memory && (r = engine__sha256_new(&h)) < 0)
		return r;
	if (!in_memory && (r = engine__blob_writer_new(src->ctx, NULL, &m->w)) < 0)
		goto out;
	buf = malloc(in_memory ? (size_t)st->st_size + 1 : CHUNK);
	if (!buf) {
		r = engine__error_oom();
		goto out;
	}
	for (;;) {
		size_t want = in_memory ? (size_t)(st->st_size - total) : CHUNK;
		ssize_t n = want ? read(fd, in_memory ? buf + total : buf, want) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = engine__error_errno(errno, "read %s in %s", m->name, src->path);
			goto out;
		}
		if (n == 0)
			break;
		if (in_memory && (r = engine__sha256_update(h, buf + total, (size_t)n)) < 0)
			goto out;
		note_magic(m, in_memory ? buf + total : buf, (size_t)n);
		if (!in_memory && (r = engine__blob_writer_write(m->w, buf, (size_t)n)) < 0)
			goto out;
		total += n;
	}
	r = in_memory ? engine__sha256_final(h, m->digest) : engine__blob_writer_digest(m->w, m->digest);
	if (r < 0)
		goto out;
	if (in_memory) {
		buf[total] = '\0';
		m->data = steal_ptr(buf);
		m->len = (size_t)total;
	}
	m->size = total;
	m->has_content = m->has_digest = true;
out:
	engine__sha256_free(h);
	return r;
}

/* Bring a directory member in, computing its digest: small files to memory,
 * large ones into a blob writer. @need_memory: the caller parses it. */
static int dir_load(engine__source *src, const char *name, bool need_memory, struct member **out)
{
	struct member *m = find(src, name);
	cleanup_close int fd = -EBADF;
	struct stat st;
	bool in_memory;
	int r;

	if (m && m->has_content && (m->data || !need_memory)) {
		*out = m;
		return 0;
	}
	fd = open_in_dir(src, name);
	if (fd < 0)
		return dir_missing(src, name, errno);
	if (fstat(fd, &st) < 0)
		return engine__error_errno(errno, "stat %s in %s", name, src->path);
	if (!S_ISREG(st.st_mode))
		return engine__error_set(ENGINE_EINVALID, 0, "%s in %s: not a regular file", name, src->path);
	in_memory = st.st_size <= MEM_MEMBER_MAX;
	if (need_memory && !in_memory)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: too large for metadata (%lld bytes)", name,
					 (long long)st.st_size);
	if (!m && !(m = add(src, name)))
		return engine__error_oom();
	r = dir_fill(src, m, fd, &st, in_memory);
	if (r == 0)
		*out = m;
	return r;
}

/* Prefetch: large members (layers) copied and hashed several at a time,
 * each on a thread of its own; what fails is left to dir_load, which
 * reports it in order. */
struct prefetch {
	engine__source *src;
	struct member *m;
	pthread_t thread;
};

static void *prefetch_one(void *arg)
{
	struct prefetch *p = arg;
	cleanup_close int fd = open_in_dir(p->src, p->m->name);
	struct stat st;

	engine__thread_block_signals();
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= MEM_MEMBER_MAX)
		return NULL;
	if (dir_fill(p->src, p->m, fd, &st, false) < 0) {
		member_clear(p->m);
		engine_error_clear();
	}
	return NULL;
}

int engine__source_prefetch(engine__source *src, char *const *names)
{
	size_t n = 0, window = engine__layer_parallelism();
	cleanup_free struct prefetch *jobs = NULL;
	size_t started = 0, joined = 0;

	if (src->dirfd < 0 || !names)
		return 0; /* a tar was read whole when opened */
	while (names[n])
		n++;
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	if (!jobs)
		return engine__error_oom();
	/* Members are added first: no thread sees the array move. */
	for (size_t i = 0; i < n; i++) {
		struct member *m = find(src, names[i]);

		if (m && m->has_content)
			continue;
		if (!m && !add(src, names[i]))
			return engine__error_oom();
	}
	for (size_t i = 0; i < n; i++) {
		struct member *m = find(src, names[i]);
		bool dup = false;

		for (size_t k = 0; k < started; k++)
			dup = dup || jobs[k].m == m;
		if (m->has_content || dup)
			continue;
		if (started - joined == window) {
			pthread_join(jobs[joined].thread, NULL);
			joined++;
		}
		jobs[started].src = src;
		jobs[started].m = m;
		if (pthread_create(&jobs[started].thread, NULL, prefetch_one, &jobs[started]) != 0)
			break; /* dir_load does the rest */
		started++;
	}
	while (joined < started)
		pthread_join(jobs[joined++].thread, NULL);
	return 0;
}

/* Copy-and-unpack: a directory member opened for a layer job that copies
 * it into the store as it unpacks it, then adopted as if staged. */
int engine__source_open_blob(engine__source *src, const char *name, int *fd_out, engine__blob_writer **w_out)
{
	struct member *m = find(src, name);
	cleanup_close int fd = -EBADF;
	int r;

	*fd_out = -1;
	*w_out = NULL;
	if (src->dirfd < 0 || (m && m->has_content))
		return 0;
	fd = open_in_dir(src, name);
	if (fd < 0)
		return 0; /* staging reports it */
	if ((r = engine__blob_writer_new(src->ctx, NULL, w_out)) < 0)
		return r;
	*fd_out = steal_fd(fd);
	return 0;
}

int engine__source_adopt(engine__source *src, const char *name, engine__blob_writer *w)
{
	struct member *m = find(src, name);
	ssize_t n;
	int r;

	if (!m && !(m = add(src, name))) {
		engine__blob_writer_free(w);
		return engine__error_oom();
	}
	member_clear(m);
	if ((r = engine__blob_writer_digest(w, m->digest)) < 0) {
		engine__blob_writer_free(w);
		return r;
	}
	n = pread(engine__blob_writer_fd(w), m->magic, sizeof(m->magic), 0);
	m->magic_len = n > 0 ? (size_t)n : 0;
	m->size = engine__blob_writer_size(w);
	m->w = w;
	m->has_content = m->has_digest = true;
	return 0;
}

engine_context *engine__source_context(engine__source *src)
{
	return src->ctx;
}

/* --- the interface -------------------------------------------------------- */

int engine__source_open(engine_context *ctx, const char *path, engine__source **out)
{
	engine__source *src = calloc(1, sizeof(*src));
	cleanup_close int fd = -EBADF;
	struct stat st;
	int r;

	if (!src)
		return engine__error_oom();
	src->ctx = ctx;
	src->dirfd = -1;
	src->path = strdup(path);
	if (!src->path) {
		engine__source_free(src);
		return engine__error_oom();
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = errno == ENOENT
			? engine__error_set(ENGINE_ENOTFOUND, ENOENT, "%s: no such file or directory", path)
			: engine__error_errno(errno, "open %s", path);
		engine__source_free(src);
		return r;
	}
	if (S_ISDIR(st.st_mode)) {
		src->dirfd = steal_fd(fd);
		*out = src;
		return 0;
	}
	r = read_tar(src, fd);
	if (r < 0) {
		engine__error_wrap("%s", path);
		engine__source_free(src);
		return r;
	}
	*out = src;
	return 0;
}

bool engine__source_has(engine__source *src, const char *name)
{
	if (src->dirfd >= 0) {
		struct stat st;

		if (find(src, name))
			return true;
		cleanup_close int fd = open_in_dir(src, name);
		return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	}
	return resolve(src, name) != NULL;
}

static int get_member(engine__source *src, const char *name, bool in_memory, struct member **out)
{
	struct member *m;

	if (src->dirfd >= 0)
		return dir_load(src, name, in_memory, out);
	m = resolve(src, name);
	if (!m || !m->has_content)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: no such file in the archive", name);
	if (in_memory && !m->data)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: too large for metadata (%lld bytes)", name,
					 (long long)m->size);
	*out = m;
	return 0;
}

int engine__source_read_json(engine__source *src, const char *name, json_object **out)
{
	struct member *m;
	int r = get_member(src, name, true, &m);

	if (r < 0)
		return r;
	return engine__json_parse(m->data, m->len, name, out);
}

int engine__source_stage(engine__source *src, const char *name, char digest_out[ENGINE__DIGEST_LEN + 1],
			 int64_t *size_out)
{
	struct member *m;
	int r = get_member(src, name, false, &m);

	if (r < 0)
		return r;
	memcpy(digest_out, m->digest, sizeof(m->digest));
	if (size_out)
		*size_out = m->size;
	return 0;
}

int engine__source_commit(engine__source *src, const char *name)
{
	struct member *m = src->dirfd >= 0 ? find(src, name) : resolve(src, name);
	char got[ENGINE__DIGEST_LEN + 1];
	int r;

	if (!m || !m->has_content)
		return engine__error_set(ENGINE_EINVALID, 0, "%s: not staged", name);
	if (m->committed)
		return 0;
	if (m->w)
		r = engine__blob_writer_commit(m->w, got);
	else
		r = engine__blob_put_buf(src->ctx, m->data, m->len, m->digest, got);
	if (r < 0)
		return engine__error_wrap("store %s", name);
	m->committed = true;
	return 0;
}

bool engine__source_compressed(engine__source *src, const char *name)
{
	static const struct {
		unsigned char bytes[6];
		size_t len;
	} magics[] = {
	    {{0x1f, 0x8b}, 2},			   /* gzip */
	    {{0x28, 0xb5, 0x2f, 0xfd}, 4},	   /* zstd */
	    {{0xfd, '7', 'z', 'X', 'Z', 0x00}, 6}, /* xz */
	    {{'B', 'Z', 'h'}, 3},		   /* bzip2 */
	};
	struct member *m = src->dirfd >= 0 ? find(src, name) : resolve(src, name);

	if (!m || !m->has_content)
		return false;
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (m->magic_len >= magics[i].len && !memcmp(m->magic, magics[i].bytes, magics[i].len))
			return true;
	return false;
}
