/* See thread.h. */
#include "config.h"

#include <pthread.h>
#include <signal.h>

#include "util/thread.h"

void engine__thread_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}
