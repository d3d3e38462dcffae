/*
 * The plan: a spec and an image config resolved into exactly what the child
 * executes (argv, env, PATH candidates, user ids, overlay options, mounts,
 * files, capabilities, seccomp BPF), all allocated here in the parent, with
 * Docker's rules for Entrypoint/Cmd, Env, WorkingDir, User and HOSTNAME.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/error.h"
#include "env/env.h"
#include "init/init.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mountopt.h"
#include "util/str.h"
#include "util/strv.h"

extern char **environ;

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void engine__plan_free(engine__plan *p)
{
	if (!p)
		return;
	free(p->rootfs_dir);
	free(p->overlay_cwd);
	free(p->overlay_data);
	free(p->tmpfs_dir);
	free(p->tmpfs_data);
	for (int i = 0; i < 3; i++)
		free(p->mkdirs[i]);
	free(p->mounts);
	free(p->files);
	free(p->hostname);
	free(p->working_dir);
	engine__strv_free(p->argv);
	engine__strv_free(p->env);
	engine__strv_free(p->init_argv);
	free(p->groups);
	engine__strv_free(p->sysctl_paths);
	engine__strv_free(p->sysctl_values);
	free(p->rlimits);
	engine__strv_free(p->owned);
	free(p->home);
	engine__host_devices_free(p->host_devices, p->n_host_devices);
	if (p->join_ipcns_fd >= 0)
		close(p->join_ipcns_fd);
	if (p->shm_mntns_fd >= 0)
		close(p->shm_mntns_fd);
	if (p->join_pidns_fd >= 0)
		close(p->join_pidns_fd);
	free(p);
}

int engine__resolve_argv(const engine_spec *spec, json_object *config, char ***out)
{
	cleanup_strv char **argv = NULL, **ep = NULL, **cmd = NULL;

	if (spec->entrypoint_set)
		ep = engine__strv_dup(spec->entrypoint);
	else if (engine__json_to_strv(engine__json_get_type(config, "Entrypoint", json_type_array), &ep) < 0)
		return engine_error_last()->code;
	if (!ep)
		return engine_error_last()->code;
	/* A new entrypoint drops the image's Cmd, as in Docker. */
	if (spec->argv)
		cmd = engine__strv_dup(spec->argv);
	else if (spec->entrypoint_set)
		cmd = engine__strv_dup(NULL);
	else if (engine__json_to_strv(engine__json_get_type(config, "Cmd", json_type_array), &cmd) < 0)
		return engine_error_last()->code;
	if (!cmd)
		return engine_error_last()->code;
	argv = engine__strv_dup(ep);
	if (!argv)
		return engine_error_last()->code;
	for (size_t i = 0; cmd[i]; i++)
		if (engine__strv_push(&argv, cmd[i]) < 0)
			return engine_error_last()->code;
	if (!argv[0])
		return engine__error_set(ENGINE_EINVALID, 0, "no command specified");
	*out = steal_ptr(argv);
	return 0;
}

/* Docker's container environment: PATH and HOSTNAME first, the
 * container's own entries replacing them in place or following them
 * (ReplaceOrAppendEnvValues), then HOME when neither the image nor the
 * user set it. */
static int env_with_docker_defaults(engine__plan *p)
{
	cleanup_free char *path = engine__strdup_printf("PATH=%s", DEFAULT_PATH);
	cleanup_free char *host = engine__strdup_printf("HOSTNAME=%s", p->hostname);
	char *const defaults[] = {path, host, NULL};
	char **env = NULL, *home;
	int r;

	if (!path || !host)
		return ENGINE_ENOMEM;
	if ((r = engine__env_with_defaults(defaults, p->env, &env)) < 0)
		return r;
	engine__strv_free(p->env);
	p->env = env;
	if (engine__env_get(p->env, "HOME"))
		return 0;
	home = engine__strdup_printf("HOME=%s", p->home);
	return engine__strv_push_take(&p->env, home);
}

/* engine-init's argv: it stays as PID 1 (--init) or execs the command. */
int engine__plan_init_argv(engine__plan *p)
{
	if (engine__strv_push(&p->init_argv, ENGINE__INIT_NAME) < 0 ||
	    engine__strv_push(&p->init_argv, p->init ? "--" : "--exec") < 0)
		return ENGINE_ENOMEM;
	for (size_t i = 0; p->argv[i]; i++)
		if (engine__strv_push(&p->init_argv, p->argv[i]) < 0)
			return ENGINE_ENOMEM;
	return 0;
}

/* The longest directory that contains every path, "/" at worst. */
static char *common_dir(char *const *paths)
{
	char *common = strdup(paths[0]);

	if (!common)
		return NULL;
	for (size_t i = 1; paths[i]; i++) {
		size_t n = 0;

		while (common[n] && common[n] == paths[i][n])
			n++;
		if (!(common[n] == '\0' && (paths[i][n] == '/' || paths[i][n] == '\0')))
			while (n > 0 && common[n - 1] != '/')
				n--;
		common[n] = '\0';
	}
	/* A directory, never a full path that is itself one of the operands. */
	{
		char *slash = strrchr(common, '/');

		if (slash)
			*(slash == common ? slash + 1 : slash) = '\0';
	}
	return common;
}

int engine__overlay_options(char *const *layers, const char *cdir, bool read_only, char **data_out,
			    char **cwd_out)
{
	size_t n = engine__strv_len(layers);
	cleanup_strv char **all = NULL;
	cleanup_free char *upper = NULL, *work = NULL, *base = NULL;
	size_t skip;
	char *data = NULL;

	*data_out = *cwd_out = NULL;
	if (n == 0)
		return engine__error_set(ENGINE_EINVALID, 0, "image has no layers");
	upper = engine__path_join(cdir, "upper");
	work = engine__path_join(cdir, "work");
	if (!upper || !work)
		return ENGINE_ENOMEM;
	all = engine__strv_dup(layers);
	if (!all || engine__strv_push(&all, upper) < 0 || engine__strv_push(&all, work) < 0)
		return ENGINE_ENOMEM;
	base = common_dir(all);
	if (!base)
		return engine__error_oom();
	skip = strcmp(base, "/") == 0 ? 0 : strlen(base) + 1;
	/* lowerdir lists the top layer first; read-only, the upper dir is
	 * just the topmost lower one (its whiteouts still hide). */
	if (read_only && !(data = engine__strdup_printf("lowerdir=%s", upper + skip)))
		return ENGINE_ENOMEM;
	for (size_t i = n; i-- > 0;) {
		char *grown = engine__strdup_printf("%s%s%s", data ? data : "lowerdir=", data ? ":" : "",
						    layers[i] + skip);

		free(data);
		if (!grown)
			return ENGINE_ENOMEM;
		data = grown;
	}
	if (read_only)
		*data_out = data;
	else {
		*data_out =
		    engine__strdup_printf("%s,upperdir=%s,workdir=%s", data, upper + skip, work + skip);
		free(data);
	}
	if (!*data_out)
		return ENGINE_ENOMEM;
	if (strlen(*data_out) >= 4000) {
		free(*data_out);
		*data_out = NULL;
		return engine__error_set(ENGINE_ENOTSUP, 0, "overlay options for %zu layers exceed a page",
					 n);
	}
	if (skip)
		*cwd_out = steal_ptr(base);
	return 0;
}

static size_t depth(const char *path)
{
	size_t n = 0;

	for (const char *c = path; *c; c++)
		n += *c == '/' && c[1] && c[1] != '/';
	return n;
}

static int by_depth(const void *a, const void *b)
{
	size_t da = depth(((const engine__child_mount *)a)->dst),
	       db = depth(((const engine__child_mount *)b)->dst);

	return da < db ? -1 : da > db;
}

static int build_overlay(engine__plan *p, char *const *layers, const char *cdir)
{
	int r = engine__overlay_options(layers, cdir, false, &p->overlay_data, &p->overlay_cwd);
	char *grown;

	if (r < 0 || !p->rootless)
		return r;
	/* Mounted in a user namespace: opaque markers are user.overlay.*
	 * (trusted.* is the host root's), as the rootless unpack writes them. */
	if (!(grown = engine__strdup_printf("%s,userxattr", p->overlay_data)))
		return engine__error_oom();
	free(p->overlay_data);
	p->overlay_data = grown;
	return 0;
}

static int build_files(engine__plan *p, const engine_spec *spec, const char *id)
{
	char *hosts, *hostname;
	size_t nf = spec->n_files + 2;

	p->files = calloc(nf, sizeof(*p->files));
	if (!p->files)
		return engine__error_oom();
	hostname = engine__strdup_printf("%s\n", p->hostname);
	hosts = engine__strdup_printf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
				      "127.0.1.1\t%s\n",
				      p->hostname);
	if (engine__strv_push_take(&p->owned, hostname) < 0 || engine__strv_push_take(&p->owned, hosts) < 0)
		return ENGINE_ENOMEM;
	(void)id;
	/* Docker writes these for every container; the spec's own files win. */
	p->files[p->n_files++] = (engine__child_file){"/etc/hostname", hostname, strlen(hostname), 0644};
	if (!spec->net_host)
		p->files[p->n_files++] = (engine__child_file){"/etc/hosts", hosts, strlen(hosts), 0644};
	for (size_t i = 0; i < spec->n_files; i++)
		p->files[p->n_files++] = (engine__child_file){spec->files[i].path, spec->files[i].content,
							      spec->files[i].len, spec->files[i].mode};
	return 0;
}

static int build_user(engine__plan *p, const engine_spec *spec, json_object *config, char *const *layers,
		      const char *cdir)
{
	const char *user = spec->user ? spec->user : engine__json_get_string(config, "User");

	cleanup_strv char **dirs = NULL;
	size_t n = engine__strv_len(layers);

	/* No user: root, with root's groups from the image (Docker's, and
	 * --group-add's after them), not the caller's supplementary groups */
	bool root_default = !user || !*user;

	if (root_default)
		user = "0";
	if (engine__strv_push_take(&dirs, engine__path_join(cdir, "upper")) < 0)
		return ENGINE_ENOMEM;
	for (size_t i = n; i-- > 0;)
		if (engine__strv_push(&dirs, layers[i]) < 0)
			return ENGINE_ENOMEM;
	if (engine__user_resolve(dirs, user, &p->uid, &p->gid, &p->groups, &p->n_groups, &p->home) < 0) {
		/* Root needs no lookup: an image whose passwd or group cannot
		 * be read (too large, a FIFO, a link out) still runs as root,
		 * with root's group only, as runc finds no entry there. */
		if (!root_default || engine_error_last()->code == ENGINE_ENOMEM)
			return engine_error_last()->code;
		engine_error_clear();
		free(p->groups);
		free(p->home);
		p->uid = 0, p->gid = 0, p->n_groups = 1;
		p->groups = malloc(sizeof(*p->groups));
		p->home = strdup("/root");
		if (!p->groups || !p->home)
			return engine__error_oom();
		p->groups[0] = 0;
	}
	if (root_default && strcmp(p->home, "/") == 0) {
		free(p->home);
		if (!(p->home = strdup("/root")))
			return engine__error_oom();
	}
	p->has_user = true;
	return 0;
}

/* A tmpfs's options: the mount flags among them (Docker's --tmpfs
 * "noexec,nosuid,nodev" defaults, "exec" or "ro" of the caller's) become
 * flags, the rest stays the file system's data. nosuid and nodev unless
 * undone. */
static int tmpfs_options(engine__plan *p, engine__child_mount *cm)
{
	cleanup_free char *copy = NULL, *rest = NULL;
	size_t len = 0;
	char *save = NULL;

	cm->flags = MS_NOSUID | MS_NODEV;
	if (!cm->data)
		return 0;
	copy = strdup(cm->data);
	rest = calloc(1, strlen(cm->data) + 1);
	if (!copy || !rest)
		return engine__error_oom();
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		unsigned long flag;
		bool clear;

		if (engine__mount_flag(w, &flag, &clear)) {
			/* A new tmpfs: no bind, no remount of what is there. */
			if (flag & (MS_BIND | MS_REMOUNT))
				return engine__error_set(ENGINE_EINVALID, 0,
							 "tmpfs %s: option \"%s\" is not for a tmpfs",
							 cm->dst, w);
			if (clear)
				cm->flags &= ~flag;
			else
				cm->flags |= flag;
			continue;
		}
		len += (size_t)sprintf(rest + len, "%s%s", len ? "," : "", w);
	}
	cm->data = len ? rest : NULL;
	if (len && engine__strv_push_take(&p->owned, steal_ptr(rest)) < 0)
		return ENGINE_ENOMEM;
	return 0;
}

/* Replace the generated file at @path (hostname, hosts: the first
 * entries), or add it in front, so the spec's own files still win. */
static int set_file(engine__plan *p, const char *path, const char *content)
{
	engine__child_file *grown;

	for (size_t i = 0; i < p->n_files && i < 2; i++)
		if (strcmp(p->files[i].path, path) == 0) {
			p->files[i].content = content;
			p->files[i].len = strlen(content);
			return 0;
		}
	grown = realloc(p->files, (p->n_files + 1) * sizeof(*grown));
	if (!grown)
		return engine__error_oom();
	p->files = grown;
	memmove(p->files + 1, p->files, p->n_files * sizeof(*grown));
	p->files[0] = (engine__child_file){path, content, strlen(content), 0644};
	p->n_files++;
	return 0;
}

int engine__plan_use_net(engine__plan *p, struct engine__net_sandbox *sb)
{
	const engine__net_files *f = engine__net_files_of(sb);

	p->net = sb;
	if (f->new_netns)
		p->clone_flags |= CLONE_NEWNET;
	else
		p->clone_flags &= ~(unsigned long)CLONE_NEWNET;
	p->net_none = f->new_netns;
	p->join_netns_fd = f->join_netns_fd;
	if (f->hostname) {
		char *h = strdup(f->hostname), *line = engine__strdup_printf("%s\n", f->hostname);

		if (!h || engine__strv_push_take(&p->owned, line) < 0) {
			free(h);
			return engine__error_oom();
		}
		free(p->hostname);
		p->hostname = h;
		if (set_file(p, "/etc/hostname", line) < 0)
			return ENGINE_ENOMEM;
	}
	/* hosts before resolv.conf: set_file looks for the generated ones first. */
	if (f->hosts && set_file(p, "/etc/hosts", f->hosts) < 0)
		return ENGINE_ENOMEM;
	if (f->hosts_path) {
		engine__child_mount *grown = realloc(p->mounts, (p->n_mounts + 1) * sizeof(*grown));

		/* A bind mount, so peers' updates reach the container. */
		for (size_t i = 0; i < p->n_files; i++)
			if (strcmp(p->files[i].path, "/etc/hosts") == 0) {
				memmove(p->files + i, p->files + i + 1,
					(p->n_files - i - 1) * sizeof(*p->files));
				p->n_files--;
				break;
			}
		if (!grown)
			return engine__error_oom();
		p->mounts = grown;
		p->mounts[p->n_mounts++] =
		    (engine__child_mount){f->hosts_path, "/etc/hosts", NULL, false, false, -1, 0};
	}
	if (f->resolv && set_file(p, "/etc/resolv.conf", f->resolv) < 0)
		return ENGINE_ENOMEM;
	return 0;
}

int engine__plan_tmpfs_upper(engine_context *ctx, const engine_spec *spec, engine__plan *p,
			     char *const *layers, const char *dir)
{
	static const char *const sub[] = {"upper", "work", "rootfs"};
	uint64_t size;
	int r;

	/* Always sized: a tmpfs without size= may grow to half the RAM,
	 * whatever the container's memory limit. */
	r = engine__storage_tmpfs_size(ctx, spec, &size);
	if (r < 0)
		return r;
	free(p->tmpfs_data);
	p->tmpfs_data = engine__strdup_printf("mode=0700,size=%llu", (unsigned long long)size);
	if (!p->tmpfs_data)
		return engine__error_oom();

	/* Every run mounts its tmpfs over the same directory, each in its own
	 * mount namespace: no mount point is created or removed per run
	 * (removing one that a dying namespace still holds is slow). */
	r = engine__mkdir_p(dir, 0700);
	if (r < 0)
		return engine__error_wrap("create %s", dir);
	p->tmpfs_dir = strdup(dir);
	if (!p->tmpfs_dir)
		return engine__error_oom();
	for (int i = 0; i < 3; i++) {
		p->mkdirs[i] = engine__path_join(dir, sub[i]);
		if (!p->mkdirs[i])
			return ENGINE_ENOMEM;
	}
	free(p->rootfs_dir);
	p->rootfs_dir = strdup(p->mkdirs[2]);
	free(p->overlay_data);
	p->overlay_data = NULL;
	free(p->overlay_cwd);
	p->overlay_cwd = NULL;
	if (!p->rootfs_dir)
		return engine__error_oom();
	return build_overlay(p, layers, dir);
}

engine__plan *engine__plan_alloc(void)
{
	engine__plan *p = calloc(1, sizeof(*p));

	if (!p) {
		engine__error_oom();
		return NULL;
	}
	p->join_pidfd = -1;
	p->init_fd = -1;
	p->join_netns_fd = -1;
	p->join_ipcns_fd = p->shm_mntns_fd = p->join_pidns_fd = -1;
	p->rootns_fd = -1;
	p->stdio_fd[0] = p->stdio_fd[1] = p->stdio_fd[2] = -1;
	return p;
}

int engine__plan_build(engine_context *ctx, const engine_spec *spec, json_object *config, char *const *layers,
		       const char *cdir, const char *id, engine__plan **out)
{
	engine__plan *p = engine__plan_alloc();
	cleanup_strv char **image_env = NULL;
	const char *wd;
	int r;

	if (!p)
		return ENGINE_ENOMEM;
	p->clone_flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	p->new_cgroupns = true;
	if (!spec->net_host)
		p->clone_flags |= CLONE_NEWNET;
	/* --userns host: no remapping for this container (Docker's) */
	if (!spec->userns_mode || strcmp(spec->userns_mode, "host") != 0) {
		p->userns_uid = spec->userns_uid;
		p->userns_gid = spec->userns_gid;
		p->userns_count = spec->userns_count;
	}
	p->net_none = !spec->net_host;
	p->read_only = spec->read_only;
	p->init = spec->init;
	p->no_new_privs = spec->no_new_privs;
	p->tty = spec->tty;
	p->tty_rows = spec->tty_rows;
	p->tty_cols = spec->tty_cols;

	r = engine__resolve_argv(spec, config, &p->argv);
	if (r < 0)
		goto fail;
	r = engine__json_to_strv(engine__json_get_type(config, "Env", json_type_array), &image_env);
	if (r < 0)
		goto fail;
	r = engine__env_merge(image_env, spec->env_files, spec->env, environ, &p->env);
	if (r < 0)
		goto fail;
	p->hostname = spec->hostname ? strdup(spec->hostname) : strndup(id, 12);
	if (!p->hostname) {
		r = engine__error_oom();
		goto fail;
	}
	r = build_user(p, spec, config, layers, cdir);
	if (r < 0 || (r = engine__rootless_plan(ctx, p)) < 0)
		goto fail;
	/* Docker's TERM for a container with a terminal. */
	if ((r = env_with_docker_defaults(p)) < 0 || (spec->tty && !engine__env_get(p->env, "TERM") &&
						      (r = engine__strv_push(&p->env, "TERM=xterm")) < 0))
		goto fail;
	r = engine__plan_init_argv(p);
	if (r < 0)
		goto fail;
	p->init_fd = engine__init_fd(ctx);
	if (p->init_fd < 0) {
		r = p->init_fd;
		goto fail;
	}
	wd = spec->working_dir ? spec->working_dir : engine__json_get_string(config, "WorkingDir");
	p->working_dir = strdup(wd && *wd ? wd : "/");
	p->rootfs_dir = engine__path_join(cdir, "rootfs");
	if (!p->working_dir || !p->rootfs_dir) {
		r = engine__error_oom();
		goto fail;
	}
	if (p->working_dir[0] != '/') {
		r = engine__error_set(ENGINE_EINVALID, 0, "working directory \"%s\" is not absolute",
				      p->working_dir);
		goto fail;
	}
	r = build_overlay(p, layers, cdir);
	if (r < 0)
		goto fail;
	r = build_files(p, spec, id);
	if (r < 0)
		goto fail;
	p->mounts = calloc(spec->n_mounts + 1, sizeof(*p->mounts));
	if (!p->mounts) {
		r = engine__error_oom();
		goto fail;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const engine__mount *m = &spec->mounts[i];

		if (!m->tmpfs && !m->src) {
			r = engine__error_set(ENGINE_EINVALID, 0, "volume at %s was never created", m->dst);
			goto fail;
		}
		/* -v /missing/dir: Docker makes the host directory */
		if (!m->tmpfs && m->create_src && access(m->src, F_OK) < 0 && errno == ENOENT &&
		    engine__mkdir_p(m->src, 0755) < 0) {
			r = engine_error_last()->code;
			goto fail;
		}
		if (!m->tmpfs && access(m->src, F_OK) < 0) {
			r = engine__error_errno(errno, "bind mount source \"%s\"", m->src);
			goto fail;
		}
		p->mounts[p->n_mounts] =
		    (engine__child_mount){m->src, m->dst, m->data, m->read_only, m->tmpfs, -1, 0};
		if (m->tmpfs && (r = tmpfs_options(p, &p->mounts[p->n_mounts])) < 0)
			goto fail;
		p->n_mounts++;
	}
	/* Parents before what goes inside them (Docker sorts by depth too). */
	qsort(p->mounts, p->n_mounts, sizeof(*p->mounts), by_depth);
	p->masked = engine__masked_paths();
	p->readonly = engine__readonly_paths();
	if (spec->rlimits) {
		size_t n = engine__strv_len(spec->rlimits);

		p->rlimits = calloc(n, sizeof(*p->rlimits));
		if (!p->rlimits) {
			r = engine__error_oom();
			goto fail;
		}
		for (size_t i = 0; i < n; i++)
			if ((r = engine__rlimit_parse(spec->rlimits[i], &p->rlimits[p->n_rlimits++])) < 0)
				goto fail;
	}
	/* --privileged: every capability (cap-drop ignored, as moby does) and
	 * no seccomp filter, whatever the other options say. */
	{
		static char all_caps[] = "ALL";
		static char *const all[] = {all_caps, NULL};

		r = engine__caps_prepare(spec->privileged ? (char **)all : spec->cap_add,
					 spec->privileged ? NULL : spec->cap_drop, &p->caps);
	}
	if (r < 0)
		goto fail;
	if (p->has_user)
		engine__caps_for_user(&p->caps, p->uid);
	r = engine__seccomp_prepare(ctx, spec->privileged ? "unconfined" : spec->seccomp, &p->caps,
				    &p->seccomp);
	if (r < 0)
		goto fail;
	if (spec->privileged && (r = engine__plan_privileged(p)) < 0)
		goto fail;
	if ((r = engine__plan_host(p, spec, layers, cdir)) < 0 || (r = engine__plan_ns(p, spec)) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	engine__plan_free(p);
	return r;
}
