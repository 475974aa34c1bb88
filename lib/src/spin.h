/*
 * spin.h — how a blocked caller of ct_ring and ct_queue waits before it
 * parks. Private.
 *
 * A wait is polls of the caller's condition, in two phases:
 *
 *  1. Pause-spin: CT__SPIN_PAUSES pause iterations (~3 us at ~11 ns per
 *     pause on the reference VM), polling at exponentially growing gaps
 *     (1, 2, 4, ... CT__SPIN_GAP_MAX pauses), so that a partner running on
 *     another core hands its item over while we spin, and our polls do not
 *     take the line from it at every pause.
 *  2. Yield rounds: sched_yield, then a short burst of polls, until the
 *     calling thread's yield budget (ns) has passed. On an oversubscribed
 *     or loaded CPU the yield runs the thread we wait for (or another
 *     process) instead of us; on an idle CPU it returns at once.
 *
 * Then the caller parks. A park costs a wake system call of the partner
 * and a scheduling delay (tens of microseconds here, a time slice on a
 * loaded machine) on the critical path, which is why spinning that is
 * about to pay off should not give up early. The budget adapts per thread
 * (ski rental): a wait that parks halves it (down to CT__SPIN_BUDGET_MIN),
 * a wait that ends in the yield phase after e ns raises it to 2e (up to
 * CT__SPIN_BUDGET_MAX). A thread whose waits mostly end by parking (an
 * idle consumer) soon spins ~CT__SPIN_BUDGET_MIN per wait; one whose
 * partner is merely preempted keeps spinning through the preemption.
 * The budget is a window that starts over when the partners moved during
 * it (ct__spin_next_watch: the ring's index the other side advances;
 * ct__spin_lost: a lost race), up to CT__SPIN_WATCH_ROUNDS yields per
 * wait (~0.5 ms of this thread's CPU at ~2 us per round): on an
 * oversubscribed CPU a waiter can lose the races for tens of ms while
 * its partners run (7 producers, 1 consumer on 2 CPUs), and parking
 * then costs the bottleneck side a wake per item.
 *
 * The clock is read only at the end of a burst (after phase 1, then every
 * CT__SPIN_YIELD_PAUSES pauses in phase 2). 256 pauses before the first
 * yield, as the benchmark's own try loop: 1024 left a waiter spinning
 * ~11 us on an oversubscribed CPU that the thread it waits for needed
 * (docs/performance.md has the A/B).
 */
#ifndef CONTEND_SPIN_H
#define CONTEND_SPIN_H

#include <stdbool.h>
#include <stdint.h>

#include <contend/atomic.h>

#include "wait.h"

#ifndef CT__SPIN_PAUSES
#define CT__SPIN_PAUSES 256
#endif
#define CT__SPIN_GAP_MAX 64
#define CT__SPIN_YIELD_PAUSES 128
#ifndef CT__SPIN_BUDGET_MIN
#define CT__SPIN_BUDGET_MIN 20000u
#endif
#ifndef CT__SPIN_BUDGET_MAX
#define CT__SPIN_BUDGET_MAX 1000000u
#endif
#ifndef CT__SPIN_WATCH_ROUNDS
#define CT__SPIN_WATCH_ROUNDS 256u
#endif

#ifdef CT_RELACY
/*
 * The Relacy build (wait_relacy.h): CT__SPIN_PAUSES polls, each a yield
 * of the model's scheduler, then park; the model's clock decides
 * timeouts. No budget: Relacy runs every thread in one OS thread.
 */
struct ct__spin {
	unsigned polls;
};

enum { CT__SPIN_AGAIN, CT__SPIN_PARK, CT__SPIN_TIMEDOUT };

static inline void ct__spin_start(struct ct__spin *s) { s->polls = 0; }
static inline unsigned ct__spin_polls(const struct ct__spin *s) { return s->polls; }
static inline void ct__spin_done(const struct ct__spin *s) { (void)s; }

static inline int ct__spin_next(struct ct__spin *s, uint64_t deadline_ns)
{
	s->polls++;
	ct__cpu_relax();
	if (deadline_ns != CT_DEADLINE_NONE && ct__now_ns() >= deadline_ns)
		return CT__SPIN_TIMEDOUT;
	return s->polls < CT__SPIN_PAUSES ? CT__SPIN_AGAIN : CT__SPIN_PARK;
}

/* Relacy: no windows to extend (spin or park is the model's choice anyway). */
static inline void ct__spin_lost(struct ct__spin *s) { (void)s; }
/* Relacy: nothing watched. */
static inline int ct__spin_next_watch(struct ct__spin *s, uint64_t deadline_ns,
				      const ct_atomic_u64 *progress)
{
	(void)progress;
	return ct__spin_next(s, deadline_ns);
}

#else /* !CT_RELACY */

/* The calling thread's yield budget in ns (spin.c). */
#if defined(__GNUC__)
__attribute__((visibility("hidden"), tls_model("initial-exec")))
#endif
extern _Thread_local uint32_t ct__spin_budget_ns;

struct ct__spin {
	uint64_t t0;		/* phase 2: when its budget window started; 0 in phase 1 */
	uint64_t mark;		/* the watched word when the window started */
	unsigned yields;	/* phase 2: rounds so far */
	bool lost;		/* the caller lost a race in this window */
	unsigned polls;		/* failed polls so far */
	unsigned spent;		/* pauses spent in the current burst */
	unsigned gap;		/* pauses before the next poll */
};

enum { CT__SPIN_AGAIN, CT__SPIN_PARK, CT__SPIN_TIMEDOUT };

static inline void ct__spin_start(struct ct__spin *s)
{
	s->t0 = 0;
	s->mark = 0;
	s->yields = 0;
	s->lost = false;
	s->polls = 0;
	s->spent = 0;
	s->gap = 1;
}

/* Failed polls so far (the ring looks for close every few). */
static inline unsigned ct__spin_polls(const struct ct__spin *s)
{
	return s->polls;
}

/*
 * After a failed poll: waits before the next one. Returns CT__SPIN_AGAIN
 * (poll again), CT__SPIN_PARK (the budget is spent: park) or
 * CT__SPIN_TIMEDOUT (deadline_ns has passed; CT_DEADLINE_NONE: never).
 *
 * progress (NULL: nothing watched) is a word the waiter's partners
 * advance (a ring's head for a put, its tail for a get): when the budget
 * is spent but the word has changed since the budget's window began, or
 * the caller lost a race meanwhile (ct__spin_lost), the partners are
 * running and this thread lost the races for what they made (other
 * waiters took it), so a new window starts instead of a park, while the
 * wait has yielded fewer than CT__SPIN_WATCH_ROUNDS times. A park there
 * costs a partner a wake system call on its critical path, and this
 * thread a halved budget, so that its next wait parks sooner still.
 */
static inline int ct__spin_next_watch(struct ct__spin *s, uint64_t deadline_ns,
				      const ct_atomic_u64 *progress)
{
	s->polls++;
	for (unsigned k = 0; k < s->gap; k++)
		ct__cpu_relax();
	s->spent += s->gap;
	if (s->gap < CT__SPIN_GAP_MAX)
		s->gap *= 2;
	if (s->spent < (s->t0 == 0 ? CT__SPIN_PAUSES : CT__SPIN_YIELD_PAUSES))
		return CT__SPIN_AGAIN;
	uint64_t now = ct__now_ns();
	if (deadline_ns != CT_DEADLINE_NONE && now >= deadline_ns)
		return CT__SPIN_TIMEDOUT;
	uint32_t budget = ct__spin_budget_ns;
	if (s->t0 == 0) {
		s->t0 = now;
		/* Relaxed: only compared with a later read of the same word. */
		if (progress)
			s->mark = atomic_load_explicit(progress, memory_order_relaxed);
	} else if (now - s->t0 >= budget) {
		uint64_t seen = progress ? atomic_load_explicit(progress, memory_order_relaxed)
					 : s->mark;
		if ((s->lost || seen != s->mark) && s->yields < CT__SPIN_WATCH_ROUNDS) {
			/* The partners move: we lose races, they are not idle. */
			s->t0 = now;
			s->mark = seen;
			s->lost = false;
		} else {
			/* Spinning did not pay off this time: spin less next time. */
			ct__spin_budget_ns = budget / 2 > CT__SPIN_BUDGET_MIN
						     ? budget / 2
						     : CT__SPIN_BUDGET_MIN;
			return CT__SPIN_PARK;
		}
	}
	s->spent = 0;
	s->yields++;
	ct__yield();
	return CT__SPIN_AGAIN;
}

/* ct__spin_next_watch watching no word (lost races still count). */
static inline int ct__spin_next(struct ct__spin *s, uint64_t deadline_ns)
{
	return ct__spin_next_watch(s, deadline_ns, NULL);
}

/*
 * The caller's condition came true during this wait but another thread
 * took what it waited for: as a change of ct__spin_next_watch's word, the
 * budget's window then starts over instead of ending in a park.
 */
static inline void ct__spin_lost(struct ct__spin *s)
{
	s->lost = true;
}

/* After a successful poll: a wait that needed the yield phase raises the budget. */
static inline void ct__spin_done(const struct ct__spin *s)
{
	if (s->t0 == 0)
		return;
	uint64_t e2 = 2 * (ct__now_ns() - s->t0);
	if (e2 > ct__spin_budget_ns)
		ct__spin_budget_ns = e2 < CT__SPIN_BUDGET_MAX ? (uint32_t)e2 : CT__SPIN_BUDGET_MAX;
}

#endif /* !CT_RELACY */

#endif
