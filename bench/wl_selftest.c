/*
 * wl_selftest.c — a benchmark that hangs on purpose, for the watchdog's
 * test, and one that reports an invariant failure. Only in the test-only
 * program contend-bench-selftest (bench/meson.build; never installed),
 * and there registered only when the environment variable
 * CTB_TEST_DEADLOCK (or CTB_TEST_VIOLATION) is set (non-empty).
 *
 *   selftest/deadlock/threads:<t>/place:<p>
 *       workers 0 and 1 deadlock lock-order style: 0 takes mutex A, 1
 *       takes B, each waits until the other holds its first, then 0 asks
 *       for B and 1 for A. Every other worker (and a single one) waits for
 *       an event that nobody sets. No worker ever claims budget, so the
 *       team makes no progress and the watchdog must stop the benchmark,
 *       report it as an error and let the run go on (team.c,
 *       "Watchdog"; bench/tests/watchdog_check.py).
 *
 * The locks are contend's own (ct_mutex, ct_event): they park in the
 * kernel, so the abandoned workers use no CPU for the rest of the run.
 *
 *   selftest/violation/threads:<t>/place:<p>
 *       registered only when CTB_TEST_VIOLATION is set: each batch claims
 *       its budget, then reports an invariant failure (ctb_fail), as a
 *       workload does when it finds an item lost or a counter wrong. The
 *       benchmark must become an error entry, the run go on, and
 *       contend-bench exit with status 1 (bench/tests/violation_check.py).
 */
#include "harness.h"

#include <stdlib.h>

#include <contend/event.h>
#include <contend/mutex.h>

struct deadlock {
	_Alignas(64) ct_mutex a;
	_Alignas(64) ct_mutex b;
	_Alignas(64) ct_event never;	/* never set */
};

static size_t obj_size(const struct ctb_bench *b)
{
	(void)b;
	return sizeof(struct deadlock);
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	(void)err;
	(void)len;
	struct deadlock *d = t->obj;
	ct_mutex_init(&d->a);
	ct_mutex_init(&d->b);
	ct_event_init(&d->never);
	return 0;
}

static void batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	struct deadlock *d = t->obj;

	if (w->index >= 2 || t->n == 1) {
		ct_event_wait(&d->never);
		return;
	}
	ct_mutex *first = w->index == 0 ? &d->a : &d->b;
	ct_mutex *second = w->index == 0 ? &d->b : &d->a;
	ct_mutex_lock(first);
	/* Relaxed: a rendezvous count; the mutexes order everything else. */
	atomic_fetch_add_explicit(&t->shared[0], 1, memory_order_relaxed);
	uint32_t spins = 0;
	while (atomic_load_explicit(&t->shared[0], memory_order_relaxed) < 2)
		ctb_poll_pause(&spins);
	ct_mutex_lock(second);	/* never returns */
	ct_mutex_unlock(second);
	ct_mutex_unlock(first);
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	(void)t;
	(void)err;
	(void)len;
	return 0;	/* never reached: the batch never ends */
}

static const struct ctb_workload deadlock_wl = {
	.family = "selftest",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

static int violation_setup(struct ctb_team *t, char *err, size_t len)
{
	(void)t;
	(void)err;
	(void)len;
	return 0;
}

static void violation_batch(struct ctb_worker *w)
{
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		w->ops += k;
		if (w->index == 0)
			ctb_fail(w->team, "selftest: invariant violated on purpose (%llu ops)",
				 (unsigned long long)w->ops);
	}
}

static const struct ctb_workload violation_wl = {
	.family = "selftest",
	.obj_size = obj_size,
	.setup = violation_setup,
	.batch = violation_batch,
	.teardown = teardown,
};

static bool env_on(const char *name)
{
	const char *on = getenv(name);
	return on != NULL && *on != '\0';
}

void ctb_register_selftest(void)
{
	bool deadlock = env_on("CTB_TEST_DEADLOCK"), violation = env_on("CTB_TEST_VIOLATION");
	for (int ti = 0; ti < ctb_cfg.nthreads; ti++)
		for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
			int n = ctb_cfg.threads[ti];
			const struct pl_policy *pl = &ctb_cfg.places[pi];
			if (deadlock)
				ctb_bench_add(&deadlock_wl, NULL, NULL, n, pl,
					      "selftest/deadlock/threads:%d/place:%s", n, pl->name);
			if (violation)
				ctb_bench_add(&violation_wl, NULL, NULL, n, pl,
					      "selftest/violation/threads:%d/place:%s", n, pl->name);
		}
}
