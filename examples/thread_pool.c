/*
 * thread_pool — a pool of worker threads: map, submit + futures, as_completed.
 *
 * Python:
 *     with concurrent.futures.ThreadPoolExecutor(max_workers=3) as executor:
 *         results = list(executor.map(thread_function, range(3)))
 *         futures = [executor.submit(thread_function, i) for i in range(3)]
 *         print([f.result() for f in futures])
 *         for f in concurrent.futures.as_completed(futures):
 *             print(f.result())
 *
 * ct_pool is ThreadPoolExecutor, with one difference that matters in C: it
 * never allocates on submit. The caller owns every ct_future (here, arrays
 * on main's stack) and must keep it alive and unmoved until it has been
 * waited for or returned by ct_completion_next; the pool only points at it.
 * A task's result is a `void *` that the task chose: here a small integer,
 * in general a pointer whose owner the program must decide (usually the
 * waiter frees it). as_completed is a ct_completion: futures submitted
 * with ct_pool_submit_to are queued on it as they finish, and
 * ct_completion_next returns ENOENT once every one has been returned.
 *
 * Usage: thread_pool [WORKERS]   (default 3; three tasks per round)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/pool.h>

#include "tour.h"

#define TASKS 3

static void *thread_function(void *arg)
{
	long name = (long)(intptr_t)arg;
	info("Thread %ld: starting", name);
	sleep_ms(50 * (TASKS - name));	/* the last one submitted finishes first */
	info("Thread %ld: finishing", name);
	return (void *)(intptr_t)(name * name);	/* the result: name squared */
}

static void fail(const char *what, int rc)
{
	fprintf(stderr, "thread_pool: %s: error %d\n", what, rc);
	exit(1);
}

int main(int argc, char **argv)
{
	long workers = argc == 2 ? arg_long(argv[1], 1, 64) : 3;
	if (argc > 2 || workers < 0) {
		fprintf(stderr, "usage: thread_pool [WORKERS], 1 to 64\n");
		return 2;
	}
	ct_pool pool;
	ct_future futures[TASKS], completed[TASKS];	/* owned here, not by the pool */
	ct_completion as_completed;
	void *args[TASKS], *results[TASKS];
	int rc;

	if ((rc = ct_pool_init(&pool, (unsigned)workers)) != 0)
		fail("ct_pool_init", rc);
	for (long i = 0; i < TASKS; i++)
		args[i] = (void *)(intptr_t)i;

	info("Main    : map");	/* results in argument order, whatever finished first */
	if ((rc = ct_pool_map(&pool, thread_function, args, results, TASKS)) != 0)
		fail("ct_pool_map", rc);
	for (long i = 0; i < TASKS; i++)
		info("Main    : map result %ld: %ld", i, (long)(intptr_t)results[i]);

	info("Main    : submit");
	for (long i = 0; i < TASKS; i++)
		if ((rc = ct_pool_submit(&pool, &futures[i], thread_function, args[i])) != 0)
			fail("ct_pool_submit", rc);
	for (long i = 0; i < TASKS; i++) {	/* future.result() */
		void *result;
		if ((rc = ct_future_wait(&futures[i], &result)) != 0)
			fail("ct_future_wait", rc);
		info("Main    : future %ld result: %ld", i, (long)(intptr_t)result);
	}

	info("Main    : as_completed");
	if ((rc = ct_completion_init(&as_completed)) != 0)
		fail("ct_completion_init", rc);
	for (long i = 0; i < TASKS; i++)
		if ((rc = ct_pool_submit_to(&pool, &as_completed, &completed[i], thread_function,
					    args[i])) != 0)
			fail("ct_pool_submit_to", rc);
	ct_future *f;
	while (ct_completion_next(&as_completed, &f) == 0) {	/* ENOENT: all returned */
		void *result;
		if ((rc = ct_future_wait(f, &result)) != 0)	/* done: returns at once */
			fail("ct_future_wait", rc);
		info("Main    : completed %ld result: %ld", (long)(f - completed),
		     (long)(intptr_t)result);
	}
	ct_completion_destroy(&as_completed);
	ct_pool_destroy(&pool);	/* the `with` block's end: shutdown(wait=True) */
	info("Main    : all done");
	return 0;
}
