/*
 * wait_portable.c — the portable parking backend: a hashed parking lot.
 *
 * For systems without futex(2) (and for -Dwait=portable on Linux, which CI
 * runs so this file cannot rot). Emulates the three futex operations the
 * library uses on top of POSIX threads only.
 *
 * Structure
 * =========
 * Addresses hash to one of CT_LOT_BUCKETS buckets. A bucket is a pthread
 * mutex and a doubly linked list of waiter records. A waiter record lives
 * on the waiting thread's stack and holds the address it waits on, a
 * `linked` flag and its own mutex + condition variable (CLOCK_MONOTONIC).
 *
 * Invariants
 * ==========
 * - A record is in the list of bucket_of(record->addr) iff record->linked;
 *   `linked`, `addr` and the list links change only under that bucket's
 *   lock (`addr` is set once, before linking: nothing moves a record
 *   between buckets since ct_cond stopped requeueing).
 * - `woken` changes only under the record's own mutex, from false to true,
 *   and only after a waker unlinked the record. After it is true the waker
 *   no longer touches the record, so the waiter may return and free it.
 * - ct__wait checks *addr == expected under the bucket lock; wakers store
 *   the new value *before* taking the bucket lock. So a waiter either sees
 *   the new value or is in the list when the waker looks: no lost wakeup.
 * - A waiter whose deadline passes locks its bucket: if still linked it
 *   unlinks itself and reports ETIMEDOUT; if not, a waker has claimed it
 *   and it waits for `woken` and reports 0, so a wake is never swallowed.
 *
 * Cancellation
 * ============
 * pthread_cond_wait and pthread_cond_timedwait are cancellation points;
 * futex(2) through syscall() is not. So that no library call is a
 * cancellation point on either backend (as contend/contend.h promises),
 * ct__wait disables cancellation while it waits and restores the caller's
 * state before it returns: a cancel sent meanwhile stays pending until the
 * thread reaches a cancellation point of its own. (Acting on it here would
 * unwind with the record still linked into a bucket.)
 */
#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "wait.h"

#define CT_LOT_BUCKETS 64

struct ct_waiter {
	struct ct_waiter *prev, *next;
	_Atomic(_Atomic(uint32_t) *) addr;	/* read unlocked only to pick a bucket */
	bool linked;				/* under the bucket lock */
	bool woken;				/* under `lock` */
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

struct ct_bucket {
	_Alignas(64) pthread_mutex_t lock;	/* one bucket per cache line */
	struct ct_waiter *head, *tail;
};

static struct ct_bucket lot[CT_LOT_BUCKETS];
static pthread_once_t lot_once = PTHREAD_ONCE_INIT;
static pthread_condattr_t lot_condattr;

static void lot_init(void)
{
	for (int i = 0; i < CT_LOT_BUCKETS; i++)
		pthread_mutex_init(&lot[i].lock, NULL);
	pthread_condattr_init(&lot_condattr);
	pthread_condattr_setclock(&lot_condattr, CLOCK_MONOTONIC);
}

static struct ct_bucket *bucket_of(_Atomic(uint32_t) *addr)
{
	uintptr_t a = (uintptr_t)addr;
	/* Fibonacci hashing of the address (low bits are alignment). */
	return &lot[((a >> 2) * UINT64_C(0x9E3779B97F4A7C15)) >> 58];
}

static void list_append(struct ct_bucket *b, struct ct_waiter *w)
{
	w->next = NULL;
	w->prev = b->tail;
	if (b->tail)
		b->tail->next = w;
	else
		b->head = w;
	b->tail = w;
	w->linked = true;
}

static void list_remove(struct ct_bucket *b, struct ct_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		b->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		b->tail = w->prev;
	w->linked = false;
}

/* Marks a record unlinked by the caller as woken. Must not touch it after. */
static void waiter_wake(struct ct_waiter *w)
{
	pthread_mutex_lock(&w->lock);
	w->woken = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int ct__wait(_Atomic(uint32_t) *addr, uint32_t expected, uint64_t deadline_ns)
{
	struct ct_waiter w;
	struct ct_bucket *b;
	int result = 0;

	pthread_once(&lot_once, lot_init);
	b = bucket_of(addr);
	pthread_mutex_lock(&b->lock);
	if (atomic_load_explicit(addr, memory_order_relaxed) != expected) {
		pthread_mutex_unlock(&b->lock);
		return 0;
	}
	int cancel_state;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, &lot_condattr);
	w.woken = false;
	atomic_store_explicit(&w.addr, addr, memory_order_relaxed);
	list_append(b, &w);
	pthread_mutex_unlock(&b->lock);

	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ns / 1000000000u),
		.tv_nsec = (long)(deadline_ns % 1000000000u),
	};
	pthread_mutex_lock(&w.lock);
	while (!w.woken) {
		if (deadline_ns == CT_DEADLINE_NONE) {
			pthread_cond_wait(&w.cond, &w.lock);
		} else if (pthread_cond_timedwait(&w.cond, &w.lock, &ts) == ETIMEDOUT) {
			break;
		}
	}
	bool woken = w.woken;
	pthread_mutex_unlock(&w.lock);

	if (!woken) {
		/* Timed out: unlink unless a waker has already claimed us. */
		for (;;) {
			_Atomic(uint32_t) *a = atomic_load_explicit(&w.addr, memory_order_relaxed);
			b = bucket_of(a);
			pthread_mutex_lock(&b->lock);
			if (atomic_load_explicit(&w.addr, memory_order_relaxed) == a)
				break;
			pthread_mutex_unlock(&b->lock);	/* requeued meanwhile */
		}
		if (w.linked) {
			list_remove(b, &w);
			result = ETIMEDOUT;
		}
		pthread_mutex_unlock(&b->lock);
		if (result == 0) {
			/* Claimed: wait until the waker is done with the record. */
			pthread_mutex_lock(&w.lock);
			while (!w.woken)
				pthread_cond_wait(&w.cond, &w.lock);
			pthread_mutex_unlock(&w.lock);
		}
	}
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	pthread_setcancelstate(cancel_state, NULL);
	return result;
}

/* Unlinks up to n records waiting on addr from b into a private list. */
static struct ct_waiter *claim(struct ct_bucket *b, _Atomic(uint32_t) *addr, int32_t n)
{
	struct ct_waiter *claimed = NULL, **tail = &claimed;

	for (struct ct_waiter *w = b->head, *next; w && n > 0; w = next) {
		next = w->next;
		if (atomic_load_explicit(&w->addr, memory_order_relaxed) != addr)
			continue;
		list_remove(b, w);
		w->next = NULL;
		*tail = w;
		tail = &w->next;
		n--;
	}
	return claimed;
}

static int wake_claimed(struct ct_waiter *w)
{
	int woken = 0;
	while (w) {
		struct ct_waiter *next = w->next;	/* read before w may vanish */
		waiter_wake(w);
		woken++;
		w = next;
	}
	return woken;
}

int ct__wake(_Atomic(uint32_t) *addr, int32_t n)
{
	struct ct_bucket *b;
	struct ct_waiter *claimed;

	pthread_once(&lot_once, lot_init);
	b = bucket_of(addr);
	pthread_mutex_lock(&b->lock);
	claimed = claim(b, addr, n);
	pthread_mutex_unlock(&b->lock);
	return wake_claimed(claimed);
}

_Thread_local uint32_t ct__self_id;

uint32_t ct__self_slow(void)
{
	static _Atomic(uint32_t) next_id = 1;

	/* Relaxed: a counter handing out distinct ids; it orders nothing.
	 * (Wraps after 2^32 threads; 0 is skipped.) */
	uint32_t id;
	do
		id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
	while (id == 0);
	ct__self_id = id;
	return id;
}

void ct__yield(void)
{
	int saved = errno;
	sched_yield();
	errno = saved;
}

/* No membarrier here: ct__fence_light stays a full fence. */
atomic_int ct__fence_asymmetric;

void ct__fence_heavy_init(void)
{
}

int ct__fence_heavy(void)
{
	atomic_thread_fence(memory_order_seq_cst);
	return ENOSYS;
}
