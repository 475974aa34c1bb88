/*
 * tbb.cpp — oneTBB peers (libtbb-dev), exported as C rows.
 *
 *   tbb_spin_mutex     tbb::spin_mutex: test-and-set with TBB's backoff
 *                      (pauses, then yields)
 *   tbb_queuing_mutex  tbb::queuing_mutex: MCS-style FIFO queue lock, the
 *                      queue node being a scoped_lock
 *   tbb_bounded_queue  tbb::concurrent_bounded_queue<void *> with
 *                      set_capacity(capacity); family "queue" (it parks
 *                      blocked callers, as ct_queue does)
 *
 * queuing_mutex is only reachable through scoped_lock, which is also the
 * queue node and must live until release. The adapter's lock(l)/unlock(l)
 * carries no node, so each thread keeps a small stack of scoped_lock
 * objects in thread-local storage (raw storage, constructed at lock and
 * destroyed at unlock: no TLS guard on the fast path). A thread may hold
 * up to QM_MAX_HELD tbb_queuing_mutex locks at once, released in reverse
 * order; every workload holds at most one. Holding more aborts.
 *
 * concurrent_bounded_queue, and what the adapter adds:
 *  - put/get are TBB's blocking push/pop (TBB spins briefly, then parks
 *    on its concurrent_monitor).
 *  - try modes are try_push/try_pop.
 *  - Timed modes: TBB has no timed push/pop. The adapter spins on
 *    try_push/try_pop until a CLOCK_MONOTONIC deadline (spin.h:
 *    pause, a sched_yield every 256 polls), the deadline computed only
 *    once the first attempt has failed. Sleeping between polls was not
 *    chosen: the shortest sleep costs tens of microseconds of timer slack
 *    per miss, which would measure the sleep, not the queue.
 *  - Close: an atomic closed flag, then abort(), then a marker item.
 *    abort() makes every push or pop blocked at that moment throw
 *    tbb::user_abort (caught here: a put returns EPIPE, a get drains).
 *    Puts check the flag first (EPIPE). Gets that find the flag set drain
 *    what is left with try_pop, then return EPIPE. abort() only reaches
 *    callers already waiting, so a get that read the flag just before
 *    close and enters pop after it would wait for ever; the marker (the
 *    address of a private static, never a user's item) wakes it: close
 *    try_pushes it, and a draining get that finds the queue empty pushes
 *    it again, so once the queue is drained it holds a marker, and a get
 *    that pops one puts it back and returns EPIPE. With the queue full at
 *    close, a put that read the flag just before close and enters push
 *    after it waits for a slot, i.e. until getters drain one: it then
 *    succeeds (a put racing with close may land), and with no getter left
 *    it stays blocked (the harness closes only with no call in flight, or
 *    after a failure, where its watchdog bounds a hang).
 *  - Exceptions never cross into C: user_abort becomes EPIPE, any other
 *    (std::bad_alloc when a page of the queue cannot be allocated) ENOMEM,
 *    which fails the benchmark.
 */
#include "impls.h"
#include "spin.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <tbb/concurrent_queue.h>
#include <tbb/queuing_mutex.h>
#include <tbb/spin_mutex.h>

extern "C" {
extern const struct ci_lock_ops ci_lock_tbb_spin_mutex;
extern const struct ci_lock_ops ci_lock_tbb_queuing_mutex;
extern const struct ci_queue_ops ci_queue_tbb_bounded_queue;
}

namespace {

/* The harness aligns every object to a cache line. */
constexpr std::size_t obj_align = 64;

/* ---- tbb_spin_mutex ------------------------------------------------------- */

static_assert(alignof(tbb::spin_mutex) <= obj_align, "object alignment");

tbb::spin_mutex *spin_of(void *l) { return std::launder(static_cast<tbb::spin_mutex *>(l)); }
int spin_init(void *l) { new (l) tbb::spin_mutex(); return 0; }
void spin_destroy(void *l) { spin_of(l)->~spin_mutex(); }
void spin_lock(void *l) { spin_of(l)->lock(); }
void spin_unlock(void *l) { spin_of(l)->unlock(); }

/* ---- tbb_queuing_mutex ------------------------------------------------------ */

using qm_node = tbb::queuing_mutex::scoped_lock;
static_assert(alignof(tbb::queuing_mutex) <= obj_align, "object alignment");

constexpr unsigned QM_MAX_HELD = 4;

/*
 * This thread's nodes: qm_nodes[0 .. qm_held-1] hold constructed
 * scoped_locks enqueued on the locks it holds (innermost last). Only the
 * owner changes qm_held; TBB's protocol lets the neighbours in the lock's
 * queue write the nodes' m_next / m_going.
 */
struct alignas(qm_node) qm_storage {
	unsigned char bytes[sizeof(qm_node)];
};
thread_local qm_storage qm_nodes[QM_MAX_HELD];
thread_local unsigned qm_held;

tbb::queuing_mutex *qm_of(void *l) { return std::launder(static_cast<tbb::queuing_mutex *>(l)); }
int qm_init(void *l) { new (l) tbb::queuing_mutex(); return 0; }
void qm_destroy(void *l) { qm_of(l)->~queuing_mutex(); }

void qm_lock(void *l)
{
	unsigned d = qm_held;
	if (d == QM_MAX_HELD) {
		std::fprintf(stderr, "contend-bench: tbb_queuing_mutex: a thread holds more than %u locks\n",
			     QM_MAX_HELD);
		std::abort();
	}
	qm_node *n = new (&qm_nodes[d]) qm_node();
	n->acquire(*qm_of(l));
	qm_held = d + 1;
}

void qm_unlock(void *l)
{
	(void)l;	/* the node knows its mutex */
	qm_node *n = std::launder(reinterpret_cast<qm_node *>(&qm_nodes[--qm_held]));
	n->release();
	n->~qm_node();
}

/* ---- tbb_bounded_queue ------------------------------------------------------ */

/*
 * q: TBB's queue (its counters and pages live in a separately allocated,
 * cache-aligned representation; this part is read-mostly).
 * closed: false until close; set once (release) before abort(), read
 * (acquire) by every put and by gets that find the queue closed or empty.
 */
struct bqueue {
	tbb::concurrent_bounded_queue<void *> q;
	std::atomic<bool> closed{false};
};
static_assert(alignof(bqueue) <= obj_align, "object alignment");

bqueue *bq_of(void *p) { return std::launder(static_cast<bqueue *>(p)); }

bool bq_closed(bqueue *q)
{
	/* Pairs with the release store in bq_close. */
	return q->closed.load(std::memory_order_acquire);
}

int bq_init(void *p, size_t cap)
{
	if (cap == 0 || cap > static_cast<size_t>(PTRDIFF_MAX))
		return EINVAL;
	try {
		bqueue *q = new (p) bqueue();
		q->q.set_capacity(static_cast<std::ptrdiff_t>(cap));
	} catch (const std::bad_alloc &) {
		return ENOMEM;
	}
	return 0;
}

void bq_destroy(void *p) { bq_of(p)->~bqueue(); }

/* The close marker: no user item has this address. */
char close_marker;
void *const CLOSED = &close_marker;

/* Puts the marker back (or first), if there is room: see the file header. */
void bq_mark(bqueue *q)
{
	try {
		q->q.try_push(CLOSED);
	} catch (...) {
		/* No room for a page: then there are items, and no get blocks. */
	}
}

/* Closed (flag seen, or aborted): what is left, then EPIPE. */
int bq_drain(bqueue *q, void **item)
{
	if (q->q.try_pop(*item) && *item != CLOSED)
		return 0;
	bq_mark(q);
	return EPIPE;
}

int bq_put(void *p, void *item)
{
	bqueue *q = bq_of(p);
	if (bq_closed(q))
		return EPIPE;
	try {
		q->q.push(item);
	} catch (const tbb::user_abort &) {
		return EPIPE;
	} catch (...) {
		return ENOMEM;
	}
	return 0;
}

int bq_get(void *p, void **item)
{
	bqueue *q = bq_of(p);
	if (bq_closed(q))
		return bq_drain(q, item);
	try {
		q->q.pop(*item);
	} catch (const tbb::user_abort &) {
		return bq_drain(q, item);
	} catch (...) {
		return ENOMEM;
	}
	if (*item == CLOSED) {
		bq_mark(q);
		return EPIPE;
	}
	return 0;
}

int bq_try_put(void *p, void *item)
{
	bqueue *q = bq_of(p);
	if (bq_closed(q))
		return EPIPE;
	try {
		return q->q.try_push(item) ? 0 : EAGAIN;
	} catch (...) {
		return ENOMEM;
	}
}

int bq_try_get(void *p, void **item)
{
	bqueue *q = bq_of(p);
	if (q->q.try_pop(*item)) {
		if (*item != CLOSED)
			return 0;
		bq_mark(q);
		return EPIPE;
	}
	return bq_closed(q) ? bq_drain(q, item) : EAGAIN;
}

int bq_put_for(void *p, void *item, uint64_t timeout_ns)
{
	return ci_spin(bq_try_put, nullptr, p, item, nullptr, 1, timeout_ns);
}

int bq_get_for(void *p, void **item, uint64_t timeout_ns)
{
	return ci_spin(nullptr, bq_try_get, p, nullptr, item, 1, timeout_ns);
}

void bq_close(void *p)
{
	bqueue *q = bq_of(p);
	/* Before abort(): a caller woken by it, or arriving later, sees the flag. */
	q->closed.store(true, std::memory_order_release);
	q->q.abort();
	bq_mark(q);
}

size_t bq_capacity(const void *p)
{
	return static_cast<size_t>(std::launder(static_cast<const bqueue *>(p))->q.capacity());
}

} // namespace

/* Positional initializers (C++17 has no designated ones): see impls.h. */
const struct ci_lock_ops ci_lock_tbb_spin_mutex = {
	"tbb_spin_mutex", 0, sizeof(tbb::spin_mutex),
	spin_init, spin_destroy, spin_lock, spin_unlock,
};

const struct ci_lock_ops ci_lock_tbb_queuing_mutex = {
	"tbb_queuing_mutex", 0, sizeof(tbb::queuing_mutex),
	qm_init, qm_destroy, qm_lock, qm_unlock,
};

/*
 * No size: TBB's counts waiting pops, and the close marker. Not
 * CI_Q_CLOSE_WAKES_ALL: with two or more gets blocked in pop at close,
 * the aborted pops leave TBB's counters so that the draining gets wait
 * for ever (stress_queue 1x4 mode:block hangs); the benchmarks close only
 * with no call in flight.
 */
const struct ci_queue_ops ci_queue_tbb_bounded_queue = {
	"tbb_bounded_queue", "queue", CI_Q_EXACT_CAP, sizeof(bqueue), PTRDIFF_MAX,
	bq_init, bq_destroy,
	bq_put, bq_try_put, bq_put_for,
	bq_get, bq_try_get, bq_get_for,
	bq_close, nullptr, bq_capacity,
};
