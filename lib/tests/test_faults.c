/*
 * test_faults.c — the bounded queues (libcontend's rows of the queue
 * table, impls/) and the timed lock calls under faults: extreme
 * arguments, failed allocation, threads that stop or are cancelled, and
 * close racing every blocking call. No crash, no hang (the watchdog), no lost or duplicated item, and
 * only the documented return values.
 *
 * 1. Timeouts of 0 and "forever" (UINT64_MAX, and UINT64_MAX - 1 and 2^63,
 *    which saturate or lie centuries ahead): a _for(0) call never blocks
 *    and returns 0 / ETIMEDOUT / EPIPE by the state it finds; a blocked
 *    get_for(forever) or put_for(forever) is released by a put/get (0) or
 *    by close (EPIPE), never by ETIMEDOUT. The same for
 *    ct_mutex_lock_for, ct_cond_wait_for, ct_event_wait_for and
 *    ct_rmutex_lock_for.
 * 2. Capacities: 0, max + 1 and SIZE_MAX give EINVAL; the largest allowed
 *    (CT_QUEUE_CAPACITY_MAX / CT_RING_CAPACITY_MAX) gives 0 or ENOMEM and
 *    leaves nothing allocated; capacity 1 hands items over one at a time
 *    in order; a large capacity fills to exactly its size, FIFO.
 * 3. ENOMEM: with the library's allocator hook (ct__set_alloc_fail,
 *    internal.h) failing, init returns ENOMEM and leaves nothing
 *    allocated; bad capacities fail with EINVAL before allocating; the
 *    same object initializes fine once allocation works again.
 * 4. Threads that stop (the behaviour queue.h / ring.h document): the
 *    library's blocking calls are not cancellation points, so a consumer
 *    blocked in get and cancelled stays blocked until an item arrives,
 *    takes it, and is cancelled at its own next cancellation point
 *    (likewise a producer blocked in put). A consumer that returns or is
 *    cancelled mid-stream loses no item (the others drain the rest); a
 *    producer that returns or is cancelled mid-stream has put exactly the
 *    items its puts accepted, and consumers get exactly those, then EPIPE.
 * 5. Close races: rounds with random capacity, random producers (put,
 *    put_for with timeouts 0 .. forever, try_put) and consumers (get,
 *    get_for, try_get), and close after a random delay. Every return
 *    value is one the header documents; every accepted item is got
 *    exactly once, in each producer's order; after EPIPE, EPIPE stays.
 *    For ct_queue, a joiner loops on join while consumers call task_done:
 *    join keeps returning, and after the drain task_done is exhausted.
 *
 * Random choices come from a seed (CT_SOAK_SEED, default fixed); the seed
 * is printed, so a failure can be replayed. The last line is a
 * machine-readable total (see scripts/soak):
 *     TOTAL items=N ops=N timeouts=N closes=N faults=N
 * Exits 1 with a message on the first violation; a hang trips the watchdog.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <contend/cond.h>
#include <contend/event.h>
#include <contend/mutex.h>
#include <contend/rmutex.h>

#include "internal.h"
#include "test_impls.h"
#include "test_util.h"

/*
 * The largest capacities ask for more memory than exists; sanitizer
 * allocators abort on such a request unless told to return NULL as malloc
 * does. These hooks are read by ASan / TSan at start-up, ignored otherwise.
 */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
const char *__tsan_default_options(void) { return "allocator_may_return_null=1"; }

/* Long enough to tell "blocked" from "slow to start" on a loaded machine. */
#define SETTLE_NS (20 * 1000 * 1000ull)
/* No item delivered for this long while some are queued: a lost wakeup. */
#define STALL_NS (5ull * 1000 * 1000 * 1000)

#define CLOSE_ROUNDS SCALED(400)
#define STOP_ITEMS SCALED(20000)
#define CAP1_ITEMS SCALED(20000)
#define RACE_LIMIT 4096u		/* items per producer in a close race */

/* Timeouts meaning "forever": exactly, saturating, and centuries ahead. */
static const uint64_t forevers[] = { UINT64_MAX, UINT64_MAX - 1, (uint64_t)1 << 63 };
#define NFOREVERS (sizeof forevers / sizeof forevers[0])

/* Totals for the last line. Relaxed: read after every thread is joined. */
static struct {
	_Atomic uint64_t items, ops, timeouts, closes, faults;
} tally;

static void count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t seed;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *item_of(uintptr_t v)
{
	return (void *)v;
}

static void fail_at(const char *impl, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "%s: %s (%" PRIu64 ", %" PRIu64 ") [seed %" PRIu64 "]\n", impl, what, a, b,
		seed);
	exit(1);
}

/* A fresh, uninitialized object of impl (poisoned: init must not rely on zeros). */
static void *queue_mem(const struct ci_queue_ops *impl)
{
	size_t bytes = (impl->obj_size + CT_CACHE_LINE - 1) / CT_CACHE_LINE * CT_CACHE_LINE;
	void *q = aligned_alloc(CT_CACHE_LINE, bytes);
	CHECK(q != NULL);
	memset(q, 0xa5, bytes);
	return q;
}

/* ---- a helper thread running one call ------------------------------------ */

enum call { CALL_PUT, CALL_PUT_FOR, CALL_GET, CALL_GET_FOR };

struct blocked {
	const struct ci_queue_ops *impl;
	void *q;
	enum call call;
	uint64_t timeout_ns;
	void *item;		/* CALL_PUT*: put this; CALL_GET*: got this */
	int rc;
	atomic_int done;	/* set when the call returned */
	atomic_int after;	/* set after the thread's own cancellation point */
	bool testcancel;	/* call pthread_testcancel after the call */
	pthread_t thread;
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;

	switch (b->call) {
	case CALL_PUT:
		b->rc = b->impl->put(b->q, b->item);
		break;
	case CALL_PUT_FOR:
		b->rc = b->impl->put_for(b->q, b->item, b->timeout_ns);
		break;
	case CALL_GET:
		b->rc = b->impl->get(b->q, &b->item);
		break;
	case CALL_GET_FOR:
		b->rc = b->impl->get_for(b->q, &b->item, b->timeout_ns);
		break;
	}
	/* Release: rc and item are read by the main thread after it sees done. */
	atomic_store_explicit(&b->done, 1, memory_order_release);
	if (b->testcancel) {
		pthread_testcancel();
		atomic_store_explicit(&b->after, 1, memory_order_release);
	}
	return NULL;
}

/* Starts the call and checks that it is still blocked after SETTLE_NS. */
static void blocked_start(struct blocked *b, const struct ci_queue_ops *impl, void *q,
			  enum call call, uint64_t timeout_ns, void *item, bool testcancel)
{
	b->impl = impl;
	b->q = q;
	b->call = call;
	b->timeout_ns = timeout_ns;
	b->item = item;
	b->rc = -1;
	b->testcancel = testcancel;
	atomic_init(&b->done, 0);
	atomic_init(&b->after, 0);
	CHECK(pthread_create(&b->thread, NULL, blocked_main, b) == 0);
	test_sleep_ns(SETTLE_NS);
	if (atomic_load_explicit(&b->done, memory_order_acquire) != 0)
		fail_at(impl->name, "a call on a full/empty queue returned at once (call, rc)",
			(uint64_t)call, (uint64_t)b->rc);
}

/* Joins the thread; returns its call's result. */
static int blocked_finish(struct blocked *b)
{
	CHECK(pthread_join(b->thread, NULL) == 0);
	CHECK(atomic_load_explicit(&b->done, memory_order_acquire) == 1);
	count(&tally.ops, 1);
	return b->rc;
}

/* ---- 1. timeouts of 0 and forever: queues --------------------------------- */

static void zero_timeouts(const struct ci_queue_ops *impl)
{
	void *q = queue_new(impl, 1);
	void *got = NULL;
	uint64_t t0 = test_now_ns();

	CHECK_EQ(impl->get_for(q, &got, 0), ETIMEDOUT);		/* empty */
	CHECK_EQ(impl->put_for(q, item_of(1), 0), 0);		/* room */
	CHECK_EQ(impl->put_for(q, item_of(2), 0), ETIMEDOUT);	/* full */
	CHECK_EQ(impl->size(q), 1);
	CHECK_EQ(impl->get_for(q, &got, 0), 0);			/* an item */
	CHECK(got == item_of(1));
	/* "forever" with something to do at once does it at once. */
	CHECK_EQ(impl->put_for(q, item_of(3), UINT64_MAX), 0);
	CHECK_EQ(impl->get_for(q, &got, UINT64_MAX), 0);
	CHECK(got == item_of(3));
	/* Closed: 0 and forever alike answer from the state, at once. */
	CHECK_EQ(impl->put_for(q, item_of(4), 0), 0);
	impl->close(q);
	CHECK_EQ(impl->put_for(q, item_of(5), 0), EPIPE);
	CHECK_EQ(impl->put_for(q, item_of(5), UINT64_MAX), EPIPE);
	CHECK_EQ(impl->get_for(q, &got, 0), 0);
	CHECK(got == item_of(4));
	got = item_of(42);
	CHECK_EQ(impl->get_for(q, &got, 0), EPIPE);
	CHECK_EQ(impl->get_for(q, &got, UINT64_MAX), EPIPE);
	CHECK(got == item_of(42));
	/* None of that waited (generously bounded: a busy 2-CPU VM). */
	CHECK(test_now_ns() - t0 < 2000ull * 1000 * 1000);
	count(&tally.ops, 14);
	count(&tally.timeouts, 2);
	count(&tally.closes, 1);
	count(&tally.items, 3);
	queue_free(impl, q);
}

static void forever_timeouts(const struct ci_queue_ops *impl)
{
	struct blocked b;
	void *got = NULL;

	for (size_t f = 0; f < NFOREVERS; f++) {
		uint64_t forever = forevers[f];
		void *q = queue_new(impl, 1);
		/* A blocked get: released by a put, with the item. */
		blocked_start(&b, impl, q, CALL_GET_FOR, forever, NULL, false);
		CHECK_EQ(impl->put(q, item_of(10)), 0);
		CHECK_EQ(blocked_finish(&b), 0);
		CHECK(b.item == item_of(10));
		/* A blocked put: released by a get, and its item is there. */
		CHECK_EQ(impl->put(q, item_of(11)), 0);
		blocked_start(&b, impl, q, CALL_PUT_FOR, forever, item_of(12), false);
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(11));
		CHECK_EQ(blocked_finish(&b), 0);
		/* A blocked put (full again): released by close with EPIPE. */
		blocked_start(&b, impl, q, CALL_PUT_FOR, forever, item_of(13), false);
		impl->close(q);
		CHECK_EQ(blocked_finish(&b), EPIPE);
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(12));
		queue_free(impl, q);

		/* A blocked get: released by close with EPIPE. */
		q = queue_new(impl, 1);
		blocked_start(&b, impl, q, CALL_GET_FOR, forever, NULL, false);
		impl->close(q);
		CHECK_EQ(blocked_finish(&b), EPIPE);
		queue_free(impl, q);
		count(&tally.ops, 6);
		count(&tally.closes, 2);
		count(&tally.items, 3);
	}
}

/* ---- 1. timeouts of 0 and forever: the locks ------------------------------ */

static ct_mutex lk_m = CT_MUTEX_INIT;
static ct_cond lk_c = CT_COND_INIT;
static ct_event lk_e = CT_EVENT_INIT;
static ct_rmutex lk_r = CT_RMUTEX_INIT;
static int lk_flag;		/* under lk_m */
static atomic_int lk_done;	/* the helper's call returned */
static int lk_rc;		/* its result (read after lk_done / the join) */
static uint64_t lk_timeout;

static void *mutex_try0(void *arg)
{
	(void)arg;
	lk_rc = ct_mutex_lock_for(&lk_m, 0);
	if (lk_rc == 0)
		ct_mutex_unlock(&lk_m);
	return NULL;
}

static void *mutex_forever(void *arg)
{
	(void)arg;
	lk_rc = ct_mutex_lock_for(&lk_m, lk_timeout);
	atomic_store(&lk_done, 1);
	if (lk_rc == 0)
		ct_mutex_unlock(&lk_m);
	return NULL;
}

static void *cond_forever(void *arg)
{
	(void)arg;
	ct_mutex_lock(&lk_m);
	int rc = 0;
	while (!lk_flag && rc == 0)
		rc = ct_cond_wait_for(&lk_c, &lk_m, lk_timeout);	/* 0: spurious or woken */
	lk_rc = rc;
	ct_mutex_unlock(&lk_m);
	atomic_store(&lk_done, 1);
	return NULL;
}

static void *event_forever(void *arg)
{
	(void)arg;
	lk_rc = ct_event_wait_for(&lk_e, lk_timeout) ? 0 : ETIMEDOUT;
	atomic_store(&lk_done, 1);
	return NULL;
}

static void *rmutex_try0(void *arg)
{
	(void)arg;
	lk_rc = ct_rmutex_lock_for(&lk_r, 0);
	if (lk_rc == 0)
		CHECK_EQ(ct_rmutex_unlock(&lk_r), 0);
	return NULL;
}

static void *rmutex_forever(void *arg)
{
	(void)arg;
	lk_rc = ct_rmutex_lock_for(&lk_r, lk_timeout);
	atomic_store(&lk_done, 1);
	if (lk_rc == 0) {
		CHECK_EQ(ct_rmutex_depth(&lk_r), 1);
		CHECK_EQ(ct_rmutex_unlock(&lk_r), 0);
	}
	return NULL;
}

/* Runs fn on a helper and waits for it. */
static void run_helper(void *(*fn)(void *))
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, fn, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
}

/* Starts fn on a helper and checks that it is still blocked after SETTLE_NS. */
static pthread_t start_blocked_helper(void *(*fn)(void *), const char *what)
{
	pthread_t t;
	atomic_store(&lk_done, 0);
	lk_rc = -1;
	CHECK(pthread_create(&t, NULL, fn, NULL) == 0);
	test_sleep_ns(SETTLE_NS);
	if (atomic_load(&lk_done))
		fail_at(what, "returned while it should block (rc, timeout)", (uint64_t)lk_rc,
			lk_timeout);
	return t;
}

static void lock_timeouts(void)
{
	pthread_t t;

	/* ct_mutex_lock_for: 0 takes a free mutex, times out on a held one. */
	CHECK_EQ(ct_mutex_lock_for(&lk_m, 0), 0);
	run_helper(mutex_try0);
	CHECK_EQ(lk_rc, ETIMEDOUT);
	ct_mutex_unlock(&lk_m);
	run_helper(mutex_try0);
	CHECK_EQ(lk_rc, 0);

	/* ct_cond_wait_for(0): returns (ETIMEDOUT, or 0 as a spurious wakeup) with m held. */
	ct_mutex_lock(&lk_m);
	int rc = ct_cond_wait_for(&lk_c, &lk_m, 0);
	CHECK(rc == ETIMEDOUT || rc == 0);
	CHECK(atomic_load(&lk_m.state) != CT_MUTEX_UNLOCKED);
	ct_mutex_unlock(&lk_m);

	/* ct_event_wait_for(0) answers the flag. */
	CHECK(!ct_event_wait_for(&lk_e, 0));
	ct_event_set(&lk_e);
	CHECK(ct_event_wait_for(&lk_e, 0));
	CHECK(ct_event_wait_for(&lk_e, UINT64_MAX));
	ct_event_clear(&lk_e);

	/* ct_rmutex_lock_for(0): recursive for the owner, times out for others. */
	CHECK_EQ(ct_rmutex_lock_for(&lk_r, 0), 0);
	CHECK_EQ(ct_rmutex_lock_for(&lk_r, 0), 0);
	CHECK_EQ(ct_rmutex_depth(&lk_r), 2);
	run_helper(rmutex_try0);
	CHECK_EQ(lk_rc, ETIMEDOUT);
	count(&tally.ops, 12);
	count(&tally.timeouts, 3);

	for (size_t f = 0; f < NFOREVERS; f++) {
		lk_timeout = forevers[f];

		/* rmutex held at depth 2: one unlock is not enough, the second is. */
		if (f > 0) {
			CHECK_EQ(ct_rmutex_lock_for(&lk_r, lk_timeout), 0);
			CHECK_EQ(ct_rmutex_lock_for(&lk_r, lk_timeout), 0);
		}
		t = start_blocked_helper(rmutex_forever, "ct_rmutex_lock_for");
		CHECK_EQ(ct_rmutex_unlock(&lk_r), 0);
		test_sleep_ns(SETTLE_NS / 2);
		CHECK_EQ(atomic_load(&lk_done), 0);
		CHECK_EQ(ct_rmutex_unlock(&lk_r), 0);
		CHECK(pthread_join(t, NULL) == 0);
		CHECK_EQ(lk_rc, 0);

		/* mutex held: the helper waits "forever", the unlock releases it. */
		ct_mutex_lock(&lk_m);
		t = start_blocked_helper(mutex_forever, "ct_mutex_lock_for");
		ct_mutex_unlock(&lk_m);
		CHECK(pthread_join(t, NULL) == 0);
		CHECK_EQ(lk_rc, 0);

		/* cond: the helper waits "forever" for the flag; a signal releases it. */
		lk_flag = 0;
		t = start_blocked_helper(cond_forever, "ct_cond_wait_for");
		ct_mutex_lock(&lk_m);
		lk_flag = 1;
		ct_cond_signal(&lk_c);
		ct_mutex_unlock(&lk_m);
		CHECK(pthread_join(t, NULL) == 0);
		CHECK_EQ(lk_rc, 0);

		/* event: the helper waits "forever"; set releases it with true. */
		t = start_blocked_helper(event_forever, "ct_event_wait_for");
		ct_event_set(&lk_e);
		CHECK(pthread_join(t, NULL) == 0);
		CHECK_EQ(lk_rc, 0);
		ct_event_clear(&lk_e);
		count(&tally.ops, 6);
	}
	CHECK_EQ(atomic_load(&lk_m.state), CT_MUTEX_UNLOCKED);
	CHECK_EQ(ct_rmutex_depth(&lk_r), 0);
}

/* ---- 2. capacities --------------------------------------------------------- */

struct cap1 {
	const struct ci_queue_ops *impl;
	void *q;
	uint64_t n;
};

static void *cap1_producer(void *arg)
{
	struct cap1 *c = arg;
	for (uint64_t i = 1; i <= c->n; i++)
		CHECK_EQ(c->impl->put(c->q, item_of(i)), 0);
	c->impl->close(c->q);
	return NULL;
}

static void capacities(const struct ci_queue_ops *impl)
{
	void *q = queue_mem(impl);
	void *got = NULL;
	long base = ct__alloc_live();

	CHECK(impl->max_capacity < SIZE_MAX);
	CHECK_EQ(impl->init(q, 0), EINVAL);
	CHECK_EQ(impl->init(q, impl->max_capacity + 1), EINVAL);
	CHECK_EQ(impl->init(q, SIZE_MAX), EINVAL);
	CHECK_EQ(ct__alloc_live(), base);

	/* The largest allowed: it fits in memory, or ENOMEM; never a crash. */
	size_t bigs[] = { impl->max_capacity, impl->max_capacity - 1, impl->max_capacity / 2 + 1 };
	for (size_t i = 0; i < sizeof bigs / sizeof bigs[0]; i++) {
		int rc = impl->init(q, bigs[i]);
		if (rc != 0 && rc != ENOMEM)
			fail_at(impl->name, "init(huge capacity) returned (capacity, rc)", bigs[i],
				(uint64_t)rc);
		if (rc == 0) {
			CHECK(impl->capacity(q) >= bigs[i]);
			CHECK_EQ(impl->put(q, item_of(1)), 0);
			CHECK_EQ(impl->get(q, &got), 0);
			CHECK(got == item_of(1));
			impl->destroy(q);
		}
		CHECK_EQ(ct__alloc_live(), base);
		count(&tally.faults, rc == ENOMEM);
	}

	/* A large capacity that fits: exactly that many, FIFO, then full. */
	size_t large = (size_t)1 << 16;
	CHECK_EQ(impl->init(q, large + ((impl->flags & CI_Q_POW2) ? 1 : 0)), 0);
	size_t cap = impl->capacity(q);
	CHECK_EQ(cap, (impl->flags & CI_Q_POW2) ? 2 * large : large);
	for (size_t i = 1; i <= cap; i++)
		CHECK_EQ(impl->try_put(q, item_of(i)), 0);
	CHECK_EQ(impl->try_put(q, item_of(cap + 1)), EAGAIN);
	CHECK_EQ(impl->put_for(q, item_of(cap + 1), 0), ETIMEDOUT);
	CHECK_EQ(impl->size(q), cap);
	for (size_t i = 1; i <= cap; i++) {
		CHECK_EQ(impl->try_get(q, &got), 0);
		if (got != item_of(i))
			fail_at(impl->name, "large capacity: out of order (want, got)", i,
				(uint64_t)(uintptr_t)got);
	}
	CHECK_EQ(impl->try_get(q, &got), EAGAIN);
	impl->destroy(q);
	count(&tally.items, cap);
	count(&tally.ops, 2 * cap + 4);
	count(&tally.timeouts, 1);

	/* Capacity 1: one slot; full after one put; a blocked handoff in order. */
	CHECK_EQ(impl->init(q, 1), 0);
	CHECK_EQ(impl->capacity(q), 1);
	CHECK_EQ(impl->try_put(q, item_of(1)), 0);
	CHECK_EQ(impl->try_put(q, item_of(2)), EAGAIN);
	CHECK_EQ(impl->put_for(q, item_of(2), 1000), ETIMEDOUT);
	CHECK_EQ(impl->size(q), 1);
	CHECK_EQ(impl->get(q, &got), 0);
	CHECK(got == item_of(1));
	struct cap1 c = { impl, q, CAP1_ITEMS };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, cap1_producer, &c) == 0);
	uint64_t want = 1;
	int rc;
	while ((rc = impl->get(q, &got)) == 0) {
		if (got != item_of(want))
			fail_at(impl->name, "capacity 1: out of order (want, got)", want,
				(uint64_t)(uintptr_t)got);
		want++;
	}
	CHECK_EQ(rc, EPIPE);
	CHECK_EQ(want - 1, CAP1_ITEMS);
	CHECK(pthread_join(t, NULL) == 0);
	impl->destroy(q);
	CHECK_EQ(ct__alloc_live(), base);
	count(&tally.items, CAP1_ITEMS + 1);
	count(&tally.ops, 2 * CAP1_ITEMS + 7);
	count(&tally.timeouts, 1);
	count(&tally.closes, 1);
	free(q);
}

/* ---- 3. ENOMEM --------------------------------------------------------------- */

static void enomem(const struct ci_queue_ops *impl)
{
	static const size_t caps[] = { 1, 2, 3, 16, 1000, 4096 };
	void *q = queue_mem(impl), *q2 = queue_mem(impl);
	void *got = NULL;
	long base = ct__alloc_live();

	/* Every init fails: ENOMEM, nothing allocated, again and again. */
	ct__set_alloc_fail(0);
	for (int i = 0; i < 200; i++) {
		int rc = impl->init(q, caps[i % (sizeof caps / sizeof caps[0])]);
		if (rc != ENOMEM)
			fail_at(impl->name, "init with allocation failing returned (i, rc)",
				(uint64_t)i, (uint64_t)rc);
		if (ct__alloc_live() != base)
			fail_at(impl->name, "failed init left memory allocated (live, before)",
				(uint64_t)ct__alloc_live(), (uint64_t)base);
	}
	/* Bad capacities are refused before any allocation: EINVAL still. */
	CHECK_EQ(impl->init(q, 0), EINVAL);
	CHECK_EQ(impl->init(q, impl->max_capacity + 1), EINVAL);

	/* One allocation allowed: the first init gets it, the second fails. */
	ct__set_alloc_fail(1);
	CHECK_EQ(impl->init(q, 0), EINVAL);	/* uses none of the budget */
	CHECK_EQ(impl->init(q, 8), 0);
	CHECK_EQ(impl->init(q2, 8), ENOMEM);
	CHECK_EQ(ct__alloc_live(), base + 1);
	/* Allocation works again: the object that failed initializes. */
	ct__set_alloc_fail(-1);
	CHECK_EQ(impl->init(q2, 8), 0);
	CHECK_EQ(ct__alloc_live(), base + 2);
	/* Both work, independently. */
	CHECK_EQ(impl->put(q, item_of(1)), 0);
	CHECK_EQ(impl->put(q2, item_of(2)), 0);
	CHECK_EQ(impl->get(q2, &got), 0);
	CHECK(got == item_of(2));
	CHECK_EQ(impl->get(q, &got), 0);
	CHECK(got == item_of(1));
	impl->destroy(q);
	impl->destroy(q2);
	CHECK_EQ(ct__alloc_live(), base);
	count(&tally.faults, 201);
	count(&tally.ops, 214);
	count(&tally.items, 2);
	free(q);
	free(q2);
}

/* ---- 4. threads that stop ---------------------------------------------------- */

/* A consumer or producer blocked in the library is not released by a cancel. */
static void cancel_blocked(const struct ci_queue_ops *impl)
{
	struct blocked b;
	void *got = NULL;
	void *res = NULL;
	const enum call gets[] = { CALL_GET, CALL_GET_FOR };
	const enum call puts[] = { CALL_PUT, CALL_PUT_FOR };

	for (int k = 0; k < 2; k++) {
		void *q = queue_new(impl, 1);
		/* Consumer: cancelled while blocked in get, it keeps waiting... */
		blocked_start(&b, impl, q, gets[k], UINT64_MAX, NULL, true);
		CHECK(pthread_cancel(b.thread) == 0);
		test_sleep_ns(SETTLE_NS);
		if (atomic_load_explicit(&b.done, memory_order_acquire))
			fail_at(impl->name, "pthread_cancel released a blocked get (rc, call)",
				(uint64_t)b.rc, (uint64_t)gets[k]);
		/* ...takes the item that arrives, then dies at its own testcancel. */
		CHECK_EQ(impl->put(q, item_of(7)), 0);
		CHECK(pthread_join(b.thread, &res) == 0);
		CHECK(res == PTHREAD_CANCELED);
		CHECK_EQ(atomic_load(&b.done), 1);
		CHECK_EQ(atomic_load(&b.after), 0);
		CHECK_EQ(b.rc, 0);
		CHECK(b.item == item_of(7));
		CHECK_EQ(impl->size(q), 0);

		/* Producer: cancelled while blocked in put on a full queue. */
		CHECK_EQ(impl->put(q, item_of(8)), 0);
		blocked_start(&b, impl, q, puts[k], UINT64_MAX, item_of(9), true);
		CHECK(pthread_cancel(b.thread) == 0);
		test_sleep_ns(SETTLE_NS);
		if (atomic_load_explicit(&b.done, memory_order_acquire))
			fail_at(impl->name, "pthread_cancel released a blocked put (rc, call)",
				(uint64_t)b.rc, (uint64_t)puts[k]);
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(8));
		CHECK(pthread_join(b.thread, &res) == 0);
		CHECK(res == PTHREAD_CANCELED);
		CHECK_EQ(b.rc, 0);
		CHECK_EQ(atomic_load(&b.after), 0);
		/* Its item made it, and the queue works on. */
		CHECK_EQ(impl->get_for(q, &got, 0), 0);
		CHECK(got == item_of(9));
		CHECK_EQ(impl->try_put(q, item_of(10)), 0);
		impl->close(q);
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(10));
		CHECK_EQ(impl->get(q, &got), EPIPE);
		queue_free(impl, q);
		count(&tally.faults, 2);
		count(&tally.items, 4);
		count(&tally.ops, 9);
		count(&tally.closes, 1);
	}
}

enum { STOP_PRODUCERS = 3, STOP_CONSUMERS = 4 };

struct stop_run {
	const struct ci_queue_ops *impl;
	void *q;
	uint64_t per_producer;		/* items each producer may put */
	_Atomic uint64_t *seen;		/* bit p * per_producer + s: item (p, s) got */
	_Atomic uint64_t delivered;	/* items got, all consumers */
	_Atomic uint64_t put[STOP_PRODUCERS];	/* items each producer put */
	uint64_t stop_after[STOP_PRODUCERS + STOP_CONSUMERS];	/* 0: no early stop */
	uint64_t got[STOP_CONSUMERS];
	uint64_t rng[STOP_CONSUMERS];
};

struct stop_arg {
	struct stop_run *run;
	int id;
};

/*
 * Producer id: puts items (id, 0..), counting each accepted put before its
 * next cancellation point; stops after stop_after[id] puts when nonzero.
 */
static void *stop_producer(void *arg)
{
	struct stop_arg *a = arg;
	struct stop_run *r = a->run;
	uint64_t limit = r->stop_after[a->id] ? r->stop_after[a->id] : r->per_producer;

	for (uint64_t s = 0; s < limit; s++) {
		int rc = r->impl->put(r->q, item_of((uintptr_t)(a->id * r->per_producer + s + 1)));
		if (rc != 0)
			fail_at(r->impl->name, "put before close returned (producer, rc)",
				(uint64_t)a->id, (uint64_t)rc);
		/* Relaxed: read by the main thread after the join. */
		atomic_store_explicit(&r->put[a->id], s + 1, memory_order_relaxed);
		if (s % 64 == 63)
			pthread_testcancel();	/* a cancellation point outside the library */
	}
	return NULL;
}

/* Records item v got by consumer c: exactly once, within what was put. */
static void stop_record(struct stop_run *r, int c, void *item)
{
	uint64_t v = (uint64_t)(uintptr_t)item;
	uint64_t total = STOP_PRODUCERS * r->per_producer;
	if (v == 0 || v > total)
		fail_at(r->impl->name, "got an item never put (value, consumer)", v, (uint64_t)c);
	uint64_t bit = v - 1, mask = (uint64_t)1 << (bit % 64);
	/* Relaxed: the RMW itself detects a second delivery. */
	if (atomic_fetch_or_explicit(&r->seen[bit / 64], mask, memory_order_relaxed) & mask)
		fail_at(r->impl->name, "item delivered twice (value, consumer)", v, (uint64_t)c);
	r->got[c]++;
	atomic_fetch_add_explicit(&r->delivered, 1, memory_order_relaxed);
}

/*
 * Consumer id: gets until EPIPE (consumer 3 with get_for and random
 * timeouts from 0 to forever), recording each item before its next
 * cancellation point; stops (returns) after stop_after[...] items when
 * nonzero. Calls pthread_testcancel between items and after EPIPE.
 */
static void *stop_consumer(void *arg)
{
	struct stop_arg *a = arg;
	struct stop_run *r = a->run;
	int c = a->id;
	uint64_t limit = r->stop_after[STOP_PRODUCERS + c];
	static const uint64_t timeouts[] = { 0, 1000, 100000, UINT64_MAX };
	void *item;
	int rc;

	for (;;) {
		if (c == 3) {
			uint64_t t = timeouts[xorshift(&r->rng[c]) % 4];
			rc = r->impl->get_for(r->q, &item, t);
			if (rc == ETIMEDOUT) {
				if (t == UINT64_MAX)
					fail_at(r->impl->name, "get_for(UINT64_MAX) timed out", 0, 0);
				count(&tally.timeouts, 1);
				continue;
			}
		} else {
			rc = r->impl->get(r->q, &item);
		}
		if (rc != 0)
			break;
		stop_record(r, c, item);
		pthread_testcancel();
		if (limit && r->got[c] == limit)
			return NULL;	/* stops mid-stream */
	}
	if (rc != EPIPE)
		fail_at(r->impl->name, "get returned (consumer, rc)", (uint64_t)c, (uint64_t)rc);
	pthread_testcancel();
	return NULL;
}

static void stop_wait_delivered(struct stop_run *r, uint64_t target)
{
	uint64_t last = atomic_load(&r->delivered), since = test_now_ns();
	for (;;) {
		uint64_t now_count = atomic_load(&r->delivered);
		if (now_count >= target)
			return;
		if (now_count != last) {
			last = now_count;
			since = test_now_ns();
		} else if (test_now_ns() - since > STALL_NS) {
			fail_at(r->impl->name, "items stranded after threads stopped (got, want)",
				now_count, target);
		}
		test_sleep_ns(100 * 1000);
	}
}

/*
 * Producer 0 puts everything; producer 1 returns after a random count;
 * producer 2 is cancelled at a random time. Consumer 0 and 3 run to EPIPE;
 * consumer 1 returns after a random count; consumer 2 is cancelled at a
 * random time. After the producers are gone, close; the consumers left
 * must get exactly the items put, each once.
 */
static void stop_mid_stream(const struct ci_queue_ops *impl, uint64_t *rng)
{
	struct stop_run r = { .impl = impl, .per_producer = STOP_ITEMS };
	struct stop_arg pa[STOP_PRODUCERS], ca[STOP_CONSUMERS];
	pthread_t pt[STOP_PRODUCERS], ct[STOP_CONSUMERS];
	void *res;

	r.q = queue_new(impl, 1 + xorshift(rng) % 8);
	r.seen = calloc(STOP_PRODUCERS * r.per_producer / 64 + 1, sizeof *r.seen);
	CHECK(r.seen != NULL);
	r.stop_after[1] = 1 + xorshift(rng) % (r.per_producer - 1);
	r.stop_after[STOP_PRODUCERS + 1] = 1 + xorshift(rng) % r.per_producer;
	for (int i = 0; i < STOP_CONSUMERS; i++)
		r.rng[i] = xorshift(rng) | 1;
	for (int i = 0; i < STOP_CONSUMERS; i++) {
		ca[i] = (struct stop_arg){ &r, i };
		CHECK(pthread_create(&ct[i], NULL, stop_consumer, &ca[i]) == 0);
	}
	for (int i = 0; i < STOP_PRODUCERS; i++) {
		pa[i] = (struct stop_arg){ &r, i };
		CHECK(pthread_create(&pt[i], NULL, stop_producer, &pa[i]) == 0);
	}
	test_sleep_ns(xorshift(rng) % (5 * 1000 * 1000));
	CHECK(pthread_cancel(pt[2]) == 0);
	test_sleep_ns(xorshift(rng) % (5 * 1000 * 1000));
	CHECK(pthread_cancel(ct[2]) == 0);

	uint64_t put = 0;
	for (int i = 0; i < STOP_PRODUCERS; i++) {
		CHECK(pthread_join(pt[i], &res) == 0);
		uint64_t n = atomic_load(&r.put[i]);
		if (i == 2 ? (res != PTHREAD_CANCELED && n != r.per_producer) : res != NULL)
			fail_at(impl->name, "producer ended wrongly (producer, items put)",
				(uint64_t)i, n);
		if (i < 2 && n != (r.stop_after[i] ? r.stop_after[i] : r.per_producer))
			fail_at(impl->name, "producer put too few (producer, items)", (uint64_t)i, n);
		put += n;
	}
	/* Everything put reaches the consumers still running, before close. */
	stop_wait_delivered(&r, put);
	impl->close(r.q);
	for (int i = 0; i < STOP_CONSUMERS; i++) {
		CHECK(pthread_join(ct[i], &res) == 0);
		if (i == 2 && res != PTHREAD_CANCELED)
			fail_at(impl->name, "cancelled consumer was not cancelled", 0, 0);
	}
	/* Consumer 1 stopped at its count (or got fewer: the others drained). */
	CHECK(r.got[1] <= r.stop_after[STOP_PRODUCERS + 1]);
	uint64_t got = 0;
	for (int i = 0; i < STOP_CONSUMERS; i++)
		got += r.got[i];
	if (got != put)
		fail_at(impl->name, "threads stopped mid-stream: items got != put", got, put);
	/* Exactly the items put: each producer's first put[p], nothing else. */
	for (int p = 0; p < STOP_PRODUCERS; p++) {
		uint64_t n = atomic_load(&r.put[p]);
		for (uint64_t s = 0; s < r.per_producer; s++) {
			uint64_t bit = p * r.per_producer + s;
			bool seen = (atomic_load(&r.seen[bit / 64]) >> (bit % 64)) & 1;
			if (seen != (s < n))
				fail_at(impl->name, "item (producer, seq) got/lost wrongly", (uint64_t)p, s);
		}
	}
	CHECK_EQ(impl->size(r.q), 0);
	void *item;
	CHECK_EQ(impl->try_get(r.q, &item), EPIPE);
	free(r.seen);
	queue_free(impl, r.q);
	count(&tally.items, got);
	count(&tally.ops, 2 * got + STOP_CONSUMERS);
	count(&tally.faults, 4);
	count(&tally.closes, 1);
	printf("%-9s stop mid-stream: %" PRIu64 " put, %" PRIu64 " got (%" PRIu64 "/%" PRIu64
	       "/%" PRIu64 "/%" PRIu64 ")\n",
	       impl->name, put, got, r.got[0], r.got[1], r.got[2], r.got[3]);
}

/* ---- 5. close racing every blocking call ---------------------------------- */

enum op { OP_PUT, OP_PUT_FOR, OP_TRY_PUT, OP_GET, OP_GET_FOR, OP_TRY_GET };
static const char *const op_names[] = { "put", "put_for", "try_put", "get", "get_for", "try_get" };

enum { RACE_MAX = 4 };

struct race {
	const struct ci_queue_ops *impl;
	void *q;
	bool task_done;			/* ct_queue: consumers call task_done */
	_Atomic uint64_t *seen;		/* RACE_MAX * RACE_LIMIT bits */
	atomic_int stop_join;		/* the joiner stops looping */
	_Atomic uint64_t joins;		/* joins returned */
};

struct racer {
	struct race *race;
	int id;
	enum op op;
	uint64_t rng;
	uint64_t done;			/* items put / got */
	uint64_t sum;			/* of the items got */
	uint64_t ops, timeouts;
	uint64_t next[RACE_MAX];	/* consumer: next sequence allowed per producer */
};

static const uint64_t race_timeouts[] = { 0, 1000, 50000, UINT64_MAX };

static void race_bad_rc(const struct racer *w, int rc)
{
	fprintf(stderr, "%s: %s returned %d, not a documented value [seed %" PRIu64 "]\n",
		w->race->impl->name, op_names[w->op], rc, seed);
	exit(1);
}

static void race_reopened(const struct racer *w)
{
	fprintf(stderr, "%s: after EPIPE from %s, another call did not return EPIPE "
		"[seed %" PRIu64 "]\n", w->race->impl->name, op_names[w->op], seed);
	exit(1);
}

/*
 * One call of w's operation: a put of item (slot == NULL) or a get into
 * slot, blocking, timed (a timeout drawn from race_timeouts) or try (a
 * yield after EAGAIN). Only documented return values pass; counts the
 * call and its timeout.
 */
static int race_call(struct racer *w, void *item, void **slot)
{
	const struct ci_queue_ops *impl = w->race->impl;
	void *q = w->race->q;
	uint64_t t = 0;
	int rc;

	w->ops++;
	switch (w->op) {
	case OP_PUT:
	case OP_GET:
		rc = slot ? impl->get(q, slot) : impl->put(q, item);
		if (rc != 0 && rc != EPIPE)
			race_bad_rc(w, rc);
		break;
	case OP_PUT_FOR:
	case OP_GET_FOR:
		t = race_timeouts[xorshift(&w->rng) % 4];
		rc = slot ? impl->get_for(q, slot, t) : impl->put_for(q, item, t);
		if (rc != 0 && rc != EPIPE && (rc != ETIMEDOUT || t == UINT64_MAX))
			race_bad_rc(w, rc);
		break;
	default:
		rc = slot ? impl->try_get(q, slot) : impl->try_put(q, item);
		if (rc != 0 && rc != EPIPE && rc != EAGAIN)
			race_bad_rc(w, rc);
		if (rc == EAGAIN)
			sched_yield();
		break;
	}
	if (rc == ETIMEDOUT)
		w->timeouts++;
	return rc;
}

static void *race_producer(void *arg)
{
	struct racer *w = arg;
	const struct ci_queue_ops *impl = w->race->impl;
	void *q = w->race->q;
	int rc = 0;

	for (uint64_t s = 0; s < RACE_LIMIT; s++) {
		void *item = item_of((uintptr_t)(w->id * RACE_LIMIT + s + 1));
		do
			rc = race_call(w, item, NULL);
		while (rc != 0 && rc != EPIPE);
		if (rc == EPIPE)
			break;
		w->done++;
	}
	if (rc == EPIPE) {
		/* Closed stays closed, for every form. */
		w->ops += 3;
		if (impl->try_put(q, item_of(1)) != EPIPE || impl->put(q, item_of(1)) != EPIPE ||
		    impl->put_for(q, item_of(1), UINT64_MAX) != EPIPE)
			race_reopened(w);
	}
	return NULL;
}

static void race_take(struct racer *w, void *item)
{
	struct race *r = w->race;
	uint64_t v = (uint64_t)(uintptr_t)item;
	if (v == 0 || v > RACE_MAX * RACE_LIMIT)
		fail_at(r->impl->name, "close race: got an item never put (value, consumer)", v,
			(uint64_t)w->id);
	uint64_t bit = v - 1, mask = (uint64_t)1 << (bit % 64);
	int p = (int)(bit / RACE_LIMIT);
	uint64_t s = bit % RACE_LIMIT;
	if (s < w->next[p])
		fail_at(r->impl->name, "close race: producer's items out of order (producer, seq)",
			(uint64_t)p, s);
	w->next[p] = s + 1;
	/* Relaxed: the RMW itself detects a second delivery. */
	if (atomic_fetch_or_explicit(&r->seen[bit / 64], mask, memory_order_relaxed) & mask)
		fail_at(r->impl->name, "close race: item delivered twice (producer, seq)",
			(uint64_t)p, s);
	w->done++;
	w->sum += v;
	if (r->task_done && ct_queue_task_done(r->q) != 0)
		fail_at(r->impl->name, "task_done for an item got returned an error", v, 0);
}

static void *race_consumer(void *arg)
{
	struct racer *w = arg;
	const struct ci_queue_ops *impl = w->race->impl;
	void *q = w->race->q;
	void *item;
	int rc;

	for (;;) {
		rc = race_call(w, NULL, &item);
		if (rc == EPIPE)
			break;
		if (rc == 0)
			race_take(w, item);
	}
	/* Closed and drained stays so, for every form. */
	w->ops += 3;
	if (impl->try_get(q, &item) != EPIPE || impl->get(q, &item) != EPIPE ||
	    impl->get_for(q, &item, UINT64_MAX) != EPIPE)
		race_reopened(w);
	return NULL;
}

/* ct_queue: joins again and again while the race runs; each must return. */
static void *race_joiner(void *arg)
{
	struct race *r = arg;
	do {
		ct_queue_join(r->q);
		atomic_fetch_add(&r->joins, 1);
		sched_yield();
	} while (!atomic_load(&r->stop_join));
	return NULL;
}

static void close_race(const struct ci_queue_ops *impl, uint64_t *rng)
{
	static const size_t caps[] = { 1, 2, 3, 16 };
	struct race r = { .impl = impl };
	struct racer prod[RACE_MAX], cons[RACE_MAX];
	pthread_t pt[RACE_MAX], ct[RACE_MAX], jt;

	r.q = queue_new(impl, caps[xorshift(rng) % 4]);
	r.seen = calloc(RACE_MAX * RACE_LIMIT / 64, sizeof *r.seen);
	CHECK(r.seen != NULL);
	int np = (int)(xorshift(rng) % (RACE_MAX + 1));
	int nc = (int)(xorshift(rng) % (RACE_MAX + 1));
	if (np + nc == 0)
		nc = 1;
	bool joiner = strcmp(impl->name, "ct_queue") == 0 && xorshift(rng) % 2;
	r.task_done = strcmp(impl->name, "ct_queue") == 0;
	for (int i = 0; i < np; i++) {
		prod[i] = (struct racer){ .race = &r, .id = i, .rng = xorshift(rng) | 1,
					  .op = (enum op)(OP_PUT + xorshift(rng) % 3) };
		CHECK(pthread_create(&pt[i], NULL, race_producer, &prod[i]) == 0);
	}
	for (int i = 0; i < nc; i++) {
		cons[i] = (struct racer){ .race = &r, .id = i, .rng = xorshift(rng) | 1,
					  .op = (enum op)(OP_GET + xorshift(rng) % 3) };
		CHECK(pthread_create(&ct[i], NULL, race_consumer, &cons[i]) == 0);
	}
	if (joiner)
		CHECK(pthread_create(&jt, NULL, race_joiner, &r) == 0);

	/* Close after 0 to ~500 us (or at once: a yield). */
	uint64_t d = xorshift(rng) % 4 == 0 ? 0 : xorshift(rng) % (500 * 1000);
	if (d == 0)
		sched_yield();
	else
		test_sleep_ns(d);
	impl->close(r.q);
	if (xorshift(rng) % 4 == 0)
		impl->close(r.q);	/* idempotent, also racing */

	uint64_t put = 0, got = 0, sum_put = 0, sum_got = 0, ops = 0, timeouts = 0;
	for (int i = 0; i < np; i++) {
		CHECK(pthread_join(pt[i], NULL) == 0);
		put += prod[i].done;
		for (uint64_t s = 0; s < prod[i].done; s++)
			sum_put += (uint64_t)i * RACE_LIMIT + s + 1;
		ops += prod[i].ops;
		timeouts += prod[i].timeouts;
	}
	if (nc == 0) {
		/* Nobody consumed: the main thread drains what close left. */
		struct racer w = { .race = &r, .op = OP_TRY_GET };
		void *item;
		int rc;
		while ((rc = impl->try_get(r.q, &item)) == 0)
			race_take(&w, item);
		if (rc != EPIPE)
			race_bad_rc(&w, rc);
		got += w.done;
		sum_got += w.sum;
		ops += w.done + 1;
	}
	for (int i = 0; i < nc; i++) {
		CHECK(pthread_join(ct[i], NULL) == 0);
		got += cons[i].done;
		sum_got += cons[i].sum;
		ops += cons[i].ops;
		timeouts += cons[i].timeouts;
	}
	if (got != put)
		fail_at(impl->name, "close race: items got != items put", got, put);
	if (sum_got != sum_put)
		fail_at(impl->name, "close race: checksum got != put", sum_got, sum_put);
	if (r.task_done) {
		/* Every item got was task_done: join returns at once, no more task_done. */
		ct_queue_join(r.q);
		CHECK_EQ(ct_queue_task_done(r.q), EINVAL);
	}
	if (joiner) {
		atomic_store(&r.stop_join, 1);
		CHECK(pthread_join(jt, NULL) == 0);
		CHECK(atomic_load(&r.joins) >= 1);
	}
	CHECK_EQ(impl->size(r.q), 0);
	free(r.seen);
	queue_free(impl, r.q);
	count(&tally.items, got);
	count(&tally.ops, ops);
	count(&tally.timeouts, timeouts);
	count(&tally.closes, 1);
}

static void close_races(const struct ci_queue_ops *impl, uint64_t *rng)
{
	uint64_t t0 = test_now_ns(), items0 = atomic_load(&tally.items);
	for (uint64_t i = 0; i < CLOSE_ROUNDS; i++)
		close_race(impl, rng);
	printf("%-9s close races: %" PRIu64 " rounds, %" PRIu64 " items, %.3f s\n", impl->name,
	       (uint64_t)CLOSE_ROUNDS, atomic_load(&tally.items) - items0,
	       (double)(test_now_ns() - t0) / 1e9);
}

int main(void)
{
	const char *s = getenv("CT_SOAK_SEED");
	seed = s != NULL && *s != '\0' ? strtoull(s, NULL, 0) : 0x5eed0001u;
	uint64_t rng = seed * 0x9e3779b97f4a7c15u | 1;

	test_watchdog(50);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("test_faults: seed %" PRIu64 "\n", seed);
	uint64_t t0 = test_now_ns();
	lock_timeouts();
	printf("locks     timeouts 0 and forever: ok\n");
	const struct ci_queue_ops *impl;
	/* contend's own rows: their limits, errors and fault hooks */
	for (size_t i = 0; (impl = next_own_queue(&i)) != NULL;) {
		zero_timeouts(impl);
		forever_timeouts(impl);
		printf("%-9s timeouts 0 and forever: ok\n", impl->name);
		capacities(impl);
		printf("%-9s capacities 0, 1, large, max, max + 1: ok\n", impl->name);
		enomem(impl);
		printf("%-9s ENOMEM on init: ok\n", impl->name);
		cancel_blocked(impl);
		printf("%-9s cancel while blocked: ok\n", impl->name);
		stop_mid_stream(impl, &rng);
		close_races(impl, &rng);
	}
	printf("test_faults: ok, %.2f s\n", (double)(test_now_ns() - t0) / 1e9);
	printf("TOTAL items=%" PRIu64 " ops=%" PRIu64 " timeouts=%" PRIu64 " closes=%" PRIu64
	       " faults=%" PRIu64 "\n",
	       atomic_load(&tally.items), atomic_load(&tally.ops), atomic_load(&tally.timeouts),
	       atomic_load(&tally.closes), atomic_load(&tally.faults));
	return 0;
}
