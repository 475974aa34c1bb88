/*
 * pipeline_queue — producers and consumers around a bounded queue.
 *
 * Python:
 *     pipeline = queue.Queue(maxsize=10)
 *     producer: pipeline.put(message)           # blocks while full
 *               ...; pipeline.put(SENTINEL)     # one per consumer
 *     consumer: while (message := pipeline.get()) is not SENTINEL: ...
 *
 * ct_queue is queue.Queue(maxsize=N). Instead of sentinels (one per
 * consumer, each consumer must stop at exactly one), the queue is closed
 * once every producer is done: ct_queue_get hands out what is left, then
 * returns EPIPE to every consumer, blocked or not. Nothing put before the
 * close is lost, and no value has to be reserved as a sentinel.
 *
 * Items are `void *`: small integers travel as (void *)(intptr_t)n. For
 * anything bigger, put a pointer, and decide who frees it (the consumer).
 *
 * Usage: pipeline_queue [PRODUCERS CONSUMERS MESSAGES]   (default 3 3 20;
 * MESSAGES per producer)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <contend/queue.h>

#include "tour.h"

#define MAX_THREADS 32

static ct_queue pipeline;
static long messages = 20;

static void *producer(void *arg)
{
	long name = (long)(intptr_t)arg;
	for (long index = 0; index < messages; index++) {
		long message = name * messages + index + 1;	/* unique: the check counts them */
		info("Producer %ld got message: %ld", name, message);
		if (ct_queue_put(&pipeline, (void *)(intptr_t)message) != 0)
			info("Producer %ld: queue closed, message %ld dropped", name, message);
	}
	info("Producer %ld: done. Exiting", name);
	return NULL;
}

static void *consumer(void *arg)
{
	long name = (long)(intptr_t)arg;
	void *item;
	while (ct_queue_get(&pipeline, &item) == 0)	/* EPIPE: closed and drained */
		info("Consumer %ld storing message: %ld (size=%zu)", name, (long)(intptr_t)item,
		     ct_queue_size(&pipeline));
	info("Consumer %ld: queue closed and drained. Exiting", name);
	return NULL;
}

int main(int argc, char **argv)
{
	long np = 3, nc = 3;
	if (argc == 4) {
		np = arg_long(argv[1], 1, MAX_THREADS);
		nc = arg_long(argv[2], 1, MAX_THREADS);
		messages = arg_long(argv[3], 0, 100000);
	}
	if ((argc != 1 && argc != 4) || np < 0 || nc < 0 || messages < 0) {
		fprintf(stderr, "usage: pipeline_queue [PRODUCERS CONSUMERS MESSAGES], "
				"1 to %d threads each, 0 to 100000 messages\n", MAX_THREADS);
		return 2;
	}
	pthread_t p[MAX_THREADS], c[MAX_THREADS];
	if (ct_queue_init(&pipeline, 10) != 0)	/* maxsize=10 */
		return 1;
	for (long i = 0; i < nc; i++)
		start_thread(&c[i], consumer, i);
	for (long i = 0; i < np; i++)
		start_thread(&p[i], producer, i);
	for (long i = 0; i < np; i++)
		pthread_join(p[i], NULL);
	info("Main    : producers done, closing the queue");
	ct_queue_close(&pipeline);	/* instead of one SENTINEL per consumer */
	for (long i = 0; i < nc; i++)
		pthread_join(c[i], NULL);
	ct_queue_destroy(&pipeline);	/* only once no thread can touch it */
	info("Main    : all done");
	return 0;
}
