/*
 * wl_event.c — events: wake-up latency.
 *
 *   event/<impl>/pingpong/threads:2/place:<p>
 *       Round trip: worker 0 sets A and waits for B; worker 1 waits for A,
 *       clears it and sets B. An op is one round trip (the latency).
 *   event/<impl>/broadcast/threads:<t>/place:<p>         (t >= 2)
 *       Worker 0 sets an event that t-1 waiters wait for; an op is one
 *       round, until the last waiter has woken. The latency recorded is
 *       from just before set to the wake-up of the last waiter.
 *   event/<impl>/timed_wait/threads:<t>/place:<p>
 *       Each worker waits with a timeout (--timed-wait-ns, default 50 us)
 *       on an event nobody sets. An op is one wait; the latency recorded
 *       is the *overshoot*: time waited minus the timeout.
 *
 * Broadcast rounds alternate between two events (round r uses go[r % 2]),
 * so a waiter that already woke in round r can go on to wait for round
 * r + 1 before worker 0 has cleared go[r % 2]: go[(r + 1) % 2] was cleared
 * at the end of round r - 1, before round r began. Waiters acknowledge on
 * a counter; the last one sets `done`, which worker 0 waits for and clears
 * before it clears go[r % 2] and starts the next round. A stop round (stop
 * flag set before the set) ends a batch: waiters acknowledge and leave.
 */
#include "harness.h"
#include "impls.h"

#include <stdio.h>

enum { K_PINGPONG, K_BROADCAST, K_TIMED };

/* Objects: up to three events, each on its own line(s). */
static size_t slot(const struct ctb_bench *b)
{
	return (((const struct ci_event_ops *)b->impl)->obj_size + 63) / 64 * 64;
}

static void *ev(struct ctb_team *t, int i)
{
	return (char *)t->obj + (size_t)i * slot(t->bench);
}

static size_t obj_size(const struct ctb_bench *b)
{
	return 3 * slot(b);
}

static int nevents(const struct ctb_bench *b)
{
	return b->p[0] == K_PINGPONG ? 2 : b->p[0] == K_BROADCAST ? 3 : 1;
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	const struct ci_event_ops *ops = t->bench->impl;
	int n = nevents(t->bench);
	for (int i = 0; i < n; i++) {
		int rc = ops->init(ev(t, i));
		if (rc != 0) {
			while (--i >= 0)
				ops->destroy(ev(t, i));
			snprintf(err, len, "event init failed: error %d", rc);
			return rc;
		}
	}
	if (t->bench->p[0] == K_BROADCAST) {
		/* Roles for fairness: the setter apart from the waiters. */
		t->w[0].role = 1;
	}
	return 0;
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	(void)err;
	(void)len;
	const struct ci_event_ops *ops = t->bench->impl;
	for (int i = 0; i < nevents(t->bench); i++)
		ops->destroy(ev(t, i));
	return 0;
}

/* shared[] words used here. */
enum { SH_STOP, SH_ACKS, SH_TSET };

static void pingpong(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_event_ops *ops = t->bench->impl;
	void *a = ev(t, 0), *b = ev(t, 1);
	atomic_uint_fast64_t *stop = &t->shared[SH_STOP];
	if (w->index == 0) {
		uint64_t k;
		while ((k = ctb_claim(w)) != 0) {
			for (uint64_t i = 0; i < k; i++)
				CTB_TIMED(w, {
					ops->set(a);
					ops->wait(b);
					ops->clear(b);
				});
			w->ops += k;
		}
		/* The event orders this store before worker 1 sees `a` set. */
		atomic_store_explicit(stop, 1, memory_order_relaxed);
		ops->set(a);
		return;
	}
	for (;;) {
		ops->wait(a);
		ops->clear(a);
		if (atomic_load_explicit(stop, memory_order_relaxed)) {
			/* Worker 0 has left the batch; nobody else reads stop now. */
			atomic_store_explicit(stop, 0, memory_order_relaxed);
			return;
		}
		ops->set(b);
		w->ops++;
	}
}

static void broadcast(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_event_ops *ops = t->bench->impl;
	void *done = ev(t, 2);
	atomic_uint_fast64_t *stop = &t->shared[SH_STOP];
	atomic_uint_fast64_t *acks = &t->shared[SH_ACKS];
	atomic_uint_fast64_t *tset = &t->shared[SH_TSET];
	const uint64_t waiters = (uint64_t)t->n - 1;

	if (w->index == 0) {
		uint64_t k;
		bool last = false;
		while (!last) {
			k = ctb_claim(w);
			if (k == 0) {
				/* Stop round: ordered before the waiters' wake-up by the event. */
				atomic_store_explicit(stop, 1, memory_order_relaxed);
				atomic_store_explicit(tset, 0, memory_order_relaxed);
				k = 1;
				last = true;
			}
			for (uint64_t i = 0; i < k; i++) {
				void *go = ev(t, (int)(w->round & 1));
				uint64_t stamp = !last && ctb_sample_due(w) ? ctb_now_ns() : 0;
				atomic_store_explicit(tset, stamp, memory_order_relaxed);
				ops->set(go);
				ops->wait(done);
				ops->clear(done);
				ops->clear(go);
				w->round++;
			}
			if (!last)
				w->ops += k;
		}
		/* Every waiter read stop before acknowledging the stop round. */
		atomic_store_explicit(stop, 0, memory_order_relaxed);
		return;
	}
	for (;;) {
		ops->wait(ev(t, (int)(w->round & 1)));
		w->round++;
		bool stopping = atomic_load_explicit(stop, memory_order_relaxed) != 0;
		uint64_t stamp = atomic_load_explicit(tset, memory_order_relaxed);
		/* acq_rel: the last acknowledger sees every waiter's reads done. */
		uint64_t a = atomic_fetch_add_explicit(acks, 1, memory_order_acq_rel) + 1;
		if (a % waiters == 0) {
			if (stamp != 0)
				ctb_record(w, ctb_now_ns() - stamp);
			ops->set(done);
		}
		if (stopping)
			return;
		w->ops++;
	}
}

static void timed(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_event_ops *ops = t->bench->impl;
	void *e = ev(t, 0);
	const uint64_t timeout = ctb_cfg.timed_wait_ns;
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			bool sample = ctb_sample_due(w);
			uint64_t t0 = sample ? ctb_now_ns() : 0;
			if (CTB_UNLIKELY(ops->wait_for(e, timeout))) {
				ctb_fail(t, "%s: wait_for returned set on an event nobody set",
					 ops->name);
				return;
			}
			if (sample) {
				uint64_t d = ctb_now_ns() - t0;
				if (d < timeout) {
					ctb_fail(t, "%s: wait_for timed out after %llu ns < %llu ns",
						 ops->name, (unsigned long long)d,
						 (unsigned long long)timeout);
					return;
				}
				ctb_record(w, d - timeout);
			}
		}
		w->ops += k;
	}
}

static void batch(struct ctb_worker *w)
{
	switch (w->team->bench->p[0]) {
	case K_PINGPONG:
		pingpong(w);
		break;
	case K_BROADCAST:
		broadcast(w);
		break;
	default:
		timed(w);
		break;
	}
}

static const struct ctb_workload wl = {
	.family = "event",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

void ctb_register_event(void)
{
	for (size_t r = 0; r < ci_event_table_len; r++) {
		const struct ci_event_ops *ops = ci_event_table[r];
		if (ops == NULL)
			continue;
		for (int ti = 0; ti < ctb_cfg.nthreads; ti++) {
			int n = ctb_cfg.threads[ti];
			for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
				const struct pl_policy *pl = &ctb_cfg.places[pi];
				int64_t pp[4] = { K_PINGPONG, 0, 0, 0 };
				int64_t pb[4] = { K_BROADCAST, 0, 0, 0 };
				int64_t pt[4] = { K_TIMED, 0, 0, 0 };
				if (n == 2)
					ctb_bench_add(&wl, ops, pp, n, pl,
						      "event/%s/pingpong/threads:2/place:%s", ops->name,
						      pl->name);
				if (n >= 2)
					ctb_bench_add(&wl, ops, pb, n, pl,
						      "event/%s/broadcast/threads:%d/place:%s", ops->name,
						      n, pl->name);
				ctb_bench_add(&wl, ops, pt, n, pl,
					      "event/%s/timed_wait/threads:%d/place:%s", ops->name, n,
					      pl->name);
			}
		}
	}
}
