/*
 * daemon_thread — a daemon thread: the process does not wait for it.
 *
 * Python:
 *     x = threading.Thread(target=thread_function, args=(1,), daemon=True)
 *     x.start()
 *     x.join()            # "join": wait for it anyway
 *
 * A C thread that nobody joins is detached (pthread_detach). When main
 * returns, exit() ends the process and the detached thread with it,
 * wherever it is: "Thread 1: finishing" never appears. What such a thread
 * may touch is limited (see examples/README.md): nothing on main's stack,
 * nothing exit() tears down (atexit handlers, C++ statics, files it closes),
 * and no half-written state anyone relies on after the process ends.
 *
 * To make the run deterministic, main waits (ct_event) until thread 1 has
 * logged "starting"; Python's tutorial leaves that to chance.
 *
 * Usage: daemon_thread daemon|join
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <contend/event.h>

#include "tour.h"

static ct_event started = CT_EVENT_INIT;	/* static: outlives main's frame */

static void *thread_function(void *arg)
{
	long name = (long)(intptr_t)arg;
	info("Thread %ld: starting", name);
	ct_event_set(&started);
	sleep_ms(3000);	/* the daemon variant exits long before this */
	info("Thread %ld: finishing", name);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "daemon") != 0 && strcmp(argv[1], "join") != 0)) {
		fprintf(stderr, "usage: daemon_thread daemon|join\n");
		return 2;
	}
	int join = strcmp(argv[1], "join") == 0;
	pthread_t x;

	info("Main    : before creating thread");
	start_thread(&x, thread_function, 1);
	if (!join)
		pthread_detach(x);	/* daemon=True: nobody waits for it */
	info("Main    : before running thread");
	ct_event_wait(&started);
	info("Main    : wait for the thread to finish");
	if (join)
		pthread_join(x, NULL);
	info("Main    : all done");
	return 0;	/* exit(): a detached thread still running ends here */
}
