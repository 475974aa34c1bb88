/*
 * race — the lost-update race, then the same update under a lock.
 *
 * Python (realpython's FakeDatabase):
 *     def update(self, name):
 *         local_copy = self.value
 *         local_copy += 1
 *         time.sleep(0.1)
 *         self.value = local_copy      # overwrites the others' updates
 *     def locked_update(self, name):
 *         with self._lock:             # ct_mutex_lock ... ct_mutex_unlock
 *             ...the same...
 *
 * Several threads read the value, sleep, and write value + 1 back: a
 * thread that reads while another sleeps between its read and its write
 * writes back a stale count, and an update is lost. The threads start
 * together (a ct_event) and sleep 1 ms per update, so with 4 threads and
 * 5 updates each the unlocked total is, in practice, always below 20; the
 * locked one is exactly 20.
 *
 * In C a plain `long` read and written by several threads at once is a
 * data race: undefined behaviour, not just a wrong count. The racy version
 * therefore reads and writes with relaxed atomic loads and stores (two
 * separate operations, never an atomic increment): the race Python shows is
 * kept, the undefined behaviour is not, and ThreadSanitizer stays quiet.
 *
 * Usage: race [THREADS [UPDATES]]   (default 4 5)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/event.h>
#include <contend/mutex.h>

#include "tour.h"

#define MAX_THREADS 64

static _Atomic long value;	/* the fake database */
static ct_mutex lock = CT_MUTEX_INIT;
static ct_event go = CT_EVENT_INIT;	/* releases every thread at once */
static bool locked;
static long updates = 5;

static void *update(void *arg)
{
	long name = (long)(intptr_t)arg;
	ct_event_wait(&go);
	info("Thread %ld: starting update", name);
	for (long i = 0; i < updates; i++) {
		if (locked)
			ct_mutex_lock(&lock);
		long local_copy = atomic_load_explicit(&value, memory_order_relaxed);
		local_copy += 1;
		sleep_ms(1);
		atomic_store_explicit(&value, local_copy, memory_order_relaxed);
		if (locked)
			ct_mutex_unlock(&lock);
	}
	info("Thread %ld: finishing update", name);
	return NULL;
}

static long run(long nthreads)
{
	pthread_t t[MAX_THREADS];
	atomic_store(&value, 0);
	ct_event_clear(&go);
	info("Testing %s update. Starting value is %ld.", locked ? "locked" : "unlocked",
	     atomic_load(&value));
	for (long i = 0; i < nthreads; i++)
		start_thread(&t[i], update, i);
	ct_event_set(&go);
	for (long i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	long end = atomic_load(&value);
	info("Testing %s update. Ending value is %ld (expected %ld).", locked ? "locked" : "unlocked",
	     end, nthreads * updates);
	return end;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 1 ? arg_long(argv[1], 1, MAX_THREADS) : 4;
	if (argc > 2)
		updates = arg_long(argv[2], 1, 1000);
	if (argc > 3 || nthreads < 0 || updates < 0) {
		fprintf(stderr, "usage: race [THREADS [UPDATES]], 1 to %d threads, 1 to 1000 updates\n",
			MAX_THREADS);
		return 2;
	}
	locked = false;
	long lost = nthreads * updates - run(nthreads);
	locked = true;
	long exact = run(nthreads);
	info("Main    : %ld updates lost without the lock, %ld with it", lost,
	     nthreads * updates - exact);
	return 0;
}
