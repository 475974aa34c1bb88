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
 * Pause iterations a blocked locker spends spinning before it yields
 * (meson option mutex_spin, default 400: ~4 us at ~10 ns per pause on the
 * reference VM, ~8 us at ~20 ns on the AMD host), and the gap between two
 * probes of the lock word (128 pauses, ~1.3-2.6 us: a few cache-line
 * round trips, ~480 ns there; meson option mutex_probe_gap), so the spin
 * probes 3 times. Measured trade-offs (docs/performance.md): spin 0
 * builds the direct-park mutex (internal.h: glibc's protocol, parks at
 * once; park_direct below); a shorter gap catches a release sooner
 * (lower p99 behind short critical sections) but takes a hot lock's
 * cache line from its holder more often (fewer operations; gap 1 turns
 * it into a ping-pong).
 */
#ifndef CT_MUTEX_PROBE_GAP
#define CT_MUTEX_PROBE_GAP 128
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
	atomic_init(&m->slow, 0);
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
 * Announces a parker in the lot's slot: the parker's half of the
 * store-buffer pattern with an unlock that found the slot idle and
 * released with a plain store (contend/mutex.h). If the slot was not
 * FENCED, such unlocks may be running: mark it FENCED and run
 * ct__fence_heavy, which orders them for us (without it: spin model
 * mutex, BUG_NO_MEMBARRIER). Once FENCED (it stays so while anyone is
 * counted), an unlock that could still miss our count rechecks with a
 * full fence of its own, so a full fence of ours completes the pattern:
 * the membarrier (~16 us on the reference VM, more than a park) is paid
 * once per contention episode, not per park. Returns whether the heavy
 * fence failed (then park with a timeout and re-check).
 */
static bool announce(_Atomic(uint32_t) *lot)
{
	/* seq_cst, with the fence below: the parker's half. */
	uint32_t old = atomic_fetch_add_explicit(lot, 1, memory_order_seq_cst);
	if ((old & CT__LOT_FENCED) != 0) {
		atomic_thread_fence(memory_order_seq_cst);
		return false;
	}
	atomic_fetch_or_explicit(lot, CT__LOT_FENCED, memory_order_seq_cst);
	ct__fence_heavy_init();
	return ct__fence_heavy() != 0 && ct__fence_is_asymmetric();
}

/*
 * Parks until the mutex is acquired in the CONTENDED state or the
 * deadline passes (Drepper's mutex #3 once announced). exchange(CONTENDED)
 * both tells unlock to wake someone and acquires if the old value was
 * UNLOCKED (acquire ordering; without it: relacy mutex, seeded
 * MUTEX_PARK_ACQ). A thread that parked always reacquires CONTENDED, so
 * the next unlock wakes the next parked thread; an unlock resets the
 * state to UNLOCKED, so while a woken thread is on its way the unlocks in
 * between wake nobody else.
 */
static int park_until_acquired(ct_mutex *m, uint64_t deadline)
{
	_Atomic(uint32_t) *lot = ct__mutex_lot_word(m);
	bool announced = false, unpaired = false;
	int rc = 0;

	while (atomic_exchange_explicit(&m->state, CT_MUTEX_CONTENDED,
					CT_SEEDED(MUTEX_PARK_ACQ, memory_order_acquire)) !=
	       CT_MUTEX_UNLOCKED) {
		/* Announce before the first park only, then exchange again:
		 * the check after the announcement is what pairs with unlock
		 * (acquiring without ever parking writes no shared slot). */
		if (!announced) {
			unpaired = announce(lot);
			announced = true;
			continue;
		}
		uint64_t d = deadline;
		if (unpaired) {
			uint64_t poll = ct__deadline(MUTEX_UNPAIRED_PARK_NS);
			d = poll < deadline ? poll : deadline;
		}
		if (ct__wait(&m->state, CT_MUTEX_CONTENDED, d) == ETIMEDOUT &&
		    deadline != CT_DEADLINE_NONE && (!unpaired || ct__now_ns() >= deadline)) {
			rc = ETIMEDOUT;
			break;
		}
	}
	/* Relaxed: a stale count costs an unlock a fence or a spurious wake. */
	if (announced)
		atomic_fetch_sub_explicit(lot, 1, memory_order_relaxed);
	return rc;
}

/*
 * Per thread, the unlocks the two heuristics below count: rechecks that
 * found nobody counted (CT__LOT_CREDIT of them clear FENCED, internal.h)
 * and exchange unlocks (CT_MUTEX_SLOW_UNLOCKS of them clear the `slow`
 * hint). Thread-local, so counting writes no shared line; Relacy threads
 * are fibers of one OS thread: one slot per thread.
 */
struct unlock_counts {
	uint32_t rechecks;
	uint32_t busy;
};
#ifdef CT_RELACY
static struct unlock_counts ct_rl_unlock_counts[64];
#define unlock_counts ct_rl_unlock_counts[ct__self()]
#else
#if defined(__GNUC__)
__attribute__((tls_model("initial-exec")))
#endif
static _Thread_local struct unlock_counts unlock_counts;
#endif

/* Counts one more; true, and the count starts over, every `every`-th time. */
static inline bool count_reaches(uint32_t *n, uint32_t every)
{
	if (++*n < every)
		return false;
	*n = 0;
	return true;
}

/*
 * The plain-store unlock found the slot busy after its store: a parker
 * announced itself, and may have skipped the heavy fence (slot FENCED) or
 * set CONTENDED just before our store overwrote it. A full fence, then
 * the count: if anyone is counted, wake one (without the fence: spin
 * model mutex, BUG_NO_RECHECK). With nobody counted, spend a credit; out
 * of credit, clear FENCED (only if still nobody is counted: the CAS fails
 * otherwise), so that unlocks go back to the unfenced store and the next
 * parker runs the heavy fence.
 */
void ct__mutex_unlock_recheck(ct_mutex *m)
{
	_Atomic(uint32_t) *lot = ct__mutex_lot_word(m);

	atomic_thread_fence(memory_order_seq_cst);
	/* Relaxed: ordered after our store by the fence. */
	uint32_t w = atomic_load_explicit(lot, memory_order_relaxed);
	if ((w & CT__LOT_COUNT) != 0) {
		ct__mutex_wake(m);
	} else if (count_reaches(&unlock_counts.rechecks, CT__LOT_CREDIT)) {
		/* Relaxed: the next parker reads it with its RMW. */
		uint32_t expected = CT__LOT_FENCED;
		atomic_compare_exchange_strong_explicit(lot, &expected, 0, memory_order_relaxed,
							memory_order_relaxed);
	}
}

/*
 * Unlock of a mutex whose lockers took the slow path lately (its `slow`
 * hint): Drepper's exchange(UNLOCKED), release; if it returned CONTENDED,
 * wake one. A full barrier, touching only the mutex's own line. Every
 * CT_MUTEX_SLOW_UNLOCKS such unlocks of a thread clear the hint: if the
 * contention is over, unlocks go back to the plain store; if not, the
 * next slow-path locker sets it again.
 */
#ifndef CT_MUTEX_SLOW_UNLOCKS
#define CT_MUTEX_SLOW_UNLOCKS 4096
#endif

/*
 * The hand-over (-Dmutex_handover=N, 100 by default; contend/mutex.h): a
 * locker that has spun N pauses asks for the mutex (WANTED in `slow`,
 * one asker at a time); an unlock that finds the request while nobody is
 * parked passes the mutex to the asker instead of releasing it (GRANTED;
 * `state` is not written, so a barging lock finds the mutex held). The
 * spin model checks it (mutex.pml -DHANDOVER), Relacy too (mutex_handover).
 */
#define HANDOVER (CT_MUTEX_HANDOVER != 0)

/*
 * An unlock's hand-over: if a locker asked and nobody is parked (we hold
 * the mutex, so only a parker's exchange can change LOCKED), grant. A CAS
 * loop: the hint bit may change under us; a retracted request ends it.
 */
static bool grant(ct_mutex *m)
{
	/* Relaxed: the CAS re-reads it. */
	uint32_t w = atomic_load_explicit(&m->slow, memory_order_relaxed);
	while ((w & CT__MUTEX_WANTED) != 0 &&
	       atomic_load_explicit(&m->state, memory_order_relaxed) == CT_MUTEX_LOCKED) {
		/* Release: publishes the critical section to the asker, which
		 * reads GRANTED with acquire (without it: relacy
		 * mutex_handover, seeded MUTEX_GRANT_REL). */
		if (atomic_compare_exchange_weak_explicit(
			    &m->slow, &w, (w & ~CT__MUTEX_WANTED) | CT__MUTEX_GRANTED,
			    CT_SEEDED(MUTEX_GRANT_REL, memory_order_release), memory_order_relaxed))
			return true;
	}
	return false;
}

void ct__mutex_unlock_busy(ct_mutex *m)
{
	/* Granted: the asker owns the mutex, and we must not touch it. */
	if (HANDOVER && grant(m))
		return;
	/* Before the release: after it the mutex may be freed. */
	if (count_reaches(&unlock_counts.busy, CT_MUTEX_SLOW_UNLOCKS)) {
		/* Relaxed: a hint. With the hand-over a CAS, not a store:
		 * an asker's request must stay. */
		if (HANDOVER) {
			uint32_t hint = CT__MUTEX_HINT;
			atomic_compare_exchange_strong_explicit(&m->slow, &hint, 0, memory_order_relaxed,
								memory_order_relaxed);
		} else {
			atomic_store_explicit(&m->slow, 0, memory_order_relaxed);
		}
	}
	/* Release: as in ct__mutex_unlock_inline (relacy MUTEX_REL). */
	if (atomic_exchange_explicit(&m->state, CT_MUTEX_UNLOCKED,
				     CT_SEEDED(MUTEX_REL, memory_order_release)) == CT_MUTEX_CONTENDED)
		ct__mutex_wake(m);
}

/*
 * Sets the mutex's `slow` hint (internal.h): unlocks then use the
 * exchange, whose locked write hands the line over at once, instead of a
 * plain store that may sit in the store buffer until the holder's next
 * lock, so that a spinning locker sees the mutex free. Relaxed: a hint;
 * the test keeps a hot line from one more write per probe. Only in builds
 * without the yield phase (-Dmutex_yield=0): behind it the exchange
 * costs more than it catches (yield_rounds below).
 */
static void mark_slow(ct_mutex *m)
{
#ifdef CT_RELACY
	/* Relacy: never set, so it checks the plain-store unlock (the
	 * exchange is Drepper's unlock, checked there before; the spin model
	 * checks both paths). Setting it made Relacy 2.4's context-bound
	 * search crash in rl::waitset::try_remove (rl_pool, rl_cond). */
	(void)m;
#else
	if (CT_MUTEX_YIELD != 0)
		return;
	uint32_t w = atomic_load_explicit(&m->slow, memory_order_relaxed);
	if (HANDOVER && (w & CT__MUTEX_HINT) == 0)
		/* An RMW: a store could erase an asker's request. */
		atomic_fetch_or_explicit(&m->slow, CT__MUTEX_HINT, memory_order_relaxed);
	else if (!HANDOVER && w == 0)
		atomic_store_explicit(&m->slow, CT__MUTEX_HINT, memory_order_relaxed);
#endif
}

/*
 * The direct-park mutex's slow path (internal.h; -Dmutex_spin=0): glibc's
 * __lll_lock_wait. A word that already reads CONTENDED is parked on at
 * once (the futex compares it); then exchange(CONTENDED) (acquire, as in
 * park_until_acquired) until it returns UNLOCKED, parking after each
 * failure. Unlock's exchange wakes one whenever it replaces CONTENDED.
 */
static int park_direct(ct_mutex *m, uint64_t deadline)
{
	/* Relaxed: only picks whether to park before the first exchange. */
	bool park = atomic_load_explicit(&m->state, memory_order_relaxed) == CT_MUTEX_CONTENDED;
	for (;;) {
		if (park && ct__wait(&m->state, CT_MUTEX_CONTENDED, deadline) == ETIMEDOUT &&
		    deadline != CT_DEADLINE_NONE)
			return ETIMEDOUT;
		park = true;
		if (atomic_exchange_explicit(&m->state, CT_MUTEX_CONTENDED,
					     CT_SEEDED(MUTEX_PARK_ACQ, memory_order_acquire)) ==
		    CT_MUTEX_UNLOCKED)
			return 0;
	}
}

/*
 * A probe of a held mutex, as the spin, the asker and the yield phase make
 * it: one relaxed load of the state, and the CAS only if it reads
 * UNLOCKED (a CAS on a held line would take it from the holder for
 * nothing). LOST: it read UNLOCKED, but another thread's CAS won.
 */
enum probe { PROBE_HELD, PROBE_WON, PROBE_LOST };

static inline enum probe probe(ct_mutex *m)
{
	if (atomic_load_explicit(&m->state, memory_order_relaxed) != CT_MUTEX_UNLOCKED)
		return PROBE_HELD;
	return ct__mutex_try_acquire(m) ? PROBE_WON : PROBE_LOST;
}

/*
 * One step of a spin's exponential backoff: *gap pauses, counted in
 * *spent, then the gap doubles up to gap_max (a gap that starts at
 * gap_max stays there). spin and await_grant spend their budgets with it.
 */
static inline void backoff(unsigned *gap, unsigned *spent, unsigned gap_max)
{
	for (unsigned i = 0; i < *gap; i++)
		ct__cpu_relax();
	*spent += *gap;
	if (*gap < gap_max)
		*gap *= 2;
}

/*
 * Asks for a hand-over: sets WANTED unless another locker's request or
 * grant is pending. Relaxed: the request carries no data; the grant does.
 */
static bool ask(ct_mutex *m)
{
	uint32_t w = atomic_load_explicit(&m->slow, memory_order_relaxed);
	if ((w & (CT__MUTEX_WANTED | CT__MUTEX_GRANTED)) != 0)
		return false;
	return atomic_compare_exchange_strong_explicit(&m->slow, &w, w | CT__MUTEX_WANTED,
						       memory_order_relaxed, memory_order_relaxed);
}

/* Takes the grant: we own the mutex; others may ask again. */
static void take_grant(ct_mutex *m)
{
	/* Relaxed: the acquire read that saw GRANTED ordered us. */
	atomic_fetch_and_explicit(&m->slow, ~(uint32_t)CT__MUTEX_GRANTED, memory_order_relaxed);
}

/*
 * Withdraws the request. Returns false if an unlock granted it first:
 * then we own the mutex. Acquire: pairs with grant's release.
 */
static bool retract(ct_mutex *m)
{
	uint32_t w = atomic_load_explicit(&m->slow, memory_order_acquire);
	for (;;) {
		if ((w & CT__MUTEX_GRANTED) != 0) {
			take_grant(m);
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(&m->slow, &w, w & ~CT__MUTEX_WANTED,
							  memory_order_acquire, memory_order_acquire))
			return true;
	}
}

/* The asker's longest gap between two reads of the mutex's line. */
#define HANDOVER_PROBE_GAP_MAX 8

/*
 * The asker's spin, at most `left` pauses: reads `slow` for the grant
 * and `state` for a release by an unlock that did not see the request,
 * at gaps of 1, 2, 4 and then 8 pauses (shorter than the locker's usual
 * gaps: the grant is the one write it waits for). Returns whether we own
 * the mutex; false: the request is withdrawn, go and park.
 */
static bool await_grant(ct_mutex *m, unsigned left)
{
	unsigned gap = 1, spent = 0;
	while (spent < left) {
		backoff(&gap, &spent, HANDOVER_PROBE_GAP_MAX);
		/* Acquire: pairs with grant's release (without it: relacy
		 * mutex_handover, seeded MUTEX_GRANT_ACQ). */
		if ((atomic_load_explicit(&m->slow, CT_SEEDED(MUTEX_GRANT_ACQ, memory_order_acquire)) &
		     CT__MUTEX_GRANTED) != 0) {
			take_grant(m);
			return true;
		}
		enum probe p = probe(m);
		if (p == PROBE_WON) {
			/* Nobody can grant what we hold: only a holder grants,
			 * and the mutex was free. */
			if (!retract(m))
				abort();
			return true;
		}
		if (p == PROBE_LOST)
			break;
	}
	return !retract(m);
}

/*
 * The yield phase (-Dmutex_yield=Y, 100 by default; 0: none), between
 * the spin and the park: up to Y rounds of sched_yield, each followed by
 * one probe (load, then the CAS if it reads UNLOCKED). The probes are the
 * spin's (the spin model's `lock_slow` attempt, which any number of
 * attempts reduces to); only the time between them differs. Why it pays,
 * measured on the AMD host (docs/performance.md, "ct_mutex yields
 * before it parks"):
 * where each thread has its own CPU a yield returns at once (~1.2 us
 * there), so a blocked locker stays off the mutex's line a microsecond
 * at a time without sleeping and the holder runs on alone, with no wake
 * to pay; where threads outnumber CPUs a yield hands the CPU to a thread
 * that can run, often the holder. oneTBB's spin_mutex backs off into the
 * same yields, without end; WebKit's WTF::Lock yields 40 times, then
 * parks. The bound is a count, not a time: beside threads that keep
 * their CPU busy each yield may last a time slice, so a locker may take
 * Y slices to park (measured there: fewer operations, 0.8x, a better
 * p99.9 and a worse maximum wait); a wall-time bound of 0.2-20 ms gave
 * back most of the gain where lock contenders share the CPUs. Returns 0
 * (acquired), ETIMEDOUT (the deadline passed) or EAGAIN (the rounds are
 * spent: park).
 */
static int yield_rounds(ct_mutex *m, uint64_t deadline)
{
	/* A variable: with -Dmutex_yield=0 the loop test would draw
	 * -Wtype-limits (unsigned < 0). */
	const unsigned rounds = CT_MUTEX_YIELD;
	for (unsigned i = 0; i < rounds; i++) {
		if (deadline != CT_DEADLINE_NONE && ct__now_ns() >= deadline)
			return ETIMEDOUT;
		ct__yield();
		if (probe(m) == PROBE_WON)
			return 0;
	}
	return EAGAIN;
}

/*
 * The spin; then lock_slow yields and parks. Each probe is one relaxed
 * load (then the CAS if it reads UNLOCKED), the first after `gap`
 * pauses, then at gaps doubling up to CT_MUTEX_PROBE_GAP, until
 * CT_MUTEX_SPIN pauses in all have passed. ct_mutex's own callers start
 * at the whole gap: one probe every CT_MUTEX_PROBE_GAP pauses (with the
 * hand-over the first after CT_MUTEX_HANDOVER pauses, if fewer: the
 * probe where the locker asks);
 * ct__mutex_lock_eager (ct_queue's lock) starts at 1. Few probes matter
 * more than a short gap: every probe of a line the holder keeps writing
 * is a cache miss for both threads (~480 ns on the reference VM), and
 * one that finds the mutex free in the holder's short gap between unlock
 * and lock hands the mutex, with both lines, to the other CPU. The gap
 * used to start at 1 pause and double up to 128: the early, dense probes
 * cost the counter 0.5x at 2 and 8 threads on the AMD host, at a lower
 * p99 behind 50 ns critical sections (docs/performance.md, "ct_mutex
 * probes at a fixed gap"). Without the yield phase
 * (-Dmutex_yield=0) a lost CAS (the lock was free but another thread won
 * it) ends the spin too: the lock changes hands faster than we can take
 * it, and parking lets the winner run on a hot line instead of handing
 * the line back and forth. With the yield phase a lost CAS spins on:
 * there a yield switches threads, and each switch makes one long
 * operation of the thread it returns to (measured on the AMD host,
 * cs_ns:50 at 8 threads: with the lost CAS ending the spin one context
 * switch per 40-54 operations and a p99 of 62-64 us, without 1 per 1000
 * and 3.4 us). Returns 0 (acquired) or EAGAIN (the budget is spent, or
 * without yields a CAS lost).
 */
static int spin(ct_mutex *m, unsigned gap)
{
	/* Variables, not the macros: with -Dmutex_spin=0 or
	 * -Dmutex_handover=0 the comparisons below would draw -Wtype-limits
	 * (unsigned < 0, unsigned >= 0). */
	const unsigned budget = CT_MUTEX_SPIN, ask_after = CT_MUTEX_HANDOVER;
	unsigned spent = 0;
	mark_slow(m);
	while (spent < budget) {
		backoff(&gap, &spent, CT_MUTEX_PROBE_GAP);
		enum probe p = probe(m);
		if (p == PROBE_WON)
			return 0;
		if (p == PROBE_LOST && CT_MUTEX_YIELD == 0)
			break;
		if (HANDOVER && spent >= ask_after && ask(m)) {
			if (await_grant(m, budget - spent))
				return 0;
			break;
		}
		mark_slow(m);
	}
	return EAGAIN;
}

/* The spin's first gap for ct_mutex's own callers: the whole gap, or
 * with the hand-over the pauses after which a locker asks, if fewer. */
#define FIRST_GAP_PLAIN (CT_MUTEX_PROBE_GAP < CT_MUTEX_SPIN ? CT_MUTEX_PROBE_GAP : CT_MUTEX_SPIN)
#define FIRST_GAP (HANDOVER && CT_MUTEX_HANDOVER < FIRST_GAP_PLAIN ? CT_MUTEX_HANDOVER : FIRST_GAP_PLAIN)

static int lock_slow(ct_mutex *m, uint64_t deadline, unsigned first_gap)
{
	if (CT_MUTEX_DIRECT)
		return park_direct(m, deadline);
	int rc = spin(m, first_gap);
	if (rc == EAGAIN && CT_MUTEX_YIELD != 0)
		rc = yield_rounds(m, deadline);
	return rc == EAGAIN ? park_until_acquired(m, deadline) : rc;
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
	ct__mutex_acquired(m);
	checked_acquired(m);
	return true;
}

int ct_mutex_lock_for(ct_mutex *m, uint64_t timeout_ns)
{
	checked_lock_entry("ct_mutex_lock_for", m);
	if (!ct__mutex_try_acquire(m)) {
		if (timeout_ns == 0 || lock_slow(m, ct__deadline(timeout_ns), FIRST_GAP) != 0)
			return ETIMEDOUT;
	}
	ct__mutex_acquired(m);
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
	lock_slow(m, CT_DEADLINE_NONE, FIRST_GAP);
}

void ct__mutex_lock_eager(ct_mutex *m)
{
	checked_lock_entry("ct_mutex_lock", m);
	if (!ct__mutex_try_acquire(m))
		lock_slow(m, CT_DEADLINE_NONE, 1);
	ct__mutex_acquired(m);
	checked_acquired(m);
}

void ct__mutex_wake(ct_mutex *m)
{
	ct__wake(&m->state, 1);
}
