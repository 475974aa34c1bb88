/*
 * ck.c — Concurrency Kit peers (libck-dev, header-only here).
 *
 *   ck_ticket  ck_spinlock_ticket: FIFO ticket lock, spins (ck_pr_stall)
 *   ck_mcs     ck_spinlock_mcs: MCS queue lock, each waiter spins on its
 *              own node
 *   ck_fas     ck_spinlock_fas: fetch-and-store (test-and-test-and-set)
 *   ck_ring    ck_ring MPMC (ck_ring_enqueue_mpmc / ck_ring_dequeue_mpmc)
 *              on a ck_ring_buffer_t array; family "ring"
 *
 * The locks are used exactly as ck ships them: they spin, never yield,
 * never park (with more threads than CPUs a preempted holder or next in
 * line stalls everyone; that is what is measured).
 *
 * MCS needs a queue node per acquisition, which the adapter interface
 * (lock(l) / unlock(l)) does not carry: each thread keeps a small stack of
 * nodes in thread-local storage, so a thread may hold up to MCS_MAX_HELD
 * ck_mcs locks at once, released in reverse order (LIFO). Every workload
 * holds at most one. Holding more aborts with a message.
 *
 * The rows say CI_SPINS (impls.h): the locks spin, and ck_ring's
 * producers wait for one another's commit spinning inside ck.
 *
 * ck_ring has no blocking operations, no timeouts and no close; the
 * adapter adds what the workloads need, the way a user would:
 *  - Capacity: ck_ring holds at most size - 1 items for a power-of-two
 *    size, so the ring gets the smallest power of two >= capacity + 1 and
 *    may hold more than asked: capacity 1 -> 1, 16 -> 31, 1024 -> 2047
 *    (ct_ring rounds 1, 16, 1024 to themselves).
 *  - Blocking put/get spin on full/empty (spin.h: pause, and a
 *    sched_yield every 256 polls); no parking is added. Timed modes spin
 *    until a CLOCK_MONOTONIC deadline, computed only once the first
 *    attempt has failed.
 *  - Close is an atomic flag, set once. A put checks it before each
 *    attempt; a get that finds the ring empty checks it and, if set,
 *    polls once more (draining what was put before the close) before
 *    returning EPIPE. A put racing with close may still land after a get
 *    has returned EPIPE (ck has no way to fence in-flight puts); the
 *    harness closes only with no put in flight, or after a failure.
 */
#include "impls.h"
#include "spin.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <ck_ring.h>
#include <ck_spinlock.h>

/* ---- ck_ticket, ck_fas ------------------------------------------------- */

static int ticket_init(void *l) { ck_spinlock_ticket_init(l); return 0; }
static void ticket_lock(void *l) { ck_spinlock_ticket_lock(l); }
static void ticket_unlock(void *l) { ck_spinlock_ticket_unlock(l); }

static int fas_init(void *l) { ck_spinlock_fas_init(l); return 0; }
static void fas_lock(void *l) { ck_spinlock_fas_lock(l); }
static void fas_unlock(void *l) { ck_spinlock_fas_unlock(l); }

static void nothing(void *l) { (void)l; }

const struct ci_lock_ops ci_lock_ck_ticket = {
	.name = "ck_ticket",
	.flags = CI_SPINS,
	.obj_size = sizeof(ck_spinlock_ticket_t),
	.init = ticket_init,
	.destroy = nothing,
	.lock = ticket_lock,
	.unlock = ticket_unlock,
};

const struct ci_lock_ops ci_lock_ck_fas = {
	.name = "ck_fas",
	.flags = CI_SPINS,
	.obj_size = sizeof(ck_spinlock_fas_t),
	.init = fas_init,
	.destroy = nothing,
	.lock = fas_lock,
	.unlock = fas_unlock,
};

/* ---- ck_mcs ------------------------------------------------------------- */

#define MCS_MAX_HELD 4

/*
 * This thread's queue nodes: mcs_nodes[0 .. mcs_held-1] are enqueued on
 * the locks it holds (innermost last). Only the owning thread changes
 * mcs_held; ck's protocol lets the predecessor and successor write
 * ->locked and ->next of an enqueued node.
 */
static _Thread_local struct ck_spinlock_mcs mcs_nodes[MCS_MAX_HELD];
static _Thread_local unsigned mcs_held;

static int mcs_init(void *l) { ck_spinlock_mcs_init(l); return 0; }

static void mcs_lock(void *l)
{
	unsigned d = mcs_held;
	if (d == MCS_MAX_HELD) {
		fprintf(stderr, "contend-bench: ck_mcs: a thread holds more than %d locks\n",
			MCS_MAX_HELD);
		abort();
	}
	ck_spinlock_mcs_lock(l, &mcs_nodes[d]);
	mcs_held = d + 1;
}

static void mcs_unlock(void *l)
{
	ck_spinlock_mcs_unlock(l, &mcs_nodes[--mcs_held]);
}

const struct ci_lock_ops ci_lock_ck_mcs = {
	.name = "ck_mcs",
	.flags = CI_SPINS,
	.obj_size = sizeof(ck_spinlock_mcs_t),
	.init = mcs_init,
	.destroy = nothing,
	.lock = mcs_lock,
	.unlock = mcs_unlock,
};

/* ---- ck_ring MPMC --------------------------------------------------------- */

/*
 * ring: ck's counters, each on its own cache line, then size and mask.
 * buf: ring.size slots, allocated at init, read-only pointer after.
 * closed: false until close; set once (release), read (acquire) by every
 * put and by gets that find the ring empty. Shares the read-mostly last
 * line of ck_ring with size and mask.
 */
struct ckq {
	ck_ring_t ring;
	ck_ring_buffer_t *buf;
	atomic_bool closed;
};

#define CKQ_CAPACITY_MAX ((1u << 31) - 1)

static int ring_init(void *p, size_t cap)
{
	struct ckq *q = p;
	if (cap == 0 || cap > CKQ_CAPACITY_MAX)
		return EINVAL;
	unsigned size = 2;
	while (size - 1 < cap)
		size *= 2;
	void *buf;
	if (posix_memalign(&buf, 64, (size_t)size * sizeof(ck_ring_buffer_t)) != 0)
		return ENOMEM;
	q->buf = buf;
	ck_ring_init(&q->ring, size);
	atomic_init(&q->closed, false);
	return 0;
}

static void ring_destroy(void *p)
{
	struct ckq *q = p;
	free(q->buf);
}

static inline bool is_closed(struct ckq *q)
{
	/* Pairs with the release store in ring_close. */
	return atomic_load_explicit(&q->closed, memory_order_acquire);
}

static inline bool enq(struct ckq *q, void *item)
{
	return ck_ring_enqueue_mpmc(&q->ring, q->buf, item);
}

static inline bool deq(struct ckq *q, void **item)
{
	return ck_ring_dequeue_mpmc(&q->ring, q->buf, item);
}

/* An empty ring: EPIPE if closed and still empty after one more poll. */
static inline int empty_rc(struct ckq *q, void **item, int otherwise)
{
	if (!is_closed(q))
		return otherwise;
	/* Items put before the close are visible after the acquire above. */
	return deq(q, item) ? 0 : EPIPE;
}

static int ring_try_put(void *p, void *item)
{
	struct ckq *q = p;
	if (is_closed(q))
		return EPIPE;
	return enq(q, item) ? 0 : EAGAIN;
}

static int ring_try_get(void *p, void **item)
{
	struct ckq *q = p;
	if (deq(q, item))
		return 0;
	return empty_rc(q, item, EAGAIN);
}

static int ring_put(void *q, void *it) { return ci_spin(ring_try_put, NULL, q, it, NULL, 0, 0); }
static int ring_put_for(void *q, void *it, uint64_t ns)
{
	return ci_spin(ring_try_put, NULL, q, it, NULL, 1, ns);
}
static int ring_get(void *q, void **it) { return ci_spin(NULL, ring_try_get, q, NULL, it, 0, 0); }
static int ring_get_for(void *q, void **it, uint64_t ns)
{
	return ci_spin(NULL, ring_try_get, q, NULL, it, 1, ns);
}

static void ring_close(void *p)
{
	struct ckq *q = p;
	/* Orders the puts this thread saw complete before the flag (getters drain them). */
	atomic_store_explicit(&q->closed, true, memory_order_release);
}

static size_t ring_size(const void *p) { return ck_ring_size(&((const struct ckq *)p)->ring); }
static size_t ring_capacity(const void *p) { return ck_ring_capacity(&((const struct ckq *)p)->ring) - 1; }

const struct ci_queue_ops ci_queue_ck_ring = {
	.name = "ck_ring",
	.family = "ring",
	.flags = CI_SPINS | CI_Q_CLOSE_WAKES_ALL,
	.obj_size = sizeof(struct ckq),
	.max_capacity = CKQ_CAPACITY_MAX,
	.init = ring_init,
	.destroy = ring_destroy,
	.put = ring_put,
	.try_put = ring_try_put,
	.put_for = ring_put_for,
	.get = ring_get,
	.try_get = ring_try_get,
	.get_for = ring_get_for,
	.close = ring_close,
	.size = ring_size,
	.capacity = ring_capacity,
};
