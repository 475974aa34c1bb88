/*
 * mutex.c — ct_mutex: three-state futex mutex with bounded spinning.
 * The protocol and the meaning of each state are in contend/mutex.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/mutex.h>

#include "internal.h"
#include "wait.h"

#ifndef CT_CHECKED
#define CT_CHECKED 0
#endif

/* Checked builds track owners; the branches fold away otherwise. */
static const bool checked = CT_CHECKED;

/*
 * Spin iterations before parking (meson option mutex_spin, default 200).
 * Each is one relaxed load plus a pause (~10 ns on the reference VM), so
 * the bound is a few microseconds: shorter than a park/wake round trip
 * (~20 us there), long enough to ride out a short critical section on
 * another core. It is a measured trade-off (docs/performance.md): with
 * 50-1000 ns critical sections the spin wins (1.5-1.8x glibc's mutex,
 * p99 2-20x lower); with empty ones two spinners hand the lock's cache
 * line back and forth and lose to glibc, which parks at once (spin 0).
 */
#ifndef CT_MUTEX_SPIN
#define CT_MUTEX_SPIN 200
#endif

static void checked_fail(const char *op, const char *what, const ct_mutex *m)
{
	fprintf(stderr, "contend: %s: %s (mutex %p, thread %u)\n", op, what, (const void *)m,
		ct__self());
	abort();
}

static void checked_lock_entry(const char *op, ct_mutex *m)
{
	/* Relaxed: only our own store of our own id could match. */
	if (checked && atomic_load_explicit(&m->owner, memory_order_relaxed) == ct__self())
		checked_fail(op, "self-deadlock: the calling thread already holds this mutex", m);
}

static void checked_acquired(ct_mutex *m)
{
	if (checked)
		atomic_store_explicit(&m->owner, ct__self(), memory_order_relaxed);
}

void ct_mutex_init(ct_mutex *m)
{
	atomic_init(&m->state, CT_MUTEX_UNLOCKED);
	atomic_init(&m->owner, 0);
}

void ct_mutex_destroy(ct_mutex *m)
{
	(void)m;
}

/* Uncontended acquisition: 0 -> LOCKED. Acquire pairs with unlock's release. */
static bool try_acquire(ct_mutex *m)
{
	uint32_t expected = CT_MUTEX_UNLOCKED;
	return atomic_compare_exchange_strong_explicit(&m->state, &expected, CT_MUTEX_LOCKED,
						       memory_order_acquire, memory_order_relaxed);
}

/*
 * Parks until the mutex is acquired in the CONTENDED state or the deadline
 * passes. exchange(CONTENDED) both announces a waiter (so unlock will wake
 * someone) and acquires if the old value was UNLOCKED (acquire ordering).
 */
static int park_until_acquired(ct_mutex *m, uint64_t deadline)
{
	while (atomic_exchange_explicit(&m->state, CT_MUTEX_CONTENDED, memory_order_acquire) !=
	       CT_MUTEX_UNLOCKED) {
		if (ct__wait(&m->state, CT_MUTEX_CONTENDED, deadline) == ETIMEDOUT)
			return ETIMEDOUT;
	}
	return 0;
}

static int lock_slow(ct_mutex *m, uint64_t deadline)
{
	for (int i = 0; i < CT_MUTEX_SPIN; i++) {
		/* Relaxed read-only spin: no cache-line ping-pong while held. */
		if (atomic_load_explicit(&m->state, memory_order_relaxed) == CT_MUTEX_UNLOCKED &&
		    try_acquire(m))
			return 0;
		ct__cpu_relax();
	}
	return park_until_acquired(m, deadline);
}

void ct_mutex_lock(ct_mutex *m)
{
	checked_lock_entry("ct_mutex_lock", m);
	if (!try_acquire(m))
		lock_slow(m, CT_DEADLINE_NONE);
	checked_acquired(m);
}

bool ct_mutex_trylock(ct_mutex *m)
{
	if (!try_acquire(m))
		return false;
	checked_acquired(m);
	return true;
}

int ct_mutex_lock_for(ct_mutex *m, uint64_t timeout_ns)
{
	checked_lock_entry("ct_mutex_lock_for", m);
	if (!try_acquire(m)) {
		if (timeout_ns == 0 || lock_slow(m, ct__deadline(timeout_ns)) != 0)
			return ETIMEDOUT;
	}
	checked_acquired(m);
	return 0;
}

void ct_mutex_unlock(ct_mutex *m)
{
	if (checked) {
		if (atomic_load_explicit(&m->owner, memory_order_relaxed) != ct__self())
			checked_fail("ct_mutex_unlock", "the calling thread does not hold this mutex", m);
		atomic_store_explicit(&m->owner, 0, memory_order_relaxed);
	}
	/* Release: publishes the critical section to the next acquirer. */
	if (atomic_exchange_explicit(&m->state, CT_MUTEX_UNLOCKED, memory_order_release) ==
	    CT_MUTEX_CONTENDED)
		ct__wake(&m->state, 1);
}

void ct__mutex_relock(ct_mutex *m)
{
	checked_lock_entry("ct_cond_wait", m);
	park_until_acquired(m, CT_DEADLINE_NONE);
	checked_acquired(m);
}
