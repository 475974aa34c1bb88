/*
 * stress_pool.c — many-thread checks of ct_pool (bounded in time, sized by
 * stress_scale).
 *
 * 1. Exactly once: 4 submitters share a pool of 3 workers (more threads
 *    than this machine's CPUs); each submits numbered tasks in windows,
 *    half of them through a completion, and tries to cancel a random
 *    quarter. Every task counts its runs in its own slot. Checked: a task
 *    whose cancel returned true never ran and its wait says ECANCELED;
 *    every other task ran exactly once and its wait returned its own
 *    number; a completion returns each of its futures exactly once, then
 *    ENOENT.
 * 2. Shutdown races: rounds of a fresh pool (1-4 workers), 3 submitters
 *    submitting until EPIPE while the main thread, after a random delay,
 *    calls shutdown with random wait / cancel_pending (sometimes twice).
 *    Every accepted task is either run exactly once (wait 0) or cancelled
 *    (ECANCELED, never ran, only with cancel_pending); once a submitter
 *    saw EPIPE, its next submit gets EPIPE too.
 * 3. Lost wakeups: the pool goes idle for a random 0-300 us (around the
 *    idle spin, so workers are caught spinning, announcing or parked),
 *    then one task is submitted and waited for with a 5 s bound: a task
 *    left queued while every worker sleeps fails the test.
 * 4. Nested waits under load: 3 external threads each run recursive fib
 *    on a 2-worker pool while also polling with wait_for timeouts.
 * 5. One CPU: 1 and 3 again (smaller) with the main thread pinned to one
 *    CPU before the pool starts, so the workers and submitters inherit
 *    that mask and the idle worker spins by sched_yield (pool.c,
 *    CT_POOL_YIELD_SPIN).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <contend/pool.h>

#include <sched.h>

#include <stdatomic.h>

#include "test_util.h"

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- 1: exactly once ---------------------------------------------------- */

enum { SUBMITTERS = 4, WINDOW = 256 };

static ct_pool pool1;
static long tasks_each;
static atomic_uint *hits;	/* SUBMITTERS * tasks_each slots */

static void *hit_task(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	atomic_fetch_add_explicit(&hits[id], 1, memory_order_relaxed);
	return (void *)(id + 1);
}

static void *submitter1(void *arg)
{
	long me = (long)(intptr_t)arg;
	uint64_t rng = 0x9e3779b97f4a7c15u * (uint64_t)(me + 1);
	static _Thread_local ct_future f[WINDOW];
	bool cancelled[WINDOW];
	ct_completion c;
	CHECK_EQ(ct_completion_init(&c), 0);
	for (long base = 0; base < tasks_each; base += WINDOW) {
		long n = tasks_each - base < WINDOW ? tasks_each - base : WINDOW;
		bool use_c = (base / WINDOW) % 2 == 1;
		for (long i = 0; i < n; i++) {
			uintptr_t id = (uintptr_t)(me * tasks_each + base + i);
			int rc = use_c ? ct_pool_submit_to(&pool1, &c, &f[i], hit_task, (void *)id)
				       : ct_pool_submit(&pool1, &f[i], hit_task, (void *)id);
			CHECK_EQ(rc, 0);
		}
		for (long i = 0; i < n; i++)
			cancelled[i] = rng_next(&rng) % 4 == 0 && ct_future_cancel(&f[i]);
		if (use_c) {
			long got = 0;
			ct_future *g;
			static _Thread_local unsigned char seen[WINDOW];
			memset(seen, 0, sizeof seen);
			while (ct_completion_next(&c, &g) == 0) {
				long i = g - f;
				CHECK(i >= 0 && i < n);
				CHECK(seen[i] == 0);
				seen[i] = 1;
				CHECK(ct_future_done(g));
				got++;
			}
			CHECK_EQ(got, n);
		}
		for (long i = 0; i < n; i++) {
			uintptr_t id = (uintptr_t)(me * tasks_each + base + i);
			void *r = NULL;
			int rc = ct_future_wait(&f[i], &r);
			if (cancelled[i]) {
				CHECK_EQ(rc, ECANCELED);
				CHECK_EQ(atomic_load(&hits[id]), 0);
			} else {
				CHECK_EQ(rc, 0);
				CHECK_EQ((uintptr_t)r, id + 1);
				CHECK_EQ(atomic_load(&hits[id]), 1);
			}
		}
	}
	ct_completion_destroy(&c);
	return NULL;
}

/* Part 1 with `each` tasks per submitter. */
static void exactly_once(long each, const char *what)
{
	pthread_t t[SUBMITTERS];
	uint64_t t0 = test_now_ns();
	tasks_each = each;
	hits = calloc((size_t)(SUBMITTERS * tasks_each), sizeof(*hits));
	CHECK(hits != NULL);
	CHECK_EQ(ct_pool_init(&pool1, 3), 0);
	for (long i = 0; i < SUBMITTERS; i++)
		CHECK(pthread_create(&t[i], NULL, submitter1, (void *)(intptr_t)i) == 0);
	test_join(t, SUBMITTERS);
	ct_pool_destroy(&pool1);
	free(hits);
	printf("exactly once: %d submitters x %ld tasks, 3 workers%s: %.2f s\n", SUBMITTERS,
	       tasks_each, what, (double)(test_now_ns() - t0) * 1e-9);
}

/* ---- 2: shutdown races -------------------------------------------------- */

enum { SD_SUBMITTERS = 3, SD_MAX = 4096 };

static ct_pool pool2;
static atomic_uint sd_hits[SD_SUBMITTERS][SD_MAX];
static ct_future sd_f[SD_SUBMITTERS][SD_MAX];
static long sd_accepted[SD_SUBMITTERS];

static void *sd_task(void *arg)
{
	atomic_fetch_add_explicit((atomic_uint *)arg, 1, memory_order_relaxed);
	return arg;
}

static void *sd_submitter(void *arg)
{
	long me = (long)(intptr_t)arg;
	long n = 0;
	while (n < SD_MAX) {
		int rc = ct_pool_submit(&pool2, &sd_f[me][n], sd_task, &sd_hits[me][n]);
		if (rc == EPIPE)
			break;
		CHECK_EQ(rc, 0);
		n++;
		if (n % 64 == 0)
			sched_yield();
	}
	sd_accepted[me] = n;
	/* After EPIPE, EPIPE stays. */
	if (n < SD_MAX) {
		ct_future late;
		CHECK_EQ(ct_pool_submit(&pool2, &late, sd_task, NULL), EPIPE);
	}
	return NULL;
}

/* ---- 3, 4 --------------------------------------------------------------- */

static ct_pool pool4;
static void *fib_task(void *arg)
{
	long n = (long)(intptr_t)arg;
	if (n < 2)
		return arg;
	ct_future a, b;
	CHECK_EQ(ct_pool_submit(&pool4, &a, fib_task, (void *)(intptr_t)(n - 1)), 0);
	CHECK_EQ(ct_pool_submit(&pool4, &b, fib_task, (void *)(intptr_t)(n - 2)), 0);
	void *ra, *rb;
	CHECK_EQ(ct_future_wait(&b, &rb), 0);
	CHECK_EQ(ct_future_wait(&a, &ra), 0);
	return (void *)((intptr_t)ra + (intptr_t)rb);
}

static long fib_rounds;
static void *fib_caller(void *arg)
{
	(void)arg;
	for (long r = 0; r < fib_rounds; r++) {
		long n = 10 + r % 6;
		long want[] = { 55, 89, 144, 233, 377, 610 };
		ct_future f;
		CHECK_EQ(ct_pool_submit(&pool4, &f, fib_task, (void *)(intptr_t)n), 0);
		void *res;
		int rc;
		while ((rc = ct_future_wait_for(&f, &res, 20000)) == ETIMEDOUT)
			;
		CHECK_EQ(rc, 0);
		CHECK_EQ((long)(intptr_t)res, want[n - 10]);
	}
	return NULL;
}

static void *ident(void *arg) { return arg; }

/* Part 3 with `wakes` rounds: 0 or 1 (a lost wakeup). */
static int idle_wakeups(long wakes, uint64_t *rng, const char *what)
{
	uint64_t t0 = test_now_ns();
	ct_pool p3;
	CHECK_EQ(ct_pool_init(&p3, 3), 0);
	for (long r = 0; r < wakes; r++) {
		test_sleep_ns(rng_next(rng) % 300000);
		ct_future f;
		CHECK_EQ(ct_pool_submit(&p3, &f, ident, (void *)(intptr_t)r), 0);
		void *res;
		int rc = ct_future_wait_for(&f, &res, 5000000000u);
		if (rc == ETIMEDOUT) {
			fprintf(stderr, "round %ld%s: task not run within 5 s (lost wakeup)\n", r, what);
			return 1;
		}
		CHECK_EQ(rc, 0);
		CHECK_EQ((long)(intptr_t)res, r);
	}
	ct_pool_destroy(&p3);
	printf("idle wakeups: %ld rounds%s: %.2f s\n", wakes, what,
	       (double)(test_now_ns() - t0) * 1e-9);
	return 0;
}

int main(void)
{
	test_watchdog(110);
	uint64_t rng = 88172645463325252u;
	pthread_t t[8];

	/* 1 */
	exactly_once(SCALED(100000), "");

	/* 2 */
	uint64_t t0 = test_now_ns();
	long rounds = (long)SCALED(1000), ran_total = 0, cancelled_total = 0;
	for (long r = 0; r < rounds; r++) {
		unsigned workers = 1 + (unsigned)(rng_next(&rng) % 4);
		CHECK_EQ(ct_pool_init(&pool2, workers), 0);
		for (int s = 0; s < SD_SUBMITTERS; s++)
			for (int i = 0; i < SD_MAX; i++)
				atomic_store_explicit(&sd_hits[s][i], 0, memory_order_relaxed);
		for (long i = 0; i < SD_SUBMITTERS; i++)
			CHECK(pthread_create(&t[i], NULL, sd_submitter, (void *)(intptr_t)i) == 0);
		test_sleep_ns(rng_next(&rng) % 300000);
		bool wait = rng_next(&rng) % 2, cancel = rng_next(&rng) % 2;
		ct_pool_shutdown(&pool2, wait, cancel);
		if (rng_next(&rng) % 4 == 0) {
			bool cancel2 = rng_next(&rng) % 2;
			ct_pool_shutdown(&pool2, rng_next(&rng) % 2, cancel2);
			cancel = cancel || cancel2;
		}
		test_join(t, SD_SUBMITTERS);
		for (int s = 0; s < SD_SUBMITTERS; s++) {
			for (long i = 0; i < sd_accepted[s]; i++) {
				void *res = NULL;
				int rc = ct_future_wait(&sd_f[s][i], &res);
				unsigned h = atomic_load(&sd_hits[s][i]);
				if (rc == 0) {
					CHECK_EQ(h, 1);
					CHECK(res == &sd_hits[s][i]);
					ran_total++;
				} else {
					CHECK_EQ(rc, ECANCELED);
					CHECK_EQ(h, 0);
					CHECK(cancel);
					cancelled_total++;
				}
			}
			for (long i = sd_accepted[s]; i < SD_MAX; i++)
				CHECK_EQ(atomic_load(&sd_hits[s][i]), 0);
		}
		ct_pool_destroy(&pool2);
	}
	printf("shutdown races: %ld rounds, %ld ran, %ld cancelled: %.2f s\n", rounds, ran_total,
	       cancelled_total, (double)(test_now_ns() - t0) * 1e-9);

	/* 3 */
	if (idle_wakeups(SCALED(3000), &rng, "") != 0)
		return 1;

	/* 4 */
	t0 = test_now_ns();
	fib_rounds = (long)SCALED(60);
	CHECK_EQ(ct_pool_init(&pool4, 2), 0);
	for (long i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, fib_caller, NULL) == 0);
	test_join(t, 3);
	ct_pool_destroy(&pool4);
	printf("nested fib: 3 callers x %ld rounds on 2 workers: %.2f s\n", fib_rounds,
	       (double)(test_now_ns() - t0) * 1e-9);
	/* 5 */
	cpu_set_t all, one;
	CHECK(sched_getaffinity(0, sizeof(all), &all) == 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 && CPU_ISSET(sched_getcpu(), &all) ? sched_getcpu() : 0, &one);
	CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
	exactly_once(SCALED(20000), ", one CPU");
	if (idle_wakeups(SCALED(1000), &rng, ", one CPU") != 0)
		return 1;
	CHECK(sched_setaffinity(0, sizeof(all), &all) == 0);
	printf("stress_pool: ok\n");
	return 0;
}
