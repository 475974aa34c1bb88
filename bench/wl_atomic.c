/*
 * wl_atomic.c — the floor of any lock: atomic read-modify-writes.
 *
 *   atomic/fetch_add/line:shared/threads:N/place:P   every thread on one line
 *   atomic/fetch_add/line:private/threads:N/place:P  one line per thread
 *   atomic/cas/line:shared|private/...               CAS increment loop
 *
 * An op is one successful increment. Counters beyond the common ones:
 * cas_retries_per_op (failed CAS attempts per op; 0 for fetch_add).
 * Teardown checks that the lines add up to the number of ops.
 */
#include "harness.h"

#include <stdio.h>

enum { OP_FETCH_ADD, OP_CAS };

/* Private lines are two lines apart: the adjacent-line prefetcher pairs lines. */
#define STRIDE 128

static atomic_uint_fast64_t *line_of(struct ctb_team *t, int i)
{
	bool shared = t->bench->p[1] != 0;
	return (atomic_uint_fast64_t *)((char *)t->obj + (shared ? 0 : (size_t)i * STRIDE));
}

static size_t obj_size(const struct ctb_bench *b)
{
	return (size_t)b->nthreads * STRIDE;
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	(void)err;
	(void)len;
	for (int i = 0; i < t->n; i++)
		atomic_store_explicit(line_of(t, i), 0, memory_order_relaxed);
	return 0;
}

static void batch(struct ctb_worker *w)
{
	atomic_uint_fast64_t *x = line_of(w->team, w->index);
	uint64_t k;
	if (w->team->bench->p[0] == OP_FETCH_ADD) {
		while ((k = ctb_claim(w)) != 0) {
			/* Relaxed: the counter itself is the only shared datum. */
			CTB_REPEAT_TIMED(w, k, atomic_fetch_add_explicit(x, 1, memory_order_relaxed));
			w->ops += k;
		}
		return;
	}
	uint64_t retries = 0;
	while ((k = ctb_claim(w)) != 0) {
		CTB_REPEAT_TIMED(w, k, {
			uint_fast64_t v = atomic_load_explicit(x, memory_order_relaxed);
			while (!atomic_compare_exchange_weak_explicit(x, &v, v + 1, memory_order_relaxed,
								      memory_order_relaxed))
				retries++;
		});
		w->ops += k;
	}
	w->aux += retries;
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	uint64_t sum = 0, ops = ctb_team_ops(t);
	bool shared = t->bench->p[1] != 0;
	for (int i = 0; i < (shared ? 1 : t->n); i++)
		sum += atomic_load_explicit(line_of(t, i), memory_order_relaxed);
	if (sum != ops) {
		snprintf(err, len, "atomic increments lost: %llu ops, counter %llu",
			 (unsigned long long)ops, (unsigned long long)sum);
		return 1;
	}
	return 0;
}

static void report(struct ctb_team *t, ctb_state *st)
{
	uint64_t retries = 0, ops = 0;
	for (int i = 0; i < t->n; i++) {
		retries += t->w[i].aux;
		ops += t->w[i].ops;
	}
	ctb_counter(st, "cas_retries_per_op", ops ? (double)retries / (double)ops : 0,
		    CTB_COUNTER_DEFAULT);
}

static const struct ctb_workload wl = {
	.family = "atomic",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
	.report = report,
};

void ctb_register_atomic(void)
{
	static const char *const ops[] = { "fetch_add", "cas" };
	static const char *const lines[] = { "private", "shared" };
	for (int op = 0; op < 2; op++)
		for (int sh = 1; sh >= 0; sh--)
			for (int ti = 0; ti < ctb_cfg.nthreads; ti++)
				for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
					int n = ctb_cfg.threads[ti];
					const struct pl_policy *pl = &ctb_cfg.places[pi];
					int64_t p[4] = { op, sh, 0, 0 };
					ctb_bench_add(&wl, NULL, p, n, pl,
						      "atomic/%s/line:%s/threads:%d/place:%s", ops[op],
						      lines[sh], n, pl->name);
				}
}
