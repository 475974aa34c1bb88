/*
 * task_done — wait until every item put has been processed.
 *
 * Python (the queue module's documentation):
 *     def worker():
 *         while True:
 *             item = q.get()
 *             print(f'Working on {item}')
 *             print(f'Finished {item}')
 *             q.task_done()
 *     threading.Thread(target=worker, daemon=True).start()
 *     for item in range(30):
 *         q.put(item)
 *     q.join()                 # every item got its task_done
 *     print('All work completed')
 *
 * ct_queue_task_done and ct_queue_join are the same calls. Python leaves
 * the worker blocked in get() forever and lets the process end under it
 * (daemon=True); in C the owner closes the queue after join, the workers
 * return on EPIPE and are joined, and only then is the queue destroyed:
 * ct_queue_destroy while a thread is still inside get would be undefined.
 *
 * Usage: task_done [WORKERS ITEMS]   (default 3 30)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include <contend/queue.h>

#include "tour.h"

#define MAX_THREADS 32

static ct_queue q;

static void *worker(void *arg)
{
	long name = (long)(intptr_t)arg;
	void *item;
	while (ct_queue_get(&q, &item) == 0) {
		info("Thread %ld: Working on %ld", name, (long)(intptr_t)item);
		info("Thread %ld: Finished %ld", name, (long)(intptr_t)item);
		if (ct_queue_task_done(&q) != 0) {	/* EINVAL: more task_done than puts */
			fprintf(stderr, "task_done: ct_queue_task_done failed\n");
			exit(1);
		}
	}
	info("Thread %ld: queue closed. Exiting", name);
	return NULL;
}

int main(int argc, char **argv)
{
	long nw = 3, items = 30;
	if (argc == 3) {
		nw = arg_long(argv[1], 1, MAX_THREADS);
		items = arg_long(argv[2], 0, 100000);
	}
	if ((argc != 1 && argc != 3) || nw < 0 || items < 0) {
		fprintf(stderr, "usage: task_done [WORKERS ITEMS], 1 to %d workers, 0 to 100000 items\n",
			MAX_THREADS);
		return 2;
	}
	pthread_t w[MAX_THREADS];
	if (ct_queue_init(&q, 10) != 0)	/* Python's Queue() is unbounded; put blocks here */
		return 1;
	for (long i = 0; i < nw; i++)
		start_thread(&w[i], worker, i);
	for (long item = 0; item < items; item++)
		ct_queue_put(&q, (void *)(intptr_t)item);
	ct_queue_join(&q);
	info("Main    : All work completed");
	ct_queue_close(&q);	/* the workers' get returns EPIPE */
	for (long i = 0; i < nw; i++)
		pthread_join(w[i], NULL);
	ct_queue_destroy(&q);
	return 0;
}
