/*
 * event.c — ct_event: one futex word (flag, waiters bit, generation).
 * The protocol and why it cannot lose a wakeup are in contend/event.h.
 */
#include <errno.h>
#include <unistd.h>

#include <contend/event.h>

#include "internal.h"
#include "wait.h"

/*
 * Probes of the flag before a waiter parks (meson option event_spin,
 * default 400). Each is one acquire load plus a pause (~10 ns on the
 * reference VM): a few microseconds, well under one park/wake round trip
 * (~20 us there), enough to catch a set that comes from a thread already
 * running on another core (a ping-pong partner, a producer mid-batch).
 * The line is only read while spinning, so the setter pays nothing for it.
 */
#ifndef CT_EVENT_SPIN
#define CT_EVENT_SPIN 400
#endif

/*
 * Spinning threads, process-wide, and the most allowed: one per online
 * CPU, less the waiters a set has woken that have not run yet. With more
 * waiters than CPUs (a broadcast to many waiters on few cores), every
 * extra spinner would only take a core from the thread that is about to
 * set the event, or from a woken waiter. Measured on the project's 2-PU
 * VM: while only spinners were counted, the setter of a broadcast to 3
 * waiters and its first woken waiter spun on their next events, and the
 * last waiter woke 23.2 us (p50) after the set; counting the woken, 17.0
 * us (-Devent_spin=0, in another run: 16.5 us), and 25.7 us against
 * 38.1 us with 7 waiters, while a ping-pong still catches its sets
 * spinning (docs/performance.md, "ct_event's spinners make way").
 */
static atomic_int spinners;
static atomic_int max_spinners;		/* 0 until first needed */

/*
 * Woken waiters on their way (set adds what ct__wake woke; a waiter takes
 * one off when its park returns), and when the last set woke any. A hint
 * that only picks between spinning and parking: a park that returns
 * without a wake (spurious, or the value had changed) takes one off too
 * many (clamped at 0: the waiter then spins as it would have), and a
 * woken waiter that runs before its waker has added it leaves one too
 * many; so the count is believed for WAKING_TRUST_NS after a wake, no
 * longer. Relacy builds skip it (its clock is the model's): the model
 * checks both choices, as spin_slot_take can refuse anyway.
 */
#ifndef CT_RELACY
static atomic_int waking;
static _Atomic(uint64_t) woke_at;
#define WAKING_TRUST_NS 200000

static void waking_add(int n)
{
	if (n <= 0)
		return;
	/* Relaxed, both: a hint. */
	atomic_store_explicit(&woke_at, ct__now_ns(), memory_order_relaxed);
	atomic_fetch_add_explicit(&waking, n, memory_order_relaxed);
}

static void waking_done(void)
{
	int n = atomic_load_explicit(&waking, memory_order_relaxed);
	while (n > 0 && !atomic_compare_exchange_weak_explicit(&waking, &n, n - 1,
								memory_order_relaxed,
								memory_order_relaxed))
		;
}

/* Woken waiters not yet running, as far as the hint can be believed. */
static int waking_now(void)
{
	int n = atomic_load_explicit(&waking, memory_order_relaxed);
	if (n > 0 && ct__now_ns() - atomic_load_explicit(&woke_at, memory_order_relaxed) <
			     WAKING_TRUST_NS)
		return n;
	return 0;
}
#else
static void waking_add(int n)
{
	(void)n;
}

static void waking_done(void)
{
}

static int waking_now(void)
{
	return 0;
}
#endif

static bool spin_slot_take(void)
{
	int max = atomic_load_explicit(&max_spinners, memory_order_relaxed);
	if (max == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		max = n > 1 ? (int)n : 1;
		atomic_store_explicit(&max_spinners, max, memory_order_relaxed);
	}
	/* Relaxed: a counter of permits; it orders nothing. */
	if (atomic_fetch_add_explicit(&spinners, 1, memory_order_relaxed) + waking_now() < max)
		return true;
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
	return false;
}

static void spin_slot_give(void)
{
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
}

enum {
	EV_SET = CT_EVENT_SET,
	EV_WAITERS = CT_EVENT_WAITERS,
	EV_GEN_ONE = CT_EVENT_GEN_ONE,
};
/* Not an enum constant: 0xfffffff8 is outside int's range. */
#define EV_GEN_MASK (~(uint32_t)(CT_EVENT_GEN_ONE - 1))

void ct_event_init(ct_event *e)
{
	atomic_init(&e->state, 0);
}

void ct_event_destroy(ct_event *e)
{
	(void)e;
}

void ct_event_set(ct_event *e)
{
	uint32_t s = atomic_load_explicit(&e->state, memory_order_relaxed);
	uint32_t next;

	do {
		/* Already set: nothing to change, but a release RMW all the
		 * same (it joins the release sequence), so that what this
		 * caller wrote before set() is visible to a thread that then
		 * sees the event set, as with a flag under a lock. */
		if (s & EV_SET) {
			atomic_fetch_or_explicit(&e->state, 0,
						 CT_SEEDED(EVENT_RESET_REL, memory_order_release));
			return;
		}
		/* New generation, flag on, waiters bit off: everyone parked
		 * now is woken below; later waiters set the bit again. */
		next = ((s + EV_GEN_ONE) & EV_GEN_MASK) | EV_SET;
		/* Release: what the setter wrote before set() is visible to a
		 * waiter whose acquire load reads this value (or a later one:
		 * clear and the waiters' CAS are RMWs, they extend the
		 * release sequence). Without it: relacy event, seeded
		 * EVENT_SET_REL. */
	} while (!atomic_compare_exchange_weak_explicit(&e->state, &s, next,
							CT_SEEDED(EVENT_SET_REL, memory_order_release),
							memory_order_relaxed));
	if (s & EV_WAITERS)
		waking_add(ct__wake(&e->state, CT_WAKE_ALL));
}

void ct_event_clear(ct_event *e)
{
	uint32_t s = atomic_load_explicit(&e->state, memory_order_relaxed);

	/* Relaxed: clearing publishes nothing. The generation stays, so a
	 * waiter released by the set it follows still sees it changed. */
	while ((s & EV_SET) &&
	       !atomic_compare_exchange_weak_explicit(&e->state, &s, s & ~(uint32_t)EV_SET,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

bool ct_event_is_set(const ct_event *e)
{
	/* Acquire: pairs with set's release (relacy event, seeded EVENT_ISSET_ACQ). */
	return (atomic_load_explicit(&((ct_event *)e)->state,
				     CT_SEEDED(EVENT_ISSET_ACQ, memory_order_acquire)) & EV_SET) != 0;
}

/* Set now, or a set happened since the waiter read generation `gen`. */
static bool released(uint32_t s, uint32_t gen)
{
	return (s & EV_SET) || (s & EV_GEN_MASK) != gen;
}

static bool wait_until(ct_event *e, uint64_t deadline)
{
	/* Acquire on every load that may return true: see ct_event_set (all
	 * of them relaxed: relacy event, seeded EVENT_WAIT_ACQ). */
	uint32_t s = atomic_load_explicit(&e->state, CT_SEEDED(EVENT_WAIT_ACQ, memory_order_acquire));
	if (s & EV_SET)
		return true;
	const uint32_t gen = s & EV_GEN_MASK;

	/* Spin unless a waiter already parked: this event is slow to come. */
	if (CT_EVENT_SPIN > 0 && !(s & EV_WAITERS) && spin_slot_take()) {
		for (int i = 0; i < CT_EVENT_SPIN; i++) {
			ct__cpu_relax();
			s = atomic_load_explicit(&e->state,
						 CT_SEEDED(EVENT_WAIT_ACQ, memory_order_acquire));
			if (released(s, gen))
				break;
		}
		spin_slot_give();
		if (released(s, gen))
			return true;
	}

	bool timed_out = false;
	for (;;) {
		if (released(s, gen))
			return true;
		if (timed_out)
			return false;
		/* Announce a parked waiter before parking on exactly the value
		 * that carries the announcement: a set either comes after
		 * our CAS (and sees EV_WAITERS, so it wakes us) or changes
		 * the value first (and our CAS or the wait fails). */
		if (!(s & EV_WAITERS)) {
			if (!atomic_compare_exchange_weak_explicit(&e->state, &s, s | EV_WAITERS,
								   CT_SEEDED(EVENT_WAIT_ACQ, memory_order_acquire),
								   CT_SEEDED(EVENT_WAIT_ACQ, memory_order_acquire)))
				continue;
			s |= EV_WAITERS;
		}
		if (ct__wait(&e->state, s, deadline) == ETIMEDOUT)
			timed_out = true;	/* one more look: a set may have raced */
		else
			waking_done();
		s = atomic_load_explicit(&e->state, CT_SEEDED(EVENT_WAIT_ACQ, memory_order_acquire));
	}
}

void ct_event_wait(ct_event *e)
{
	wait_until(e, CT_DEADLINE_NONE);
}

bool ct_event_wait_for(ct_event *e, uint64_t timeout_ns)
{
	if (timeout_ns == 0)
		return ct_event_is_set(e);
	return wait_until(e, ct__deadline(timeout_ns));
}
