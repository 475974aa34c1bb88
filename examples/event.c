/*
 * event — producers and consumers that run until an event is set.
 *
 * Python (realpython's last pipeline):
 *     event = threading.Event()
 *     producer: while not event.is_set(): pipeline.put(message)
 *     consumer: while not event.is_set() or not pipeline.empty():
 *                   message = pipeline.get()
 *     main:     time.sleep(0.1); event.set()
 *
 * ct_event is threading.Event. Python's consumer test races with the
 * producer: the producer can put one more message after the consumer saw
 * "set and empty" (the message is left behind), or the consumer can block
 * in get() on a queue no one will fill again. Here the event stops the
 * producers, and the last producer to leave closes the queue: the
 * consumers take what is left and stop on EPIPE. Main still only sets the
 * event, and every message put is consumed exactly once.
 *
 * Usage: event [PRODUCERS CONSUMERS]   (default 2 2)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <contend/event.h>
#include <contend/queue.h>

#include "tour.h"

#define MAX_THREADS 32

static ct_queue pipeline;
static ct_event event = CT_EVENT_INIT;
static atomic_long next_message;	/* messages are numbered 1, 2, ... */
static atomic_long producers_left;

static void *producer(void *arg)
{
	long name = (long)(intptr_t)arg;
	unsigned seed = (unsigned)name + (unsigned)time(NULL);
	do {	/* at least one message each, however late this thread starts */
		long message = atomic_fetch_add(&next_message, 1) + 1;
		info("Producer %ld got message: %ld", name, message);
		/* Blocks while full; never forever: the consumers run until the close below. */
		ct_queue_put(&pipeline, (void *)(intptr_t)message);
		sleep_ms(1 + rand_r(&seed) % 10);	/* the work of making the next one */
	} while (!ct_event_is_set(&event));
	info("Producer %ld received event. Exiting", name);
	if (atomic_fetch_sub(&producers_left, 1) == 1)	/* the last one out */
		ct_queue_close(&pipeline);
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
	long np = 2, nc = 2;
	if (argc == 3) {
		np = arg_long(argv[1], 1, MAX_THREADS);
		nc = arg_long(argv[2], 1, MAX_THREADS);
	}
	if ((argc != 1 && argc != 3) || np < 0 || nc < 0) {
		fprintf(stderr, "usage: event [PRODUCERS CONSUMERS], 1 to %d each\n", MAX_THREADS);
		return 2;
	}
	pthread_t p[MAX_THREADS], c[MAX_THREADS];
	if (ct_queue_init(&pipeline, 10) != 0)	/* maxsize=10 */
		return 1;
	atomic_store(&producers_left, np);
	for (long i = 0; i < np; i++)
		start_thread(&p[i], producer, i);
	for (long i = 0; i < nc; i++)
		start_thread(&c[i], consumer, i);
	sleep_ms(100);
	info("Main    : about to set event");
	ct_event_set(&event);
	for (long i = 0; i < np; i++)
		pthread_join(p[i], NULL);
	for (long i = 0; i < nc; i++)
		pthread_join(c[i], NULL);
	ct_queue_destroy(&pipeline);
	info("Main    : all done");
	return 0;
}
