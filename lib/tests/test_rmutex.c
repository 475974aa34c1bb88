/* test_rmutex.c — ct_rmutex: nesting, depth, EPERM, exclusion, timeouts. */
#include <contend/rmutex.h>

#include "test_util.h"

static ct_rmutex r = CT_RMUTEX_INIT;

static void *other_thread(void *arg)
{
	int *out = arg;
	out[0] = ct_rmutex_unlock(&r);		/* not ours: EPERM */
	out[1] = (int)ct_rmutex_depth(&r);	/* not ours: 0 */
	out[2] = ct_rmutex_trylock(&r);		/* held elsewhere: false */
	out[3] = ct_rmutex_lock_for(&r, 10000000);	/* ETIMEDOUT */
	return NULL;
}

static void *nest_increment(void *arg)
{
	long *counter = arg;
	for (int i = 0; i < (int)SCALED(20000); i++) {
		ct_rmutex_lock(&r);
		ct_rmutex_lock(&r);
		(*counter)++;
		CHECK_EQ(ct_rmutex_depth(&r), 2);
		CHECK_EQ(ct_rmutex_unlock(&r), 0);
		CHECK_EQ(ct_rmutex_unlock(&r), 0);
	}
	return NULL;
}

int main(void)
{
	test_watchdog(50);

	/* Unlocked: unlock is EPERM and changes nothing. */
	CHECK_EQ(ct_rmutex_depth(&r), 0);
	CHECK_EQ(ct_rmutex_unlock(&r), EPERM);
	CHECK_EQ(ct_rmutex_depth(&r), 0);
	CHECK_EQ(r.lock.state, CT_MUTEX_UNLOCKED);

	/* Depth 1000 nesting, every depth reported, mixed entry points. */
	for (unsigned d = 1; d <= 1000; d++) {
		switch (d % 3) {
		case 0: ct_rmutex_lock(&r); break;
		case 1: CHECK(ct_rmutex_trylock(&r)); break;
		default: CHECK_EQ(ct_rmutex_lock_for(&r, 0), 0); break;
		}
		CHECK_EQ(ct_rmutex_depth(&r), d);
	}

	/* Another thread: EPERM, depth 0, cannot acquire; state unchanged. */
	int out[4];
	pthread_t t;
	CHECK(pthread_create(&t, NULL, other_thread, out) == 0);
	test_join(&t, 1);
	CHECK_EQ(out[0], EPERM);
	CHECK_EQ(out[1], 0);
	CHECK_EQ(out[2], 0);
	CHECK_EQ(out[3], ETIMEDOUT);
	CHECK_EQ(ct_rmutex_depth(&r), 1000);

	for (unsigned d = 1000; d >= 1; d--) {
		CHECK_EQ(ct_rmutex_unlock(&r), 0);
		CHECK_EQ(ct_rmutex_depth(&r), d - 1);
	}
	CHECK_EQ(ct_rmutex_unlock(&r), EPERM);
	CHECK_EQ(r.lock.state, CT_MUTEX_UNLOCKED);

	/* Exclusion with nesting: exact count. */
	enum { THREADS = 4 };
	long counter = 0;
	pthread_t ts[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&ts[i], NULL, nest_increment, &counter) == 0);
	test_join(ts, THREADS);
	CHECK_EQ(counter, THREADS * (long)SCALED(20000));
	printf("ct_rmutex: depth 1000 ok, %d threads counted %ld\n", THREADS, counter);

	ct_rmutex_destroy(&r);
	return 0;
}
