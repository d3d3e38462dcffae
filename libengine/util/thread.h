/* What every thread of the library's own does first. */
#ifndef ENGINE_UTIL_THREAD_H
#define ENGINE_UTIL_THREAD_H

/* Block every signal in the calling thread: signals belong to the
 * embedding program's threads, never to ours. */
void engine__thread_block_signals(void);

#endif
