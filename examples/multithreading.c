/*
 * multithreading — several threads, started in a loop, joined in a loop.
 *
 * Python:
 *     threads = list()
 *     for index in range(3):
 *         x = threading.Thread(target=thread_function, args=(index,))
 *         threads.append(x)
 *         x.start()
 *     for index, thread in enumerate(threads):
 *         thread.join()
 *
 * The threads finish in whatever order the scheduler picks (each sleeps a
 * random time here); join waits for each in turn, so "thread N done" comes
 * after "Thread N: finishing" for every N, whatever that order.
 *
 * Usage: multithreading [THREADS]   (default 3)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tour.h"

#define MAX_THREADS 64

static void *thread_function(void *arg)
{
	long name = (long)(intptr_t)arg;
	unsigned seed = (unsigned)name + (unsigned)time(NULL);
	info("Thread %ld: starting", name);
	sleep_ms(100 + rand_r(&seed) % 400);
	info("Thread %ld: finishing", name);
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc == 2 ? arg_long(argv[1], 1, MAX_THREADS) : 3;
	if (argc > 2 || n < 0) {
		fprintf(stderr, "usage: multithreading [THREADS], 1 to %d\n", MAX_THREADS);
		return 2;
	}
	pthread_t threads[MAX_THREADS];

	for (long index = 0; index < n; index++) {
		info("Main    : create and start thread %ld.", index);
		start_thread(&threads[index], thread_function, index);
	}
	for (long index = 0; index < n; index++) {
		info("Main    : before joining thread %ld.", index);
		pthread_join(threads[index], NULL);
		info("Main    : thread %ld done", index);
	}
	return 0;
}
