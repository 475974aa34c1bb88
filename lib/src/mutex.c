/*
 * mutex.c — ct_mutex: a futex mutex whose unlock is a plain store, with
 * bounded spinning and a hashed waiter count (the parking lot).
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
 * Pause iterations a blocked locker spends spinning before it parks
 * (meson option mutex_spin, default 400: ~4 us at ~10 ns per pause on the
 * reference VM, under one park/wake round trip there, ~20 us), and the
 * longest gap between two probes of the lock word (128 pauses, ~1.3 us:
 * more than a cache-line round trip, ~480 ns there; meson option
 * mutex_probe_gap). Measured trade-offs (docs/performance.md): spin 0
 * parks at once, like glibc; gap 1 probes every pause, which catches a
 * release sooner (lower p99 behind long critical sections) but turns a
 * hot lock's cache line into a ping-pong.
 */
#ifndef CT_MUTEX_SPIN
#define CT_MUTEX_SPIN 400
#endif
#ifndef CT_MUTEX_PROBE_GAP_MAX
#define CT_MUTEX_PROBE_GAP_MAX 128
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

#ifndef CT_RELACY
struct ct__mutex_lot_slot ct__mutex_lot[1u << CT_MUTEX_LOT_BITS];
#endif

/*
 * A parker whose membarrier failed after registration (not seen in
 * practice: see wait.h) cannot trust an unlocker's skipped fence, so it
 * parks at most this long between re-checks.
 */
#define MUTEX_UNPAIRED_PARK_NS 1000000

/*
 * Parks until the mutex is acquired or the deadline passes. The parker's
 * half of the store-buffer pattern with unlock (internal.h): announce in
 * the lot's waiter count, ct__fence_heavy (so an unlock whose releasing
 * store we cannot see yet will see the count), then try the CAS again
 * before each park. ct__wait(state, LOCKED) sleeps only while the mutex
 * is held; an unlock after our announcement wakes one parked thread. The
 * acquire of the CAS pairs with the release of unlock (without it:
 * relacy mutex, seeded MUTEX_PARK_ACQ).
 */
static int park_until_acquired(ct_mutex *m, uint64_t deadline)
{
	_Atomic(uint32_t) *waiters = ct__mutex_waiters(m);
	int rc = 0;

	ct__fence_heavy_init();
	/* Relaxed: ordered before the CAS below by the fence pair. */
	atomic_fetch_add_explicit(waiters, 1, memory_order_relaxed);
	/* Without it: spin model mutex, BUG_NO_MEMBARRIER (a lost wakeup
	 * on x86-TSO; Relacy runs the pair as two full fences). */
	bool unpaired = ct__fence_heavy() != 0 && ct__fence_is_asymmetric();
	for (;;) {
		uint32_t expected = CT_MUTEX_UNLOCKED;
		if (atomic_compare_exchange_strong_explicit(
			    &m->state, &expected, CT_MUTEX_LOCKED,
			    CT_SEEDED(MUTEX_PARK_ACQ, memory_order_acquire), memory_order_relaxed))
			break;
		uint64_t d = deadline;
		if (unpaired) {
			uint64_t poll = ct__deadline(MUTEX_UNPAIRED_PARK_NS);
			d = poll < deadline ? poll : deadline;
		}
		if (ct__wait(&m->state, CT_MUTEX_LOCKED, d) == ETIMEDOUT &&
		    deadline != CT_DEADLINE_NONE && (!unpaired || ct__now_ns() >= deadline)) {
			rc = ETIMEDOUT;
			break;
		}
	}
	/* Relaxed: a stale count costs an unlock one spurious wake. */
	atomic_fetch_sub_explicit(waiters, 1, memory_order_relaxed);
	return rc;
}

/*
 * Spins with exponential backoff, then parks. Each probe is one relaxed
 * load; between probes the gap doubles (1, 2, 4, ... up to
 * CT_MUTEX_PROBE_GAP_MAX pauses) until CT_MUTEX_SPIN pauses in all have
 * passed. Few probes matter more than a short gap: every probe of a line
 * the holder keeps writing is a cache miss for both threads (~480 ns on
 * the reference VM), so a probe per pause turns a tight lock/unlock loop
 * into one line transfer per operation; with the gap above a line round
 * trip the holder runs many operations between two probes. And one more
 * reason to stop early: the lock was free but another thread won the CAS
 * (it changes hands faster than we can take it; parking lets the winner
 * run on a hot line instead of handing the line back and forth).
 */
static int lock_slow(ct_mutex *m, uint64_t deadline)
{
	unsigned gap = 1, spent = 0;
	while (spent < CT_MUTEX_SPIN) {
		for (unsigned i = 0; i < gap; i++)
			ct__cpu_relax();
		spent += gap;
		if (gap < CT_MUTEX_PROBE_GAP_MAX)
			gap *= 2;
		uint32_t s = atomic_load_explicit(&m->state, memory_order_relaxed);
		if (s == CT_MUTEX_UNLOCKED) {
			if (ct__mutex_try_acquire(m))
				return 0;
			break;
		}
	}
	return park_until_acquired(m, deadline);
}

void ct_mutex_lock(ct_mutex *m)
{
	checked_lock_entry("ct_mutex_lock", m);
	ct__mutex_lock_inline(m);
	checked_acquired(m);
}

bool ct_mutex_trylock(ct_mutex *m)
{
	if (!ct__mutex_try_acquire(m))
		return false;
	checked_acquired(m);
	return true;
}

int ct_mutex_lock_for(ct_mutex *m, uint64_t timeout_ns)
{
	checked_lock_entry("ct_mutex_lock_for", m);
	if (!ct__mutex_try_acquire(m)) {
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
	ct__mutex_unlock_inline(m);
}

void ct__mutex_lock_slow(ct_mutex *m)
{
	lock_slow(m, CT_DEADLINE_NONE);
}

void ct__mutex_wake(ct_mutex *m)
{
	ct__wake(&m->state, 1);
}
