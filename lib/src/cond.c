/*
 * cond.c — ct_cond: sequence-number condition variable with requeue.
 * The protocol and why it cannot lose a wakeup are in contend/cond.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/cond.h>

#include "internal.h"
#include "wait.h"

#ifndef CT_CHECKED
#define CT_CHECKED 0
#endif

/*
 * Checked builds: waiting with a mutex the caller does not hold aborts
 * with one line (as ct_mutex's checks do), instead of waiting unlocked
 * and returning with the mutex held. Relaxed: only the caller's own
 * store could have put its id in owner (mutex.c).
 */
static void cond_check_holder(const char *op, const ct_cond *c, ct_mutex *m)
{
	if (CT_CHECKED && atomic_load_explicit(&m->owner, memory_order_relaxed) != ct__self()) {
		fprintf(stderr,
			"contend: %s: the calling thread does not hold the mutex "
			"(cond %p, mutex %p, thread %u)\n",
			op, (const void *)c, (const void *)m, ct__self());
		abort();
	}
}

void ct_cond_init(ct_cond *c)
{
	atomic_init(&c->seq, 0);
	atomic_init(&c->waiters, 0);
	atomic_init(&c->requeues_started, 0);
	atomic_init(&c->requeues_finished, 0);
	atomic_init(&c->mutex, 0);
}

void ct_cond_destroy(ct_cond *c)
{
	(void)c;
}

static int cond_wait(const char *op, ct_cond *c, ct_mutex *m, uint64_t deadline)
{
	cond_check_holder(op, c, m);

	/*
	 * Orderings. Every access to the counters below is relaxed: what
	 * orders them is the mutex and the parking backend, not the counters
	 * (the Relacy check rl_cond passes with each of them relaxed, and
	 * fails when the requeue bookkeeping is wrong). A waiter registers
	 * while it holds m; a signaller that must wake it changed the
	 * predicate under m after the waiter released it, so the waiter's
	 * registration happens-before the signaller's waiters load. A signal
	 * that bumps seq before the waiter parks is seen by ct__wait's
	 * atomic compare (the backend's lock or the kernel's barriers), one
	 * after it finds the waiter queued. A requeued waiter was woken
	 * through m's parking word after the broadcast's requeue, so it sees
	 * requeues_started bumped.
	 *
	 * Relaxed: every waiter stores the same pointer; broadcast reads it
	 * only after seeing waiters != 0 (ordered as above), and the mutex
	 * it names outlives the waits.
	 */
	atomic_store_explicit(&c->mutex, (uintptr_t)m, memory_order_relaxed);
	/* Relaxed (see above): registered before we release m. */
	atomic_fetch_add_explicit(&c->waiters, 1, memory_order_relaxed);
	uint32_t seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
	/* Relaxed (see above): broadcasts finished before we can be in the
	 * wait queue. */
	uint32_t finished = atomic_load_explicit(&c->requeues_finished, memory_order_relaxed);

	ct_mutex_unlock(m);
	int r = ct__wait(&c->seq, seq, deadline);
	atomic_fetch_sub_explicit(&c->waiters, 1, memory_order_relaxed);
	/*
	 * A broadcast may have requeued us onto m's wait queue, and then a
	 * ct_mutex_unlock woke us: we must relock CONTENDED so that the next
	 * unlock wakes the next requeued thread. A broadcast counts itself in
	 * requeues_started before it requeues and in requeues_finished after,
	 * so if we were requeued, requeues_started (read now, after our wake)
	 * differs from requeues_finished as we read it before waiting. If no
	 * broadcast ran meanwhile (the common case: signal wakes), relock on
	 * the normal path: it spins, and leaves m LOCKED, so our unlock makes
	 * no system call. Relaxed: see the top of this function.
	 */
	if (atomic_load_explicit(&c->requeues_started, memory_order_relaxed) == finished)
		ct_mutex_lock(m);
	else
		ct__mutex_relock(m);
	return r;
}

int ct__cond_wait_until(ct_cond *c, ct_mutex *m, uint64_t deadline)
{
	return cond_wait("ct_cond_wait", c, m, deadline);
}

void ct_cond_wait(ct_cond *c, ct_mutex *m)
{
	cond_wait("ct_cond_wait", c, m, CT_DEADLINE_NONE);
}

int ct_cond_wait_for(ct_cond *c, ct_mutex *m, uint64_t timeout_ns)
{
	return cond_wait("ct_cond_wait_for", c, m, ct__deadline(timeout_ns));
}

void ct_cond_signal(ct_cond *c)
{
	atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
	if (atomic_load_explicit(&c->waiters, memory_order_relaxed) != 0)
		ct__wake(&c->seq, 1);
}

void ct_cond_broadcast(ct_cond *c)
{
	uint32_t seq = atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed) + 1;

	if (atomic_load_explicit(&c->waiters, memory_order_relaxed) == 0)
		return;
	ct_mutex *m = (ct_mutex *)atomic_load_explicit(&c->mutex, memory_order_relaxed);
	/* Wake one; move the rest onto the mutex (woken one per unlock).
	 * If seq moved on meanwhile (another signal), or the backend cannot
	 * requeue, fall back to waking everyone: correct, just less polite. */
	/* Relaxed (see ct__cond_wait_until): started before, finished after. */
	atomic_fetch_add_explicit(&c->requeues_started, 1, memory_order_relaxed);
	if (m == NULL || ct__requeue(&c->seq, seq, &m->state) != 0)
		ct__wake(&c->seq, CT_WAKE_ALL);
	atomic_fetch_add_explicit(&c->requeues_finished, 1, memory_order_relaxed);
}
