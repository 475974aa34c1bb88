/*
 * wl_c2c.c — core to core: the physical floor of any hand-off.
 *
 *   c2c/roundtrip/threads:2/place:cpus:<a>,<b>
 *       Worker 0 (on PU a) writes a line, worker 1 (on PU b) sees it and
 *       writes it back. An op is one round trip; the latency too.
 *   c2c/oneway/threads:2/place:cpus:<a>,<b>
 *       As roundtrip, but worker 0 also stores the time it wrote and worker
 *       1 records the time until it saw the write: one-way latency, using
 *       CLOCK_MONOTONIC on both sides (one clock for the whole machine).
 *
 * One pair of benchmarks for every pair of allowed PUs a < b, registered
 * when 2 is among the thread counts; --place does not apply (the pair is
 * the placement). Every benchmark gets a fresh cache line (reusing one line
 * for every pair skews results on some CPUs): the lines come from an arena
 * with one page per benchmark, never reused, first touched by worker 0.
 * Both sides poll with the pause hint and yield now and then, so an
 * unpinned pair sharing a CPU still makes progress.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_ROUNDTRIP, K_ONEWAY };

#define PAGE 4096
#define STOP UINT64_MAX	/* written by worker 0 to end a batch */

/* The line: seq (odd = ping from worker 0, even = pong), then the stamp. */
struct line {
	atomic_uint_fast64_t seq;
	atomic_uint_fast64_t stamp;
};

static char *arena;

static struct line *line_of(struct ctb_team *t)
{
	return (struct line *)(arena + (size_t)t->bench->p[1] * PAGE);
}

static size_t obj_size(const struct ctb_bench *b)
{
	(void)b;
	return 64;	/* unused: the line lives in the arena */
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	(void)err;
	(void)len;
	struct line *l = line_of(t);
	atomic_store_explicit(&l->seq, 0, memory_order_relaxed);
	atomic_store_explicit(&l->stamp, 0, memory_order_relaxed);
	return 0;
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	(void)t;
	(void)err;
	(void)len;
	return 0;
}

static void batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	struct line *l = line_of(t);
	const bool oneway = t->bench->p[0] == K_ONEWAY;
	uint32_t spins = 0;

	if (w->index == 0) {
		uint64_t k;
		while ((k = ctb_claim(w)) != 0) {
			for (uint64_t i = 0; i < k; i++) {
				uint64_t ping = 2 * w->round + 1;
				bool sample = ctb_sample_due(w);
				uint64_t t0 = sample ? ctb_now_ns() : 0;
				/* Release: the stamp is visible to whoever sees the ping. */
				atomic_store_explicit(&l->stamp, oneway ? t0 : 0, memory_order_relaxed);
				atomic_store_explicit(&l->seq, ping, memory_order_release);
				while (atomic_load_explicit(&l->seq, memory_order_acquire) != ping + 1)
					ctb_poll_pause(&spins);
				if (sample && !oneway)
					ctb_record(w, ctb_now_ns() - t0);
				w->round++;
			}
			w->ops += k;
		}
		atomic_store_explicit(&l->seq, STOP, memory_order_release);
		return;
	}
	/* w->aux: the last value this worker wrote or consumed. */
	for (;;) {
		uint64_t s;
		while ((s = atomic_load_explicit(&l->seq, memory_order_acquire)) == w->aux)
			ctb_poll_pause(&spins);
		if (s == STOP) {
			w->aux = STOP;
			return;
		}
		if (oneway) {
			uint64_t now = ctb_now_ns();
			uint64_t stamp = atomic_load_explicit(&l->stamp, memory_order_relaxed);
			if (stamp != 0)
				ctb_record(w, now - stamp);
		}
		atomic_store_explicit(&l->seq, s + 1, memory_order_release);
		w->aux = s + 1;
		w->ops++;
	}
}

static const struct ctb_workload wl = {
	.family = "c2c",
	.obj_size = obj_size,
	.setup = setup,
	.batch = batch,
	.teardown = teardown,
};

void ctb_register_c2c(void)
{
	bool two = false;
	for (int i = 0; i < ctb_cfg.nthreads; i++)
		two |= ctb_cfg.threads[i] == 2;
	if (!two || ctb_cfg.npus < 2)
		return;

	/* The allowed PUs, by OS index. */
	struct pl_policy compact;
	char err[128];
	if (!pl_parse(ctb_cfg.topo, "compact", &compact, err, sizeof(err)))
		return;
	int n = ctb_cfg.npus;
	int *pus = calloc((size_t)n, sizeof(int));
	if (pus == NULL || pl_plan(ctb_cfg.topo, &compact, n, pus) != 0) {
		free(pus);
		return;
	}
	for (int i = 1; i < n; i++)	/* insertion sort by OS index */
		for (int j = i; j > 0 && pus[j - 1] > pus[j]; j--) {
			int x = pus[j];
			pus[j] = pus[j - 1];
			pus[j - 1] = x;
		}
	size_t pairs = (size_t)n * (size_t)(n - 1) / 2;
	/* Lazily backed: only the pages of benchmarks that run are touched. */
	arena = calloc(pairs * 2, PAGE);
	if (arena == NULL) {
		free(pus);
		return;
	}
	int64_t idx = 0;
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++) {
			struct pl_policy *pl = malloc(sizeof(*pl));
			char text[64];
			snprintf(text, sizeof(text), "cpus:%d,%d", pus[a], pus[b]);
			if (pl == NULL || !pl_parse(ctb_cfg.topo, text, pl, err, sizeof(err))) {
				free(pl);
				continue;
			}
			for (int k = 0; k < 2; k++) {
				int64_t p[4] = { k, idx++, 0, 0 };
				ctb_bench_add(&wl, NULL, p, 2, pl, "c2c/%s/threads:2/place:%s",
					      k == K_ROUNDTRIP ? "roundtrip" : "oneway", pl->name);
			}
		}
	free(pus);
}
