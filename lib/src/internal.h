/* internal.h — functions shared between the primitives' .c files. */
#ifndef CONTEND_INTERNAL_H
#define CONTEND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <contend/cond.h>
#include <contend/mutex.h>

#include "wait.h"

/*
 * Nothing here is exported from the shared library: it is built with
 * hidden visibility and exports only CT_API prototypes (contend/api.h).
 * The tests link the static library, where these resolve as usual.
 */

/*
 * ct_cond_wait with an absolute CLOCK_MONOTONIC deadline
 * (CT_DEADLINE_NONE: none). Returns 0 or ETIMEDOUT; m is held on return.
 */
int ct__cond_wait_until(ct_cond *c, ct_mutex *m, uint64_t deadline_ns);

/*
 * ct_mutex's fast paths, inline here so that ct_rmutex (whose lock and
 * unlock would otherwise be a call into ct_mutex_lock/unlock each) and
 * mutex.c run the very same code. Checked builds' rmutex goes through
 * ct_mutex_lock/unlock for owner tracking. ct__mutex_lock_slow is
 * mutex.c's lock_slow with no deadline; ct__mutex_wake wakes one parked
 * locker.
 */
void ct__mutex_lock_slow(ct_mutex *m);
/*
 * ct_mutex_lock for a lock whose critical sections are a few stores and
 * whose holders go away after them (ct_queue): the spin's probes start
 * 1 pause apart and double up to mutex_probe_gap, instead of one every
 * mutex_probe_gap pauses. Measured (docs/performance.md, "ct_mutex
 * probes at a fixed gap"): with the sparse probes ct_queue's
 * try_put/try_get at capacity 1 fell to 0.2x; with these it is as before.
 */
void ct__mutex_lock_eager(ct_mutex *m);
void ct__mutex_wake(ct_mutex *m);

/*
 * The parking lot (mutex.c; the protocol is in contend/mutex.h): per slot,
 * `word` counts the threads between announcing themselves on the slow
 * path and leaving it, for every mutex whose address hashes to the slot
 * (CT__LOT_COUNT bits), plus CT__LOT_FENCED: set by a parker that runs
 * the heavy fence; while it is set every plain-store unlock rechecks with
 * a full fence, so parkers skip the heavy fence.
 * A thread that has run CT__LOT_CREDIT rechecks that found nobody
 * counted clears CT__LOT_FENCED (if still nobody is counted), so that
 * unlocks go back to the plain store; the next parker then runs the heavy
 * fence again (a heuristic: when FENCED is cleared matters for speed
 * only, and a per-thread count writes no shared line).
 *
 * Outside the mutex, so an unlock never reads the mutex's memory after
 * its releasing store (the next owner may free it at once, as POSIX
 * allows for pthread mutexes); a slot shared by two busy mutexes costs
 * only spurious wakes. One cache line per slot: a parker's increment does
 * not evict the slot other mutexes' unlocks read.
 */
#define CT__LOT_FENCED 0x80000000u
#define CT__LOT_COUNT 0x7fffffffu
#define CT__LOT_CREDIT (1u << 20)	/* ~10 ms of unlocks: membarriers stay rare */
#ifdef CT_RELACY
/* Relacy: one slot, Relacy atomics of the test's kernel (wait_relacy.h). */
#define ct__mutex_lot_word(m) ((void)(m), &ct_rl_kernel::current->mutex_lot_word)
#else
#define CT_MUTEX_LOT_BITS 9
struct ct__mutex_lot_slot {
	_Alignas(64) _Atomic(uint32_t) word;
	char pad[64 - sizeof(uint32_t)];
};
#if defined(__GNUC__)
__attribute__((visibility("hidden")))
#endif
extern struct ct__mutex_lot_slot ct__mutex_lot[1u << CT_MUTEX_LOT_BITS];

static inline struct ct__mutex_lot_slot *ct__mutex_slot(const ct_mutex *m)
{
	/* Fibonacci hashing of the address (mutexes are 4-byte aligned). */
	uint64_t h = (uint64_t)(uintptr_t)m * UINT64_C(0x9E3779B97F4A7C15);
	return &ct__mutex_lot[h >> (64 - CT_MUTEX_LOT_BITS)];
}
#define ct__mutex_lot_word(m) (&ct__mutex_slot(m)->word)
#endif

/* Uncontended acquisition: 0 -> LOCKED. Acquire pairs with unlock's release
 * (without it: relacy mutex, seeded MUTEX_ACQ). */
static inline bool ct__mutex_try_acquire(ct_mutex *m)
{
	uint32_t expected = CT_MUTEX_UNLOCKED;
	return atomic_compare_exchange_strong_explicit(&m->state, &expected, CT_MUTEX_LOCKED,
						       CT_SEEDED(MUTEX_ACQ, memory_order_acquire),
						       memory_order_relaxed);
}

/*
 * Two plain stores to the caller's stack, after an unlock's releasing
 * store: the next lock's `lock cmpxchg` then costs less. Measured on the
 * reference VM's Intel Xeon, one thread, lock + a store to another line +
 * plain-store unlock in a loop: 9.0 ns per iteration; with these two
 * stores after the unlock's (or before the lock's CAS) 7.6 ns; one store
 * does not help, dependent arithmetic does not either, and with nothing
 * stored under the lock the loop is 7.3 ns with or without them. Why the
 * locked instruction drains such a store buffer faster is not known; it
 * is what oneTBB's spin_mutex gets from its lock's register pushes, and
 * why it led the counter family at 1 thread (docs/performance.md, "the
 * unlock leaves two stores behind it"). Placed after the unlock, not
 * before the lock: the contended unlock (the `slow` hint's exchange) does
 * not run it, and a lock-side version cost the 2-thread counter
 * 0.66-0.87x in four rounds. x86-64 only; elsewhere, and in the Relacy
 * build, nothing.
 */
static inline void ct__store_buffer_nudge(void)
{
#if defined(__x86_64__) && !defined(CT_RELACY)
	volatile uint32_t pad[2];
	pad[0] = 0;
	pad[1] = 0;
	(void)pad;	/* stored, never read: a use for -Wunused-but-set-variable */
#endif
}

/*
 * ct_mutex.slow's bits in the spinning build (contend/mutex.h): the hint,
 * and with -Dmutex_handover=N the hand-over's request and grant (mutex.c).
 */
#define CT__MUTEX_HINT 1u
#define CT__MUTEX_WANTED 2u
#define CT__MUTEX_GRANTED 4u
#ifndef CT_MUTEX_HANDOVER
#define CT_MUTEX_HANDOVER 0
#endif
/* meson -Dmutex_yield (mutex.c yield_rounds); 0: no yields, and the hint. */
#ifndef CT_MUTEX_YIELD
#define CT_MUTEX_YIELD 100
#endif

/*
 * meson -Dmutex_spin=0 builds the direct-park mutex: glibc's protocol
 * (Drepper's mutex #3) with no spinning, no parking lot and no `slow`
 * hint. Lock: CAS 0->1; failing that, park at once (mutex.c
 * park_direct). Unlock: always the exchange (ct__mutex_unlock_inline).
 * And one thing more, the reason this mode keeps up with glibc behind
 * empty critical sections: right after acquiring, the holder adds one to
 * `slow` (in this mode a count written only by holders), as glibc's
 * pthread_mutex_lock increments `__nusers`. If another CPU took the
 * line while the holder's CAS ran, that load waits for the line to come
 * back, the holder stays in the lock a round trip longer, and the
 * contender finds it held and parks; without it the contender more often
 * catches the mutex free, takes it as CONTENDED and leaves its unlock a
 * futile wake. Measured (docs/performance.md, "Why glibc's waiters
 * park"): glibc's algorithm at 4 threads on 2 PUs, 0.46-0.60x
 * pthread_mutex without the increment, 0.79-1.44x with it.
 */
#ifndef CT_MUTEX_SPIN
#define CT_MUTEX_SPIN 400
#endif
#define CT_MUTEX_DIRECT (CT_MUTEX_SPIN == 0)

/* The direct-park mutex's increment after an acquisition (above). */
static inline void ct__mutex_acquired(ct_mutex *m)
{
	if (CT_MUTEX_DIRECT) {
		/* Relaxed: only holders write it, ordered by the mutex. */
		uint32_t n = atomic_load_explicit(&m->slow, memory_order_relaxed);
		atomic_store_explicit(&m->slow, n + 1, memory_order_relaxed);
	}
}

static inline void ct__mutex_lock_inline(ct_mutex *m)
{
	if (!ct__mutex_try_acquire(m))
		ct__mutex_lock_slow(m);
	ct__mutex_acquired(m);
}

void ct__mutex_unlock_busy(ct_mutex *m);
void ct__mutex_unlock_recheck(ct_mutex *m);

/*
 * Unlock (contend/mutex.h). Unless lockers took the slow path lately
 * (the mutex's `slow` hint, on the line the holder already owns): a plain
 * releasing store, then the lot's slot, the store-buffer pattern against
 * a parker's announce-then-exchange, ordered by the asymmetric fence pair
 * (ct__fence_light here, the parker's ct__fence_heavy; without the
 * parker's: spin model mutex, BUG_NO_MEMBARRIER); if the slot is busy,
 * mutex.c's recheck. Otherwise mutex.c's Drepper unlock (exchange). The
 * hint only picks the path: the spin model passes with a free choice.
 */
static inline void ct__mutex_unlock_inline(ct_mutex *m)
{
	if (CT_MUTEX_DIRECT) {
		/* The direct-park mutex: always the exchange (release, relacy
		 * MUTEX_REL); it wakes one if it replaced CONTENDED. */
		if (atomic_exchange_explicit(&m->state, CT_MUTEX_UNLOCKED,
					     CT_SEEDED(MUTEX_REL, memory_order_release)) ==
		    CT_MUTEX_CONTENDED)
			ct__mutex_wake(m);
		return;
	}
	/* Relaxed: a hint (see above). */
	if (atomic_load_explicit(&m->slow, memory_order_relaxed) != 0) {
		ct__mutex_unlock_busy(m);
		return;
	}
	_Atomic(uint32_t) *lot = ct__mutex_lot_word(m);
	/* Release: publishes the critical section to the next acquirer
	 * (without it: relacy mutex, seeded MUTEX_REL). */
	atomic_store_explicit(&m->state, CT_MUTEX_UNLOCKED,
			      CT_SEEDED(MUTEX_REL, memory_order_release));
	ct__store_buffer_nudge();
	ct__fence_light();
	/* Relaxed: ordered after the store by the fence pair. */
	if (atomic_load_explicit(lot, memory_order_relaxed) != 0)
		ct__mutex_unlock_recheck(m);
}

/*
 * Memory (alloc.c). Every allocation of the library goes through these two
 * (ct_queue_init, ct_ring_init, ct_pool_init, ct_pool_map), so tests can make them
 * fail and count what is left.
 */
void *ct__alloc(size_t size);	/* malloc, unless a test made it fail */
void ct__free(void *p);		/* free of a ct__alloc block (NULL: nothing) */

/*
 * Test-only fault injection: after after_n more successful ct__alloc
 * calls, every later one returns NULL (as malloc out of memory), until
 * called again; after_n < 0 removes the limit (the default). Tests call it
 * while no other thread is inside an init.
 */
void ct__set_alloc_fail(long after_n);

/* Test-only: blocks from ct__alloc not yet freed with ct__free. */
long ct__alloc_live(void);

#endif
