/*
 * wl_queue.c — bounded queues: the queue and ring families.
 *
 *   <family>/<impl>/pc:<P>x<C>/cap:<c>/mode:<block|try|timed>/threads:<P+C>/place:<p>
 *       Workers 0..P-1 produce, the others consume. An op is one item
 *       through the queue. Shapes per thread count t: 1x1 (t = 2); for
 *       t > 2, (t-1)x1, 1x(t-1) and, for even t, (t/2)x(t/2).
 *   <family>/<impl>/pairs/cap:<c>/threads:<t>/place:<p>
 *       Every worker puts an item, then gets one. An op is one put + get.
 *   <family>/<impl>/pingpong/cap:<c>/threads:2/place:<p>
 *       Worker 0 puts into queue A and gets from queue B; worker 1 echoes
 *       A to B. An op is one round trip (the latency).
 *   Capacities 1, 16, 1024. The family is the row's ("queue" or "ring").
 *
 * Modes: block uses put/get; try loops on try_put/try_get (pausing, and
 * yielding now and then, on EAGAIN); timed loops on put_for/get_for with a
 * 1 ms timeout. A sampled latency covers one put or one get including its
 * retries (pairs: a sampled op records its put and its get).
 *
 * Exactly once: producers claim puts from one budget counter and consumers
 * claim gets from another, both holding the batch's op count, so every
 * blocking get is matched by a put and every batch ends with the queue
 * empty. Items are (worker + 1) << 40 | sequence, never NULL; each side
 * sums a 64-bit mix of every item it handled. Teardown checks that as
 * many items were got as put and that the checksums agree, then closes the
 * queue (when the implementation has close) and checks that it is empty
 * and closed: try_get and try_put return EPIPE (EAGAIN for try_get
 * without close). Any mismatch fails the benchmark.
 */
#include "harness.h"
#include "impls.h"

#include <errno.h>
#include <stdio.h>

enum { K_PC, K_PAIRS, K_PINGPONG };
enum { M_BLOCK, M_TRY, M_TIMED };

static const char *const mode_names[] = { "block", "try", "timed" };
static const int64_t caps[] = { 1, 16, 1024 };

#define TIMED_NS 1000000u	/* mode timed: timeout of each attempt */
#define STOP_ITEM ((void *)1)	/* ping-pong: end of the batch (items are >= 2^40) */

/* p[]: kind, capacity, producers, mode. */

static size_t slot(const struct ctb_bench *b)
{
	return (((const struct ci_queue_ops *)b->impl)->obj_size + 63) / 64 * 64;
}

static void *q_of(struct ctb_team *t, int i)
{
	return (char *)t->obj + (size_t)i * slot(t->bench);
}

static int nqueues(const struct ctb_bench *b)
{
	return b->p[0] == K_PINGPONG ? 2 : 1;
}

static size_t obj_size(const struct ctb_bench *b)
{
	return (size_t)nqueues(b) * slot(b);
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	const struct ctb_bench *b = t->bench;
	const struct ci_queue_ops *ops = b->impl;
	for (int i = 0; i < nqueues(b); i++) {
		int rc = ops->init(q_of(t, i), (size_t)b->p[1]);
		if (rc != 0) {
			while (--i >= 0)
				ops->destroy(q_of(t, i));
			snprintf(err, len, "%s init(%lld) failed: error %d", ops->name,
				 (long long)b->p[1], rc);
			return rc;
		}
	}
	if (b->p[0] == K_PC)
		for (int i = (int)b->p[2]; i < t->n; i++)
			t->w[i].role = 1;
	return 0;
}

static void *make_item(struct ctb_worker *w)
{
	uint64_t v = ((uint64_t)(w->index + 1) << 40) | (w->count++ & ((1ull << 40) - 1));
	return (void *)(uintptr_t)v;
}

/* Puts one item in the given mode; 0 or the unexpected error. */
static inline int put_one(const struct ci_queue_ops *ops, void *q, void *it, int mode)
{
	int rc;
	uint32_t spins = 0;
	switch (mode) {
	case M_TRY:
		while ((rc = ops->try_put(q, it)) == EAGAIN)
			ctb_poll_pause(&spins);
		return rc;
	case M_TIMED:
		while ((rc = ops->put_for(q, it, TIMED_NS)) == ETIMEDOUT)
			;
		return rc;
	default:
		return ops->put(q, it);
	}
}

static inline int get_one(const struct ci_queue_ops *ops, void *q, void **it, int mode)
{
	int rc;
	uint32_t spins = 0;
	switch (mode) {
	case M_TRY:
		while ((rc = ops->try_get(q, it)) == EAGAIN)
			ctb_poll_pause(&spins);
		return rc;
	case M_TIMED:
		while ((rc = ops->get_for(q, it, TIMED_NS)) == ETIMEDOUT)
			;
		return rc;
	default:
		return ops->get(q, it);
	}
}

/* An unexpected error: record it and close the queue so nobody stays blocked. */
static void broken(struct ctb_worker *w, void *q, const char *what, int rc)
{
	const struct ci_queue_ops *ops = w->team->bench->impl;
	ctb_fail(w->team, "%s: %s returned %d (worker %d)", ops->name, what, rc, w->index);
	if (ops->close != NULL)
		ops->close(q);
}

static void pc_batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_queue_ops *ops = t->bench->impl;
	void *q = q_of(t, 0);
	const int mode = (int)t->bench->p[3];
	uint64_t k;
	if (w->index < t->bench->p[2]) {
		while ((k = ctb_claim_from(w, 0)) != 0) {
			for (uint64_t i = 0; i < k; i++) {
				void *it = make_item(w);
				int rc;
				CTB_TIMED(w, rc = put_one(ops, q, it, mode));
				if (CTB_UNLIKELY(rc != 0)) {
					broken(w, q, "put", rc);
					return;
				}
				w->sum += ctb_mix64((uint64_t)(uintptr_t)it);
			}
			w->ops += k;
		}
		return;
	}
	while ((k = ctb_claim_from(w, 1)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			void *it = NULL;
			int rc;
			CTB_TIMED(w, rc = get_one(ops, q, &it, mode));
			if (CTB_UNLIKELY(rc != 0)) {
				broken(w, q, "get", rc);
				return;
			}
			w->sum += ctb_mix64((uint64_t)(uintptr_t)it);
			w->count++;
		}
		w->ops += k;
	}
}

static void pairs_batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_queue_ops *ops = t->bench->impl;
	void *q = q_of(t, 0);
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			void *it = make_item(w), *got = NULL;
			/* One sampling decision per op: time the put and the get. */
			bool sample = ctb_sample_due(w);
			uint64_t t0 = sample ? ctb_now_ns() : 0;
			int rc = ops->put(q, it);
			if (sample)
				ctb_record(w, ctb_now_ns() - t0);
			if (CTB_UNLIKELY(rc != 0)) {
				broken(w, q, "put", rc);
				return;
			}
			w->sum += ctb_mix64((uint64_t)(uintptr_t)it);
			t0 = sample ? ctb_now_ns() : 0;
			rc = ops->get(q, &got);
			if (sample)
				ctb_record(w, ctb_now_ns() - t0);
			if (CTB_UNLIKELY(rc != 0)) {
				broken(w, q, "get", rc);
				return;
			}
			w->aux += ctb_mix64((uint64_t)(uintptr_t)got);
		}
		w->ops += k;
	}
}

static void pingpong_batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_queue_ops *ops = t->bench->impl;
	void *a = q_of(t, 0), *b = q_of(t, 1);
	int rc;
	if (w->index == 0) {
		uint64_t k;
		while ((k = ctb_claim(w)) != 0) {
			for (uint64_t i = 0; i < k; i++) {
				void *it = make_item(w), *back = NULL;
				int rc2 = 0;
				CTB_TIMED(w, {
					rc = ops->put(a, it);
					if (rc == 0)
						rc2 = ops->get(b, &back);
				});
				if (CTB_UNLIKELY(rc != 0 || rc2 != 0)) {
					broken(w, rc ? a : b, rc ? "put" : "get", rc ? rc : rc2);
					if (ops->close != NULL)
						ops->close(rc ? b : a);
					return;
				}
				if (CTB_UNLIKELY(back != it)) {
					ctb_fail(t, "%s: ping-pong item %p came back as %p", ops->name,
						 it, back);
					/* Worker 1 still needs its stop item. */
					break;
				}
			}
			w->ops += k;
			if (ctb_failed(t))
				break;
		}
		rc = ops->put(a, STOP_ITEM);
		if (rc != 0)
			broken(w, a, "put", rc);
		return;
	}
	for (;;) {
		void *it = NULL;
		rc = ops->get(a, &it);
		if (CTB_UNLIKELY(rc != 0)) {
			broken(w, a, "get", rc);
			if (ops->close != NULL)
				ops->close(b);
			return;
		}
		if (it == STOP_ITEM)
			return;
		rc = ops->put(b, it);
		if (CTB_UNLIKELY(rc != 0)) {
			broken(w, b, "put", rc);
			if (ops->close != NULL)
				ops->close(a);
			return;
		}
		w->ops++;
	}
}

static void batch(struct ctb_worker *w)
{
	switch (w->team->bench->p[0]) {
	case K_PC:
		pc_batch(w);
		break;
	case K_PAIRS:
		pairs_batch(w);
		break;
	default:
		pingpong_batch(w);
		break;
	}
}

/* Closes (if possible) and checks that q is empty and, if closed, refuses puts. */
static int check_empty_closed(const struct ci_queue_ops *ops, void *q, char *err, size_t len)
{
	void *it = NULL;
	if (ops->close == NULL) {
		int rc = ops->try_get(q, &it);
		if (rc != EAGAIN) {
			snprintf(err, len, "%s: queue not empty at the end of the run (try_get: %d)",
				 ops->name, rc);
			return 1;
		}
		return 0;
	}
	ops->close(q);
	int rc = ops->try_get(q, &it);
	if (rc != EPIPE) {
		snprintf(err, len, "%s: after close, try_get returned %d, not EPIPE (items left?)",
			 ops->name, rc);
		return 1;
	}
	rc = ops->try_put(q, (void *)(uintptr_t)(1ull << 62));
	if (rc != EPIPE) {
		snprintf(err, len, "%s: after close, try_put returned %d, not EPIPE", ops->name, rc);
		return 1;
	}
	return 0;
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	const struct ctb_bench *b = t->bench;
	const struct ci_queue_ops *ops = b->impl;
	int bad = 0;
	if (!ctb_failed(t)) {
		uint64_t put_n = 0, got_n = 0, put_sum = 0, got_sum = 0;
		for (int i = 0; i < t->n; i++) {
			const struct ctb_worker *w = &t->w[i];
			if (b->p[0] == K_PC) {
				if (i < b->p[2]) {
					put_n += w->count;
					put_sum += w->sum;
				} else {
					got_n += w->count;
					got_sum += w->sum;
				}
			} else if (b->p[0] == K_PAIRS) {
				put_n += w->count;
				got_n += w->count;
				put_sum += w->sum;
				got_sum += w->aux;
			}
		}
		if (put_n != got_n || put_sum != got_sum) {
			snprintf(err, len,
				 "%s: items lost or duplicated: %llu put, %llu got, checksums %016llx/%016llx",
				 ops->name, (unsigned long long)put_n, (unsigned long long)got_n,
				 (unsigned long long)put_sum, (unsigned long long)got_sum);
			bad = 1;
		}
		for (int i = 0; i < nqueues(b) && !bad; i++)
			bad = check_empty_closed(ops, q_of(t, i), err, len);
	}
	for (int i = 0; i < nqueues(b); i++)
		ops->destroy(q_of(t, i));
	return bad;
}

static const struct ctb_workload wl = {
	.family = "queue",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

static void add(const struct ci_queue_ops *ops, int64_t kind, int64_t cap, int64_t prod,
		int64_t mode, int n, const struct pl_policy *pl)
{
	int64_t p[4] = { kind, cap, prod, mode };
	const char *fam = ops->family;
	switch (kind) {
	case K_PC:
		ctb_bench_add(&wl, ops, p, n, pl,
			      "%s/%s/pc:%lldx%lld/cap:%lld/mode:%s/threads:%d/place:%s", fam,
			      ops->name, (long long)prod, (long long)(n - prod), (long long)cap,
			      mode_names[mode], n, pl->name);
		break;
	case K_PAIRS:
		ctb_bench_add(&wl, ops, p, n, pl, "%s/%s/pairs/cap:%lld/threads:%d/place:%s", fam,
			      ops->name, (long long)cap, n, pl->name);
		break;
	default:
		ctb_bench_add(&wl, ops, p, n, pl, "%s/%s/pingpong/cap:%lld/threads:2/place:%s",
			      fam, ops->name, (long long)cap, pl->name);
		break;
	}
}

void ctb_register_queue(void)
{
	for (size_t r = 0; r < ci_queue_table_len; r++) {
		const struct ci_queue_ops *ops = ci_queue_table[r];
		if (ops == NULL)
			continue;
		for (int ti = 0; ti < ctb_cfg.nthreads; ti++) {
			int n = ctb_cfg.threads[ti];
			/* Producer counts of the P:C shapes for n threads. */
			int shapes[3], nshapes = 0;
			if (n == 2) {
				shapes[nshapes++] = 1;
			} else if (n > 2) {
				shapes[nshapes++] = n - 1;
				shapes[nshapes++] = 1;
				if (n % 2 == 0)
					shapes[nshapes++] = n / 2;
			}
			for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
				const struct pl_policy *pl = &ctb_cfg.places[pi];
				for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
					for (int s = 0; s < nshapes; s++)
						for (int m = 0; m < 3; m++)
							add(ops, K_PC, caps[c], shapes[s], m, n, pl);
					add(ops, K_PAIRS, caps[c], 0, M_BLOCK, n, pl);
					if (n == 2)
						add(ops, K_PINGPONG, caps[c], 0, M_BLOCK, n, pl);
				}
			}
		}
	}
}
