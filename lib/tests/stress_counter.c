/*
 * stress_counter.c — the read-modify-write race, with and without locks.
 *
 * N threads each increment a shared counter M times. Under ct_mutex (lock,
 * trylock-spin and lock_for entry points) and ct_rmutex the total must be
 * exactly N x M, or the test fails. The same loop without a lock (relaxed
 * load then store: a race on the value, not a C data race) is run and its
 * lost updates reported: the scheduler may happen not to interleave, so
 * that count is informational only.
 */
#include <contend/mutex.h>
#include <contend/rmutex.h>

#include "test_util.h"

enum { THREADS = 4 };

enum mode { RACY, MUTEX, MUTEX_TRY, MUTEX_FOR, RMUTEX };
static const char *const mode_name[] = { "unsynchronized", "ct_mutex_lock", "ct_mutex_trylock",
					 "ct_mutex_lock_for", "ct_rmutex_lock (depth 2)" };

static ct_mutex m = CT_MUTEX_INIT;
static ct_rmutex r = CT_RMUTEX_INIT;
static atomic_long racy;
static long counter;
static long per_thread;
static enum mode mode;
static pthread_barrier_t start;

static void *run(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < per_thread; i++) {
		switch (mode) {
		case RACY:
			atomic_store_explicit(&racy, atomic_load_explicit(&racy, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			break;
		case MUTEX:
			ct_mutex_lock(&m);
			counter++;
			ct_mutex_unlock(&m);
			break;
		case MUTEX_TRY:
			while (!ct_mutex_trylock(&m))
				sched_yield();
			counter++;
			ct_mutex_unlock(&m);
			break;
		case MUTEX_FOR:
			while (ct_mutex_lock_for(&m, 1000) != 0)
				;
			counter++;
			ct_mutex_unlock(&m);
			break;
		case RMUTEX:
			ct_rmutex_lock(&r);
			ct_rmutex_lock(&r);
			counter++;
			CHECK_EQ(ct_rmutex_unlock(&r), 0);
			CHECK_EQ(ct_rmutex_unlock(&r), 0);
			break;
		}
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	test_watchdog(100);
	per_thread = (long)SCALED(200000);
	CHECK(pthread_barrier_init(&start, NULL, THREADS) == 0);

	for (mode = RACY; mode <= RMUTEX; mode++) {
		counter = 0;
		atomic_store(&racy, 0);
		uint64_t t0 = test_now_ns();
		test_spawn(t, THREADS, run, NULL, 0);
		test_join(t, THREADS);
		double s = (double)(test_now_ns() - t0) / 1e9;
		long want = THREADS * per_thread;
		if (mode == RACY) {
			long got = atomic_load(&racy);
			printf("%-26s %ld of %ld increments kept, %ld lost updates (%.1f%%), %.2f s\n",
			       mode_name[mode], got, want, want - got, 100.0 * (double)(want - got) / (double)want, s);
			CHECK(got > 0 && got <= want);
		} else {
			printf("%-26s %ld of %ld increments kept, %.2f s\n", mode_name[mode], counter, want, s);
			CHECK_EQ(counter, want);
			CHECK_EQ(m.state, CT_MUTEX_UNLOCKED);
		}
	}
	pthread_barrier_destroy(&start);
	return 0;
}
