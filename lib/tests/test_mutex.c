/* test_mutex.c — ct_mutex unit tests: exclusion, trylock, lock_for timing,
 * freeing by the next owner. */
#include <sched.h>
#include <stdatomic.h>

#include <contend/mutex.h>

#include "test_util.h"

static ct_mutex shared = CT_MUTEX_INIT;
static long counter;

static void *increment(void *arg)
{
	long n = *(long *)arg;
	for (long i = 0; i < n; i++) {
		ct_mutex_lock(&shared);
		counter++;
		ct_mutex_unlock(&shared);
	}
	return NULL;
}

static void *try_from_other_thread(void *arg)
{
	*(bool *)arg = ct_mutex_trylock(&shared);
	if (*(bool *)arg)
		ct_mutex_unlock(&shared);
	return NULL;
}

static void *lock_for_from_other_thread(void *arg)
{
	uint64_t *io = arg;	/* in: timeout; out: result, elapsed */
	uint64_t t0 = test_now_ns();
	io[1] = (uint64_t)ct_mutex_lock_for(&shared, io[0]);
	io[2] = test_now_ns() - t0;
	if (io[1] == 0)
		ct_mutex_unlock(&shared);
	return NULL;
}

static void *hold_then_release(void *arg)
{
	ct_mutex_lock(&shared);
	test_sleep_ns(*(uint64_t *)arg);
	ct_mutex_unlock(&shared);
	return NULL;
}

/*
 * The next owner may destroy and free a mutex (contend/mutex.h,
 * "Freeing"): an unlock still returning must not touch it. A chain of heap
 * boxes, each released by one thread and freed at once by the thread that
 * acquired it after; every other one is held a while, so that the next
 * owner spins or parks and the unlock takes the exchange path and wakes
 * it. ASan (the sanitizer build in CI) reports any access to a freed box.
 * The window after a release is a few instructions, so this catches an
 * access only when it comes late in the unlock (after a wake system
 * call, say): a smoke check of the guarantee, which the code's order
 * (every write to the mutex before the releasing store) provides.
 */
struct box {
	ct_mutex m;
	long value;
};
static _Atomic(struct box *) handed;
static long boxes;

static void *release_boxes(void *arg)
{
	(void)arg;
	for (long i = 0; i < boxes; i++) {
		struct box *b = malloc(sizeof *b);
		CHECK(b != NULL);
		ct_mutex_init(&b->m);
		ct_mutex_lock(&b->m);
		b->value = i;
		atomic_store(&handed, b);
		if (i % 2)
			test_sleep_ns(20000);
		ct_mutex_unlock(&b->m);
		while (atomic_load(&handed) != NULL)
			sched_yield();
	}
	return NULL;
}

static void free_boxes(void)
{
	pthread_t t;
	boxes = 5000;
	CHECK(pthread_create(&t, NULL, release_boxes, NULL) == 0);
	for (long i = 0; i < boxes; i++) {
		struct box *b;
		while ((b = atomic_load(&handed)) == NULL)
			sched_yield();
		ct_mutex_lock(&b->m);
		atomic_store(&handed, NULL);	/* the releaser may go on */
		CHECK_EQ(b->value, i);
		ct_mutex_unlock(&b->m);
		ct_mutex_destroy(&b->m);
		free(b);
	}
	test_join(&t, 1);
	printf("ct_mutex: %ld boxes freed by their next owner\n", boxes);
}

int main(void)
{
	test_watchdog(50);
	free_boxes();

	/* Static and dynamic initialization agree; uncontended paths. */
	ct_mutex m;
	ct_mutex_init(&m);
	CHECK_EQ(m.state, shared.state);
	CHECK(ct_mutex_trylock(&m));
	CHECK(!ct_mutex_trylock(&m));	/* same thread, held: fails, no deadlock */
	/* (lock_for on a mutex the caller holds is self-deadlock: checked
	 * builds abort on it, test_checked covers that.) */
	ct_mutex_unlock(&m);
	CHECK_EQ(m.state, CT_MUTEX_UNLOCKED);
	CHECK_EQ(ct_mutex_lock_for(&m, 0), 0);
	ct_mutex_unlock(&m);
	ct_mutex_lock(&m);
	CHECK_EQ(m.state, CT_MUTEX_LOCKED);	/* uncontended: no waiter bit */
	ct_mutex_unlock(&m);
	ct_mutex_destroy(&m);

	/* Contended trylock from another thread fails; succeeds once free. */
	bool got = true;
	pthread_t t;
	ct_mutex_lock(&shared);
	CHECK(pthread_create(&t, NULL, try_from_other_thread, &got) == 0);
	test_join(&t, 1);
	CHECK(!got);
	ct_mutex_unlock(&shared);
	CHECK(pthread_create(&t, NULL, try_from_other_thread, &got) == 0);
	test_join(&t, 1);
	CHECK(got);
	CHECK_EQ(shared.state, CT_MUTEX_UNLOCKED);

	/* lock_for on a held mutex: ETIMEDOUT after >= timeout, not late (test_too_late). */
	const uint64_t timeouts[] = { 1000000, 20000000, 50000000 };
	for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
		uint64_t io[3] = { timeouts[i], 0, 0 };
		ct_mutex_lock(&shared);
		CHECK(pthread_create(&t, NULL, lock_for_from_other_thread, io) == 0);
		test_join(&t, 1);
		ct_mutex_unlock(&shared);
		printf("lock_for(%" PRIu64 " ns) on held mutex: %s after %" PRIu64 " ns\n", io[0],
		       io[1] == ETIMEDOUT ? "ETIMEDOUT" : "acquired", io[2]);
		CHECK_EQ(io[1], ETIMEDOUT);
		CHECK(io[2] >= io[0]);
		CHECK(!test_too_late(io[2], io[0]));
	}

	/* lock_for succeeds when the holder releases before the timeout. */
	uint64_t hold = 20000000;
	CHECK(pthread_create(&t, NULL, hold_then_release, &hold) == 0);
	test_sleep_ns(5000000);
	uint64_t t0 = test_now_ns();
	CHECK_EQ(ct_mutex_lock_for(&shared, 2000000000u), 0);
	CHECK(test_now_ns() - t0 < 1000000000u);
	ct_mutex_unlock(&shared);
	test_join(&t, 1);

	/* Exclusion: 4 threads x N increments == 4N exactly. */
	enum { THREADS = 4 };
	long n = (long)SCALED(50000);
	pthread_t ts[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&ts[i], NULL, increment, &n) == 0);
	test_join(ts, THREADS);
	CHECK_EQ(counter, THREADS * n);
	CHECK_EQ(shared.state, CT_MUTEX_UNLOCKED);
	printf("ct_mutex: %d threads x %ld increments = %ld\n", THREADS, n, counter);
	return 0;
}
