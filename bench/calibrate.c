/*
 * calibrate.c — start-up measurements: the timer's cost and correction,
 * the busy-work loop's speed, and whether this machine lets threads bind
 * (see ctb_calibrate in harness.h).
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct probe {
	int pu;
	int err;
};

static void *bind_probe(void *arg)
{
	struct probe *p = arg;
	bool mis = false;
	p->err = pl_bind_self(ctb_cfg.topo, p->pu, &mis);
	return NULL;
}

void ctb_calibrate(void)
{
	/* Timer: back-to-back reads; the median is the cost, the minimum the correction. */
	enum { N = 20001 };
	static uint64_t d[N];
	for (int i = 0; i < 1000; i++)
		(void)ctb_now_ns();
	for (int i = 0; i < N; i++) {
		uint64_t a = ctb_now_ns();
		uint64_t b = ctb_now_ns();
		d[i] = b - a;
	}
	qsort(d, N, sizeof(d[0]), cmp_u64);
	ctb_cfg.timer_ns = (double)d[N / 2];
	ctb_cfg.timer_correction_ns = d[0];

	/*
	 * Busy-work loop: best of a few timings of 2^20 iterations, unless
	 * CTB_WORK_NS_PER_ITER gave the figure. scripts/sweep passes the
	 * first process's figure to every later process of a run, so that
	 * all rows spin the same critical sections: measured anew, one step
	 * of the AMD reference VM's run read 0.292, 0.273 and 0.520 ns in its
	 * three processes (docs/performance.md, "The headline").
	 */
	if (ctb_cfg.work_ns_given > 0) {
		ctb_cfg.work_ns_per_iter = ctb_cfg.work_ns_given;
	} else {
		double best = 1e9;
		for (int r = 0; r < 5; r++) {
			uint64_t a = ctb_now_ns();
			ctb_work_iters(1u << 20);
			uint64_t b = ctb_now_ns();
			double per = (double)(b - a) / (double)(1u << 20);
			if (per < best)
				best = per;
		}
		ctb_cfg.work_ns_per_iter = best > 0 ? best : 0.3;
	}

	/*
	 * Binding: try it once on a scratch thread; refused means run unpinned.
	 * CTB_TEST_BIND_REFUSED (any non-empty value) makes the probe report
	 * EPERM, as on a VM that refuses binding, so tests can drive that path.
	 */
	struct pl_policy pol;
	char err[128];
	ctb_cfg.bind_refused = 0;
	const char *fake = getenv("CTB_TEST_BIND_REFUSED");
	if (fake != NULL && *fake != '\0') {
		ctb_cfg.bind_refused = EPERM;
		return;
	}
	if (pl_parse(ctb_cfg.topo, "compact", &pol, err, sizeof(err))) {
		struct probe p = { -1, 0 };
		if (pl_plan(ctb_cfg.topo, &pol, 1, &p.pu) == 0 && p.pu >= 0) {
			pthread_t th;
			if (pthread_create(&th, NULL, bind_probe, &p) == 0) {
				pthread_join(th, NULL);
				ctb_cfg.bind_refused = p.err;
			}
		}
	}
}
