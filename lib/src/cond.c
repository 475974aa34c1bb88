/*
 * cond.c — ct_cond: sequence-number condition variable with requeue.
 * The protocol and why it cannot lose a wakeup are in contend/cond.h.
 */
#include <errno.h>

#include <contend/cond.h>

#include "internal.h"
#include "wait.h"

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

int ct__cond_wait_until(ct_cond *c, ct_mutex *m, uint64_t deadline)
{
	/* Relaxed: every waiter stores the same pointer; broadcast reads it
	 * only after seeing waiters != 0, which this thread stored later
	 * (seq_cst) — and the mutex it names outlives the waits. */
	atomic_store_explicit(&c->mutex, (uintptr_t)m, memory_order_relaxed);
	/* seq_cst, paired with signal's seq_cst increment then waiters load:
	 * either the signaler sees this registration or we see its new seq. */
	atomic_fetch_add_explicit(&c->waiters, 1, memory_order_seq_cst);
	uint32_t seq = atomic_load_explicit(&c->seq, memory_order_seq_cst);
	/* seq_cst: broadcasts finished before we can be in the wait queue. */
	uint32_t finished = atomic_load_explicit(&c->requeues_finished, memory_order_seq_cst);

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
	 * no system call. seq_cst: pairs with the broadcaster's increments.
	 */
	if (atomic_load_explicit(&c->requeues_started, memory_order_seq_cst) == finished)
		ct_mutex_lock(m);
	else
		ct__mutex_relock(m);
	return r;
}

void ct_cond_wait(ct_cond *c, ct_mutex *m)
{
	ct__cond_wait_until(c, m, CT_DEADLINE_NONE);
}

int ct_cond_wait_for(ct_cond *c, ct_mutex *m, uint64_t timeout_ns)
{
	return ct__cond_wait_until(c, m, ct__deadline(timeout_ns));
}

void ct_cond_signal(ct_cond *c)
{
	atomic_fetch_add_explicit(&c->seq, 1, memory_order_seq_cst);
	if (atomic_load_explicit(&c->waiters, memory_order_seq_cst) != 0)
		ct__wake(&c->seq, 1);
}

void ct_cond_broadcast(ct_cond *c)
{
	uint32_t seq = atomic_fetch_add_explicit(&c->seq, 1, memory_order_seq_cst) + 1;

	if (atomic_load_explicit(&c->waiters, memory_order_seq_cst) == 0)
		return;
	ct_mutex *m = (ct_mutex *)atomic_load_explicit(&c->mutex, memory_order_relaxed);
	/* Wake one; move the rest onto the mutex (woken one per unlock).
	 * If seq moved on meanwhile (another signal), or the backend cannot
	 * requeue, fall back to waking everyone: correct, just less polite. */
	/* seq_cst: see ct__cond_wait_until; started before, finished after. */
	atomic_fetch_add_explicit(&c->requeues_started, 1, memory_order_seq_cst);
	if (m == NULL || ct__requeue(&c->seq, seq, &m->state) != 0)
		ct__wake(&c->seq, CT_WAKE_ALL);
	atomic_fetch_add_explicit(&c->requeues_finished, 1, memory_order_seq_cst);
}
