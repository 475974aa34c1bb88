/*
 * pipeline_lock — a producer hands messages to a consumer one at a time.
 *
 * Python (realpython's first Pipeline) holds one message and two Locks:
 *     set_message: producer_lock.acquire(); message = m; consumer_lock.release()
 *     get_message: consumer_lock.acquire(); m = message; producer_lock.release()
 * Each lock is released by the *other* thread. Python's Lock has no owner,
 * so that is allowed; a ct_mutex (like a pthread mutex) must be unlocked by
 * the thread that locked it: anything else is undefined, and a checked build
 * aborts. The C pipeline is therefore the textbook one-slot handoff: one
 * ct_mutex guards the slot, and two ct_conds say "the slot is empty" (the
 * producer may set) and "the slot is full" (the consumer may get). Same
 * behaviour: the producer blocks until the consumer has taken the last
 * message, the consumer until there is one. A SENTINEL ends the stream,
 * as in the tutorial (pipeline_queue shows ct_queue_close instead).
 *
 * Usage: pipeline_lock [MESSAGES]   (default 10)
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/cond.h>
#include <contend/mutex.h>

#include "tour.h"

#define SENTINEL (-1)	/* messages are 1..100 */

static struct pipeline {
	ct_mutex lock;	/* guards full and message */
	ct_cond emptied;	/* signalled when full goes false */
	ct_cond filled;	/* signalled when full goes true */
	bool full;
	int message;
} pipeline = { CT_MUTEX_INIT, CT_COND_INIT, CT_COND_INIT, false, 0 };

static void set_message(int message)
{
	ct_mutex_lock(&pipeline.lock);
	while (pipeline.full)	/* a loop: ct_cond_wait may wake spuriously */
		ct_cond_wait(&pipeline.emptied, &pipeline.lock);
	pipeline.message = message;
	pipeline.full = true;
	ct_cond_signal(&pipeline.filled);
	ct_mutex_unlock(&pipeline.lock);
}

static int get_message(void)
{
	ct_mutex_lock(&pipeline.lock);
	while (!pipeline.full)
		ct_cond_wait(&pipeline.filled, &pipeline.lock);
	int message = pipeline.message;
	pipeline.full = false;
	ct_cond_signal(&pipeline.emptied);
	ct_mutex_unlock(&pipeline.lock);
	return message;
}

static long messages = 10;

static void *producer(void *arg)
{
	unsigned seed = (unsigned)time(NULL);
	(void)arg;
	for (long index = 0; index < messages; index++) {
		int message = 1 + rand_r(&seed) % 100;
		info("Producer got message: %d", message);
		set_message(message);
	}
	set_message(SENTINEL);	/* Python: pipeline.set_message(SENTINEL, ...) */
	info("Producer: sent the sentinel. Exiting");
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int message; (message = get_message()) != SENTINEL;)
		info("Consumer storing message: %d", message);
	info("Consumer: got the sentinel. Exiting");
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		messages = arg_long(argv[1], 0, 100000);
	if (argc > 2 || messages < 0) {
		fprintf(stderr, "usage: pipeline_lock [MESSAGES], 0 to 100000\n");
		return 2;
	}
	pthread_t p, c;
	start_thread(&p, producer, 0);
	start_thread(&c, consumer, 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	info("Main    : all done");
	return 0;
}
