/*
 * queue.c — ct_queue: bounded FIFO on one ct_mutex and three ct_conds.
 *
 * See contend/queue.h for the contract. Every function takes `lock` for its
 * whole run (except size/capacity), so the invariants below hold whenever
 * the mutex is free:
 *
 *   0 <= count <= capacity; items are buf[(head + i) % capacity], i < count
 *   unfinished = puts - task_done calls (never below 0: EINVAL instead)
 *   closed only goes 0 -> 1; while closed, count only goes down
 *   getters/putters/joiners = threads inside the wait loop of get/put/join
 *   getters_woken <= getters, putters_woken <= putters
 *
 * A waiter increments its count before waiting and decrements it after it
 * reacquires the mutex, so a thread that changes the state under the mutex
 * sees every thread that could be waiting for that change, and signals only
 * when there is one.
 *
 * The lock is taken with ct__mutex_lock_eager (internal.h): every critical
 * section here is a few loads and stores, after which the holder goes away
 * (to its partner's item, its caller, a try loop's backoff), so a waiter
 * that probes early finds the lock free instead of waiting a whole probe
 * gap. (A condition wait re-takes it with ct_mutex_lock, cond.c.)
 */
#include <errno.h>
#include <stdbool.h>

#include <contend/queue.h>

#include "internal.h"
#include "spin.h"
#include "wait.h"

int ct_queue_init(ct_queue *q, size_t capacity)
{
	if (capacity == 0 || capacity > CT_QUEUE_CAPACITY_MAX)
		return EINVAL;
	void **buf = ct__alloc(capacity * sizeof *buf);
	if (!buf)
		return ENOMEM;
	ct_mutex_init(&q->lock);
	ct_cond_init(&q->not_empty);
	ct_cond_init(&q->not_full);
	ct_cond_init(&q->all_tasks_done);
	q->buf = buf;
	q->capacity = capacity;
	q->head = 0;
	/* Relaxed: init has exclusive access; publishing q to other threads
	 * is the caller's job (thread creation, a release store, ...). */
	atomic_store_explicit(&q->count, 0, memory_order_relaxed);
	q->unfinished = 0;
	atomic_store_explicit(&q->closed, 0, memory_order_relaxed);
	q->getters = 0;
	q->putters = 0;
	q->joiners = 0;
	q->getters_woken = 0;
	q->putters_woken = 0;
	return 0;
}

void ct_queue_destroy(ct_queue *q)
{
	ct__free(q->buf);
	q->buf = NULL;
	ct_cond_destroy(&q->all_tasks_done);
	ct_cond_destroy(&q->not_full);
	ct_cond_destroy(&q->not_empty);
	ct_mutex_destroy(&q->lock);
}

/*
 * Waits on c (lock held) until signalled or until deadline_ns.
 * Returns false if the deadline had already passed (nothing waited), true
 * otherwise; the caller re-checks its condition in both cases, so a wakeup
 * that coincides with a timeout is never thrown away.
 */
static bool queue_wait(ct_queue *q, ct_cond *c, uint64_t deadline_ns)
{
	if (deadline_ns != CT_DEADLINE_NONE && ct__now_ns() >= deadline_ns)
		return false;
	(void)ct__cond_wait_until(c, &q->lock, deadline_ns);
	return true;
}

/* True if deadline_ns (CT_DEADLINE_NONE: never) has passed: _for(0) does not spin. */
static bool deadline_passed(uint64_t deadline_ns)
{
	return deadline_ns != CT_DEADLINE_NONE && ct__now_ns() >= deadline_ns;
}

/*
 * Called with the lock held by a put (put = true) that found the queue
 * full or a get that found it empty. Spins (spin.h, state *sp) with the
 * lock released until the queue may have changed in the caller's favour
 * (for a put: count below capacity; for a get: count above 0; for both:
 * closed), or the spin budget or deadline_ns is spent; returns with the
 * lock held, true in the first case. The caller then re-checks everything
 * under the lock before it waits on a condition: a change made while we
 * spun, unregistered, signalled nobody. A spinning thread is not counted
 * in getters/putters, so a put or get whose partner is spinning makes no
 * system call. Relaxed loads: they only end the spin; the lock orders
 * what the caller then reads.
 */
static bool queue_spin(ct_queue *q, bool put, uint64_t deadline_ns, struct ct__spin *sp)
{
	bool seen = false;
	ct_mutex_unlock(&q->lock);
	for (;;) {
		size_t count = atomic_load_explicit(&q->count, memory_order_relaxed);
		if ((put ? count < q->capacity : count > 0) ||
		    atomic_load_explicit(&q->closed, memory_order_relaxed)) {
			ct__spin_done(sp);
			seen = true;
			break;
		}
		if (ct__spin_next(sp, deadline_ns) != CT__SPIN_AGAIN)
			break;
	}
	ct__mutex_lock_eager(&q->lock);
	return seen;
}

/*
 * Where a blocked put or get stands: not yet spun; spinning (a spin saw
 * the queue change, the re-check under the lock comes next); the spin's
 * budget spent (the re-check, then the condition variable).
 */
enum queue_spin_state { SPIN_NOT_YET, SPIN_ON, SPIN_SPENT };

/*
 * The blocked caller's next spin: returns false when it should wait on
 * the condition instead (the budget or the deadline is spent). A spin that
 * saw the queue change and then lost the item (or the slot) to another
 * thread under the lock spins on in the same budget, which counts the
 * lost race as progress (ct__spin_lost): on an oversubscribed CPU the
 * partners are running, and a wait on the condition would cost one of
 * them a wake on its critical path.
 */
static bool queue_spin_again(ct_queue *q, bool put, uint64_t deadline_ns, struct ct__spin *sp,
			     enum queue_spin_state *state)
{
	if (*state == SPIN_SPENT || deadline_passed(deadline_ns))
		return false;
	if (*state == SPIN_NOT_YET) {
		ct__spin_start(sp);
		*state = SPIN_ON;
	} else {
		ct__spin_lost(sp);
	}
	if (!queue_spin(q, put, deadline_ns, sp))
		*state = SPIN_SPENT;
	return true;
}

/*
 * put in all three forms: block = false is try_put (EAGAIN when full);
 * otherwise waits until deadline_ns (CT_DEADLINE_NONE: forever) and then
 * returns ETIMEDOUT.
 */
static int queue_put(ct_queue *q, void *item, bool block, uint64_t deadline_ns)
{
	int rc;
	bool wake_getter = false;
	struct ct__spin sp;
	enum queue_spin_state spin = SPIN_NOT_YET;

	ct__mutex_lock_eager(&q->lock);
	for (;;) {
		if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
			rc = EPIPE;
			break;
		}
		/* Relaxed: count is only written under lock, which we hold. */
		size_t count = atomic_load_explicit(&q->count, memory_order_relaxed);
		if (count < q->capacity) {
			size_t tail = q->head + count;
			if (tail >= q->capacity)
				tail -= q->capacity;
			q->buf[tail] = item;
			/* Relaxed: other writers hold the lock; size() only
			 * wants a snapshot and reads no item through it. */
			atomic_store_explicit(&q->count, count + 1, memory_order_relaxed);
			q->unfinished++;
			/* Wake a getter unless every blocked one already
			 * has a wake-up on its way. */
			wake_getter = q->getters > q->getters_woken;
			q->getters_woken += wake_getter;
			rc = 0;
			break;
		}
		if (!block) {
			rc = EAGAIN;
			break;
		}
		if (queue_spin_again(q, true, deadline_ns, &sp, &spin))
			continue;	/* re-check under the lock */
		q->putters++;
		bool waited = queue_wait(q, &q->not_full, deadline_ns);
		q->putters--;
		if (q->putters_woken > 0)
			q->putters_woken--;
		if (!waited) {
			rc = ETIMEDOUT;
			break;
		}
		spin = SPIN_NOT_YET;	/* woken: spin again before waiting again */
	}
	ct_mutex_unlock(&q->lock);
	/* Signal after unlocking, so the woken getter does not run straight
	 * into the lock we hold. Safe with ct_cond: the getter registered as
	 * a waiter before it released the lock we then acquired. */
	if (wake_getter)
		ct_cond_signal(&q->not_empty);
	return rc;
}

/* get in all three forms; see queue_put. */
static int queue_get(ct_queue *q, void **item, bool block, uint64_t deadline_ns)
{
	int rc;
	bool wake_putter = false;
	struct ct__spin sp;
	enum queue_spin_state spin = SPIN_NOT_YET;

	ct__mutex_lock_eager(&q->lock);
	for (;;) {
		/* Relaxed: count is only written under lock, which we hold. */
		size_t count = atomic_load_explicit(&q->count, memory_order_relaxed);
		if (count > 0) {
			*item = q->buf[q->head];
			q->head++;
			if (q->head == q->capacity)
				q->head = 0;
			/* Relaxed: as in queue_put. */
			atomic_store_explicit(&q->count, count - 1, memory_order_relaxed);
			wake_putter = q->putters > q->putters_woken;
			q->putters_woken += wake_putter;
			rc = 0;
			break;
		}
		if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
			rc = EPIPE;
			break;
		}
		if (!block) {
			rc = EAGAIN;
			break;
		}
		if (queue_spin_again(q, false, deadline_ns, &sp, &spin))
			continue;	/* re-check under the lock */
		q->getters++;
		bool waited = queue_wait(q, &q->not_empty, deadline_ns);
		q->getters--;
		if (q->getters_woken > 0)
			q->getters_woken--;
		if (!waited) {
			rc = ETIMEDOUT;
			break;
		}
		spin = SPIN_NOT_YET;	/* woken: spin again before waiting again */
	}
	ct_mutex_unlock(&q->lock);
	if (wake_putter)	/* after unlocking: see queue_put */
		ct_cond_signal(&q->not_full);
	return rc;
}

int ct_queue_put(ct_queue *q, void *item)
{
	return queue_put(q, item, true, CT_DEADLINE_NONE);
}

int ct_queue_try_put(ct_queue *q, void *item)
{
	return queue_put(q, item, false, 0);
}

int ct_queue_put_for(ct_queue *q, void *item, uint64_t timeout_ns)
{
	return queue_put(q, item, true, ct__deadline(timeout_ns));
}

int ct_queue_get(ct_queue *q, void **item)
{
	return queue_get(q, item, true, CT_DEADLINE_NONE);
}

int ct_queue_try_get(ct_queue *q, void **item)
{
	return queue_get(q, item, false, 0);
}

int ct_queue_get_for(ct_queue *q, void **item, uint64_t timeout_ns)
{
	return queue_get(q, item, true, ct__deadline(timeout_ns));
}

void ct_queue_close(ct_queue *q)
{
	ct__mutex_lock_eager(&q->lock);
	if (!atomic_load_explicit(&q->closed, memory_order_relaxed)) {
		/* Relaxed: the lock orders it for lock holders; spinners
		 * (queue_spin) only use it to stop spinning. */
		atomic_store_explicit(&q->closed, 1, memory_order_relaxed);
		/* Getters block only while the queue is empty, and no put
		 * succeeds from now on: each woken getter returns EPIPE. Each
		 * woken putter returns EPIPE. */
		if (q->getters > 0)
			ct_cond_broadcast(&q->not_empty);
		if (q->putters > 0)
			ct_cond_broadcast(&q->not_full);
	}
	ct_mutex_unlock(&q->lock);
}

size_t ct_queue_size(const ct_queue *q)
{
	/* Relaxed: a snapshot of a value kept in [0, capacity] by every
	 * writer; nothing else is read through it. */
	return atomic_load_explicit(&q->count, memory_order_relaxed);
}

size_t ct_queue_capacity(const ct_queue *q)
{
	return q->capacity;
}

int ct_queue_task_done(ct_queue *q)
{
	int rc = 0;

	ct__mutex_lock_eager(&q->lock);
	if (q->unfinished == 0) {
		rc = EINVAL;
	} else if (--q->unfinished == 0 && q->joiners > 0) {
		ct_cond_broadcast(&q->all_tasks_done);
	}
	ct_mutex_unlock(&q->lock);
	return rc;
}

void ct_queue_join(ct_queue *q)
{
	ct__mutex_lock_eager(&q->lock);
	while (q->unfinished > 0) {
		q->joiners++;
		ct_cond_wait(&q->all_tasks_done, &q->lock);
		q->joiners--;
	}
	ct_mutex_unlock(&q->lock);
}
