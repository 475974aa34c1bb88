/*
 * wl_lock.c — locks: the mutex and rmutex families.
 *
 *   mutex/<impl>/cs_ns:<n>/threads:<t>/place:<p>
 *       lock; critical section of about n ns; unlock. With n > 0 each
 *       thread also works --outside-ns between acquisitions (so threads
 *       compete for the lock, not only for the line); cs_ns:0 is the bare
 *       lock/unlock pair. threads:1 is the uncontended case.
 *   rmutex/<impl>/depth:<d>/threads:<t>/place:<p>
 *       lock d times (nested), critical section, unlock d times.
 *
 * An op is one acquisition of the outermost lock; its latency covers
 * lock, critical section and unlock. The critical section increments a
 * counter on its own cache line with plain (relaxed) loads and stores;
 * teardown checks it equals the number of ops (mutual exclusion held).
 */
#include "lockobj.h"

#include <stdio.h>

enum { K_MUTEX, K_RMUTEX };

static const int64_t cs_values[] = { 0, 50, 1000 };
static const int64_t depth_values[] = { 1, 4, 16 };

static enum ctb_lock_kind kind_of(const struct ctb_bench *b)
{
	return b->p[0] == K_MUTEX ? CTB_LOCK : CTB_RLOCK;
}

static size_t obj_size(const struct ctb_bench *b) { return ctb_lockobj_size(b->impl, kind_of(b)); }

static int setup(struct ctb_team *t, char *err, size_t len)
{
	const struct ctb_bench *b = t->bench;
	bool mutex = b->p[0] == K_MUTEX;
	t->work_iters = mutex ? ctb_work_iters_for((uint64_t)b->p[1]) : 0;
	t->work2_iters = mutex && b->p[1] > 0 ? ctb_work_iters_for(ctb_cfg.outside_ns) : 0;
	return ctb_lockobj_init(t, kind_of(b), err, len);
}

static void mutex_batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_lock_ops *ops = t->bench->impl;
	void *l = t->obj;
	atomic_uint_fast64_t *d = ctb_lockobj_word(t, kind_of(t->bench));
	const uint64_t cs = t->work_iters, outside = t->work2_iters;
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		if (outside == 0) {
			CTB_REPEAT_TIMED(w, k, {
				ops->lock(l);
				ctb_racy_inc(d);	/* ordered by the lock */
				ctb_work_iters(cs);
				ops->unlock(l);
			});
		} else {
			/* Ops of 100 ns and more: a per-op sample check costs nothing. */
			for (uint64_t i = 0; i < k; i++) {
				CTB_TIMED(w, {
					ops->lock(l);
					ctb_racy_inc(d);	/* ordered by the lock */
					ctb_work_iters(cs);
					ops->unlock(l);
				});
				ctb_work_iters(outside);
			}
		}
		w->ops += k;
	}
}

static void rmutex_batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_rlock_ops *ops = t->bench->impl;
	void *l = t->obj;
	atomic_uint_fast64_t *d = ctb_lockobj_word(t, kind_of(t->bench));
	const int64_t depth = t->bench->p[1];
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		int bad = 0;
		CTB_REPEAT_TIMED(w, k, {
			for (int64_t j = 0; j < depth; j++)
				ops->lock(l);
			ctb_racy_inc(d);	/* ordered by the lock */
			for (int64_t j = 0; j < depth; j++)
				bad |= ops->unlock(l);
		});
		if (CTB_UNLIKELY(bad != 0)) {
			ctb_fail(t, "%s: unlock by the owner failed (error %d)", ops->name, bad);
			return;
		}
		w->ops += k;
	}
}

static void batch(struct ctb_worker *w)
{
	if (w->team->bench->p[0] == K_MUTEX)
		mutex_batch(w);
	else
		rmutex_batch(w);
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	const struct ctb_bench *b = t->bench;
	uint64_t ops = ctb_team_ops(t);
	uint64_t v = ctb_lockobj_destroy(t, kind_of(b));
	if (v != ops) {
		snprintf(err, len, "mutual exclusion violated: %llu acquisitions, counter %llu",
			 (unsigned long long)ops, (unsigned long long)v);
		return 1;
	}
	return 0;
}

static const struct ctb_workload mutex_wl = {
	.family = "mutex",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

static const struct ctb_workload rmutex_wl = {
	.family = "rmutex",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

void ctb_register_mutex(void)
{
	for (size_t r = 0; r < ci_lock_table_len; r++) {
		const struct ci_lock_ops *ops = ci_lock_table[r];
		if (ops == NULL)
			continue;
		for (size_t c = 0; c < sizeof(cs_values) / sizeof(cs_values[0]); c++)
			for (int ti = 0; ti < ctb_cfg.nthreads; ti++)
				for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
					int n = ctb_cfg.threads[ti];
					const struct pl_policy *pl = &ctb_cfg.places[pi];
					int64_t p[4] = { K_MUTEX, cs_values[c], 0, 0 };
					ctb_bench_add(&mutex_wl, ops, p, n, pl,
						      "mutex/%s/cs_ns:%lld/threads:%d/place:%s", ops->name,
						      (long long)cs_values[c], n, pl->name);
				}
	}
}

void ctb_register_rmutex(void)
{
	for (size_t r = 0; r < ci_rlock_table_len; r++) {
		const struct ci_rlock_ops *ops = ci_rlock_table[r];
		if (ops == NULL)
			continue;
		for (size_t d = 0; d < sizeof(depth_values) / sizeof(depth_values[0]); d++)
			for (int ti = 0; ti < ctb_cfg.nthreads; ti++)
				for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
					int n = ctb_cfg.threads[ti];
					const struct pl_policy *pl = &ctb_cfg.places[pi];
					int64_t p[4] = { K_RMUTEX, depth_values[d], 0, 0 };
					ctb_bench_add(&rmutex_wl, ops, p, n, pl,
						      "rmutex/%s/depth:%lld/threads:%d/place:%s", ops->name,
						      (long long)depth_values[d], n, pl->name);
				}
	}
}
