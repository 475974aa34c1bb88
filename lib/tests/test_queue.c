/*
 * test_queue.c — unit checks of the bounded queues (ct_queue, ct_ring),
 * each run on libcontend's rows of the queue table (impls/): init errors
 * and capacity rounding, try_ on full/empty, timeouts, FIFO order, size,
 * close semantics and wakeups, blocking handoff; ct_queue's task_done/join.
 */
#include <stdatomic.h>

#include "test_impls.h"
#include "test_util.h"

/* Long enough to tell "blocked" from "slow to start" on a loaded machine. */
#define SETTLE_NS (30 * 1000 * 1000ull)
/* Timeout used for the ETIMEDOUT checks (late: test_too_late). */
#define TIMEOUT_NS (50 * 1000 * 1000ull)

static void *item_of(uintptr_t v)
{
	return (void *)v;
}

/* ---- a helper thread that runs one blocking call ------------------------ */

enum call { CALL_PUT, CALL_PUT_FOR, CALL_GET, CALL_GET_FOR };

struct blocked {
	const struct ci_queue_ops *impl;
	void *q;
	enum call call;
	void *item;		/* CALL_PUT*: put this; CALL_GET*: got this */
	int rc;
	atomic_int done;	/* set when the call returned */
	pthread_t thread;
};

static void *blocked_main(void *arg)
{
	struct blocked *b = arg;
	const uint64_t long_timeout = 60ull * 1000 * 1000 * 1000;

	switch (b->call) {
	case CALL_PUT:
		b->rc = b->impl->put(b->q, b->item);
		break;
	case CALL_PUT_FOR:
		b->rc = b->impl->put_for(b->q, b->item, long_timeout);
		break;
	case CALL_GET:
		b->rc = b->impl->get(b->q, &b->item);
		break;
	case CALL_GET_FOR:
		b->rc = b->impl->get_for(b->q, &b->item, long_timeout);
		break;
	}
	/* Release: rc and item are read by the main thread after it sees done. */
	atomic_store_explicit(&b->done, 1, memory_order_release);
	return NULL;
}

/* Starts the call and checks that it is still blocked after SETTLE_NS. */
static void blocked_start(struct blocked *b, const struct ci_queue_ops *impl, void *q,
			  enum call call, void *item)
{
	b->impl = impl;
	b->q = q;
	b->call = call;
	b->item = item;
	b->rc = -1;
	atomic_init(&b->done, 0);
	CHECK(pthread_create(&b->thread, NULL, blocked_main, b) == 0);
	test_sleep_ns(SETTLE_NS);
	CHECK(atomic_load_explicit(&b->done, memory_order_acquire) == 0);
}

/* Joins the thread; returns its call's result. */
static int blocked_finish(struct blocked *b)
{
	CHECK(pthread_join(b->thread, NULL) == 0);
	CHECK(atomic_load_explicit(&b->done, memory_order_acquire) == 1);
	return b->rc;
}

/* ---- checks, each run on every implementation --------------------------- */

static void test_init_errors(const struct ci_queue_ops *impl)
{
	void *q = aligned_alloc(CT_CACHE_LINE, 4 * CT_CACHE_LINE);
	CHECK(q);
	CHECK(impl->obj_size <= 4 * CT_CACHE_LINE);
	CHECK_EQ(impl->init(q, 0), EINVAL);
	CHECK_EQ(impl->init(q, impl->max_capacity + 1), EINVAL);
	CHECK_EQ(impl->init(q, SIZE_MAX), EINVAL);
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
	/* The largest accepted capacity needs more memory than exists.
	 * (Sanitizer allocators abort on such a request instead.) */
	CHECK_EQ(impl->init(q, impl->max_capacity), ENOMEM);
#endif
	free(q);
}

static void test_capacity(const struct ci_queue_ops *impl)
{
	static const size_t asked[] = { 1, 2, 3, 5, 8, 100, 1000, 1024 };
	for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
		void *q = queue_new(impl, asked[i]);
		size_t want = asked[i];
		if ((impl->flags & CI_Q_POW2)) {
			want = 1;
			while (want < asked[i])
				want <<= 1;
		}
		CHECK_EQ(impl->capacity(q), want);
		CHECK_EQ(impl->size(q), 0);
		queue_free(impl, q);
	}
}

/* Fill with try_put, then full; drain with try_get in FIFO order, then empty. */
static void test_try_fifo(const struct ci_queue_ops *impl)
{
	void *q = queue_new(impl, 5);
	size_t cap = impl->capacity(q);
	void *got = NULL;

	CHECK_EQ(impl->try_get(q, &got), EAGAIN);
	for (int round = 0; round < 3; round++) {	/* wraps around the buffer */
		for (uintptr_t i = 0; i < cap; i++) {
			CHECK_EQ(impl->try_put(q, item_of(100 * round + i + 1)), 0);
			CHECK_EQ(impl->size(q), i + 1);
		}
		CHECK_EQ(impl->try_put(q, item_of(999)), EAGAIN);
		CHECK_EQ(impl->size(q), cap);
		/* Partial drain and refill moves the wrap point. */
		CHECK_EQ(impl->try_get(q, &got), 0);
		CHECK(got == item_of(100 * round + 1));
		CHECK_EQ(impl->try_put(q, item_of(100 * round + cap + 1)), 0);
		for (uintptr_t i = 1; i <= cap; i++) {
			CHECK_EQ(impl->try_get(q, &got), 0);
			CHECK(got == item_of(100 * round + i + 1));
			CHECK_EQ(impl->size(q), cap - i);
		}
		CHECK_EQ(impl->try_get(q, &got), EAGAIN);
	}
	/* The blocking and timed forms succeed at once when they can. */
	CHECK_EQ(impl->put(q, item_of(7)), 0);
	CHECK_EQ(impl->put_for(q, item_of(8), 0), 0);
	CHECK_EQ(impl->get(q, &got), 0);
	CHECK(got == item_of(7));
	CHECK_EQ(impl->get_for(q, &got, 0), 0);
	CHECK(got == item_of(8));
	queue_free(impl, q);
}

static void check_timeout_elapsed(const struct ci_queue_ops *impl, const char *op,
				  uint64_t t0, uint64_t timeout_ns)
{
	uint64_t elapsed = test_now_ns() - t0;
	if (elapsed < timeout_ns || test_too_late(elapsed, timeout_ns)) {
		fprintf(stderr, "%s: %s timed out after %" PRIu64 " ns, asked %" PRIu64 " ns\n",
			impl->name, op, elapsed, timeout_ns);
		exit(1);
	}
}

static void test_timeouts(const struct ci_queue_ops *impl)
{
	void *q = queue_new(impl, 2);
	void *got = NULL;

	/* Empty: get_for times out after at least the timeout. */
	uint64_t t0 = test_now_ns();
	CHECK_EQ(impl->get_for(q, &got, TIMEOUT_NS), ETIMEDOUT);
	check_timeout_elapsed(impl, "get_for", t0, TIMEOUT_NS);
	CHECK_EQ(impl->get_for(q, &got, 0), ETIMEDOUT);
	CHECK_EQ(impl->get_for(q, &got, 1000), ETIMEDOUT);

	/* Full: put_for likewise. */
	while (impl->try_put(q, item_of(1)) == 0)
		;
	t0 = test_now_ns();
	CHECK_EQ(impl->put_for(q, item_of(2), TIMEOUT_NS), ETIMEDOUT);
	check_timeout_elapsed(impl, "put_for", t0, TIMEOUT_NS);
	CHECK_EQ(impl->put_for(q, item_of(2), 0), ETIMEDOUT);
	CHECK_EQ(impl->put_for(q, item_of(2), 1000), ETIMEDOUT);
	CHECK_EQ(impl->size(q), impl->capacity(q));
	queue_free(impl, q);
}

static void test_close_semantics(const struct ci_queue_ops *impl)
{
	void *q = queue_new(impl, 4);
	void *got = NULL;

	for (uintptr_t i = 1; i <= 3; i++)
		CHECK_EQ(impl->put(q, item_of(i)), 0);
	impl->close(q);
	impl->close(q);		/* idempotent */
	CHECK_EQ(impl->try_put(q, item_of(9)), EPIPE);
	CHECK_EQ(impl->put(q, item_of(9)), EPIPE);
	CHECK_EQ(impl->put_for(q, item_of(9), TIMEOUT_NS), EPIPE);
	CHECK_EQ(impl->put_for(q, item_of(9), 0), EPIPE);
	CHECK_EQ(impl->size(q), 3);
	/* Gets drain what is left, in order, through every form... */
	CHECK_EQ(impl->get(q, &got), 0);
	CHECK(got == item_of(1));
	CHECK_EQ(impl->try_get(q, &got), 0);
	CHECK(got == item_of(2));
	CHECK_EQ(impl->get_for(q, &got, TIMEOUT_NS), 0);
	CHECK(got == item_of(3));
	/* ...then fail with EPIPE, at once and without touching *item. */
	got = item_of(42);
	uint64_t t0 = test_now_ns();
	CHECK_EQ(impl->get(q, &got), EPIPE);
	CHECK_EQ(impl->try_get(q, &got), EPIPE);
	CHECK_EQ(impl->get_for(q, &got, TIMEOUT_NS), EPIPE);
	CHECK_EQ(impl->get_for(q, &got, 0), EPIPE);
	CHECK(test_now_ns() - t0 < TIMEOUT_NS);
	CHECK(got == item_of(42));
	CHECK_EQ(impl->size(q), 0);
	impl->close(q);
	queue_free(impl, q);
}

/* close wakes a get blocked on an empty queue and a put blocked on a full one. */
static void test_close_wakes(const struct ci_queue_ops *impl)
{
	static const enum call gets[] = { CALL_GET, CALL_GET_FOR };
	static const enum call puts[] = { CALL_PUT, CALL_PUT_FOR };
	struct blocked b[2];

	for (int k = 0; k < 2; k++) {
		void *q = queue_new(impl, 1);
		blocked_start(&b[0], impl, q, gets[k], NULL);
		blocked_start(&b[1], impl, q, gets[1 - k], NULL);
		impl->close(q);
		CHECK_EQ(blocked_finish(&b[0]), EPIPE);
		CHECK_EQ(blocked_finish(&b[1]), EPIPE);
		queue_free(impl, q);

		q = queue_new(impl, 1);
		CHECK_EQ(impl->try_put(q, item_of(1)), 0);
		blocked_start(&b[0], impl, q, puts[k], item_of(2));
		blocked_start(&b[1], impl, q, puts[1 - k], item_of(3));
		impl->close(q);
		CHECK_EQ(blocked_finish(&b[0]), EPIPE);
		CHECK_EQ(blocked_finish(&b[1]), EPIPE);
		/* The item put before close is still there, and only it. */
		void *got = NULL;
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(1));
		CHECK_EQ(impl->get(q, &got), EPIPE);
		queue_free(impl, q);
	}
}

/* A blocked get is woken by a put; a blocked put by a get. */
static void test_handoff(const struct ci_queue_ops *impl)
{
	static const enum call gets[] = { CALL_GET, CALL_GET_FOR };
	static const enum call puts[] = { CALL_PUT, CALL_PUT_FOR };
	struct blocked b;
	void *got = NULL;

	for (int k = 0; k < 2; k++) {
		void *q = queue_new(impl, 1);
		blocked_start(&b, impl, q, gets[k], NULL);
		CHECK_EQ(impl->put(q, item_of(5)), 0);
		CHECK_EQ(blocked_finish(&b), 0);
		CHECK(b.item == item_of(5));

		CHECK_EQ(impl->put(q, item_of(6)), 0);
		blocked_start(&b, impl, q, puts[k], item_of(7));
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(6));
		CHECK_EQ(blocked_finish(&b), 0);
		CHECK_EQ(impl->get(q, &got), 0);
		CHECK(got == item_of(7));
		CHECK_EQ(impl->size(q), 0);
		queue_free(impl, q);
	}
}

/* ---- ct_queue only: task_done / join ------------------------------------ */

struct joiner {
	ct_queue *q;
	atomic_int done;
};

static void *join_main(void *arg)
{
	struct joiner *j = arg;
	ct_queue_join(j->q);
	atomic_store(&j->done, 1);
	return NULL;
}

static void test_task_done_join(void)
{
	ct_queue q;
	void *got = NULL;
	pthread_t t[2];
	struct joiner j = { &q, 0 };

	CHECK_EQ(ct_queue_init(&q, 8), 0);
	CHECK_EQ(ct_queue_task_done(&q), EINVAL);	/* nothing put yet */
	ct_queue_join(&q);				/* nothing unfinished: returns */

	for (uintptr_t i = 1; i <= 3; i++)
		CHECK_EQ(ct_queue_put(&q, item_of(i)), 0);
	test_spawn(t, 2, join_main, &j, 0);	/* two joiners, same record */
	for (int i = 0; i < 3; i++)
		CHECK_EQ(ct_queue_get(&q, &got), 0);
	/* Every item taken, but not yet processed: join still waits. */
	CHECK_EQ(ct_queue_task_done(&q), 0);
	CHECK_EQ(ct_queue_task_done(&q), 0);
	test_sleep_ns(SETTLE_NS);
	CHECK_EQ(atomic_load(&j.done), 0);
	/* The last task_done releases every joiner. */
	CHECK_EQ(ct_queue_task_done(&q), 0);
	test_join(t, 2);
	CHECK_EQ(atomic_load(&j.done), 1);
	CHECK_EQ(ct_queue_task_done(&q), EINVAL);	/* one more than put */

	/* task_done may come before the get (Python allows it); close does
	 * not release join, the remaining task_done does. */
	CHECK_EQ(ct_queue_put(&q, item_of(4)), 0);
	atomic_store(&j.done, 0);
	test_spawn(t, 1, join_main, &j, 0);
	ct_queue_close(&q);
	test_sleep_ns(SETTLE_NS);
	CHECK_EQ(atomic_load(&j.done), 0);
	CHECK_EQ(ct_queue_task_done(&q), 0);
	test_join(t, 1);
	CHECK_EQ(ct_queue_get(&q, &got), 0);
	CHECK(got == item_of(4));
	CHECK_EQ(ct_queue_get(&q, &got), EPIPE);
	CHECK_EQ(ct_queue_task_done(&q), EINVAL);
	ct_queue_destroy(&q);
}

int main(void)
{
	test_watchdog(50);
	const struct ci_queue_ops *impl;
	/* contend's own rows: their limits, errors and fault hooks */
	for (size_t i = 0; (impl = next_own_queue(&i)) != NULL;) {
		test_init_errors(impl);
		test_capacity(impl);
		test_try_fifo(impl);
		test_timeouts(impl);
		test_close_semantics(impl);
		test_close_wakes(impl);
		test_handoff(impl);
		printf("%s: ok\n", impl->name);
	}
	test_task_done_join();
	printf("ct_queue task_done/join: ok\n");
	return 0;
}
