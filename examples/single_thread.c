/*
 * single_thread — one thread, started, then joined or not.
 *
 * Python:
 *     x = threading.Thread(target=thread_function, args=(1,))
 *     x.start()
 *     x.join()            # "join": wait here for the thread
 *
 * Without join, Python still waits for the thread when the main program
 * ends (it is not a daemon thread), so "Thread 1: finishing" comes after
 * "Main    : all done". In C, returning from main calls exit(), which ends
 * every thread at once: the C twin of a non-daemon thread is a detached
 * thread plus pthread_exit() in main, which ends only the main thread; the
 * process exits when its last thread does.
 *
 * Usage: single_thread join|nojoin
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tour.h"

static void *thread_function(void *arg)
{
	long name = (long)(intptr_t)arg;
	info("Thread %ld: starting", name);
	sleep_ms(500);
	info("Thread %ld: finishing", name);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "join") != 0 && strcmp(argv[1], "nojoin") != 0)) {
		fprintf(stderr, "usage: single_thread join|nojoin\n");
		return 2;
	}
	int join = strcmp(argv[1], "join") == 0;
	pthread_t x;

	info("Main    : before creating thread");
	start_thread(&x, thread_function, 1);
	info("Main    : before running thread");	/* pthread_create also starts it */
	info("Main    : wait for the thread to finish");
	if (join) {
		pthread_join(x, NULL);
		info("Main    : all done");
		return 0;
	}
	pthread_detach(x);	/* nobody will join it: let it free itself */
	info("Main    : all done");
	pthread_exit(NULL);	/* not return: that would end thread 1 mid-sleep */
}
