/*
 * cond.c — ct_cond: sequence-number condition variable.
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
	 * (the Relacy check rl_cond passes with each of them relaxed). A waiter registers
	 * while it holds m; a signaller that must wake it changed the
	 * predicate under m after the waiter released it, so the waiter's
	 * registration happens-before the signaller's waiters load. A signal
	 * that bumps seq before the waiter parks is seen by ct__wait's
	 * atomic compare (the backend's lock or the kernel's barriers), one
	 * after it finds the waiter queued.
	 */
	/* Relaxed (see above): registered before we release m. */
	atomic_fetch_add_explicit(&c->waiters, 1, memory_order_relaxed);
	uint32_t seq = atomic_load_explicit(&c->seq, memory_order_relaxed);

	ct_mutex_unlock(m);
	int r = ct__wait(&c->seq, seq, deadline);
	atomic_fetch_sub_explicit(&c->waiters, 1, memory_order_relaxed);
	ct_mutex_lock(m);
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

/*
 * Wakes every waiter, as glibc's condition variable does since 2.25: they
 * then contend for the mutex, spin briefly, yield and park on it
 * (ct_mutex's slow path), one acquiring per unlock.
 */
void ct_cond_broadcast(ct_cond *c)
{
	atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
	if (atomic_load_explicit(&c->waiters, memory_order_relaxed) != 0)
		ct__wake(&c->seq, CT_WAKE_ALL);
}
