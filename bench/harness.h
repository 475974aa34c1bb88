/*
 * harness.h — contend-bench's trial engine, shared by every workload:
 * team.c (worker team, barrier, watchdog), run.c (the run loop,
 * registration, filter), calibrate.c (start-up measurements).
 *
 * Overview
 * ========
 * A benchmark (struct ctb_bench) is one workload with fixed parameters, an
 * implementation row, a thread count and a placement. Google Benchmark
 * calls it once per run (trial); the harness drives a *team* of worker
 * threads from the Google Benchmark thread:
 *
 *  - The team is created once per benchmark (each worker binds itself to
 *    its planned PU and reads back where it runs), reused by every run and
 *    batch of that benchmark, and ended when the next benchmark starts.
 *    The object under test is allocated by worker 0, on its NUMA node.
 *  - A Google Benchmark iteration is one operation of the team. For each
 *    KeepRunningBatch(B) the team shares a budget of B operations, which
 *    workers claim in small chunks from one counter (ctb_claim), so every
 *    worker contends until the budget is nearly gone. The batch's wall time
 *    (release to last arrival) is reported as manual time: real_time is
 *    wall nanoseconds per operation over all threads.
 *  - Between batches workers wait at a barrier: they spin briefly when
 *    there is a free CPU for it, then park (futex), so an oversubscribed
 *    team burns no CPU waiting.
 *
 * A workload supplies setup / batch / teardown functions (struct
 * ctb_workload). setup and teardown run on worker 0 once per run; batch
 * runs on every worker for every batch and must perform exactly the ops it
 * claims. Workloads with roles (producers/consumers, ping-pong) use
 * w->index to choose and may use a second budget counter (ctb_claim_from).
 *
 * Measurements per run: per-thread op counts (fairness), per-thread
 * log-linear histograms of sampled op latencies (ctb_sample_due /
 * ctb_record), per-thread CPU time and context switches, the start and end
 * of each worker in each batch (tail_frac), and misplaced workers.
 *
 * Hangs: a team that claims no budget and finishes no command for
 * --watchdog seconds is given up (its threads abandoned, its memory
 * leaked) and the benchmark reported as an error; the run goes on with the
 * next benchmark (team.c, "Watchdog"). Workloads that block must claim
 * budget as they go, so that slow progress is not taken for a hang.
 */
#ifndef CTB_HARNESS_H
#define CTB_HARNESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <hwloc.h>

#include "hist.h"
#include "placement.h"
#include "relax.h"	/* lib/src: ct__cpu_relax, ct__spin_pause, ct__now_ns */
#include "shim.h"

#define CTB_LIKELY(x) __builtin_expect(!!(x), 1)
#define CTB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define CTB_ALIGNED __attribute__((aligned(64)))

#define CTB_MAX_THREADS 4096

/* What the command line chose; filled by main before registration. */
struct ctb_config {
	int threads[CTB_MAX_THREADS];	/* thread counts, ascending, unique */
	int nthreads;
	struct pl_policy *places; /* placement policies */
	int nplaces;
	double duration;		/* Google Benchmark min_time, seconds */
	long sample;			/* latency sampling: -1 auto, 0 off, N = 1 op in N */
	uint64_t outside_ns;		/* mutex workloads: work between lock holds */
	uint64_t timed_wait_ns;		/* event timed_wait: the timeout */
	double watchdog_s;		/* no progress for longer (and 20x the estimate) is a hang */
	hwloc_topology_t topo;		/* this machine */
	int npus;			/* allowed PUs */
	int bind_refused;		/* 0, or the errno binding failed with at start-up */
	/* Measured at start-up. */
	double timer_ns;		/* median cost of one ctb_now_ns() */
	uint64_t timer_correction_ns;	/* subtracted from every latency sample */
	double work_ns_per_iter;	/* ctb_work_iters calibration */
	double work_ns_given;		/* CTB_WORK_NS_PER_ITER: use it instead (0: measure) */
};
extern struct ctb_config ctb_cfg;

struct ctb_team;
struct ctb_worker;
struct ctb_bench;

/* A family of workloads. */
struct ctb_workload {
	const char *family;
	/* Bytes of the object under test (allocated once per team, near worker 0). */
	size_t (*obj_size)(const struct ctb_bench *b);
	/* Worker 0, once per run, before the first batch: init the object. */
	int (*setup)(struct ctb_team *t, char *err, size_t errlen);
	/* Every worker, every batch: perform the claimed operations. */
	void (*batch)(struct ctb_worker *w);
	/* Worker 0, once per run, after the last batch: verify, destroy. */
	int (*teardown)(struct ctb_team *t, char *err, size_t errlen);
	/* Optional, on the driver after teardown: extra counters. */
	void (*report)(struct ctb_team *t, ctb_state *st);
};

/* One registered benchmark. Lives until exit. */
struct ctb_bench {
	char name[192];
	const struct ctb_workload *wl;
	const void *impl;		/* adapter row, or NULL */
	int64_t p[4];			/* workload parameters */
	int nthreads;
	const struct pl_policy *place;
	int *pus;			/* planned PU of each worker, -1 = unbound */
	double ns_per_op;		/* wall ns per op in the last run, 0 = none */
	double cpu_per_op;		/* worker CPU ns per op in the last run, 0 = none */
	bool hung;			/* stopped by the watchdog: later runs are skipped */
	uint64_t min_ops;		/* ops per run at least (0: as Google Benchmark asks) */
};

/* One worker thread. Fields marked (run) are reset by the driver per run. */
struct ctb_worker {
	struct ctb_team *team;
	int index;
	int pu;				/* planned PU, -1 = unbound */
	int bind_err;			/* errno of a refused binding, 0 = ok */
	bool misplaced;			/* ran somewhere else than planned */
	int role;			/* (run) fairness group, set by setup */
	uint64_t ops;			/* (run) operations performed */
	uint64_t sum;			/* (run) workload checksum */
	uint64_t count;			/* (run) workload item count */
	uint64_t aux;			/* (run) workload scratch */
	uint64_t round;			/* (run) workload round number */
	uint32_t sample_period;		/* (run) 0 = no sampling */
	uint32_t countdown;		/* (run) ops until the next sample */
	uint64_t rng;			/* xorshift state */
	uint64_t cpu_ns;		/* (run) thread CPU time in batches */
	uint64_t csw;			/* (run) context switches in batches */
	uint64_t t_start, t_end;	/* last batch: first and last instant working */
	struct ctb_hist *hist;		/* (run) sampled latencies */
	void *thread;			/* pthread_t, opaque here */
} CTB_ALIGNED;

/* The team of one benchmark. */
struct ctb_team {
	struct ctb_bench *bench;
	int n;
	struct ctb_worker *w;		/* n workers */
	void *obj;			/* the object under test */
	size_t obj_len;
	int mem_node;			/* NUMA node of obj, -1 unknown */
	uint64_t budget;		/* ops in the current batch */
	uint64_t chunk;			/* ops per claim */
	uint64_t work_iters;		/* workload busy-work (e.g. cs_ns) in loop iterations */
	uint64_t work2_iters;		/* second busy-work amount (e.g. outside work) */
	CTB_ALIGNED atomic_uint_fast64_t claimed[2]; /* budget claims (second: other role) */
	CTB_ALIGNED atomic_uint_fast64_t shared[8];  /* workload shared words */
};

/* Monotonic nanoseconds (the library's clock, inline). */
static inline uint64_t ctb_now_ns(void) { return ct__now_ns(); }

/*
 * Claims up to t->chunk ops of the batch budget from counter k (0 or 1).
 * Returns how many to perform (0 = budget exhausted). Relaxed: the counter
 * only divides the work; the batch barrier orders everything else.
 */
static inline uint64_t ctb_claim_from(struct ctb_worker *w, int k)
{
	struct ctb_team *t = w->team;
	uint64_t got = atomic_fetch_add_explicit(&t->claimed[k], t->chunk, memory_order_relaxed);
	if (got >= t->budget)
		return 0;
	uint64_t left = t->budget - got;
	return left < t->chunk ? left : t->chunk;
}

static inline uint64_t ctb_claim(struct ctb_worker *w) { return ctb_claim_from(w, 0); }

/* Operations performed by every worker of the team in this run (teardown, report). */
static inline uint64_t ctb_team_ops(const struct ctb_team *t)
{
	uint64_t ops = 0;
	for (int i = 0; i < t->n; i++)
		ops += t->w[i].ops;
	return ops;
}

/*
 * Marks the current run failed with a one-line reason (the first reason
 * wins). A workload calls it on a broken invariant or an unexpected return
 * value and then stops working on the batch; the driver skips the
 * benchmark with the reason after the batch.
 */
void ctb_fail(struct ctb_team *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool ctb_failed(const struct ctb_team *t);

/* Re-arms the sample countdown; out of line (rare). Returns true to sample. */
bool ctb_sample_rearm(struct ctb_worker *w);

/* True when the next operation should be timed. */
static inline bool ctb_sample_due(struct ctb_worker *w)
{
	if (CTB_LIKELY(--w->countdown != 0))
		return false;
	return ctb_sample_rearm(w);
}

/* Records a measured latency (timer overhead corrected). */
static inline void ctb_record(struct ctb_worker *w, uint64_t ns)
{
	uint64_t c = ctb_cfg.timer_correction_ns;
	ctb_hist_add(w->hist, ns > c ? ns - c : 0);
}

/* Records a latency that was not measured with two timer reads around it. */
static inline void ctb_record_raw(struct ctb_worker *w, uint64_t ns) { ctb_hist_add(w->hist, ns); }

/* Runs the statement once, timed and recorded when `sample` is true. */
#define CTB_RUN_SAMPLED_(w, sample, ...)                           \
	do {                                                       \
		if (sample) {                                      \
			uint64_t ctb_t0_ = ctb_now_ns();           \
			__VA_ARGS__;                               \
			ctb_record((w), ctb_now_ns() - ctb_t0_);   \
		} else {                                           \
			__VA_ARGS__;                               \
		}                                                  \
	} while (0)

/* Runs the statement once; times it when a sample is due. */
#define CTB_TIMED(w, ...) CTB_RUN_SAMPLED_(w, CTB_UNLIKELY(ctb_sample_due(w)), __VA_ARGS__)

/*
 * Runs the statement k times, timing the ones the sample countdown picks,
 * as CTB_TIMED in a loop would, but with no per-op countdown check: the
 * ops up to the next sample run in a plain inner loop. For ops of a few
 * nanoseconds, where even the check would show.
 */
#define CTB_REPEAT_TIMED(w, k, ...)                                        \
	do {                                                               \
		uint64_t ctb_left_ = (k);                                  \
		while (ctb_left_ > 0) {                                    \
			uint64_t ctb_run_ = (w)->countdown - 1u;           \
			if (ctb_run_ > ctb_left_)                          \
				ctb_run_ = ctb_left_;                      \
			for (uint64_t ctb_i_ = 0; ctb_i_ < ctb_run_; ctb_i_++) { \
				__VA_ARGS__;                               \
			}                                                  \
			(w)->countdown -= (uint32_t)ctb_run_;              \
			ctb_left_ -= ctb_run_;                             \
			if (ctb_left_ == 0)                                \
				break;                                     \
			/* countdown is 1: this op is the one to sample */ \
			CTB_RUN_SAMPLED_(w, ctb_sample_rearm(w), __VA_ARGS__); \
			ctb_left_--;                                       \
		}                                                          \
	} while (0)

/* Busy work: k iterations of an empty dependent loop (see ctb_cfg.work_ns_per_iter). */
static inline void ctb_work_iters(uint64_t k)
{
	for (uint64_t i = 0; i < k; i++)
		__asm__ __volatile__("" : "+r"(i));
}

/* Iterations of ctb_work_iters lasting about ns nanoseconds. */
uint64_t ctb_work_iters_for(uint64_t ns);

/*
 * Spin-wait helper: call once per failed poll (*spins starts at 0).
 * Pauses, and yields the CPU every 256 polls so a spinning waiter cannot
 * starve the thread it waits for when threads outnumber CPUs: the same
 * loop as the spinning peers' (ct__spin_pause, lib/src/relax.h).
 */
static inline void ctb_poll_pause(uint32_t *spins) { ct__spin_pause(spins); }

/* 64-bit mix (splitmix64 finalizer): checksums of items. */
static inline uint64_t ctb_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/*
 * Registers one benchmark: plans its PUs with `place`, names it with the
 * printf-style format, and hands it to Google Benchmark. p may be NULL.
 * Returns the bench (for tweaks) or NULL if the plan failed.
 */
struct ctb_bench *ctb_bench_add(const struct ctb_workload *wl, const void *impl,
				const int64_t p[4], int nthreads,
				const struct pl_policy *place, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Set for --list: benchmarks are registered without manual time, so that
 * Google Benchmark lists them under their exact names (it appends
 * "/manual_time" to the names of manual-time benchmarks; the reporters of
 * ctb_run_exact_names remove it from results).
 */
extern bool ctb_list_mode;

/*
 * The benchmark filter (--benchmark_filter), applied here to the exact
 * names at registration rather than by Google Benchmark, which matches
 * against names carrying a "/manual_time" suffix (so "...place:none$"
 * would never match). POSIX extended regex, searched anywhere in the name;
 * a leading '-' negates; empty or "all" selects everything.
 * ctb_set_filter returns false (with a reason in err) for a bad regex.
 */
bool ctb_set_filter(const char *filter, char *err, size_t errlen);
bool ctb_selected(const char *name);

/* Measures the timer and the busy-work loop; probes binding. Call once. */
void ctb_calibrate(void);

/* Ends the last team (after ctb_run). */
void ctb_teams_finish(void);

/*
 * Benchmarks stopped by the watchdog so far (their teams were abandoned:
 * see team.c, "Watchdog"). main exits with status 1 when nonzero.
 */
int ctb_watchdog_stops(void);

/*
 * Benchmarks reported as errors so far (error_occurred in the results: an
 * invariant that failed, an init error, a watchdog stop, ...). main exits
 * with status 1 when nonzero.
 */
int ctb_bench_errors(void);

/* Workload families: each registers its benchmarks from ctb_cfg. */
void ctb_register_c2c(void);
void ctb_register_atomic(void);
void ctb_register_counter(void);
void ctb_register_mutex(void);
void ctb_register_rmutex(void);
void ctb_register_event(void);
void ctb_register_queue(void);
void ctb_register_pool(void);
void ctb_register_overhead(void);
/* Test build only (contend-bench-selftest): CTB_TEST_DEADLOCK / CTB_TEST_VIOLATION. */
void ctb_register_selftest(void);

#endif
