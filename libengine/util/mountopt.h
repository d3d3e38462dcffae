/*
 * mount(8)'s flag words ("ro", "nosuid", "rbind", ...) as MS_* bits: one
 * table for the OCI bundle's mount options and the runtime's tmpfs options.
 */
#ifndef ENGINE_UTIL_MOUNTOPT_H
#define ENGINE_UTIL_MOUNTOPT_H

#include <stdbool.h>

/* True when @word is a flag word: its bits in *@flag, and in *@clear
 * whether the word clears them ("rw", "suid", ...) rather than sets them.
 * False for anything else (a filesystem's own option, a typo). */
bool engine__mount_flag(const char *word, unsigned long *flag, bool *clear);

#endif
