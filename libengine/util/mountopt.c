/* mount(8)'s flag words: see mountopt.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/mountopt.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static const struct mount_flag {
	const char *name;
	bool clear;
	unsigned long flag;
} flags[] = {
    /* sorted by name, for bsearch */
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct mount_flag *)elem)->name);
}

bool engine__mount_flag(const char *word, unsigned long *flag, bool *clear)
{
	const struct mount_flag *f =
	    word ? bsearch(word, flags, sizeof(flags) / sizeof(flags[0]), sizeof(flags[0]), by_name) : NULL;

	if (!f)
		return false;
	*flag = f->flag;
	*clear = f->clear;
	return true;
}
