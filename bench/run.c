/*
 * run.c — one run of a benchmark (Google Benchmark's call): per-run
 * parameters from earlier runs (sampling period, claim chunk), setup,
 * one batch, teardown, then the counters (see harness.h). Also the
 * registration of benchmarks, the --benchmark_filter applied to their
 * exact names, and the sampling countdown.
 */
#include "team.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ctb_list_mode;

static regex_t filter_re;
static bool filter_on, filter_negate;

bool ctb_set_filter(const char *filter, char *err, size_t errlen)
{
	if (filter == NULL || *filter == '\0' || strcmp(filter, "all") == 0)
		return true;
	filter_negate = filter[0] == '-';
	if (filter_negate)
		filter++;
	int rc = regcomp(&filter_re, filter, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regerror(rc, &filter_re, err, errlen);
		return false;
	}
	filter_on = true;
	return true;
}

bool ctb_selected(const char *name)
{
	if (!filter_on)
		return true;
	bool match = regexec(&filter_re, name, 0, NULL, 0) == 0;
	return match != filter_negate;
}

struct ctb_config ctb_cfg = {
	.sample = -1,
	.duration = 0.05,
	.outside_ns = 100,
	.timed_wait_ns = 50000,
	.watchdog_s = 120,
};

static int bench_errors;		/* benchmarks reported as errors */

/* Reports st's benchmark as failed (an error entry in the results). */
static void bench_error(ctb_state *st, const char *msg)
{
	bench_errors++;
	ctb_skip_with_error(st, msg);
}

int ctb_bench_errors(void)
{
	return bench_errors;
}

/* ---- sampling and busy work -------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

bool ctb_sample_rearm(struct ctb_worker *w)
{
	uint32_t p = w->sample_period;
	if (p == 0) {
		w->countdown = UINT32_MAX;
		return false;
	}
	/* Uniform in [1, 2p - 1]: mean p, and no lock-step with periodic workloads. */
	w->countdown = p == 1 ? 1 : 1 + (uint32_t)(xorshift(&w->rng) % (2 * (uint64_t)p - 1));
	return true;
}

uint64_t ctb_work_iters_for(uint64_t ns)
{
	if (ns == 0 || ctb_cfg.work_ns_per_iter <= 0)
		return 0;
	double k = (double)ns / ctb_cfg.work_ns_per_iter;
	return k < 1 ? 1 : (uint64_t)(k + 0.5);
}

/* ---- the benchmark body ------------------------------------------------- */

/* Wall time of one chunk: short, so the end of a batch is ragged by little. */
#define CHUNK_TARGET_NS 20000.0
/* Share of a thread's time that latency sampling may cost. */
#define SAMPLE_BUDGET 0.02

static double jain(const struct ctb_team *t)
{
	/* Normalize each count by the mean of its role, then Jain's index. */
	double sum = 0, sq = 0;
	int m = 0;
	for (int i = 0; i < t->n; i++) {
		double role_sum = 0;
		int role_n = 0;
		for (int j = 0; j < t->n; j++) {
			if (t->w[j].role == t->w[i].role) {
				role_sum += (double)t->w[j].ops;
				role_n++;
			}
		}
		if (role_sum <= 0)
			continue;
		double x = (double)t->w[i].ops / (role_sum / role_n);
		sum += x;
		sq += x * x;
		m++;
	}
	return (m == 0 || sq == 0) ? 1.0 : sum * sum / (m * sq);
}

static void run_bench(ctb_state *st, void *user)
{
	struct ctb_bench *b = user;
	char err[300];
	if (b->hung) {
		/* Another run would hang again, for the watchdog's time. */
		bench_error(st, "skipped: stopped by the watchdog in an earlier run "
					"(its worker threads were abandoned)");
		return;
	}
	struct team_impl *ti = ctb_team_for(b, err, sizeof(err));
	if (ti == NULL) {
		bench_error(st, err);
		return;
	}
	struct ctb_team *t = &ti->pub;
	for (int i = 0; i < t->n; i++) {
		if (t->w[i].bind_err != 0) {
			snprintf(err, sizeof(err), "binding worker %d to PU %d failed: %s", i,
				 t->w[i].pu, strerror(t->w[i].bind_err));
			bench_error(st, err);
			return;
		}
	}

	/*
	 * Per-run parameters from what earlier runs measured. A thread's time
	 * per op: the wall time per op times the threads that can run at once.
	 * Sampling costs two timer reads and a histogram update per sample;
	 * its period keeps that under SAMPLE_BUDGET of the thread's time and
	 * of the CPU time burnt per op (the smaller: blocked threads burn none).
	 */
	double est = b->ns_per_op;
	int running = t->n < ctb_cfg.npus ? t->n : ctb_cfg.npus;
	double per_thread_ns = est * running;
	uint32_t period;
	if (ctb_cfg.sample >= 0) {
		period = (uint32_t)ctb_cfg.sample;
	} else if (est <= 0) {
		period = 1;	/* first run: one op; nothing known yet */
	} else {
		double cost = 2 * ctb_cfg.timer_ns + 10;
		double base = per_thread_ns;
		if (b->cpu_per_op > 0 && b->cpu_per_op < base)
			base = b->cpu_per_op;
		double p = ceil(cost / (SAMPLE_BUDGET * base));
		/* A short run still gets samples: about 8 per thread or more. */
		double few = (double)ctb_max_iterations(st) / (8.0 * t->n);
		if (p > few)
			p = few;
		period = p < 1 ? 1 : p > (1 << 20) ? (1 << 20) : (uint32_t)p;
	}
	uint64_t chunk_base = 1;
	if (est > 0) {
		double c = CHUNK_TARGET_NS / per_thread_ns;
		chunk_base = c < 1 ? 1 : c > 4096 ? 4096 : (uint64_t)c;
	}
	for (int i = 0; i < t->n; i++) {
		struct ctb_worker *w = &t->w[i];
		w->role = 0;
		w->ops = w->sum = w->count = w->aux = w->round = 0;
		w->cpu_ns = w->csw = 0;
		w->sample_period = period;
		ctb_sample_rearm(w);
		ctb_hist_clear(w->hist);
	}
	atomic_store_explicit(&ti->failed, 0, memory_order_relaxed);
	ti->fail_msg[0] = '\0';
	for (int k = 0; k < 8; k++)
		atomic_store_explicit(&t->shared[k], 0, memory_order_relaxed);

	ti->err[0] = '\0';
	if (!ctb_team_command(ti, CMD_SETUP)) {
		ctb_team_abandon(ti, "setup", err, sizeof(err));
		bench_error(st, err);
		return;
	}
	if (ti->status != 0) {
		snprintf(err, sizeof(err), "setup: %s", ti->err[0] ? ti->err : strerror(ti->status));
		bench_error(st, err);
		return;
	}

	/*
	 * One batch per run: the whole of Google Benchmark's iteration count,
	 * so the team is released and gathered once per run and the ragged
	 * start and end (tail_frac) are as small a share of the window as the
	 * run length allows. The loop stays a loop so that KeepRunningBatch's
	 * protocol (and an error from a skip) is followed exactly.
	 */
	const uint64_t max_it = ctb_max_iterations(st);
	uint64_t done = 0, iters = 0, wall = 0, tail = 0;	/* ops, GB iterations */
	for (;;) {
		uint64_t batch = max_it > iters ? max_it - iters : 1;
		if (!ctb_keep_running_batch(st, batch))
			break;
		/* A workload of long ops (an idle gap each) may ask for more
		 * ops than Google Benchmark's iterations, so that its
		 * percentiles rest on enough samples: it runs n of them and
		 * reports the time of `batch` at the rate measured. */
		uint64_t n = b->min_ops > batch ? b->min_ops : batch;
		uint64_t chunk = n / (4 * (uint64_t)t->n);
		t->chunk = chunk < 1 ? 1 : chunk < chunk_base ? chunk : chunk_base;
		t->budget = n;
		atomic_store_explicit(&t->claimed[0], 0, memory_order_relaxed);
		atomic_store_explicit(&t->claimed[1], 0, memory_order_relaxed);

		ti->watchdog_ns = est > 0 ? (uint64_t)(20 * est * (double)n) : 0;
		uint64_t t0 = ctb_now_ns();
		bool finished = ctb_team_command(ti, CMD_BATCH);
		ti->watchdog_ns = 0;
		if (!finished) {
			/* No iteration time for this batch: the run is an error. */
			ctb_team_abandon(ti, "a batch", err, sizeof(err));
			bench_error(st, err);
			return;
		}
		uint64_t t1 = ctb_now_ns();

		uint64_t window = t1 - t0, last_start = 0, first_end = UINT64_MAX;
		for (int i = 0; i < t->n; i++) {
			if (t->w[i].t_start > last_start)
				last_start = t->w[i].t_start;
			if (t->w[i].t_end < first_end)
				first_end = t->w[i].t_end;
		}
		uint64_t all = first_end > last_start ? first_end - last_start : 0;
		tail += window > all ? window - all : 0;
		wall += window;
		done += n;
		iters += batch;
		ctb_set_iteration_time(st, (double)window * 1e-9 * (double)batch / (double)n);
		if (atomic_load_explicit(&ti->failed, memory_order_relaxed)) {
			bench_error(st, ti->fail_msg);
			break;
		}
	}

	bool failed = atomic_load_explicit(&ti->failed, memory_order_relaxed) != 0;
	ti->err[0] = '\0';
	if (!ctb_team_command(ti, CMD_TEARDOWN)) {
		ctb_team_abandon(ti, "teardown", err, sizeof(err));
		if (!failed)
			bench_error(st, err);
		return;
	}
	if (failed)
		return;
	if (ti->status != 0) {
		snprintf(err, sizeof(err), "%s", ti->err[0] ? ti->err : strerror(ti->status));
		bench_error(st, err);
		return;
	}
	if (done == 0 || wall == 0)
		return;

	struct ctb_hist *h = t->w[0].hist;
	uint64_t cpu = t->w[0].cpu_ns, csw = t->w[0].csw;
	int misplaced = t->w[0].misplaced;
	for (int i = 1; i < t->n; i++) {
		ctb_hist_merge(h, t->w[i].hist);
		cpu += t->w[i].cpu_ns;
		csw += t->w[i].csw;
		misplaced += t->w[i].misplaced;
	}
	double ops = (double)done;
	b->ns_per_op = (double)wall / ops;
	b->cpu_per_op = (double)cpu / ops;
	ctb_counter(st, "ops_per_s", ops / ((double)wall * 1e-9), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "p50_ns", ctb_hist_quantile(h, 0.50), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "p90_ns", ctb_hist_quantile(h, 0.90), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "p99_ns", ctb_hist_quantile(h, 0.99), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "p999_ns", ctb_hist_quantile(h, 0.999), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "max_ns", (double)h->max, CTB_COUNTER_DEFAULT);
	ctb_counter(st, "fairness", jain(t), CTB_COUNTER_DEFAULT);
	ctb_counter(st, "cpu_per_op_ns", (double)cpu / ops, CTB_COUNTER_DEFAULT);
	ctb_counter(st, "ctx_switches_per_op", (double)csw / ops, CTB_COUNTER_DEFAULT);
	ctb_counter(st, "misplaced", misplaced, CTB_COUNTER_DEFAULT);
	ctb_counter(st, "tail_frac", (double)tail / (double)wall, CTB_COUNTER_DEFAULT);
	if (b->wl->report != NULL)
		b->wl->report(t, st);

	char label[128] = "";
	size_t used = 0;
	if (b->place->kind != PL_NONE && ctb_cfg.bind_refused != 0)
		used += (size_t)snprintf(label + used, sizeof(label) - used, "unpinned(%s) ",
					 strerror(ctb_cfg.bind_refused));
	if (t->mem_node >= 0 && used < sizeof(label))
		used += (size_t)snprintf(label + used, sizeof(label) - used, "mem_node:%d ", t->mem_node);
	if (used > 0 && used < sizeof(label)) {
		label[used - 1] = '\0';
		ctb_set_label(st, label);
	}
}

struct ctb_bench *ctb_bench_add(const struct ctb_workload *wl, const void *impl,
				const int64_t p[4], int nthreads,
				const struct pl_policy *place, const char *fmt, ...)
{
	char name[sizeof(((struct ctb_bench *)0)->name)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!ctb_selected(name))
		return NULL;
	struct ctb_bench *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	memcpy(b->name, name, sizeof(name));
	b->pus = calloc((size_t)nthreads, sizeof(int));
	if (b->pus == NULL || pl_plan(ctb_cfg.topo, place, nthreads, b->pus) != 0) {
		free(b->pus);
		free(b);
		return NULL;
	}
	b->wl = wl;
	b->impl = impl;
	if (p != NULL)
		memcpy(b->p, p, sizeof(b->p));
	b->nthreads = nthreads;
	b->place = place;
	struct ctb_reg_opts o = { .manual_time = !ctb_list_mode };
	if (!ctb_register(b->name, run_bench, b, &o)) {
		free(b->pus);
		free(b);
		return NULL;
	}
	return b;
}
