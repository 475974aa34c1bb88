/*
 * wl_counter.c — the read-modify-write race, and its cures.
 *
 *   counter/racy/threads:N/place:P      load, add, store: no synchronization
 *   counter/atomic/threads:N/place:P    atomic fetch_add
 *   counter/<lock>/threads:N/place:P    load, add, store under each lock and
 *                                       recursive lock of the tables (impls/)
 *
 * An op is one increment attempt. The extra counter lost_updates is the
 * number of increments missing from the final value: it shows the race
 * for `racy` and must be 0 for every other variant (a non-zero count is a
 * failed benchmark: the lock does not exclude).
 *
 * The racy variant uses relaxed atomic loads and stores, not plain
 * accesses: the race is on the value (lost updates), with no undefined
 * behaviour in C11 and nothing for ThreadSanitizer to report.
 */
#include "lockobj.h"

#include <stdio.h>

enum { V_RACY, V_ATOMIC, V_LOCK, V_RLOCK };

static enum ctb_lock_kind kind_of(const struct ctb_bench *b)
{
	return b->p[0] == V_LOCK ? CTB_LOCK : b->p[0] == V_RLOCK ? CTB_RLOCK : CTB_NO_LOCK;
}

static size_t obj_size(const struct ctb_bench *b) { return ctb_lockobj_size(b->impl, kind_of(b)); }

static int setup(struct ctb_team *t, char *err, size_t len)
{
	return ctb_lockobj_init(t, kind_of(t->bench), err, len);
}

static void batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ctb_bench *b = t->bench;
	atomic_uint_fast64_t *c = ctb_lockobj_word(t, kind_of(b));
	void *l = t->obj;
	uint64_t k;
	switch (b->p[0]) {
	case V_RACY:
		while ((k = ctb_claim(w)) != 0) {
			CTB_REPEAT_TIMED(w, k, ctb_racy_inc(c));
			w->ops += k;
		}
		break;
	case V_ATOMIC:
		while ((k = ctb_claim(w)) != 0) {
			CTB_REPEAT_TIMED(w, k, atomic_fetch_add_explicit(c, 1, memory_order_relaxed));
			w->ops += k;
		}
		break;
	case V_LOCK: {
		const struct ci_lock_ops *ops = b->impl;
		while ((k = ctb_claim(w)) != 0) {
			/* The lock orders the relaxed accesses (acquire/release). */
			CTB_REPEAT_TIMED(w, k, {
				ops->lock(l);
				ctb_racy_inc(c);
				ops->unlock(l);
			});
			w->ops += k;
		}
		break;
	}
	case V_RLOCK: {
		const struct ci_rlock_ops *ops = b->impl;
		while ((k = ctb_claim(w)) != 0) {
			int bad = 0;
			CTB_REPEAT_TIMED(w, k, {
				ops->lock(l);
				ctb_racy_inc(c);
				bad |= ops->unlock(l);
			});
			if (CTB_UNLIKELY(bad != 0)) {
				ctb_fail(t, "%s: unlock by the owner failed (error %d)", ops->name, bad);
				return;
			}
			w->ops += k;
		}
		break;
	}
	}
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	const struct ctb_bench *b = t->bench;
	uint64_t ops = ctb_team_ops(t);
	uint64_t v = ctb_lockobj_destroy(t, kind_of(b));
	atomic_store_explicit(&t->shared[0], ops > v ? ops - v : 0, memory_order_relaxed);
	if (b->p[0] != V_RACY && v != ops) {
		snprintf(err, len, "lost updates: %llu increments, counter %llu",
			 (unsigned long long)ops, (unsigned long long)v);
		return 1;
	}
	return 0;
}

static void report(struct ctb_team *t, ctb_state *st)
{
	ctb_counter(st, "lost_updates",
		    (double)atomic_load_explicit(&t->shared[0], memory_order_relaxed),
		    CTB_COUNTER_DEFAULT);
}

static const struct ctb_workload wl = {
	.family = "counter",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
	.report = report,
};

static void add_all(int variant, const void *impl, const char *name)
{
	for (int ti = 0; ti < ctb_cfg.nthreads; ti++)
		for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
			int n = ctb_cfg.threads[ti];
			const struct pl_policy *pl = &ctb_cfg.places[pi];
			int64_t p[4] = { variant, 0, 0, 0 };
			ctb_bench_add(&wl, impl, p, n, pl, "counter/%s/threads:%d/place:%s", name, n,
				      pl->name);
		}
}

void ctb_register_counter(void)
{
	add_all(V_RACY, NULL, "racy");
	add_all(V_ATOMIC, NULL, "atomic");
	for (size_t i = 0; i < ci_lock_table_len; i++)
		if (ci_lock_table[i] != NULL)
			add_all(V_LOCK, ci_lock_table[i], ci_lock_table[i]->name);
	for (size_t i = 0; i < ci_rlock_table_len; i++)
		if (ci_rlock_table[i] != NULL)
			add_all(V_RLOCK, ci_rlock_table[i], ci_rlock_table[i]->name);
}
