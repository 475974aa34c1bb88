/*
 * adapters_test.c — every row of the adapter tables that was built (contend
 * and each peer) keeps the contract of impls.h, including what the
 * benchmark workloads never exercise: close waking callers blocked in put
 * and get, draining after close, timeouts, the capacity, FIFO order from
 * one thread, and exactly-once delivery through the close protocol with
 * two producers and two consumers at capacity 2. Locks: mutual exclusion
 * (a counter equals the acquisitions), and two locks of one kind held at
 * once by one thread (MCS-style nodes kept per thread). Pools: a pool of
 * w workers runs w tasks at once (the benchmark's threads:w means w
 * workers), every result comes back through wait and through a
 * completion, which then says ENOENT.
 *
 * Usage: adapters_test [NAME...]   (default: every built row)
 * Exits 1 naming every violated expectation, 77 when no row was tested.
 * Bounded: a blocked call that close does not wake fails within 5 s.
 */
#include "impls.h"
#include "pool_impl.h"
#include "relax.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
static const char *row;	/* the row under test, for messages */

#define EXPECT(cond, ...)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL %s (line %d): ", row, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			failures++;                                            \
		}                                                              \
	} while (0)

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void *obj_alloc(size_t size)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, (size + 63) / 64 * 64) != 0) {
		perror("posix_memalign");
		exit(1);
	}
	memset(p, 0xa5, (size + 63) / 64 * 64);	/* init must not rely on zeroed memory */
	return p;
}

static void *item(uint64_t v) { return (void *)(uintptr_t)(v + 1); }

/* ---- queues ------------------------------------------------------------- */

struct call {
	const struct ci_queue_ops *ops;
	void *q;
	int get;		/* 1: get, 0: put */
	atomic_int rc;		/* -1 while in the call */
};

static void *blocked_call(void *p)
{
	struct call *c = p;
	void *it = NULL;
	int rc = c->get ? c->ops->get(c->q, &it) : c->ops->put(c->q, item(999));
	atomic_store(&c->rc, rc);
	return NULL;
}

/* A put (full queue) or get (empty queue) blocks until close, then EPIPE. */
static void test_close_wakes(const struct ci_queue_ops *ops, int get)
{
	void *q = obj_alloc(ops->obj_size);
	if (ops->init(q, 1) != 0) {
		EXPECT(0, "init(1) failed");
		free(q);
		return;
	}
	if (!get)	/* fill it, whatever its real capacity */
		while (ops->try_put(q, item(1)) == 0)
			;
	struct call c = { .ops = ops, .q = q, .get = get };
	atomic_init(&c.rc, -1);
	pthread_t t;
	if (pthread_create(&t, NULL, blocked_call, &c) != 0) {
		perror("pthread_create");
		exit(1);
	}
	sleep_ms(30);
	EXPECT(atomic_load(&c.rc) == -1, "%s on a %s queue returned %d instead of blocking",
	       get ? "get" : "put", get ? "empty" : "full", atomic_load(&c.rc));
	ops->close(q);
	uint64_t until = ct__now_ns() + 5000000000u;
	while (atomic_load(&c.rc) == -1 && ct__now_ns() < until)
		sleep_ms(1);
	int rc = atomic_load(&c.rc);
	if (rc == -1) {
		fprintf(stderr, "FAIL %s: a %s blocked before close is still blocked 5 s after it\n",
			row, get ? "get" : "put");
		exit(1);	/* the thread cannot be joined */
	}
	pthread_join(t, NULL);
	if (get)
		EXPECT(rc == EPIPE, "blocked get woken by close returned %d, not EPIPE", rc);
	else
		EXPECT(rc == EPIPE, "blocked put woken by close returned %d, not EPIPE", rc);
	if (!get) {	/* the items put before the close are still there */
		void *it;
		int n = 0;
		while (ops->try_get(q, &it) == 0)
			n++;
		EXPECT(n >= 1, "close lost the items of a full queue");
	}
	ops->destroy(q);
	free(q);
}

/* One thread: capacity, FIFO, timeouts, close drains. */
static void test_single(const struct ci_queue_ops *ops)
{
	void *q = obj_alloc(ops->obj_size);
	EXPECT(ops->init(q, 0) == EINVAL, "init(0) did not return EINVAL");
	int rc = ops->init(q, 4);
	if (rc != 0) {
		EXPECT(0, "init(4) returned %d", rc);
		free(q);
		return;
	}
	void *it = NULL;
	EXPECT(ops->try_get(q, &it) == EAGAIN, "try_get on an empty queue is not EAGAIN");

	/* The capacity: at least what was asked (rows may round up). */
	unsigned n = 0;
	while (n < 100000 && (rc = ops->try_put(q, item(n))) == 0)
		n++;
	EXPECT(rc == EAGAIN, "try_put on a full queue returned %d, not EAGAIN", rc);
	EXPECT(n >= 4 && n < 100000, "capacity 4 holds %u items", n);
	printf("  %-20s capacity 4 holds %u\n", ops->name, n);

	/* Full: a timed put times out, not too early. */
	uint64_t t0 = ct__now_ns();
	rc = ops->put_for(q, item(n), 2000000);
	uint64_t dt = ct__now_ns() - t0;
	EXPECT(rc == ETIMEDOUT, "put_for on a full queue returned %d", rc);
	EXPECT(dt >= 1900000, "put_for(2 ms) gave up after %llu ns", (unsigned long long)dt);

	/* FIFO from one thread; a timed get with items returns at once. */
	for (unsigned i = 0; i < n; i++) {
		it = NULL;
		rc = i % 2 ? ops->get(q, &it) : ops->get_for(q, &it, 1000000000u);
		EXPECT(rc == 0 && it == item(i), "get %u: rc %d, item %p, expected %p", i, rc, it,
		       item(i));
	}
	t0 = ct__now_ns();
	rc = ops->get_for(q, &it, 2000000);
	dt = ct__now_ns() - t0;
	EXPECT(rc == ETIMEDOUT, "get_for on an empty queue returned %d", rc);
	EXPECT(dt >= 1900000, "get_for(2 ms) gave up after %llu ns", (unsigned long long)dt);

	/* Close with items in: puts fail, gets drain, then EPIPE. */
	EXPECT(ops->put(q, item(10)) == 0 && ops->try_put(q, item(11)) == 0, "put after drain failed");
	ops->close(q);
	ops->close(q);	/* idempotent */
	EXPECT(ops->put(q, item(12)) == EPIPE, "put after close is not EPIPE");
	EXPECT(ops->try_put(q, item(12)) == EPIPE, "try_put after close is not EPIPE");
	EXPECT(ops->put_for(q, item(12), 1000000) == EPIPE, "put_for after close is not EPIPE");
	it = NULL;
	rc = ops->get(q, &it);
	EXPECT(rc == 0 && it == item(10), "get after close: rc %d, item %p (items left)", rc, it);
	rc = ops->try_get(q, &it);
	EXPECT(rc == 0 && it == item(11), "try_get after close: rc %d, item %p (items left)", rc, it);
	EXPECT(ops->get(q, &it) == EPIPE, "get on a closed, drained queue is not EPIPE");
	EXPECT(ops->try_get(q, &it) == EPIPE, "try_get on a closed, drained queue is not EPIPE");
	EXPECT(ops->get_for(q, &it, 1000000) == EPIPE, "get_for on a closed, drained queue is not EPIPE");
	ops->destroy(q);
	free(q);
}

/* Two producers, two consumers, capacity 2, through the close protocol. */
#define MT_ITEMS 20000u
#define MT_SIDE 2

struct mt {
	const struct ci_queue_ops *ops;
	void *q;
	int mode;		/* 0 block, 1 try, 2 timed */
	atomic_uint_fast64_t got_n, got_sum, bad;
};

struct mt_arg {
	struct mt *m;
	unsigned index;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void *mt_producer(void *p)
{
	struct mt_arg *a = p;
	struct mt *m = a->m;
	for (uint64_t i = 0; i < MT_ITEMS; i++) {
		void *it = item(((uint64_t)(a->index + 1) << 32) | i);
		int rc;
		if (m->mode == 1) {
			while ((rc = m->ops->try_put(m->q, it)) == EAGAIN)
				sched_yield();
		} else if (m->mode == 2) {
			while ((rc = m->ops->put_for(m->q, it, 100000)) == ETIMEDOUT)
				;
		} else {
			rc = m->ops->put(m->q, it);
		}
		if (rc != 0)
			atomic_fetch_add(&m->bad, 1);
	}
	return NULL;
}

static void *mt_consumer(void *p)
{
	struct mt_arg *a = p;
	struct mt *m = a->m;
	uint64_t last[MT_SIDE] = { 0 };	/* per producer: FIFO order */
	for (;;) {
		void *it = NULL;
		int rc;
		if (m->mode == 1) {
			while ((rc = m->ops->try_get(m->q, &it)) == EAGAIN)
				sched_yield();
		} else if (m->mode == 2) {
			while ((rc = m->ops->get_for(m->q, &it, 100000)) == ETIMEDOUT)
				;
		} else {
			rc = m->ops->get(m->q, &it);
		}
		if (rc == EPIPE)
			return NULL;
		if (rc != 0) {
			atomic_fetch_add(&m->bad, 1);
			return NULL;
		}
		uint64_t v = (uint64_t)(uintptr_t)it - 1;
		unsigned prod = (unsigned)(v >> 32) - 1;
		uint64_t seq = (v & 0xffffffffu) + 1;
		if (prod >= MT_SIDE || seq <= last[prod])
			atomic_fetch_add(&m->bad, 1);	/* foreign, duplicated or reordered */
		else
			last[prod] = seq;
		atomic_fetch_add(&m->got_n, 1);
		atomic_fetch_add(&m->got_sum, mix(v));
	}
}

static void test_threads(const struct ci_queue_ops *ops, int mode)
{
	static const char *const modes[] = { "block", "try", "timed" };
	struct mt m = { .ops = ops, .mode = mode };
	atomic_init(&m.got_n, 0);
	atomic_init(&m.got_sum, 0);
	atomic_init(&m.bad, 0);
	m.q = obj_alloc(ops->obj_size);
	if (ops->init(m.q, 2) != 0) {
		EXPECT(0, "init(2) failed");
		free(m.q);
		return;
	}
	pthread_t prod[MT_SIDE], cons[MT_SIDE];
	struct mt_arg pa[MT_SIDE], ca[MT_SIDE];
	for (unsigned i = 0; i < MT_SIDE; i++) {
		pa[i] = (struct mt_arg){ &m, i };
		ca[i] = (struct mt_arg){ &m, i };
		if (pthread_create(&prod[i], NULL, mt_producer, &pa[i]) != 0 ||
		    pthread_create(&cons[i], NULL, mt_consumer, &ca[i]) != 0) {
			perror("pthread_create");
			exit(1);
		}
	}
	for (unsigned i = 0; i < MT_SIDE; i++)
		pthread_join(prod[i], NULL);
	ops->close(m.q);	/* consumers drain, then see EPIPE */
	for (unsigned i = 0; i < MT_SIDE; i++)
		pthread_join(cons[i], NULL);
	uint64_t want_sum = 0;
	for (uint64_t p = 0; p < MT_SIDE; p++)
		for (uint64_t i = 0; i < MT_ITEMS; i++)
			want_sum += mix(((p + 1) << 32) | i);
	uint64_t n = atomic_load(&m.got_n), sum = atomic_load(&m.got_sum);
	EXPECT(atomic_load(&m.bad) == 0, "mode %s: %llu calls failed, or items duplicated/reordered",
	       modes[mode], (unsigned long long)atomic_load(&m.bad));
	EXPECT(n == MT_SIDE * MT_ITEMS && sum == want_sum,
	       "mode %s: %llu items got of %u, checksum %s", modes[mode], (unsigned long long)n,
	       MT_SIDE * MT_ITEMS, sum == want_sum ? "ok" : "wrong");
	ops->destroy(m.q);
	free(m.q);
}

static void test_queue(const struct ci_queue_ops *ops)
{
	test_single(ops);
	if (ops->close == NULL) {
		printf("  %-20s has no close: close tests skipped\n", ops->name);
		return;
	}
	test_close_wakes(ops, 1);
	test_close_wakes(ops, 0);
	for (int mode = 0; mode < 3; mode++)
		test_threads(ops, mode);
}

/* ---- locks ---------------------------------------------------------------- */

#define LOCK_ITERS 50000u

struct lk {
	const struct ci_lock_ops *ops;
	void *l;
	atomic_uint_fast64_t count;	/* changed under l */
};

static void *lock_worker(void *p)
{
	struct lk *k = p;
	for (unsigned i = 0; i < LOCK_ITERS; i++) {
		k->ops->lock(k->l);
		/*
		 * Load, then store: an update is lost if mutual exclusion fails.
		 * Relaxed atomics (the lock orders them), as in the harness, so
		 * ThreadSanitizer stays quiet for locks whose atomics it cannot
		 * see (ck's are inline assembly).
		 */
		uint_fast64_t v = atomic_load_explicit(&k->count, memory_order_relaxed);
		atomic_store_explicit(&k->count, v + 1, memory_order_relaxed);
		k->ops->unlock(k->l);
	}
	return NULL;
}

static void test_lock(const struct ci_lock_ops *ops)
{
	struct lk k = { .ops = ops, .l = obj_alloc(ops->obj_size) };
	atomic_init(&k.count, 0);
	if (ops->init(k.l) != 0) {
		EXPECT(0, "init failed");
		free(k.l);
		return;
	}
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, lock_worker, &k) != 0) {
			perror("pthread_create");
			exit(1);
		}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	uint64_t n = atomic_load(&k.count);
	EXPECT(n == 2 * LOCK_ITERS, "counter %llu after %u acquisitions (mutual exclusion failed)",
	       (unsigned long long)n, 2 * LOCK_ITERS);

	/* Two locks of this kind held at once, released inner first. */
	void *l2 = obj_alloc(ops->obj_size);
	if (ops->init(l2) != 0) {
		EXPECT(0, "second init failed");
	} else {
		for (int i = 0; i < 3; i++) {
			ops->lock(k.l);
			ops->lock(l2);
			ops->unlock(l2);
			ops->unlock(k.l);
		}
		ops->destroy(l2);
	}
	free(l2);
	ops->destroy(k.l);
	free(k.l);
}

/* ---- main ------------------------------------------------------------------- */

/*
 * Pools. A rendezvous of POOL_WORKERS tasks: each arrives, then waits (up
 * to 5 s) until all have arrived; a pool that runs fewer at once times
 * out. Tasks return their own argument's id + 1.
 */
#define POOL_WORKERS 4
#define POOL_AC_TASKS 16

struct rendezvous {
	atomic_int arrived;
	atomic_int missed;
};

struct pool_arg {
	struct rendezvous *rv;
	uint64_t id;
};

static void *rendezvous_task(void *p)
{
	struct pool_arg *a = p;
	atomic_fetch_add(&a->rv->arrived, 1);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&a->rv->arrived) < POOL_WORKERS) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= 5) {
			atomic_fetch_add(&a->rv->missed, 1);
			break;
		}
		sleep_ms(1);
	}
	return item(a->id);
}

static void *plain_task(void *p)
{
	return item(((struct pool_arg *)p)->id);
}

/* A completion returns every future once, then ENOENT. */
static void test_completion(const struct ci_pool_ops *ops, void *pool, void *c, void **futs,
			    struct pool_arg *args, struct rendezvous *rv)
{
	for (int i = 0; i < POOL_AC_TASKS; i++) {
		args[i] = (struct pool_arg){ rv, (uint64_t)i };
		EXPECT(ops->submit_to(pool, c, futs[i], plain_task, &args[i]) == 0, "submit_to %d", i);
	}
	unsigned seen = 0;
	void *f;
	int got = 0;
	while (got <= POOL_AC_TASKS && ops->next(c, &f) == 0) {
		int j = -1;
		for (int i = 0; i < POOL_AC_TASKS; i++)
			if (futs[i] == f)
				j = i;
		EXPECT(j >= 0 && !(seen >> j & 1), "next returned a future %s",
		       j < 0 ? "never submitted" : "twice");
		if (j >= 0)
			seen |= 1u << j;
		got++;
	}
	EXPECT(got == POOL_AC_TASKS && ops->next(c, &f) == ENOENT,
	       "next returned %d of %d futures, then no ENOENT", got, POOL_AC_TASKS);
}

static void test_pool(const struct ci_pool_ops *ops)
{
	void *pool = obj_alloc(ops->pool_size);
	int rc = ops->init(pool, POOL_WORKERS);
	EXPECT(rc == 0, "init(%d workers) returned %d", POOL_WORKERS, rc);
	if (rc != 0) {
		free(pool);
		return;
	}
	struct rendezvous rv = { 0, 0 };
	struct pool_arg args[POOL_AC_TASKS];
	void *futs[POOL_AC_TASKS];
	for (int i = 0; i < POOL_AC_TASKS; i++)
		futs[i] = obj_alloc(ops->future_size);

	/* w tasks at once: the rendezvous; each result through wait. */
	for (int i = 0; i < POOL_WORKERS; i++) {
		args[i] = (struct pool_arg){ &rv, (uint64_t)i };
		EXPECT(ops->submit(pool, futs[i], rendezvous_task, &args[i]) == 0, "submit %d", i);
	}
	for (int i = 0; i < POOL_WORKERS; i++) {
		void *r = NULL;
		EXPECT(ops->wait(pool, futs[i], &r) == 0 && r == item((uint64_t)i),
		       "wait %d: result %p", i, r);
	}
	EXPECT(atomic_load(&rv.missed) == 0,
	       "%d of %d tasks waited 5 s for the others: the pool of %d workers ran fewer at once",
	       atomic_load(&rv.missed), POOL_WORKERS, POOL_WORKERS);

	void *c = obj_alloc(ops->completion_size);
	rc = ops->completion_init(c);
	EXPECT(rc == 0, "completion_init returned %d", rc);
	if (rc == 0) {
		test_completion(ops, pool, c, futs, args, &rv);
		ops->completion_destroy(c);
	}
	free(c);
	ops->destroy(pool);
	for (int i = 0; i < POOL_AC_TASKS; i++)
		free(futs[i]);
	free(pool);
}

static int wanted(int argc, char **argv, const char *name)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int tested = 0;
	for (size_t i = 0; i < ci_lock_table_len; i++) {
		const struct ci_lock_ops *ops = ci_lock_table[i];
		if (ops != NULL && wanted(argc, argv, ops->name)) {
			row = ops->name;
			test_lock(ops);
			printf("  %-20s lock ok so far (%d failures)\n", row, failures);
			tested++;
		}
	}
	for (size_t i = 0; i < ci_queue_table_len; i++) {
		const struct ci_queue_ops *ops = ci_queue_table[i];
		if (ops != NULL && wanted(argc, argv, ops->name)) {
			row = ops->name;
			test_queue(ops);
			printf("  %-20s queue checked (%d failures so far)\n", row, failures);
			tested++;
		}
	}
	for (size_t i = 0; i < ci_pool_table_len; i++) {
		const struct ci_pool_ops *ops = ci_pool_table[i];
		if (ops != NULL && wanted(argc, argv, ops->name)) {
			row = ops->name;
			test_pool(ops);
			printf("  %-20s pool checked (%d failures so far)\n", row, failures);
			tested++;
		}
	}
	char missing[1024];
	ci_impls_missing(missing, sizeof(missing));
	printf("%d rows tested; not built: %s\n", tested, missing[0] ? missing : "none");
	if (tested == 0)
		return 77;
	return failures ? 1 : 0;
}
