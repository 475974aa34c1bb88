/*
 * harness.c — the trial engine (see harness.h).
 *
 * Synchronization between the driver (the Google Benchmark thread) and a
 * team of n workers
 * =====================================================================
 * `gen` is the release word. The driver writes everything a command needs
 * (cmd, budget, per-run worker fields), sets `arrived` to 0, then stores
 * gen + 1 with release ordering and wakes every parked worker. A worker
 * waits until gen differs from the last value it saw (acquire), so it sees
 * the command's inputs. When a worker has finished the command it
 * increments `arrived` (acq_rel); the one that brings it to n stores the
 * generation into `done` (release) and wakes the driver, which waits until
 * done == gen (acquire) and so sees every worker's results. Between the
 * last arrival and the next release no worker touches the team, so the
 * driver may read and reset worker fields freely there.
 *
 * Waiting spins briefly only when the team plus the driver fit on the
 * allowed PUs; otherwise waiters park at once, so an oversubscribed team
 * never burns CPU at the barrier.
 *
 * Watchdog
 * ========
 * While it waits for a command, the driver watches the team's progress
 * (budget claims and arrivals, which only grow during a command). No
 * progress for --watchdog seconds (and 20 times the batch's expected time)
 * is a hang: the driver gives up on the team (team_abandon), reports the
 * benchmark as an error (error_occurred / error_message in the results,
 * and one line on stderr) and the run goes on with the next benchmark,
 * which gets a fresh team. The stuck workers cannot be reclaimed, since
 * they may be blocked inside the object under test: their threads are
 * detached and left where they are, and the team's memory, the object
 * included, is leaked rather than freed under them. Workers that spin
 * rather than block keep a CPU busy for the rest of the run. Later runs of
 * a benchmark that hung (repetitions) are skipped with an error at once,
 * and contend-bench exits with status 1 at the end.
 */
#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wait.h"	/* lib/src: ct__wait, ct__wake */

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

/* ---- team --------------------------------------------------------------- */

enum team_cmd { CMD_NONE, CMD_SETUP, CMD_BATCH, CMD_TEARDOWN, CMD_EXIT };

/* Spins of a waiter before it parks (when spinning is allowed). */
#define WAIT_SPINS 200

struct team_impl {
	struct ctb_team pub;
	pthread_t *threads;
	atomic_int live;		/* workers that count as arrivals */
	bool spin;			/* waiters may spin before parking */
	uint64_t watchdog_ns;		/* the current command's limit */
	uint64_t stalled_ns;		/* how long it made no progress, once hung */
	int cmd;			/* written by the driver before a release */
	int status;			/* SETUP/TEARDOWN result from worker 0 */
	char err[256];			/* its reason */
	CTB_ALIGNED atomic_uint gen;	/* release word (see the top of the file) */
	CTB_ALIGNED atomic_uint arrived; /* workers done with the current command */
	atomic_uint done;		/* == gen once all arrived */
	CTB_ALIGNED atomic_int failed;	/* ctb_fail was called this run */
	char fail_msg[256];		/* written once by the first ctb_fail */
};

static struct team_impl *impl_of(struct ctb_team *t)
{
	return (struct team_impl *)((char *)t - offsetof(struct team_impl, pub));
}

void ctb_fail(struct ctb_team *t, const char *fmt, ...)
{
	struct team_impl *ti = impl_of(t);
	int expected = 0;
	/* Only the winner writes fail_msg; the driver reads it after the barrier. */
	if (!atomic_compare_exchange_strong_explicit(&ti->failed, &expected, 1,
						     memory_order_relaxed, memory_order_relaxed))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ti->fail_msg, sizeof(ti->fail_msg), fmt, ap);
	va_end(ap);
}

bool ctb_failed(const struct ctb_team *t)
{
	const struct team_impl *ti =
		(const struct team_impl *)((const char *)t - offsetof(struct team_impl, pub));
	return atomic_load_explicit(&ti->failed, memory_order_relaxed) != 0;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_csw(void)
{
	struct rusage ru;
#ifdef RUSAGE_THREAD
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
#else
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
#endif
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

/* Worker side: wait for a generation other than `seen`. */
static unsigned wait_release(struct team_impl *ti, unsigned seen)
{
	unsigned g;
	if (ti->spin) {
		for (int i = 0; i < WAIT_SPINS; i++) {
			g = atomic_load_explicit(&ti->gen, memory_order_acquire);
			if (g != seen)
				return g;
			ct__cpu_relax();
		}
	}
	while ((g = atomic_load_explicit(&ti->gen, memory_order_acquire)) == seen)
		ct__wait(&ti->gen, seen, CT_DEADLINE_NONE);
	return g;
}

/* Worker side: this worker is done with generation g. */
static void arrive(struct team_impl *ti, unsigned g)
{
	/* acq_rel: the last arriver's release below carries every worker's writes. */
	if (atomic_fetch_add_explicit(&ti->arrived, 1, memory_order_acq_rel) + 1 ==
	    (unsigned)atomic_load_explicit(&ti->live, memory_order_relaxed)) {
		atomic_store_explicit(&ti->done, g, memory_order_release);
		ct__wake(&ti->done, CT_WAKE_ALL);
	}
}

/*
 * What the team has visibly done during the current command: budget
 * claims and arrivals, which only grow until the next command. Relaxed:
 * compared only with an earlier value of itself.
 */
static uint64_t team_progress(struct team_impl *ti)
{
	return (uint64_t)atomic_load_explicit(&ti->pub.claimed[0], memory_order_relaxed) +
	       (uint64_t)atomic_load_explicit(&ti->pub.claimed[1], memory_order_relaxed) +
	       atomic_load_explicit(&ti->arrived, memory_order_relaxed);
}

/*
 * Driver side: wait until every worker arrived for generation g. Returns
 * false if the team made no progress for the watchdog's limit: a hang (see
 * "Watchdog" at the top); the caller must then abandon the team.
 */
static bool wait_done(struct team_impl *ti, unsigned g)
{
	if (ti->spin) {
		for (int i = 0; i < WAIT_SPINS; i++) {
			if (atomic_load_explicit(&ti->done, memory_order_acquire) == g)
				return true;
			ct__cpu_relax();
		}
	}
	uint64_t dog = (uint64_t)(ctb_cfg.watchdog_s * 1e9);
	uint64_t limit = ti->watchdog_ns > dog ? ti->watchdog_ns : dog;
	/* Park in slices short enough to notice a short --watchdog in time. */
	uint64_t slice_ns = limit / 4 < 1000000000u ? limit / 4 : 1000000000u;
	if (slice_ns < 1000000u)
		slice_ns = 1000000u;
	uint64_t last = team_progress(ti), since = ctb_now_ns();
	for (;;) {
		unsigned d = atomic_load_explicit(&ti->done, memory_order_acquire);
		if (d == g)
			return true;
		ct__wait(&ti->done, d, ct__deadline(slice_ns));
		uint64_t now = ctb_now_ns(), p = team_progress(ti);
		if (p != last) {
			last = p;
			since = now;
		} else if (now - since > limit &&
			   atomic_load_explicit(&ti->done, memory_order_acquire) != g) {
			ti->stalled_ns = now - since;
			return false;
		}
	}
}

/* Driver side: run one command on the team and wait for it (false: hung). */
static bool command(struct team_impl *ti, int cmd)
{
	ti->cmd = cmd;
	atomic_store_explicit(&ti->arrived, 0, memory_order_relaxed);
	unsigned g = atomic_load_explicit(&ti->gen, memory_order_relaxed) + 1;
	/* Release: publishes cmd, arrived = 0 and the per-run inputs. */
	atomic_store_explicit(&ti->gen, g, memory_order_release);
	ct__wake(&ti->gen, CT_WAKE_ALL);
	return wait_done(ti, g);
}

static bool bound(const struct ctb_worker *w)
{
	return w->pu >= 0 && ctb_cfg.bind_refused == 0 && w->bind_err == 0;
}

static void *worker_main(void *arg)
{
	struct ctb_worker *w = arg;
	struct team_impl *ti = impl_of(w->team);
	struct ctb_team *t = &ti->pub;

	if (w->pu >= 0 && ctb_cfg.bind_refused == 0) {
		bool mis = false;
		w->bind_err = ct_place_bind_self(ctb_cfg.topo, w->pu, &mis);
		w->misplaced = mis;
	}
	/* First touch after binding: the histogram lives near its writer. */
	w->hist = aligned_alloc(64, (sizeof(struct ctb_hist) + 63) / 64 * 64);
	if (w->hist != NULL)
		ctb_hist_clear(w->hist);
	if (w->index == 0) {
		int node = -1;
		t->obj = ct_place_alloc_near(ctb_cfg.topo, bound(w) ? w->pu : -1, t->obj_len, &node);
		if (t->obj != NULL)
			memset(t->obj, 0, t->obj_len);
		t->mem_node = node;
	}
	unsigned seen = 0;
	arrive(ti, seen);

	for (;;) {
		seen = wait_release(ti, seen);
		const struct ctb_workload *wl = t->bench->wl;
		switch (ti->cmd) {
		case CMD_SETUP:
			if (w->index == 0)
				ti->status = wl->setup(t, ti->err, sizeof(ti->err));
			break;
		case CMD_TEARDOWN:
			if (w->index == 0)
				ti->status = wl->teardown(t, ti->err, sizeof(ti->err));
			break;
		case CMD_BATCH: {
			uint64_t c0 = thread_cpu_ns();
			uint64_t s0 = thread_csw();
			w->t_start = ctb_now_ns();
			wl->batch(w);
			w->t_end = ctb_now_ns();
			w->cpu_ns += thread_cpu_ns() - c0;
			w->csw += thread_csw() - s0;
			if (bound(w) && sched_getcpu() != w->pu)
				w->misplaced = true;
			break;
		}
		case CMD_EXIT:
			return NULL;
		default:
			break;
		}
		arrive(ti, seen);
	}
}

static void team_destroy(struct team_impl *ti)
{
	if (ti == NULL)
		return;
	int live = atomic_load_explicit(&ti->live, memory_order_relaxed);
	if (live > 0) {
		ti->cmd = CMD_EXIT;
		unsigned g = atomic_load_explicit(&ti->gen, memory_order_relaxed) + 1;
		atomic_store_explicit(&ti->gen, g, memory_order_release);
		ct__wake(&ti->gen, CT_WAKE_ALL);
		for (int i = 0; i < live; i++)
			pthread_join(ti->threads[i], NULL);
	}
	struct ctb_team *t = &ti->pub;
	if (t->obj != NULL)
		ct_place_free(ctb_cfg.topo, t->obj, t->obj_len);
	if (t->w != NULL)
		for (int i = 0; i < t->n; i++)
			free(t->w[i].hist);
	free(t->w);
	free(ti->threads);
	free(ti);
}

static struct team_impl *current;	/* the team of the benchmark running now */
static int watchdog_stops;		/* teams abandoned by the watchdog */
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

/*
 * Gives up on a team that made no progress for the watchdog's limit (see
 * "Watchdog" at the top) during command `what`: its threads are detached
 * and left where they are, and the team, its workers' records and the
 * object under test are leaked on purpose (a stuck worker may still touch
 * them). The benchmark is marked hung; err gets the reason, which also
 * goes to stderr.
 */
static void team_abandon(struct team_impl *ti, const char *what, char *err, size_t errlen)
{
	int live = atomic_load_explicit(&ti->live, memory_order_relaxed);
	for (int i = 0; i < live; i++)
		pthread_detach(ti->threads[i]);
	struct ctb_bench *b = ti->pub.bench;
	b->hung = true;
	watchdog_stops++;
	if (current == ti)
		current = NULL;
	snprintf(err, errlen,
		 "watchdog: no progress in %s for %.1f s (deadlock or lost wakeup?); "
		 "benchmark stopped, its %d worker thread%s abandoned",
		 what, (double)ti->stalled_ns * 1e-9, live, live == 1 ? "" : "s");
	fprintf(stderr, "contend-bench: %s: %s\n", b->name, err);
}

int ctb_watchdog_stops(void)
{
	return watchdog_stops;
}

static struct team_impl *team_create(struct ctb_bench *b, char *err, size_t errlen)
{
	struct team_impl *ti = aligned_alloc(64, (sizeof(*ti) + 63) / 64 * 64);
	if (ti == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(ti, 0, sizeof(*ti));
	struct ctb_team *t = &ti->pub;
	t->bench = b;
	t->n = b->nthreads;
	t->mem_node = -1;
	t->obj_len = b->wl->obj_size(b);
	if (t->obj_len < 64)
		t->obj_len = 64;
	t->obj_len = (t->obj_len + 63) / 64 * 64;
	ti->spin = t->n + 1 <= ctb_cfg.npus;
	atomic_init(&ti->gen, 0);
	atomic_init(&ti->arrived, 0);
	atomic_init(&ti->done, UINT_MAX);
	t->w = aligned_alloc(64, sizeof(struct ctb_worker) * (size_t)t->n);
	ti->threads = calloc((size_t)t->n, sizeof(pthread_t));
	if (t->w == NULL || ti->threads == NULL) {
		snprintf(err, errlen, "out of memory for %d workers", t->n);
		team_destroy(ti);
		return NULL;
	}
	memset(t->w, 0, sizeof(struct ctb_worker) * (size_t)t->n);
	for (int i = 0; i < t->n; i++) {
		struct ctb_worker *w = &t->w[i];
		w->team = t;
		w->index = i;
		w->pu = b->pus[i];
		w->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	}
	/* Workers count arrivals against `live`: set it to n first, lower it on failure. */
	atomic_init(&ti->live, t->n);
	int started = 0, rc = 0;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (; started < t->n; started++) {
		rc = pthread_create(&ti->threads[started], &attr, worker_main, &t->w[started]);
		if (rc != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		/* The started ones arrive against `live`; none has arrived for all yet. */
		snprintf(err, errlen, "cannot start worker %d of %d: %s", started, t->n, strerror(rc));
		/* Let them finish start-up: they arrive for generation 0 against `started`. */
		atomic_store_explicit(&ti->live, started, memory_order_relaxed);
		if (started > 0) {
			/*
			 * A worker may already have compared against the old `live`;
			 * wait until every started one arrived, whichever way.
			 */
			while (atomic_load_explicit(&ti->arrived, memory_order_acquire) < (unsigned)started)
				sched_yield();
		}
		team_destroy(ti);
		return NULL;
	}
	if (!wait_done(ti, 0)) {
		team_abandon(ti, "start-up", err, errlen);
		return NULL;
	}
	for (int i = 0; i < t->n; i++) {
		if (t->w[i].hist == NULL) {
			snprintf(err, errlen, "out of memory for histograms");
			team_destroy(ti);
			return NULL;
		}
	}
	if (t->obj == NULL) {
		snprintf(err, errlen, "cannot allocate %zu bytes for the object under test",
			 t->obj_len);
		team_destroy(ti);
		return NULL;
	}
	return ti;
}

static struct team_impl *team_for(struct ctb_bench *b, char *err, size_t errlen)
{
	if (current != NULL && current->pub.bench == b)
		return current;
	team_destroy(current);
	current = team_create(b, err, errlen);
	return current;
}

void ctb_teams_finish(void)
{
	team_destroy(current);
	current = NULL;
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
	struct team_impl *ti = team_for(b, err, sizeof(err));
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
	if (!command(ti, CMD_SETUP)) {
		team_abandon(ti, "setup", err, sizeof(err));
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
	uint64_t done = 0, wall = 0, tail = 0;
	for (;;) {
		uint64_t batch = max_it > done ? max_it - done : 1;
		if (!ctb_keep_running_batch(st, batch))
			break;
		uint64_t chunk = batch / (4 * (uint64_t)t->n);
		t->chunk = chunk < 1 ? 1 : chunk < chunk_base ? chunk : chunk_base;
		t->budget = batch;
		atomic_store_explicit(&t->claimed[0], 0, memory_order_relaxed);
		atomic_store_explicit(&t->claimed[1], 0, memory_order_relaxed);

		ti->watchdog_ns = est > 0 ? (uint64_t)(20 * est * (double)batch) : 0;
		uint64_t t0 = ctb_now_ns();
		bool finished = command(ti, CMD_BATCH);
		ti->watchdog_ns = 0;
		if (!finished) {
			/* No iteration time for this batch: the run is an error. */
			team_abandon(ti, "a batch", err, sizeof(err));
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
		done += batch;
		ctb_set_iteration_time(st, (double)window * 1e-9);
		if (atomic_load_explicit(&ti->failed, memory_order_relaxed)) {
			bench_error(st, ti->fail_msg);
			break;
		}
	}

	bool failed = atomic_load_explicit(&ti->failed, memory_order_relaxed) != 0;
	ti->err[0] = '\0';
	if (!command(ti, CMD_TEARDOWN)) {
		team_abandon(ti, "teardown", err, sizeof(err));
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
	if (b->place->kind != CT_PLACE_NONE && ctb_cfg.bind_refused != 0)
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
				const struct ct_place_policy *place, const char *fmt, ...)
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
	if (b->pus == NULL || ct_place_plan(ctb_cfg.topo, place, nthreads, b->pus) != 0) {
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

/* ---- start-up measurements ---------------------------------------------- */

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
	p->err = ct_place_bind_self(ctb_cfg.topo, p->pu, &mis);
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

	/* Busy-work loop: best of a few timings of 2^20 iterations. */
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

	/*
	 * Binding: try it once on a scratch thread; refused means run unpinned.
	 * CTB_TEST_BIND_REFUSED (any non-empty value) makes the probe report
	 * EPERM, as on a VM that refuses binding, so tests can drive that path.
	 */
	struct ct_place_policy pol;
	char err[128];
	ctb_cfg.bind_refused = 0;
	const char *fake = getenv("CTB_TEST_BIND_REFUSED");
	if (fake != NULL && *fake != '\0') {
		ctb_cfg.bind_refused = EPERM;
		return;
	}
	if (ct_place_parse(ctb_cfg.topo, "compact", &pol, err, sizeof(err))) {
		struct probe p = { -1, 0 };
		if (ct_place_plan(ctb_cfg.topo, &pol, 1, &p.pu) == 0 && p.pu >= 0) {
			pthread_t th;
			if (pthread_create(&th, NULL, bind_probe, &p) == 0) {
				pthread_join(th, NULL);
				ctb_cfg.bind_refused = p.err;
			}
		}
	}
}
