/* test_cond.c — ct_cond: signal, broadcast to N, wait_for timeouts. */
#include <contend/cond.h>

#include "test_util.h"

enum { WAITERS = 8 };

static ct_mutex m = CT_MUTEX_INIT;
static ct_cond c = CT_COND_INIT;
static int ready;	/* under m */
static int tickets;	/* under m: each signal hands out one */
static int woken;	/* under m */

static void *wait_ready(void *arg)
{
	(void)arg;
	ct_mutex_lock(&m);
	while (!ready)
		ct_cond_wait(&c, &m);
	woken++;
	ct_mutex_unlock(&m);
	return NULL;
}

static void *wait_ticket(void *arg)
{
	(void)arg;
	ct_mutex_lock(&m);
	while (tickets == 0)
		ct_cond_wait(&c, &m);
	tickets--;
	woken++;
	ct_mutex_unlock(&m);
	return NULL;
}

static int waiting(void)
{
	return (int)atomic_load(&c.waiters);
}

static void wait_for_waiters(int n)
{
	uint64_t t0 = test_now_ns();
	while (waiting() < n) {
		CHECK(test_now_ns() - t0 < 5000000000u);
		test_sleep_ns(100000);
	}
	test_sleep_ns(2000000);	/* let them reach the kernel */
}

int main(void)
{
	pthread_t t[WAITERS];
	test_watchdog(50);

	/* Signal/broadcast with nobody waiting: no effect, no hang. */
	ct_cond_signal(&c);
	ct_cond_broadcast(&c);

	/* wait_for with nothing signalled: ETIMEDOUT after >= timeout, not late (test_too_late),
	 * and the mutex is held again on return. */
	const uint64_t timeouts[] = { 1000000, 30000000 };
	for (size_t i = 0; i < 2; i++) {
		ct_mutex_lock(&m);
		uint64_t t0 = test_now_ns();
		int r = ct_cond_wait_for(&c, &m, timeouts[i]);
		uint64_t dt = test_now_ns() - t0;
		CHECK_EQ(m.state != CT_MUTEX_UNLOCKED, 1);
		ct_mutex_unlock(&m);
		printf("cond_wait_for(%" PRIu64 " ns): %s after %" PRIu64 " ns\n", timeouts[i],
		       r == ETIMEDOUT ? "ETIMEDOUT" : "0", dt);
		CHECK_EQ(r, ETIMEDOUT);
		CHECK(dt >= timeouts[i]);
		CHECK(!test_too_late(dt, timeouts[i]));
	}

	/* Broadcast releases every waiter. */
	test_spawn(t, WAITERS, wait_ready, NULL, 0);
	wait_for_waiters(WAITERS);
	ct_mutex_lock(&m);
	ready = 1;
	ct_cond_broadcast(&c);
	ct_mutex_unlock(&m);
	test_join(t, WAITERS);
	CHECK_EQ(woken, WAITERS);
	CHECK_EQ(waiting(), 0);
	CHECK_EQ(m.state, CT_MUTEX_UNLOCKED);

	/* Broadcast without holding the mutex works too. */
	ready = 0;
	woken = 0;
	test_spawn(t, WAITERS, wait_ready, NULL, 0);
	wait_for_waiters(WAITERS);
	ct_mutex_lock(&m);
	ready = 1;
	ct_mutex_unlock(&m);
	ct_cond_broadcast(&c);
	test_join(t, WAITERS);
	CHECK_EQ(woken, WAITERS);

	/* Signal releases waiters one ticket at a time, none lost. */
	woken = 0;
	test_spawn(t, WAITERS, wait_ticket, NULL, 0);
	wait_for_waiters(WAITERS);
	for (int i = 0; i < WAITERS; i++) {
		ct_mutex_lock(&m);
		tickets++;
		ct_cond_signal(&c);
		ct_mutex_unlock(&m);
	}
	test_join(t, WAITERS);
	CHECK_EQ(woken, WAITERS);
	CHECK_EQ(tickets, 0);

	/* A timed wait that is signalled returns 0 well before its timeout. */
	printf("ct_cond: broadcast and signal released %d waiters each\n", WAITERS);
	ct_cond_destroy(&c);
	return 0;
}
