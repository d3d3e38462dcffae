/*
 * Heavy libraries loaded on first use. libarchive (with libxml2 and ICU
 * behind it) and libcurl (TLS, Kerberos, LDAP, SSH) cost a CLI
 * process milliseconds of loading and relocation before main(), and most
 * commands never touch them. Each is a "back end": libengine is not linked
 * against it; its functions are reached through stubs that dlopen the
 * library the first time one is called.
 *
 * How call sites see it: a back end's header (backend/archive_lib.h, ...)
 * renames each function it covers (archive_read_new becomes
 * engine__dl_archive_read_new) and then includes the library's own header,
 * so the library's prototypes declare the stubs and call sites stay
 * unchanged. The stubs live in the back end's .c, generated from one list:
 *
 *   #define FUNCS(F, V, S)
 *       F(struct archive *, archive_read_new, (void), (), NULL)
 *       V(archive_entry_free, (struct archive_entry *a0), (a0))
 *       S(archive_set_error)            (varargs: stub written by hand)
 *   ENGINE__BACKEND_DEFINE(archive, "libarchive", SONAME, "what for", FUNCS)
 *
 * F returns a value (the last argument is what the stub returns when the
 * library cannot be loaded), V returns nothing, S only reserves a slot.
 * The build checks the two lists against each other: a name renamed but
 * not listed is an undefined engine__dl_ symbol, a name listed but not
 * renamed is a stub with no prototype (-Wmissing-prototypes), and a call to
 * a function neither covers is an undefined symbol when libengine.so links
 * with -z defs.
 *
 * Adding a heavy back end: write backend/<x>_lib.h (renames, then the
 * library's header) and backend/<x>_lib.c (the list and
 * ENGINE__BACKEND_DEFINE), find its soname in configure.ac
 * (ENGINE_BACKEND_SONAME), keep its _LIBS out of libengine's link, and call
 * engine__backend_require() where a command starts to need it, so a missing
 * library is reported as such ("libarchive (libarchive.so.13) is needed for
 * ... and cannot be loaded: ...") rather than as the first failing call.
 */
#ifndef ENGINE_BACKEND_BACKEND_H
#define ENGINE_BACKEND_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct engine__backend {
	const char *name;	    /* "libarchive" */
	const char *soname;	    /* "libarchive.so.13" */
	const char *used_for;	    /* "reading and writing tar archives" */
	const char *const *symbols; /* the functions to resolve */
	void **slots;		    /* their addresses, in the same order */
	size_t n_symbols;
	pthread_mutex_t lock;
	int state; /* 0: not tried, 1: loaded, -1: failed (atomic) */
	char error[512];
} engine__backend;

/* Load @b (once; later calls return at once). 0, or ENGINE_ENOTSUP with a
 * message naming the library, what needs it, and why it did not load. */
int engine__backend_require(engine__backend *b);

/* For a library constructor that returned NULL (archive_read_new, ...):
 * the back end's load error when it could not be loaded, else
 * ENGINE_ENOMEM. */
int engine__backend_null(engine__backend *b);

static inline bool engine__backend_ready(engine__backend *b)
{
	return __atomic_load_n(&b->state, __ATOMIC_ACQUIRE) == 1;
}

/* The back ends. */
extern engine__backend engine__backend_archive;
extern engine__backend engine__backend_curl;

/* --- generating a back end's table and stubs ---------------------------- */

#define ENGINE__BE_IDX_F(ret, name, params, args, fail) ENGINE__BE_IDX_##name,
#define ENGINE__BE_IDX_V(name, params, args) ENGINE__BE_IDX_##name,
#define ENGINE__BE_IDX_S(name) ENGINE__BE_IDX_##name,
#define ENGINE__BE_NAME_F(ret, name, params, args, fail) #name,
#define ENGINE__BE_NAME_V(name, params, args) #name,
#define ENGINE__BE_NAME_S(name) #name,

/* The stubs: the fast path is one atomic load and an indirect call. */
#define ENGINE__BE_STUB_F(ret, name, params, args, fail)                                                     \
	ret engine__dl_##name params                                                                         \
	{                                                                                                    \
		if (!engine__backend_ready(this_backend) && engine__backend_require(this_backend) < 0)       \
			return fail;                                                                         \
		return ((__typeof__(&engine__dl_##name))this_slots[ENGINE__BE_IDX_##name])args;              \
	}
#define ENGINE__BE_STUB_V(name, params, args)                                                                \
	void engine__dl_##name params                                                                        \
	{                                                                                                    \
		if (!engine__backend_ready(this_backend) && engine__backend_require(this_backend) < 0)       \
			return;                                                                              \
		((__typeof__(&engine__dl_##name))this_slots[ENGINE__BE_IDX_##name]) args;                    \
	}
#define ENGINE__BE_STUB_S(name)

/* The address of a slot-only (S) function, for a hand-written stub; NULL
 * when the library cannot be loaded (the thread's error says why). */
#define ENGINE__BE_SLOT(name)                                                                                \
	((engine__backend_ready(this_backend) || engine__backend_require(this_backend) == 0)                 \
	     ? (__typeof__(&engine__dl_##name))this_slots[ENGINE__BE_IDX_##name]                             \
	     : NULL)

/* In a back end's .c: the symbol table, the engine__backend_<id> record
 * and one stub per F and V entry. */
#define ENGINE__BACKEND_DEFINE(id, NAME, SONAME, USED_FOR, FUNCS)                                            \
	enum { FUNCS(ENGINE__BE_IDX_F, ENGINE__BE_IDX_V, ENGINE__BE_IDX_S) ENGINE__BE_COUNT };               \
	static const char *const this_symbols[] = {                                                          \
	    FUNCS(ENGINE__BE_NAME_F, ENGINE__BE_NAME_V, ENGINE__BE_NAME_S)};                                 \
	static void *this_slots[ENGINE__BE_COUNT];                                                           \
	engine__backend engine__backend_##id = {                                                             \
	    .name = NAME,                                                                                    \
	    .soname = SONAME,                                                                                \
	    .used_for = USED_FOR,                                                                            \
	    .symbols = this_symbols,                                                                         \
	    .slots = this_slots,                                                                             \
	    .n_symbols = ENGINE__BE_COUNT,                                                                   \
	    .lock = PTHREAD_MUTEX_INITIALIZER,                                                               \
	};                                                                                                   \
	static engine__backend *const this_backend = &engine__backend_##id;                                  \
	FUNCS(ENGINE__BE_STUB_F, ENGINE__BE_STUB_V, ENGINE__BE_STUB_S)

#endif
