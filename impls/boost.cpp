/*
 * boost.cpp — Boost.Lockfree peer (libboost-dev, header-only),
 * exported as a C row.
 *
 *   boost_queue  boost::lockfree::queue<void *, fixed_sized<true>>: the
 *                Michael-Scott lock-free queue over a fixed pool of nodes
 *                (indices instead of pointers, tagged against ABA);
 *                family "ring" (lock-free, like ct_ring and ck_ring)
 *
 * Capacity: the runtime-sized constructor queue(n) with fixed_sized<true>
 * allocates n + 1 nodes up front (one is the dummy) and never allocates
 * again, so push fails exactly when n items are queued: the capacity is
 * the one asked for. (capacity<N> would fix it at compile time, one type
 * per benchmark capacity.) Boost's index is 16 bits: at most 65534 items.
 *
 * Boost's queue has no blocking operations, no timeouts and no close; the
 * adapter adds what the workloads need, as a user would:
 *  - Blocking put/get spin on full/empty (spin.h: pause, and a
 *    sched_yield every 256 polls); no parking is added. Timed modes spin
 *    until a CLOCK_MONOTONIC deadline, computed only once the first
 *    attempt has failed.
 *  - Close is an atomic flag, set once. A put checks it before each
 *    attempt; a get that finds the queue empty checks it and, if set,
 *    polls once more (draining what was put before the close) before
 *    returning EPIPE. A put racing with close may still land after a get
 *    has returned EPIPE; the harness closes only with no put in flight, or
 *    after a failure.
 */
#include "impls.h"
#include "spin.h"

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <new>
#include <stdexcept>

#include <boost/lockfree/queue.hpp>

extern "C" {
extern const struct ci_queue_ops ci_queue_boost_queue;
}

namespace {

using lf_queue = boost::lockfree::queue<void *, boost::lockfree::fixed_sized<true>>;

constexpr std::size_t max_capacity = 65534;	/* 65535 nodes, one the dummy */

/*
 * q: Boost's queue (head and tail on their own cache lines; the node pool
 * allocated at construction).
 * closed: false until close; set once (release), read (acquire) by every
 * put and by gets that find the queue empty.
 */
struct bqueue {
	explicit bqueue(std::size_t n) : q(n), cap(n) {}
	lf_queue q;
	std::size_t cap;
	alignas(64) std::atomic<bool> closed{false};
};
/* The harness aligns every object to a cache line. */
static_assert(alignof(bqueue) <= 64, "object alignment");

bqueue *of(void *p) { return std::launder(static_cast<bqueue *>(p)); }

bool is_closed(bqueue *q)
{
	/* Pairs with the release store in close_q. */
	return q->closed.load(std::memory_order_acquire);
}

/* An empty queue: EPIPE if closed and still empty after one more poll. */
int empty_rc(bqueue *q, void **item, int otherwise)
{
	if (!is_closed(q))
		return otherwise;
	/* Items put before the close are visible after the acquire above. */
	return q->q.pop(*item) ? 0 : EPIPE;
}

int init(void *p, size_t cap)
{
	if (cap == 0 || cap > max_capacity)
		return EINVAL;
	try {
		new (p) bqueue(cap);
	} catch (const std::bad_alloc &) {
		return ENOMEM;
	} catch (const std::runtime_error &) {	/* pool over Boost's limit */
		return EINVAL;
	}
	return 0;
}

void destroy(void *p) { of(p)->~bqueue(); }

int try_put(void *p, void *item)
{
	bqueue *q = of(p);
	if (is_closed(q))
		return EPIPE;
	return q->q.push(item) ? 0 : EAGAIN;
}

int try_get(void *p, void **item)
{
	bqueue *q = of(p);
	if (q->q.pop(*item))
		return 0;
	return empty_rc(q, item, EAGAIN);
}

int put(void *p, void *it) { return ci_spin(try_put, nullptr, p, it, nullptr, 0, 0); }
int put_for(void *p, void *it, uint64_t ns) { return ci_spin(try_put, nullptr, p, it, nullptr, 1, ns); }
int get(void *p, void **it) { return ci_spin(nullptr, try_get, p, nullptr, it, 0, 0); }
int get_for(void *p, void **it, uint64_t ns) { return ci_spin(nullptr, try_get, p, nullptr, it, 1, ns); }

void close_q(void *p)
{
	/* Orders the puts this thread saw complete before the flag (getters drain them). */
	of(p)->closed.store(true, std::memory_order_release);
}

size_t capacity(const void *p) { return std::launder(static_cast<const bqueue *>(p))->cap; }

} // namespace

/* Positional initializer (C++17 has no designated ones): see impls.h. No
 * size: Boost's queue does not count its items. */
const struct ci_queue_ops ci_queue_boost_queue = {
	"boost_queue", "ring", CI_Q_EXACT_CAP | CI_Q_CLOSE_WAKES_ALL, sizeof(bqueue), max_capacity,
	init, destroy,
	put, try_put, put_for,
	get, try_get, get_for,
	close_q, nullptr, capacity,
};
